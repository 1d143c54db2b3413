// RUN: graphlet-opt %s -p convert-graphlet-to-linalg --split-input-file --verify-diagnostics | filecheck %s

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

// A reshape (a view) and a dense constant (a global) are graphlet-bufferize's: they stay.
// CHECK-LABEL: func.func @left_to_bufferize
func.func @left_to_bufferize(%x: tensor<2x3xf32>) -> (tensor<6xf32>, tensor<2xf32>) {
  %1 = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %2 = graphlet.constant dense<[1.0, 2.0]> : tensor<2xf32>
  func.return %1, %2 : tensor<6xf32>, tensor<2xf32>
}
// CHECK-NEXT: %[[VIEW:.*]] = graphlet.reshape %x
// CHECK-NEXT: %[[CST:.*]] = graphlet.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>

// Ints wrap (addi), `ne` is true on NaN (une), where is a select, and a float to
// int cast gives INT_MIN out of range instead of fptosi's poison.
// CHECK-LABEL: func.func @ints
func.func @ints(%i: tensor<3xi64>, %x: tensor<3xf32>, %c: tensor<3xi1>) -> (tensor<3xi64>, tensor<3xi1>, tensor<3xf32>, tensor<3xi64>) {
  %0 = graphlet.add %i, %i : tensor<3xi64>
  %1 = graphlet.cmp ne, %x, %x : tensor<3xf32>
  %2 = graphlet.select %c, %x, %x : tensor<3xf32>
  %3 = graphlet.cast %x : tensor<3xf32> to tensor<3xi64>
  func.return %0, %1, %2, %3 : tensor<3xi64>, tensor<3xi1>, tensor<3xf32>, tensor<3xi64>
}
// CHECK:      arith.addi %{{.*}}, %{{.*}} : i64
// CHECK:      outs(%{{.*}} : tensor<3xi1>)
// CHECK:        arith.cmpf une
// CHECK:      ins(%c, %x, %x : tensor<3xi1>, tensor<3xf32>, tensor<3xf32>)
// CHECK:        arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:        %[[IN:.*]] = arith.andi
// CHECK:        %[[SAFE:.*]] = arith.select %[[IN]], %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:   %[[I:.*]] = arith.fptosi %[[SAFE]] : f32 to i64
// CHECK-NEXT:   %[[MIN:.*]] = arith.constant -9223372036854775808 : i64
// CHECK-NEXT:   arith.select %[[IN]], %[[I]], %[[MIN]] : i64

// Int `//` divides by 1 where the divisor is 0 or -1 (no UB), fixes -1 up, and
// reports a zero divisor in a status result the runtime raises.
// CHECK-LABEL: func.func @floordiv(%i: tensor<3xi64>, %j: tensor<3xi64>) -> (tensor<3xi64>, tensor<i64>) attributes {graphlet.status_result}
func.func @floordiv(%i: tensor<3xi64>, %j: tensor<3xi64>) -> tensor<3xi64> {
  %0 = graphlet.floordiv %i, %j : tensor<3xi64>
  func.return %0 : tensor<3xi64>
}
// CHECK:        %[[RISKY:.*]] = arith.ori
// CHECK-NEXT:   %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:   %[[D:.*]] = arith.select %[[RISKY]], %[[ONE]], %{{.*}} : i64
// CHECK:        arith.divsi %{{.*}}, %[[D]] : i64
// CHECK:      %[[ANY:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%j : tensor<3xi64>)
// CHECK:        arith.cmpi eq
// CHECK-NEXT:   arith.ori
// CHECK:      %[[STATUS:.*]] = linalg.generic {{.*}} ins(%[[ANY]] : tensor<i1>) outs(%{{.*}} : tensor<i64>)
// CHECK:      func.return %{{.*}}, %[[STATUS]] : tensor<3xi64>, tensor<i64>

