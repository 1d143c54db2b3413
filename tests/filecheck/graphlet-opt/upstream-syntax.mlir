// Upstream MLIR's current syntax, as iree-opt (upstream MLIR) prints it, parses in
// graphlet-opt and prints back the same way (tests/test_opt_trust.py feeds iree-opt's
// own output of this file to graphlet-opt, and graphlet-opt's output to iree-opt).
// RUN: graphlet-opt %s --split-input-file | filecheck %s
// RUN: graphlet-opt %s --split-input-file --print-op-generic | graphlet-opt --split-input-file | filecheck %s

memref.global "private" constant @cst : memref<4xf64> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> alignment = 64
memref.global @buf : memref<2xi64> = uninitialized
memref.global "nested" @ext : memref<4xf64>
func.func @globals(%i: index) -> f64 {
  %0 = memref.get_global @cst : memref<4xf64>
  %1 = memref.load %0[%i] : memref<4xf64>
  return %1 : f64
}
// CHECK:      memref.global "private" constant @cst : memref<4xf64> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> alignment = 64
// CHECK-NEXT: memref.global @buf : memref<2xi64> = uninitialized
// CHECK-NEXT: memref.global "nested" @ext : memref<4xf64>

// -----

func.func @alloc(%i: index, %n: index, %v: f64) {
  %alloc = memref.alloc() alignment = 64 : memref<4xf64>
  %dyn = memref.alloc(%n) alignment = 16 : memref<?xf64>
  %alloca = memref.alloca() alignment = 16 : memref<4xf64>
  memref.store %v, %alloc[%i] : memref<4xf64>
  memref.dealloc %alloc : memref<4xf64>
  memref.dealloc %dyn : memref<?xf64>
  return
}
// CHECK-LABEL: func.func @alloc
// CHECK:       memref.alloc() alignment = 64 : memref<4xf64>
// CHECK-NEXT:  memref.alloc(%n) alignment = 16 : memref<?xf64>
// CHECK-NEXT:  memref.alloca() alignment = 16 : memref<4xf64>

// -----

func.func @arith(%a: i64, %b: i64, %x: f64, %y: f64) -> i32 {
  %0 = arith.trunci %a overflow<nsw> : i64 to i32
  %1 = arith.addi %a, %b overflow<nsw, nuw> : i64
  %2 = arith.addf %x, %y fastmath<fast> : f64
  %3 = math.sqrt %2 fastmath<nnan> : f64
  %4 = arith.cmpf olt, %x, %3 fastmath<nnan> : f64
  return %0 : i32
}
// CHECK-LABEL: func.func @arith
// CHECK:       arith.trunci %a overflow<nsw> : i64 to i32
// CHECK-NEXT:  arith.addi %a, %b overflow<nsw,nuw> : i64
// CHECK-NEXT:  arith.addf %x, %y fastmath<fast> : f64
// CHECK-NEXT:  math.sqrt %{{.*}} fastmath<nnan> : f64
// CHECK-NEXT:  arith.cmpf olt, %x, %{{.*}} fastmath<nnan> : f64

// -----

func.func @parallel(%m: memref<4x4xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.000000e+00 : f64
  %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) init (%zero) -> f64 {
    %v = memref.load %m[%i, %j] : memref<4x4xf64>
    scf.reduce(%v : f64) {
    ^bb0(%l: f64, %r: f64):
      %s = arith.addf %l, %r : f64
      scf.reduce.return %s : f64
    }
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %sum, %m[%i, %i] : memref<4x4xf64>
    scf.reduce 
  }
  return %sum : f64
}
// CHECK-LABEL: func.func @parallel
// CHECK:       %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) init (%zero) -> f64 {
// CHECK:         scf.reduce(%v : f64) {
// CHECK:       scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c1) {
// CHECK-NEXT:    memref.store
// CHECK-NEXT:    scf.reduce

// -----

