// RUN: graphlet-opt %s -p canonicalize | filecheck %s

// Folds to Python's exact result.
func.func @folds() -> (i64, i64, i64, f64, f64, i64, i64, f64, i64, i64, f64, i1, i1, i1, i64, i64, i64, f64, f64, i64, f64, i1) {
  %two = graphlet.constant 2 : i64
  %m7 = graphlet.constant -7 : i64
  %max = graphlet.constant 9223372036854775807 : i64
  %min = graphlet.constant -9223372036854775808 : i64
  %one = graphlet.constant 1 : i64
  %x = graphlet.constant 0.1 : f64
  %y = graphlet.constant 0.2 : f64
  %nan = graphlet.constant 0x7FF8000000000000 : f64
  %t = graphlet.constant true
  %f = graphlet.constant false
  %0 = graphlet.floordiv %m7, %two : i64
  %1 = graphlet.mod %m7, %two : i64
  %2 = graphlet.pow %two, %two : i64
  %3 = graphlet.add %x, %y : f64
  %4 = graphlet.truediv %m7, %two : i64
  %5 = graphlet.sub %max, %max : i64
  %6 = graphlet.add %min, %max : i64
  %7 = graphlet.min %nan, %x : f64
  %8 = graphlet.shl %one, %two : i64
  %9 = graphlet.shr %m7, %one : i64
  %10 = graphlet.exp %one : i64
  %11 = graphlet.cmp ne, %nan, %nan : f64
  %12 = graphlet.cmp lt, %nan, %x : f64
  %13 = graphlet.xor %t, %f : i1
  %14 = graphlet.neg %m7 : i64
  %15 = graphlet.abs %min : i64
  %16 = graphlet.cast %t : i1 to i64
  %17 = graphlet.cast %m7 : i64 to f64
  %18 = graphlet.floor %x : f64
  %19 = graphlet.pow %m7, %one : i64
  %20 = graphlet.mod %x, %nan : f64
  %21 = graphlet.cast %nan : f64 to i1
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21 : i64, i64, i64, f64, f64, i64, i64, f64, i64, i64, f64, i1, i1, i1, i64, i64, i64, f64, f64, i64, f64, i1
}

// CHECK-LABEL: func.func @folds(
// CHECK-NEXT:    %min = graphlet.constant -9223372036854775808 : i64
// CHECK-NEXT:    %0 = graphlet.constant -4 : i64
// CHECK-NEXT:    %1 = graphlet.constant 1 : i64
// CHECK-NEXT:    %2 = graphlet.constant 4 : i64
// CHECK-NEXT:    %3 = graphlet.constant 0.30000000000000004 : f64
// CHECK-NEXT:    %4 = graphlet.constant -3.500000e+00 : f64
// CHECK-NEXT:    %5 = graphlet.constant 0 : i64
// CHECK-NEXT:    %6 = graphlet.constant -1 : i64
// CHECK-NEXT:    %7 = graphlet.constant 0x7ff8000000000000 : f64
// CHECK-NEXT:    %8 = graphlet.constant 4 : i64
// CHECK-NEXT:    %9 = graphlet.constant -4 : i64
// CHECK-NEXT:    %10 = graphlet.constant 2.7182818284590451 : f64
// CHECK-NEXT:    %11 = graphlet.constant true
// CHECK-NEXT:    %12 = graphlet.constant false
// CHECK-NEXT:    %13 = graphlet.constant true
// CHECK-NEXT:    %14 = graphlet.constant 7 : i64
// CHECK-NEXT:    %15 = graphlet.abs %min : i64
// CHECK-NEXT:    %16 = graphlet.constant 1 : i64
// CHECK-NEXT:    %17 = graphlet.constant -7.000000e+00 : f64
// CHECK-NEXT:    %18 = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    %19 = graphlet.constant -7 : i64
// CHECK-NEXT:    %20 = graphlet.constant 0x7ff8000000000000 : f64
// CHECK-NEXT:    %21 = graphlet.constant true
// CHECK-NEXT:    func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21 : i64, i64, i64, f64, f64, i64, i64, f64, i64, i64, f64, i1, i1, i1, i64, i64, i64, f64, f64, i64, f64, i1

