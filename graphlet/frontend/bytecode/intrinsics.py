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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

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
    result = 1 % m
    if exp < 0:
        base = _inverse(base, m)
        exp = -(exp + 1)  # base ** -exp is base * base ** -(exp + 1): no overflow at -2**63
        result = base % m
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
    unit: int = 10 ** (-ndigits)  # an int: ndigits < 0 here
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


def min_of(xs: list[Any]) -> object:
    """`min(xs)`: the first item no later item is less than."""
    expect(len(xs) > 0)  # ValueError
    best = xs[0]
    for x in xs:
        if x < best:
            best = x
    return best


def max_of(xs: list[Any]) -> object:
    expect(len(xs) > 0)  # ValueError
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best


def sum_ints(xs: list[Any], start: int) -> int:
    total = start
    for x in xs:
        total += x
    return total


def sum_floats_from_int(xs: list[Any], start: int) -> object:
    """CPython's int loop adds the first float with `PyNumber_Add`, then its float
    loop takes the rest."""
    if len(xs) == 0:
        return start
    return _float_sum(xs, start + xs[0], 1)


def sum_floats(xs: list[Any], start: float) -> float:
    return _float_sum(xs, start, 0)


def sum_ints_into_float(xs: list[Any], start: float) -> float:
    """Ints met by CPython's float loop are added without compensation."""
    total = start
    for x in xs:
        total += float(x)
    return total


def _float_sum(xs: list[Any], total: float, first: int) -> float:
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


def neumaier_add(total: float, compensation: float, x: float) -> tuple[float, float]:
    """One float step of CPython 3.12+'s `sum()` (`_float_sum`'s loop body), for a
    generator expression's fused loop (`comprehensions`)."""
    t = total + x
    if abs(total) >= abs(x):
        compensation += (total - t) + x
    else:
        compensation += (x - t) + total
    return t, compensation


def neumaier_total(total: float, compensation: float) -> float:
    """The compensation added once the float loop ends, as CPython adds it."""
    if compensation != 0.0 and math.isfinite(compensation):
        total += compensation
    return total


DBL_MIN = sys.float_info.min
"""2**-1022, the smallest normal double."""

TINY_NORM = 2.0**-1024
"""Below this largest coordinate CPython's `vector_norm` first divides by DBL_MIN:
the power-of-two scale would overflow."""


def hypot(coords: Sequence[float]) -> float:
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


def _vector_norm(coords: Sequence[float], top: float, divisor: float) -> float:
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


def sort_in_place(xs: list[float], reverse: bool) -> None:
    """`xs.sort(reverse=...)`: the stable order of `sorted_list`, written back item by
    item (a NaN hands back before any write)."""
    ordered = sorted_list(xs, reverse)
    for i in range(len(ordered)):
        xs[i] = ordered[i]


PI = math.pi
LOG_PI = 1.144729885849400174143427351353058711647
LANCZOS_G = 6.024680040776729583740234375
LANCZOS_G_MINUS_HALF = 5.524680040776729583740234375
LANCZOS_NUM = (
    23531376880.410759688572007674451636754734846804940,
    42919803642.649098768957899047001988850926355848959,
    35711959237.355668049440185451547166705960488635843,
    17921034426.037209699919755754458931112671403265390,
    6039542586.3520280050642916443072979210699388420708,
    1439720407.3117216736632230727949123939715485786772,
    248874557.86205415651146038641322942321632125127801,
    31426415.585400194380614231628318205362874684987640,
    2876370.6289353724412254090516208496135991145378768,
    186056.26539522349504029498971604569928220784236328,
    8071.6720023658162106380029022722506138218516325024,
    210.82427775157934587250973392071336271166969580291,
    2.5066282746310002701649081771338373386264310793408,
)
LANCZOS_DEN = (
    0.0, 39916800.0, 120543840.0, 150917976.0, 105258076.0, 45995730.0, 13339535.0,
    2637558.0, 357423.0, 32670.0, 1925.0, 66.0, 1.0,
)  # fmt: skip
"""CPython's Lanczos approximation (N = 13, g as Boost's) as a rational function:
the numerator's and the denominator's coefficients, lowest power first."""

GAMMA_INTEGRAL = tuple(float(math.factorial(n)) for n in range(23))
"""gamma(n + 1) for the n whose gamma CPython reads from a table."""

TWO_52 = 4503599627370496.0
"""From 2**52 up every double is an integer."""


