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

// Arms that both return (CPython 3.12+ copies `return r + 1` into each): one guard of
// the chosen arm's flag, one return of the chosen value.
// RUN: graphlet-run %s --entry pick --args 1 2 | filecheck %s --check-prefix=LESS
// LESS: 4
// RUN: graphlet-run %s --entry pick --args 2 1 | filecheck %s --check-prefix=MORE
// MORE: 1
// The arm not taken overflows (3 * a), the one taken does not:
// RUN: graphlet-run %s --entry pick --args 4611686018427387904 0 | filecheck %s --check-prefix=UNTAKEN
// UNTAKEN: 4611686018427387904
// RUN: not graphlet-run %s --entry pick --args 4611686018427387904 4611686018427387905 2>&1 | filecheck %s --check-prefix=TAKEN
// TAKEN: GuardFailure: HandBack

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

// Both arms return, each after its one merged hand-back guard (the else arm has none
// left: its checks were proved).
func.func @pick(%a: i64, %b: i64) -> i64 {
  %c1 = arith.constant 1 : i64
  %c3 = arith.constant 3 : i64
  %true = arith.constant true
  %false = arith.constant false
  %less = arith.cmpi slt, %a, %b : i64
  cf.cond_br %less, ^add(%a, %b : i64, i64), ^sub(%a, %b : i64, i64)
^add(%x: i64, %y: i64):
  %t, %o1 = pyrt.checked_muli %x, %c3 : i64
  %ok1 = arith.xori %o1, %true : i1
  %u, %o2 = pyrt.checked_addi %t, %c1 : i64
  %ok2 = arith.xori %o2, %true : i1
  %both = arith.select %ok1, %ok2, %false : i1
  pyrt.guard %both, "HandBack"
  func.return %u : i64
^sub(%p: i64, %q: i64):
  %d = arith.subi %p, %q : i64
  func.return %d : i64
}
// CHECK-LABEL: func.func @pick
// CHECK:         %less = arith.cmpi slt, %a, %b : i64
// CHECK-NEXT:    %t, %o1 = pyrt.checked_muli %a, %c3 : i64
// CHECK:         %d = arith.subi %a, %b : i64
// CHECK-NEXT:    %[[R:.*]] = arith.select %less, %u, %d : i64
// CHECK-NEXT:    %[[TRUE:.*]] = arith.constant true
// CHECK-NEXT:    %[[OK:.*]] = arith.select %less, %both, %[[TRUE]] : i1
// CHECK-NEXT:    pyrt.guard %[[OK]], "HandBack"
// CHECK-NEXT:    func.return %[[R]] : i64
// CHECK-NOT:     ^add
// CHECK-NOT:     ^sub

// A returning arm with a guard of another kind stays a branch.
func.func @raises(%a: i64, %b: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %less = arith.cmpi slt, %a, %b : i64
  cf.cond_br %less, ^check(%a : i64), ^plain(%b : i64)
^check(%x: i64):
  %nz = arith.cmpi ne, %x, %c0 : i64
  pyrt.guard %nz, "ZeroDivisionError"
  func.return %x : i64
^plain(%y: i64):
  func.return %y : i64
}
// CHECK-LABEL: func.func @raises
// CHECK:         cf.cond_br %less, ^check(%a : i64), ^plain(%b : i64)
