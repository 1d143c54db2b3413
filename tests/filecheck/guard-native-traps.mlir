// RUN: graphlet-opt %s -p guard-native-traps | filecheck %s
// RUN: graphlet-opt %s -p lower-to-llvm -t llvm | filecheck %s --check-prefix=LLVM
// What native code traps on gets a guard; graphlet-run then prints Python's exception:
// RUN: not graphlet-run %s --entry div --args 7 0 2>&1 | filecheck %s --check-prefix=ZDIV
// RUN: not graphlet-run %s --entry rem --args 7 0 2>&1 | filecheck %s --check-prefix=ZDIV
// RUN: not graphlet-run %s --entry udiv --args 7 0 2>&1 | filecheck %s --check-prefix=ZDIV
// ZDIV: ZeroDivisionError: integer division or modulo by zero
// RUN: not graphlet-run %s --entry div --args -9223372036854775808 -1 2>&1 | filecheck %s --check-prefix=OVF
// OVF: OverflowError: arith.divsi: 9223372036854775808 does not fit i64
// RUN: graphlet-run %s --entry rem --args -9223372036854775808 -1 | filecheck %s --check-prefix=REM
// REM: 0
// RUN: not graphlet-run %s --entry check --args 0 2>&1 | filecheck %s --check-prefix=ASSERT
// ASSERT: AssertionError: a must hold
// RUN: graphlet-run %s --entry check --args 1 | filecheck %s --check-prefix=HOLDS
// HOLDS: 7
// RUN: not graphlet-run %s --entry conv --args 1e300 2>&1 | filecheck %s --check-prefix=CONV
// CONV: OverflowError: arith.fptosi: 1e+300 does not fit i64
// RUN: graphlet-run %s --entry conv --args -2.5 | filecheck %s --check-prefix=CONVOK
// CONVOK: -2

func.func @div(%a: i64, %b: i64) -> i64 {
  %q = arith.divsi %a, %b : i64
  func.return %q : i64
}
// CHECK-LABEL: func.func @div
// CHECK-NEXT:    %0 = arith.constant 0 : i64
// CHECK-NEXT:    %1 = arith.cmpi ne, %b, %0 : i64
// CHECK-NEXT:    pyrt.guard %1, "ZeroDivisionError"
// CHECK-NEXT:    %2 = arith.constant -9223372036854775808 : i64
// CHECK-NEXT:    %3 = arith.constant -1 : i64
// CHECK-NEXT:    %4 = arith.cmpi eq, %a, %2 : i64
// CHECK-NEXT:    %5 = arith.cmpi eq, %b, %3 : i64
// CHECK-NEXT:    %6 = arith.andi %4, %5 : i1
// CHECK-NEXT:    %7 = arith.constant true
// CHECK-NEXT:    %8 = arith.xori %6, %7 : i1
// CHECK-NEXT:    pyrt.guard %8, "HandBack"
// CHECK-NEXT:    %q = arith.divsi %a, %b : i64

func.func @rem(%a: i64, %b: i64) -> i64 {
  %q = arith.remsi %a, %b : i64
  func.return %q : i64
}
// CHECK-LABEL: func.func @rem
// CHECK:         pyrt.guard %{{.*}}, "ZeroDivisionError"
// CHECK:         pyrt.guard %{{.*}}, "HandBack"
// CHECK-NEXT:    %q = arith.remsi %a, %b : i64

func.func @udiv(%a: i64, %b: i64) -> i64 {
  %q = arith.divui %a, %b : i64
  func.return %q : i64
}
// CHECK-LABEL: func.func @udiv
// CHECK:         pyrt.guard %1, "ZeroDivisionError"
// CHECK-NEXT:    %q = arith.divui %a, %b : i64

func.func private @vector_div(%a: vector<2xi64>, %b: vector<2xi64>) -> vector<2xi64> {
  %q = arith.divsi %a, %b : vector<2xi64>
  func.return %q : vector<2xi64>
}
// CHECK-LABEL: func.func private @vector_div
// CHECK-NEXT:    %q = arith.divsi %a, %b : vector<2xi64>

func.func @check(%a: i1) -> i64 {
  cf.assert %a, "a must hold"
  %z = arith.constant 7 : i64
  func.return %z : i64
}
// CHECK-LABEL: func.func @check
// CHECK-NEXT:    pyrt.guard %a, "HandBack"

func.func @conv(%x: f64) -> i64 {
  %r = arith.fptosi %x : f64 to i64
  func.return %r : i64
}
// CHECK-LABEL: func.func @conv
// CHECK-NEXT:    %0 = arith.constant -9.2233720368547758e+18 : f64
// CHECK-NEXT:    %1 = arith.constant 9.2233720368547758e+18 : f64
// CHECK-NEXT:    %2 = arith.cmpf oge, %x, %0 : f64
// CHECK-NEXT:    %3 = arith.cmpf olt, %x, %1 : f64
// CHECK-NEXT:    %4 = arith.andi %2, %3 : i1
// CHECK-NEXT:    pyrt.guard %4, "HandBack"

// No abort() left: a failed assert returns a status.
// LLVM-NOT: abort
// LLVM: define {{.*}} @"check"
