// RUN: GRAPHLET_ROUNDTRIP
// RUN: GRAPHLET_GENERIC_ROUNDTRIP

// Every scalar op of the graphlet dialect, printed back identically.

func.func @constants() {
  %t = graphlet.constant true
  %f = graphlet.constant false
  %z = graphlet.constant 0 : i64
  %max = graphlet.constant 9223372036854775807 : i64
  %min = graphlet.constant -9223372036854775808 : i64
  %pz = graphlet.constant 0.0 : f64
  %nz = graphlet.constant -0.0 : f64
  %nan = graphlet.constant 0x7FF8000000000000 : f64
  %inf = graphlet.constant 0x7FF0000000000000 : f64
  %ninf = graphlet.constant 0xFFF0000000000000 : f64
  %tiny = graphlet.constant 4.9406564584124654e-324 : f64
  %third = graphlet.constant 0.33333333333333331 : f64
  %big = graphlet.constant 1.7976931348623157e+308 : f64
  %a = graphlet.constant 1.5 : f64 {note = "kept"}
  func.return
}

// CHECK-LABEL: func.func @constants() {
// CHECK-NEXT:    %t = graphlet.constant true
// CHECK-NEXT:    %f = graphlet.constant false
// CHECK-NEXT:    %z = graphlet.constant 0 : i64
// CHECK-NEXT:    %max = graphlet.constant 9223372036854775807 : i64
// CHECK-NEXT:    %min = graphlet.constant -9223372036854775808 : i64
// CHECK-NEXT:    %pz = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    %nz = graphlet.constant -0.000000e+00 : f64
// CHECK-NEXT:    %nan = graphlet.constant 0x7ff8000000000000 : f64
// CHECK-NEXT:    %inf = graphlet.constant 0x7ff0000000000000 : f64
// CHECK-NEXT:    %ninf = graphlet.constant 0xfff0000000000000 : f64
// CHECK-NEXT:    %tiny = graphlet.constant 4.940660e-324 : f64
// CHECK-NEXT:    %third = graphlet.constant 0.33333333333333331 : f64
// CHECK-NEXT:    %big = graphlet.constant 1.7976931348623157e+308 : f64
// CHECK-NEXT:    %a = graphlet.constant 1.500000e+00 : f64 {note = "kept"}
// CHECK-NEXT:    func.return

func.func @binary(%a: i64, %b: i64, %x: f64, %y: f64, %p: i1, %q: i1) {
  %0 = graphlet.add %a, %b : i64
  %1 = graphlet.sub %x, %y : f64
  %2 = graphlet.mul %a, %b : i64
  %3 = graphlet.truediv %a, %b : i64
  %4 = graphlet.truediv %x, %y : f64
  %5 = graphlet.floordiv %x, %y : f64
  %6 = graphlet.mod %a, %b : i64
  %7 = graphlet.pow %x, %y : f64
  %8 = graphlet.min %x, %y : f64
  %9 = graphlet.max %a, %b : i64
  %10 = graphlet.and %p, %q : i1
  %11 = graphlet.or %a, %b : i64
  %12 = graphlet.xor %p, %q : i1
  %13 = graphlet.shl %a, %b : i64
  %14 = graphlet.shr %a, %b {tag} : i64
  func.return
}

// CHECK-LABEL: func.func @binary(
// CHECK-NEXT:    %0 = graphlet.add %a, %b : i64
// CHECK-NEXT:    %1 = graphlet.sub %x, %y : f64
// CHECK-NEXT:    %2 = graphlet.mul %a, %b : i64
// CHECK-NEXT:    %3 = graphlet.truediv %a, %b : i64
// CHECK-NEXT:    %4 = graphlet.truediv %x, %y : f64
// CHECK-NEXT:    %5 = graphlet.floordiv %x, %y : f64
// CHECK-NEXT:    %6 = graphlet.mod %a, %b : i64
// CHECK-NEXT:    %7 = graphlet.pow %x, %y : f64
// CHECK-NEXT:    %8 = graphlet.min %x, %y : f64
// CHECK-NEXT:    %9 = graphlet.max %a, %b : i64
// CHECK-NEXT:    %10 = graphlet.and %p, %q : i1
// CHECK-NEXT:    %11 = graphlet.or %a, %b : i64
// CHECK-NEXT:    %12 = graphlet.xor %p, %q : i1
// CHECK-NEXT:    %13 = graphlet.shl %a, %b : i64
// CHECK-NEXT:    %14 = graphlet.shr %a, %b {tag} : i64
// CHECK-NEXT:    func.return