// A constant divisor without 0 or -1 needs neither the guard nor the status.
// CHECK-LABEL: func.func @floordiv_by_constant(%i: tensor<3xi64>) -> tensor<3xi64> {
func.func @floordiv_by_constant(%i: tensor<3xi64>) -> tensor<3xi64> {
  %c = graphlet.constant dense<4> : tensor<i64>
  %0 = graphlet.floordiv %i, %c : tensor<3xi64>, tensor<i64>
  func.return %0 : tensor<3xi64>
}
// CHECK-NOT:  arith.ori
// CHECK:      arith.divsi
// CHECK-NOT:  "reduction"

// A reduction fills its destination with the neutral element, then reduces into it;
// keepdim reads the kept size-1 dimension at index 0.
// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<1x3xf32>) {
  %s = graphlet.sum %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  %m = graphlet.amax %x {dims = array<i64: 0>, keepdim} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  func.return %s, %m : tensor<2xf32>, tensor<1x3xf32>
}
// CHECK:      %[[E:.*]] = tensor.empty() : tensor<2xf32>
// CHECK-NEXT: %[[Z:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%[[E]] : tensor<2xf32>)
// CHECK:        arith.constant 0.000000e+00 : f32
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<2x3xf32>) outs(%[[Z]] : tensor<2xf32>)
// CHECK:        arith.addf %{{.*}}, %{{.*}} fastmath<reassoc,contract> : f32
// CHECK:        arith.constant 0xff800000 : f32
// CHECK:      iterator_types = ["reduction", "parallel"]
// CHECK-SAME: outs(%{{.*}} : tensor<1x3xf32>)
// CHECK:        arith.maximumf

// prod starts from 1 (ints multiply wrapping); tan is libm's (math.tan), rint rounds
// ties to even (math.roundeven), as numpy.tan and numpy.rint; log1p is math.log1p.
// CHECK-LABEL: func.func @numpy_functions
func.func @numpy_functions(%x: tensor<2x3xf64>, %i: tensor<3xi64>) -> (tensor<3xf64>, tensor<i64>, tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>) {
  %p = graphlet.prod %x {dims = array<i64: 0>} : (tensor<2x3xf64>) -> tensor<3xf64>
  %q = graphlet.prod %i {dims = array<i64: 0>} : (tensor<3xi64>) -> tensor<i64>
  %t = graphlet.tan %x : tensor<2x3xf64>
  %r = graphlet.rint %x : (tensor<2x3xf64>) -> tensor<2x3xf64>
  %l = graphlet.log1p %x : tensor<2x3xf64>
  func.return %p, %q, %t, %r, %l : tensor<3xf64>, tensor<i64>, tensor<2x3xf64>, tensor<2x3xf64>, tensor<2x3xf64>
}
// CHECK:        arith.constant 1.000000e+00 : f64
// CHECK:      iterator_types = ["reduction", "parallel"]
// CHECK:        arith.mulf %{{.*}}, %{{.*}} fastmath<reassoc,contract> : f64
// CHECK:        arith.constant 1 : i64
// CHECK:      iterator_types = ["reduction"]
// CHECK:        arith.muli
// CHECK:        math.tan
// CHECK:        math.roundeven
// CHECK:        math.log1p

