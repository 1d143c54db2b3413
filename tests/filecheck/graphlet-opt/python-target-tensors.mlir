// RUN: graphlet-opt %s -t python | filecheck %s

// Tensors are NumPy, each op's np_operation (PyTorch's rules).
// CHECK:      def t(x_1, y_2):
// CHECK-NEXT:     with np.errstate(all="ignore"):
// CHECK-NEXT:         q_3 = np.asarray(FloorDivOp.np_operation(x_1, y_2)).astype(np.int64, copy=False)
// CHECK-NEXT:         d_4 = np.asarray(np.divide(x_1.astype(np.float32), y_2.astype(np.float32))).astype(np.float32, copy=False)
func.func @t(%x: tensor<2x3xi64>, %y: tensor<3xi64>) -> (tensor<2x3xi64>, tensor<2x3xf32>) {
  %q = graphlet.floordiv %x, %y : tensor<2x3xi64>, tensor<3xi64>
  %d = graphlet.truediv %x, %y : tensor<2x3xi64>, tensor<3xi64>
  func.return %q, %d : tensor<2x3xi64>, tensor<2x3xf32>
}
