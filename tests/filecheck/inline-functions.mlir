// RUN: graphlet-opt %s -p inline-functions | filecheck %s

// Each call of a function defined in the module becomes the callee's blocks between
// the halves of the caller's block; returns branch to the rest.

func.func @square(%x: f64) -> f64 {
  %0 = graphlet.mul %x, %x : f64
  func.return %0 : f64
}

func.func @clamp(%x: f64) -> f64 {
  %zero = graphlet.constant 0.000000e+00 : f64
  %c = graphlet.cmp lt, %x, %zero : f64
  cf.cond_br %c, ^neg, ^pos
^neg:
  func.return %zero : f64
^pos:
  func.return %x : f64
}

func.func @f(%x: f64) -> f64 {
  %0 = func.call @square(%x) : (f64) -> f64
  %1 = func.call @clamp(%0) : (f64) -> f64
  %2 = graphlet.add %1, %x : f64
  func.return %2 : f64
}

// CHECK-LABEL: func.func @f(%x: f64) -> f64 {
// CHECK-NEXT:    cf.br ^bb1(%x : f64)
// CHECK-NEXT:  ^bb1(%x_1: f64):
// CHECK-NEXT:    %0 = graphlet.mul %x_1, %x_1 : f64
// CHECK-NEXT:    cf.br ^bb2(%0 : f64)
// CHECK-NEXT:  ^bb2(%1: f64):
// CHECK-NEXT:    cf.br ^bb3(%1 : f64)
// CHECK-NEXT:  ^bb3(%x_2: f64):
// CHECK-NEXT:    %zero = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    %c = graphlet.cmp lt, %x_2, %zero : f64
// CHECK-NEXT:    cf.cond_br %c, ^bb4, ^bb5
// CHECK-NEXT:  ^bb4:
// CHECK-NEXT:    cf.br ^bb6(%zero : f64)
// CHECK-NEXT:  ^bb5:
// CHECK-NEXT:    cf.br ^bb6(%x_2 : f64)
// CHECK-NEXT:  ^bb6(%2: f64):
// CHECK-NEXT:    %3 = graphlet.add %2, %x : f64
// CHECK-NEXT:    func.return %3 : f64
// CHECK-NEXT:  }

// Recursion stays a call.

func.func @fact(%n: i64) -> i64 {
  %one = graphlet.constant 1 : i64
  %c = graphlet.cmp le, %n, %one : i64
  cf.cond_br %c, ^base, ^step
^base:
  func.return %one : i64
^step:
  %m = graphlet.sub %n, %one : i64
  %r = func.call @fact(%m) : (i64) -> i64
  %p = graphlet.mul %n, %r : i64
  func.return %p : i64
}

// CHECK-LABEL: func.func @fact(
// CHECK:         %r = func.call @fact(%m) : (i64) -> i64