// matmul iterates (m, k, n) so the inner loop walks rows; linear iterates (m, n, k)
// with reassoc; both start from their fill (zeros, or the broadcast bias) and are
// tagged as GEMMs for convert-linalg-to-blas.
// CHECK-LABEL: func.func @contractions
func.func @contractions(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %w: tensor<4x3xf32>, %bias: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = graphlet.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = graphlet.linear %a, %w, %bias : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  func.return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_nn"}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<4xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "gemm_nt"}

// A matmul (or linear) of a transposed matrix reads the matrix itself through a
// transposed map, tagged gemm_tn / gemm_tt for BLAS's transpose flag: the copy goes,
// unless something else uses the transpose.
// CHECK-LABEL: func.func @transposed_operands
func.func @transposed_operands(%a: tensor<5x2xf32>, %b: tensor<5x4xf32>, %w: tensor<4x5xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x5xf32>) {
  %t = graphlet.transpose %a {perm = array<i64: 1, 0>} : (tensor<5x2xf32>) -> tensor<2x5xf32>
  %0 = graphlet.matmul %t, %b : (tensor<2x5xf32>, tensor<5x4xf32>) -> tensor<2x4xf32>
  %1 = graphlet.linear %t, %w : (tensor<2x5xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  %tw = graphlet.transpose %w {perm = array<i64: 1, 0>} : (tensor<4x5xf32>) -> tensor<5x4xf32>
  %2 = graphlet.matmul %t, %tw : (tensor<2x5xf32>, tensor<5x4xf32>) -> tensor<2x4xf32>
  %u = graphlet.transpose %a {perm = array<i64: 1, 0>} : (tensor<5x2xf32>) -> tensor<2x5xf32>
  func.return %0, %1, %2, %u : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x5xf32>
}
// CHECK-NOT:  ins(%a : tensor<5x2xf32>)
// CHECK-NOT:  ins(%w : tensor<4x5xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_tn"} ins(%a, %b : tensor<5x2xf32>, tensor<5x4xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], library_call = "gemm_tt"} ins(%a, %w : tensor<5x2xf32>, tensor<4x5xf32>)
// CHECK-NOT:  ins(%w : tensor<4x5xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_tt"} ins(%a, %w : tensor<5x2xf32>, tensor<4x5xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<5x2xf32>)
// CHECK-NEXT:   ^bb0

// Data movement is a copy through a map; a partial plain dim is spelled `d % n`, cat
// writes each operand at its offset of one destination.
// CHECK-LABEL: func.func @movement
func.func @movement(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x2xf32>, tensor<4x3xf32>) {
  %t = graphlet.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %s = graphlet.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 2>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  %c = graphlet.cat %x, %x {dim = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  func.return %t, %s, %c : tensor<3x2xf32>, tensor<2x2xf32>, tensor<4x3xf32>
}
// CHECK:      indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:      indexing_maps = [affine_map<(d0, d1) -> (d0, (d1 mod 2))>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:      %[[C0:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ((d0 mod 4), d1)>]
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ((d0 + 2), d1)>], {{.*}} outs(%[[C0]] : tensor<4x3xf32>)

// An embedding reads the source with tensor.extract at the checked index (0 when
// out of range, so never out of bounds); a reduction over the indices sets the
// status to IndexError's code (2).
// CHECK-LABEL: func.func @embedding
// CHECK-SAME:    -> (tensor<2x3x4xf32>, tensor<i64>) attributes {graphlet.status_result}
func.func @embedding(%w: tensor<10x4xf32>, %ids: tensor<2x3xi64>) -> tensor<2x3x4xf32> {
  %r = graphlet.index %w[%ids] {dims = array<i64: 0>, error = "IndexError"} : (tensor<10x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  func.return %r : tensor<2x3x4xf32>
}
// CHECK:        iterator_types = ["reduction", "reduction"]} ins(%ids : tensor<2x3xi64>)
// CHECK:          arith.cmpi uge, %{{.*}}, %{{.*}} : i64
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ids : tensor<2x3xi64>)
// CHECK:        %[[IN:.*]] = arith.cmpi ult, %[[I:.*]], %{{.*}} : i64
// CHECK-NEXT:   %{{.*}} = arith.constant 0 : i64
// CHECK-NEXT:   %[[SAFE:.*]] = arith.select %[[IN]], %[[I]], %{{.*}} : i64
// CHECK-NEXT:   %[[ROW:.*]] = arith.index_cast %[[SAFE]] : i64 to index
// CHECK-NEXT:   %[[COL:.*]] = linalg.index 2 : index
// CHECK-NEXT:   %{{.*}} = tensor.extract %w[%[[ROW]], %[[COL]]] : tensor<10x4xf32>
// CHECK:        arith.constant 2 : i64

// gather: the index replaces the coordinate along `dim`; RuntimeError's code is 3.
// CHECK-LABEL: func.func @gather
func.func @gather(%x: tensor<3x4xf64>, %i: tensor<3x2xi64>) -> tensor<3x2xf64> {
  %r = graphlet.gather %x, %i {dim = 1 : i64} : (tensor<3x4xf64>, tensor<3x2xi64>) -> tensor<3x2xf64>
  func.return %r : tensor<3x2xf64>
}
// CHECK:        %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT:   %{{.*}} = tensor.extract %x[%[[ROW]], %{{.*}}] : tensor<3x4xf64>
// CHECK:        arith.constant 3 : i64

// Constant indices all in range need no status; negatives count from the end.
// CHECK-LABEL: func.func @constant_index
// CHECK-SAME:    -> tensor<5x2xi64> {
func.func @constant_index(%x: tensor<5x3xi64>) -> tensor<5x2xi64> {
  %i = graphlet.constant dense<[-1, 2]> : tensor<2xi64>
  %r = graphlet.index %x[%i] {dims = array<i64: 1>, wrap_negative, error = "IndexError"} : (tensor<5x3xi64>, tensor<2xi64>) -> tensor<5x2xi64>
  func.return %r : tensor<5x2xi64>
}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:        arith.cmpi slt
// CHECK:        arith.addi
// CHECK:        tensor.extract %x[%{{.*}}, %{{.*}}] : tensor<5x3xi64>

// cumsum: the running value (f64 for f32, from 0) is a reduction output over the
// scanned dimension, the result is written at every step; no reassociation.
// CHECK-LABEL: func.func @cumsum
func.func @cumsum(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = graphlet.cumsum %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}
// CHECK:        arith.constant 0.000000e+00 : f64
// CHECK:      %{{.*}}, %[[OUT:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<2x3xf32>) outs(%{{.*}}, %{{.*}} : tensor<2xf64>, tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f64, %{{.*}}: f32):
// CHECK-NEXT:   %[[WIDE:.*]] = arith.extf %[[X]] : f32 to f64
// CHECK-NEXT:   %[[SUM:.*]] = arith.addf %[[ACC]], %[[WIDE]] : f64
// CHECK-NEXT:   %[[NARROW:.*]] = arith.truncf %[[SUM]] : f64 to f32
// CHECK-NEXT:   linalg.yield %[[SUM]], %[[NARROW]] : f64, f32
// CHECK:      func.return %[[OUT]] : tensor<2x3xf32>

// cumprod of bools multiplies i64 from 1; a 1-d scan's running value is 0-d.
// CHECK-LABEL: func.func @cumprod
func.func @cumprod(%x: tensor<4xi1>) -> tensor<4xi64> {
  %r = graphlet.cumprod %x {dim = 0 : i64} : (tensor<4xi1>) -> tensor<4xi64>
  func.return %r : tensor<4xi64>
}
// CHECK:        arith.constant 1 : i64
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["reduction"]}
// CHECK:        arith.extui %{{.*}} : i1 to i64
// CHECK-NEXT:   arith.muli

// convolution, where BLAS takes it (f32, >= 8 output channels, one GEMM): the input
// framed in zeros (padding 1), im2col, one GEMM-tagged contraction from the bias.
// CHECK-LABEL: func.func @conv_gemm
func.func @conv_gemm(%x: tensor<1x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x8x8xf32> {
  %y = graphlet.convolution %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
  func.return %y : tensor<1x16x8x8xf32>
}
// CHECK:      arith.constant 0.000000e+00 : f32
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, (d2 + 1), (d3 + 1))>]
// CHECK-SAME:   ins(%x : tensor<1x3x8x8xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>]
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, (d5 + d3), (d6 + d4))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3, d4, d5, d6)>]
// CHECK-SAME:   outs(%{{.*}} : tensor<1x1x3x3x3x8x8xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"], library_call = "gemm_nn"}
// CHECK-SAME:   ins(%{{.*}}, %{{.*}} : tensor<16x27xf32>, tensor<27x64xf32>) outs(%{{.*}} : tensor<16x64xf32>)
// CHECK:      graphlet.reshape %{{.*}} : (tensor<16x64xf32>) -> tensor<1x16x8x8xf32>

