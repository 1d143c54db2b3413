"""CPython vs Numba vs `@graphlet.jit` on loop kernels (scalars, tuples, lists), side by side.

    python benchmarks/bench_jit.py            # a few minutes; writes benchmarks/results/jit.<time>.md
                                              # beside jit.md (--replace: jit.md itself)
    python benchmarks/bench_jit.py array      # only the kernels whose title has "array"
                                              # (writes benchmarks/results/jit-array.md)

For each kernel: steady-state time (best of several calls), first-call time minus
steady state (compile time), and the answers (all three must agree, or the row says
so). The last rows measure call overhead (best of several timeit runs) on
`identity(1)` and `add(1.5, 2.5)`. Numba wraps ints at 64 bits where graphlet and
CPython do not; these kernels stay in range. The array kernels (a dot product, a 2-D
stencil, a histogram, pairwise distances) take NumPy arrays; their answers are
compared by dtype, shape and items (graphlet's element values are NumPy scalars,
as CPython's are, where Numba's are Python floats).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import graphlet
from benchmarks.results_file import add_replace_flag, write_results

try:
    import numba
except ImportError:  # the table then has no Numba column values
    numba = None


def sum_squares(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def fib_mod(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) % 1000000007
    return a


def horner_sum(n):
    s = 0.0
    for i in range(n):
        x = i / n
        s += (((3.0 * x - 2.0) * x + 0.5) * x - 1.0) * x + 7.0
    return s


def mandelbrot(width, height, max_iter):
    total = 0
    for py in range(height):
        for px in range(width):
            x0 = px / width * 3.5 - 2.5
            y0 = py / height * 2.0 - 1.0
            x = 0.0
            y = 0.0
            it = 0
            while x * x + y * y <= 4.0 and it < max_iter:
                xt = x * x - y * y + x0
                y = 2.0 * x * y + y0
                x = xt
                it += 1
            total += it
    return total


def gcd_sum(n):
    total = 0
    for a in range(1, n):
        for b in range(1, 50):
            x, y = a, b
            while y:
                x, y = y, x % y
            total += x
    return total


def newton_sum(n):
    total = 0.0
    for i in range(1, n):
        x = float(i)
        y = x
        while abs(y * y - x) > 1e-9 * x:
            y = 0.5 * (y + x / y)
        total += y
    return total


def collatz_total(n):
    total = 0
    for i in range(1, n):
        m = i
        while m != 1:
            if m % 2 == 0:
                m = m // 2
            else:
                m = 3 * m + 1
            total += 1
    return total


def nbody_tuples(steps):
    """Two bodies in orbit, positions and velocities as tuples of floats: packing and
    unpacking in the hot loop."""
    p, q = (0.0, 0.0), (1.0, 0.0)
    vp, vq = (0.0, -0.1), (0.0, 1.0)
    mp, mq, dt = 10.0, 1.0, 1e-4
    for _ in range(steps):
        (px, py), (qx, qy) = p, q
        dx, dy = qx - px, qy - py
        r2 = dx * dx + dy * dy
        inv = dt / (r2 * math.sqrt(r2))
        (vpx, vpy), (vqx, vqy) = vp, vq
        vp = (vpx + dx * mq * inv, vpy + dy * mq * inv)
        vq = (vqx - dx * mp * inv, vqy - dy * mp * inv)
        p = (px + vp[0] * dt, py + vp[1] * dt)
        q = (qx + vq[0] * dt, qy + vq[1] * dt)
    return p, q


def sieve_count(n):
    """Primes below n by Eratosthenes' sieve on a list of bools."""
    flags = [True] * n
    flags[0] = flags[1] = False
    i = 2
    while i * i < n:
        if flags[i]:
            for j in range(i * i, n, i):
                flags[j] = False
        i += 1
    count = 0
    for flag in flags:
        if flag:
            count += 1
    return count


def dot_product(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


def stencil(a):
    n, m = a.shape
    out = np.zeros_like(a)
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            out[i, j] = 0.25 * (a[i - 1, j] + a[i + 1, j] + a[i, j - 1] + a[i, j + 1])
    return out


def histogram(data, bins, lo, hi):
    counts = np.zeros(bins, np.int64)
    width = (hi - lo) / bins
    for x in data:
        k = int((x - lo) / width)
        if 0 <= k < bins:
            counts[k] += 1
    return counts


def pairwise_distances(x):
    n, d = x.shape
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(d):
                t = x[i, k] - x[j, k]
                s += t * t
            out[i, j] = np.sqrt(s)
    return out


_rng = np.random.default_rng(0)
_VECTOR_A, _VECTOR_B = _rng.standard_normal(10**6), _rng.standard_normal(10**6)
_GRID = _rng.standard_normal((500, 500))
_POINTS = _rng.standard_normal((300, 3))


def identity(x):
    return x


def add(a, b):
    return a + b


KERNELS: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
    ("sum of squares (n=10^6)", sum_squares, (1_000_000,)),
    ("Fibonacci mod 1e9+7 (n=10^6)", fib_mod, (1_000_000,)),
    ("Horner polynomial (10^6 points)", horner_sum, (1_000_000,)),
    ("Mandelbrot 400x400 (max 50 iterations)", mandelbrot, (400, 400, 50)),
    ("gcd sums (2000 x 49 pairs)", gcd_sum, (2000,)),
    ("Newton square roots (10^5, tol 1e-9)", newton_sum, (100_000,)),
    ("Collatz step totals (n=3*10^4)", collatz_total, (30_000,)),
    ("n-body with tuples (2 bodies, 10^6 steps)", nbody_tuples, (1_000_000,)),
    ("sieve on a list of bools (n=10^6)", sieve_count, (1_000_000,)),
    ("array: dot product (10^6 float64)", dot_product, (_VECTOR_A, _VECTOR_B)),
    ("array: 2-D 4-point stencil (500x500)", stencil, (_GRID,)),
    ("array: histogram (10^6 values, 64 bins)", histogram, (_VECTOR_A, 64, -4.0, 4.0)),
    ("array: pairwise distances (300 points, 3-d)", pairwise_distances, (_POINTS,)),
]


