// RUN: graphlet-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @mixed(%a: i64, %x: f64) {
  %0 = "graphlet.add"(%a, %x) : (i64, f64) -> i64
  func.return
}

// CHECK: {{.*}}invalid.mlir:4:8: error: 'graphlet.add' operands must have the same type, got i64 and f64 (insert a graphlet.cast)

// -----

func.func @bool_arith(%p: i1) {
  %0 = graphlet.mul %p, %p : i1
  func.return
}

// CHECK: {{.*}}invalid.mlir:13:8: error: 'graphlet.mul' operand of type i1 is not one of i64, f64

// -----

func.func @float_shift(%x: f64) {
  %0 = graphlet.shl %x, %x : f64
  func.return
}

// CHECK: {{.*}}invalid.mlir:22:8: error: 'graphlet.shl' operand of type f64 is not one of i64

// -----

func.func @float_and(%x: f64) {
  %0 = graphlet.and %x, %x : f64
  func.return
}

// CHECK: {{.*}}invalid.mlir:31:8: error: 'graphlet.and' operand of type f64 is not one of i1, i64

// -----

func.func @i32_operand(%a: i32) {
  %0 = graphlet.neg %a : i32
  func.return
}

// CHECK: {{.*}}invalid.mlir:40:8: error: 'graphlet.neg' operand of type i32 is not one of i64, f64

// -----

func.func @bad_predicate(%a: i64) {
  %0 = "graphlet.cmp"(%a, %a) <{predicate = "ult"}> : (i64, i64) -> i1
  func.return
}

// CHECK: {{.*}}invalid.mlir:49:8: error: 'graphlet.cmp' predicate 'ult' is not one of eq, ne, lt, le, gt, ge

// -----

func.func @cmp_result(%a: i64) {
  %0 = "graphlet.cmp"(%a, %a) <{predicate = "lt"}> : (i64, i64) -> i64
  func.return
}

// CHECK: {{.*}}invalid.mlir:58:8: error: 'graphlet.cmp' result type must be i1, got i64

// -----

func.func @truediv_result(%a: i64) {
  %0 = "graphlet.truediv"(%a, %a) : (i64, i64) -> i64
  func.return
}

// CHECK: {{.*}}invalid.mlir:67:8: error: 'graphlet.truediv' result type must be f64 for i64 operands, got i64

// -----

func.func @exp_result(%a: i64) {
  %0 = "graphlet.exp"(%a) : (i64) -> i64
  func.return
}

// CHECK: {{.*}}invalid.mlir:76:8: error: 'graphlet.exp' result type must be f64 for i64 operands, got i64

// -----

func.func @add_result(%a: i64) {
  %0 = "graphlet.add"(%a, %a) : (i64, i64) -> f64
  func.return
}

// CHECK: {{.*}}invalid.mlir:85:8: error: 'graphlet.add' result type must be i64 for i64 operands, got f64

// -----

func.func @select_cond(%a: i64, %x: f64) {
  %0 = "graphlet.select"(%a, %x, %x) : (i64, f64, f64) -> f64
  func.return
}

// CHECK: {{.*}}invalid.mlir:94:8: error: 'graphlet.select' condition must be i1, got i64

// -----

func.func @select_mixed(%p: i1, %a: i64, %x: f64) {
  %0 = "graphlet.select"(%p, %a, %x) : (i1, i64, f64) -> f64
  func.return
}

// CHECK: {{.*}}invalid.mlir:103:8: error: 'graphlet.select' operands must have the same type, got i64 and f64 (insert a graphlet.cast)

// -----

func.func @cast_to_i32(%x: f64) {
  %0 = graphlet.cast %x : f64 to i32
  func.return
}

// CHECK: {{.*}}invalid.mlir:112:8: error: 'graphlet.cast' result type must be i1, i64 or f64, got i32

// -----

func.func @cast_from_index(%i: index) {
  %0 = graphlet.cast %i : index to i64
  func.return
}

// CHECK: {{.*}}invalid.mlir:121:8: error: 'graphlet.cast' operand type must be i1, i64 or f64, got index

// -----

%c = graphlet.constant 1 : i32

// CHECK: {{.*}}invalid.mlir:129:6: error: 'graphlet.constant' value type must be i1, i64 or f64, got i32

// -----

%c = graphlet.constant 1.0 : f32

// CHECK: {{.*}}invalid.mlir:135:6: error: 'graphlet.constant' value type must be i1, i64 or f64, got f32

// -----

%c = "graphlet.constant"() <{value = 1 : i64}> : () -> f64

// CHECK: {{.*}}invalid.mlir:141:6: error: 'graphlet.constant' result type f64 differs from its value's type i64
