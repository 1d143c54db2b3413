// RUN: graphlet-opt %s -p defer-float-flag-guards --split-input-file | filecheck %s
// RUN: env GRAPHLET_DEFER_FLOAT_FLAGS=0 graphlet-opt %s -p defer-float-flag-guards --split-input-file | filecheck %s --check-prefix=OFF

// x * x as a NumPy float64 scalar: the float-flags guard becomes a sticky flag, the
// return reruns @square__exact (the function as it was) when the flag is set, and the
// ZeroDivisionError guard hands back first when it is. The test of %y's finiteness
// moves to the exits: into the hand-back test before the raising guard, and into the
// flag before the return.
func.func @square(%x: f64, %d: i64) -> f64 {
  %y = arith.mulf %x, %x : f64
  %a = math.absf %y : f64
  %inf = arith.constant 0x7FF0000000000000 : f64
  %fin = arith.cmpf olt, %a, %inf : f64
  %true = arith.constant true
  %nf = arith.xori %fin, %true : i1
  cf.cond_br %nf, ^warn, ^join
^warn:
  %ax = math.absf %x : f64
  %finx = arith.cmpf olt, %ax, %inf : f64
  %ok = arith.xori %finx, %true : i1
  pyrt.guard %ok, "HandBack" {float_flags}
  cf.br ^join
^join:
  %c0 = arith.constant 0 : i64
  %nz = arith.cmpi ne, %d, %c0 : i64
  pyrt.guard %nz, "ZeroDivisionError"
  func.return %y : f64
}
// CHECK-LABEL: func.func @square(%x: f64, %d: i64) -> f64 {
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    %[[FLAG:.*]] = llvm.alloca %[[ONE]] x i1
// CHECK-NEXT:    %[[FALSE:.*]] = arith.constant false
// CHECK-NEXT:    %[[TRUE:.*]] = arith.constant true
// CHECK-NEXT:    llvm.store %[[FALSE]], %[[FLAG]]
// CHECK:         %nf = arith.xori %fin, %true : i1
// CHECK-NEXT:    cf.br ^[[JOIN:.*]]
// CHECK-NEXT:  ^[[JOIN]]:
// CHECK:         %nz = arith.cmpi ne, %d, %c0 : i64
// CHECK-NEXT:    %[[SET:.*]] = llvm.load %[[FLAG]] : !llvm.ptr -> i1
// CHECK-NEXT:    %[[CLEAR:.*]] = arith.xori %[[SET]], %[[TRUE]] : i1
// CHECK-NEXT:    %[[EITHER:.*]] = arith.ori %nz, %[[CLEAR]] : i1
// CHECK-NEXT:    %[[INF:.*]] = arith.constant 0x7ff0000000000000 : f64
// CHECK-NEXT:    %[[ABS:.*]] = math.absf %y : f64
// CHECK-NEXT:    %[[NF:.*]] = arith.cmpf uge, %[[ABS]], %[[INF]] : f64
// CHECK-NEXT:    %[[FINITE:.*]] = arith.xori %[[NF]], %[[TRUE]] : i1
// CHECK-NEXT:    %[[UNFLAGGED:.*]] = arith.ori %nz, %[[FINITE]] : i1
// CHECK-NEXT:    %[[BOTH:.*]] = arith.andi %[[EITHER]], %[[UNFLAGGED]] : i1
// CHECK-NEXT:    pyrt.guard %[[BOTH]], "HandBack"
// CHECK-NEXT:    pyrt.guard %nz, "ZeroDivisionError"
// CHECK-NEXT:    %[[INF2:.*]] = arith.constant 0x7ff0000000000000 : f64
// CHECK-NEXT:    %[[ABS2:.*]] = math.absf %y : f64
// CHECK-NEXT:    %[[NF2:.*]] = arith.cmpf uge, %[[ABS2]], %[[INF2]] : f64
// CHECK-NEXT:    %[[OLD:.*]] = llvm.load %[[FLAG]] : !llvm.ptr -> i1
// CHECK-NEXT:    %[[NEW:.*]] = arith.ori %[[OLD]], %[[NF2]] : i1
// CHECK-NEXT:    llvm.store %[[NEW]], %[[FLAG]]
// CHECK-NEXT:    %[[AT_END:.*]] = llvm.load %[[FLAG]] : !llvm.ptr -> i1
// CHECK-NEXT:    cf.cond_br %[[AT_END]], ^[[AGAIN:.*]], ^[[RETURN:.*]]
// CHECK-NEXT:  ^[[RETURN]]:
// CHECK-NEXT:    func.return %y : f64
// CHECK-NEXT:  ^[[AGAIN]]:
// CHECK-NEXT:    %[[EXACT:.*]] = func.call @square__exact(%x, %d) : (f64, i64) -> f64
// CHECK-NEXT:    func.return %[[EXACT]] : f64
// CHECK-NEXT:  }
// CHECK-NEXT:  func.func private @square__exact(%x: f64, %d: i64) -> f64 {
// CHECK:         cf.cond_br %nf, ^{{.*}}, ^{{.*}}
// CHECK:         pyrt.guard %ok, "HandBack" {float_flags}
// OFF-NOT:       __exact
// OFF-NOT:       llvm.alloca

// -----

