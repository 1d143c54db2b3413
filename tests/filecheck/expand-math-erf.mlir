// RUN: graphlet-opt %s -p expand-math-erf | filecheck %s

// erf becomes fma polynomials, a bit-built exp and selects: no call left to block
// vectorisation. |x| >= 1 takes the exp branch, |x| >= HI is +-1, NaN the first branch.
// CHECK-LABEL: func.func @erf
func.func @erf(%x: f32, %y: f64) -> (f32, f64) {
  %0 = math.erf %x : f32
  %1 = math.erf %y : f64
  func.return %0, %1 : f32, f64
}
// CHECK-NOT:  math.erf
// CHECK:      math.fma
// CHECK:      arith.bitcast %{{.*}} : f32 to i32
// CHECK:      arith.shli
// CHECK:      arith.cmpf oge, %{{.*}}, %{{.*}} : f32
// CHECK:      math.copysign
// CHECK:      %[[R:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:      arith.bitcast %{{.*}} : f64 to i64
// CHECK:      math.copysign
// CHECK:      %[[S:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f64
// CHECK-NEXT: func.return %[[R]], %[[S]] : f32, f64

// Other types are left to libm.
// CHECK-LABEL: func.func @vector
func.func @vector(%v: f16) -> f16 {
  %0 = math.erf %v : f16
  func.return %0 : f16
}
// CHECK: math.erf
