// RUN: graphlet-opt %s -p convert-arith-to-llvm --split-input-file --verify-diagnostics | filecheck %s

func.func @integer(%a: i32, %b: i32) -> (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) {
  %0 = arith.addi %a, %b : i32
  %1 = arith.subi %a, %b overflow<nsw> : i32
  %2 = arith.muli %a, %b overflow<nsw, nuw> : i32
  %3 = arith.divsi %a, %b : i32
  %4 = arith.divui %a, %b : i32
  %5 = arith.remsi %a, %b : i32
  %6 = arith.remui %a, %b : i32
  %7 = arith.andi %a, %b : i32
  %8 = arith.ori %a, %b : i32
  %9 = arith.xori %a, %b : i32
  %10 = arith.shli %a, %b overflow<nuw> : i32
  %11 = arith.shrsi %a, %b : i32
  %12 = arith.shrui %a, %b : i32
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12 : i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32
}
// CHECK-LABEL: func.func @integer
// CHECK-NEXT:    %0 = llvm.add %a, %b : i32
// CHECK-NEXT:    %1 = llvm.sub %a, %b overflow<nsw> : i32
// CHECK-NEXT:    %2 = llvm.mul %a, %b overflow<nsw,nuw> : i32
// CHECK-NEXT:    %3 = llvm.sdiv %a, %b : i32
// CHECK-NEXT:    %4 = llvm.udiv %a, %b : i32
// CHECK-NEXT:    %5 = llvm.srem %a, %b : i32
// CHECK-NEXT:    %6 = llvm.urem %a, %b : i32
// CHECK-NEXT:    %7 = llvm.and %a, %b : i32
// CHECK-NEXT:    %8 = llvm.or %a, %b : i32
// CHECK-NEXT:    %9 = llvm.xor %a, %b : i32
// CHECK-NEXT:    %10 = llvm.shl %a, %b overflow<nuw> : i32
// CHECK-NEXT:    %11 = llvm.ashr %a, %b : i32
// CHECK-NEXT:    %12 = llvm.lshr %a, %b : i32

func.func @float(%x: f64, %y: f64) -> (f64, f64, f64, f64, f64, f64, f64) {
  %0 = arith.addf %x, %y : f64
  %1 = arith.subf %x, %y fastmath<fast> : f64
  %2 = arith.mulf %x, %y fastmath<nnan, ninf> : f64
  %3 = arith.divf %x, %y : f64
  %4 = arith.negf %x : f64
  %5 = arith.remf %x, %y : f64
  %6 = arith.remf %x, %y fastmath<nsz> : f64
  func.return %0, %1, %2, %3, %4, %5, %6 : f64, f64, f64, f64, f64, f64, f64
}
// CHECK-LABEL: func.func @float
// CHECK-NEXT:    %0 = llvm.fadd %x, %y : f64
// CHECK-NEXT:    %1 = llvm.fsub %x, %y fastmath<fast> : f64
// CHECK-NEXT:    %2 = llvm.fmul %x, %y fastmath<nnan,ninf> : f64
// CHECK-NEXT:    %3 = llvm.fdiv %x, %y : f64
// CHECK-NEXT:    %4 = llvm.fneg %x : f64
// CHECK-NEXT:    %5 = llvm.frem %x, %y : f64
// CHECK-NEXT:    %6 = llvm.frem %x, %y fastmath<nsz> : f64

func.func @constants() -> (i64, i1, f32, vector<2xi32>) {
  %0 = arith.constant 0 : i64
  %1 = arith.constant true
  %2 = arith.constant -2.5 : f32
  %3 = arith.constant dense<[1, 2]> : vector<2xi32>
  func.return %0, %1, %2, %3 : i64, i1, f32, vector<2xi32>
}
// CHECK-LABEL: func.func @constants
// CHECK-NEXT:    %0 = llvm.mlir.constant(0) : i64
// CHECK-NEXT:    %1 = llvm.mlir.constant(true) : i1
// CHECK-NEXT:    %2 = llvm.mlir.constant(-2.500000e+00 : f32) : f32
// CHECK-NEXT:    %3 = llvm.mlir.constant(dense<[1, 2]> : vector<2xi32>) : vector<2xi32>

