// A called declaration that does not resolve is a located error, not a crash.
// RUN: not graphlet-run %s --entry g --args 1 2>&1 | filecheck %s
// CHECK: missing-symbol.mlir: error: external functions not found in this process: not_in_this_process
// CHECK-NOT: internal error

func.func private @not_in_this_process(i64) -> i64

func.func @g(%a: i64) -> i64 {
  %r = func.call @not_in_this_process(%a) : (i64) -> i64
  func.return %r : i64
}
