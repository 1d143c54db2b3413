// RUN: graphlet-opt %s -p graphlet-optimize | filecheck %s

// `graphlet-optimize` = canonicalize, cse, dce, canonicalize: the last canonicalize
// folds what cse exposed (`%0 - %1` with %0 == %1).

func.func @graphlet(%a: i64, %b: i64, %x: f64) -> (i64, i64, f64) {
  %zero = graphlet.constant 0 : i64
  %one = graphlet.constant 1 : i64
  %0 = graphlet.add %a, %b : i64
  %1 = graphlet.add %a, %b : i64
  %2 = graphlet.mul %0, %1 : i64
  %dead = graphlet.mul %a, %b : i64
  %div = graphlet.floordiv %a, %b : i64
  %safe = graphlet.floordiv %a, %one : i64
  %raise = graphlet.floordiv %a, %zero : i64
  %3 = graphlet.sub %0, %1 : i64
  %e1 = graphlet.exp %x : f64
  %e2 = graphlet.exp %x : f64
  %4 = graphlet.add %e1, %e2 : f64
  func.return %2, %3, %4 : i64, i64, f64
}

// CHECK-LABEL: func.func @graphlet(
// CHECK-NEXT:    %zero = graphlet.constant 0 : i64
// CHECK-NEXT:    %0 = graphlet.add %a, %b : i64
// CHECK-NEXT:    %1 = graphlet.mul %0, %0 : i64
// CHECK-NEXT:    %div = graphlet.floordiv %a, %b : i64
// CHECK-NEXT:    %raise = graphlet.floordiv %a, %zero : i64
// CHECK-NEXT:    %2 = graphlet.constant 0 : i64
// CHECK-NEXT:    %e1 = graphlet.exp %x : f64
// CHECK-NEXT:    %e2 = graphlet.exp %x : f64
// CHECK-NEXT:    %3 = graphlet.add %e1, %e2 : f64
// CHECK-NEXT:    func.return %1, %2, %3 : i64, i64, f64
// CHECK-NEXT:  }

func.func @arith(%a: i64, %b: i64) -> (i64, i64) {
  %c0 = arith.constant 0 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %0 = arith.addi %a, %b : i64
  %1 = arith.addi %a, %b : i64
  %2 = arith.muli %0, %1 : i64
  %dead = arith.muli %a, %b : i64
  %3 = arith.addi %c2, %c3 : i64
  %4 = arith.addi %2, %c0 : i64
  %5 = arith.subi %4, %3 : i64
  func.return %5, %1 : i64, i64
}

// CHECK-LABEL: func.func @arith(
// CHECK-NEXT:    %0 = arith.addi %a, %b : i64
// CHECK-NEXT:    %1 = arith.muli %0, %0 : i64
// CHECK-NEXT:    %2 = arith.constant 5 : i64
// CHECK-NEXT:    %3 = arith.subi %1, %2 : i64
// CHECK-NEXT:    func.return %3, %0 : i64, i64
// CHECK-NEXT:  }
