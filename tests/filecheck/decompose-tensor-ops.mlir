// RUN: graphlet-opt %s -p decompose-tensor-ops | filecheck %s

// softmax = exp(x - amax) / sum, log_softmax = (x - amax) - log(sum(exp(x - amax))).
// CHECK-LABEL: func.func @softmax
func.func @softmax(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %s = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %l = graphlet.log_softmax %x {dim = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %s, %l : tensor<2x3xf32>, tensor<2x3xf32>
}
// CHECK:      %[[M:.*]] = graphlet.amax %x {dims = array<i64: 1>, keepdim} : (tensor<2x3xf32>) -> tensor<2x1xf32>
// CHECK-NEXT: %[[D:.*]] = graphlet.sub %x, %[[M]]
// CHECK-NEXT: %[[E:.*]] = graphlet.exp %[[D]]
// CHECK-NEXT: %[[S:.*]] = graphlet.sum %[[E]] {dims = array<i64: 1>, keepdim}
// CHECK-NEXT: %{{.*}} = graphlet.truediv %[[E]], %[[S]]
// CHECK:      graphlet.amax %x {dims = array<i64: 0>, keepdim}
// CHECK:      %[[LS:.*]] = graphlet.log
// CHECK-NEXT: graphlet.sub %{{.*}}, %[[LS]]

// mean = sum / n; layer_norm = (x - mean) / sqrt(biased var + eps) * w + b.
// CHECK-LABEL: func.func @normalize
func.func @normalize(%x: tensor<2x4xf64>, %w: tensor<4xf64>, %b: tensor<4xf64>) -> (tensor<2xf64>, tensor<2x4xf64>) {
  %m = graphlet.mean %x {dims = array<i64: 1>} : (tensor<2x4xf64>) -> tensor<2xf64>
  %y = graphlet.layer_norm %x, %w, %b {normalized_ndim = 1 : i64, eps = 1.0e-05 : f64} : (tensor<2x4xf64>, tensor<4xf64>, tensor<4xf64>) -> tensor<2x4xf64>
  func.return %m, %y : tensor<2xf64>, tensor<2x4xf64>
}
// CHECK:      %[[SUM:.*]] = graphlet.sum %x {dims = array<i64: 1>}
// CHECK-NEXT: %[[N:.*]] = graphlet.constant dense<4.000000e+00> : tensor<f64>
// CHECK-NEXT: graphlet.truediv %[[SUM]], %[[N]]
// CHECK:      %[[C:.*]] = graphlet.sub %x, %{{.*}}
// CHECK-NEXT: %[[SQ:.*]] = graphlet.mul %[[C]], %[[C]]
// CHECK:      %[[EPS:.*]] = graphlet.constant dense<1.000000e-05> : tensor<f64>
// CHECK-NEXT: %[[VE:.*]] = graphlet.add %{{.*}}, %[[EPS]]
// CHECK-NEXT: %[[STD:.*]] = graphlet.sqrt %[[VE]]
// CHECK-NEXT: %[[NORM:.*]] = graphlet.truediv %[[C]], %[[STD]]
// CHECK-NEXT: %[[SCALED:.*]] = graphlet.mul %[[NORM]], %w
// CHECK-NEXT: graphlet.add %[[SCALED]], %b
