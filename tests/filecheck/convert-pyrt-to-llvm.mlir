// RUN: graphlet-opt %s -p convert-pyrt-to-llvm --split-input-file --verify-diagnostics | filecheck %s
// RUN: graphlet-opt %s -p lower-to-llvm -t 'jit-call{function=main}' | filecheck %s --check-prefix=EXEC
// Checked arithmetic becomes LLVM's overflow intrinsics; the pair is taken apart.

func.func @checked(%a: i64, %b: i64) -> (i64, i1, i64, i1, i64, i1) {
  %s, %so = pyrt.checked_addi %a, %b : i64
  %d, %do = pyrt.checked_subi %a, %b : i64
  %m, %mo = pyrt.checked_muli %a, %b : i64
  func.return %s, %so, %d, %do, %m, %mo : i64, i1, i64, i1, i64, i1
}
// CHECK-LABEL: func.func @checked
// CHECK-NEXT:    %[[S:.*]] = llvm.call_intrinsic "llvm.sadd.with.overflow.i64"(%a, %b) : (i64, i64) -> !llvm.struct<(i64, i1)>
// CHECK-NEXT:    %{{.*}} = llvm.extractvalue %[[S]][0] : !llvm.struct<(i64, i1)>
// CHECK-NEXT:    %{{.*}} = llvm.extractvalue %[[S]][1] : !llvm.struct<(i64, i1)>
// CHECK-NEXT:    %[[D:.*]] = llvm.call_intrinsic "llvm.ssub.with.overflow.i64"(%a, %b)
// CHECK:         %[[M:.*]] = llvm.call_intrinsic "llvm.smul.with.overflow.i64"(%a, %b)
// CHECK-NOT:     pyrt.
// CHECK-LABEL: func.func @main

// Natively: INT_MAX + 1 wraps and reports overflow, 3 * 4 does not; status 0 first.
func.func @main() -> (i64, i1, i64, i1) {
  %max = arith.constant 9223372036854775807 : i64
  %one = arith.constant 1 : i64
  %three = arith.constant 3 : i64
  %four = arith.constant 4 : i64
  %s, %so = pyrt.checked_addi %max, %one : i64
  %m, %mo = pyrt.checked_muli %three, %four : i64
  func.return %s, %so, %m, %mo : i64, i1, i64, i1
}
// EXEC:      result 0: 0
// EXEC-NEXT: result 1: -9223372036854775808
// EXEC-NEXT: result 2: True
// EXEC-NEXT: result 3: 12
// EXEC-NEXT: result 4: False

// -----

// A guard is convert-guards-to-status's to lower first: one left is refused.
func.func @guarded(%ok: i1) {
  pyrt.guard %ok, "ValueError"
  func.return
}
// CHECK: convert-pyrt-to-llvm.mlir:{{[0-9]+}}:3: error: 'pyrt.guard': convert-pyrt-to-llvm cannot lower this op: run convert-guards-to-status first
