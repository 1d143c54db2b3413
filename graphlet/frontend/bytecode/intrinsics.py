"""Builtins written in Python and compiled like the user's code.

Each function computes exactly what CPython's builtin does on ints that fit in 64
bits and on floats, or reaches `expect(False)`: a guard that hands the call back, so
CPython computes the answer (or raises its own error) instead. Arithmetic that
leaves 64 bits hands back as everywhere in compiled code. The handlers in
`numeric_builtins` check the argument kinds and call these with `call_python`; CPython
itself never runs them.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable

NEUMAIER_SUM = sys.version_info >= (3, 12)
"""`sum()` of floats is compensated (Neumaier) from Python 3.12 on."""

FACTORIALS = tuple(math.factorial(n) for n in range(21))
"""Every factorial that fits in 64 bits."""

POWERS_OF_TEN = tuple(10.0**n for n in range(23))
"""The powers of ten that are exact doubles."""

ISQRT_MAX = math.isqrt(2**63 - 1)
"""The largest square root of an i64, so that `(s + 1) ** 2` below never overflows."""

MULMOD_MAX = math.isqrt(2**63 - 1)
"""The largest modulus whose products of two residues fit in 64 bits."""

SPLITTER = 134217729.0
"""2**27 + 1: Veltkamp's constant that splits a double into two 26-bit halves."""


class _Expect:
    """`expect(ok)` compiles to a guard: the call hands back to CPython unless `ok`.
    (An object, not a function, so that capture calls its builtin handler.)"""

    def __call__(self, ok: bool) -> None:
        if not ok:
            raise AssertionError("graphlet intrinsic precondition")


expect = _Expect()


def gcd(a: int, b: int) -> int:
    """Euclid on the signed values (|a % b| < |b|), so that only a gcd of 2**63
    leaves 64 bits."""
    while b:
        a, b = b, a % b
    return abs(a)


