// RUN: graphlet-opt %s --split-input-file --verify-diagnostics
// RUN: not graphlet-opt %s --split-input-file 2>&1 | filecheck %s
// mlir-opt's --verify-diagnostics: `-re` expectations, several errors in one chunk
// (the first of each function, as MLIR reports them), located at the op's name, with
// their notes (`expected-note`, checked as the errors are).

func.func @a(%x: i64) -> i64 {
  // expected-error-re @+2 {{'arith.addi' op operand #{{[0-9]+}} uses the op's own {{(result|value)}}}}
  // expected-note @+1 {{operand defined here}}
  %0 = arith.addi %0, %x : i64
  func.return %0 : i64
}
func.func @b(%x: i64) -> i64 {
  // expected-error @+1 {{used before its definition}}
  %1 = arith.addi %0, %x : i64
  %0 = arith.addi %x, %x : i64 // expected-note {{operand defined here (op in the same block)}}
  func.return %1 : i64
}
// CHECK: verify-diagnostics.mlir:10:8: error: 'arith.addi' op operand #0 uses the op's own result
// CHECK-NEXT: verify-diagnostics.mlir:10:8: note: operand defined here (op in the same block)
// CHECK-NEXT: verify-diagnostics.mlir:15:8: error: 'arith.addi' op operand #0 is used before its definition
// CHECK-NEXT: verify-diagnostics.mlir:16:8: note: operand defined here (op in the same block)

// -----

func.func @c(%x: i64) -> i64 {
  %0 = arith.addi %0, %x : i64
  // expected-error-re @above {{uses the op's {{.*}} result}}
  // expected-note @above {{operand defined here}}
  func.return %0 : i64
}
// expected-error @below {{cannot be public}}
func.func @d(i64) -> i64

// -----

// Every op MLIR verifies on its own reports its first error: the functions of a
// nested module and an llvm.func too (only the first error inside each).
builtin.module {
  func.func @e(%x: i64) -> i64 {
    // expected-error @+1 {{passes 2 operand(s) to successor #0, which has 1 argument(s)}}
    cf.br ^bb1(%x, %x : i64, i64)
  ^bb1(%y: i64):
    %0 = arith.addi %0, %y : i64
    func.return %0 : i64
  }
  func.func @f(%x: i64) -> i64 {
    // expected-error @+1 {{used in a block its definition does not dominate}}
    func.return %z : i64
  ^bb1:
    // expected-note @+1 {{operand defined here (op in the same region)}}
    %z = arith.addi %x, %x : i64
    cf.br ^bb1
  }
}
llvm.func @g(%x: i64) -> i64 {
  // expected-error @+2 {{'llvm.add' op operand #1 uses the op's own result}}
  // expected-note @+1 {{operand defined here}}
  %0 = llvm.add %x, %0 : i64
  llvm.return %0 : i64
}

// -----

// expected-note @below {{see existing symbol definition here}}
func.func private @h()
// expected-error @+1 {{Redefinition of symbol "h"}}
func.func private @h()
