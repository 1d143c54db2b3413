// RUN: graphlet-opt %s -p convert-linalg-to-blas --split-input-file --verify-diagnostics | filecheck %s

// A GEMM-tagged generic with >= 8 rows becomes a row-major cblas call on 1-d views;
// "gemm_nt" transposes B. Fewer rows, or untagged generics, stay.
// The callee is declared once, at the top of the module, on views of any size and offset.
// CHECK:      func.func private @graphlet_cblas_sgemm(i32, i32, i32, i64, i64, i64, f32, memref<?xf32, strided<[1], offset: ?>>, i64, memref<?xf32, strided<[1], offset: ?>>, i64, f32, memref<?xf32, strided<[1], offset: ?>>, i64)
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
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[ORDER:.*]] = arith.constant 101 : i32
// CHECK-NEXT: %[[TA:.*]] = arith.constant 111 : i32
// CHECK-NEXT: %[[TB:.*]] = arith.constant 112 : i32
// CHECK-NEXT: %[[M:.*]] = arith.constant 8 : i64
// CHECK-NEXT: %[[N:.*]] = arith.constant 5 : i64
// CHECK-NEXT: %[[K:.*]] = arith.constant 3 : i64
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[SA:.*]] = arith.constant 24 : index
// CHECK-NEXT: %[[A:.*]] = memref.reinterpret_cast %x to offset: [%[[ZERO]]], sizes: [%[[SA]]], strides: [1]
// CHECK-NEXT: %[[SB:.*]] = arith.constant 15 : index
// CHECK-NEXT: %[[B:.*]] = memref.reinterpret_cast %w to offset: [%[[ZERO]]], sizes: [%[[SB]]], strides: [1]
// CHECK-NEXT: %[[SC:.*]] = arith.constant 40 : index
// CHECK-NEXT: %[[C:.*]] = memref.reinterpret_cast %y to offset: [%[[ZERO]]], sizes: [%[[SC]]], strides: [1]
// lda = K, ldb = K (B is N x K), ldc = N
// CHECK-NEXT: func.call @graphlet_cblas_sgemm(%[[ORDER]], %[[TA]], %[[TB]], %[[M]], %[[N]], %[[K]], %[[ONE]], %[[A]], %[[K]], %[[B]], %[[K]], %[[ONE]], %[[C]], %[[N]])
// CHECK-NEXT: func.return