// An ungrouped convolution with few output positions per image (a weight gradient's
// 3 x 3) and a batch: im2col with the batch in the columns (c, kh, kw, n, oh, ow), one
// GEMM of batch x positions = 18 columns, and its transpose to (n, 1, o, positions).
// CHECK-LABEL: func.func @conv_batch_columns
func.func @conv_batch_columns(%x: tensor<2x4x5x5xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<2x8x3x3xf32> {
  %y = graphlet.convolution %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 1 : i64} : (tensor<2x4x5x5xf32>, tensor<8x4x3x3xf32>) -> tensor<2x8x3x3xf32>
  func.return %y : tensor<2x8x3x3xf32>
}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, 0, d0, (d4 + d1), (d5 + d2))>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>]
// CHECK-SAME:   outs(%{{.*}} : tensor<4x3x3x2x3x3xf32>)
// CHECK:      library_call = "gemm_nn"
// CHECK-SAME:   ins(%{{.*}}, %{{.*}} : tensor<8x36xf32>, tensor<36x18xf32>) outs(%{{.*}} : tensor<8x18xf32>)
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d2, d0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>]
// CHECK-SAME:   outs(%{{.*}} : tensor<2x1x8x9xf32>)
// CHECK:      graphlet.reshape %{{.*}} : (tensor<2x1x8x9xf32>) -> tensor<2x8x3x3xf32>

