// RUN: graphlet-opt < %s -p canonicalize | filecheck %s
// RUN: graphlet-opt %s -t mlir --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: graphlet-opt %s --split-input-file -p canonicalize,dce --print-between-passes --time-passes | filecheck %s --check-prefix=PASSES

func.func @f(%a: i64) -> i64 {
  %one = graphlet.constant 1 : i64
  %two = graphlet.constant 2 : i64
  %s = graphlet.add %one, %two : i64
  %r = graphlet.mul %a, %s : i64
  func.return %r : i64
}

// -----

func.func @g(%x: f64) -> f64 {
  %z = graphlet.constant -0.0 : f64
  %r = graphlet.add %x, %z : f64
  func.return %r : f64
}

// Without --split-input-file the separator is a comment: one module, both functions.
// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @f(%a: i64) -> i64 {
// CHECK-NEXT:     %s = graphlet.constant 3 : i64
// CHECK-NEXT:     %r = graphlet.mul %a, %s : i64
// CHECK-NEXT:     func.return %r : i64
// CHECK-NEXT:   }
// CHECK-NEXT:   func.func @g(%x: f64) -> f64 {
// CHECK-NEXT:     func.return %x : f64
// CHECK-NEXT:   }
// CHECK-NEXT: }

// GENERIC:      "builtin.module"() ({
// GENERIC-NEXT:   "func.func"() <{sym_name = "f", function_type = (i64) -> i64}> ({
// GENERIC-NEXT:   ^bb0(%a: i64):
// GENERIC-NEXT:     %one = "graphlet.constant"() <{value = 1 : i64}> : () -> i64
// GENERIC-NEXT:     %two = "graphlet.constant"() <{value = 2 : i64}> : () -> i64
// GENERIC-NEXT:     %s = "graphlet.add"(%one, %two) : (i64, i64) -> i64
// GENERIC-NEXT:     %r = "graphlet.mul"(%a, %s) : (i64, i64) -> i64
// GENERIC-NEXT:     "func.return"(%r) : (i64) -> ()
// GENERIC:          %r = "graphlet.add"(%x, %z) : (f64, f64) -> f64

// Each chunk: timing and IR after canonicalize, timing of dce, the final IR.
// PASSES:      Pass canonicalize took {{[0-9.e-]+}} seconds
// PASSES-NEXT: IR after canonicalize:
// PASSES-NEXT: builtin.module {
// PASSES-NEXT:   func.func @f(%a: i64) -> i64 {
// PASSES-NEXT:     %s = graphlet.constant 3 : i64
// PASSES:      Pass dce took {{[0-9.e-]+}} seconds
// PASSES-NEXT: builtin.module {
// PASSES-NEXT:   func.func @f
// PASSES:      {{//}} -----
// PASSES-NEXT: Pass canonicalize took
// PASSES-NEXT: IR after canonicalize:
// PASSES-NEXT: builtin.module {
// PASSES-NEXT:   func.func @g(%x: f64) -> f64 {
// PASSES-NEXT:     func.return %x : f64
// PASSES-NOT:  func.func @f
