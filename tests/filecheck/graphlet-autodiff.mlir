// RUN: graphlet-opt %s --split-input-file -p 'graphlet-autodiff{function=f wrt=0,1},graphlet-optimize' --verify-diagnostics | filecheck %s
// RUN: graphlet-opt %s --split-input-file -p 'graphlet-autodiff{function=f wrt=0,1 values=false},graphlet-optimize' --verify-diagnostics | filecheck %s --check-prefix=GRAD

// `graphlet-autodiff` adds @f_grad: @f's results, then d(result 0)/d(each `wrt`
// argument). Straight-line code is differentiated in reverse mode, each op's
// cotangent from its rule (`vjp` / `local_derivatives` beside the op's meaning);
// graphlet-optimize then folds the constant partials.

// f = x * y + sin(x) / y: df/dx = y + cos(x) / y, df/dy = x - sin(x) / y / y.
func.func @f(%x: f64, %y: f64, %n: i64) -> f64 {
  %0 = graphlet.mul %x, %y : f64
  %1 = graphlet.sin %x : f64
  %2 = graphlet.truediv %1, %y : f64
  %3 = graphlet.add %0, %2 : f64
  func.return %3 : f64
}

// CHECK-LABEL: func.func @f(
// CHECK-LABEL: func.func @f_grad(%x: f64, %y: f64, %n: i64) -> (f64, f64, f64) {
// CHECK-NEXT:    %0 = graphlet.mul %x, %y : f64
// CHECK-NEXT:    %1 = graphlet.sin %x : f64
// CHECK-NEXT:    %2 = graphlet.truediv %1, %y : f64
// CHECK-NEXT:    %3 = graphlet.add %0, %2 : f64
// CHECK-NEXT:    %4 = graphlet.constant 1.000000e+00 : f64
// CHECK-NEXT:    %5 = graphlet.truediv %4, %y {ieee} : f64
// CHECK-NEXT:    %6 = graphlet.truediv %2, %y {ieee} : f64
// CHECK-NEXT:    %7 = graphlet.neg %6 : f64
// CHECK-NEXT:    %8 = graphlet.cos %x {ieee} : f64
// CHECK-NEXT:    %9 = graphlet.mul %5, %8 : f64
// CHECK-NEXT:    %10 = graphlet.add %9, %y : f64
// CHECK-NEXT:    %11 = graphlet.add %7, %x : f64
// CHECK-NEXT:    func.return %3, %10, %11 : f64, f64, f64
// CHECK-NEXT:  }

// -----

// Tensors: the bias broadcast over the batch has its cotangent summed back to its
// shape; matmul's rule is x.mT @ grad.

func.func @f(%x: tensor<4x3xf32>, %w: tensor<3x2xf32>, %b: tensor<2xf32>) -> tensor<f32> {
  %0 = graphlet.matmul %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %1 = graphlet.add %0, %b : tensor<4x2xf32>, tensor<2xf32>
  %2 = graphlet.tanh %1 : tensor<4x2xf32>
  %3 = graphlet.sum %2 {dims = array<i64: 0, 1>} : (tensor<4x2xf32>) -> tensor<f32>
  func.return %3 : tensor<f32>
}

// CHECK-LABEL: func.func @f_grad(%x: tensor<4x3xf32>, %w: tensor<3x2xf32>, %b: tensor<2xf32>) -> (tensor<f32>, tensor<4x3xf32>, tensor<3x2xf32>) {
// CHECK:         %[[T:.*]] = graphlet.tanh
// CHECK:         %[[SQ:.*]] = graphlet.mul %[[T]], %[[T]] : tensor<4x2xf32>
// CHECK:         %[[D:.*]] = graphlet.sub %{{.*}}, %[[SQ]] : tensor<f32>, tensor<4x2xf32>
// CHECK:         %[[G:.*]] = graphlet.mul %{{.*}}, %[[D]] : tensor<4x2xf32>
// CHECK:         %[[WT:.*]] = graphlet.transpose %w {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[GX:.*]] = graphlet.matmul %[[G]], %[[WT]] : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    %[[XT:.*]] = graphlet.transpose %x {perm = array<i64: 1, 0>} : (tensor<4x3xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %[[GW:.*]] = graphlet.matmul %[[XT]], %[[G]] : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
// CHECK-NEXT:    func.return %{{.*}}, %[[GX]], %[[GW]] : tensor<f32>, tensor<4x3xf32>, tensor<3x2xf32>

