// RUN: graphlet-opt %s -p eliminate-overflow-checks | filecheck %s
// The whole pipeline keeps the answers: 0**2 + ... + 999**2, and squares at the 64-bit edge.
// RUN: graphlet-run %s --entry sum_squares_to_1000 | filecheck %s --check-prefix=SUM
// SUM: 332833500
// RUN: graphlet-run %s --entry square_clamped --args 3037000500 | filecheck %s --check-prefix=EDGE
// EDGE: 9223372030926249001
// RUN: graphlet-run %s --entry square_clamped --args -3037000500 | filecheck %s --check-prefix=EDGE
// An unproven square still hands back (here, IR without a Python source, as a failed guard):
// RUN: not graphlet-run %s --entry square --args 3037000500 2>&1 | filecheck %s --check-prefix=PAST
// PAST: GuardFailure: HandBack

// for i in range(1000): s += i * i  (the bytecode frontend's range loop: start, stop,
// step and direction ride along as block arguments)
func.func @sum_squares_to_1000() -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c1000 = arith.constant 1000 : i64
  %false = arith.constant false
  %true = arith.constant true
  cf.br ^head(%c0, %c0, %c1000, %c1, %false : i64, i64, i64, i64, i1)
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
// CHECK-LABEL: func.func @sum_squares_to_1000
// CHECK-NOT:     pyrt
// CHECK:         %next = arith.addi %i, %step overflow<nsw> : i64
// CHECK:         %sq = arith.muli %x, %x overflow<nsw> : i64
// CHECK-NEXT:    %s3 = arith.addi %s2, %sq overflow<nsw> : i64
// CHECK-NOT:     pyrt
// CHECK:         func.return

// for i in range(n): s = i * i  -- the last square of range(n) for n <= 3037000500 fits
func.func @square_below(%n: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %limit = arith.constant 3037000500 : i64
  %true = arith.constant true
  %small = arith.cmpi sle, %n, %limit : i64
  cf.cond_br %small, ^head(%c0, %c0, %n : i64, i64, i64), ^big(%c0, %c0 : i64, i64)
^head(%s: i64, %i: i64, %m: i64):
  %go = arith.cmpi slt, %i, %m : i64
  cf.cond_br %go, ^body(%i, %m : i64, i64), ^exit(%s : i64)
^body(%x: i64, %m2: i64):
  %sq, %o = pyrt.checked_muli %x, %x : i64
  %ok = arith.xori %o, %true : i1
  pyrt.guard %ok, "HandBack"
  %next, %o2 = pyrt.checked_addi %x, %c1 : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  cf.br ^head(%sq, %next, %m2 : i64, i64, i64)
^big(%bs: i64, %bi: i64):
  %bgo = arith.cmpi slt, %bi, %n : i64
  cf.cond_br %bgo, ^bbody(%bi : i64), ^exit(%bs : i64)
^bbody(%bx: i64):
  %bsq, %bo = pyrt.checked_muli %bx, %bx : i64
  %bok = arith.xori %bo, %true : i1
  pyrt.guard %bok, "HandBack"
  %bnext, %bo2 = pyrt.checked_addi %bx, %c1 : i64
  %bok2 = arith.xori %bo2, %true : i1
  pyrt.guard %bok2, "HandBack"
  cf.br ^big(%bsq, %bnext : i64, i64)
^exit(%r: i64):
  func.return %r : i64
}
// What `%small` says of %n holds for the %m it passes, and `i < m` then bounds i:
// i*i fits (3037000499**2 < 2**63), i+1 too. Without it only i+1 does (i < n <= 2**63-1).
// CHECK-LABEL: func.func @square_below
// CHECK:         %sq = arith.muli %x, %x overflow<nsw> : i64
// CHECK-NEXT:    %next = arith.addi %x, %c1 overflow<nsw> : i64
// CHECK:         %bsq, %bo = pyrt.checked_muli %bx, %bx : i64
// CHECK:         %bnext = arith.addi %bx, %c1 overflow<nsw> : i64

func.func @square_clamped(%n: i64) -> i64 {
  %true = arith.constant true
  %hi = arith.constant 3037000499 : i64
  %lo = arith.constant -3037000499 : i64
  %a = arith.minsi %n, %hi : i64
  %b = arith.maxsi %a, %lo : i64
  %sq, %o = pyrt.checked_muli %b, %b : i64
  %ok = arith.xori %o, %true : i1
  pyrt.guard %ok, "HandBack"
  func.return %sq : i64
}
// CHECK-LABEL: func.func @square_clamped
// CHECK:         %sq = arith.muli %b, %b overflow<nsw> : i64
// CHECK-NEXT:    func.return

func.func @square(%n: i64) -> i64 {
  %true = arith.constant true
  %sq, %o = pyrt.checked_muli %n, %n : i64
  %ok = arith.xori %o, %true : i1
  pyrt.guard %ok, "HandBack"
  func.return %sq : i64
}
// CHECK-LABEL: func.func @square
// CHECK:         pyrt.checked_muli %n, %n : i64

