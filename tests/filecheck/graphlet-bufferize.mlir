// RUN: graphlet-opt %s -p graphlet-bufferize | filecheck %s

// Results become out-params; the fused chain writes straight into its out-param
// (no alloc, no copy); a fill + reduction share one buffer, in place.
// CHECK-LABEL: func.func @chain(%a: memref<4xf64>, %b: memref<4xf64>, %0: memref<4xf64>) {
func.func @chain(%a: tensor<4xf64>, %b: tensor<4xf64>) -> tensor<4xf64> {
  %e = tensor.empty() : tensor<4xf64>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a, %b : tensor<4xf64>, tensor<4xf64>) outs(%e : tensor<4xf64>) {
  ^bb0(%x: f64, %y: f64, %o: f64):
    %m = arith.mulf %x, %y : f64
    linalg.yield %m : f64
  } -> tensor<4xf64>
  func.return %r : tensor<4xf64>
}
// CHECK-NEXT: linalg.generic {{.*}} ins(%a, %b : memref<4xf64>, memref<4xf64>) outs(%0 : memref<4xf64>)
// CHECK:      func.return
// CHECK-NOT:  memref.alloc

// The fill and the reduction share the returned buffer (the out-param %2); a
// returned argument, a view and a value returned twice are copied into theirs.
// CHECK-LABEL: func.func @temporaries(%x: memref<2x3xf32>, %0: memref<2x3xf32>, %1: memref<3x2xf32>, %2: memref<2xf32>, %3: memref<2xf32>) {
func.func @temporaries(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %r = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %e = tensor.empty() : tensor<2xf32>
  %z = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%e : tensor<2xf32>) {
  ^bb0(%o: f32):
    %c = arith.constant 0.0 : f32
    linalg.yield %c : f32
  } -> tensor<2xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<2x3xf32>) outs(%z : tensor<2xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  } -> tensor<2xf32>
  func.return %x, %r, %s, %s : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>
}
// CHECK-NEXT: %[[V:.*]] = memref.reinterpret_cast %x to offset: [0], sizes: [3, 2], strides: [2, 1] : memref<2x3xf32> to memref<3x2xf32>
// CHECK-NEXT: linalg.generic {{.*}} outs(%2 : memref<2xf32>)
// CHECK:      linalg.generic {{.*}} ins(%x : memref<2x3xf32>) outs(%2 : memref<2xf32>)
// CHECK:      linalg.generic {{.*}} ins(%x : memref<2x3xf32>) outs(%0 : memref<2x3xf32>)
// CHECK:      linalg.generic {{.*}} ins(%[[V]] : memref<3x2xf32>) outs(%1 : memref<3x2xf32>)
// CHECK:      linalg.generic {{.*}} ins(%2 : memref<2xf32>) outs(%3 : memref<2xf32>)
// CHECK:      func.return

// A returned view of our own alloc (a convolution's grouped output) needs no copy:
// the alloc becomes the out-param, seen in the alloc's shape.
// CHECK-LABEL: func.func @returned_view(%x: memref<2x3xf32>, %0: memref<6xf32>) {
func.func @returned_view(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  %e = tensor.empty() : tensor<2x3xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.negf %v : f32
    linalg.yield %m : f32
  } -> tensor<2x3xf32>
  %r = graphlet.reshape %n : (tensor<2x3xf32>) -> tensor<6xf32>
  func.return %r : tensor<6xf32>
}
// CHECK-NEXT: %[[OUT:.*]] = memref.reinterpret_cast %0 to offset: [0], sizes: [2, 3], strides: [3, 1] : memref<6xf32> to memref<2x3xf32>
// CHECK-NEXT: linalg.generic {{.*}} ins(%x : memref<2x3xf32>) outs(%[[OUT]] : memref<2x3xf32>)
// CHECK:      memref.reinterpret_cast %[[OUT]]
// CHECK-NEXT: func.return
// CHECK-NOT:  memref.alloc

// A destination still read later is copied before it is overwritten (here the
// copy is itself returned, so it is the out-param); a dense constant becomes a global.
// CHECK:      memref.global "private" constant @__constant_copy_on_write_0 : memref<2xf32> = dense<[1.000000e+00, 2.000000e+00]> alignment = 64
// CHECK-LABEL: func.func @copy_on_write(%x: memref<2xf32>, %0: memref<2xf32>, %1: memref<2xf32>) {
func.func @copy_on_write(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %c = graphlet.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<2xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %c : tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %u = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<2xf32>) outs(%t : tensor<2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  func.return %t, %u : tensor<2xf32>, tensor<2xf32>
}
// CHECK-NEXT: %[[G:.*]] = memref.get_global @__constant_copy_on_write_0 : memref<2xf32>
// CHECK-NEXT: linalg.generic {{.*}} ins(%x, %[[G]] : memref<2xf32>, memref<2xf32>) outs(%0 : memref<2xf32>)
// CHECK:      linalg.generic {{.*}} ins(%0 : memref<2xf32>) outs(%1 : memref<2xf32>)
// CHECK:      linalg.generic {{.*}} ins(%x : memref<2xf32>) outs(%1 : memref<2xf32>)
// CHECK:      func.return

// A tensor.extract in a body (a gather) is a memref.load of the source's buffer,
// and a read of it: the source is copied before the generic that would overwrite it.
// CHECK-LABEL: func.func @gather_reads_source(%x: memref<3xf32>, %i: memref<2xindex>, %0: memref<2xf32>, %1: memref<3xf32>) {
func.func @gather_reads_source(%x: tensor<3xf32>, %i: tensor<2xindex>) -> (tensor<2xf32>, tensor<3xf32>) {
  %e = tensor.empty() : tensor<3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<3xf32>) outs(%e : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<3xf32>
  %u = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<3xf32>) outs(%t : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<3xf32>
  %e2 = tensor.empty() : tensor<2xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%i : tensor<2xindex>) outs(%e2 : tensor<2xf32>) {
  ^bb0(%k: index, %o: f32):
    %v = tensor.extract %t[%k] : tensor<3xf32>
    linalg.yield %v : f32
  } -> tensor<2xf32>
  func.return %g, %u : tensor<2xf32>, tensor<3xf32>
}
// CHECK-NEXT: %[[T:.*]] = memref.alloc() alignment = 64 : memref<3xf32>
// CHECK-NEXT: linalg.generic {{.*}} ins(%x : memref<3xf32>) outs(%[[T]] : memref<3xf32>)
// CHECK:      linalg.generic {{.*}} ins(%[[T]] : memref<3xf32>) outs(%1 : memref<3xf32>)
// CHECK:      linalg.generic {{.*}} ins(%x : memref<3xf32>) outs(%1 : memref<3xf32>)
// CHECK:      linalg.generic {{.*}} ins(%i : memref<2xindex>) outs(%0 : memref<2xf32>)
// CHECK-NEXT: ^bb0(%[[K:.*]]: index, %{{.*}}: f32):
// CHECK-NEXT:   %{{.*}} = memref.load %[[T]][%[[K]]] : memref<3xf32>
// CHECK:      memref.dealloc %[[T]] : memref<3xf32>
