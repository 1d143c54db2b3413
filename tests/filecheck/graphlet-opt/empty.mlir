// RUN: not graphlet-opt %s 2>&1 | filecheck %s
// A file of comments only has no operation in it.

// CHECK-NOT: Traceback
// CHECK: empty.mlir:{{[0-9]+}}:1
// CHECK: Could not parse entire input!
// CHECK-NOT: Traceback
