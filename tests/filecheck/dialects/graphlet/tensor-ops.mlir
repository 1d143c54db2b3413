// RUN: GRAPHLET_ROUNDTRIP
// RUN: GRAPHLET_GENERIC_ROUNDTRIP

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<2x3xi64>, %c: tensor<2x3xi1>, %s: tensor<f32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: %0 = graphlet.add %a, %b : tensor<2x3xf32>, tensor<3xf32>
  %0 = graphlet.add %a, %b : tensor<2x3xf32>, tensor<3xf32>
  // CHECK-NEXT: %1 = graphlet.mul %a, %s : tensor<2x3xf32>, tensor<f32>
  %1 = graphlet.mul %a, %s : tensor<2x3xf32>, tensor<f32>
  // CHECK-NEXT: %2 = graphlet.truediv %i, %i : tensor<2x3xi64>
  %2 = graphlet.truediv %i, %i : tensor<2x3xi64>
  // CHECK-NEXT: %3 = graphlet.cmp gt, %a, %b : tensor<2x3xf32>, tensor<3xf32>
  %3 = graphlet.cmp gt, %a, %b : tensor<2x3xf32>, tensor<3xf32>
  // CHECK-NEXT: %4 = graphlet.select %c, %a, %b : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>
  %4 = graphlet.select %c, %a, %b : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>
  // CHECK-NEXT: %5 = graphlet.select %c, %a, %a : tensor<2x3xf32>
  %5 = graphlet.select %c, %a, %a : tensor<2x3xf32>
  // CHECK-NEXT: %6 = graphlet.cast %i : tensor<2x3xi64> to tensor<2x3xf32>
  %6 = graphlet.cast %i : tensor<2x3xi64> to tensor<2x3xf32>
  // CHECK-NEXT: %7 = graphlet.exp %i : tensor<2x3xi64>
  %7 = graphlet.exp %i : tensor<2x3xi64>
  // CHECK-NEXT: %8 = graphlet.relu %a : tensor<2x3xf32>
  %8 = graphlet.relu %a : tensor<2x3xf32>
  // CHECK-NEXT: %9 = graphlet.and %c, %c : tensor<2x3xi1>
  %9 = graphlet.and %c, %c : tensor<2x3xi1>
  // CHECK-NEXT: func.return %0 : tensor<2x3xf32>
  func.return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2xf32>, tensor<2x2xi64>, tensor<2xi1>, tensor<f64>) {
  // CHECK-NEXT: %0 = graphlet.constant dense<[1.000000e+00, 2.500000e+00]> : tensor<2xf32>
  %0 = graphlet.constant dense<[1.0, 2.5]> : tensor<2xf32>
  // CHECK-NEXT: %1 = graphlet.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>
  %1 = graphlet.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  // CHECK-NEXT: %2 = graphlet.constant dense<[true, false]> : tensor<2xi1>
  %2 = graphlet.constant dense<[true, false]> : tensor<2xi1>
  // CHECK-NEXT: %3 = graphlet.constant dense<5.000000e-01> : tensor<f64>
  %3 = graphlet.constant dense<0.5> : tensor<f64>
  func.return %0, %1, %2, %3 : tensor<2xf32>, tensor<2x2xi64>, tensor<2xi1>, tensor<f64>
}

// CHECK-LABEL: func.func @tensor_ops
func.func @tensor_ops(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>, %q: tensor<5x2x3xf32>, %ln: tensor<3xf32>) -> tensor<2x4xf32> {
  // CHECK-NEXT: %0 = graphlet.linear %x, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %0 = graphlet.linear %x, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  // CHECK-NEXT: %1 = graphlet.linear %x, %w : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  %1 = graphlet.linear %x, %w : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  // CHECK-NEXT: %2 = graphlet.transpose %w {perm = array<i64: 1, 0>} : (tensor<4x3xf32>) -> tensor<3x4xf32>
  %2 = graphlet.transpose %w {perm = array<i64: 1, 0>} : (tensor<4x3xf32>) -> tensor<3x4xf32>
  // CHECK-NEXT: %3 = graphlet.matmul %x, %2 : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %3 = graphlet.matmul %x, %2 : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  // CHECK-NEXT: %4 = graphlet.matmul %q, %2 : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
  %4 = graphlet.matmul %q, %2 : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
  // CHECK-NEXT: %5 = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %5 = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  // CHECK-NEXT: %6 = graphlet.expand %b : (tensor<4xf32>) -> tensor<2x4xf32>
  %6 = graphlet.expand %b : (tensor<4xf32>) -> tensor<2x4xf32>
  // CHECK-NEXT: %7 = graphlet.sum %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %7 = graphlet.sum %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  // CHECK-NEXT: %8 = graphlet.mean %x {dims = array<i64: 0, 1>, keepdim} : (tensor<2x3xf32>) -> tensor<1x1xf32>
  %8 = graphlet.mean %x {dims = array<i64: 0, 1>, keepdim} : (tensor<2x3xf32>) -> tensor<1x1xf32>
  // CHECK-NEXT: %9 = graphlet.amax %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>
  %9 = graphlet.amax %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>
  // CHECK-NEXT: %10 = graphlet.amin %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>
  %10 = graphlet.amin %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>
  // CHECK-NEXT: %11 = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: %12 = graphlet.log_softmax %x {dim = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %12 = graphlet.log_softmax %x {dim = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: %13 = graphlet.layer_norm %x, %ln, %ln {normalized_ndim = 1 : i64, eps = 1.000000e-05 : f64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %13 = graphlet.layer_norm %x, %ln, %ln {normalized_ndim = 1 : i64, eps = 1.0e-05 : f64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: %14 = graphlet.gelu %x {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %14 = graphlet.gelu %x {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: %15 = graphlet.sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %15 = graphlet.sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: %16 = graphlet.cat %x, %x {dim = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %16 = graphlet.cat %x, %x {dim = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // CHECK-NEXT: %17 = graphlet.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 2, 3>, steps = array<i64: 1, 2>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %17 = graphlet.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 2, 3>, steps = array<i64: 1, 2>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  // CHECK-NEXT: %18 = graphlet.prod %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %18 = graphlet.prod %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  // CHECK-NEXT: %19 = graphlet.tan %x : tensor<2x3xf32>
  %19 = graphlet.tan %x : tensor<2x3xf32>
  // CHECK-NEXT: %20 = graphlet.rint %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %20 = graphlet.rint %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: %21 = graphlet.log1p %x : tensor<2x3xf32>
  %21 = graphlet.log1p %x : tensor<2x3xf32>
  // CHECK-NEXT: %22 = graphlet.atanh %x : tensor<2x3xf32>
  %22 = graphlet.atanh %x : tensor<2x3xf32>
  // CHECK-NEXT: func.return %0 : tensor<2x4xf32>
  func.return %0 : tensor<2x4xf32>
}
