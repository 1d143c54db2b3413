// RUN: graphlet-opt %s -p convert-memref-to-llvm --split-input-file --verify-diagnostics | filecheck %s

// Arguments become bare pointers; an access is a row-major linear index, an
// in-bounds GEP and a typed load/store (no ptrtoint arithmetic).
// CHECK-LABEL: func.func @access(%m: !llvm.ptr, %i: index, %j: index) -> f32 {
// CHECK-NEXT: %{{.*}} = builtin.unrealized_conversion_cast %m : !llvm.ptr to memref<4x8xf32>
func.func @access(%m: memref<4x8xf32>, %i: index, %j: index) -> f32 {
  %v = memref.load %m[%i, %j] : memref<4x8xf32>
  memref.store %v, %m[%j, %i] : memref<4x8xf32>
  func.return %v : f32
}
// CHECK-NEXT: %[[S:.*]] = arith.constant 8 : index
// CHECK-NEXT: %[[R:.*]] = arith.muli %i, %[[S]] overflow<nsw> : index
// CHECK-NEXT: %[[L:.*]] = arith.addi %[[R]], %j overflow<nsw> : index
// CHECK-NEXT: %[[L64:.*]] = arith.index_cast %[[L]] : index to i64
// CHECK-NEXT: %[[P:.*]] = llvm.getelementptr inbounds %m[%[[L64]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT: %[[V:.*]] = llvm.load %[[P]] : !llvm.ptr -> f32
// CHECK:      llvm.getelementptr inbounds %m[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT: llvm.store %[[V]], %{{.*}} : f32, !llvm.ptr

// alloc/dealloc call aligned_alloc (size rounded up to the alignment) and free;
// a 0-d memref is its pointer; a reinterpret_cast is the same pointer.
// CHECK-LABEL: func.func @buffers
func.func @buffers(%x: memref<f64>) -> f64 {
  %a = memref.alloc() {alignment = 64 : i64} : memref<3x5xf64>
  %v = memref.load %x[] : memref<f64>
  %c0 = arith.constant 0 : index
  %flat = memref.reinterpret_cast %a to offset: [0], sizes: [15], strides: [1] : memref<3x5xf64> to memref<15xf64>
  memref.store %v, %flat[%c0] : memref<15xf64>
  memref.dealloc %a : memref<3x5xf64>
  func.return %v : f64
}
// CHECK:      %[[AL:.*]] = arith.constant 64 : i64
// CHECK-NEXT: %[[SZ:.*]] = arith.constant 128 : i64
// CHECK-NEXT: %[[A:.*]] = llvm.call @aligned_alloc(%[[AL]], %[[SZ]]) : (i64, i64) -> !llvm.ptr
// CHECK:      %[[V:.*]] = llvm.load %x : !llvm.ptr -> f64
// CHECK:      llvm.getelementptr inbounds %[[A]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f64
// CHECK:      llvm.call @free(%[[A]]) : (!llvm.ptr) -> ()

// A view at an offset (the batch loops of convert-linalg-to-blas pass them to
// calls) is the pointer moved by it: an in-bounds GEP, static or dynamic.
func.func private @use(memref<?xf32, strided<[1], offset: ?>>, memref<4xf32, strided<[1], offset: 8>>)
// CHECK-LABEL: func.func @offset_views
func.func @offset_views(%m: memref<4x8xf32>, %i: index) {
  %c4 = arith.constant 4 : index
  %dyn = memref.reinterpret_cast %m to offset: [%i], sizes: [%c4], strides: [1] : memref<4x8xf32> to memref<?xf32, strided<[1], offset: ?>>
  %fixed = memref.reinterpret_cast %m to offset: [8], sizes: [4], strides: [1] : memref<4x8xf32> to memref<4xf32, strided<[1], offset: 8>>
  func.call @use(%dyn, %fixed) : (memref<?xf32, strided<[1], offset: ?>>, memref<4xf32, strided<[1], offset: 8>>) -> ()
  func.return
}
// CHECK:      %[[I:.*]] = arith.index_cast %i : index to i64
// CHECK-NEXT: %[[DYN:.*]] = llvm.getelementptr inbounds %m[%[[I]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK:      %[[EIGHT:.*]] = arith.constant 8 : i64
// CHECK-NEXT: %[[FIXED:.*]] = llvm.getelementptr inbounds %m[%[[EIGHT]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK:      func.call @use(%[[DYN]], %[[FIXED]]) : (!llvm.ptr, !llvm.ptr) -> ()

// A constant global is an LLVM global array, read through its address.
"memref.global"() <{sym_name = "table", type = memref<2xf32>, initial_value = dense<[1.0, 2.0]> : tensor<2xf32>, sym_visibility = "private", constant}> : () -> ()
// CHECK:      llvm.mlir.global internal constant @table(dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>) {{.*}} : !llvm.array<2 x f32>
// CHECK-LABEL: func.func @read_global
func.func @read_global(%i: index) -> f32 {
  %g = memref.get_global @table : memref<2xf32>
  %v = memref.load %g[%i] : memref<2xf32>
  func.return %v : f32
}
// CHECK-NEXT: %[[G:.*]] = llvm.mlir.addressof @table : !llvm.ptr
// CHECK:      llvm.getelementptr inbounds %[[G]]

// The C allocator functions are declared at the end of the module.
// CHECK:      llvm.func @aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK:      llvm.func @free(!llvm.ptr)

// -----

// A memref op with no lowering (a copy: bufferization emits copy generics instead)
// is refused.
func.func @copy(%a: memref<4xf64>, %b: memref<4xf64>) {
  "memref.copy"(%a, %b) : (memref<4xf64>, memref<4xf64>) -> ()
  func.return
}
// CHECK: convert-memref-to-llvm.mlir:{{[0-9]+}}:3: error: 'memref.copy': convert-memref-to-llvm cannot lower this op
