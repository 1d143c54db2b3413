// RUN: graphlet-opt %s -p lower-std-to-llvm | filecheck %s
// RUN: graphlet-opt %s -p lower-std-to-llvm -t llvm | filecheck %s --check-prefix=IR

// A plain func/scf/arith module keeps its signature: no status result is added.
func.func @sum_to(%n: i64) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ub = arith.index_cast %n : i64 to index
  %zero = arith.constant 0 : i64
  %r = scf.for %i = %c0 to %ub step %c1 iter_args(%acc = %zero) -> (i64) {
    %iv = arith.index_cast %i : index to i64
    %next = arith.addi %acc, %iv : i64
    scf.yield %next : i64
  }
  func.return %r : i64
}
// CHECK:       llvm.func @sum_to(%{{.*}}: i64) -> i64
// CHECK:         llvm.icmp "slt"
// CHECK:         llvm.add
// CHECK:         llvm.return %{{.*}} : i64
// CHECK-NOT:   func.
// CHECK-NOT:   scf.
// CHECK-NOT:   arith.

// IR: define i64 @"sum_to"(i64 %"{{.*}}")
// IR: icmp slt i64
