// RUN: graphlet-opt %s -p convert-guards-to-status --split-input-file --verify-diagnostics | filecheck %s
// Guards become early returns of a status code (1 ZeroDivisionError, 2 ValueError,
// 3 OverflowError, 4 HandBack); calls pass a callee's non-zero status on.

func.func @guarded(%x: f64, %ok: i1) -> (f64, i1) {
  pyrt.guard %ok, "ValueError"
  func.return %x, %ok : f64, i1
}
// CHECK-LABEL: func.func @guarded(%x: f64, %ok: i1) -> (i32, f64, i1) attributes {llvm.emit_c_interface} {
// CHECK-NEXT:    %[[OK:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[CODE:.*]] = arith.constant 2 : i32
// CHECK-NEXT:    cf.cond_br %ok, ^[[REST:.*]], ^[[FAIL:.*]](%[[CODE]] : i32)
// CHECK-NEXT:  ^[[REST]]:
// CHECK-NEXT:    func.return %[[OK]], %x, %ok : i32, f64, i1
// CHECK-NEXT:  ^[[FAIL]](%[[STATUS:.*]]: i32):
// CHECK-NEXT:    %[[Z1:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[Z2:.*]] = arith.constant false
// CHECK-NEXT:    func.return %[[STATUS]], %[[Z1]], %[[Z2]] : i32, f64, i1
// CHECK-NEXT:  }

func.func @two_guards(%a: i1, %b: i1) -> i64 {
  %c = arith.constant 7 : i64
  pyrt.guard %a, "ZeroDivisionError"
  pyrt.guard %b, "HandBack"
  func.return %c : i64
}
// CHECK-LABEL: func.func @two_guards
// CHECK:         arith.constant 1 : i32
// CHECK-NEXT:    cf.cond_br %a, ^[[B1:.*]], ^[[FAIL:.*]](%{{.*}} : i32)
// CHECK-NEXT:  ^[[B1]]:
// CHECK-NEXT:    arith.constant 4 : i32
// CHECK-NEXT:    cf.cond_br %b, ^[[B2:.*]], ^[[FAIL]](%{{.*}} : i32)
// CHECK-NEXT:  ^[[B2]]:
// CHECK-NEXT:    func.return %{{.*}}, %c : i32, i64
// CHECK-NEXT:  ^[[FAIL]](

func.func @caller(%x: f64, %ok: i1) -> f64 {
  %r:2 = func.call @guarded(%x, %ok) : (f64, i1) -> (f64, i1)
  func.return %r#0 : f64
}
// CHECK-LABEL: func.func @caller
// CHECK-NEXT:    %[[OK:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[S:.*]], %[[R:.*]], %{{.*}} = func.call @guarded(%x, %ok) : (f64, i1) -> (i32, f64, i1)
// CHECK-NEXT:    %[[FINE:.*]] = arith.cmpi eq, %[[S]], %[[OK]] : i32
// CHECK-NEXT:    cf.cond_br %[[FINE]], ^[[REST:.*]], ^[[FAIL:.*]](%[[S]] : i32)
// CHECK-NEXT:  ^[[REST]]:
// CHECK-NEXT:    func.return %[[OK]], %[[R]] : i32, f64

// A private function gets the status but no C interface; a function without
// guards or calls gets no failure block; declarations are left alone.
func.func private @helper(%x: i64) -> i64 {
  %y = func.call @external(%x) : (i64) -> i64
  func.return %y : i64
}
func.func private @external(i64) -> i64
// CHECK-LABEL: func.func private @helper(%x: i64) -> (i32, i64) {
// CHECK-NEXT:    %[[OK:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %y = func.call @external(%x) : (i64) -> i64
// CHECK-NEXT:    func.return %[[OK]], %y : i32, i64
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func private @external(i64) -> i64

// -----

// With a region frame, the failing block returns what pyrt.region_unwind says (the
// rest of the call may have run in CPython after a region break).
func.func @region(%x: i64) -> i64 {
  %frame = "pyrt.region_frame"() <{slots = 4 : i64}> : () -> !llvm.ptr
  %ok = "pyrt.region_call"(%frame, %x) <{site = 1 : i64}> : (!llvm.ptr, i64) -> i1
  pyrt.guard %ok, "Raised"
  func.return %x : i64
}
// CHECK-LABEL: func.func @region(%x: i64) -> (i32, i64)
// CHECK:         %[[CODE:.*]] = arith.constant 5 : i32
// CHECK-NEXT:    cf.cond_br %ok, ^[[OK:.*]], ^[[FAIL:.*]](%[[CODE]] : i32)
// CHECK:       ^[[FAIL]](%[[S:.*]]: i32):
// CHECK-NEXT:    %[[U:.*]] = "pyrt.region_unwind"(%frame, %[[S]]) : (!llvm.ptr, i32) -> i32
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    func.return %[[U]], %[[Z]] : i32, i64

// -----

// A guard outside a func.func's CFG (here in an llvm.func) is refused.
llvm.func @not_a_func(%ok: i1) {
  pyrt.guard %ok, "ValueError"
  llvm.return
}
// CHECK: convert-guards-to-status.mlir:{{[0-9]+}}:3: error: 'pyrt.guard': convert-guards-to-status cannot lower this op: a guard must sit in the CFG of a func.func

// -----

// So is one nested in a region (the CFG must be flat).
func.func @nested(%c: i1, %ok: i1) {
  scf.if %c {
    pyrt.guard %ok, "ValueError"
  }
  func.return
}
// CHECK: convert-guards-to-status.mlir:{{[0-9]+}}:5: error: 'pyrt.guard': must sit in the function's CFG: run convert-scf-to-cf first
