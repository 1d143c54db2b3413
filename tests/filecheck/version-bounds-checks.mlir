// RUN: graphlet-opt %s -p version-bounds-checks | filecheck %s

// for j in range(start, stop): s += a[j + 1]   (a of length %n): one test at the entry,
// start >= -1 and stop <= n - 1, takes a copy without the check and the wrapping.
func.func @shifted(%data: !llvm.ptr, %n: i64, %start: i64, %stop: i64) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %false = arith.constant false
  %z = arith.constant 0.0 : f64
  cf.br ^head(%start, %z, %c1, %false : i64, f64, i64, i1)
^head(%i: i64, %s: f64, %step: i64, %rev: i1):
  %lt = arith.cmpi slt, %i, %stop : i64
  %gt = arith.cmpi sgt, %i, %stop : i64
  %go = arith.select %rev, %gt, %lt : i1
  cf.cond_br %go, ^body(%i, %s, %step, %rev : i64, f64, i64, i1), ^exit(%s : f64)
^body(%j: i64, %t: f64, %st: i64, %r: i1):
  %next = arith.addi %j, %st overflow<nsw> : i64
  %k = arith.addi %j, %c1 overflow<nsw> : i64
  %neg = arith.cmpi slt, %k, %c0 : i64
  %wrapped = arith.addi %k, %n : i64
  %p = arith.select %neg, %wrapped, %k : i64
  %ok = arith.cmpi ult, %p, %n : i64
  pyrt.guard %ok, "HandBack"
  %off = llvm.mul %p, %c1 : i64
  %q = llvm.getelementptr %data[%off] : (!llvm.ptr, i64) -> !llvm.ptr, i8
  %x = llvm.load %q : !llvm.ptr -> f64
  %u = arith.addf %t, %x : f64
  cf.br ^head(%next, %u, %st, %r : i64, f64, i64, i1)
^exit(%res: f64):
  func.return %res : f64
}
// CHECK-LABEL: func.func @shifted
// CHECK:         cf.br ^[[CHECK:bb[0-9]+]](%start, %z, %c1, %false : i64, f64, i64, i1)
// CHECK-NEXT:  ^[[CHECK]](%[[I:[^:]*]]: i64, {{.*}}):
// CHECK-NEXT:    %[[LOW:.*]] = arith.constant -1 : i64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    %[[LIMIT:.*]] = arith.subi %n, %[[ONE]] : i64
// CHECK-NEXT:    %[[ABOVE:.*]] = arith.cmpi sge, %[[I]], %[[LOW]] : i64
// CHECK-NEXT:    %[[BELOW:.*]] = arith.cmpi sle, %stop, %[[LIMIT]] : i64
// CHECK-NEXT:    %[[OK:.*]] = arith.andi %[[ABOVE]], %[[BELOW]] : i1
// CHECK-NEXT:    cf.cond_br %[[OK]], ^[[COPY:bb[0-9]+]]({{.*}}), ^head({{.*}})
// CHECK:         pyrt.guard %ok, "HandBack"
// CHECK:       ^[[COPY]]({{.*}}):
// CHECK-NOT:     pyrt.guard
// CHECK:         %[[K:.*]] = arith.addi %{{.*}}, %c1 overflow<nsw> : i64
// CHECK-NOT:     pyrt.guard
// CHECK:         llvm.mul %[[K]], %c1 : i64
// CHECK-NOT:     pyrt.guard
// CHECK:         cf.br ^[[COPY]](%next_1
