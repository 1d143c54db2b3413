// RUN: graphlet-opt %s --parsing-diagnostics --verify-diagnostics --split-input-file | filecheck %s

func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  %0 = graphlet.add %a, %b : tensor<2x3xf32>, tensor<4xf32>
  func.return
}
// CHECK: 'graphlet.add' operand shapes 2x3 and 4 do not broadcast (dimension -1: 3 vs 4)

// -----

func.func @mixed_elements(%a: tensor<3xf32>, %b: tensor<3xf64>) {
  %0 = graphlet.mul %a, %b : tensor<3xf32>, tensor<3xf64>
  func.return
}
// CHECK: 'graphlet.mul' operands must have the same element type, got f32 and f64 (insert a graphlet.cast)

// -----

func.func @scalar_and_tensor(%a: tensor<3xf64>, %b: f64) {
  %0 = "graphlet.add"(%a, %b) : (tensor<3xf64>, f64) -> tensor<3xf64>
  func.return
}
// CHECK: 'graphlet.add' cannot mix scalar and tensor operands, got tensor<3xf64> and f64 (use a 0-d tensor)

// -----

func.func @bool_arith(%a: tensor<3xi1>) {
  %0 = graphlet.add %a, %a : tensor<3xi1>
  func.return
}
// CHECK: 'graphlet.add' operand of type tensor<3xi1> does not have elements of type f32, f64, i64

// -----

func.func @wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  %0 = "graphlet.add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  func.return
}
// CHECK: 'graphlet.add' result type must be tensor<2x3xf32> for tensor<2x3xf32> operands, got tensor<3xf32>

// -----

func.func @matmul_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %0 = graphlet.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  func.return
}
// CHECK: 'graphlet.matmul' contracted dimensions differ: 2x3 @ 4x5 (3 vs 4)

// -----

func.func @matmul_result(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  %0 = graphlet.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'graphlet.matmul' result type must be tensor<2x5xf32>, got tensor<2x3xf32>

// -----

func.func @linear_features(%x: tensor<2x3xf32>, %w: tensor<4x5xf32>) {
  %0 = graphlet.linear %x, %w : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  func.return
}
// CHECK: 'graphlet.linear' input features 2x3 do not match weight 4x5 (in = 5)

// -----

func.func @bad_perm(%x: tensor<2x3xf32>) {
  %0 = graphlet.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  func.return
}
// CHECK: 'graphlet.transpose' perm [0, 0] is not a permutation of the 2 dimensions

// -----

func.func @bad_reshape(%x: tensor<2x3xf32>) {
  %0 = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<5xf32>
  func.return
}
// CHECK: 'graphlet.reshape' cannot reshape 2x3 (6 elements) to 5 (5 elements)

// -----

func.func @bad_expand(%x: tensor<2x3xf32>) {
  %0 = graphlet.expand %x : (tensor<2x3xf32>) -> tensor<4x3xf32>
  func.return
}
// CHECK: 'graphlet.expand' cannot expand 2x3 to 4x3

// -----

func.func @bad_dim(%x: tensor<2x3xf32>) {
  %0 = graphlet.sum %x {dims = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2xf32>
  func.return
}
// CHECK: 'graphlet.sum' dimension 2 is out of range for rank 2

// -----

func.func @int_mean(%x: tensor<2x3xi64>) {
  %0 = graphlet.mean %x {dims = array<i64: 1>} : (tensor<2x3xi64>) -> tensor<2xi64>
  func.return
}
// CHECK: 'graphlet.mean' needs f32 or f64 elements, got i64

// -----

func.func @int_softmax(%x: tensor<2x3xi64>) {
  %0 = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xi64>) -> tensor<2x3xi64>
  func.return
}
// CHECK: 'graphlet.softmax' operand must be a tensor of f32 or f64, got tensor<2x3xi64>

// -----

func.func @ln_weight(%x: tensor<2x3xf32>, %w: tensor<2xf32>) {
  %0 = graphlet.layer_norm %x, %w, %w {normalized_ndim = 1 : i64, eps = 1.0e-05 : f64} : (tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'graphlet.layer_norm' weight must have shape 3, got 2

// -----

func.func @gelu_mode(%x: tensor<3xf32>) {
  %0 = graphlet.gelu %x {approximate = "fast"} : (tensor<3xf32>) -> tensor<3xf32>
  func.return
}
// CHECK: 'graphlet.gelu' approximate must be "none" or "tanh", got "fast"

// -----

func.func @cat_shapes(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  %0 = graphlet.cat %a, %b {dim = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  func.return
}
// CHECK: 'graphlet.cat' shapes 2x3 and 2x4 differ outside dimension 0

// -----

func.func @slice_range(%x: tensor<2x3xf32>) {
  %0 = graphlet.slice %x {starts = array<i64: 0, 2>, ends = array<i64: 2, 5>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: 'graphlet.slice' slice 2:5:1 is out of range for dimension 1 of size 3

// -----

func.func @where_cond(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  %0 = graphlet.select %c, %a, %a : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  func.return
}
// CHECK: 'graphlet.select' condition must be a tensor of i1 when the values are tensors, got tensor<3xf32>

// -----

func.func @cast_shape(%a: tensor<3xf32>) {
  %0 = graphlet.cast %a : tensor<3xf32> to tensor<4xf64>
  func.return
}
// CHECK: 'graphlet.cast' keeps the shape: 3 to 4

// -----

func.func @tensor_constant_type() {
  %0 = graphlet.constant dense<[1, 2]> : tensor<2xi16>
  func.return
}
// CHECK: 'graphlet.constant' tensor elements must be f32, f64, i64, i32 or i1, got i16