func.func @compare(%a: i64, %b: i64, %x: f64, %y: f64) -> (i1, i1, i1, i1, i1, i1, i1, i64, i1) {
  %0 = arith.cmpi slt, %a, %b : i64
  %1 = arith.cmpi uge, %a, %b : i64
  %2 = arith.cmpf olt, %x, %y : f64
  %3 = arith.cmpf une, %x, %y : f64
  %4 = arith.cmpf uno, %x, %y : f64
  %5 = arith.cmpf false, %x, %y : f64
  %6 = arith.cmpf true, %x, %y : f64
  %7 = arith.select %0, %a, %b : i64
  %8 = arith.cmpf oge, %x, %y fastmath<nnan, ninf> : f64
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8 : i1, i1, i1, i1, i1, i1, i1, i64, i1
}
// CHECK-LABEL: func.func @compare
// CHECK-NEXT:    %0 = llvm.icmp "slt" %a, %b : i64
// CHECK-NEXT:    %1 = llvm.icmp "uge" %a, %b : i64
// CHECK-NEXT:    %2 = llvm.fcmp "olt" %x, %y : f64
// CHECK-NEXT:    %3 = llvm.fcmp "une" %x, %y : f64
// CHECK-NEXT:    %4 = llvm.fcmp "uno" %x, %y : f64
// CHECK-NEXT:    %5 = llvm.mlir.constant(false) : i1
// CHECK-NEXT:    %6 = llvm.mlir.constant(true) : i1
// CHECK-NEXT:    %7 = llvm.select %0, %a, %b : i1, i64
// CHECK-NEXT:    %8 = llvm.fcmp "oge" %x, %y fastmath<nnan,ninf> : f64

func.func @casts(%i: i32, %f: f32, %d: f64) -> (i64, i64, i16, f64, f64, i64, i64, f64, f32, i32) {
  %0 = arith.extsi %i : i32 to i64
  %1 = arith.extui %i : i32 to i64
  %2 = arith.trunci %i : i32 to i16
  %3 = arith.sitofp %i : i32 to f64
  %4 = arith.uitofp %i : i32 to f64
  %5 = arith.fptosi %d : f64 to i64
  %6 = arith.fptoui %d : f64 to i64
  %7 = arith.extf %f : f32 to f64
  %8 = arith.truncf %d : f64 to f32
  %9 = arith.bitcast %f : f32 to i32
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : i64, i64, i16, f64, f64, i64, i64, f64, f32, i32
}
// CHECK-LABEL: func.func @casts
// CHECK-NEXT:    %0 = llvm.sext %i : i32 to i64
// CHECK-NEXT:    %1 = llvm.zext %i : i32 to i64
// CHECK-NEXT:    %2 = llvm.trunc %i : i32 to i16
// CHECK-NEXT:    %3 = llvm.sitofp %i : i32 to f64
// CHECK-NEXT:    %4 = llvm.uitofp %i : i32 to f64
// CHECK-NEXT:    %5 = llvm.fptosi %d : f64 to i64
// CHECK-NEXT:    %6 = llvm.fptoui %d : f64 to i64
// CHECK-NEXT:    %7 = llvm.fpext %f : f32 to f64
// CHECK-NEXT:    %8 = llvm.fptrunc %d : f64 to f32
// CHECK-NEXT:    %9 = llvm.bitcast %f : f32 to i32

