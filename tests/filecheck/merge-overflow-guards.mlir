// RUN: graphlet-opt %s -p merge-overflow-guards | filecheck %s
// The answer, and past 64 bits the hand-back:
// RUN: graphlet-run %s --entry step --args 7 | filecheck %s --check-prefix=ODD
// ODD: 22
// RUN: not graphlet-run %s --entry step --args 3074457345618258603 2>&1 | filecheck %s --check-prefix=BIG
// BIG: GuardFailure: HandBack
// defer-float-flag-guards still finds its site (by its ^warn block's shape) after this pass:
// RUN: graphlet-opt %s -p merge-overflow-guards,defer-float-flag-guards | filecheck %s --check-prefix=DEFER
// DEFER: func.func private @flags__exact

// An arm's two hand-backs become one, handed on to the join (the other arm passes true).
func.func @step(%m: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c3 = arith.constant 3 : i64
  %true = arith.constant true
  %bit = arith.andi %m, %c1 : i64
  %even = arith.cmpi eq, %bit, %c0 : i64
  cf.cond_br %even, ^half(%m : i64), ^triple(%m : i64)
^half(%x: i64):
  %h = arith.shrsi %x, %c1 : i64
  cf.br ^join(%h : i64)
^triple(%y: i64):
  %t, %o1 = pyrt.checked_muli %y, %c3 : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  %u, %o2 = pyrt.checked_addi %t, %c1 : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  cf.br ^join(%u : i64)
^join(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @step
// CHECK:       ^half(%x: i64):
// CHECK:         %[[TRUE:.*]] = arith.constant true
// CHECK-NEXT:    cf.br ^join(%h, %[[TRUE]] : i64, i1)
// CHECK:       ^triple(%y: i64):
// CHECK-NOT:     pyrt.guard
// CHECK:         %[[BOTH:.*]] = arith.select %ok1, %ok2, %{{.*}} : i1
// CHECK-NEXT:    cf.br ^join(%u, %[[BOTH]] : i64, i1)
// CHECK:       ^join(%r: i64, %[[IN:.*]]: i1):
// CHECK-NEXT:    pyrt.guard %[[IN]], "HandBack"
// CHECK-NEXT:    func.return %r : i64


// A guard passes no store, call or division by a value that may be 0 or -1; a guard of
// a constant condition that holds goes; nothing moves along a back edge.
func.func @kept(%p: !llvm.ptr, %a: i64, %b: i64) -> i64 {
  %true = arith.constant true
  %c2 = arith.constant 2 : i64
  %c0 = arith.constant 0 : i64
  %never = arith.cmpi ne, %c2, %c0 : i64
  pyrt.guard %never, "ZeroDivisionError"
  %s, %o1 = pyrt.checked_addi %a, %b : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  llvm.store %s, %p : i64, !llvm.ptr
  %d, %o2 = pyrt.checked_muli %a, %b : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  %q = arith.divsi %d, %b : i64
  %e, %o3 = pyrt.checked_subi %q, %a : i64
  %ok3 = arith.xori %o3, %true : i1
  pyrt.guard %ok3, "HandBack"
  %h = arith.divsi %e, %c2 : i64
  %f, %o4 = pyrt.checked_addi %h, %b : i64
  %ok4 = arith.xori %o4, %true : i1
  pyrt.guard %ok4, "HandBack"
  cf.br ^loop(%f : i64)
^loop(%i: i64):
  %n, %o5 = pyrt.checked_addi %i, %a : i64
  %ok5 = arith.xori %o5, %true : i1
  pyrt.guard %ok5, "HandBack"
  %go = arith.cmpi slt, %n, %b : i64
  cf.cond_br %go, ^loop(%n : i64), ^exit(%n : i64)
^exit(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     "ZeroDivisionError"
// CHECK:         pyrt.guard %ok1, "HandBack"
// CHECK-NEXT:    llvm.store
// CHECK:         pyrt.guard %ok2, "HandBack"
// CHECK-NEXT:    %q = arith.divsi %d, %b : i64
// CHECK:         %[[JOINED:.*]] = arith.select %ok3, %ok4, %{{.*}} : i1
// CHECK-NEXT:    pyrt.guard %[[JOINED]], "HandBack"
// CHECK-NEXT:    cf.br ^loop(%f : i64)
// CHECK:       ^loop(%i: i64):
// CHECK:         pyrt.guard %ok5, "HandBack"

// A float-flags guard belongs to defer-float-flag-guards: it stays in its ^warn block,
// and no overflow guard joins it or moves past it.
func.func @flags(%x: f64, %a: i64, %b: i64) -> f64 {
  %true = arith.constant true
  %s, %o1 = pyrt.checked_addi %a, %b : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  %y = arith.mulf %x, %x : f64
  %abs = math.absf %y : f64
  %inf = arith.constant 0x7FF0000000000000 : f64
  %fin = arith.cmpf olt, %abs, %inf : f64
  %nf = arith.xori %fin, %true : i1
  cf.cond_br %nf, ^warn, ^join
^warn:
  %ax = math.absf %x : f64
  %finx = arith.cmpf olt, %ax, %inf : f64
  %fok = arith.xori %finx, %true : i1
  pyrt.guard %fok, "HandBack" {float_flags}
  cf.br ^join
^join:
  %t, %o2 = pyrt.checked_muli %s, %s : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  func.return %y : f64
}
// CHECK-LABEL: func.func @flags
// CHECK:         pyrt.guard %ok1, "HandBack"
// CHECK:       ^warn:
// CHECK:         pyrt.guard %fok, "HandBack" {float_flags}
// CHECK-NEXT:    cf.br ^join
// CHECK-NEXT:  ^join:
// CHECK:         pyrt.guard %ok2, "HandBack"
// CHECK-NEXT:    func.return %y : f64

func.func @absorb(%a: i64, %b: i64, %c: i1) -> i64 {
  %true = arith.constant true
  %s, %o1 = pyrt.checked_addi %a, %b : i64
  %ok1 = arith.xori %o1, %true : i1
  pyrt.guard %ok1, "HandBack"
  pyrt.guard %c, "HandBack" {float_flags}
  %t, %o2 = pyrt.checked_muli %s, %s : i64
  %ok2 = arith.xori %o2, %true : i1
  pyrt.guard %ok2, "HandBack"
  func.return %t : i64
}
// CHECK-LABEL: func.func @absorb
// CHECK:         pyrt.guard %ok1, "HandBack"
// CHECK-NEXT:    pyrt.guard %c, "HandBack" {float_flags}
// CHECK:         pyrt.guard %ok2, "HandBack"
// CHECK-NEXT:    func.return %t : i64
