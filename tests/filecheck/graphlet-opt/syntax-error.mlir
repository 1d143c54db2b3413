// RUN: not graphlet-opt %s 2>&1 | filecheck %s

func.func @f(%a: i64) {
  %0 = graphlet.add %a %a : i64
  func.return
}

// CHECK-NOT: Traceback
// CHECK:      syntax-error.mlir:4:24
// CHECK-NEXT:   %0 = graphlet.add %a %a : i64
// CHECK-NEXT:                        ^^
// CHECK-NEXT:                        Expected ','
// CHECK-NOT: Traceback
