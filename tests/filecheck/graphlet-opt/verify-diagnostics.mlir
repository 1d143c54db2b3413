// RUN: graphlet-opt %s --split-input-file --verify-diagnostics
// RUN: not graphlet-opt %s --split-input-file 2>&1 | filecheck %s
// mlir-opt's --verify-diagnostics: `-re` expectations, several errors in one chunk
// (the first of each function, as MLIR reports them), located at the op's name.

func.func @a(%x: i64) -> i64 {
  // expected-error-re @+1 {{'arith.addi' op operand #{{[0-9]+}} uses the op's own {{(result|value)}}}}
  %0 = arith.addi %0, %x : i64
  func.return %0 : i64
}
func.func @b(%x: i64) -> i64 {
  // expected-error @+1 {{used before its definition}}
  %1 = arith.addi %0, %x : i64
  %0 = arith.addi %x, %x : i64
  func.return %1 : i64
}
// CHECK: verify-diagnostics.mlir:8:8: error: 'arith.addi' op operand #0 uses the op's own result
// CHECK-NEXT: verify-diagnostics.mlir:13:8: error: 'arith.addi' op operand #0 is used before its definition

// -----

func.func @c(%x: i64) -> i64 {
  %0 = arith.addi %0, %x : i64
  // expected-error-re @above {{uses the op's {{.*}} result}}
  func.return %0 : i64
}
// expected-error @below {{cannot be public}}
func.func @d(i64) -> i64