def lcm(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return abs(a // gcd(a, b) * b)


def factorial(n: int) -> int:
    expect(0 <= n <= 20)  # ValueError below, a big int above
    return FACTORIALS[n]


def isqrt(n: int) -> int:
    expect(n >= 0)  # ValueError
    s = int(math.sqrt(n))  # within one of the root
    while s * s > n:
        s -= 1
    while s < ISQRT_MAX and (s + 1) * (s + 1) <= n:
        s += 1
    return s


def comb(n: int, k: int) -> int:
    expect(n >= 0 and k >= 0)  # ValueError
    if k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for i in range(k):
        result = result * (n - i) // (i + 1)  # C(n, i + 1), exactly
    return result


def perm(n: int, k: int) -> int:
    expect(n >= 0 and k >= 0)  # ValueError
    if k > n:
        return 0
    result = 1
    for i in range(k):
        result *= n - i
    return result


def _inverse(a: int, n: int) -> int:
    """a's inverse modulo n > 0 (extended Euclid); not invertible hands back
    (CPython's ValueError)."""
    old_r, r = a % n, n
    old_s, s = 1, 0
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
    expect(old_r == 1)
    return old_s % n


def pow_mod(base: int, exp: int, mod: int) -> int:
    """`pow(base, exp, mod)`: in [0, mod) for a positive modulus, (mod, 0] for a
    negative one; a negative exponent uses the inverse of base."""
    expect(mod != 0)  # ValueError
    m = abs(mod)
    expect(m <= MULMOD_MAX)
    if exp < 0:
        base = _inverse(base, m)
        exp = -exp
    result = 1 % m
    base %= m
    while exp:
        if exp & 1:
            result = result * base % m
        base = base * base % m
        exp >>= 1
    if mod < 0 and result != 0:
        result -= m
    return result


def round_int(x: int, ndigits: int) -> int:
    """`round(x, ndigits)` of an int: itself for ndigits >= 0, else the nearest
    multiple of 10**-ndigits, ties to even (`_PyLong_DivmodNear`)."""
    if ndigits >= 0:
        return x
    if ndigits < -19:  # half of 10**20 exceeds every i64: the nearest multiple is 0
        return 0
    if ndigits == -19:  # 0, or +-10**19 (past 64 bits) beyond +-5 * 10**18
        expect(-5 * 10**18 <= x <= 5 * 10**18)
        return 0
    unit = 10 ** (-ndigits)
    quotient, remainder = divmod(x, unit)
    twice = 2 * remainder
    if twice > unit or (twice == unit and quotient % 2 == 1):
        quotient += 1
    return quotient * unit


def _two_product(a: float, b: float) -> float:
    """The rounding error of `a * b` (Dekker), exact when nothing underflows."""
    p = a * b
    c = SPLITTER * a
    a_high = c - (c - a)
    a_low = a - a_high
    c = SPLITTER * b
    b_high = c - (c - b)
    b_low = b - b_high
    return ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low


def round_float(x: float, ndigits: int) -> float:
    """`round(x, ndigits)` of a float: x's exact value rounded to `ndigits`
    decimals, ties to even, then the nearest double, as CPython's correctly rounded
    `double_round`. Here for 0 <= ndigits <= 22, where 10**ndigits is exact, and
    x * 10**ndigits below 2**52: with
    y = x * 10**n and its exact error e, the nearest integer to y + e is found exactly,
    and dividing it by 10**n rounds once."""
    if not math.isfinite(x) or (ndigits >= 0 and abs(x) >= 4503599627370496.0):
        return x  # NaN, infinities, and doubles from 2**52 up, which are integers
    expect(0 <= ndigits <= 22)
    scale = POWERS_OF_TEN[ndigits]
    y = x * scale
    expect(abs(y) < 4503599627370496.0)  # 2**52: every integer here is exact
    r = math.copysign(float(round(y)), y)
    if abs(y) >= 0.25:  # only then can the error move y across a half
        error = _two_product(x, scale)
        half = y - r  # exact
        if half == 0.5 and error > 0.0:
            r += 1.0
        elif half == -0.5 and error < 0.0:
            r -= 1.0
    return r / scale


def min_of(xs: list) -> object:
    """`min(xs)`: the first item no later item is less than."""
    expect(len(xs) > 0)  # ValueError
    best = xs[0]
    for x in xs:
        if x < best:
            best = x
    return best


def max_of(xs: list) -> object:
    expect(len(xs) > 0)  # ValueError
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best


def sum_ints(xs: list, start: int) -> int:
    total = start
    for x in xs:
        total += x
    return total


def sum_floats_from_int(xs: list, start: int) -> object:
    """CPython's int loop adds the first float with `PyNumber_Add`, then its float
    loop takes the rest."""
    if len(xs) == 0:
        return start
    return _float_sum(xs, start + xs[0], 1)


def sum_floats(xs: list, start: float) -> float:
    return _float_sum(xs, start, 0)


def sum_ints_into_float(xs: list, start: float) -> float:
    """Ints met by CPython's float loop are added without compensation."""
    total = start
    for x in xs:
        total += float(x)
    return total


def _float_sum(xs: list, total: float, first: int) -> float:
    if not NEUMAIER_SUM:
        for i in range(first, len(xs)):
            total += xs[i]
        return total
    compensation = 0.0
    for i in range(first, len(xs)):
        x = xs[i]
        t = total + x
        if abs(total) >= abs(x):
            compensation += (total - t) + x
        else:
            compensation += (x - t) + total
        total = t
    if compensation != 0.0 and math.isfinite(compensation):
        total += compensation
    return total


DBL_MIN = sys.float_info.min
"""2**-1022, the smallest normal double."""

TINY_NORM = 2.0**-1024
"""Below this largest coordinate CPython's `vector_norm` first divides by DBL_MIN:
the power-of-two scale would overflow."""


def hypot(coords: tuple[float, ...]) -> float:
    """`math.hypot(*coords)` of floats: CPython's `vector_norm` (3.10+), whose result
    is fixed by its exact steps: the largest |x| picks a power-of-two scale, each
    square is split exactly (Veltkamp-Dekker) and summed compensated from 1.0, and
    the square root gets one differential correction.

    The finite special results are spelled so that their derivatives (`graphlet.grad`
    differentiates this code) are torch.hypot's `x / result` in IEEE floats: NaN is
    the coordinates' sum times NaN (NaN by every coordinate) and zero is the square
    root of the squares (0 / 0: NaN). An infinite result keeps the largest |x|'s
    derivative: torch's NaN by an infinite coordinate and 0 by the others cannot come
    out of forward mode (`graphlet-autodiff`), whose zero tangents times infinities
    are NaN."""
    top = 0.0
    nan = False
    for x in coords:
        a = abs(x)
        nan = nan or a != a
        if a > top:
            top = a
    if math.isinf(top):
        return top
    if nan:
        total = 0.0
        for x in coords:
            total += x
        return total * math.nan
    if len(coords) <= 1:
        return top
    if top == 0.0:
        squares = 0.0
        for x in coords:
            squares += x * x
        return math.sqrt(squares)
    if top < TINY_NORM:  # subnormals: DBL_MIN * the norm of the values / DBL_MIN
        return DBL_MIN * _vector_norm(coords, top / DBL_MIN, DBL_MIN)
    return _vector_norm(coords, top, 1.0)


def _vector_norm(coords: tuple[float, ...], top: float, divisor: float) -> float:
    exponent = math.floor(math.log2(top)) + 1  # frexp's, up to one off
    scale = 2.0 ** (-exponent)
    if top * scale >= 1.0:
        scale *= 0.5
    elif top * scale < 0.5:
        scale *= 2.0
    total, frac1, frac2, frac3 = 1.0, 0.0, 0.0, 0.0
    for x in coords:
        x = abs(x) / divisor * scale
        c = x * SPLITTER
        high = c - (c - x)
        low = x - high
        x = high * high
        old = total
        total += x
        frac1 += (old - total) + x
        x = 2.0 * high * low
        old = total
        total += x
        frac2 += (old - total) + x
        frac3 += low * low
    h = math.sqrt(total - 1.0 + (frac1 + frac2 + frac3))
    c = h * SPLITTER
    high = c - (c - h)
    low = h - high
    x = -high * high
    old = total
    total += x
    frac1 += (old - total) + x
    x = -2.0 * high * low
    old = total
    total += x
    frac2 += (old - total) + x
    x = -low * low
    old = total
    total += x
    frac3 += (old - total) + x
    x = total - 1.0 + (frac1 + frac2 + frac3)
    return (h + x / (2.0 * h)) / scale


def fsum(xs: Iterable[float]) -> float:
    """`math.fsum`: CPython's Shewchuk partials (`msum`), the same steps in the same
    order, then its half-even fix across partials. An intermediate overflow
    (OverflowError) or `-inf + inf` (ValueError) hands back."""
    partials = [0.0]
    n = 0
    special = 0.0
    infinities = 0.0
    for item in xs:
        x = float(item)
        original = x
        i = 0
        for j in range(n):
            y = partials[j]
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low != 0.0:
                partials[i] = low
                i += 1
            x = high
        n = i
        if x != 0.0:
            if not math.isfinite(x):
                expect(not math.isfinite(original))  # intermediate overflow
                if math.isinf(original):
                    infinities += original
                special += original
                n = 0
            elif n < len(partials):
                partials[n] = x
                n += 1
            else:
                partials.append(x)
                n += 1
    if special != 0.0:
        expect(infinities == infinities)  # -inf + inf
        return special
    high = 0.0
    low = 0.0
    if n > 0:
        n -= 1
        high = partials[n]
        while n > 0:
            x = high
            n -= 1
            y = partials[n]
            high = x + y
            low = y - (high - x)
            if low != 0.0:
                break
        if n > 0 and (
            (low < 0.0 and partials[n - 1] < 0.0) or (low > 0.0 and partials[n - 1] > 0.0)
        ):
            y = low * 2.0
            x = high + y
            if y == x - high:
                high = x
    return high


def sorted_list(xs: list[float], reverse: bool) -> list[float]:
    """`sorted(xs, reverse=...)` of numbers: CPython's sort is stable (so is its
    reverse), so any stable sort of items that `<` orders gives its list; a NaN
    hands back, since timsort's order around one depends on its comparisons."""
    items = list(xs)
    n = len(items)
    for x in items:
        expect(x == x)
    spare = list(items)
    width = 1
    while width < n:
        start = 0
        while start < n:
            middle = min(start + width, n)
            end = min(start + 2 * width, n)
            i = start
            j = middle
            for k in range(start, end):
                right = j < end and (
                    i >= middle or (items[j] > items[i] if reverse else items[j] < items[i])
                )
                if right:
                    spare[k] = items[j]
                    j += 1
                else:
                    spare[k] = items[i]
                    i += 1
            start = end
        items, spare = spare, items
        width *= 2
    return items


def isclose(a: float, b: float, rel_tol: float, abs_tol: float) -> bool:
    """`math.isclose`: CPython's weak (Boost) test; a negative tolerance hands back
    (ValueError)."""
    expect(not (rel_tol < 0.0 or abs_tol < 0.0))
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    diff = abs(b - a)
    return diff <= abs(rel_tol * b) or diff <= abs(rel_tol * a) or diff <= abs_tol


def any_of(xs: Iterable[float]) -> bool:
    """The loop itself (`any` here would be a call of the builtin being compiled)."""
    for x in xs:  # noqa: SIM110
        if x:
            return True
    return False


def all_of(xs: Iterable[float]) -> bool:
    for x in xs:  # noqa: SIM110
        if not x:
            return False
    return True


def prod_of(xs: Iterable[float], start: float) -> float:
    """`math.prod`: `start * x0 * x1 ...` left to right, with Python's arithmetic (its
    int and float fast paths give the same values)."""
    result = start
    for x in xs:
        result = result * x
    return result


def prod_floats_from_int(xs: list[float], start: int) -> object:
    """An int start meets the first float (an empty list gives the int itself)."""
    if len(xs) == 0:
        return start
    result = start * xs[0]
    for i in range(1, len(xs)):
        result = result * xs[i]
    return result


TWO_54 = 2.0**54
"""Scales a subnormal to a normal double, exactly."""


def frexp(x: float) -> tuple[float, int]:
    """`math.frexp`: (m, e) with x == m * 2**e, 0.5 <= |m| < 1; (x, 0) for zeros,
    infinities and NaN. The exponent comes from log2 (one off at most) and is fixed
    by exact power-of-two scaling."""
    if x == 0.0 or not math.isfinite(x):
        return (x, 0)
    shift = 0
    if abs(x) < DBL_MIN:
        x *= TWO_54
        shift = 54
    e = math.floor(math.log2(abs(x))) + 1
    m = x * 2.0 ** (-e)
    if abs(m) >= 1.0:
        m *= 0.5
        e += 1
    elif abs(m) < 0.5:
        m *= 2.0
        e -= 1
    return (m, e - shift)


def ldexp(x: float, i: int) -> float:
    """`math.ldexp(x, i)`: x * 2**i rounded once. Scaling up is exact in steps of
    2**1023 (until it overflows: OverflowError hands back); scaling down below
    2**-1022 could round twice, so it hands back."""
    if x == 0.0 or not math.isfinite(x):
        return x
    if i < 0:
        expect(i >= -1022)
        return x * 2.0**i
    while i > 1023:
        x *= 2.0**1023
        i -= 1023
        expect(math.isfinite(x))
    r = x * 2.0**i
    expect(math.isfinite(r))  # math range error
    return r


def modf(x: float) -> tuple[float, float]:
    """`math.modf`: (fraction, whole), both signed like x; (+-0.0, x) for infinities,
    (x, x) for NaN."""
    if math.isinf(x):
        return (math.copysign(0.0, x), x)
    if x != x:
        return (x, x)
    whole = x if abs(x) >= 4503599627370496.0 else math.copysign(float(int(x)), x)
    return (math.copysign(x - whole, x), whole)


def sort_in_place(xs: list[float]) -> None:
    """`xs.sort()`: the stable order of `sorted_list`, written back item by item (a
    NaN hands back before any write)."""
    ordered = sorted_list(xs, False)
    for i in range(len(ordered)):
        xs[i] = ordered[i]