def _sinpi(x: float) -> float:
    """sin(pi * x) for a finite x, exact at integers: CPython's `m_sinpi` (C's `round`
    of 2y, halves away from zero, as int(2y) plus its exact fraction)."""
    y = math.fmod(abs(x), 2.0)
    twice = 2.0 * y
    n = int(twice)
    if twice - n >= 0.5:
        n += 1
    if n == 0:
        r = math.sin(PI * y)
    elif n == 1:
        r = math.cos(PI * (y - 0.5))
    elif n == 2:
        r = math.sin(PI * (1.0 - y))  # not -sin(pi * (y - 1.0)): +0.0 at y == 1
    elif n == 3:
        r = -math.cos(PI * (y - 1.5))
    else:
        r = math.sin(PI * (y - 2.0))
    return math.copysign(1.0, x) * r


def _lanczos_sum(x: float) -> float:
    """CPython's `lanczos_sum` for x > 0: in 1/x from 5 up, where powers of x would
    overflow."""
    num = 0.0
    den = 0.0
    if x < 5.0:
        for i in range(12, -1, -1):
            num = num * x + LANCZOS_NUM[i]
            den = den * x + LANCZOS_DEN[i]
    else:
        for i in range(13):
            num = num / x + LANCZOS_NUM[i]
            den = den / x + LANCZOS_DEN[i]
    return num / den


def _is_integer(x: float) -> bool:
    """Whether a finite x is an integer (no int conversion of a big one)."""
    return abs(x) >= TWO_52 or x == math.floor(x)


def gamma(x: float) -> float:
    """`math.gamma`: CPython's own `m_tgamma` (not libm's `tgamma`), step by step:
    the Lanczos sum with its correction for the rounding of x + g - 0.5, the
    reflection formula below 0. ValueError at poles and -inf and OverflowError past
    the float range hand back."""
    if x != x or x == math.inf:
        return x
    expect(x != -math.inf and x != 0.0)  # ValueError
    if _is_integer(x):
        expect(x > 0.0)  # ValueError at the poles
        if x <= 23.0:
            return GAMMA_INTEGRAL[int(x) - 1]
    absx = abs(x)
    if absx < 1e-20:
        tiny = 1.0 / x
        expect(not math.isinf(tiny))  # OverflowError
        return tiny
    if absx > 200.0:
        expect(x < 0.0)  # OverflowError
        return 0.0 / _sinpi(x)
    y = absx + LANCZOS_G_MINUS_HALF
    if absx > LANCZOS_G_MINUS_HALF:  # the rounding error of y, exactly
        q = y - absx
        z = q - LANCZOS_G_MINUS_HALF
    else:
        q = y - LANCZOS_G_MINUS_HALF
        z = q - absx
    z = z * LANCZOS_G / y
    if x < 0.0:
        r = -PI / _sinpi(absx) / absx * math.exp(y) / _lanczos_sum(absx)
        r -= z * r
        if absx < 140.0:
            power: float = y ** (absx - 0.5)  # a float: y > 0
            r /= power
        else:
            root: float = y ** (absx / 2.0 - 0.25)
            r /= root
            r /= root
    else:
        r = _lanczos_sum(absx) / math.exp(y)
        r += z * r
        if absx < 140.0:
            power = y ** (absx - 0.5)
            r *= power
        else:
            root = y ** (absx / 2.0 - 0.25)
            r *= root
            r *= root
    expect(not math.isinf(r))  # OverflowError
    return r


def lgamma(x: float) -> float:
    """`math.lgamma`: CPython's own `m_lgamma`, the log of the Lanczos formula and the
    reflection formula below 0; ValueError at the poles (integers <= 0) and
    OverflowError past the float range hand back."""
    if x != x:
        return x
    if math.isinf(x):
        return math.inf
    if x <= 2.0 and _is_integer(x):
        expect(x > 0.0)  # ValueError at the poles
        return 0.0
    absx = abs(x)
    if absx < 1e-20:
        return -math.log(absx)
    r = math.log(_lanczos_sum(absx)) - LANCZOS_G
    r += (absx - 0.5) * (math.log(absx + LANCZOS_G - 0.5) - 1.0)
    if x < 0.0:
        r = LOG_PI - math.log(abs(_sinpi(absx))) - math.log(absx) - r
    expect(not math.isinf(r))  # OverflowError
    return r