// Python raises, or the result does not fit: nothing folds.
func.func @no_folds() -> (i64, i64, f64, f64, f64, f64, f64, f64, f64, f64, f64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64) {
  %zero = graphlet.constant 0 : i64
  %one = graphlet.constant 1 : i64
  %two = graphlet.constant 2 : i64
  %m1 = graphlet.constant -1 : i64
  %big = graphlet.constant 4611686018427387904 : i64
  %max = graphlet.constant 9223372036854775807 : i64
  %min = graphlet.constant -9223372036854775808 : i64
  %fz = graphlet.constant 0.0 : f64
  %fm1 = graphlet.constant -1.0 : f64
  %f1 = graphlet.constant 1.0 : f64
  %huge = graphlet.constant 1.0e300 : f64
  %half = graphlet.constant 0.5 : f64
  %nan = graphlet.constant 0x7FF8000000000000 : f64
  %inf = graphlet.constant 0x7FF0000000000000 : f64
  %0 = graphlet.floordiv %one, %zero : i64
  %1 = graphlet.mod %one, %zero : i64
  %2 = graphlet.truediv %one, %zero : i64
  %3 = graphlet.truediv %f1, %fz : f64
  %4 = graphlet.floordiv %f1, %fz : f64
  %5 = graphlet.mod %f1, %fz : f64
  %6 = graphlet.pow %fz, %fm1 : f64
  %7 = graphlet.log %fm1 : f64
  %8 = graphlet.sqrt %fm1 : f64
  %9 = graphlet.exp %huge : f64
  %10 = graphlet.sin %inf : f64
  %11 = graphlet.add %max, %one : i64
  %12 = graphlet.mul %big, %two : i64
  %13 = graphlet.neg %min : i64
  %14 = graphlet.pow %two, %m1 : i64
  %15 = graphlet.pow %two, %max : i64
  %16 = graphlet.shl %one, %m1 : i64
  %17 = graphlet.shl %one, %max : i64
  %18 = graphlet.cast %nan : f64 to i64
  %19 = graphlet.cast %inf : f64 to i64
  %20 = graphlet.pow %huge, %huge : f64
  %21 = graphlet.log %zero : i64
  %22 = graphlet.pow %fm1, %half : f64
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22 : i64, i64, f64, f64, f64, f64, f64, f64, f64, f64, f64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64
}

// CHECK-LABEL: func.func @no_folds(
// CHECK-NEXT:    %zero = graphlet.constant 0 : i64
// CHECK-NEXT:    %one = graphlet.constant 1 : i64
// CHECK-NEXT:    %two = graphlet.constant 2 : i64
// CHECK-NEXT:    %m1 = graphlet.constant -1 : i64
// CHECK-NEXT:    %big = graphlet.constant 4611686018427387904 : i64
// CHECK-NEXT:    %max = graphlet.constant 9223372036854775807 : i64
// CHECK-NEXT:    %min = graphlet.constant -9223372036854775808 : i64
// CHECK-NEXT:    %fz = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    %fm1 = graphlet.constant -1.000000e+00 : f64
// CHECK-NEXT:    %f1 = graphlet.constant 1.000000e+00 : f64
// CHECK-NEXT:    %huge = graphlet.constant 1.000000e+300 : f64
// CHECK-NEXT:    %half = graphlet.constant 5.000000e-01 : f64
// CHECK-NEXT:    %nan = graphlet.constant 0x7ff8000000000000 : f64
// CHECK-NEXT:    %inf = graphlet.constant 0x7ff0000000000000 : f64
// CHECK-NEXT:    %0 = graphlet.floordiv %one, %zero : i64
// CHECK-NEXT:    %1 = graphlet.mod %one, %zero : i64
// CHECK-NEXT:    %2 = graphlet.truediv %one, %zero : i64
// CHECK-NEXT:    %3 = graphlet.truediv %f1, %fz : f64
// CHECK-NEXT:    %4 = graphlet.floordiv %f1, %fz : f64
// CHECK-NEXT:    %5 = graphlet.mod %f1, %fz : f64
// CHECK-NEXT:    %6 = graphlet.pow %fz, %fm1 : f64
// CHECK-NEXT:    %7 = graphlet.log %fm1 : f64
// CHECK-NEXT:    %8 = graphlet.sqrt %fm1 : f64
// CHECK-NEXT:    %9 = graphlet.exp %huge : f64
// CHECK-NEXT:    %10 = graphlet.sin %inf : f64
// CHECK-NEXT:    %11 = graphlet.add %max, %one : i64
// CHECK-NEXT:    %12 = graphlet.mul %big, %two : i64
// CHECK-NEXT:    %13 = graphlet.neg %min : i64
// CHECK-NEXT:    %14 = graphlet.pow %two, %m1 : i64
// CHECK-NEXT:    %15 = graphlet.pow %two, %max : i64
// CHECK-NEXT:    %16 = graphlet.shl %one, %m1 : i64
// CHECK-NEXT:    %17 = graphlet.shl %one, %max : i64
// CHECK-NEXT:    %18 = graphlet.cast %nan : f64 to i64
// CHECK-NEXT:    %19 = graphlet.cast %inf : f64 to i64
// CHECK-NEXT:    %20 = graphlet.pow %huge, %huge : f64
// CHECK-NEXT:    %21 = graphlet.log %zero : i64
// CHECK-NEXT:    %22 = graphlet.pow %fm1, %half : f64
// CHECK-NEXT:    func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22 : i64, i64, f64, f64, f64, f64, f64, f64, f64, f64, f64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64