// -----

// Branches and loops: forward mode. Each block gets a tangent argument per float
// argument and per `wrt` argument; a loop carries them around.
// f(x, y) = (s = x; while s < y: s = s * x); s

func.func @f(%x: f64, %y: f64) -> f64 {
  cf.br ^loop(%x : f64)
^loop(%s: f64):
  %c = graphlet.cmp lt, %s, %y : f64
  cf.cond_br %c, ^body(%s : f64), ^exit(%s : f64)
^body(%t: f64):
  %u = graphlet.mul %t, %x : f64
  cf.br ^loop(%u : f64)
^exit(%r: f64):
  func.return %r : f64
}

// CHECK-LABEL: func.func @f_grad(%x: f64, %y: f64) -> (f64, f64, f64) {
// CHECK-NEXT:    %0 = graphlet.constant 1.000000e+00 : f64
// CHECK-NEXT:    %1 = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    cf.br ^bb1(%x, %0, %1 : f64, f64, f64)
// CHECK-NEXT:  ^bb1(%s: f64, %2: f64, %3: f64):
// CHECK-NEXT:    %c = graphlet.cmp lt, %s, %y : f64
// CHECK-NEXT:    cf.cond_br %c, ^bb2(%s, %2, %3 : f64, f64, f64), ^bb3(%s, %2, %3 : f64, f64, f64)
// CHECK-NEXT:  ^bb2(%t: f64, %4: f64, %5: f64):
// CHECK-NEXT:    %u = graphlet.mul %t, %x : f64
// CHECK-NEXT:    %6 = graphlet.mul %4, %x : f64
// CHECK-NEXT:    %7 = graphlet.add %6, %t : f64
// CHECK-NEXT:    %8 = graphlet.mul %5, %x : f64
// CHECK-NEXT:    cf.br ^bb1(%u, %7, %8 : f64, f64, f64)
// CHECK-NEXT:  ^bb3(%r: f64, %9: f64, %10: f64):
// CHECK-NEXT:    func.return %r, %9, %10 : f64, f64, f64
// CHECK-NEXT:  }

// -----

// scf loops are lowered to cf first and get forward mode: f = y * x ** 3.

