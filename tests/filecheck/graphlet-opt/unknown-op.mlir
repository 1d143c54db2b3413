// RUN: not graphlet-opt %s 2>&1 | filecheck %s
// RUN: not graphlet-opt %s -p graphlet-optimize,no-such-pass 2>&1 | filecheck %s --check-prefix=PASS

func.func @f(%a: i64) {
  %0 = graphlet.frobnicate %a : i64
  func.return
}

// CHECK-NOT: Traceback
// CHECK:      unknown-op.mlir:5:28
// CHECK:      Operation graphlet.frobnicate is not registered
// CHECK-NOT: Traceback

// PASS-NOT: Traceback
// PASS: unknown-op.mlir: error: Unrecognized passes: ['no-such-pass']
// PASS-NOT: Traceback
