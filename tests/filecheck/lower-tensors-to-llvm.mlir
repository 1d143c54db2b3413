// RUN: graphlet-opt %s -p lower-tensors-to-llvm | filecheck %s
// RUN: graphlet-opt %s -p lower-tensors-to-llvm -t llvm | filecheck %s --check-prefix=IR

// The fused chain relu(a * b + c) * 0.5: one loop, GEP-addressed loads of a, b, c and
// one store into the out-param; no allocation.
// CHECK-LABEL: llvm.func @chain(%a: !llvm.ptr, %b: !llvm.ptr, %c: !llvm.ptr, %0: !llvm.ptr) {
func.func @chain(%a: tensor<1024xf64>, %b: tensor<1024xf64>, %c: tensor<1024xf64>) -> tensor<1024xf64> {
  %m = graphlet.mul %a, %b : tensor<1024xf64>, tensor<1024xf64>
  %s = graphlet.add %m, %c : tensor<1024xf64>, tensor<1024xf64>
  %r = graphlet.relu %s : tensor<1024xf64>
  %h = graphlet.constant dense<0.5> : tensor<f64>
  %o = graphlet.mul %r, %h : tensor<1024xf64>, tensor<f64>
  func.return %o : tensor<1024xf64>
}
// CHECK-NOT:  aligned_alloc
// CHECK:      llvm.getelementptr inbounds %a[
// CHECK:      llvm.getelementptr inbounds %b[
// CHECK:      llvm.getelementptr inbounds %c[
// CHECK:      llvm.fmul
// CHECK-NEXT: llvm.fadd
// CHECK:      llvm.intr.maximum
// CHECK:      llvm.fmul
// CHECK:      llvm.getelementptr inbounds %0[
// CHECK-NEXT: llvm.store
// CHECK-NOT:  llvm.store
// CHECK:      llvm.return

// IR: define void @"chain"(ptr %[[A:.*]], ptr %{{.*}}, ptr %{{.*}}, ptr %{{.*}})
// IR: getelementptr inbounds double, ptr %[[A]]