func.func @f(%x: f64, %y: f64) -> f64 {
  %lb = arith.constant 0 : index
  %ub = arith.constant 3 : index
  %st = arith.constant 1 : index
  %r = scf.for %i = %lb to %ub step %st iter_args(%acc = %y) -> (f64) {
    %n = graphlet.mul %acc, %x : f64
    scf.yield %n : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @f_grad(%x: f64, %y: f64) -> (f64, f64, f64) {
// CHECK:         cf.br ^bb1(%lb, %y, %{{.*}}, %{{.*}} : index, f64, f64, f64)
// CHECK-NEXT:  ^bb1(%i: index, %acc: f64, %[[DX:.*]]: f64, %[[DY:.*]]: f64):
// CHECK:         %n = graphlet.mul %acc, %x : f64
// CHECK-NEXT:    %[[T:.*]] = graphlet.mul %[[DX]], %x : f64
// CHECK-NEXT:    %[[DX2:.*]] = graphlet.add %[[T]], %acc : f64
// CHECK-NEXT:    %[[DY2:.*]] = graphlet.mul %[[DY]], %x : f64
// CHECK:         cf.br ^bb1(%{{.*}}, %n, %[[DX2]], %[[DY2]] : index, f64, f64, f64)
// CHECK:         func.return %acc, %[[DX]], %[[DY]] : f64, f64, f64

// -----

// Ints, comparisons and piecewise-constant ops carry no gradient (floor's is zero,
// as in PyTorch); the gradient of an unused argument is zero.

func.func @f(%x: f64, %y: f64) -> f64 {
  %0 = graphlet.floor %x : f64
  %1 = graphlet.cast %x : f64 to i64
  %2 = graphlet.cast %1 : i64 to f64
  %3 = graphlet.add %0, %2 : f64
  %4 = graphlet.mul %3, %x : f64
  func.return %4 : f64
}

// CHECK-LABEL: func.func @f_grad(%x: f64, %y: f64) -> (f64, f64, f64) {
// CHECK-NEXT:    %0 = graphlet.floor %x : f64
// CHECK-NEXT:    %1 = graphlet.cast %x : f64 to i64
// CHECK-NEXT:    %2 = graphlet.cast %1 : i64 to f64
// CHECK-NEXT:    %3 = graphlet.add %0, %2 : f64
// CHECK-NEXT:    %4 = graphlet.mul %3, %x : f64
// CHECK-NEXT:    %5 = graphlet.constant 0.000000e+00 : f64
// CHECK-NEXT:    func.return %4, %3, %5 : f64, f64, f64
// CHECK-NEXT:  }

// -----

// After the pass, graphlet-optimize drops the forward values the gradient does not
// use. f = tanh(x) * y + floor(exp(y) * x) + z * z by x and y: floor's partial is
// zero and z is not differentiated by, so with the gradients alone (`values=false`,
// the GRAD run) `exp(y) * x`, the floor, `z * z` and the sums go; `exp` stays, as it
// may raise OverflowError where Python's forward would.

func.func @f(%x: f64, %y: f64, %z: f64) -> f64 {
  %0 = graphlet.tanh %x : f64
  %1 = graphlet.mul %0, %y : f64
  %2 = graphlet.exp %y : f64
  %3 = graphlet.mul %2, %x : f64
  %4 = graphlet.floor %3 : f64
  %5 = graphlet.add %1, %4 : f64
  %6 = graphlet.mul %z, %z : f64
  %7 = graphlet.add %5, %6 : f64
  func.return %7 : f64
}

// CHECK-LABEL: func.func @f_grad(%x: f64, %y: f64, %z: f64) -> (f64, f64, f64) {
// CHECK:         %[[ZZ:.*]] = graphlet.mul %z, %z : f64
// CHECK-NEXT:    %[[V:.*]] = graphlet.add %{{.*}}, %[[ZZ]] : f64
// CHECK:         func.return %[[V]], %{{.*}}, %{{.*}} : f64, f64, f64

// GRAD-LABEL: func.func @f_grad(%x: f64, %y: f64, %z: f64) -> (f64, f64) {
// GRAD-NEXT:    %0 = graphlet.tanh %x : f64
// GRAD-NEXT:    %1 = graphlet.exp %y : f64
// GRAD-NEXT:    %2 = graphlet.constant 1.000000e+00 : f64
// GRAD-NEXT:    %3 = graphlet.mul %0, %0 : f64
// GRAD-NEXT:    %4 = graphlet.sub %2, %3 : f64
// GRAD-NEXT:    %5 = graphlet.mul %y, %4 : f64
// GRAD-NEXT:    func.return %5, %0 : f64, f64
// GRAD-NEXT:  }

// -----

// An op with no derivative rule on the gradient's path is an error at its line.

func.func @f(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<f32> {
  // expected-error@+1 {{'graphlet.cumsum': has no derivative rule; gradients cannot flow through it}}
  %0 = graphlet.cumsum %x {dim = 0 : i64} : (tensor<3xf32>) -> tensor<3xf32>
  %1 = graphlet.sum %0 {dims = array<i64: 0>} : (tensor<3xf32>) -> tensor<f32>
  func.return %1 : tensor<f32>
}

// -----

// expected-error@+1 {{'func.func': result 0 is tensor<3xf32>: the gradient needs a scalar float output (sum or mean it first)}}
func.func @f(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = graphlet.mul %x, %y : tensor<3xf32>
  func.return %0 : tensor<3xf32>
}

// -----

// expected-error@+1 {{'func.func': argument 1 is i64: gradients are taken by float arguments only}}
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}

// -----

func.func @f(%x: f64, %y: f64) -> f64 {
  // expected-error@+1 {{'scf.execute_region': has regions: structured control flow is not differentiated}}
  %0 = scf.execute_region -> f64 {
    %1 = graphlet.mul %x, %y : f64
    scf.yield %1 : f64
  }
  func.return %0 : f64
}

// -----

// A value the gradient depends on must not escape into memory or a call: its
// derivative would be lost (an error, never a silently wrong gradient).

func.func private @h(f64) -> f64

func.func @f(%x: f64, %y: f64) -> f64 {
  // expected-error@+1 {{'func.call': a value the gradient depends on flows into this op (memory or a call), which has no derivative rule: the gradient would be lost}}
  %0 = func.call @h(%x) : (f64) -> f64
  func.return %0 : f64
}
