// A located diagnostic for invalid IR, never a traceback.
// RUN: not graphlet-run %s --entry f --args 1 2>&1 | filecheck %s
// CHECK: invalid.mlir:7:21
// CHECK: operand is used with type f64, but has been previously used or defined with type i64
// CHECK-NOT: Traceback
func.func @f(%a: i64) -> i64 {
  %r = graphlet.add %a, %a : f64
  func.return %r : i64
}