func.func @unary(%a: i64, %x: f64) {
  %0 = graphlet.neg %a : i64
  %1 = graphlet.abs %x : f64
  %2 = graphlet.exp %a : i64
  %3 = graphlet.log %x : f64
  %4 = graphlet.sqrt %x : f64
  %5 = graphlet.sin %x : f64
  %6 = graphlet.cos %a : i64
  %7 = graphlet.tanh %x : f64
  %8 = graphlet.floor %x : f64
  %9 = graphlet.ceil %a : i64
  %10 = graphlet.relu %x : f64
  func.return
}

// CHECK-LABEL: func.func @unary(
// CHECK-NEXT:    %0 = graphlet.neg %a : i64
// CHECK-NEXT:    %1 = graphlet.abs %x : f64
// CHECK-NEXT:    %2 = graphlet.exp %a : i64
// CHECK-NEXT:    %3 = graphlet.log %x : f64
// CHECK-NEXT:    %4 = graphlet.sqrt %x : f64
// CHECK-NEXT:    %5 = graphlet.sin %x : f64
// CHECK-NEXT:    %6 = graphlet.cos %a : i64
// CHECK-NEXT:    %7 = graphlet.tanh %x : f64
// CHECK-NEXT:    %8 = graphlet.floor %x : f64
// CHECK-NEXT:    %9 = graphlet.ceil %a : i64
// CHECK-NEXT:    %10 = graphlet.relu %x : f64
// CHECK-NEXT:    func.return

func.func @cmp_select_cast(%a: i64, %b: i64, %x: f64, %y: f64, %p: i1, %q: i1) {
  %0 = graphlet.cmp eq, %a, %b : i64
  %1 = graphlet.cmp ne, %x, %y : f64
  %2 = graphlet.cmp lt, %p, %q : i1
  %3 = graphlet.cmp le, %a, %b : i64
  %4 = graphlet.cmp gt, %x, %y : f64
  %5 = graphlet.cmp ge, %a, %b : i64
  %6 = graphlet.select %p, %x, %y : f64
  %7 = graphlet.select %p, %a, %b : i64
  %8 = graphlet.select %p, %p, %q : i1
  %9 = graphlet.cast %p : i1 to i64
  %10 = graphlet.cast %p : i1 to f64
  %11 = graphlet.cast %a : i64 to i1
  %12 = graphlet.cast %a : i64 to f64
  %13 = graphlet.cast %x : f64 to i1
  %14 = graphlet.cast %x : f64 to i64
  %15 = graphlet.cast %x : f64 to f64
  func.return
}

// CHECK-LABEL: func.func @cmp_select_cast(
// CHECK-NEXT:    %0 = graphlet.cmp eq, %a, %b : i64
// CHECK-NEXT:    %1 = graphlet.cmp ne, %x, %y : f64
// CHECK-NEXT:    %2 = graphlet.cmp lt, %p, %q : i1
// CHECK-NEXT:    %3 = graphlet.cmp le, %a, %b : i64
// CHECK-NEXT:    %4 = graphlet.cmp gt, %x, %y : f64
// CHECK-NEXT:    %5 = graphlet.cmp ge, %a, %b : i64
// CHECK-NEXT:    %6 = graphlet.select %p, %x, %y : f64
// CHECK-NEXT:    %7 = graphlet.select %p, %a, %b : i64
// CHECK-NEXT:    %8 = graphlet.select %p, %p, %q : i1
// CHECK-NEXT:    %9 = graphlet.cast %p : i1 to i64
// CHECK-NEXT:    %10 = graphlet.cast %p : i1 to f64
// CHECK-NEXT:    %11 = graphlet.cast %a : i64 to i1
// CHECK-NEXT:    %12 = graphlet.cast %a : i64 to f64
// CHECK-NEXT:    %13 = graphlet.cast %x : f64 to i1
// CHECK-NEXT:    %14 = graphlet.cast %x : f64 to i64
// CHECK-NEXT:    %15 = graphlet.cast %x : f64 to f64
// CHECK-NEXT:    func.return
