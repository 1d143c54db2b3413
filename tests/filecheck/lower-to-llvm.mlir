// RUN: graphlet-opt %s -p lower-to-llvm | filecheck %s
// RUN: graphlet-opt %s -p lower-to-llvm -t llvm | filecheck %s --check-prefix=IR
// RUN: graphlet-opt %s -p lower-to-llvm -t 'jit-call{function=main}' | filecheck %s --check-prefix=EXEC
// RUN: graphlet-opt %s -p lower-std-to-llvm -t 'jit-call{function=main}' | filecheck %s --check-prefix=STD
// RUN: not graphlet-opt %s -t llvm 2>&1 | filecheck %s --check-prefix=UNLOWERED

// lower-to-llvm includes convert-guards-to-status: every function with a body
// returns a leading i32 status (0 = ok). lower-std-to-llvm keeps the signatures.

// Only llvm-dialect ops are left.
// CHECK-NOT: {{(func|arith|math|scf|cf|index)\.}}
// CHECK-NOT: index

func.func private @sum_below(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> (index) {
    %a = arith.addi %acc, %i : index
    scf.yield %a : index
  }
  func.return %r : index
}

func.func @collatz_steps(%n: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %r:2 = scf.while (%x = %n, %steps = %c0) : (i64, i64) -> (i64, i64) {
    %more = arith.cmpi sgt, %x, %c1 : i64
    scf.condition(%more) %x, %steps : i64, i64
  } do {
  ^bb0(%x: i64, %steps: i64):
    %rem = arith.remsi %x, %c2 : i64
    %even = arith.cmpi eq, %rem, %c0 : i64
    %next = scf.if %even -> (i64) {
      %h = arith.divsi %x, %c2 : i64
      scf.yield %h : i64
    } else {
      %t = arith.muli %x, %c3 : i64
      %t1 = arith.addi %t, %c1 : i64
      scf.yield %t1 : i64
    }
    %s1 = arith.addi %steps, %c1 : i64
    scf.yield %next, %s1 : i64, i64
  }
  func.return %r#1 : i64
}

func.func @pick(%k: index) -> f64 {
  %r = scf.index_switch %k -> f64
  case 0 {
    %a = arith.constant 0.5 : f64
    scf.yield %a : f64
  }
  case 1 {
    %b = arith.constant 1.5 : f64
    scf.yield %b : f64
  }
  default {
    %c = arith.constant -1.0 : f64
    scf.yield %c : f64
  }
  func.return %r : f64
}

func.func @main() -> (i64, i64, f64, i1, i32) attributes {llvm.emit_c_interface} {
  %c10 = arith.constant 10 : index
  %sum = func.call @sum_below(%c10) : (index) -> index
  %sum_i64 = arith.index_cast %sum : index to i64
  %c27 = arith.constant 27 : i64
  %steps = func.call @collatz_steps(%c27) : (i64) -> i64
  %c1 = arith.constant 1 : index
  %picked = func.call @pick(%c1) : (index) -> f64
  %root = math.sqrt %picked : f64
  %t = math.tanh %root : f64
  %neg = arith.negf %t : f64
  %less = arith.cmpf olt, %neg, %t : f64
  %as_int = arith.fptosi %picked : f64 to i32
  func.return %sum_i64, %steps, %t, %less, %as_int : i64, i64, f64, i1, i32
}
// IR:       define internal {i32, i64} @"sum_below"(i64 %{{.*}})
// IR:       define {i32, i64} @"collatz_steps"(i64 %{{.*}})
// IR:       phi
// IR:       define {i32, double} @"pick"(i64 %{{.*}})
// IR:       icmp eq i32
// IR:       define {i32, i64, i64, double, i1, i32} @"main"()
// IR:         call ccc double @"tanh"(double %{{.*}})
// IR:         fptosi double %{{.*}} to i32
// IR:       define void @"_mlir_ciface_main"(ptr %{{.*}})
// IR:       declare double @"tanh"(double %{{.*}})

// sum 0..9 = 45; 27 takes 111 Collatz steps; tanh(sqrt(1.5)) = 0.8411...; fptosi 1.5 = 1.
// EXEC:      result 0: 0
// EXEC-NEXT: result 1: 45
// EXEC-NEXT: result 2: 111
// EXEC-NEXT: result 3: 0.841048257
// EXEC-NEXT: result 4: True
// EXEC-NEXT: result 5: 1
// STD:      result 0: 45
// STD-NEXT: result 1: 111
// STD-NEXT: result 2: 0.841048257
// STD-NEXT: result 3: True
// STD-NEXT: result 4: 1

// UNLOWERED: lower-to-llvm.mlir:{{[0-9]+}}:1: error: 'func.func': -t llvm translates only llvm.func and llvm.mlir.global at module level
