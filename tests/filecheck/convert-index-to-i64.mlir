// RUN: graphlet-opt %s -p convert-index-to-i64 --split-input-file --verify-diagnostics | filecheck %s

func.func @zero_and_signature(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c5 = arith.constant -5 : index
  %s = arith.addi %n, %c0 : index
  %t = arith.muli %s, %c5 : index
  func.return %t : index
}
// CHECK-LABEL: func.func @zero_and_signature(%n: i64) -> i64 {
// CHECK-NEXT:    %c0 = arith.constant 0 : i64
// CHECK-NEXT:    %c5 = arith.constant -5 : i64
// CHECK-NEXT:    %s = arith.addi %n, %c0 : i64
// CHECK-NEXT:    %t = arith.muli %s, %c5 : i64
// CHECK-NEXT:    func.return %t : i64

func.func @casts(%i: i32, %j: i64, %n: index) -> (index, index, i32, i64) {
  %0 = arith.index_cast %i : i32 to index
  %1 = arith.index_cast %j : i64 to index
  %2 = arith.index_cast %n : index to i32
  %3 = arith.index_cast %n : index to i64
  func.return %0, %1, %2, %3 : index, index, i32, i64
}
// CHECK-LABEL: func.func @casts(%i: i32, %j: i64, %n: i64) -> (i64, i64, i32, i64) {
// CHECK-NEXT:    %0 = arith.extsi %i : i32 to i64
// CHECK-NEXT:    %1 = arith.trunci %n : i64 to i32
// CHECK-NEXT:    func.return %0, %j, %1, %n : i64, i64, i32, i64

func.func @loop_and_call(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> (index) {
    %a = arith.addi %acc, %i : index
    scf.yield %a : index
  }
  %v = func.call @zero_and_signature(%r) : (index) -> index
  %w = arith.constant dense<[1, 2]> : vector<2xindex>
  func.return %v : index
}
// CHECK-LABEL: func.func @loop_and_call(%n: i64) -> i64 {
// CHECK-NEXT:    %c0 = arith.constant 0 : i64
// CHECK-NEXT:    %c1 = arith.constant 1 : i64
// CHECK-NEXT:    %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> (i64) : i64 {
// CHECK-NEXT:      %a = arith.addi %acc, %i : i64
// CHECK-NEXT:      scf.yield %a : i64
// CHECK-NEXT:    }
// CHECK-NEXT:    %v = func.call @zero_and_signature(%r) : (i64) -> i64
// CHECK-NEXT:    %w = arith.constant dense<[1, 2]> : vector<2xi64>
// CHECK-NEXT:    func.return %v : i64

// -----

// A memref access needs index operands: it keeps them and is refused.
func.func @load(%m: memref<4xf64>, %i: index) -> f64 {
  %x = memref.load %m[%i] : memref<4xf64>
  func.return %x : f64
}
// CHECK: convert-index-to-i64.mlir:{{[0-9]+}}:8: error: 'memref.load': convert-index-to-i64 cannot lower this op: memref ops need index operands: lower them first