// "gemm_tn" (A stored K x M) passes A with the transpose flag, lda = M; "gemm_tt"
// transposes both, ldb = K.
// CHECK-LABEL: func.func @transposed_a
func.func @transposed_a(%a: memref<16x8xf32>, %b: memref<16x4xf32>, %w: memref<4x16xf32>, %c: memref<8x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_tn"} ins(%a, %b : memref<16x8xf32>, memref<16x4xf32>) outs(%c : memref<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "gemm_tt"} ins(%a, %w : memref<16x8xf32>, memref<4x16xf32>) outs(%c : memref<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK-NOT:  linalg.generic
// CHECK:      %[[ORDER:.*]] = arith.constant 101 : i32
// CHECK-NEXT: %[[TA:.*]] = arith.constant 112 : i32
// CHECK-NEXT: %[[TB:.*]] = arith.constant 111 : i32
// CHECK-NEXT: %[[M:.*]] = arith.constant 8 : i64
// CHECK-NEXT: %[[N:.*]] = arith.constant 4 : i64
// CHECK-NEXT: %[[K:.*]] = arith.constant 16 : i64
// CHECK:      func.call @graphlet_cblas_sgemm(%[[ORDER]], %[[TA]], %[[TB]], %[[M]], %[[N]], %[[K]], %{{.*}}, %{{.*}}, %[[M]], %{{.*}}, %[[N]], %{{.*}}, %{{.*}}, %[[N]])
// CHECK:      %[[ORDER2:.*]] = arith.constant 101 : i32
// CHECK-NEXT: %[[T2:.*]] = arith.constant 112 : i32
// CHECK-NEXT: %[[M2:.*]] = arith.constant 8 : i64
// CHECK-NEXT: %[[N2:.*]] = arith.constant 4 : i64
// CHECK-NEXT: %[[K2:.*]] = arith.constant 16 : i64
// CHECK:      func.call @graphlet_cblas_sgemm(%[[ORDER2]], %[[T2]], %[[T2]], %[[M2]], %[[N2]], %[[K2]], %{{.*}}, %{{.*}}, %[[M2]], %{{.*}}, %[[K2]], %{{.*}}, %{{.*}}, %[[N2]])
// CHECK-NOT:  linalg.generic
// CHECK:      func.return

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

// A batch of GEMMs (a 2x3 batch; B broadcast along the first batch dim) with
// 128 columns or more is a loop nest over the batch dims with one call per matrix,
// each view at its matrix's offset: A at i*1536 + j*512, B at j*4096 (its stride
// along i is 0), C at i*6144 + j*2048.
// CHECK-LABEL: func.func @batched
func.func @batched(%a: memref<2x3x16x32xf32>, %b: memref<3x32x128xf32>, %c: memref<2x3x16x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"], library_call = "batch_gemm_nn"} ins(%a, %b : memref<2x3x16x32xf32>, memref<3x32x128xf32>) outs(%c : memref<2x3x16x128xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  func.return
}
// CHECK:      %[[TN:.*]] = arith.constant 111 : i32
// CHECK-NEXT: %[[M:.*]] = arith.constant 16 : i64
// CHECK-NEXT: %[[N:.*]] = arith.constant 128 : i64
// CHECK-NEXT: %[[K:.*]] = arith.constant 32 : i64
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[STEP:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[I:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[J:.*]] = arith.constant 3 : index
// CHECK-NEXT: %[[SA:.*]] = arith.constant 512 : index
// CHECK-NEXT: %[[SB:.*]] = arith.constant 4096 : index
// CHECK-NEXT: %[[SC:.*]] = arith.constant 2048 : index
// CHECK-NEXT: %[[AI:.*]] = arith.constant 1536 : index
// CHECK-NEXT: %[[CI:.*]] = arith.constant 6144 : index
// CHECK-NEXT: scf.for %[[IV:.*]] = %[[ZERO]] to %[[I]] step %[[STEP]] {
// CHECK-NEXT:   scf.for %[[JV:.*]] = %[[ZERO]] to %[[J]] step %[[STEP]] {
// CHECK-NEXT:     %[[O1:.*]] = arith.muli %[[IV]], %[[AI]] : index
// CHECK-NEXT:     %[[O2:.*]] = arith.muli %[[JV]], %[[SA]] : index
// CHECK-NEXT:     %[[OA:.*]] = arith.addi %[[O1]], %[[O2]] : index
// CHECK-NEXT:     %[[A:.*]] = memref.reinterpret_cast %a to offset: [%[[OA]]], sizes: [%[[SA]]], strides: [1]
// CHECK-NEXT:     %[[OB:.*]] = arith.muli %[[JV]], %[[SB]] : index
// CHECK-NEXT:     %[[B:.*]] = memref.reinterpret_cast %b to offset: [%[[OB]]], sizes: [%[[SB]]], strides: [1]
// CHECK-NEXT:     %[[O3:.*]] = arith.muli %[[IV]], %[[CI]] : index
// CHECK-NEXT:     %[[O4:.*]] = arith.muli %[[JV]], %[[SC]] : index
// CHECK-NEXT:     %[[OC:.*]] = arith.addi %[[O3]], %[[O4]] : index
// CHECK-NEXT:     %[[C:.*]] = memref.reinterpret_cast %c to offset: [%[[OC]]], sizes: [%[[SC]]], strides: [1]
// CHECK-NEXT:     func.call @graphlet_cblas_sgemm(%{{.*}}, %[[TN]], %[[TN]], %[[M]], %[[N]], %[[K]], %{{.*}}, %[[A]], %[[K]], %[[B]], %[[N]], %{{.*}}, %[[C]], %[[N]])
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: func.return

// Batched products narrower than 128 columns stay loops (as fast there).
// CHECK-LABEL: func.func @narrow_batch
func.func @narrow_batch(%a: memref<4x64x64xf32>, %b: memref<4x64x64xf32>, %c: memref<4x64x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>], iterator_types = ["parallel", "parallel", "reduction", "parallel"], library_call = "batch_gemm_nn"} ins(%a, %b : memref<4x64x64xf32>, memref<4x64x64xf32>) outs(%c : memref<4x64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
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
// CHECK: convert-linalg-to-blas.mlir:{{[0-9]+}}:8: error: 'linalg.generic': convert-linalg-to-blas cannot lower this op: it works on tensors: run graphlet-bufferize first

// -----

// A zero fill of C just before the GEMM goes: the call passes beta = 0 (BLAS does not
// read C then). A fill of another value, or of another buffer, stays (beta = 1).
// CHECK-LABEL: func.func @zero_filled
func.func @zero_filled(%a: memref<8x3xf32>, %b: memref<3x4xf32>, %c: memref<8x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%c : memref<8x4xf32>) {
  ^bb0(%o: f32):
    %z = arith.constant 0.000000e+00 : f32
    linalg.yield %z : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_nn"} ins(%a, %b : memref<8x3xf32>, memref<3x4xf32>) outs(%c : memref<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %s: f32):
    %m = arith.mulf %x, %y : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  }
  func.return
}
// CHECK-NOT:  linalg.generic
// CHECK:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[BETA:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:      func.call @graphlet_cblas_sgemm({{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[BETA]], %{{.*}}, %{{.*}})
// CHECK-NEXT: func.return

// CHECK-LABEL: func.func @one_filled
func.func @one_filled(%a: memref<8x3xf32>, %b: memref<3x4xf32>, %c: memref<8x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%c : memref<8x4xf32>) {
  ^bb0(%o: f32):
    %z = arith.constant 2.000000e+00 : f32
    linalg.yield %z : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_nn"} ins(%a, %b : memref<8x3xf32>, memref<3x4xf32>) outs(%c : memref<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %s: f32):
    %m = arith.mulf %x, %y : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  }
  func.return
}
// CHECK-NEXT: linalg.generic
// CHECK:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:      func.call @graphlet_cblas_sgemm({{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}})