def same_answer(got: Any, expected: Any) -> bool:
    """Equal value and type (arrays: dtype, shape and items)."""
    if isinstance(expected, np.ndarray):
        return (
            isinstance(got, np.ndarray)
            and got.dtype == expected.dtype
            and np.array_equal(got, expected)
        )
    return bool(got == expected)


def best_of(
    fn: Callable[..., Any], args: tuple[Any, ...], repeats: int, budget: float
) -> tuple[float, Any]:
    """The fastest of up to `repeats` calls, stopping early once `budget` seconds are spent."""
    best, spent, result = math.inf, 0.0, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if spent > budget:
            break
    return best, result


def first_call(
    make: Callable[[], Callable[..., Any]], args: tuple[Any, ...]
) -> tuple[Callable[..., Any], float, Any]:
    fn = make()
    start = time.perf_counter()
    result = fn(*args)
    return fn, time.perf_counter() - start, result


OVERHEAD_CALLS: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
    ("identity(1)", identity, (1,)),
    ("add(1.5, 2.5)", add, (1.5, 2.5)),
]


def per_call_ns(fn: Callable[..., Any], args: tuple[Any, ...], calls: int = 200_000) -> float:
    """The best of several timeit runs of `fn(*args)` with literal arguments."""
    fn(*args)
    stmt = f"fn({', '.join(map(repr, args))})"
    return min(timeit.repeat(stmt, globals={"fn": fn}, number=calls, repeat=7)) / calls * 1e9


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def main() -> None:
    backend = graphlet.jit(identity).backend.name
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="?", default="", help="only the kernels whose title has this")
    add_replace_flag(parser)
    options = parser.parse_args()
    rows = []
    only = options.only
    for title, kernel, args in KERNELS:
        if only not in title:
            continue
        print(f"running {title} ...", file=sys.stderr, flush=True)
        cpython_time, expected = best_of(kernel, args, 3, 5.0)
        numba_time = numba_compile = None
        numba_ok = "n/a"
        if numba is not None:
            numba_fn, first, got = first_call(lambda: numba.njit(kernel), args)
            numba_time, got = best_of(numba_fn, args, 5, 2.0)
            numba_compile = max(first - numba_time, 0.0)
            numba_ok = "yes" if same_answer(got, expected) else f"no ({got!r:.40})"
        jit_fn, first, got = first_call(lambda: graphlet.jit(kernel), args)
        graphlet_time, got = best_of(jit_fn, args, 5, 2.0)
        graphlet_compile = max(first - graphlet_time, 0.0)
        version = jit_fn.version_for(*args)
        native = (
            version is not None and version.native is not None and not jit_fn.last_call_handed_back
        )
        graphlet_ok = (
            "yes"
            if same_answer(got, expected) and type(got) is type(expected)
            else f"no ({got!r:.40})"
        )
        rows.append(
            [
                title,
                fmt_seconds(cpython_time),
                fmt_seconds(numba_time),
                fmt_seconds(graphlet_time) + ("" if native else " (Python fallback)"),
                f"{cpython_time / graphlet_time:.1f}x",
                f"{numba_time / graphlet_time:.2f}x" if numba_time else "n/a",
                fmt_seconds(numba_compile),
                fmt_seconds(graphlet_compile),
                f"{numba_ok} / {graphlet_ok}",
            ]
        )
    for call, fn, args in OVERHEAD_CALLS:
        rows.append(
            [
                f"call overhead, `{call}`",
                f"{per_call_ns(fn, args):.0f} ns",
                f"{per_call_ns(numba.njit(fn), args):.0f} ns" if numba is not None else "n/a",
                f"{per_call_ns(graphlet.jit(fn), args):.0f} ns",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    header = [
        "kernel",
        "CPython",
        "Numba",
        "graphlet",
        "speed-up vs CPython",
        "graphlet vs Numba (>1: faster)",
        "Numba compile",
        "graphlet compile",
        "same answer (Numba / graphlet)",
    ]
    lines = [
        "# `@graphlet.jit` benchmark",
        "",
        f"Python {sys.version.split()[0]}, graphlet backend `{backend}`, Numba "
        f"{numba.__version__ if numba else 'not installed'}, {os.cpu_count()} CPUs. "
        "Steady state = best of several calls; compile = first call minus steady state.",
        "Generated by `python benchmarks/bench_jit.py`.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    table = "\n".join(lines) + "\n"
    print(table)
    write_results(f"jit-{only}.md" if only else "jit.md", table, options.replace)


if __name__ == "__main__":
    main()