// Depthwise (one channel per group): a direct loop nest (n, g, o, c, kh, kw, oh, ow)
// whose inner loops walk an output row, reading the framed input at stride 2.
// CHECK-LABEL: func.func @conv_depthwise
func.func @conv_depthwise(%x: tensor<1x4x8x8xf64>, %w: tensor<4x1x3x3xf64>) -> tensor<1x4x4x4xf64> {
  %y = graphlet.convolution %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 4 : i64} : (tensor<1x4x8x8xf64>, tensor<4x1x3x3xf64>) -> tensor<1x4x4x4xf64>
  func.return %y : tensor<1x4x4x4xf64>
}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d3, ((d6 * 2) + d4), ((d7 * 2) + d5))>, affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d6, d7)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]}
// CHECK-NOT:  library_call
// CHECK:      arith.mulf
// CHECK-NEXT: arith.addf

// Transposed with a stride: the weights flipped with their channel dims swapped, then
// one plain convolution per output phase over the input as it is (taps 1 of 3 for even
// outputs, taps 0 and 2 for odd ones), each written at its stride into the result.
// CHECK-LABEL: func.func @conv_transposed
func.func @conv_transposed(%x: tensor<1x2x5xf32>, %w: tensor<2x3x3xf32>) -> tensor<1x3x10xf32> {
  %y = graphlet.convolution %x, %w {stride = array<i64: 2>, padding = array<i64: 1>, dilation = array<i64: 1>, output_padding = array<i64: 1>, groups = 1 : i64, transposed} : (tensor<1x2x5xf32>, tensor<2x3x3xf32>) -> tensor<1x3x10xf32>
  func.return %y : tensor<1x3x10xf32>
}
// CHECK:      linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, ((d3 * -1) + 2))>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>]
// CHECK:      affine_map<(d0, d1, d2) -> (d0, d1, (d2 * 2))>]
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x10xf32>)
// CHECK:      affine_map<(d0, d1, d2) -> (d0, d1, ((d2 * 2) + 1))>]
// CHECK-SAME:   outs(%{{.*}} : tensor<1x3x10xf32>)

// -----

// Composite ops are decompose-tensor-ops' to take apart first: one left is refused.
func.func @composite(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %1 = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %1 : tensor<2x3xf32>
}
// CHECK: convert-graphlet-to-linalg.mlir:{{[0-9]+}}:8: error: 'graphlet.softmax': convert-graphlet-to-linalg cannot lower this op: run decompose-tensor-ops first

// -----

// So is a scalar op: scalars are the scalar pipeline's.
func.func @scalar(%a: i64) -> i64 {
  %1 = graphlet.add %a, %a : i64
  func.return %1 : i64
}
// CHECK: convert-graphlet-to-linalg.mlir:{{[0-9]+}}:8: error: 'graphlet.add': convert-graphlet-to-linalg cannot lower this op: it works on scalars, which lower-to-llvm lowers (convert-graphlet-to-arith)
