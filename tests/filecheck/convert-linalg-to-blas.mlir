// RUN: graphlet-opt %s -p convert-linalg-to-blas --split-input-file --verify-diagnostics | filecheck %s

// A GEMM-tagged generic with >= 8 rows becomes a row-major cblas call on 1-d views;
// "gemm_nt" transposes B. Fewer rows, or untagged generics, stay.
// The callee is declared once, at the top of the module.
// CHECK:      func.func private @graphlet_cblas_sgemm(i32, i32, i32, i64, i64, i64, f32, memref<24xf32>, i64, memref<15xf32>, i64, f32, memref<40xf32>, i64)
// CHECK-LABEL: func.func @linear
func.func @linear(%x: memref<2x4x3xf32>, %w: memref<5x3xf32>, %y: memref<2x4x5xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], library_call = "gemm_nt"} ins(%x, %w : memref<2x4x3xf32>, memref<5x3xf32>) outs(%y : memref<2x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK:      %[[ORDER:.*]] = arith.constant 101 : i32
// CHECK-NEXT: %[[TA:.*]] = arith.constant 111 : i32
// CHECK-NEXT: %[[TB:.*]] = arith.constant 112 : i32
// CHECK-NEXT: %[[M:.*]] = arith.constant 8 : i64
// CHECK-NEXT: %[[N:.*]] = arith.constant 5 : i64
// CHECK-NEXT: %[[K:.*]] = arith.constant 3 : i64
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[LDA:.*]] = arith.constant 3 : i64
// CHECK-NEXT: %[[LDB:.*]] = arith.constant 3 : i64
// CHECK-NEXT: %[[LDC:.*]] = arith.constant 5 : i64
// CHECK-NEXT: %[[A:.*]] = memref.reinterpret_cast %x to offset: [0], sizes: [24], strides: [1]
// CHECK-NEXT: %[[B:.*]] = memref.reinterpret_cast %w to offset: [0], sizes: [15], strides: [1]
// CHECK-NEXT: %[[C:.*]] = memref.reinterpret_cast %y to offset: [0], sizes: [40], strides: [1]
// CHECK-NEXT: func.call @graphlet_cblas_sgemm(%[[ORDER]], %[[TA]], %[[TB]], %[[M]], %[[N]], %[[K]], %[[ONE]], %[[A]], %[[LDA]], %[[B]], %[[LDB]], %[[ONE]], %[[C]], %[[LDC]])

// CHECK-LABEL: func.func @small
func.func @small(%a: memref<2x3xf64>, %b: memref<3x4xf64>, %c: memref<2x4xf64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_nn"} ins(%a, %b : memref<2x3xf64>, memref<3x4xf64>) outs(%c : memref<2x4xf64>) {
  ^bb0(%x: f64, %y: f64, %z: f64):
    %m = arith.mulf %x, %y : f64
    %s = arith.addf %z, %m : f64
    linalg.yield %s : f64
  }
  func.return
}
// CHECK-NEXT: linalg.generic
// CHECK-NOT:  func.call

// -----

// A GEMM still on tensors means bufferization has not run: refused.
func.func @on_tensors(%a: tensor<8x3xf32>, %b: tensor<3x5xf32>, %c: tensor<8x5xf32>) -> tensor<8x5xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "gemm_nn"} ins(%a, %b : tensor<8x3xf32>, tensor<3x5xf32>) outs(%c : tensor<8x5xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  } -> tensor<8x5xf32>
  func.return %r : tensor<8x5xf32>
}
// CHECK: convert-linalg-to-blas.mlir:{{[0-9]+}}:3: error: 'linalg.generic': convert-linalg-to-blas cannot lower this op: it works on tensors: run graphlet-bufferize first
