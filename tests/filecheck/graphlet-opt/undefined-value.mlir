// RUN: not graphlet-opt %s 2>&1 | filecheck %s

func.func @f(%a: i64) -> i64 {
  %0 = graphlet.add %a, %zz : i64
  func.return %0 : i64
}

// The first use of the undefined value, not the end of the file.
// CHECK-NOT: Traceback
// CHECK:      undefined-value.mlir:4:25
// CHECK-NEXT:   %0 = graphlet.add %a, %zz : i64
// CHECK-NEXT:                         ^^^
// CHECK-NEXT:                         use of undefined value %zz
// CHECK-NOT: Traceback
