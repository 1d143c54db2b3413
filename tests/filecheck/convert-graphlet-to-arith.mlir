// RUN: graphlet-opt %s -p convert-graphlet-to-arith --split-input-file --verify-diagnostics | filecheck %s
// Each graphlet op becomes arith/math/scf plus a pyrt.guard wherever Python raises
// (ZeroDivisionError, ValueError, OverflowError) or the answer leaves 64 bits (HandBack).
// RUN: graphlet-opt %s -p convert-graphlet-to-arith --split-input-file --verify-diagnostics | filecheck %s --check-prefix=NONE-LEFT
// NONE-LEFT-NOT: = graphlet.

func.func @add_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.add %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @add_i64(
// CHECK:         %r, %[[O:.*]] = pyrt.checked_addi %a, %b : i64
// CHECK:         %[[NO:.*]] = arith.xori %[[O]], %{{.*}} : i1
// CHECK:         pyrt.guard %[[NO]], "HandBack"
// CHECK:         func.return %r : i64

func.func @add_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.add %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @add_f64(
// CHECK:         %r = arith.addf %a, %b : f64

func.func @sub_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.sub %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @sub_i64(
// CHECK:         pyrt.checked_subi %a, %b : i64
// CHECK:         pyrt.guard %{{.*}}, "HandBack"

func.func @mul_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.mul %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @mul_i64(
// CHECK:         pyrt.checked_muli %a, %b : i64
// CHECK:         pyrt.guard %{{.*}}, "HandBack"

func.func @mul_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.mul %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @mul_f64(
// CHECK:         %r = arith.mulf %a, %b : f64

func.func @truediv_i64(%a: i64, %b: i64) -> f64 {
  %r = graphlet.truediv %a, %b : i64
  func.return %r : f64
}

// CHECK-LABEL: func.func @truediv_i64(
// CHECK:         %[[NZ:.*]] = arith.cmpi ne, %b, %{{.*}} : i64
// CHECK:         pyrt.guard %[[NZ]], "ZeroDivisionError"
// CHECK:         arith.constant 9007199254740992 : i64
// CHECK:         arith.constant 18014398509481984 : i64
// CHECK:         arith.cmpi ule
// CHECK:         arith.cmpi ule
// CHECK:         %[[SMALL:.*]] = arith.andi
// CHECK:         pyrt.guard %[[SMALL]], "HandBack"
// CHECK:         %[[FA:.*]] = arith.sitofp %a : i64 to f64
// CHECK:         %[[FB:.*]] = arith.sitofp %b : i64 to f64
// CHECK:         %r = arith.divf %[[FA]], %[[FB]] : f64

func.func @truediv_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.truediv %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @truediv_f64(
// CHECK:         %[[NZ:.*]] = arith.cmpf une, %b, %{{.*}} : f64
// CHECK:         pyrt.guard %[[NZ]], "ZeroDivisionError"
// CHECK:         %r = arith.divf %a, %b : f64

func.func @floordiv_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.floordiv %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @floordiv_i64(
// CHECK:         pyrt.guard %{{.*}}, "ZeroDivisionError"
// CHECK:         arith.constant -9223372036854775808 : i64
// CHECK:         arith.cmpi eq, %b, %{{.*}}
// CHECK:         pyrt.guard %{{.*}}, "HandBack"
// CHECK:         %[[Q:.*]] = arith.divsi %a, %b : i64
// CHECK:         %[[R:.*]] = arith.remsi %a, %b : i64
// CHECK:         arith.cmpi ne, %[[R]]
// CHECK:         %[[X:.*]] = arith.xori %[[R]], %b : i64
// CHECK:         arith.cmpi slt, %[[X]]
// CHECK:         %[[FIX:.*]] = arith.andi
// CHECK:         %[[QM1:.*]] = arith.subi %[[Q]], %{{.*}} : i64
// CHECK:         %r = arith.select %[[FIX]], %[[QM1]], %[[Q]] : i64

// The remainder of an infinity is libm's fmod call (its NaN is CPython's), of a finite a llvm.frem.
func.func @floordiv_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.floordiv %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @floordiv_f64(
// CHECK:         pyrt.guard %{{.*}}, "ZeroDivisionError"
// CHECK:         %[[INF:.*]] = arith.cmpf oeq, %{{.*}}, %{{.*}} : f64
// CHECK:         %[[MOD:.*]] = scf.if %[[INF]] -> (f64) {
// CHECK:           llvm.call @fmod(%a, %b) : (f64, f64) -> f64
// CHECK:         } else {
// CHECK:           llvm.frem %a, %b : f64
// CHECK:         }
// CHECK:         %[[AM:.*]] = arith.subf %a, %[[MOD]] : f64
// CHECK:         %[[DIV:.*]] = arith.divf %[[AM]], %b : f64
// CHECK:         math.floor
// CHECK:         arith.constant 5.000000e-01 : f64
// CHECK:         arith.cmpf ogt
// CHECK:         arith.divf %a, %b : f64
// CHECK:         math.copysign
// CHECK:         %r = arith.select

func.func @mod_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.mod %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @mod_i64(
// CHECK:         pyrt.guard %{{.*}}, "ZeroDivisionError"
// CHECK:         %[[M1:.*]] = arith.cmpi eq, %b, %{{.*}} : i64
// CHECK:         %[[SAFE:.*]] = arith.select %[[M1]], %{{.*}}, %b : i64
// CHECK:         %[[R:.*]] = arith.remsi %a, %[[SAFE]] : i64
// CHECK:         %[[RB:.*]] = arith.addi %[[R]], %b : i64
// CHECK:         %r = arith.select %{{.*}}, %[[RB]], %[[R]] : i64

func.func @mod_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.mod %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @mod_f64(
// CHECK:         pyrt.guard %{{.*}}, "ZeroDivisionError"
// CHECK:         %[[INF:.*]] = arith.cmpf oeq, %{{.*}}, %{{.*}} : f64
// CHECK:         %[[MOD:.*]] = scf.if %[[INF]] -> (f64) {
// CHECK:           llvm.call @fmod(%a, %b) : (f64, f64) -> f64
// CHECK:         } else {
// CHECK:           llvm.frem %a, %b : f64
// CHECK:         }
// CHECK:         %[[MB:.*]] = arith.addf %[[MOD]], %b : f64
// CHECK:         %[[FIXED:.*]] = arith.select %{{.*}}, %[[MB]], %[[MOD]] : f64
// CHECK:         %[[Z:.*]] = math.copysign %{{.*}}, %b : f64
// CHECK:         %r = arith.select %{{.*}}, %[[FIXED]], %[[Z]] : f64

func.func @pow_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.pow %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @pow_i64(
// CHECK:         %[[NN:.*]] = arith.cmpi sge, %b, %{{.*}} : i64
// CHECK:         pyrt.guard %[[NN]], "HandBack"
// CHECK:         %r, %{{.*}}, %{{.*}}, %[[OVF:.*]] = scf.while
// CHECK:         scf.condition
// CHECK:         } do {
// CHECK:         pyrt.checked_muli
// CHECK:         arith.shrsi
// CHECK:         pyrt.checked_muli
// CHECK:         scf.yield
// CHECK:         %[[OK:.*]] = arith.xori %[[OVF]], %{{.*}} : i1
// CHECK:         pyrt.guard %[[OK]], "HandBack"
// CHECK:         func.return %r : i64

func.func @pow_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.pow %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @pow_f64(
// CHECK:         llvm.frem
// CHECK:         pyrt.guard %{{.*}}, "ZeroDivisionError"
// CHECK:         math.floor %b : f64
// CHECK:         pyrt.guard %{{.*}}, "HandBack"
// CHECK:         %[[P:.*]] = math.powf %{{.*}}, %b : f64
// CHECK:         math.absf %[[P]] : f64
// CHECK:         pyrt.guard %{{.*}}, "OverflowError"
// CHECK:         arith.negf
// CHECK:         math.copysign
// CHECK:         %r = arith.select

func.func @min_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.min %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @min_i64(
// CHECK:         %[[LT:.*]] = arith.cmpi slt, %b, %a : i64
// CHECK:         %r = arith.select %[[LT]], %b, %a : i64

func.func @min_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.min %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @min_f64(
// CHECK:         %[[LT:.*]] = arith.cmpf olt, %b, %a : f64
// CHECK:         %r = arith.select %[[LT]], %b, %a : f64

func.func @max_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.max %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @max_f64(
// CHECK:         %[[GT:.*]] = arith.cmpf ogt, %b, %a : f64
// CHECK:         %r = arith.select %[[GT]], %b, %a : f64

func.func @and_i1(%a: i1, %b: i1) -> i1 {
  %r = graphlet.and %a, %b : i1
  func.return %r : i1
}

// CHECK-LABEL: func.func @and_i1(
// CHECK:         %r = arith.andi %a, %b : i1

func.func @or_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.or %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @or_i64(
// CHECK:         %r = arith.ori %a, %b : i64

func.func @xor_i1(%a: i1, %b: i1) -> i1 {
  %r = graphlet.xor %a, %b : i1
  func.return %r : i1
}

// CHECK-LABEL: func.func @xor_i1(
// CHECK:         %r = arith.xori %a, %b : i1

func.func @shl_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.shl %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @shl_i64(
// CHECK:         pyrt.guard %{{.*}}, "ValueError"
// CHECK:         %[[IN:.*]] = arith.cmpi ult, %b, %{{.*}} : i64
// CHECK:         %[[N:.*]] = arith.select %[[IN]], %b, %{{.*}} : i64
// CHECK:         %r = arith.shli %a, %[[N]] : i64
// CHECK:         %[[BACK:.*]] = arith.shrsi %r, %[[N]] : i64
// CHECK:         arith.cmpi eq, %[[BACK]], %a : i64
// CHECK:         pyrt.guard %{{.*}}, "HandBack"

func.func @shr_i64(%a: i64, %b: i64) -> i64 {
  %r = graphlet.shr %a, %b : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @shr_i64(
// CHECK:         pyrt.guard %{{.*}}, "ValueError"
// CHECK:         arith.constant 63 : i64
// CHECK:         %[[N:.*]] = arith.select
// CHECK:         %r = arith.shrsi %a, %[[N]] : i64

func.func @neg_i64(%a: i64) -> i64 {
  %r = graphlet.neg %a : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @neg_i64(
// CHECK:         %r, %{{.*}} = pyrt.checked_subi %{{.*}}, %a : i64
// CHECK:         pyrt.guard %{{.*}}, "HandBack"

func.func @neg_f64(%a: f64) -> f64 {
  %r = graphlet.neg %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @neg_f64(
// CHECK:         %r = arith.negf %a : f64

func.func @abs_i64(%a: i64) -> i64 {
  %r = graphlet.abs %a : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @abs_i64(
// CHECK:         %[[NEG:.*]], %{{.*}} = pyrt.checked_subi %{{.*}}, %a : i64
// CHECK:         pyrt.guard %{{.*}}, "HandBack"
// CHECK:         %[[LT:.*]] = arith.cmpi slt, %a, %{{.*}} : i64
// CHECK:         %r = arith.select %[[LT]], %[[NEG]], %a : i64

func.func @abs_f64(%a: f64) -> f64 {
  %r = graphlet.abs %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @abs_f64(
// CHECK:         %r = math.absf %a : f64

func.func @exp_f64(%a: f64) -> f64 {
  %r = graphlet.exp %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @exp_f64(
// CHECK:         %r = math.exp %a : f64
// CHECK:         math.absf %r : f64
// CHECK:         pyrt.guard %{{.*}}, "OverflowError"

func.func @exp_i64(%a: i64) -> f64 {
  %r = graphlet.exp %a : i64
  func.return %r : f64
}

// CHECK-LABEL: func.func @exp_i64(
// CHECK:         %[[X:.*]] = arith.sitofp %a : i64 to f64
// CHECK:         %r = math.exp %[[X]] : f64
// CHECK:         pyrt.guard %{{.*}}, "OverflowError"

func.func @log_f64(%a: f64) -> f64 {
  %r = graphlet.log %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @log_f64(
// CHECK:         %[[OK:.*]] = arith.cmpf ugt, %a, %{{.*}} : f64
// CHECK:         pyrt.guard %[[OK]], "ValueError"
// CHECK:         %r = math.log %a : f64

func.func @sqrt_f64(%a: f64) -> f64 {
  %r = graphlet.sqrt %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @sqrt_f64(
// CHECK:         %[[OK:.*]] = arith.cmpf uge, %a, %{{.*}} : f64
// CHECK:         pyrt.guard %[[OK]], "ValueError"
// CHECK:         %r = math.sqrt %a : f64

func.func @sin_f64(%a: f64) -> f64 {
  %r = graphlet.sin %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @sin_f64(
// CHECK:         math.absf %a
// CHECK:         arith.cmpf oeq
// CHECK:         pyrt.guard %{{.*}}, "ValueError"
// CHECK:         %r = math.sin %a : f64

func.func @cos_f64(%a: f64) -> f64 {
  %r = graphlet.cos %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @cos_f64(
// CHECK:         pyrt.guard %{{.*}}, "ValueError"
// CHECK:         %r = math.cos %a : f64

func.func @tanh_f64(%a: f64) -> f64 {
  %r = graphlet.tanh %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @tanh_f64(
// CHECK:         %r = math.tanh %a : f64

func.func @floor_f64(%a: f64) -> f64 {
  %r = graphlet.floor %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @floor_f64(
// CHECK:         %r = math.floor %a : f64

func.func @floor_i64(%a: i64) -> i64 {
  %r = graphlet.floor %a : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @floor_i64(
// CHECK:         func.return %a : i64

func.func @ceil_f64(%a: f64) -> f64 {
  %r = graphlet.ceil %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @ceil_f64(
// CHECK:         %r = math.ceil %a : f64

func.func @relu_f64(%a: f64) -> f64 {
  %r = graphlet.relu %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @relu_f64(
// CHECK:         %[[Z:.*]] = arith.constant 0.000000e+00 : f64
// CHECK:         %[[POS:.*]] = arith.cmpf ugt, %a, %[[Z]] : f64
// CHECK:         %r = arith.select %[[POS]], %a, %[[Z]] : f64

func.func @relu_i64(%a: i64) -> i64 {
  %r = graphlet.relu %a : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @relu_i64(
// CHECK:         %[[POS:.*]] = arith.cmpi sgt, %a, %{{.*}} : i64
// CHECK:         %r = arith.select %[[POS]], %a, %{{.*}} : i64

func.func @cast_i1_i64(%a: i1) -> i64 {
  %r = graphlet.cast %a : i1 to i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @cast_i1_i64(
// CHECK:         %r = arith.extui %a : i1 to i64

func.func @cast_i1_f64(%a: i1) -> f64 {
  %r = graphlet.cast %a : i1 to f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @cast_i1_f64(
// CHECK:         arith.constant 1.000000e+00 : f64
// CHECK:         arith.constant 0.000000e+00 : f64
// CHECK:         %r = arith.select %a, %{{.*}}, %{{.*}} : f64

func.func @cast_i64_i1(%a: i64) -> i1 {
  %r = graphlet.cast %a : i64 to i1
  func.return %r : i1
}

// CHECK-LABEL: func.func @cast_i64_i1(
// CHECK:         %r = arith.cmpi ne, %a, %{{.*}} : i64

func.func @cast_i64_f64(%a: i64) -> f64 {
  %r = graphlet.cast %a : i64 to f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @cast_i64_f64(
// CHECK:         %r = arith.sitofp %a : i64 to f64

func.func @cast_f64_i1(%a: f64) -> i1 {
  %r = graphlet.cast %a : f64 to i1
  func.return %r : i1
}

// CHECK-LABEL: func.func @cast_f64_i1(
// CHECK:         %r = arith.cmpf une, %a, %{{.*}} : f64

func.func @cast_f64_i64(%a: f64) -> i64 {
  %r = graphlet.cast %a : f64 to i64
  func.return %r : i64
}

// One range test on the common path (NaN and the infinities fail it too); which of
// Python's outcomes it is (ValueError, OverflowError, a big int) only where it fails.
// CHECK-LABEL: func.func @cast_f64_i64(
// CHECK:         arith.constant -9.2233720368547758e+18 : f64
// CHECK:         arith.cmpf oge
// CHECK:         arith.constant 9.2233720368547758e+18 : f64
// CHECK:         arith.cmpf olt
// CHECK:         %[[FITS:.*]] = arith.andi
// CHECK:         %[[RARE:.*]] = arith.xori %[[FITS]]
// CHECK-NEXT:    scf.if %[[RARE]] {
// CHECK-NEXT:      %[[NOTNAN:.*]] = arith.cmpf ord, %a, %a : f64
// CHECK-NEXT:      pyrt.guard %[[NOTNAN]], "ValueError"
// CHECK:           pyrt.guard %{{.*}}, "OverflowError"
// CHECK-NEXT:      pyrt.guard %[[FITS]], "HandBack"
// CHECK-NEXT:    }
// CHECK-NEXT:    %r = arith.fptosi %a : f64 to i64

func.func @cmp(%a: i64, %b: i64, %x: f64, %y: f64, %p: i1, %q: i1) -> (i1, i1, i1, i1) {
  %0 = graphlet.cmp lt, %a, %b : i64
  %1 = graphlet.cmp ne, %x, %y : f64
  %2 = graphlet.cmp le, %x, %y : f64
  %3 = graphlet.cmp gt, %p, %q : i1
  func.return %0, %1, %2, %3 : i1, i1, i1, i1
}

// CHECK-LABEL: func.func @cmp(
// CHECK:         arith.cmpi slt, %a, %b : i64
// CHECK:         arith.cmpf une, %x, %y : f64
// CHECK:         arith.cmpf ole, %x, %y : f64
// CHECK:         arith.cmpi ugt, %p, %q : i1

func.func @select_const(%c: i1, %x: f64) -> f64 {
  %k = graphlet.constant 2.5 : f64
  %r = graphlet.select %c, %x, %k : f64
  func.return %r : f64
}
// CHECK-LABEL: func.func @select_const(
// CHECK:         %k = arith.constant 2.500000e+00 : f64
// CHECK:         %r = arith.select %c, %x, %k : f64

// The `math` functions CPython takes from libm: the same C function, a guard where
// `math_1` raises (NaN from a non-NaN operand, an infinity from a finite one).
func.func @tan_f64(%a: f64) -> f64 {
  %r = graphlet.tan %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @tan_f64(
// CHECK:         %r = math.tan %a : f64
// CHECK:         %[[BAD:.*]] = arith.ori
// CHECK:         %[[OK:.*]] = arith.xori %[[BAD]]
// CHECK:         pyrt.guard %[[OK]], "ValueError"
// CHECK:         func.return %r : f64

func.func @atan2_f64(%y: f64, %x: f64) -> f64 {
  %r = graphlet.atan2 %y, %x : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @atan2_f64(
// CHECK:         %[[NAN_IN:.*]] = arith.ori
// CHECK:         %[[NAN:.*]] = arith.constant 0x7ff8000000000000 : f64
// CHECK:         %[[R:.*]] = math.atan2 %y, %x : f64
// CHECK:         %r = arith.select %[[NAN_IN]], %[[NAN]], %[[R]] : f64

func.func @fmod_f64(%x: f64, %y: f64) -> f64 {
  %r = graphlet.fmod %x, %y : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @fmod_f64(
// CHECK:         %[[R:.*]] = llvm.frem %x, %y : f64
// CHECK:         pyrt.guard %{{.*}}, "ValueError"
// CHECK:         %r = arith.select %{{.*}}, %x, %[[R]] : f64

func.func @hypot_f64(%x: f64, %y: f64) -> f64 {
  %r = graphlet.hypot %x, %y : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @hypot_f64(
// CHECK:         %[[H:.*]] = llvm.call @hypot(%x, %y) : (f64, f64) -> f64
// CHECK:         pyrt.guard %{{.*}}, "OverflowError"
// CHECK:         %r = arith.select %{{.*}}, %{{.*}}, %[[H]] : f64
// CHECK:       llvm.func @hypot(f64, f64) -> f64

// -----

func.func @roundeven_f64(%a: f64) -> f64 {
  %r = graphlet.roundeven %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @roundeven_f64(
// CHECK:         %r = math.roundeven %a : f64

func.func @roundeven_i64(%a: i64) -> i64 {
  %r = graphlet.roundeven %a : i64
  func.return %r : i64
}

// CHECK-LABEL: func.func @roundeven_i64(
// CHECK-NEXT:    func.return %a : i64

// -----

// A graphlet op left behind (here one on tensors: the tensor pipeline's) is refused.
func.func @tensor_add(%a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = graphlet.add %a, %a : tensor<2xf32>
  func.return %0 : tensor<2xf32>
}
// CHECK: convert-graphlet-to-arith.mlir:{{[0-9]+}}:8: error: 'graphlet.add': convert-graphlet-to-arith cannot lower this op: it works on tensors, which lower-tensors-to-llvm lowers (convert-graphlet-to-linalg)

// -----

// libm functions xDSL's math dialect has no op for are called by name.

func.func @erfc_f64(%a: f64) -> f64 {
  %r = graphlet.erfc %a : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @erfc_f64(
// CHECK:         %r = llvm.call @erfc(%a) : (f64) -> f64
// CHECK:         pyrt.guard %{{.*}}, "ValueError"

func.func @nextafter_f64(%a: f64, %b: f64) -> f64 {
  %r = graphlet.nextafter %a, %b : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @nextafter_f64(
// CHECK-NEXT:    %r = llvm.call @nextafter(%a, %b) : (f64, f64) -> f64
// CHECK-NEXT:    func.return %r : f64
// CHECK:       llvm.func @erfc(f64) -> f64
// CHECK:       llvm.func @nextafter(f64, f64) -> f64