// Int identities.
func.func @int_patterns(%a: i64, %b: i64) -> (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) {
  %zero = graphlet.constant 0 : i64
  %one = graphlet.constant 1 : i64
  %three = graphlet.constant 3 : i64
  %0 = graphlet.add %zero, %a : i64
  %1 = graphlet.sub %a, %zero : i64
  %2 = graphlet.sub %a, %a : i64
  %3 = graphlet.mul %a, %one : i64
  %4 = graphlet.mul %zero, %a : i64
  %5 = graphlet.floordiv %a, %one : i64
  %6 = graphlet.mod %a, %one : i64
  %7 = graphlet.pow %a, %one : i64
  %8 = graphlet.pow %a, %zero : i64
  %n = graphlet.neg %a : i64
  %9 = graphlet.neg %n : i64
  %10 = graphlet.abs %n : i64
  %11 = graphlet.and %a, %a : i64
  %12 = graphlet.xor %a, %a : i64
  %13 = graphlet.and %zero, %a : i64
  %14 = graphlet.or %a, %zero : i64
  %15 = graphlet.shl %a, %zero : i64
  %16 = graphlet.shr %a, %zero : i64
  %17 = graphlet.min %three, %a : i64
  %18 = graphlet.max %a, %a : i64
  %19 = graphlet.cast %a : i64 to i64
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19 : i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64
}

// CHECK-LABEL: func.func @int_patterns(
// CHECK-NEXT:    %three = graphlet.constant 3 : i64
// CHECK-NEXT:    %0 = graphlet.constant 0 : i64
// CHECK-NEXT:    %1 = graphlet.constant 0 : i64
// CHECK-NEXT:    %2 = graphlet.constant 0 : i64
// CHECK-NEXT:    %3 = graphlet.constant 1 : i64
// CHECK-NEXT:    %4 = graphlet.abs %a : i64
// CHECK-NEXT:    %5 = graphlet.constant 0 : i64
// CHECK-NEXT:    %6 = graphlet.constant 0 : i64
// CHECK-NEXT:    %7 = graphlet.min %a, %three : i64
// CHECK-NEXT:    func.return %a, %a, %0, %a, %1, %a, %2, %a, %3, %a, %4, %a, %5, %6, %a, %a, %a, %7, %a, %a : i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64

// Float identities and their guards (NaN, -0.0, inf).
func.func @float_patterns(%x: f64) -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
  %pz = graphlet.constant 0.0 : f64
  %nz = graphlet.constant -0.0 : f64
  %one = graphlet.constant 1.0 : f64
  %two = graphlet.constant 2.0 : f64
  %0 = graphlet.add %x, %pz : f64
  %1 = graphlet.add %x, %nz : f64
  %2 = graphlet.sub %x, %pz : f64
  %3 = graphlet.sub %x, %nz : f64
  %4 = graphlet.sub %x, %x : f64
  %5 = graphlet.mul %x, %pz : f64
  %6 = graphlet.mul %one, %x : f64
  %7 = graphlet.truediv %x, %one : f64
  %8 = graphlet.floordiv %x, %one : f64
  %9 = graphlet.mod %x, %one : f64
  %10 = graphlet.pow %x, %one : f64
  %11 = graphlet.pow %x, %nz : f64
  %12 = graphlet.min %two, %x : f64
  %13 = graphlet.max %two, %x : f64
  %14 = graphlet.min %x, %x : f64
  %15 = graphlet.add %nz, %x : f64
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15 : f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64
}