// for i in range(100, 0, -3): s += i * i  (a negative step counts down to its bound)
func.func @down_by_three() -> i64 {
  %c0 = arith.constant 0 : i64
  %c100 = arith.constant 100 : i64
  %step = arith.constant -3 : i64
  %true = arith.constant true
  cf.br ^head(%c0, %c100, %c0, %step, %true : i64, i64, i64, i64, i1)
^head(%s: i64, %i: i64, %stop: i64, %st: i64, %rev: i1):
  %lt = arith.cmpi slt, %i, %stop : i64
  %gt = arith.cmpi sgt, %i, %stop : i64
  %go = arith.select %rev, %gt, %lt : i1
  %next, %o1 = pyrt.checked_addi %i, %st : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  cf.cond_br %go, ^body(%s, %next, %i : i64, i64, i64), ^exit(%s : i64)
^body(%s2: i64, %n2: i64, %x: i64):
  %sq, %o2 = pyrt.checked_muli %x, %x : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  %s3, %o3 = pyrt.checked_addi %s2, %sq : i64
  %ok3 = arith.xori %o3, %true : i1
  pyrt.guard %ok3, "HandBack"
  cf.br ^head(%s3, %n2, %stop, %st, %rev : i64, i64, i64, i64, i1)
^exit(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @down_by_three
// CHECK-NOT:     pyrt
// CHECK:         func.return

// Masks, shifts, remainders, floor division, min/max bound their results.
func.func @straight_line(%a: i64, %b: i64) -> (i64, i64, i64, i64, i64) {
  %true = arith.constant true
  %c255 = arith.constant 255 : i64
  %c40 = arith.constant 40 : i64
  %c1000 = arith.constant 1000 : i64
  %c7 = arith.constant 7 : i64
  %am = arith.andi %a, %c255 : i64
  %bm = arith.andi %b, %c255 : i64
  %p1, %o1 = pyrt.checked_muli %am, %bm : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  %as = arith.shrsi %a, %c40 : i64
  %bs = arith.shrsi %b, %c40 : i64
  %p2, %o2 = pyrt.checked_muli %as, %bs : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  %ar = arith.remsi %a, %c1000 : i64
  %bd = arith.floordivsi %b, %c1000 : i64
  %bq = arith.minsi %bd, %c1000 : i64
  %bq2 = arith.maxsi %bq, %c7 : i64
  %p3, %o3 = pyrt.checked_muli %ar, %bq2 : i64
  %ok3 = arith.xori %o3, %true : i1
  pyrt.guard %ok3, "HandBack"
  %p4, %o4 = pyrt.checked_muli %a, %bm : i64
  %ok4 = arith.xori %o4, %true : i1
  pyrt.guard %ok4, "HandBack"
  %p5, %o5 = pyrt.checked_subi %am, %bs : i64
  %ok5 = arith.xori %o5, %true : i1
  pyrt.guard %ok5, "HandBack"
  func.return %p1, %p2, %p3, %p4, %p5 : i64, i64, i64, i64, i64
}
// CHECK-LABEL: func.func @straight_line
// CHECK:         %p1 = arith.muli %am, %bm overflow<nsw> : i64
// CHECK:         %p2 = arith.muli %as, %bs overflow<nsw> : i64
// CHECK:         %p3 = arith.muli %ar, %bq2 overflow<nsw> : i64
// CHECK:         %p4, %o4 = pyrt.checked_muli %a, %bm : i64
// CHECK-NEXT:    %ok4 = arith.xori %o4, %true : i1
// CHECK-NEXT:    pyrt.guard %ok4, "HandBack"
// CHECK-NEXT:    %p5 = arith.subi %am, %bs overflow<nsw> : i64
// CHECK-NEXT:    func.return

// An array's axis length (`graphlet.range`: NumPy keeps length * 8 within 64 bits for
// float64) is non-negative and below 2**60: `len(a) - 1` and `len(a) * 4` fit; the
// same ops on a plain argument keep their checks.
func.func @array_length(%n: i64 {graphlet.range = array<i64: 0, 1152921504606846975>}, %m: i64) -> (i64, i64, i64) {
  %true = arith.constant true
  %c1 = arith.constant 1 : i64
  %c4 = arith.constant 4 : i64
  %last, %o1 = pyrt.checked_subi %n, %c1 : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  %wide, %o2 = pyrt.checked_muli %n, %c4 : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  %other, %o3 = pyrt.checked_subi %m, %c1 : i64
  %ok3 = arith.xori %o3, %true : i1
  pyrt.guard %ok3, "HandBack"
  func.return %last, %wide, %other : i64, i64, i64
}
// CHECK-LABEL: func.func @array_length
// CHECK:         %last = arith.subi %n, %c1 overflow<nsw> : i64
// CHECK-NEXT:    %wide = arith.muli %n, %c4 overflow<nsw> : i64
// CHECK-NEXT:    %other, %o3 = pyrt.checked_subi %m, %c1 : i64
// CHECK-NEXT:    %ok3 = arith.xori %o3, %true : i1
// CHECK-NEXT:    pyrt.guard %ok3, "HandBack"
