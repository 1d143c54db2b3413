// RUN: graphlet-opt %s --split-input-file --verify-diagnostics
// RUN: graphlet-opt %s --split-input-file -p graphlet-verify --verify-diagnostics --disable-verify
// What MLIR's verifier rejects and xDSL 0.74's accepts: each a located error,
// after parsing (and with the pass alone); a dominance error has upstream's note on
// where the operand is defined.

func.func @self_use(%a: i64) -> i64 {
  // expected-error@+2 {{'arith.addi' op operand #0 uses the op's own result}}
  // expected-note@+1 {{operand defined here (op in the same block)}}
  %0 = arith.addi %0, %a : i64
  func.return %0 : i64
}

// -----

func.func @use_before_def(%a: i64) -> i64 {
  // expected-error@+1 {{operand #0 is used before its definition}}
  %1 = arith.addi %0, %a : i64
  // expected-note@+1 {{operand defined here (op in the same block)}}
  %0 = arith.addi %a, %a : i64
  func.return %1 : i64
}

// -----

func.func @not_dominating(%c: i1, %a: i64) -> i64 {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  // expected-note@+1 {{operand defined here (op in the same region)}}
  %x = arith.addi %a, %a : i64
  cf.br ^bb3
^bb2:
  cf.br ^bb3
^bb3:
  // expected-error@+1 {{operand #0 is used in a block its definition does not dominate}}
  func.return %x : i64
}

// -----

// expected-note@+1 {{operand defined as a block argument (block #1 in the same region)}}
func.func @block_argument(%c: i1, %a: i64) -> i64 {
  cf.cond_br %c, ^bb1(%a : i64), ^bb2
^bb1(%y: i64):
  cf.br ^bb2
^bb2:
  // expected-error@+1 {{operand #0 is used in a block its definition does not dominate}}
  func.return %y : i64
}

// -----

func.func @dominating(%c: i1, %a: i64) -> i64 {
  %x = arith.addi %a, %a : i64
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  cf.br ^bb2
^bb2:
  func.return %x : i64
}

// -----

func.func @region_uses_above(%a: i64, %n: index) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (i64) {
    %s = arith.addi %acc, %a : i64
    scf.yield %s : i64
  }
  func.return %r : i64
}

// -----

func.func @too_many_operands(%a: i64) -> i64 {
  // expected-error@+1 {{'cf.br' op passes 2 operand(s) to successor #0, which has 1 argument(s)}}
  cf.br ^bb1(%a, %a : i64, i64)
^bb1(%x: i64):
  func.return %x : i64
}

// -----

func.func @wrong_operand_type(%c: i1, %a: i64, %f: f64) -> i64 {
  // expected-error@+1 {{passes a f64 as argument #0 of successor #1, which has type i64}}
  cf.cond_br %c, ^bb1(%a : i64), ^bb1(%f : f64)
^bb1(%x: i64):
  func.return %x : i64
}

// -----

func.func @missing_global() -> memref<4xf64> {
  // expected-error@+1 {{'memref.get_global' op '@nope' does not reference a memref.global}}
  %0 = memref.get_global @nope : memref<4xf64>
  func.return %0 : memref<4xf64>
}

// -----

"memref.global"() <{sym_name = "g", sym_visibility = "private", type = memref<2xf64>, initial_value = dense<[1.0, 2.0]> : tensor<2xf64>, constant}> : () -> ()
func.func @global_type() -> memref<4xf64> {
  // expected-error@+1 {{result type memref<4xf64> does not match the type memref<2xf64> of global @g}}
  %0 = memref.get_global @g : memref<4xf64>
  func.return %0 : memref<4xf64>
}

// -----

func.func @wide_index() -> index {
  // expected-error@+1 {{attribute 'value' holds 79228162514264337593543950335, which does not fit the 64 bits of index}}
  %0 = arith.constant 79228162514264337593543950335 : index
  func.return %0 : index
}

// -----

// expected-error@+1 {{@g is a declaration, which cannot be public (write func.func private)}}
func.func @g(i64) -> i64
func.func private @h(i64) -> i64

// -----

// expected-error@+1 {{a tensor's elements cannot be tensor<2xf64>}}
func.func @tensor_of_tensors(%a: tensor<2xtensor<2xf64>>) {
  func.return
}

// -----

// expected-error@+1 {{a memref's elements cannot be tensor<2xf64>}}
func.func @memref_of_tensors(%a: memref<2xtensor<2xf64>>) {
  func.return
}

// -----

// Fuzz seed 5179 mutant 81: an llvm.return of another type than its function's
// (upstream's messages) reached llvmlite, which rejected the LLVM IR.
llvm.func @return_type() -> f32 {
  %0 = llvm.mlir.constant(-42 : i32) : i32
  // expected-error@+1 {{'llvm.return' op mismatching result types}}
  llvm.return %0 : i32
}

// -----

llvm.func @return_in_void() {
  %0 = llvm.mlir.constant(-42 : i32) : i32
  // expected-error@+1 {{'llvm.return' op expected no operands}}
  llvm.return %0 : i32
}

// -----

llvm.func @return_nothing() -> i32 {
  // expected-error@+1 {{'llvm.return' op expected 1 operand}}
  llvm.return
}
