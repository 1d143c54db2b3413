// RUN: graphlet-opt %s -p convert-graphlet-to-linalg | filecheck %s

// Broadcasting lives in the indexing maps; a splat constant moves into the body.
// CHECK-LABEL: func.func @chain
func.func @chain(%a: tensor<4x3xf64>, %b: tensor<3xf64>, %c: tensor<4x1xf64>) -> tensor<4x3xf64> {
  %m = graphlet.mul %a, %b : tensor<4x3xf64>, tensor<3xf64>
  %s = graphlet.add %m, %c : tensor<4x3xf64>, tensor<4x1xf64>
  %h = graphlet.constant dense<0.5> : tensor<f64>
  %o = graphlet.mul %s, %h : tensor<4x3xf64>, tensor<f64>
  func.return %o : tensor<4x3xf64>
}
// CHECK:      %{{.*}} = tensor.empty() : tensor<4x3xf64>
// CHECK-NEXT: %{{.*}} = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<4x3xf64>, tensor<3xf64>)
// CHECK:        arith.mulf
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:        arith.addf
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK-NEXT:   ^bb0(%{{.*}}: f64, %{{.*}}: f64):
// CHECK-NEXT:     %[[H:.*]] = arith.constant 5.000000e-01 : f64
// CHECK-NEXT:     %{{.*}} = arith.mulf %{{.*}}, %[[H]] : f64

// relu keeps NaN (maximumf); sigmoid is 1 / (1 + exp(-x)).
// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %r = graphlet.relu %x : tensor<8xf32>
  %s = graphlet.sigmoid %x : (tensor<8xf32>) -> tensor<8xf32>
  func.return %r, %s : tensor<8xf32>, tensor<8xf32>
}
// CHECK:      arith.constant 0.000000e+00 : f32
// CHECK-NEXT: arith.maximumf
// CHECK:      arith.negf
// CHECK-NEXT: math.exp
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.divf

// Integer tensors and non-elementwise ops are left for other lowerings.
// CHECK-LABEL: func.func @untouched
func.func @untouched(%i: tensor<3xi64>, %x: tensor<2x3xf32>) -> (tensor<3xi64>, tensor<2xf32>) {
  %0 = graphlet.add %i, %i : tensor<3xi64>
  %1 = graphlet.sum %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  func.return %0, %1 : tensor<3xi64>, tensor<2xf32>
}
// CHECK-NEXT: graphlet.add %i, %i : tensor<3xi64>
// CHECK-NEXT: graphlet.sum
