// Loops and branches, natively and in the reference interpreter.
// RUN: graphlet-run %s --entry sum_for --args 100 | filecheck %s --check-prefix=SUM
// RUN: graphlet-run %s --entry sum_for --args 100 --interpret | filecheck %s --check-prefix=SUM
// SUM: 4950
// RUN: graphlet-run %s --entry collatz --args 27 | filecheck %s --check-prefix=COLLATZ
// RUN: graphlet-run %s --entry collatz --args 27 --interpret | filecheck %s --check-prefix=COLLATZ
// COLLATZ: 111
// RUN: graphlet-run %s --entry factorial --args 20 | filecheck %s --check-prefix=FACT20
// FACT20: 2432902008176640000
// Past 64 bits the native loop hands the call back, and Python's big int comes out:
// RUN: graphlet-run %s --entry factorial --args 25 | filecheck %s --check-prefix=FACT25
// RUN: graphlet-run %s --entry factorial --args 25 --interpret | filecheck %s --check-prefix=FACT25
// FACT25: 15511210043330985984000000
// RUN: graphlet-run %s --entry classify --args -2.5 | filecheck %s --check-prefix=NEG
// NEG: -1
// NEG-NEXT: 2.5
// NEG-NEXT: False
// RUN: graphlet-run %s --entry classify --args nan | filecheck %s --check-prefix=NAN
// RUN: graphlet-run %s --entry classify --args nan --interpret | filecheck %s --check-prefix=NAN
// NAN: 0
// NAN-NEXT: nan
// NAN-NEXT: True

// sum(range(n)) with scf.for
func.func @sum_for(%n: i64) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ub = arith.index_cast %n : i64 to index
  %zero = graphlet.constant 0 : i64
  %r = scf.for %i = %c0 to %ub step %c1 iter_args(%acc = %zero) -> (i64) {
    %ii = arith.index_cast %i : index to i64
    %s = graphlet.add %acc, %ii : i64
    scf.yield %s : i64
  }
  func.return %r : i64
}

// Collatz steps with scf.while and scf.if
func.func @collatz(%n: i64) -> i64 {
  %zero = graphlet.constant 0 : i64
  %one = graphlet.constant 1 : i64
  %two = graphlet.constant 2 : i64
  %three = graphlet.constant 3 : i64
  %r:2 = scf.while (%x = %n, %steps = %zero) : (i64, i64) -> (i64, i64) {
    %more = graphlet.cmp ne, %x, %one : i64
    scf.condition(%more) %x, %steps : i64, i64
  } do {
  ^bb0(%x: i64, %steps: i64):
    %rem = graphlet.mod %x, %two : i64
    %even = graphlet.cmp eq, %rem, %zero : i64
    %next = scf.if %even -> (i64) {
      %h = graphlet.floordiv %x, %two : i64
      scf.yield %h : i64
    } else {
      %t = graphlet.mul %x, %three : i64
      %t1 = graphlet.add %t, %one : i64
      scf.yield %t1 : i64
    }
    %s1 = graphlet.add %steps, %one : i64
    scf.yield %next, %s1 : i64, i64
  }
  func.return %r#1 : i64
}

// n! with an unstructured cf loop
func.func @factorial(%n: i64) -> i64 {
  %one = graphlet.constant 1 : i64
  cf.br ^loop(%n, %one : i64, i64)
^loop(%k: i64, %acc: i64):
  %done = graphlet.cmp le, %k, %one : i64
  cf.cond_br %done, ^exit(%acc : i64), ^body
^body:
  %acc1 = graphlet.mul %acc, %k : i64
  %k1 = graphlet.sub %k, %one : i64
  cf.br ^loop(%k1, %acc1 : i64, i64)
^exit(%r: i64):
  func.return %r : i64
}

// (sign, abs, is-nan) with branches on floats
func.func @classify(%x: f64) -> (i64, f64, i1) {
  %zero = graphlet.constant 0.0 : f64
  %neg = graphlet.cmp lt, %x, %zero : f64
  %pos = graphlet.cmp gt, %x, %zero : f64
  %ni = graphlet.cast %neg : i1 to i64
  %pi = graphlet.cast %pos : i1 to i64
  %sign = graphlet.sub %pi, %ni : i64
  %a = graphlet.abs %x : f64
  %isnan = graphlet.cmp ne, %x, %x : f64
  func.return %sign, %a, %isnan : i64, f64, i1
}
