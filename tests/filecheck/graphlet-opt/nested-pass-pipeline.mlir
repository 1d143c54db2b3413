// RUN: graphlet-opt %s --pass-pipeline='builtin.module(func.func(canonicalize))' | filecheck %s
// RUN: graphlet-opt %s --pass-pipeline='builtin.module(builtin.module(func.func(canonicalize)),llvm.func(cse))' | filecheck %s --check-prefix=INNER
// RUN: graphlet-opt %s --pass-pipeline='builtin.module(any(canonicalize))' | filecheck %s --check-prefix=ANY
// RUN: not graphlet-opt %s --pass-pipeline='builtin.module(func.func(lower-to-llvm))' 2>&1 | filecheck %s --check-prefix=MODULE-ONLY
// RUN: not graphlet-opt %s --pass-pipeline='builtin.module(memref.global(cse))' 2>&1 | filecheck %s --check-prefix=NOT-ISOLATED
// A pass nested under an anchor runs on each op of that name directly inside the
// enclosing op, as mlir-opt's nested pass managers (iree-opt gives the same output):
// func.func(canonicalize) folds the top-level function's `x + 0` only, not the
// llvm.func's nor the nested module's.

memref.global "private" @g : memref<2xf64> = dense<0.0>

func.func @f(%a: i64) -> i64 {
  %c = arith.constant 0 : i64
  %0 = arith.addi %a, %c : i64
  func.return %0 : i64
}

llvm.func @l(%a: i64) -> i64 {
  %c = arith.constant 0 : i64
  %0 = arith.addi %a, %c : i64
  llvm.return %0 : i64
}

builtin.module {
  func.func @h(%a: i64) -> i64 {
    %c = arith.constant 0 : i64
    %0 = arith.addi %a, %c : i64
    func.return %0 : i64
  }
}

// CHECK:      func.func @f(%a: i64) -> i64 {
// CHECK-NEXT:   func.return %a : i64
// CHECK:      llvm.func @l(%a: i64) -> i64 {
// CHECK-NEXT:   %c = arith.constant 0 : i64
// CHECK-NEXT:   %0 = arith.addi %a, %c : i64
// CHECK:      func.func @h(%a_1: i64) -> i64 {
// CHECK-NEXT:   %c_1 = arith.constant 0 : i64

// INNER:      func.func @f(%a: i64) -> i64 {
// INNER-NEXT:   %c = arith.constant 0 : i64
// INNER:      llvm.func @l(%a: i64) -> i64 {
// INNER-NEXT:   %c = arith.constant 0 : i64
// INNER:      func.func @h(%a_1: i64) -> i64 {
// INNER-NEXT:   func.return %a_1 : i64

// ANY:      memref.global "private" @g
// ANY:      func.func @f(%a: i64) -> i64 {
// ANY-NEXT:   func.return %a : i64
// ANY:      llvm.func @l(%a: i64) -> i64 {
// ANY-NEXT:   llvm.return %a : i64
// ANY:      func.func @h(%a_1: i64) -> i64 {
// ANY-NEXT:   func.return %a_1 : i64

// MODULE-ONLY: error: pass 'lower-to-llvm' runs on 'builtin.module' only: it cannot be nested under 'func.func'

// NOT-ISOLATED: nested-pass-pipeline.mlir:11:1: error: 'memref.global' op trying to schedule a pass on an operation not marked as 'IsolatedFromAbove'
