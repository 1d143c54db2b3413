// RUN: graphlet-opt %s -p version-contiguous-loops --split-input-file | filecheck %s

// for j in range(n): s += a[j], with a's byte stride %stride: the copy steps by 8 bytes,
// taken when %stride is 8 (a contiguous float64 array).
func.func @sum(%data: !llvm.ptr, %n: i64, %stride: i64) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %z = arith.constant 0.0 : f64
  cf.br ^head(%c0, %z : i64, f64)
^head(%i: i64, %s: f64):
  %go = arith.cmpi slt, %i, %n : i64
  cf.cond_br %go, ^body(%i, %s : i64, f64), ^exit(%s : f64)
^body(%j: i64, %t: f64):
  %off = llvm.mul %j, %stride : i64
  %p = llvm.getelementptr %data[%off] : (!llvm.ptr, i64) -> !llvm.ptr, i8
  %q = llvm.getelementptr %p[0] : (!llvm.ptr) -> !llvm.ptr, f64
  %x = llvm.load %q : !llvm.ptr -> f64
  %u = arith.addf %t, %x : f64
  %next = arith.addi %j, %c1 : i64
  cf.br ^head(%next, %u : i64, f64)
^exit(%r: f64):
  func.return %r : f64
}
// CHECK-LABEL: func.func @sum
// CHECK:         cf.br ^[[CHECK:bb[0-9]+]](%c0, %z : i64, f64)
// CHECK-NEXT:  ^[[CHECK]](%[[I:.*]]: i64, %[[S:.*]]: f64):
// CHECK-NEXT:    %[[EIGHT:.*]] = arith.constant 8 : i64
// CHECK-NEXT:    %[[OK:.*]] = arith.cmpi eq, %stride, %[[EIGHT]] : i64
// CHECK-NEXT:    cf.cond_br %[[OK]], ^[[COPY:bb[0-9]+]](%[[I]], %[[S]] : i64, f64), ^head(%[[I]], %[[S]] : i64, f64)
// CHECK-NEXT:  ^head(%i: i64, %s: f64):
// CHECK:         %off = llvm.mul %j, %stride : i64
// CHECK:       ^[[COPY]]({{.*}}):
// CHECK:         %[[UNIT:.*]] = arith.constant 8 : i64
// CHECK-NEXT:    %{{.*}} = llvm.mul %{{.*}}, %[[UNIT]] : i64

// -----

// a[i, j] in a loop over j: only the stride of j is versioned, i's stays.
func.func @row(%data: !llvm.ptr, %i: i64, %n: i64, %s0: i64, %s1: i64) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %z = arith.constant 0.0 : f64
  cf.br ^head(%c0, %z : i64, f64)
^head(%j: i64, %s: f64):
  %go = arith.cmpi slt, %j, %n : i64
  cf.cond_br %go, ^body, ^exit(%s : f64)
^body:
  %o0 = llvm.mul %i, %s0 : i64
  %o1 = llvm.mul %j, %s1 : i64
  %off = llvm.add %o0, %o1 : i64
  %p = llvm.getelementptr %data[%off] : (!llvm.ptr, i64) -> !llvm.ptr, i8
  %q = llvm.getelementptr %p[0] : (!llvm.ptr) -> !llvm.ptr, f64
  %x = llvm.load %q : !llvm.ptr -> f64
  %u = arith.addf %s, %x : f64
  %next = arith.addi %j, %c1 : i64
  cf.br ^head(%next, %u : i64, f64)
^exit(%r: f64):
  func.return %r : f64
}
// CHECK-LABEL: func.func @row
// CHECK:         %[[OK:.*]] = arith.cmpi eq, %s1, %{{.*}} : i64
// CHECK-NOT:     arith.cmpi eq, %s0
// CHECK:         cf.cond_br %[[OK]]
