// A plain llvm.func (no C interface) runs as `mlir-runner -e NAME` runs it, under
// graphlet-run and under graphlet-opt's `-t jit-call`.
// RUN: graphlet-run %s --entry main | filecheck %s --check-prefix=MAIN
// RUN: graphlet-run %s --entry mix --args -3 0.25 true 200 | filecheck %s --check-prefix=MIX
// RUN: graphlet-run %s --entry mix --args 3 0.25 false 7 | filecheck %s --check-prefix=OFF
// RUN: graphlet-run %s --entry nothing | filecheck %s --allow-empty --check-prefix=NONE
// RUN: graphlet-opt %s -t jit-call | filecheck %s --check-prefix=JIT
// RUN: graphlet-opt %s -t 'jit-call{function=nothing}' | filecheck %s --allow-empty --check-prefix=NONE
// RUN: not graphlet-run %s --entry mix --args 1 2 true 300 2>&1 | filecheck %s --check-prefix=RANGE
// RUN: not graphlet-run %s --entry main --interpret 2>&1 | filecheck %s --check-prefix=INTERP
// RUN: not graphlet-opt %s -t 'jit-call{function=pair}' 2>&1 | filecheck %s --check-prefix=STRUCT

// NONE-NOT: {{.}}
// MAIN: -42
// JIT: result 0: -42
llvm.func @main() -> i32 {
  %0 = llvm.mlir.constant(-42 : i32) : i32
  llvm.return %0 : i32
}

// MIX: -2.75
// OFF: 7.0
// RANGE: error: @mix argument 4 (i8) is out of range: 300
llvm.func @mix(%a: i64, %b: f64, %c: i1, %d: i8) -> f64 {
  %0 = llvm.sitofp %a : i64 to f64
  %1 = llvm.fadd %0, %b : f64
  %2 = llvm.uitofp %d : i8 to f64
  %3 = llvm.select %c, %1, %2 : i1, f64
  llvm.return %3 : f64
}

// INTERP: error: --interpret runs func.func functions; @main is an llvm.func
llvm.func @nothing() {
  llvm.return
}

// STRUCT: error: @pair takes or returns !llvm.struct<(i64, i64)>
llvm.func @pair() -> !llvm.struct<(i64, i64)> {
  %0 = llvm.mlir.undef : !llvm.struct<(i64, i64)>
  llvm.return %0 : !llvm.struct<(i64, i64)>
}
