// RUN: graphlet-opt %s -p expand-math-approximations | filecheck %s

// Inside a linalg.generic body (a tensor kernel), exp becomes a clamp (selects
// on ordered compares keep NaN), the Cody-Waite reduction by ln 2 (the 1.5 2^23
// shift rounds x/ln2 to an integer held in the low bits), an fma polynomial and
// 2^k built from bits in two halves (denormal results, overflow to inf): no
// call is left to block vectorisation.
// CHECK-LABEL: func.func @exp
func.func @exp(%x: memref<16xf32>, %y: memref<16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : memref<16xf32>) outs(%y : memref<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  func.return
}
// CHECK-NOT:  math.exp
// CHECK:      %[[HI:.*]] = arith.constant 8.900000e+01 : f32
// CHECK-NEXT: %[[ABOVE:.*]] = arith.cmpf ogt, %a, %[[HI]] : f32
// CHECK-NEXT: %[[X1:.*]] = arith.select %[[ABOVE]], %[[HI]], %a : f32
// CHECK-NEXT: %[[LO:.*]] = arith.constant -1.040000e+02 : f32
// CHECK-NEXT: %[[BELOW:.*]] = arith.cmpf olt, %[[X1]], %[[LO]] : f32
// CHECK-NEXT: %[[X:.*]] = arith.select %[[BELOW]], %[[LO]], %[[X1]] : f32
// CHECK-NEXT: %[[MAGIC:.*]] = arith.constant 0x4B400000 : f32
// CHECK:      %[[SHIFTED:.*]] = arith.addf %{{.*}}, %[[MAGIC]] : f32
// CHECK:      %[[K:.*]] = arith.subi %{{.*}}, %{{.*}} : i32
// CHECK:      %[[ONEF:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:      math.fma
// CHECK:      %[[Y:.*]] = arith.addf %[[ONEF]], %{{.*}} : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[HALF:.*]] = arith.shrsi %[[K]], %[[ONE]] : i32
// CHECK-NEXT: %[[REST:.*]] = arith.subi %[[K]], %[[HALF]] : i32
// CHECK:      %[[BITS1:.*]] = arith.shli %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[TWO1:.*]] = arith.bitcast %[[BITS1]] : i32 to f32
// CHECK-NEXT: %[[SCALED:.*]] = arith.mulf %[[Y]], %[[TWO1]] : f32
// CHECK:      %[[BITS2:.*]] = arith.shli %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[TWO2:.*]] = arith.bitcast %[[BITS2]] : i32 to f32
// CHECK-NEXT: %[[E:.*]] = arith.mulf %[[SCALED]], %[[TWO2]] : f32
// CHECK-NEXT: linalg.yield %[[E]] : f32

// log, log1p, expm1, tanh and erf (f32 and f64) are expanded the same way; log's
// special values are selects: +inf at +inf, -inf at 0, NaN below 0 or for NaN.
// CHECK-LABEL: func.func @others
func.func @others(%x: memref<4xf64>, %y: memref<4xf64>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : memref<4xf64>) outs(%y : memref<4xf64>) {
  ^bb0(%a: f64, %b: f64):
    %0 = math.log %a : f64
    %1 = math.log1p %0 : f64
    %2 = math.expm1 %1 : f64
    %3 = math.tanh %2 : f64
    %4 = math.erf %3 : f64
    linalg.yield %4 : f64
  }
  func.return
}
// CHECK-NOT:  math.log
// CHECK:      arith.bitcast %{{.*}} : f64 to i64
// CHECK:      %[[INF:.*]] = arith.constant 0x7ff0000000000000 : f64
// CHECK-NEXT: %[[ISINF:.*]] = arith.cmpf oeq, %a, %[[INF]] : f64
// CHECK-NEXT: %{{.*}} = arith.select %[[ISINF]], %[[INF]], %{{.*}} : f64
// CHECK:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT: %[[POLE:.*]] = arith.cmpf oeq, %a, %[[ZERO]] : f64
// CHECK:      arith.cmpf ult, %a, %{{.*}} : f64
// CHECK-NOT:  math.log1p
// CHECK-NOT:  math.expm1
// CHECK-NOT:  math.tanh
// CHECK-NOT:  math.erf
// CHECK:      linalg.yield

// Outside tensor kernels (scalar code keeps Python's libm results) and on other
// types, math ops stay for convert-math-to-llvm.
// CHECK-LABEL: func.func @scalar
func.func @scalar(%x: f32, %v: memref<4xf16>, %w: memref<4xf16>) -> f32 {
  %e = math.exp %x : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%v : memref<4xf16>) outs(%w : memref<4xf16>) {
  ^bb0(%a: f16, %b: f16):
    %t = math.tanh %a : f16
    linalg.yield %t : f16
  }
  func.return %e : f32
}
// CHECK-NEXT: %{{.*}} = math.exp %x : f32
// CHECK:      math.tanh %a : f16
