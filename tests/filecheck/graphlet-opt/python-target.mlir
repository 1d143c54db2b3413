// RUN: graphlet-opt %s -t python | filecheck %s
// RUN: graphlet-opt %s -p graphlet-optimize,convert-graphlet-to-arith -t python | filecheck %s --check-prefix=LOWERED
// RUN: graphlet-opt %s -t python | python -c "import sys; ns = {}; exec(sys.stdin.read(), ns); print(ns['divmod_'](-7, 2), ns['sum_to'](10), ns['pick'](True, 1.5, -0.0))" | filecheck %s --check-prefix=EXEC
// RUN: not graphlet-opt %s -p lower-to-llvm -t python 2>&1 | filecheck %s --check-prefix=NOMETHOD

// CHECK:      class HandBack(Exception):
// CHECK:      def divmod_(a_1, b_2):
// CHECK-NEXT:     q_3 = a_1 // b_2
// CHECK-NEXT:     r_4 = a_1 % b_2
// CHECK-NEXT:     return q_3, r_4
// LOWERED:    def divmod_(a_1, b_2):
// LOWERED:        if not {{.*}}:
// LOWERED-NEXT:       raise HandBack('ZeroDivisionError')
// LOWERED:        trunc_div(a_1, b_2)
func.func @divmod_(%a: i64, %b: i64) -> (i64, i64) {
  %q = graphlet.floordiv %a, %b : i64
  %r = graphlet.mod %a, %b : i64
  func.return %q, %r : i64, i64
}

// A loop of cf blocks is a state machine over block numbers.
// CHECK:      def sum_to(n_1):
// CHECK-NEXT:     block = 0
// CHECK-NEXT:     while True:
// CHECK-NEXT:         if block == 0:
// CHECK:                  i_2, acc_3 = zero_{{[0-9]+}}, zero_{{[0-9]+}}
// CHECK-NEXT:             block = 1
// CHECK-NEXT:             continue
// CHECK-NEXT:         elif block == 1:
// CHECK-NEXT:             done_{{[0-9]+}} = i_2 >= n_1
// CHECK:              elif block == 3:
// CHECK-NEXT:             return r_4
func.func @sum_to(%n: i64) -> i64 {
  %zero = graphlet.constant 0 : i64
  %one = graphlet.constant 1 : i64
  cf.br ^loop(%zero, %zero : i64, i64)
^loop(%i: i64, %acc: i64):
  %done = graphlet.cmp ge, %i, %n : i64
  cf.cond_br %done, ^exit(%acc : i64), ^body
^body:
  %acc2 = graphlet.add %acc, %i : i64
  %i2 = graphlet.add %i, %one : i64
  cf.br ^loop(%i2, %acc2 : i64, i64)
^exit(%r: i64):
  func.return %r : i64
}

// CHECK:      def pick(c_1, x_2, y_3):
// CHECK-NEXT:     s_4 = x_2 if c_1 else y_3
// CHECK-NEXT:     f_5 = FloorOp.py_operation(y_3)
func.func @pick(%c: i1, %x: f64, %y: f64) -> (f64, f64) {
  %s = graphlet.select %c, %x, %y : f64
  %f = graphlet.floor %y : f64
  func.return %s, %f : f64, f64
}

// EXEC: (-4, 1) 45 (1.5, -0.0)
// NOMETHOD: error: 'llvm.func': the Python source back end has no method for this op
