// Python's exceptions, exactly as CPython words them, from native code and the interpreter.
// RUN: not graphlet-run %s --entry divide --args 7 0 2>&1 | filecheck %s --check-prefix=ZDIV
// RUN: not graphlet-run %s --entry divide --args 7 0 --interpret 2>&1 | filecheck %s --check-prefix=ZDIV
// ZDIV: ZeroDivisionError: integer division or modulo by zero
// RUN: not graphlet-run %s --entry root --args -1.0 2>&1 | filecheck %s --check-prefix=DOMAIN
// DOMAIN: ValueError: math domain error
// RUN: not graphlet-run %s --entry to_int --args inf 2>&1 | filecheck %s --check-prefix=INF
// INF: OverflowError: cannot convert float infinity to integer
// RUN: not graphlet-run %s --entry to_int --args nan 2>&1 | filecheck %s --check-prefix=NAN
// NAN: ValueError: cannot convert float NaN to integer
// RUN: not graphlet-run %s --entry power --args 0.0 -1.0 2>&1 | filecheck %s --check-prefix=POW0
// POW0: ZeroDivisionError: 0.0 cannot be raised to a negative power
// RUN: not graphlet-run %s --entry shift --args 1 -1 2>&1 | filecheck %s --check-prefix=SHIFT
// SHIFT: ValueError: negative shift count
// Results past 64 bits come back as Python's ints, floats past i64 as Python's ints:
// RUN: graphlet-run %s --entry divide --args -9223372036854775808 -1 | filecheck %s --check-prefix=BIG
// BIG: 9223372036854775808
// RUN: graphlet-run %s --entry to_int --args 1e20 | filecheck %s --check-prefix=BIGF
// BIGF: 100000000000000000000
// Usage errors: a clear message and a non-zero exit, no traceback.
// RUN: not graphlet-run %s --entry nope --args 1 2>&1 | filecheck %s --check-prefix=ENTRY
// ENTRY: error: no function @nope in {{.*}}errors.mlir (functions: @divide, @root, @to_int, @power, @shift)
// RUN: not graphlet-run %s --entry divide --args 1 x 2>&1 | filecheck %s --check-prefix=ARG
// ARG: error: @divide argument 2 (i64) must be an int, got 'x'
// ARG-NOT: Traceback
// RUN: not graphlet-run %s --entry divide --args 1 2>&1 | filecheck %s --check-prefix=COUNT
// COUNT: error: @divide takes 2 argument(s), 1 given with --args

func.func @divide(%a: i64, %b: i64) -> i64 {
  %q = graphlet.floordiv %a, %b : i64
  func.return %q : i64
}
func.func @root(%x: f64) -> f64 {
  %r = graphlet.sqrt %x : f64
  func.return %r : f64
}
func.func @to_int(%x: f64) -> i64 {
  %r = graphlet.cast %x : f64 to i64
  func.return %r : i64
}
func.func @power(%x: f64, %y: f64) -> f64 {
  %r = graphlet.pow %x, %y : f64
  func.return %r : f64
}
func.func @shift(%a: i64, %n: i64) -> i64 {
  %r = graphlet.shl %a, %n : i64
  func.return %r : i64
}
