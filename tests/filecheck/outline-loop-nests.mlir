// RUN: graphlet-opt %s -p 'outline-loop-nests{entry=forward}' --split-input-file | filecheck %s
// RUN: graphlet-opt %s -p 'outline-loop-nests{entry=forward},convert-memref-to-llvm,lower-std-to-llvm' --split-input-file -t llvm | filecheck %s --check-prefix=LLVM

// Three nests: the first and third are the same loops over buffers of the same
// types, so they call one function. Constants (the bounds) are cloned in; the
// scale %s, computed outside, is an argument. %x and %y are arguments of the
// entry (the tensor ABI: distinct), %t an allocation: all noalias.
// CHECK-LABEL: func.func @forward
// CHECK:         %t = memref.alloc() : memref<8xf32>
// CHECK-NEXT:    %s = arith.addf %f, %f : f32
// CHECK-NEXT:    func.call @forward_nest0(%x, %s, %t) : (memref<8xf32>, f32, memref<8xf32>) -> ()
// CHECK-NEXT:    func.call @forward_nest1(%t, %y) : (memref<8xf32>, memref<8xf32>) -> ()
// CHECK-NEXT:    func.call @forward_nest0(%t, %s, %y) : (memref<8xf32>, f32, memref<8xf32>) -> ()
// CHECK-NEXT:    func.return
// CHECK:       func.func private @forward_nest0(%0: memref<8xf32> {llvm.noalias}, %1: f32, %2: memref<8xf32> {llvm.noalias}) attributes {passthrough = ["noinline"]} {
// CHECK-NEXT:    %{{.*}} = arith.constant 0 : index
// CHECK-NEXT:    %{{.*}} = arith.constant 8 : index
// CHECK-NEXT:    %{{.*}} = arith.constant 1 : index
// CHECK-NEXT:    scf.for
// CHECK:         arith.mulf %{{.*}}, %1 : f32
// CHECK:         func.return
// CHECK:       func.func private @forward_nest1(
// CHECK-NOT:   func.func
// LLVM:        define void @"forward"
// LLVM:        call ccc void @"forward_nest0"
// LLVM:        define internal void @"forward_nest0"(ptr noalias %{{.*}}, float %{{.*}}, ptr noalias %{{.*}}) noinline
// LLVM:        define internal void @"forward_nest1"(ptr noalias %{{.*}}, ptr noalias %{{.*}}) noinline
func.func @forward(%x: memref<8xf32>, %f: f32, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %t = memref.alloc() : memref<8xf32>
  %s = arith.addf %f, %f : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %w = arith.mulf %v, %s : f32
    memref.store %w, %t[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %t[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %t[%i] : memref<8xf32>
    %w = arith.mulf %v, %s : f32
    memref.store %w, %y[%i] : memref<8xf32>
  }
  func.return
}

// -----

// Two views of one buffer are not noalias; a function other than the entry has
// arguments that may overlap. A single nest stays where it is.
// CHECK-LABEL: func.func @other
// CHECK:         func.call @other_nest0(%a, %v0, %v2)
// CHECK-LABEL: func.func @single
// CHECK-NEXT:    %c0 = arith.constant 0 : index
// CHECK-NOT:     func.call
// CHECK:       func.func private @other_nest0(%0: memref<8xf32>, %1: memref<4xf32>, %2: memref<4xf32>)
func.func @other(%a: memref<8xf32>, %b: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %v0 = memref.reinterpret_cast %b to offset: [0], sizes: [4], strides: [1] : memref<8xf32> to memref<4xf32>
  %v2 = memref.reinterpret_cast %b to offset: [0], sizes: [4], strides: [1] : memref<8xf32> to memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %v0[%i] : memref<4xf32>
    memref.store %v, %v2[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %b[%i] : memref<8xf32>
  }
  func.return
}

func.func @single(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<4xf32>
    memref.store %v, %a[%i] : memref<4xf32>
  }
  func.return
}
