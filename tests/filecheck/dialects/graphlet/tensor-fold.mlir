// RUN: graphlet-opt %s -p canonicalize | filecheck %s

// Constant tensors fold with NumPy, in the element type's precision.
// CHECK-LABEL: func.func @fold
func.func @fold() -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2x3xi1>, tensor<2xf32>) {
  %a = graphlet.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = graphlet.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = graphlet.add %a, %b : tensor<2x2xf32>, tensor<2xf32>
  %t = graphlet.transpose %0 {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = graphlet.sum %a {dims = array<i64: 0>} : (tensor<2x2xf32>) -> tensor<2xf32>
  %i = graphlet.constant dense<[1, 5, 3]> : tensor<3xi64>
  %j = graphlet.constant dense<[[2], [4]]> : tensor<2x1xi64>
  %c = graphlet.cmp lt, %i, %j : tensor<3xi64>, tensor<2x1xi64>
  %third = graphlet.constant dense<3.0> : tensor<f32>
  %one = graphlet.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %d = graphlet.truediv %one, %third : tensor<2xf32>, tensor<f32>
  func.return %t, %s, %c, %d : tensor<2x2xf32>, tensor<2xf32>, tensor<2x3xi1>, tensor<2xf32>
}
// CHECK-NEXT: %{{.*}} = graphlet.constant dense<{{\[\[}}1.100000e+01, 1.300000e+01], [2.200000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: %{{.*}} = graphlet.constant dense<[4.000000e+00, 6.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %{{.*}} = graphlet.constant dense<{{\[\[}}true, false, false], [true, false, true]]> : tensor<2x3xi1>
// CHECK-NEXT: %{{.*}} = graphlet.constant dense<[0.333333343, 0.666666687]> : tensor<2xf32>
// CHECK-NEXT: func.return

// Scalar canonicalizations do not apply to tensors: `x * 1` broadcasts x to 2x3 here.
// CHECK-LABEL: func.func @no_scalar_patterns
func.func @no_scalar_patterns(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %one = graphlet.constant dense<1.0> : tensor<2x3xf32>
  %0 = graphlet.mul %x, %one : tensor<3xf32>, tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}
// CHECK: graphlet.mul %x, %{{.*}} : tensor<3xf32>, tensor<2x3xf32>