def remainder(x: float, y: float) -> float:
    """`math.remainder`: CPython's `m_remainder`, x - n*y for the nearest n (ties to
    even), exact; y == 0 and an infinite x are ValueError (handed back)."""
    if math.isfinite(x) and math.isfinite(y):
        expect(y != 0.0)  # ValueError
        absx = abs(x)
        absy = abs(y)
        m = math.fmod(absx, absy)
        c = absy - m  # compared with m instead of halving absy, which may round
        if m < c:
            r = m
        elif m > c:
            r = -c
        else:  # halfway: m or -m, whichever makes the multiple even
            r = m - 2.0 * math.fmod(0.5 * (absx - m), absy)
        return math.copysign(1.0, x) * r
    if x != x:
        return x
    if y != y:
        return y
    expect(not math.isinf(x))  # ValueError
    return x


def ulp(x: float) -> float:
    """`math.ulp`: the gap from |x| to the next double away from zero, or to the one
    below for the largest finite double."""
    if x != x:
        return x
    x = abs(x)
    if math.isinf(x):
        return x
    above = math.nextafter(x, math.inf)
    if math.isinf(above):
        return x - math.nextafter(x, -math.inf)
    return above - x


def min_by_key(xs: list[Any], key: Callable[[Any], Any]) -> object:
    """`min(xs, key=key)`: key is called once per item, in order; the first item whose
    key no later key is less than."""
    expect(len(xs) > 0)  # ValueError
    best = xs[0]
    best_key = key(best)
    for i in range(1, len(xs)):
        x = xs[i]
        k = key(x)
        if k < best_key:
            best = x
            best_key = k
    return best


def max_by_key(xs: list[Any], key: Callable[[Any], Any]) -> object:
    expect(len(xs) > 0)  # ValueError
    best = xs[0]
    best_key = key(best)
    for i in range(1, len(xs)):
        x = xs[i]
        k = key(x)
        if k > best_key:
            best = x
            best_key = k
    return best


def min_or(xs: list[Any], default: object) -> object:
    """`min(xs, default=default)`."""
    if len(xs) == 0:
        return default
    return min_of(xs)


def max_or(xs: list[Any], default: object) -> object:
    if len(xs) == 0:
        return default
    return max_of(xs)


def min_by_key_or(xs: list[Any], key: Callable[[Any], Any], default: object) -> object:
    if len(xs) == 0:
        return default
    return min_by_key(xs, key)


def max_by_key_or(xs: list[Any], key: Callable[[Any], Any], default: object) -> object:
    if len(xs) == 0:
        return default
    return max_by_key(xs, key)


def sorted_by_key(xs: list[Any], key: Callable[[Any], Any], reverse: bool) -> list[Any]:
    """`sorted(xs, key=key, reverse=...)`: the keys first, one call per item in order,
    then the stable order of the keys (as `sorted_list`), the items put in it. A NaN
    key hands back."""
    keys = []
    for x in xs:
        keys.append(key(x))
    for k in keys:
        expect(k == k)
    n = len(keys)
    order = list(range(n))
    spare = list(range(n))
    width = 1
    while width < n:
        start = 0
        while start < n:
            middle = min(start + width, n)
            end = min(start + 2 * width, n)
            i = start
            j = middle
            for slot in range(start, end):
                right = j < end and (
                    i >= middle
                    or (
                        keys[order[j]] > keys[order[i]]
                        if reverse
                        else keys[order[j]] < keys[order[i]]
                    )
                )
                if right:
                    spare[slot] = order[j]
                    j += 1
                else:
                    spare[slot] = order[i]
                    i += 1
            start = end
        order, spare = spare, order
        width *= 2
    result = []
    for position in order:
        result.append(xs[position])
    return result


def dist_lists(p: list[Any], q: list[Any]) -> float:
    """`math.dist(p, q)` of two lists: the norm of the float differences (`hypot`);
    points of different lengths are ValueError (handed back)."""
    expect(len(p) == len(q))  # ValueError
    diffs = []
    for i in range(len(p)):
        diffs.append(float(p[i]) - float(q[i]))
    return hypot(diffs)


def sort_in_place_by_key(xs: list[Any], key: Callable[[Any], Any], reverse: bool) -> None:
    """`xs.sort(key=key, reverse=...)`: `sorted_by_key`'s order, written back item by
    item (a NaN key hands back before any write)."""
    ordered = sorted_by_key(xs, key, reverse)
    for i in range(len(ordered)):
        xs[i] = ordered[i]
