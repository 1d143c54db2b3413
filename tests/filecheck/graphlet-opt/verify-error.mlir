// RUN: not graphlet-opt %s 2>&1 | filecheck %s
// RUN: not graphlet-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=SPLIT

func.func @f(%a: i64, %x: f64) {
  %0 = "graphlet.add"(%a, %x) : (i64, f64) -> i64
  func.return
}

// CHECK-NOT: Traceback
// CHECK: verify-error.mlir:5:8: error: 'graphlet.add' operands must have the same type, got i64 and f64 (insert a graphlet.cast)
// CHECK-NOT: Traceback

// -----

func.func @g(%x: f64) {
  %0 = "graphlet.shl"(%x, %x) : (f64, f64) -> f64
  func.return
}

// The first chunk's error stops the run (exit 1); lines count from the file's start.
// SPLIT-NOT: Traceback
// SPLIT: verify-error.mlir:5:8: error: 'graphlet.add' operands must have the same type
// SPLIT-NOT: Traceback
