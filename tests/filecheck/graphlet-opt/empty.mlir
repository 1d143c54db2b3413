// RUN: graphlet-opt %s | filecheck %s
// RUN: printf '' | graphlet-opt - | filecheck %s
// A file of comments only is an empty module, as in mlir-opt.

// CHECK: builtin.module {
// CHECK-NEXT: }
