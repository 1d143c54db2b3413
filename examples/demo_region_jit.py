"""The first seed's region-JIT demo, on `@graphlet.jit`.

    python -m examples.demo_region_jit
    GRAPHLET_DEBUG=1 python -m examples.demo_region_jit     # CAPTURE/COMPILE/EXEC/FALLBACK trace

`multiply_add` is captured from its bytecode and runs as native code. `report`
has a graph break (the `print` call): the arithmetic is still captured and
compiled, and when a call reaches the `print` the native code hands the call back to
CPython, which runs the function from the top so the line is printed exactly once.
`graphlet.explain` says where and why.
"""

import graphlet


@graphlet.jit
def multiply_add(a, b, c):
    return a * b + c


@graphlet.jit
def report(a, b, c):
    x = a * b + c
    if x > 10:
        print("  (python) x is large:", x)
    return x**2 % 7


def main() -> None:
    print("multiply_add(2, 3, 4) =", multiply_add(2, 3, 4))
    print("multiply_add(1.5, 2, 0.25) =", multiply_add(1.5, 2, 0.25))
    print("report(1, 2, 3) =", report(1, 2, 3))
    print("report(4, 5, 6) =", report(4, 5, 6))
    print()
    print(graphlet.explain(report, 4, 5, 6))


if __name__ == "__main__":
    main()