llvm.func @fastmath(%x: f64, %y: f64, %c: i1) -> f64 {
  %0 = llvm.fadd %x, %y fastmath<fast> : f64
  %1 = llvm.fneg %0 fastmath<nnan> : f64
  %2 = llvm.fcmp "olt" %0, %1 fastmath<nnan> : f64
  %3 = llvm.intr.sqrt(%1) fastmath<afn> : (f64) -> f64
  %4 = llvm.select %c, %3, %0 fastmath<nsz> : i1, f64
  %5 = llvm.intr.fma(%x, %y, %4) fastmath<contract> : (f64, f64, f64) -> f64
  llvm.return %5 : f64
}
// CHECK-LABEL: llvm.func @fastmath
// CHECK:       llvm.fadd %x, %y fastmath<fast> : f64
// CHECK-NEXT:  llvm.fneg %{{.*}} fastmath<nnan> : f64
// CHECK-NEXT:  llvm.fcmp "olt" %{{.*}}, %{{.*}} fastmath<nnan> : f64
// CHECK-NEXT:  llvm.intr.sqrt(%{{.*}}) fastmath<afn> : (f64) -> f64
// CHECK-NEXT:  llvm.select %c, %{{.*}}, %{{.*}} fastmath<nsz> : i1, f64
// CHECK-NEXT:  llvm.intr.fma(%x, %y, %{{.*}}) fastmath<contract> : (f64, f64, f64) -> f64

// -----

llvm.func @ints(%a: i64, %b: i64) -> i32 {
  %0 = llvm.add %a, %b overflow<nsw> : i64
  %1 = llvm.trunc %0 overflow<nuw> : i64 to i32
  %2 = llvm.udiv exact %a, %b : i64
  %3 = llvm.lshr exact %a, %b : i64
  %4 = llvm.or disjoint %a, %b : i64
  llvm.return %1 : i32
}
// CHECK-LABEL: llvm.func @ints
// CHECK:       llvm.add %a, %b overflow<nsw> : i64
// CHECK-NEXT:  llvm.trunc %{{.*}} overflow<nuw> : i64 to i32
// CHECK-NEXT:  llvm.udiv exact %a, %b : i64
// CHECK-NEXT:  llvm.lshr exact %a, %b : i64
// CHECK-NEXT:  llvm.or disjoint %a, %b : i64

// -----

llvm.func @memory(%p: !llvm.ptr) -> f64 {
  %0 = llvm.load %p <alignment = 8> : !llvm.ptr -> f64
  llvm.store %0, %p <alignment = 8> : f64, !llvm.ptr
  %1 = llvm.load volatile %p <alignment = 8, nontemporal> : !llvm.ptr -> f64
  llvm.store volatile %1, %p <nontemporal> : f64, !llvm.ptr
  %2 = llvm.mlir.constant(1 : i64) : i64
  %3 = llvm.alloca %2 x f64 {alignment = 8 : i64} : (i64) -> !llvm.ptr
  llvm.return %1 : f64
}
// CHECK-LABEL: llvm.func @memory
// CHECK:       llvm.load %p <alignment = 8> : !llvm.ptr -> f64
// CHECK-NEXT:  llvm.store %{{.*}}, %p <alignment = 8> : f64, !llvm.ptr
// CHECK-NEXT:  llvm.load volatile %p <alignment = 8, nontemporal> : !llvm.ptr -> f64
// CHECK-NEXT:  llvm.store volatile %{{.*}}, %p <nontemporal> : f64, !llvm.ptr
// CHECK:       llvm.alloca %{{.*}} x f64 {alignment = 8 : i64} : (i64) -> !llvm.ptr

// -----