// A call could have effects that a rerun would repeat: left as it is.
func.func private @g() -> ()
func.func @calls(%x: f64) -> f64 {
  func.call @g() : () -> ()
  %y = arith.mulf %x, %x : f64
  %true = arith.constant true
  cf.cond_br %true, ^warn, ^join
^warn:
  %false = arith.constant false
  pyrt.guard %false, "HandBack" {float_flags}
  cf.br ^join
^join:
  func.return %y : f64
}
// CHECK-LABEL: func.func @calls
// CHECK-NOT:     llvm.alloca
// CHECK:         pyrt.guard %false, "HandBack" {float_flags}
// CHECK-NOT:     __exact

// -----

// A loop that exits on a float (`while y < 100: y = y * y`): past a deferred warning it
// could run on where NumPy under np.seterr(all="raise") stops; left as it is.
func.func @grow(%x: f64) -> f64 {
  %c100 = arith.constant 100.0 : f64
  %true = arith.constant true
  cf.br ^head(%x : f64)
^head(%y: f64):
  %lt = arith.cmpf olt, %y, %c100 : f64
  cf.cond_br %lt, ^body, ^exit
^body:
  %z = arith.mulf %y, %y : f64
  cf.cond_br %true, ^warn, ^join
^warn:
  %false = arith.constant false
  pyrt.guard %false, "HandBack" {float_flags}
  cf.br ^join
^join:
  cf.br ^head(%z : f64)
^exit:
  func.return %y : f64
}
// CHECK-LABEL: func.func @grow
// CHECK-NOT:     llvm.alloca
// CHECK:         pyrt.guard %false, "HandBack" {float_flags}
// CHECK-NOT:     __exact

// -----

// A sum of squares (`s += x * x`): an infinity or NaN of x * x reaches the sum, and
// through the loop's block argument every later sum, so the loop tests nothing and
// the one test of %s is before the return.
func.func @sum(%x: f64, %n: i64) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %zero = arith.constant 0.0 : f64
  %inf = arith.constant 0x7FF0000000000000 : f64
  %true = arith.constant true
  %false = arith.constant false
  cf.br ^head(%c0, %zero : i64, f64)
^head(%i: i64, %s: f64):
  %lt = arith.cmpi slt, %i, %n : i64
  cf.cond_br %lt, ^body, ^exit
^body:
  %p = arith.mulf %x, %x : f64
  %pa = math.absf %p : f64
  %pfin = arith.cmpf olt, %pa, %inf : f64
  %pnf = arith.xori %pfin, %true : i1
  cf.cond_br %pnf, ^pwarn, ^pjoin
^pwarn:
  pyrt.guard %false, "HandBack" {float_flags}
  cf.br ^pjoin
^pjoin:
  %t = arith.addf %s, %p : f64
  %ta = math.absf %t : f64
  %tfin = arith.cmpf olt, %ta, %inf : f64
  %tnf = arith.xori %tfin, %true : i1
  cf.cond_br %tnf, ^twarn, ^tjoin
^twarn:
  pyrt.guard %false, "HandBack" {float_flags}
  cf.br ^tjoin
^tjoin:
  %next = arith.addi %i, %c1 : i64
  cf.br ^head(%next, %t : i64, f64)
^exit:
  func.return %s : f64
}
// CHECK-LABEL: func.func @sum
// CHECK:         llvm.store
// CHECK-NOT:     llvm.store
// CHECK:         cf.br ^{{.*}}(%next, %t : i64, f64)
// CHECK:         %[[ABS:.*]] = math.absf %s : f64
// CHECK-NEXT:    %[[NF:.*]] = arith.cmpf uge, %[[ABS]], %{{.*}} : f64
// CHECK-NEXT:    %[[OLD:.*]] = llvm.load
// CHECK-NEXT:    %[[NEW:.*]] = arith.ori %[[OLD]], %[[NF]] : i1
// CHECK-NEXT:    llvm.store %[[NEW]]
// CHECK-NEXT:    %[[AT_END:.*]] = llvm.load
// CHECK-NEXT:    cf.cond_br %[[AT_END]]
// CHECK-NEXT:  ^{{.*}}:
// CHECK-NEXT:    func.return %s : f64

// -----

// A guard that bounds a float on both sides (int()'s range test) passes only for a
// finite one: the pending test of x * x is settled there, none is left for the return.
func.func @truncate(%x: f64) -> i64 {
  %y = arith.mulf %x, %x : f64
  %a = math.absf %y : f64
  %inf = arith.constant 0x7FF0000000000000 : f64
  %fin = arith.cmpf olt, %a, %inf : f64
  %true = arith.constant true
  %nf = arith.xori %fin, %true : i1
  cf.cond_br %nf, ^warn, ^join
^warn:
  %false = arith.constant false
  pyrt.guard %false, "HandBack" {float_flags}
  cf.br ^join
^join:
  %lo = arith.constant -9.2233720368547758e+18 : f64
  %hi = arith.constant 9.2233720368547758e+18 : f64
  %above = arith.cmpf oge, %y, %lo : f64
  %below = arith.cmpf olt, %y, %hi : f64
  %fits = arith.andi %above, %below : i1
  pyrt.guard %fits, "HandBack"
  %r = arith.fptosi %y : f64 to i64
  func.return %r : i64
}
// CHECK-LABEL: func.func @truncate
// CHECK:         pyrt.guard %fits, "HandBack"
// CHECK-NEXT:    %r = arith.fptosi %y : f64 to i64
// CHECK-NEXT:    %[[AT_END:.*]] = llvm.load
// CHECK-NEXT:    cf.cond_br %[[AT_END]]
