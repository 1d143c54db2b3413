// RUN: graphlet-opt %s -p convert-graphlet-to-linalg,fuse-elementwise,dce | filecheck %s

// relu(a*b+c)*0.5 becomes one loop nest reading a, b (broadcast) and c directly.
// CHECK-LABEL: func.func @chain
func.func @chain(%a: tensor<4x3xf64>, %b: tensor<3xf64>, %c: tensor<4x3xf64>) -> tensor<4x3xf64> {
  %m = graphlet.mul %a, %b : tensor<4x3xf64>, tensor<3xf64>
  %s = graphlet.add %m, %c : tensor<4x3xf64>
  %r = graphlet.relu %s : tensor<4x3xf64>
  %h = graphlet.constant dense<0.5> : tensor<f64>
  %o = graphlet.mul %r, %h : tensor<4x3xf64>, tensor<f64>
  func.return %o : tensor<4x3xf64>
}
// CHECK-NEXT: %{{.*}} = tensor.empty() : tensor<4x3xf64>
// CHECK-NEXT: %{{.*}} = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b, %c : tensor<4x3xf64>, tensor<3xf64>, tensor<4x3xf64>) outs(%{{.*}} : tensor<4x3xf64>) {
// CHECK-NEXT: ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64, %[[C:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:   %[[M:.*]] = arith.mulf %[[A]], %[[B]] : f64
// CHECK-NEXT:   %[[S:.*]] = arith.addf %[[M]], %[[C]] : f64
// CHECK-NEXT:   %[[Z:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:   %[[R:.*]] = arith.maximumf %[[S]], %[[Z]] : f64
// CHECK-NEXT:   %[[H:.*]] = arith.constant 5.000000e-01 : f64
// CHECK-NEXT:   %[[O:.*]] = arith.mulf %[[R]], %[[H]] : f64
// CHECK-NEXT:   linalg.yield %[[O]] : f64
// CHECK-NEXT: } -> tensor<4x3xf64>
// CHECK-NEXT: func.return

// A producer with two users stays a separate loop (no recomputation).
// CHECK-LABEL: func.func @shared
func.func @shared(%a: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = graphlet.exp %a : tensor<8xf32>
  %n = graphlet.neg %e : tensor<8xf32>
  %t = graphlet.tanh %e : tensor<8xf32>
  func.return %n, %t : tensor<8xf32>, tensor<8xf32>
}
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     linalg.generic

// A reduction takes its only producer when it reads each element once:
// sum(exp(x - 1.5)) over dim 1 becomes one reduction loop over x.
// CHECK-LABEL: func.func @reduction_consumer
func.func @reduction_consumer(%x: tensor<4x3xf64>) -> tensor<4xf64> {
  %c = graphlet.constant dense<1.5> : tensor<f64>
  %d = graphlet.sub %x, %c : tensor<4x3xf64>, tensor<f64>
  %e = graphlet.exp %d : tensor<4x3xf64>
  %s = graphlet.sum %e {dims = array<i64: 1>} : (tensor<4x3xf64>) -> tensor<4xf64>
  func.return %s : tensor<4xf64>
}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x3xf64>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f64, %[[ACC:.*]]: f64):
// CHECK:        %[[D:.*]] = arith.subf %[[X]], %{{.*}} : f64
// CHECK-NEXT:   %[[E:.*]] = math.exp %[[D]] : f64
// CHECK-NEXT:   %{{.*}} = arith.addf %[[ACC]], %[[E]]
// CHECK-NOT:  linalg.generic

// A producer read twice by the reduction (d * d) stays a loop of its own.
// CHECK-LABEL: func.func @reduction_reads_twice
func.func @reduction_reads_twice(%x: tensor<4x3xf64>) -> tensor<4xf64> {
  %c = graphlet.constant dense<1.5> : tensor<f64>
  %d = graphlet.sub %x, %c : tensor<4x3xf64>, tensor<f64>
  %q = graphlet.mul %d, %d : tensor<4x3xf64>
  %s = graphlet.sum %q {dims = array<i64: 1>} : (tensor<4x3xf64>) -> tensor<4xf64>
  func.return %s : tensor<4xf64>
}
// CHECK:      %[[D:.*]] = linalg.generic {{.*}} ins(%x : tensor<4x3xf64>)
// CHECK:      arith.subf
// CHECK:      linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[D]], %[[D]] : tensor<4x3xf64>, tensor<4x3xf64>)
// CHECK:      arith.mulf
// CHECK:      arith.addf

// A reduction over a slice keeps the slice as its own loop: fused, the reduced loop
// would read x only at an offset (d1 + 1) and have no bound to run to.
// CHECK-LABEL: func.func @reduction_of_a_slice
func.func @reduction_of_a_slice(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  %s = graphlet.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 3, 3>, steps = array<i64: 1, 1>} : (tensor<3x4xf32>) -> tensor<3x2xf32>
  %m = graphlet.sum %s {dims = array<i64: 1>} : (tensor<3x2xf32>) -> tensor<3xf32>
  func.return %m : tensor<3xf32>
}
// CHECK:      %[[S:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, (d1 + 1))>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<3x4xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[S]] : tensor<3x2xf32>)
