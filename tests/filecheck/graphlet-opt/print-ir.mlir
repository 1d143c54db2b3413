// RUN: graphlet-opt %s --split-input-file='// +++++' --output-split-marker='// ====' --pass-pipeline='builtin.module(func.func(canonicalize,cse))' --mlir-print-ir-before-all --mlir-print-ir-after-all --mlir-print-ir-after-change 2>&1 >/dev/null | filecheck %s --check-prefix=DUMP
// RUN: graphlet-opt %s --split-input-file='// +++++' --output-split-marker='// ====' --pass-pipeline='builtin.module(func.func(canonicalize,cse))' --mlir-print-ir-after-all 2>/dev/null | filecheck %s
// mlir-opt's IR dumps on stderr (after-change: none after cse, which changes nothing),
// a custom split marker in and out, and a nested pass-pipeline anchor.

func.func @f(%a: i64) -> i64 {
  %c = arith.constant 0 : i64
  %0 = arith.addi %a, %c : i64
  func.return %0 : i64
}

// DUMP:      // -----// IR Dump Before CanonicalizePass (canonicalize) ('func.func' operation: @f) //----- //
// DUMP-NEXT: func.func @f(%a: i64) -> i64 {
// DUMP:        %0 = arith.addi %a, %c : i64
// DUMP:      // -----// IR Dump After CanonicalizePass (canonicalize) ('func.func' operation: @f) //----- //
// DUMP-NEXT: func.func @f(%a: i64) -> i64 {
// DUMP-NEXT:   func.return %a : i64
// DUMP:      // -----// IR Dump Before CommonSubexpressionElimination (cse) ('func.func' operation: @f) //----- //
// DUMP-NOT:  IR Dump After CommonSubexpressionElimination
// DUMP:      // -----// IR Dump Before CanonicalizePass (canonicalize) ('func.func' operation: @g) //----- //
// DUMP-NEXT: func.func @g
// DUMP-NOT:  IR Dump After

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @f(%a: i64) -> i64 {
// CHECK-NEXT:     func.return %a : i64
// CHECK:      // ====
// CHECK-NEXT: builtin.module {
// CHECK-NEXT:   func.func @g() {

// +++++

func.func @g() {
  func.return
}