func.func @min_max(%a: i64, %b: i64, %x: f64, %y: f64, %v: vector<4xi32>) -> (i64, i64, i64, i64, f64, f64, f64, f64, f64, vector<4xi32>) {
  %0 = arith.minsi %a, %b : i64
  %1 = arith.maxsi %a, %b : i64
  %2 = arith.minui %a, %b : i64
  %3 = arith.maxui %a, %b : i64
  %4 = arith.minimumf %x, %y : f64
  %5 = arith.maximumf %x, %y : f64
  %6 = arith.minnumf %x, %y : f64
  %7 = arith.maxnumf %x, %y : f64
  %8 = arith.maximumf %x, %y fastmath<nnan> : f64
  %9 = arith.maxui %v, %v : vector<4xi32>
  func.return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : i64, i64, i64, i64, f64, f64, f64, f64, f64, vector<4xi32>
}
// CHECK-LABEL: func.func @min_max
// CHECK-NEXT:    %0 = llvm.intr.smin(%a, %b) : (i64, i64) -> i64
// CHECK-NEXT:    %1 = llvm.intr.smax(%a, %b) : (i64, i64) -> i64
// CHECK-NEXT:    %2 = llvm.intr.umin(%a, %b) : (i64, i64) -> i64
// CHECK-NEXT:    %3 = llvm.intr.umax(%a, %b) : (i64, i64) -> i64
// CHECK-NEXT:    %4 = llvm.intr.minimum(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %5 = llvm.intr.maximum(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %6 = llvm.intr.minnum(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %7 = llvm.intr.maxnum(%x, %y) : (f64, f64) -> f64
// CHECK-NEXT:    %8 = llvm.intr.maximum(%x, %y) fastmath<nnan> : (f64, f64) -> f64
// CHECK-NEXT:    %9 = llvm.intr.umax(%v, %v) : (vector<4xi32>, vector<4xi32>) -> vector<4xi32>

func.func @rounding_division(%a: i64, %b: i64) -> (i64, i64, i64) {
  %0 = arith.floordivsi %a, %b : i64
  %1 = arith.ceildivsi %a, %b : i64
  %2 = arith.ceildivui %a, %b : i64
  func.return %0, %1, %2 : i64, i64, i64
}
// CHECK-LABEL: func.func @rounding_division
// CHECK-NEXT:    %0 = llvm.sdiv %a, %b : i64
// CHECK-NEXT:    %1 = llvm.srem %a, %b : i64
// CHECK-NEXT:    %2 = llvm.mlir.constant(0) : i64
// CHECK-NEXT:    %3 = llvm.mlir.constant(-1) : i64
// CHECK-NEXT:    %4 = llvm.icmp "ne" %1, %2 : i64
// CHECK-NEXT:    %5 = llvm.xor %1, %b : i64
// CHECK-NEXT:    %6 = llvm.icmp "slt" %5, %2 : i64
// CHECK-NEXT:    %7 = llvm.and %4, %6 : i1
// CHECK-NEXT:    %8 = llvm.add %0, %3 : i64
// CHECK-NEXT:    %9 = llvm.select %7, %8, %0 : i1, i64
// CHECK-NEXT:    %10 = llvm.sdiv %a, %b : i64
// CHECK-NEXT:    %11 = llvm.srem %a, %b : i64
// CHECK-NEXT:    %12 = llvm.mlir.constant(0) : i64
// CHECK-NEXT:    %13 = llvm.mlir.constant(1) : i64
// CHECK-NEXT:    %14 = llvm.icmp "ne" %11, %12 : i64
// CHECK-NEXT:    %15 = llvm.xor %11, %b : i64
// CHECK-NEXT:    %16 = llvm.icmp "sge" %15, %12 : i64
// CHECK-NEXT:    %17 = llvm.and %14, %16 : i1
// CHECK-NEXT:    %18 = llvm.add %10, %13 : i64
// CHECK-NEXT:    %19 = llvm.select %17, %18, %10 : i1, i64
// CHECK-NEXT:    %20 = llvm.udiv %a, %b : i64
// CHECK-NEXT:    %21 = llvm.urem %a, %b : i64
// CHECK-NEXT:    %22 = llvm.mlir.constant(0) : i64
// CHECK-NEXT:    %23 = llvm.icmp "ne" %21, %22 : i64
// CHECK-NEXT:    %24 = llvm.zext %23 : i1 to i64
// CHECK-NEXT:    %25 = llvm.add %20, %24 : i64
// CHECK-NEXT:    func.return %9, %19, %25 : i64, i64, i64

// -----

func.func @index_left(%a: index) -> index {
  %0 = arith.addi %a, %a : index
  func.return %0 : index
}
// CHECK: convert-arith-to-llvm.mlir:{{[0-9]+}}:8: error: 'arith.addi': it has index type: run convert-index-to-i64 first

// -----

func.func @unsupported(%a: i32, %b: i32) -> i32 {
  %sum, %carry = arith.addui_extended %a, %b : i32, i1
  func.return %sum : i32
}
// CHECK: convert-arith-to-llvm.mlir:{{[0-9]+}}:18: error: 'arith.addui_extended': convert-arith-to-llvm cannot lower this op
