// RUN: graphlet-opt %s -p convert-pylist-to-llvm --split-input-file --verify-diagnostics --allow-unregistered-dialect | filecheck %s
// RUN: graphlet-opt %s -p lower-to-llvm -t 'jit-call{function=main}' --split-input-file --verify-diagnostics --allow-unregistered-dialect | filecheck %s --check-prefix=EXEC
// Item access and the length are loads and stores on the list header; allocation,
// appends and searches are calls to the list runtime; `ok` is "the pointer is not null".

func.func @ops(%arena: !llvm.ptr, %l: !llvm.ptr, %i: i64, %x: f64) -> (i64, f64, i1, i64) {
  %n = "pylist.len"(%l) <{item = f64}> : (!llvm.ptr) -> i64
  %y = "pylist.get"(%l, %i) : (!llvm.ptr, i64) -> f64
  "pylist.set"(%l, %i, %x) : (!llvm.ptr, i64, f64) -> ()
  %ok = "pylist.append"(%arena, %l, %x) : (!llvm.ptr, !llvm.ptr, f64) -> i1
  %at = "pylist.find"(%l, %x, %i, %n) : (!llvm.ptr, f64, i64, i64) -> i64
  func.return %n, %y, %ok, %at : i64, f64, i1, i64
}
// CHECK-LABEL: func.func @ops
// CHECK-NEXT:    %[[N:.*]] = llvm.load %l : !llvm.ptr -> i64
// CHECK-NEXT:    %[[D:.*]] = llvm.getelementptr %l[2] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    %[[DATA:.*]] = llvm.load %[[D]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:    %[[AT:.*]] = llvm.getelementptr %[[DATA]][%i] : (!llvm.ptr, i64) -> !llvm.ptr, f64
// CHECK-NEXT:    %{{.*}} = llvm.load %[[AT]] : !llvm.ptr -> f64
// CHECK:         llvm.store %x, %{{.*}} : f64, !llvm.ptr
// CHECK:         llvm.getelementptr %l[5] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK:         %{{.*}} = llvm.call @graphlet_list_append_f64(%arena, %l, %x) : (!llvm.ptr, !llvm.ptr, f64) -> i1
// CHECK:         %{{.*}} = llvm.call @graphlet_list_find_f64(%l, %x, %i, %[[N]])
// CHECK-NOT:     pylist.

// A comparison passes its predicate's code (eq ne lt le gt ge); a splice the item size.
func.func @compare_and_splice(%arena: !llvm.ptr, %a: !llvm.ptr, %b: !llvm.ptr, %i: i64) -> (i64, i1) {
  %r = "pylist.compare"(%a, %b) <{predicate = "le", item = f64}> : (!llvm.ptr, !llvm.ptr) -> i64
  %ok = "pylist.splice"(%arena, %a, %i, %i, %b) <{item = f64}> : (!llvm.ptr, !llvm.ptr, i64, i64, !llvm.ptr) -> i1
  func.return %r, %ok : i64, i1
}
// CHECK-LABEL: func.func @compare_and_splice
// CHECK:         %[[LE:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    %{{.*}} = llvm.call @graphlet_list_compare_f64(%a, %b, %[[LE]]) : (!llvm.ptr, !llvm.ptr, i64) -> i64
// CHECK:         %[[SIZE8:.*]] = arith.constant 8 : i64
// CHECK-NEXT:    %{{.*}} = llvm.call @graphlet_list_splice(%arena, %a, %i, %i, %b, %[[SIZE8]]) : (!llvm.ptr, !llvm.ptr, i64, i64, !llvm.ptr, i64) -> i1

func.func @make(%arena: !llvm.ptr, %n: i64) -> (!llvm.ptr, i1) {
  %l, %ok = "pylist.new"(%arena, %n) <{item = i1}> : (!llvm.ptr, i64) -> (!llvm.ptr, i1)
  func.return %l, %ok : !llvm.ptr, i1
}
// CHECK-LABEL: func.func @make
// CHECK:         %[[SIZE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    %[[L:.*]] = llvm.call @graphlet_list_new(%arena, %n, %[[SIZE]]) : (!llvm.ptr, i64, i64) -> !llvm.ptr
// CHECK-NEXT:    %[[P:.*]] = llvm.ptrtoint %[[L]] : !llvm.ptr to i64
// CHECK:         %{{.*}} = arith.cmpi ne, %[[P]], %{{.*}} : i64
// CHECK:         llvm.func @graphlet_list_append_f64(!llvm.ptr, !llvm.ptr, f64) -> i1

// Natively: a list of 0, 1, ..., 9 (an arena of its own on the stack), 7 appended;
// its length, the item at 3, and where 7 is.
func.func @main() -> (i64, i64, i64, i64, i64, i64) {
  %two = arith.constant 2 : i64
  %arena = llvm.alloca %two x i64 : (i64) -> !llvm.ptr
  %zero = arith.constant 0 : i64
  llvm.store %zero, %arena : i64, !llvm.ptr
  %bytes = llvm.getelementptr %arena[1] : (!llvm.ptr) -> !llvm.ptr, i64
  llvm.store %zero, %bytes : i64, !llvm.ptr
  %one = arith.constant 1 : i64
  %ten = arith.constant 10 : i64
  %l, %ok = "pylist.range"(%arena, %zero, %one, %ten) <{item = i64}> : (!llvm.ptr, i64, i64, i64) -> (!llvm.ptr, i1)
  %seven = arith.constant 7 : i64
  %appended = "pylist.append"(%arena, %l, %seven) : (!llvm.ptr, !llvm.ptr, i64) -> i1
  %n = "pylist.len"(%l) <{item = i64}> : (!llvm.ptr) -> i64
  %three = arith.constant 3 : i64
  %x = "pylist.get"(%l, %three) : (!llvm.ptr, i64) -> i64
  %at = "pylist.find"(%l, %seven, %zero, %n) : (!llvm.ptr, i64, i64, i64) -> i64
  %k, %made = "pylist.range"(%arena, %zero, %one, %ten) <{item = i64}> : (!llvm.ptr, i64, i64, i64) -> (!llvm.ptr, i1)
  %less = "pylist.compare"(%k, %l) <{predicate = "lt", item = i64}> : (!llvm.ptr, !llvm.ptr) -> i64
  %spliced = "pylist.splice"(%arena, %l, %one, %three, %k) <{item = i64}> : (!llvm.ptr, !llvm.ptr, i64, i64, !llvm.ptr) -> i1
  %m = "pylist.len"(%l) <{item = i64}> : (!llvm.ptr) -> i64
  %moved = "pylist.get"(%l, %ten) : (!llvm.ptr, i64) -> i64
  func.return %n, %x, %at, %less, %m, %moved : i64, i64, i64, i64, i64, i64
}
// The list's length, the item at 3, where 7 is; [0..9] < [0..9, 7]; then l[1:4] = [0..9]:
// 11 - 3 + 10 items, and l[10] is the last of the 10 spliced in.
// EXEC:      result 0: 0
// EXEC-NEXT: result 1: 11
// EXEC-NEXT: result 2: 3
// EXEC-NEXT: result 3: 7
// EXEC-NEXT: result 4: 1
// EXEC-NEXT: result 5: 18
// EXEC-NEXT: result 6: 9

// -----

// A pylist op with no lowering (here one the dialect does not define) is refused.
func.func @unknown(%l: !llvm.ptr) {
  "pylist.sort"(%l) : (!llvm.ptr) -> ()
  func.return
}
// CHECK: convert-pylist-to-llvm.mlir:{{[0-9]+}}:3: error: 'pylist.sort': convert-pylist-to-llvm cannot lower this op
