// RUN: graphlet-opt %s -p convert-pyrt-to-llvm --split-input-file --verify-diagnostics | filecheck %s
// RUN: graphlet-opt %s -p lower-to-llvm -t 'jit-call{function=main}' | filecheck %s --check-prefix=EXEC
// Checked arithmetic becomes LLVM's overflow intrinsics; the pair is taken apart.

func.func @checked(%a: i64, %b: i64) -> (i64, i1, i64, i1, i64, i1) {
  %s, %so = pyrt.checked_addi %a, %b : i64
  %d, %do = pyrt.checked_subi %a, %b : i64
  %m, %mo = pyrt.checked_muli %a, %b : i64
  func.return %s, %so, %d, %do, %m, %mo : i64, i1, i64, i1, i64, i1
}
// CHECK-LABEL: func.func @checked
// CHECK-NEXT:    %[[S:.*]] = llvm.call_intrinsic "llvm.sadd.with.overflow.i64"(%a, %b) : (i64, i64) -> !llvm.struct<(i64, i1)>
// CHECK-NEXT:    %{{.*}} = llvm.extractvalue %[[S]][0] : !llvm.struct<(i64, i1)>
// CHECK-NEXT:    %{{.*}} = llvm.extractvalue %[[S]][1] : !llvm.struct<(i64, i1)>
// CHECK-NEXT:    %[[D:.*]] = llvm.call_intrinsic "llvm.ssub.with.overflow.i64"(%a, %b)
// CHECK:         %[[M:.*]] = llvm.call_intrinsic "llvm.smul.with.overflow.i64"(%a, %b)
// CHECK-NOT:     pyrt.
// CHECK-LABEL: func.func @main

// Natively: INT_MAX + 1 wraps and reports overflow, 3 * 4 does not; status 0 first.
func.func @main() -> (i64, i1, i64, i1) {
  %max = arith.constant 9223372036854775807 : i64
  %one = arith.constant 1 : i64
  %three = arith.constant 3 : i64
  %four = arith.constant 4 : i64
  %s, %so = pyrt.checked_addi %max, %one : i64
  %m, %mo = pyrt.checked_muli %three, %four : i64
  func.return %s, %so, %m, %mo : i64, i1, i64, i1
}
// EXEC:      result 0: 0
// EXEC-NEXT: result 1: -9223372036854775808
// EXEC-NEXT: result 2: True
// EXEC-NEXT: result 3: 12
// EXEC-NEXT: result 4: False

// -----

// Region ops: the frame is an alloca with its header zeroed; a region call stores its
// values from slot 2 on (a float as its bits, an i1 widened), calls the helper, and
// reads its result back; unwinding is a call of the other helper.
func.func @region(%frame: !llvm.ptr, %x: i64, %y: f64, %b: i1) -> (f64, i1, i32) {
  %f = "pyrt.region_frame"() <{slots = 6 : i64}> : () -> !llvm.ptr
  %ok, %r = "pyrt.region_call"(%frame, %x, %y, %b) <{site = 3 : i64, result_slot = 5 : i64}> : (!llvm.ptr, i64, f64, i1) -> (i1, f64)
  %c = arith.constant 4 : i32
  %s = "pyrt.region_unwind"(%frame, %c) : (!llvm.ptr, i32) -> i32
  func.return %r, %ok, %s : f64, i1, i32
}
// CHECK-LABEL: func.func @region
// CHECK-NEXT:    %[[N:.*]] = arith.constant 6 : i64
// CHECK-NEXT:    %[[F:.*]] = llvm.alloca %[[N]] x i64 {alignment = 8 : i64} : (i64) -> !llvm.ptr
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    llvm.store %[[Z]], %[[F]] : i64, !llvm.ptr
// CHECK-NEXT:    %[[H:.*]] = llvm.getelementptr %[[F]][1] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    llvm.store %[[Z]], %[[H]]
// CHECK-NEXT:    %[[S2:.*]] = llvm.getelementptr %frame[2] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    llvm.store %x, %[[S2]]
// CHECK-NEXT:    %[[YB:.*]] = llvm.bitcast %y : f64 to i64
// CHECK-NEXT:    %[[S3:.*]] = llvm.getelementptr %frame[3]
// CHECK-NEXT:    llvm.store %[[YB]], %[[S3]]
// CHECK-NEXT:    %[[BW:.*]] = llvm.zext %b : i1 to i64
// CHECK-NEXT:    %[[S4:.*]] = llvm.getelementptr %frame[4]
// CHECK-NEXT:    llvm.store %[[BW]], %[[S4]]
// CHECK-NEXT:    %[[SITE:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    %[[ST:.*]] = llvm.call @graphlet_region_call(%frame, %[[SITE]]) : (!llvm.ptr, i64) -> i32
// CHECK-NEXT:    %[[Z32:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %ok = arith.cmpi eq, %[[ST]], %[[Z32]] : i32
// CHECK-NEXT:    %[[S5:.*]] = llvm.getelementptr %frame[5]
// CHECK-NEXT:    %[[RB:.*]] = llvm.load %[[S5]] : !llvm.ptr -> i64
// CHECK-NEXT:    %r = llvm.bitcast %[[RB]] : i64 to f64
// CHECK-NEXT:    %c = arith.constant 4 : i32
// CHECK-NEXT:    %s = llvm.call @graphlet_region_unwind(%frame, %c) : (!llvm.ptr, i32) -> i32
// CHECK-NEXT:    func.return %r, %ok, %s : f64, i1, i32
// CHECK:       llvm.func @graphlet_region_call(!llvm.ptr, i64) -> i32
// CHECK-NEXT:  llvm.func @graphlet_region_unwind(!llvm.ptr, i32) -> i32

// -----

// A guard is convert-guards-to-status's to lower first: one left is refused.
func.func @guarded(%ok: i1) {
  pyrt.guard %ok, "ValueError"
  func.return
}
// CHECK: convert-pyrt-to-llvm.mlir:{{[0-9]+}}:3: error: 'pyrt.guard': convert-pyrt-to-llvm cannot lower this op: run convert-guards-to-status first
