// RUN: graphlet-opt %s -p sink-into-successors | filecheck %s

// for i in range(a, b): the next value moves into the body, which reads its own copy of i.
func.func @range_step(%a: i64, %b: i64) -> i64 {
  %c1 = graphlet.constant 1 : i64
  cf.br ^head(%a : i64)
^head(%i: i64):
  %go = graphlet.cmp lt, %i, %b : i64
  %next = graphlet.add %i, %c1 : i64
  cf.cond_br %go, ^body(%next, %i : i64, i64), ^exit(%i : i64)
^body(%n: i64, %x: i64):
  %y = graphlet.mul %x, %x : i64
  cf.br ^head(%n : i64)
^exit(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @range_step
// CHECK:       ^{{.*}}(%i: i64):
// CHECK-NEXT:    %go = graphlet.cmp lt, %i, %b : i64
// CHECK-NEXT:    cf.cond_br %go, ^[[BODY:.*]](%i : i64), ^{{.*}}(%i : i64)
// CHECK-NEXT:  ^[[BODY]](%x: i64):
// CHECK-NEXT:    %next = graphlet.add %x, %c1 : i64
// CHECK-NEXT:    %y = graphlet.mul %x, %x : i64
// CHECK-NEXT:    cf.br ^{{.*}}(%next : i64)

// Stays: used in its block, passed to both successors, a successor with two
// predecessors, and a guard between the add and the branch.
func.func @stays(%a: i64, %b: i1) -> i64 {
  %c1 = graphlet.constant 1 : i64
  %used = graphlet.add %a, %c1 : i64
  %both = graphlet.add %a, %a : i64
  %t = graphlet.cmp lt, %used, %a : i64
  cf.cond_br %t, ^one(%both : i64), ^two(%both : i64)
^one(%x: i64):
  %joined = graphlet.sub %x, %c1 : i64
  cf.cond_br %b, ^two(%joined : i64), ^three(%x : i64)
^two(%y: i64):
  %z = graphlet.mul %y, %y : i64
  pyrt.guard %b, "HandBack"
  cf.cond_br %b, ^three(%z : i64), ^three(%y : i64)
^three(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @stays
// CHECK:         %used = graphlet.add %a, %c1 : i64
// CHECK-NEXT:    %both = graphlet.add %a, %a : i64
// CHECK:       ^{{.*}}(%x: i64):
// CHECK-NEXT:    %joined = graphlet.sub %x, %c1 : i64
// CHECK:       ^{{.*}}(%y: i64):
// CHECK-NEXT:    %z = graphlet.mul %y, %y : i64
// CHECK-NEXT:    pyrt.guard %b, "HandBack"
