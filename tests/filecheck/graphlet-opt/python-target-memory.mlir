// RUN: graphlet-opt %s -t python | filecheck %s
// RUN: graphlet-opt %s -t python | python -c "import sys, numpy as np; ns = {}; exec(sys.stdin.read(), ns); l, n = ns['squares'](5, None); a = np.arange(4.0)[::-1]; print(l.items, n, ns['scale'](a, ns['pyarray_data'](a), 4, a.strides[0], 2.0, ns['Arena']()), a.tolist())" | filecheck %s --check-prefix=EXEC

// Lists and arrays carry python_memory's runtime; scf.for is a Python for loop.
// CHECK:      class NativeList:
// CHECK:      def pyarray_load(address: Any, dtype: str) -> Any:
// CHECK:      def squares(n_1, arena_2):
// CHECK:          l_{{[0-9]+}}, ok_{{[0-9]+}} = NativeList([]), True
// CHECK-NEXT:     for i_{{[0-9]+}} in range(c0_{{[0-9]+}}, n_1, c1_{{[0-9]+}}):
// CHECK-NEXT:         sq_{{[0-9]+}} = i_{{[0-9]+}} * i_{{[0-9]+}}
// CHECK-NEXT:         l_{{[0-9]+}}.items.append(sq_{{[0-9]+}})
// CHECK:          len_{{[0-9]+}} = len(l_{{[0-9]+}}.items)
func.func @squares(%n: i64, %arena: !llvm.ptr) -> (!llvm.ptr, i64) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %l, %ok = "pylist.new"(%arena, %n) <{item = i64}> : (!llvm.ptr, i64) -> (!llvm.ptr, i1)
  scf.for %i = %c0 to %n step %c1 : i64 {
    %sq = graphlet.mul %i, %i : i64
    %ok2 = "pylist.append"(%arena, %l, %sq) : (!llvm.ptr, !llvm.ptr, i64) -> i1
    scf.yield
  }
  %len = "pylist.len"(%l) <{item = i64}> : (!llvm.ptr) -> i64
  func.return %l, %len : !llvm.ptr, i64
}

// An element is an address: data plus index times byte stride, read and written there.
// CHECK:      def scale(obj_1, data_2, n_3, s_4, x_5, arena_6):
// CHECK:              p_{{[0-9]+}} = data_2 + i_{{[0-9]+}} * s_4
// CHECK-NEXT:         v_{{[0-9]+}} = pyarray_load(p_{{[0-9]+}}, 'float64')
// CHECK:              pyarray_store(w_{{[0-9]+}}, p_{{[0-9]+}}, arena_6, 'float64', True)
// CHECK:          total_{{[0-9]+}} = pyarray_sum(data_2, n_3, s_4, 'float64')
func.func @scale(%obj: !llvm.ptr, %data: !llvm.ptr, %n: i64, %s: i64, %x: f64, %arena: !llvm.ptr) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  scf.for %i = %c0 to %n step %c1 : i64 {
    %p = "pyarray.element"(%data, %i, %s) : (!llvm.ptr, i64, i64) -> !llvm.ptr
    %v = "pyarray.load"(%p) <{dtype = "float64"}> : (!llvm.ptr) -> f64
    %w = arith.mulf %v, %x : f64
    "pyarray.store"(%w, %p, %arena) <{dtype = "float64", logged}> : (f64, !llvm.ptr, !llvm.ptr) -> ()
    scf.yield
  }
  %total = "pyarray.sum"(%data, %n, %s) <{dtype = "float64"}> : (!llvm.ptr, i64, i64) -> f64
  func.return %total : f64
}

// EXEC: [0, 1, 4, 9, 16] 5 12.0 [6.0, 4.0, 2.0, 0.0]
