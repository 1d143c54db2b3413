// RUN: not graphlet-opt %s 2>&1 | filecheck %s

func.func @f(%a: i64) {
  %0 = graphlet.add %a, %a : i32
  func.return
}

// CHECK-NOT: Traceback
// CHECK:      bad-type.mlir:4:21
// CHECK-NEXT:   %0 = graphlet.add %a, %a : i32
// CHECK-NEXT:                     ^^
// CHECK-NEXT:                     operand is used with type i32, but has been previously used or defined with type i64
// CHECK-NOT: Traceback
