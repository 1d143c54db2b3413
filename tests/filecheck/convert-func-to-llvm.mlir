// RUN: graphlet-opt %s -p convert-func-to-llvm --split-input-file --verify-diagnostics --allow-unregistered-dialect | filecheck %s

func.func @single(%x: i64) -> i64 {
  func.return %x : i64
}
// CHECK-LABEL: llvm.func @single(%x: i64) -> i64 {
// CHECK-NEXT:    llvm.return %x : i64

func.func @nothing() {
  func.return
}
// CHECK-LABEL: llvm.func @nothing() {
// CHECK-NEXT:    llvm.return

func.func @pair(%x: i64, %y: f64) -> (i64, f64) {
  func.return %x, %y : i64, f64
}
// CHECK-LABEL: llvm.func @pair(
// CHECK-SAME:    %[[X:.*]]: i64, %[[Y:.*]]: f64) -> !llvm.struct<(i64, f64)> {
// CHECK-NEXT:    %0 = llvm.mlir.undef : !llvm.struct<(i64, f64)>
// CHECK-NEXT:    %1 = llvm.insertvalue %[[X]], %0[0] : !llvm.struct<(i64, f64)>
// CHECK-NEXT:    %2 = llvm.insertvalue %[[Y]], %1[1] : !llvm.struct<(i64, f64)>
// CHECK-NEXT:    llvm.return %2 : !llvm.struct<(i64, f64)>

func.func private @helper(%x: i64) -> i64 {
  func.return %x : i64
}
// CHECK-LABEL: llvm.func internal @helper(%{{.*}}: i64) -> i64 {

func.func private @tanh(f64) -> f64
// CHECK-LABEL: llvm.func @tanh(f64) -> f64

func.func @calls(%x: i64, %y: f64) -> (i64, f64) {
  %a, %b = func.call @pair(%x, %y) : (i64, f64) -> (i64, f64)
  %c = func.call @single(%a) : (i64) -> i64
  func.call @nothing() : () -> ()
  %t = func.call @tanh(%b) : (f64) -> f64
  func.return %c, %t : i64, f64
}
// CHECK-LABEL: llvm.func @calls(
// CHECK-SAME:    %[[X:.*]]: i64, %[[Y:.*]]: f64) -> !llvm.struct<(i64, f64)> {
// CHECK-NEXT:    %[[S:.*]] = llvm.call @pair(%[[X]], %[[Y]]) : (i64, f64) -> !llvm.struct<(i64, f64)>
// CHECK-NEXT:    %a = llvm.extractvalue %[[S]][0] : !llvm.struct<(i64, f64)>
// CHECK-NEXT:    %b = llvm.extractvalue %[[S]][1] : !llvm.struct<(i64, f64)>
// CHECK-NEXT:    %c = llvm.call @single(%a) : (i64) -> i64
// CHECK-NEXT:    llvm.call @nothing() : () -> ()
// CHECK-NEXT:    %t = llvm.call @tanh(%b) : (f64) -> f64

// The C interface: results go to 8-byte slots, i1 zero-extended, i32 sign-extended,
// f32 widened to double.
func.func @exported(%a: i32, %f: f32) -> (i1, i32, f32, f64) attributes {llvm.emit_c_interface} {
  %t = arith.constant true
  %d = arith.constant 2.0 : f64
  func.return %t, %a, %f, %d : i1, i32, f32, f64
}
// CHECK-LABEL: llvm.func @exported(%{{.*}}: i32, %f: f32) -> !llvm.struct<(i1, i32, f32, f64)> {
// CHECK:       llvm.func @_mlir_ciface_exported(%results: !llvm.ptr, %[[A:a_[0-9]+]]: i32, %[[F:f_[0-9]+]]: f32) {
// CHECK-NEXT:    %{{.*}} = llvm.call @exported(%[[A]], %[[F]]) : (i32, f32) -> !llvm.struct<(i1, i32, f32, f64)>
// CHECK-NEXT:    %[[R0:.*]] = llvm.extractvalue %{{.*}}[0] : !llvm.struct<(i1, i32, f32, f64)>
// CHECK-NEXT:    %[[W0:.*]] = llvm.zext %[[R0]] : i1 to i64
// CHECK-NEXT:    llvm.store %[[W0]], %results : i64, !llvm.ptr
// CHECK-NEXT:    %[[R1:.*]] = llvm.extractvalue %{{.*}}[1] : !llvm.struct<(i1, i32, f32, f64)>
// CHECK-NEXT:    %[[W1:.*]] = llvm.sext %[[R1]] : i32 to i64
// CHECK-NEXT:    %[[P1:.*]] = llvm.getelementptr %results[1] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    llvm.store %[[W1]], %[[P1]] : i64, !llvm.ptr
// CHECK-NEXT:    %[[R2:.*]] = llvm.extractvalue %{{.*}}[2] : !llvm.struct<(i1, i32, f32, f64)>
// CHECK-NEXT:    %[[W2:.*]] = llvm.fpext %[[R2]] : f32 to f64
// CHECK-NEXT:    %[[P2:.*]] = llvm.getelementptr %results[2] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    llvm.store %[[W2]], %[[P2]] : f64, !llvm.ptr
// CHECK-NEXT:    %[[R3:.*]] = llvm.extractvalue %{{.*}}[3] : !llvm.struct<(i1, i32, f32, f64)>
// CHECK-NEXT:    %[[P3:.*]] = llvm.getelementptr %results[3] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    llvm.store %[[R3]], %[[P3]] : f64, !llvm.ptr
// CHECK-NEXT:    llvm.return

// -----

func.func @too_wide(%v: vector<2xi64>) -> vector<2xi64> attributes {llvm.emit_c_interface} {
  func.return %v : vector<2xi64>
}
// CHECK: convert-func-to-llvm.mlir:{{[0-9]+}}:1: error: 'func.func': C interface: result type vector<2xi64> does not fit an 8-byte slot

// -----

// A func op with no lowering (MLIR's indirect call, not in this xDSL) is refused.
func.func @indirect(%f: !llvm.ptr, %x: i64) -> i64 {
  %r = "func.call_indirect"(%f, %x) : (!llvm.ptr, i64) -> i64
  func.return %r : i64
}
// CHECK: convert-func-to-llvm.mlir:{{[0-9]+}}:8: error: 'func.call_indirect': convert-func-to-llvm cannot lower this op
