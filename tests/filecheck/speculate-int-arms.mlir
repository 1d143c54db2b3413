// RUN: graphlet-opt %s -p speculate-int-arms | filecheck %s
// RUN: graphlet-run %s --entry step --args 6 | filecheck %s --check-prefix=EVEN
// EVEN: 3
// RUN: graphlet-run %s --entry step --args 7 | filecheck %s --check-prefix=ODD
// ODD: 22
// An even number past a third of 2**63: the odd arm's overflow is computed, not taken.
// RUN: graphlet-run %s --entry step --args 9223372036854775806 | filecheck %s --check-prefix=HUGE
// HUGE: 4611686018427387903
// RUN: not graphlet-run %s --entry step --args 3074457345618258603 2>&1 | filecheck %s --check-prefix=BIG
// BIG: GuardFailure: HandBack

// Both arms of the parity test run; the branch becomes selects (the guard, moved to the
// join by merge-overflow-guards, reads the chosen arm's flag).
func.func @step(%m: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %true = arith.constant true
  %false = arith.constant false
  %bit = arith.andi %m, %c1 : i64
  %even = arith.cmpi eq, %bit, %c0 : i64
  cf.cond_br %even, ^half(%m : i64), ^triple(%m : i64)
^half(%x: i64):
  %h = arith.divsi %x, %c2 : i64
  cf.br ^join(%h, %true : i64, i1)
^triple(%y: i64):
  %t, %o1 = pyrt.checked_muli %y, %c3 : i64
  %ok1 = arith.xori %o1, %true : i1
  %u, %o2 = pyrt.checked_addi %t, %c1 : i64
  %ok2 = arith.xori %o2, %true : i1
  %both = arith.select %ok1, %ok2, %false : i1
  cf.br ^join(%u, %both : i64, i1)
^join(%r: i64, %ok: i1):
  pyrt.guard %ok, "HandBack"
  func.return %r : i64
}
// CHECK-LABEL: func.func @step
// CHECK:         %even = arith.cmpi eq, %bit, %c0 : i64
// CHECK-NEXT:    %h = arith.divsi %m, %c2 : i64
// CHECK-NEXT:    %t, %o1 = pyrt.checked_muli %m, %c3 : i64
// CHECK:         %[[R:.*]] = arith.select %even, %h, %u : i64
// CHECK-NEXT:    %[[OK:.*]] = arith.select %even, %true, %both : i1
// CHECK-NEXT:    cf.br ^join(%[[R]], %[[OK]] : i64, i1)
// CHECK-NOT:     ^half
// CHECK-NOT:     ^triple
// CHECK:       ^join(%r: i64, %ok: i1):

// An arm with a store, or a division by a value that may be zero, stays a branch.
func.func @kept(%p: !llvm.ptr, %a: i64, %b: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %go = arith.cmpi slt, %a, %c0 : i64
  cf.cond_br %go, ^store(%a : i64), ^divide(%a : i64)
^store(%x: i64):
  llvm.store %x, %p : i64, !llvm.ptr
  cf.br ^join(%x : i64)
^divide(%y: i64):
  %q = arith.divsi %y, %b : i64
  cf.br ^join(%q : i64)
^join(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @kept
// CHECK:         cf.cond_br %go, ^store(%a : i64), ^divide(%a : i64)
