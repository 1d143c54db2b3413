"""Fits the polynomials of `expand-math-approximations` and prints their tables.

`python scripts/fit_math_polynomials.py` (needs mpmath, which torch's sympy brings)
prints, per function and element type, near-minimax coefficients (Lawson's
iteratively reweighted least squares on Chebyshev nodes, in 40-digit arithmetic)
and the weighted error of the fit with its coefficients rounded to the element
type. The pass (`graphlet/lowering/math_approximations.py`) holds the printed
numbers; the accuracy of the whole approximation, rounding included, is measured
by tests/test_math_approximations.py.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath as mp
import numpy as np

mp.mp.dps = 40

Fn = Callable[[mp.mpf], mp.mpf]


def _fit_on(
    xs: list[mp.mpf], ts: list[mp.mpf], ws: list[mp.mpf], degree: int, iterations: int, first: int
) -> list[mp.mpf]:
    """Lawson's algorithm: weighted least squares on the nodes, the weights
    multiplied by each node's error every round, converging to the minimax fit of
    ts by sum_{j >= first} c_j x^j."""
    nodes = len(xs)
    lawson = [mp.mpf(1)] * nodes
    coefficients: list[mp.mpf] = []
    for _ in range(iterations):
        rows = [
            [mp.sqrt(lawson[i]) * ws[i] * xs[i] ** j for j in range(first, degree + 1)]
            for i in range(nodes)
        ]
        rhs = [mp.sqrt(lawson[i]) * ws[i] * ts[i] for i in range(nodes)]
        solution, _ = mp.qr_solve(mp.matrix(rows), mp.matrix(rhs))
        coefficients = [solution[j] for j in range(degree + 1 - first)]
        errors = [
            abs(ws[i] * (_horner(coefficients, xs[i]) * xs[i] ** first - ts[i]))
            for i in range(nodes)
        ]
        total = sum(lawson[i] * errors[i] for i in range(nodes))
        lawson = [lawson[i] * errors[i] / total for i in range(nodes)]
    return coefficients


def fit_rounded(
    target: Fn, degree: int, interval: tuple[float, float], weight: Fn, dtype: type
) -> list[float]:
    """Coefficients c_0..c_degree in `dtype` minimising max |weight(x) (sum c_j x^j -
    target(x))|: each is rounded in turn (lowest degree first) and the higher ones
    refitted to absorb that rounding."""
    a, b = mp.mpf(interval[0]), mp.mpf(interval[1])
    nodes = 200
    xs = [
        (a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (2 * i + 1) / (2 * nodes)) for i in range(nodes)
    ]
    ts = [target(x) for x in xs]
    ws = [weight(x) for x in xs]
    rounded: list[float] = []
    for j in range(degree + 1):
        rest = _fit_on(xs, ts, ws, degree, 30, first=j)
        rounded.append(float(dtype(float(rest[0]))))
        ts = [t - mp.mpf(rounded[-1]) * x**j for t, x in zip(ts, xs)]
    return rounded


def _horner(coefficients: list[mp.mpf], x: mp.mpf) -> mp.mpf:
    result = mp.mpf(0)
    for c in reversed(coefficients):
        result = result * x + c
    return result


def max_error(
    coefficients: list[float], target: Fn, interval: tuple[float, float], weight: Fn
) -> float:
    a, b = mp.mpf(interval[0]), mp.mpf(interval[1])
    xs = [a + (b - a) * i / 4000 for i in range(4001)]
    cs = [mp.mpf(c) for c in coefficients]
    return float(max(abs(weight(x) * (_horner(cs, x) - target(x))) for x in xs if x != 0))


def _exp_tail(r: mp.mpf) -> mp.mpf:
    """(e^r - 1 - r) / r^2: exp(r) = 1 + (r + r^2 P(r))."""
    return (mp.expm1(r) - r) / r**2 if r else mp.mpf(1) / 2


def _log_tail(z: mp.mpf) -> mp.mpf:
    """(2 atanh(s) - 2 s) / s^3, z = s^2: log(1+f) = 2 atanh(f/(2+f))."""
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / s**3 if z else mp.mpf(2) / 3


def _expm1_tail(r: mp.mpf) -> mp.mpf:
    """(e^r - 1 - r) / r^2 on |r| < ln 2: expm1 reduces toward zero (see the pass)."""
    return _exp_tail(r)


def _erf_small(u: mp.mpf) -> mp.mpf:
    """(erf(x) - x) / x, u = x^2: erf(x) = x + x P(x^2) below 1."""
    x = mp.sqrt(u)
    return (mp.erf(x) - x) / x if u else 2 / mp.sqrt(mp.pi) - 1


def _tanh_tail(u: mp.mpf) -> mp.mpf:
    """(tanh(x) - x) / x^3, u = x^2: tanh(x) = x + x^3 P(x^2)."""
    x = mp.sqrt(u)
    return (mp.tanh(x) - x) / x**3 if u else -mp.mpf(1) / 3


LN2_HALF = float(mp.log(2) / 2) * 1.0001
LN2 = float(mp.log(2)) * 1.0001
LOG_S = float((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1))
TANH_SPLIT = 1.0

FITS = {
    # name: (target, interval, weight, {dtype: degree})
    "EXP_TAIL": (_exp_tail, (-LN2_HALF, LN2_HALF), abs, {np.float32: 5, np.float64: 10}),
    "EXPM1_TAIL": (_expm1_tail, (-LN2, LN2), abs, {np.float32: 6, np.float64: 13}),
    "LOG_TAIL": (_log_tail, (0.0, LOG_S**2 * 1.0001), lambda z: z, {np.float32: 3, np.float64: 6}),
    "ERF_SMALL": (
        _erf_small,
        (0.0, 1.0),
        lambda u: mp.sqrt(u) / mp.erf(mp.sqrt(u)) if u else mp.sqrt(mp.pi) / 2,
        {np.float32: 6, np.float64: 11},
    ),
    "TANH_TAIL": (_tanh_tail, (0.0, TANH_SPLIT**2), lambda u: u, {np.float32: 8, np.float64: 16}),
}


def main() -> None:
    import sys

    wanted = sys.argv[1:]
    for name, (target, interval, weight, degrees) in FITS.items():
        for dtype, degree in degrees.items():
            if wanted and name not in wanted and f"{name}:{np.dtype(dtype).name}" not in wanted:
                continue
            rounded = fit_rounded(target, degree, interval, weight, dtype)
            error = max_error(rounded, target, interval, weight)
            print(f"# {name} {np.dtype(dtype).name}, degree {degree}: weighted error {error:.3g}")
            print(f"{name}_{np.dtype(dtype).name.upper()} = (")
            for c in rounded:
                print(f"    {c!r},")
            print(")")


if __name__ == "__main__":
    main()
