// RUN: graphlet-opt %s -p version-int-loops | filecheck %s
// Both copies give the answer: n = 1000 takes the unchecked one, n = 3000000 (past the
// bound, the sum still fits) the checked one.
// RUN: graphlet-run %s --entry sum_squares --args 1000 | filecheck %s --check-prefix=SMALL
// SMALL: 332833500
// RUN: graphlet-run %s --entry sum_squares --args 3000000 | filecheck %s --check-prefix=LARGE
// LARGE: 8999995500000500000
// RUN: graphlet-run %s --entry sum_squares --args -5 | filecheck %s --check-prefix=EMPTY
// EMPTY: 0

// for i in range(n): s += i * i   (s <= n * (n-1)**2 fits 64 bits for |n| <= 2097152)
func.func @sum_squares(%n: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %false = arith.constant false
  %true = arith.constant true
  cf.br ^head(%c0, %c0, %n, %c1, %false : i64, i64, i64, i64, i1)
^head(%s: i64, %i: i64, %stop: i64, %step: i64, %rev: i1):
  %lt = arith.cmpi slt, %i, %stop : i64
  %gt = arith.cmpi sgt, %i, %stop : i64
  %go = arith.select %rev, %gt, %lt : i1
  %next, %o1 = pyrt.checked_addi %i, %step : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  cf.cond_br %go, ^body(%s, %next, %stop, %step, %rev, %i : i64, i64, i64, i64, i1, i64), ^exit(%s : i64)
^body(%s2: i64, %n2: i64, %stop2: i64, %step2: i64, %rev2: i1, %x: i64):
  %sq, %o2 = pyrt.checked_muli %x, %x : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  %s3, %o3 = pyrt.checked_addi %s2, %sq : i64
  %ok3 = arith.xori %o3, %true : i1
  pyrt.guard %ok3, "HandBack"
  cf.br ^head(%s3, %n2, %stop2, %step2, %rev2 : i64, i64, i64, i64, i1)
^exit(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @sum_squares
// CHECK:         cf.br ^[[CHECK:bb[0-9]+]](%c0, %c0, %n, %c1, %false : i64, i64, i64, i64, i1)
// CHECK-NEXT:  ^[[CHECK]]([[A:.*]]):
// CHECK-NEXT:    %[[LO:.*]] = arith.constant -2097152 : i64
// CHECK-NEXT:    %[[GE:.*]] = arith.cmpi sge, %n, %[[LO]] : i64
// CHECK-NEXT:    %[[HI:.*]] = arith.constant 2097152 : i64
// CHECK-NEXT:    %[[LE:.*]] = arith.cmpi sle, %n, %[[HI]] : i64
// CHECK-NEXT:    %[[OK:.*]] = arith.andi %[[GE]], %[[LE]] : i1
// CHECK-NEXT:    cf.cond_br %[[OK]], ^[[FAST:bb[0-9]+]]({{.*}}), ^head({{.*}})
// The checked copy is the original loop:
// CHECK:       ^head(
// CHECK:         pyrt.checked_addi %i, %step
// CHECK:         pyrt.checked_muli %x, %x
// CHECK:         pyrt.checked_addi %s2, %sq
// CHECK:       ^exit(
// The unchecked copy:
// CHECK:       ^[[FAST]](
// CHECK-NOT:     pyrt
// CHECK:         arith.addi {{.*}} overflow<nsw> : i64
// CHECK-NOT:     pyrt
// CHECK:         arith.muli {{.*}} overflow<nsw> : i64
// CHECK-NEXT:    arith.addi {{.*}} overflow<nsw> : i64
// CHECK-NEXT:    cf.br ^[[FAST]](
// CHECK-NEXT:  }

// while m != 1: m = m // 2 if m % 2 == 0 else 3 * m + 1  -- no bound on m makes 3*m+1 fit:
// not versioned.
func.func @collatz_steps(%n: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %true = arith.constant true
  cf.br ^head(%n, %c0 : i64, i64)
^head(%m: i64, %k: i64):
  %go = arith.cmpi ne, %m, %c1 : i64
  cf.cond_br %go, ^body(%m, %k : i64, i64), ^exit(%k : i64)
^body(%m2: i64, %k2: i64):
  %r = arith.remsi %m2, %c2 : i64
  %even = arith.cmpi eq, %r, %c0 : i64
  %half = arith.divsi %m2, %c2 : i64
  %t, %o1 = pyrt.checked_muli %m2, %c3 : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  %u, %o2 = pyrt.checked_addi %t, %c1 : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  %next = arith.select %even, %half, %u : i64
  %k3, %o3 = pyrt.checked_addi %k2, %c1 : i64
  %ok3 = arith.xori %o3, %true : i1
  pyrt.guard %ok3, "HandBack"
  cf.br ^head(%next, %k3 : i64, i64)
^exit(%res: i64):
  func.return %res : i64
}
// CHECK-LABEL: func.func @collatz_steps
// CHECK:         cf.br ^head(%n, %c0 : i64, i64)
// CHECK-NOT:     cf.cond_br %{{.*}}, ^bb
// CHECK:         func.return %res : i64
// CHECK-NEXT:  }
