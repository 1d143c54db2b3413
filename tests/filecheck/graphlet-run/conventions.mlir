// `--args=N` passes N; a declaration nothing calls need not resolve.
// RUN: graphlet-run %s --entry f --args=41 | filecheck %s
// RUN: graphlet-run %s --entry f --args 41 --interpret | filecheck %s
// CHECK: 42
func.func private @unused_and_unresolvable(i64) -> i64

func.func @f(%a: i64) -> i64 {
  %one = arith.constant 1 : i64
  %r = arith.addi %a, %one : i64
  func.return %r : i64
}