// CHECK-LABEL: func.func @float_patterns(
// CHECK-NEXT:    %pz = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    %nz = graphlet.constant -0.000000e+00 : f64
// CHECK-NEXT:    %one = graphlet.constant 1.000000e+00 : f64
// CHECK-NEXT:    %two = graphlet.constant 2.000000e+00 : f64
// CHECK-NEXT:    %0 = graphlet.add %x, %pz : f64
// CHECK-NEXT:    %1 = graphlet.sub %x, %nz : f64
// CHECK-NEXT:    %2 = graphlet.sub %x, %x : f64
// CHECK-NEXT:    %3 = graphlet.mul %x, %pz : f64
// CHECK-NEXT:    %4 = graphlet.floordiv %x, %one : f64
// CHECK-NEXT:    %5 = graphlet.mod %x, %one : f64
// CHECK-NEXT:    %6 = graphlet.constant 1.000000e+00 : f64
// CHECK-NEXT:    %7 = graphlet.min %two, %x : f64
// CHECK-NEXT:    %8 = graphlet.max %two, %x : f64
// CHECK-NEXT:    func.return %0, %x, %x, %1, %2, %3, %x, %x, %4, %5, %x, %6, %7, %8, %x, %x : f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64

// Comparisons, select and casts.
func.func @cmp_select_cast(%a: i64, %x: f64, %p: i1, %q: i1) -> (i1, i1, i1, i1, i1, f64, f64, f64, i1, i1, i1, i1) {
  %one = graphlet.constant 1 : i64
  %t = graphlet.constant true
  %y = graphlet.constant 2.5 : f64
  %0 = graphlet.cmp lt, %one, %a : i64
  %1 = graphlet.cmp le, %a, %a : i64
  %2 = graphlet.cmp ne, %a, %a : i64
  %3 = graphlet.cmp eq, %x, %x : f64
  %4 = graphlet.cmp ge, %y, %x : f64
  %5 = graphlet.select %t, %x, %y : f64
  %6 = graphlet.select %p, %x, %x : f64
  %7 = graphlet.select %p, %x, %y : f64
  %i = graphlet.cast %p : i1 to i64
  %8 = graphlet.cast %i : i64 to i1
  %f = graphlet.cast %p : i1 to f64
  %9 = graphlet.cast %f : f64 to i1
  %10 = graphlet.and %p, %p : i1
  %11 = graphlet.xor %q, %q : i1
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11 : i1, i1, i1, i1, i1, f64, f64, f64, i1, i1, i1, i1
}

// CHECK-LABEL: func.func @cmp_select_cast(
// CHECK-NEXT:    %one = graphlet.constant 1 : i64
// CHECK-NEXT:    %y = graphlet.constant 2.500000e+00 : f64
// CHECK-NEXT:    %0 = graphlet.cmp gt, %a, %one : i64
// CHECK-NEXT:    %1 = graphlet.constant true
// CHECK-NEXT:    %2 = graphlet.constant false
// CHECK-NEXT:    %3 = graphlet.cmp eq, %x, %x : f64
// CHECK-NEXT:    %4 = graphlet.cmp le, %x, %y : f64
// CHECK-NEXT:    %5 = graphlet.select %p, %x, %y : f64
// CHECK-NEXT:    %6 = graphlet.constant false
// CHECK-NEXT:    func.return %0, %1, %2, %3, %4, %x, %x, %5, %p, %p, %p, %6 : i1, i1, i1, i1, i1, f64, f64, f64, i1, i1, i1, i1

// Table entries the functions above do not reach: bool and int bitwise identities,
// `x ** 0.0`, `max(x, x)` on floats.
func.func @more_rules(%a: i64, %x: f64, %p: i1) -> (i64, i64, i1, i1, i1, i1, f64, f64) {
  %zero = graphlet.constant 0 : i64
  %f = graphlet.constant false
  %pz = graphlet.constant 0.0 : f64
  %0 = graphlet.xor %a, %zero : i64
  %1 = graphlet.or %a, %a : i64
  %2 = graphlet.or %p, %f : i1
  %3 = graphlet.xor %f, %p : i1
  %4 = graphlet.and %p, %f : i1
  %5 = graphlet.or %p, %p : i1
  %6 = graphlet.pow %x, %pz : f64
  %7 = graphlet.max %x, %x : f64
  func.return %0, %1, %2, %3, %4, %5, %6, %7 : i64, i64, i1, i1, i1, i1, f64, f64
}

// CHECK-LABEL: func.func @more_rules(
// CHECK-NEXT:    %0 = graphlet.constant false
// CHECK-NEXT:    %1 = graphlet.constant 1.000000e+00 : f64
// CHECK-NEXT:    func.return %a, %a, %p, %p, %0, %p, %1, %x : i64, i64, i1, i1, i1, i1, f64, f64
