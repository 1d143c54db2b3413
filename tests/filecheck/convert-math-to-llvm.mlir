// RUN: graphlet-opt %s -p convert-math-to-llvm --split-input-file --verify-diagnostics | filecheck %s

func.func @intrinsic_ops(%x: f64, %y: f64, %z: f64) -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
  %0 = math.absf %x : f64
  %1 = math.ceil %x : f64
  %2 = math.floor %x : f64
  %3 = math.sqrt %x fastmath<fast> : f64
  %4 = math.exp %x : f64
  %5 = math.exp2 %x : f64
  %6 = math.log %x : f64
  %7 = math.log2 %x : f64
  %8 = math.sin %x : f64
  %9 = math.cos %x : f64
  %10 = math.powf %x, %y : f64
  %11 = math.copysign %x, %y : f64
  %12 = math.fma %x, %y, %z : f64
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12 : f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64
}
// CHECK-LABEL: func.func @intrinsic_ops
// CHECK-NEXT:    %0 = llvm.intr.fabs(%x) : (f64) -> f64
// CHECK-NEXT:    %1 = llvm.intr.ceil(%x) : (f64) -> f64
// CHECK-NEXT:    %2 = llvm.intr.floor(%x) : (f64) -> f64
// CHECK-NEXT:    %3 = llvm.intr.sqrt(%x) fastmath<fast> : (f64) -> f64
// CHECK-NEXT:    %4 = llvm.intr.exp(%x) : (f64) -> f64
// CHECK-NEXT:    %5 = llvm.intr.exp2(%x) : (f64) -> f64
// CHECK-NEXT:    %6 = llvm.intr.log(%x) : (f64) -> f64
// CHECK-NEXT:    %7 = llvm.intr.log2(%x) : (f64) -> f64
// CHECK-NEXT:    %8 = llvm.intr.sin(%x) : (f64) -> f64
// CHECK-NEXT:    %9 = llvm.intr.cos(%x) : (f64) -> f64
// CHECK-NEXT:    %10 = llvm.intr.pow(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %11 = llvm.intr.copysign(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %12 = llvm.intr.fma(%x, %y, %z) : (f64, f64, f64) -> f64

func.func @call_intrinsics(%x: f32, %i: i32, %n: i64) -> (f32, f32, f32, i32, i32, i32, i32, f32, f32) {
  %0 = math.round %x : f32
  %1 = math.roundeven %x : f32
  %2 = math.trunc %x : f32
  %3 = math.absi %i : i32
  %4 = math.ctlz %i : i32
  %5 = math.cttz %i : i32
  %6 = math.ctpop %i : i32
  %7 = math.fpowi %x, %n : f32, i64
  %8 = math.rsqrt %x : f32
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8 : f32, f32, f32, i32, i32, i32, i32, f32, f32
}
// CHECK-LABEL: func.func @call_intrinsics
// CHECK-NEXT:    %0 = llvm.call_intrinsic "llvm.round.f32"(%x) : (f32) -> f32
// CHECK-NEXT:    %1 = llvm.call_intrinsic "llvm.roundeven.f32"(%x) : (f32) -> f32
// CHECK-NEXT:    %2 = llvm.call_intrinsic "llvm.trunc.f32"(%x) : (f32) -> f32
// CHECK-NEXT:    %3 = llvm.mlir.constant(false) : i1
// CHECK-NEXT:    %4 = llvm.call_intrinsic "llvm.abs.i32"(%i, %3) : (i32, i1) -> i32
// CHECK-NEXT:    %5 = llvm.mlir.constant(false) : i1
// CHECK-NEXT:    %6 = llvm.call_intrinsic "llvm.ctlz.i32"(%i, %5) : (i32, i1) -> i32
// CHECK-NEXT:    %7 = llvm.mlir.constant(false) : i1
// CHECK-NEXT:    %8 = llvm.call_intrinsic "llvm.cttz.i32"(%i, %7) : (i32, i1) -> i32
// CHECK-NEXT:    %9 = llvm.call_intrinsic "llvm.ctpop.i32"(%i) : (i32) -> i32
// CHECK-NEXT:    %10 = llvm.sitofp %n : i64 to f32
// CHECK-NEXT:    %11 = llvm.intr.pow(%x, %10) : (f32, f32) -> f32
// CHECK-NEXT:    %12 = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK-NEXT:    %13 = llvm.intr.sqrt(%x) : (f32) -> f32
// CHECK-NEXT:    %14 = llvm.fdiv %12, %13 : f32

func.func @libm(%x: f64, %y: f64, %s: f32) -> (f64, f64, f64, f64, f32) {
  %0 = math.tanh %x : f64
  %1 = math.atan2 %x, %y : f64
  %2 = math.erf %x : f64
  %3 = math.tanh %x : f64
  %4 = math.log10 %s : f32
  func.return %0, %1, %2, %3, %4 : f64, f64, f64, f64, f32
}
// CHECK-LABEL: func.func @libm
// CHECK-NEXT:    %0 = llvm.call @tanh(%x) : (f64) -> f64
// CHECK-NEXT:    %1 = llvm.call @atan2(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %2 = llvm.call @erf(%x) : (f64) -> f64
// CHECK-NEXT:    %3 = llvm.call @tanh(%x) : (f64) -> f64
// CHECK-NEXT:    %4 = llvm.call @log10f(%s) : (f32) -> f32
// The declarations are added once each, at the end of the module.
// CHECK:       llvm.func @tanh(f64) -> f64
// CHECK-NEXT:  llvm.func @atan2(f64, f64) -> f64
// CHECK-NEXT:  llvm.func @erf(f64) -> f64
// CHECK-NEXT:  llvm.func @log10f(f32) -> f32
// CHECK-NEXT:  }

// -----

func.func @libm_vector(%v: vector<4xf64>) -> vector<4xf64> {
  %0 = math.tanh %v : vector<4xf64>
  func.return %0 : vector<4xf64>
}
// CHECK: convert-math-to-llvm.mlir:{{[0-9]+}}:8: error: 'math.tanh': libm call needs a scalar f32 or f64, got vector<4xf64>

// -----

func.func @ipowi(%a: i64, %b: i64) -> i64 {
  %0 = math.ipowi %a, %b : i64
  func.return %0 : i64
}
// CHECK: convert-math-to-llvm.mlir:{{[0-9]+}}:8: error: 'math.ipowi': convert-math-to-llvm cannot lower this op

// -----

// A libm call must not resolve to a function of the module that has the same name.
func.func @erf(%x: f64) -> f64 {
  %0 = math.erf %x : f64
  func.return %0 : f64
}
// CHECK: convert-math-to-llvm.mlir:{{[0-9]+}}:8: error: 'math.erf': needs the external function @erf, but the module defines its own
