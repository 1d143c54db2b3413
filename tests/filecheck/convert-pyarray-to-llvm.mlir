// RUN: graphlet-opt %s -p convert-pyarray-to-llvm --split-input-file --verify-diagnostics --allow-unregistered-dialect | filecheck %s
// RUN: graphlet-opt %s -p lower-to-llvm -t 'jit-call{function=main}' --split-input-file --verify-diagnostics --allow-unregistered-dialect | filecheck %s --check-prefix=EXEC
// An element's address is data + index * stride (bytes, plain wrapping arithmetic);
// loads and stores convert between storage and compute types; a logged store records
// the old bytes first and guards the log's result; allocation and sums call the array
// runtime; object fields are loads at their offsets.

func.func @ops(%arena: !llvm.ptr, %data: !llvm.ptr, %i: i64, %s: i64, %j: i64, %t: i64, %x: f64) -> (f64, i64) {
  %p = "pyarray.element"(%data, %i, %s, %j, %t) : (!llvm.ptr, i64, i64, i64, i64) -> !llvm.ptr
  %y = "pyarray.load"(%p) <{dtype = "float32"}> : (!llvm.ptr) -> f64
  "pyarray.store"(%x, %p, %arena) <{dtype = "float32", logged}> : (f64, !llvm.ptr, !llvm.ptr) -> ()
  %n = "pyarray.load"(%p) <{dtype = "int32"}> : (!llvm.ptr) -> i64
  func.return %y, %n : f64, i64
}
// CHECK-LABEL: func.func @ops
// CHECK-NEXT:    %[[A:.*]] = llvm.mul %i, %s : i64
// CHECK-NEXT:    %[[B:.*]] = llvm.mul %j, %t : i64
// CHECK-NEXT:    %[[O:.*]] = llvm.add %[[A]], %[[B]] : i64
// CHECK-NEXT:    %[[P:.*]] = llvm.getelementptr %data[%[[O]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NEXT:    %[[T:.*]] = llvm.getelementptr %[[P]][0] : (!llvm.ptr) -> !llvm.ptr, f32
// CHECK-NEXT:    %[[V:.*]] = llvm.load %[[T]] : !llvm.ptr -> f32
// CHECK-NEXT:    %{{.*}} = llvm.fpext %[[V]] : f32 to f64
// CHECK-NEXT:    %[[SIZE:.*]] = arith.constant 4 : i64
// CHECK-NEXT:    %[[OK:.*]] = llvm.call @graphlet_array_log(%arena, %[[P]], %[[SIZE]]) : (!llvm.ptr, !llvm.ptr, i64) -> i1
// CHECK-NEXT:    pyrt.guard %[[OK]], "HandBack"
// CHECK-NEXT:    %[[N:.*]] = llvm.fptrunc %x : f64 to f32
// CHECK-NEXT:    %[[T2:.*]] = llvm.getelementptr %[[P]][0] : (!llvm.ptr) -> !llvm.ptr, f32
// CHECK-NEXT:    llvm.store %[[N]], %[[T2]] : f32, !llvm.ptr
// CHECK-NEXT:    %[[T3:.*]] = llvm.getelementptr %[[P]][0] : (!llvm.ptr) -> !llvm.ptr, i32
// CHECK-NEXT:    %[[W:.*]] = llvm.load %[[T3]] : !llvm.ptr -> i32
// CHECK-NEXT:    %{{.*}} = llvm.sext %[[W]] : i32 to i64
// CHECK-NOT:     pyarray.

func.func @fields(%arena: !llvm.ptr, %a: !llvm.ptr, %n: i64) -> (!llvm.ptr, i64, !llvm.ptr, i1) {
  %d = "pyarray.data"(%a) : (!llvm.ptr) -> !llvm.ptr
  %s = "pyarray.stride"(%a) <{axis = "1"}> : (!llvm.ptr) -> i64
  %b, %ok = "pyarray.new"(%arena, %n, %n) <{dtype = "int64", fill = "zeros"}> : (!llvm.ptr, i64, i64) -> (!llvm.ptr, i1)
  func.return %d, %s, %b, %ok : !llvm.ptr, i64, !llvm.ptr, i1
}
// CHECK-LABEL: func.func @fields
// CHECK:         %[[DATA:.*]] = llvm.getelementptr %a[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK-NEXT:    %{{.*}} = llvm.load %[[DATA]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[STRIDES:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT:    %[[AT:.*]] = llvm.getelementptr %[[STRIDES]][1] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-NEXT:    %{{.*}} = llvm.load %[[AT]] : !llvm.ptr -> i64
// CHECK:         %[[NEW:.*]] = llvm.call @graphlet_array_new_zeros_int64(%arena, %{{.*}}, %n, %n, %{{.*}})
// CHECK:         arith.cmpi ne
// CHECK-NEXT:    func.return

// A float64 buffer on the stack: write 1.5 at index 1 of a stride-16 view, read it
// back, and NumPy's pairwise sum of the 4 items 0.25, 1.5, 0.5, 2.0.
func.func @main() -> (f64, f64) {
  %c4 = arith.constant 4 : i64
  %buffer = llvm.alloca %c4 x f64 : (i64) -> !llvm.ptr
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %c8 = arith.constant 8 : i64
  %c16 = arith.constant 16 : i64
  %quarter = arith.constant 0.25 : f64
  %half = arith.constant 0.5 : f64
  %two = arith.constant 2.0 : f64
  %x = arith.constant 1.5 : f64
  %p0 = "pyarray.element"(%buffer, %c0, %c8) : (!llvm.ptr, i64, i64) -> !llvm.ptr
  "pyarray.store"(%quarter, %p0, %buffer) <{dtype = "float64"}> : (f64, !llvm.ptr, !llvm.ptr) -> ()
  %p2 = "pyarray.element"(%buffer, %c2, %c8) : (!llvm.ptr, i64, i64) -> !llvm.ptr
  "pyarray.store"(%half, %p2, %buffer) <{dtype = "float64"}> : (f64, !llvm.ptr, !llvm.ptr) -> ()
  %p3 = "pyarray.element"(%buffer, %c3, %c8) : (!llvm.ptr, i64, i64) -> !llvm.ptr
  "pyarray.store"(%two, %p3, %buffer) <{dtype = "float64"}> : (f64, !llvm.ptr, !llvm.ptr) -> ()
  %odd = "pyarray.element"(%buffer, %c1, %c8) : (!llvm.ptr, i64, i64) -> !llvm.ptr
  %view = "pyarray.element"(%odd, %c0, %c16) : (!llvm.ptr, i64, i64) -> !llvm.ptr
  "pyarray.store"(%x, %view, %buffer) <{dtype = "float64"}> : (f64, !llvm.ptr, !llvm.ptr) -> ()
  %y = "pyarray.load"(%odd) <{dtype = "float64"}> : (!llvm.ptr) -> f64
  %sum = "pyarray.sum"(%buffer, %c4, %c8) <{dtype = "float64"}> : (!llvm.ptr, i64, i64) -> f64
  func.return %y, %sum : f64, f64
}
// EXEC:      result 0: 0
// EXEC-NEXT: result 1: 1.5
// EXEC-NEXT: result 2: 4.25

// -----

// A pyarray op with no lowering (here one the dialect does not define) is refused.
func.func @unknown(%a: !llvm.ptr) {
  "pyarray.sort"(%a) : (!llvm.ptr) -> ()
  func.return
}
// CHECK: convert-pyarray-to-llvm.mlir:{{[0-9]+}}:3: error: 'pyarray.sort': convert-pyarray-to-llvm cannot lower this op
