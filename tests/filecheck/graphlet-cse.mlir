// RUN: graphlet-opt %s --split-input-file -p graphlet-cse | filecheck %s

// `graphlet-cse` is xDSL's `cse` (which skips regions of more than one block) along
// the dominator tree: an op is replaced by an identical one in its own block or in a
// block that dominates it, never by one in a sibling branch.

func.func @diamond(%x: f64, %y: f64, %c: i1) -> f64 {
  %0 = graphlet.mul %x, %y : f64
  cf.cond_br %c, ^then, ^else
^then:
  %1 = graphlet.mul %x, %y : f64
  %2 = graphlet.sub %x, %y : f64
  %3 = graphlet.sub %x, %y : f64
  %4 = graphlet.add %1, %2 : f64
  %5 = graphlet.add %4, %3 : f64
  cf.br ^join(%5 : f64)
^else:
  %6 = graphlet.sub %x, %y : f64
  cf.br ^join(%6 : f64)
^join(%t: f64):
  %7 = graphlet.sub %x, %y : f64
  %8 = graphlet.mul %x, %y : f64
  %9 = graphlet.add %7, %8 : f64
  %10 = graphlet.add %9, %t : f64
  %11 = graphlet.add %10, %0 : f64
  func.return %11 : f64
}

// CHECK-LABEL: func.func @diamond(
// CHECK-NEXT:    %0 = graphlet.mul %x, %y : f64
// CHECK-NEXT:    cf.cond_br %c, ^then, ^else
// CHECK-NEXT:  ^then:
// CHECK-NEXT:    %1 = graphlet.sub %x, %y : f64
// CHECK-NEXT:    %2 = graphlet.add %0, %1 : f64
// CHECK-NEXT:    %3 = graphlet.add %2, %1 : f64
// CHECK-NEXT:    cf.br ^join(%3 : f64)
// CHECK-NEXT:  ^else:
// CHECK-NEXT:    %4 = graphlet.sub %x, %y : f64
// CHECK-NEXT:    cf.br ^join(%4 : f64)
// CHECK-NEXT:  ^join(%t: f64):
// CHECK-NEXT:    %5 = graphlet.sub %x, %y : f64
// CHECK-NEXT:    %6 = graphlet.add %5, %0 : f64
// CHECK-NEXT:    %7 = graphlet.add %6, %t : f64
// CHECK-NEXT:    %8 = graphlet.add %7, %0 : f64
// CHECK-NEXT:    func.return %8 : f64
// CHECK-NEXT:  }

// -----

// A loop as graphlet-autodiff's forward mode leaves it: each tangent's rule for
// sin computes cos(t) again; the body keeps one, and reuses the entry's constant.
// Ops that may raise (exp) are not merged, in any block.

func.func @loop(%x: f64, %y: f64) -> (f64, f64, f64) {
  %one = graphlet.constant 1.000000e+00 : f64
  cf.br ^head(%x, %one : f64, f64)
^head(%s: f64, %ds: f64):
  %c = graphlet.cmp lt, %s, %y : f64
  cf.cond_br %c, ^body(%s, %ds : f64, f64), ^exit(%s, %ds : f64, f64)
^body(%t: f64, %dt: f64):
  %v = graphlet.sin %t : f64
  %c1 = graphlet.cos %t {ieee} : f64
  %d1 = graphlet.mul %dt, %c1 : f64
  %c2 = graphlet.cos %t {ieee} : f64
  %d2 = graphlet.mul %dt, %c2 : f64
  %k = graphlet.constant 1.000000e+00 : f64
  %e1 = graphlet.exp %t : f64
  %e2 = graphlet.exp %t : f64
  %w = graphlet.add %v, %k : f64
  %d3 = graphlet.add %d1, %d2 : f64
  cf.br ^head(%w, %d3 : f64, f64)
^exit(%r: f64, %dr: f64):
  func.return %r, %dr, %dr : f64, f64, f64
}

// CHECK-LABEL: func.func @loop(
// CHECK:       ^body(%t: f64, %dt: f64):
// CHECK-NEXT:    %v = graphlet.sin %t : f64
// CHECK-NEXT:    %c1 = graphlet.cos %t {ieee} : f64
// CHECK-NEXT:    %d1 = graphlet.mul %dt, %c1 : f64
// CHECK-NEXT:    %e1 = graphlet.exp %t : f64
// CHECK-NEXT:    %e2 = graphlet.exp %t : f64
// CHECK-NEXT:    %w = graphlet.add %v, %one : f64
// CHECK-NEXT:    %d3 = graphlet.add %d1, %d1 : f64
// CHECK-NEXT:    cf.br ^head(%w, %d3 : f64, f64)
