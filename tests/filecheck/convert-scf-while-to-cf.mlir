// RUN: graphlet-opt %s -p convert-scf-while-to-cf --split-input-file --verify-diagnostics | filecheck %s

func.func @count_down(%n: i64) -> (i64, i64) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %r:2 = scf.while (%x = %n, %steps = %c0) : (i64, i64) -> (i64, i64) {
    %more = arith.cmpi sgt, %x, %c0 : i64
    scf.condition(%more) %x, %steps : i64, i64
  } do {
  ^bb0(%y: i64, %s: i64):
    %y1 = arith.subi %y, %c1 : i64
    %s1 = arith.addi %s, %c1 : i64
    scf.yield %y1, %s1 : i64, i64
  }
  func.return %r#0, %r#1 : i64, i64
}
// CHECK-LABEL: func.func @count_down(%n: i64) -> (i64, i64) {
// CHECK-NEXT:    %c0 = arith.constant 0 : i64
// CHECK-NEXT:    %c1 = arith.constant 1 : i64
// CHECK-NEXT:    cf.br ^bb1(%n, %c0 : i64, i64)
// CHECK-NEXT:  ^bb1(%x: i64, %steps: i64):
// CHECK-NEXT:    %more = arith.cmpi sgt, %x, %c0 : i64
// CHECK-NEXT:    cf.cond_br %more, ^bb2(%x, %steps : i64, i64), ^bb3(%x, %steps : i64, i64)
// CHECK-NEXT:  ^bb2(%y: i64, %s: i64):
// CHECK-NEXT:    %y1 = arith.subi %y, %c1 : i64
// CHECK-NEXT:    %s1 = arith.addi %s, %c1 : i64
// CHECK-NEXT:    cf.br ^bb1(%y1, %s1 : i64, i64)
// CHECK-NEXT:  ^bb3(%r: i64, %r_1: i64):
// CHECK-NEXT:    func.return %r, %r_1 : i64, i64

func.func @nested(%n: i64) {
  %c0 = arith.constant 0 : i64
  scf.while (%i = %n) : (i64) -> () {
    %go = arith.cmpi sgt, %i, %c0 : i64
    scf.condition(%go)
  } do {
    scf.while () : () -> () {
      %f = arith.constant false
      scf.condition(%f)
    } do {
      scf.yield
    }
    scf.yield %c0 : i64
  }
  func.return
}
// CHECK-LABEL: func.func @nested(%n: i64) {
// CHECK-NEXT:    %c0 = arith.constant 0 : i64
// CHECK-NEXT:    cf.br ^bb1(%n : i64)
// CHECK-NEXT:  ^bb1(%i: i64):
// CHECK-NEXT:    %go = arith.cmpi sgt, %i, %c0 : i64
// CHECK-NEXT:    cf.cond_br %go, ^bb2, ^bb6
// CHECK-NEXT:  ^bb2:
// CHECK-NEXT:    cf.br ^bb3
// CHECK-NEXT:  ^bb3:
// CHECK-NEXT:    %f = arith.constant false
// CHECK-NEXT:    cf.cond_br %f, ^bb4, ^bb5
// CHECK-NEXT:  ^bb4:
// CHECK-NEXT:    cf.br ^bb3
// CHECK-NEXT:  ^bb5:
// CHECK-NEXT:    cf.br ^bb1(%c0 : i64)
// CHECK-NEXT:  ^bb6:
// CHECK-NEXT:    func.return

// -----

// A loop inside an scf.if cannot split the if's one-block region: refused.
func.func @in_if(%c: i1, %n: i64) -> i64 {
  %r = scf.if %c -> (i64) {
    %w = scf.while (%i = %n) : (i64) -> i64 {
      %z = arith.constant 0 : i64
      %more = arith.cmpi sgt, %i, %z : i64
      scf.condition(%more) %i : i64
    } do {
    ^bb0(%j: i64):
      scf.yield %j : i64
    }
    scf.yield %w : i64
  } else {
    scf.yield %n : i64
  }
  func.return %r : i64
}
// CHECK: convert-scf-while-to-cf.mlir:{{[0-9]+}}:10: error: 'scf.while': convert-scf-while-to-cf cannot lower this op: it is nested in 'scf.if', whose region must stay one block: run convert-scf-to-cf first
