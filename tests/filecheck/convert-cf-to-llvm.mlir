// RUN: graphlet-opt %s -p convert-cf-to-llvm --split-input-file --verify-diagnostics --allow-unregistered-dialect | filecheck %s

// One message global per distinct assert text, first in the module.
// CHECK:       llvm.mlir.global internal constant @__graphlet_assert_msg_{{[0-9a-f]+}}("Assertion failed: x must be positive\0A")
// CHECK-NOT:   llvm.mlir.global

func.func @branches(%c: i1, %a: i64, %b: i64) -> i64 {
  cf.cond_br %c, ^then(%a : i64), ^join(%b : i64)
^then(%x: i64):
  cf.br ^join(%x : i64)
^join(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @branches(%c: i1, %a: i64, %b: i64) -> i64 {
// CHECK-NEXT:    llvm.cond_br %c, ^then(%a : i64), ^join(%b : i64)
// CHECK-NEXT:  ^then(%x: i64):
// CHECK-NEXT:    llvm.br ^join(%x : i64)
// CHECK-NEXT:  ^join(%r: i64):
// CHECK-NEXT:    func.return %r : i64

// Both edges reach ^join with different values: the else edge gets its own block,
// otherwise LLVM would see one predecessor with two phi values.
func.func @same_successor(%c: i1, %a: i64, %b: i64) -> i64 {
  cf.cond_br %c, ^join(%a : i64), ^join(%b : i64)
^join(%r: i64):
  func.return %r : i64
}
// CHECK-LABEL: func.func @same_successor(%c: i1, %a: i64, %b: i64) -> i64 {
// CHECK-NEXT:    llvm.cond_br %c, ^join(%a : i64), ^bb1
// CHECK-NEXT:  ^bb1:
// CHECK-NEXT:    llvm.br ^join(%b : i64)
// CHECK-NEXT:  ^join(%r: i64):
// CHECK-NEXT:    func.return %r : i64

func.func @switch(%flag: i32, %a: i64) -> i64 {
  cf.switch %flag : i32, [
    default: ^default(%a : i64),
    3: ^three,
    7: ^default(%a : i64)
  ]
^three:
  %c3 = arith.constant 3 : i64
  func.return %c3 : i64
^default(%v: i64):
  func.return %v : i64
}
// CHECK-LABEL: func.func @switch(%flag: i32, %a: i64) -> i64 {
// CHECK-NEXT:    %0 = llvm.mlir.constant(3 : i32) : i32
// CHECK-NEXT:    %1 = llvm.icmp "eq" %flag, %0 : i32
// CHECK-NEXT:    llvm.cond_br %1, ^three, ^bb1
// CHECK-NEXT:  ^bb1:
// CHECK-NEXT:    %2 = llvm.mlir.constant(7 : i32) : i32
// CHECK-NEXT:    %3 = llvm.icmp "eq" %flag, %2 : i32
// CHECK-NEXT:    llvm.cond_br %3, ^default(%a : i64), ^default(%a : i64)
// CHECK-NEXT:  ^three:
// CHECK-NEXT:    %c3 = arith.constant 3 : i64
// CHECK-NEXT:    func.return %c3 : i64
// CHECK-NEXT:  ^default(%v: i64):
// CHECK-NEXT:    func.return %v : i64

func.func @assert(%ok: i1, %also: i1) {
  cf.assert %ok, "x must be positive"
  cf.assert %also, "x must be positive"
  func.return
}
// CHECK-LABEL: func.func @assert(%ok: i1, %also: i1) {
// CHECK-NEXT:    llvm.cond_br %ok, ^bb1, ^bb3
// CHECK-NEXT:  ^bb1:
// CHECK-NEXT:    llvm.cond_br %also, ^bb2, ^bb4
// CHECK-NEXT:  ^bb2:
// CHECK-NEXT:    func.return
// CHECK-NEXT:  ^bb3:
// CHECK-NEXT:    %0 = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT:    %1 = llvm.mlir.constant(37) : i64
// CHECK-NEXT:    %2 = llvm.mlir.addressof @[[MSG:__graphlet_assert_msg_[0-9a-f]+]] : !llvm.ptr
// CHECK-NEXT:    %3 = llvm.call @write(%0, %2, %1) : (i32, !llvm.ptr, i64) -> i64
// CHECK-NEXT:    llvm.call @abort() : () -> ()
// CHECK-NEXT:    llvm.unreachable
// CHECK-NEXT:  ^bb4:
// CHECK:         llvm.mlir.addressof @[[MSG]] : !llvm.ptr
// CHECK:       llvm.func @write(i32, !llvm.ptr, i64) -> i64
// CHECK-NEXT:  llvm.func @abort()

// -----

// A cf op with no lowering (here one this xDSL does not define) is refused.
func.func @unknown(%c: i1) {
  "cf.unknown"(%c) : (i1) -> ()
  func.return
}
// CHECK: convert-cf-to-llvm.mlir:{{[0-9]+}}:3: error: 'cf.unknown': convert-cf-to-llvm cannot lower this op
