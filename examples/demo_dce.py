"""Constant folding and dead-code elimination on a builder graph, before and after.

Run: python -m examples.demo_dce
"""

from graphlet import Compiler, Graph
from graphlet.runtime import execute


def build() -> Graph:
    g = Graph()
    a = g.input("a")
    b = g.input("b")
    two_plus_three = g.add_op("add", g.const(2), g.const(3))  # folds to 5
    scaled = g.add_op("mul", a, two_plus_three)
    unused = g.add_op("mul", a, b)  # dead: never reaches an output
    g.add_op("sub", unused, g.const(1))  # dead too
    plus_zero = g.add_op("add", scaled, g.const(0))  # x + 0 -> x on ints
    g.set_outputs(g.add_op("add", plus_zero, b))
    return g


def main() -> None:
    g = build()
    print(f"before: {len(g.nodes)} nodes")
    print(g)
    optimized = Compiler().compile(g)
    print(f"after:  {len(optimized.nodes)} nodes")
    print(optimized)
    before, after = execute(g, a=2, b=3), execute(optimized, a=2, b=3)
    print(f"execute(a=2, b=3): before -> {before}, after -> {after}")
    assert before == after == 2 * 5 + 3


if __name__ == "__main__":
    main()
