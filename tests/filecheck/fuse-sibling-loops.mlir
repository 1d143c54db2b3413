// RUN: graphlet-opt %s -p fuse-sibling-loops | filecheck %s

// Loop nests over rows (a row max, exp(x - max) into a temporary, a divide) fuse
// at the row loop: each touches only row %i of what they share. The constants
// and the allocation between them move above the first loop. Inside the fused
// loop, the exp loop reads the max at column 0, not at its own iv, so it waits
// for the whole max loop; the divide reads the temporary at [%i, %j] only, so it
// joins the exp loop.
// CHECK-LABEL: func.func @rows
func.func @rows(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  %max = memref.alloc() : memref<4x1xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %z = affine.apply affine_map<() -> (0)> ()
      %m = memref.load %max[%i, %z] : memref<4x1xf32>
      %n = arith.maximumf %m, %v : f32
      memref.store %n, %max[%i, %z] : memref<4x1xf32>
    }
  }
  %tmp = memref.alloc() : memref<4x8xf32>
  %d4 = arith.constant 4 : index
  scf.for %i = %c0 to %d4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %z = affine.apply affine_map<() -> (0)> ()
      %m = memref.load %max[%i, %z] : memref<4x1xf32>
      %d = arith.subf %v, %m : f32
      %e = math.exp %d : f32
      memref.store %e, %tmp[%i, %j] : memref<4x8xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %e = memref.load %tmp[%i, %j] : memref<4x8xf32>
      %z = affine.apply affine_map<() -> (0)> ()
      %m = memref.load %max[%i, %z] : memref<4x1xf32>
      %q = arith.divf %e, %m : f32
      memref.store %q, %y[%i, %j] : memref<4x8xf32>
    }
  }
  memref.dealloc %tmp : memref<4x8xf32>
  memref.dealloc %max : memref<4x1xf32>
  func.return
}
// CHECK:      %[[TMP:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT: %{{.*}} = arith.constant 4 : index
// CHECK-NEXT: scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT:   scf.for %{{.*}} = %c0 to %c8 step %c1 {
// CHECK:          arith.maximumf
// CHECK:        }
// CHECK-NEXT:   scf.for %{{.*}} = %c0 to %c8 step %c1 {
// CHECK:          %{{.*}} = memref.load %max[%[[I]], %{{.*}}] : memref<4x1xf32>
// CHECK:          math.exp
// CHECK-NEXT:     memref.store %[[E:.*]], %[[TMP]][%[[I]], %[[J:.*]]] : memref<4x8xf32>
// CHECK-NEXT:     %{{.*}} = memref.load %[[TMP]][%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK:          arith.divf
// CHECK:        }
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[TMP]]

// Softmax over dim 0: the max is stored at [0, %j], the same slot for every %i,
// so the loop reading it waits for the whole reduction: no fusion.
// CHECK-LABEL: func.func @columns
func.func @columns(%x: memref<4x8xf32>, %y: memref<4x8xf32>, %max: memref<1x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %m = memref.load %max[%c0, %j] : memref<1x8xf32>
      %n = arith.maximumf %m, %v : f32
      memref.store %n, %max[%c0, %j] : memref<1x8xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %m = memref.load %max[%c0, %j] : memref<1x8xf32>
      %d = arith.subf %v, %m : f32
      memref.store %d, %y[%i, %j] : memref<4x8xf32>
    }
  }
  func.return
}
// CHECK:      scf.for
// CHECK:      arith.maximumf
// CHECK:      }
// CHECK-NEXT: }
// CHECK-NEXT: scf.for
// CHECK:      arith.subf

// Nor through two views of one buffer (the reshape reads row %i of a 2x16 view
// of the 4x8 buffer, not row %i of the buffer), nor across a call, nor when the
// ranges differ.
// CHECK-LABEL: func.func @kept_apart
func.func private @opaque(memref<4x8xf32>)
func.func @kept_apart(%x: memref<4x8xf32>, %y: memref<4x8xf32>, %z: memref<2x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %view = memref.reinterpret_cast %y to offset: [0], sizes: [2, 16], strides: [16, 1] : memref<4x8xf32> to memref<2x16xf32>
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      memref.store %v, %y[%i, %j] : memref<4x8xf32>
    }
  }
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %view[%i, %j] : memref<2x16xf32>
      memref.store %v, %z[%i, %j] : memref<2x16xf32>
    }
  }
  scf.for %i = %c0 to %c2 step %c1 {
    func.call @opaque(%y) : (memref<4x8xf32>) -> ()
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      memref.store %v, %y[%i, %j] : memref<4x8xf32>
    }
  }
  func.return
}
// CHECK-COUNT-4: scf.for %{{.*}} = %c0 to %c{{[24]}} step %c1 {
// CHECK-NOT:  scf.for %{{.*}} = %c0 to %c{{[24]}} step %c1 {
// CHECK:      func.return
