// graphlet-run verifies as graphlet-opt does: MLIR's checks, located, before compiling.
// RUN: not graphlet-run %s --entry f --args 1 2>&1 | filecheck %s
// CHECK: strict.mlir:10:8: error: 'arith.addi' op operand #0 is used before its definition
// CHECK-NOT: Traceback

func.func @f(%a: i64) -> i64 {
  %c = arith.constant 1 : i64
  cf.br ^bb1
^bb1:
  %1 = arith.addi %0, %c : i64
  %0 = arith.addi %a, %c : i64
  func.return %1 : i64
}