llvm.func @ext(f64) -> f64
llvm.func @call(%x: f64) -> f64 {
  %0 = llvm.call @ext(%x) {fastmathFlags = #llvm.fastmath<fast>} : (f64) -> f64
  llvm.return %0 : f64
}
// CHECK-LABEL: llvm.func @call
// CHECK:       llvm.call @ext(%x) {fastmathFlags = #llvm.fastmath<fast>} : (f64) -> f64

// -----

func.func @elementwise(%a: memref<4xf64>, %b: memref<4xf64>, %o: memref<4xf64>, %t: tensor<4xi64>) -> tensor<4xi64> {
  linalg.elementwise <add> ins(%a, %b : memref<4xf64>, memref<4xf64>) outs(%o : memref<4xf64>)
  linalg.elementwise <exp> ins(%a : memref<4xf64>) outs(%o : memref<4xf64>)
  %0 = linalg.elementwise <max_unsigned> ins(%t, %t : tensor<4xi64>, tensor<4xi64>) outs(%t : tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
// CHECK-LABEL: func.func @elementwise
// CHECK:       linalg.elementwise <add> ins(%a, %b : memref<4xf64>, memref<4xf64>) outs(%o : memref<4xf64>)
// CHECK-NEXT:  linalg.elementwise <exp> ins(%a : memref<4xf64>) outs(%o : memref<4xf64>)
// CHECK-NEXT:  linalg.elementwise <max_unsigned> ins(%t, %t : tensor<4xi64>, tensor<4xi64>) outs(%t : tensor<4xi64>) -> tensor<4xi64>

// -----

llvm.mlir.global internal constant @cst(dense<[1.0, 2.0]> : tensor<2xf64>) {addr_space = 0 : i32} : !llvm.array<2 x f64>
llvm.mlir.global external thread_local(initialexec) @tls(0 : i64) : i64
llvm.mlir.global private unnamed_addr constant @s("hi\00") {alignment = 8 : i64, dso_local} : !llvm.array<3 x i8>
llvm.mlir.global internal @z() : f64 {
  %0 = llvm.mlir.zero : f64
  llvm.return %0 : f64
}
llvm.func @poison() -> i64 {
  %0 = llvm.mlir.poison : i64
  llvm.return %0 : i64
}
// CHECK:      llvm.mlir.global internal constant @cst(dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf64>) {addr_space = 0 : i32} : !llvm.array<2 x f64>
// CHECK-NEXT: llvm.mlir.global external thread_local(initialexec) @tls(0 : i64) {addr_space = 0 : i32} : i64
// CHECK-NEXT: llvm.mlir.global private unnamed_addr constant @s("hi\00") {addr_space = 0 : i32, {{.*}}} : !llvm.array<3 x i8>
// CHECK-NEXT: llvm.mlir.global internal @z() {addr_space = 0 : i32} : f64 {
// CHECK-NEXT:   llvm.mlir.zero : f64
// CHECK:        llvm.mlir.poison : i64

// -----

func.func @casts(%m: memref<4xf32>, %s: memref<4x?xf32, strided<[?, 1], offset: ?>>) -> (memref<?xf32>, memref<4x8xf32, strided<[8, 1], offset: 2>>) {
  %0 = memref.cast %m : memref<4xf32> to memref<?xf32>
  %1 = memref.cast %0 : memref<?xf32> to memref<*xf32>
  %2 = memref.cast %1 : memref<*xf32> to memref<?xf32>
  %3 = memref.cast %s : memref<4x?xf32, strided<[?, 1], offset: ?>> to memref<4x8xf32, strided<[8, 1], offset: 2>>
  func.return %2, %3 : memref<?xf32>, memref<4x8xf32, strided<[8, 1], offset: 2>>
}
// CHECK-LABEL: func.func @casts
// CHECK-NEXT:    %0 = memref.cast %m : memref<4xf32> to memref<?xf32>
// CHECK-NEXT:    %1 = memref.cast %0 : memref<?xf32> to memref<*xf32>
// CHECK-NEXT:    %2 = memref.cast %1 : memref<*xf32> to memref<?xf32>
// CHECK-NEXT:    %3 = memref.cast %s : memref<4x?xf32, strided<[?, 1], offset: ?>> to memref<4x8xf32, strided<[8, 1], offset: 2>>
