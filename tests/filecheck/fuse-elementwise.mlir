// RUN: graphlet-opt %s -p convert-graphlet-to-linalg,fuse-elementwise,dce | filecheck %s

// relu(a*b+c)*0.5 becomes one loop nest reading a, b (broadcast) and c directly.
// CHECK-LABEL: func.func @chain
func.func @chain(%a: tensor<4x3xf64>, %b: tensor<3xf64>, %c: tensor<4x3xf64>) -> tensor<4x3xf64> {
  %m = graphlet.mul %a, %b : tensor<4x3xf64>, tensor<3xf64>
  %s = graphlet.add %m, %c : tensor<4x3xf64>
  %r = graphlet.relu %s : tensor<4x3xf64>
  %h = graphlet.constant dense<0.5> : tensor<f64>
  %o = graphlet.mul %r, %h : tensor<4x3xf64>, tensor<f64>
  func.return %o : tensor<4x3xf64>
}
// CHECK-NEXT: %{{.*}} = tensor.empty() : tensor<4x3xf64>
// CHECK-NEXT: %{{.*}} = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b, %c : tensor<4x3xf64>, tensor<3xf64>, tensor<4x3xf64>) outs(%{{.*}} : tensor<4x3xf64>) {
// CHECK-NEXT: ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64, %[[C:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:   %[[M:.*]] = arith.mulf %[[A]], %[[B]] : f64
// CHECK-NEXT:   %[[S:.*]] = arith.addf %[[M]], %[[C]] : f64
// CHECK-NEXT:   %[[Z:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:   %[[R:.*]] = arith.maximumf %[[S]], %[[Z]] : f64
// CHECK-NEXT:   %[[H:.*]] = arith.constant 5.000000e-01 : f64
// CHECK-NEXT:   %[[O:.*]] = arith.mulf %[[R]], %[[H]] : f64
// CHECK-NEXT:   linalg.yield %[[O]] : f64
// CHECK-NEXT: } -> tensor<4x3xf64>
// CHECK-NEXT: func.return

// A producer with two users stays a separate loop (no recomputation).
// CHECK-LABEL: func.func @shared
func.func @shared(%a: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = graphlet.exp %a : tensor<8xf32>
  %n = graphlet.neg %e : tensor<8xf32>
  %t = graphlet.tanh %e : tensor<8xf32>
  func.return %n, %t : tensor<8xf32>, tensor<8xf32>
}
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     linalg.generic
