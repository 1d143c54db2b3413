"""`@graphlet.jit` on `math` and numeric builtins: each call compared with CPython
(value, exact type, float bits, exception type and message) on edge values and
hypothesis-generated inputs, and asserted to have run natively unless CPython raises,
an int leaves 64 bits, or the case names why it may hand back."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphlet
from graphlet.frontend.bytecode import intrinsics

I64 = (-(2**63), 2**63 - 1)
EDGE_INTS = [0, 1, -1, 2, 3, 7, -7, 10, 12, 20, 21, 25, -25, 35, 2**31, 2**62, I64[0], I64[1]]
EDGE_FLOATS = [
    0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, 2.5, -2.5, 0.1, 2.675, 1e-300, 5e-324, 1e16,
    1e300, 1.7976931348623157e308, math.inf, -math.inf, math.nan, 2.0**52 + 0.5, 710.0,
]  # fmt: skip
INTS = st.one_of(st.sampled_from(EDGE_INTS), st.integers(-1000, 1000), st.integers(*I64))
FLOATS = st.one_of(st.sampled_from(EDGE_FLOATS), st.floats(-10, 10), st.floats())
NUMBERS = st.one_of(INTS, FLOATS, st.booleans())
EXAMPLES = settings(max_examples=30, deadline=None)


def fits(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(map(fits, value))
    return not isinstance(value, int) or I64[0] <= value <= I64[1]


def outcome(fn: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    """What a call gives, comparable exactly: floats by their bits (-0.0, NaN)."""
    try:
        result = fn(*args)
    except Exception as e:
        return ("raises", type(e), str(e))
    return ("value", exact(result))


def exact(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(exact(v) for v in value)
    if isinstance(value, list):  # item by item: the order of 0.0 and -0.0 shows
        return list, tuple(exact(v) for v in value)
    if isinstance(value, float):  # bit for bit; NaNs match NaNs (their sign is not Python's)
        return float, "nan" if math.isnan(value) else struct.pack("<d", value)
    return type(value), value


JITTED: dict[Callable[..., Any], Any] = {}


def check(fn: Callable[..., Any], *args: Any, may_hand_back: bool = False) -> None:
    """`fn(*args)` jitted gives CPython's outcome, natively unless CPython raises, an
    int leaves 64 bits, or `may_hand_back`."""
    jitted = JITTED.setdefault(fn, graphlet.jit(fn))
    before = sum(v.calls for v in jitted.versions.values())
    want = outcome(fn, *args)
    got = outcome(jitted, *args)
    assert got == want, (fn.__name__, args)
    if want[0] == "raises" or may_hand_back or not fits(args) or not fits(fn(*args)):
        return
    native = sum(v.calls for v in jitted.versions.values()) == before + 1
    assert native and not jitted.last_call_handed_back, (
        f"{fn.__name__}{args} ran in Python: {graphlet.explain(fn, *args)}"
    )


def _unary(name: str) -> Callable[[Any], Any]:
    source = f"def math_{name}(x):\n    return math.{name}(x)\n"
    namespace: dict[str, Any] = {"math": math}
    exec(compile(source, __file__, "exec"), namespace)
    return namespace[f"math_{name}"]


LIBM_UNARY = [
    "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log2",
    "log10", "log1p", "expm1", "exp2", "cbrt", "erf", "sqrt", "exp", "log", "sin", "cos",
    "tanh", "trunc", "floor", "ceil", "degrees", "radians", "fabs", "isnan", "isinf",
    "isfinite", "erfc", "gamma", "lgamma", "ulp",
]  # fmt: skip
UNARY = {name: _unary(name) for name in LIBM_UNARY}


@pytest.mark.parametrize("name", LIBM_UNARY)
def test_math_function_of_one_number_is_cpythons(name: str) -> None:
    fn = UNARY[name]
    for x in [*EDGE_FLOATS, *EDGE_INTS, True, False, 0.75, -0.75, 1.0 - 2**-53, 100.0]:
        check(fn, x)

    @EXAMPLES
    @given(NUMBERS)
    def random_values(x: Any) -> None:
        check(fn, x)

    random_values()


GAMMA_EDGES = [
    1e-20, -1e-20, 1e-21, -1e-21, 5e-324, 0.5, -0.5, 1.5, -1.5, 2.0, -2.0, 3.0, 22.0, 23.0,
    24.0, 23.5, 4.999999999999999, 5.0, 5.524680040776729, 5.52468004077673, 139.99999999999997,
    140.0, 140.5, -139.5, -140.5, 171.6, 171.7, 200.0, 200.5, -199.5, -200.5, -250.25,
    2.0**52, -(2.0**52) - 1.0, -(2.0**52) + 0.5, 1e-8, -1e-8, 1.0 - 2**-53, 2.0 - 2**-52,
]  # fmt: skip
"""Where CPython's `m_tgamma` and `m_lgamma` change branch: the tiny-argument and table
limits, the Lanczos sum's cut at 5, the error term's at g - 1/2, the split power at 140,
the overflow past 200, the poles and the integers of doubles from 2**52."""


def gamma(x):
    return math.gamma(x)


def lgamma(x):
    return math.lgamma(x)


def test_gamma_and_lgamma_are_cpythons_own_bit_for_bit() -> None:
    """CPython's own Lanczos code (not libm's `tgamma`/`lgamma`): the same bits on
    every input; the poles raise ValueError, overflow OverflowError, in CPython."""
    for x in [*GAMMA_EDGES, *(-v for v in GAMMA_EDGES), *EDGE_FLOATS, *EDGE_INTS]:
        check(gamma, x)
        check(lgamma, x)

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.floats(-250, 250), st.floats(-6, 6), st.floats(), st.integers(-30, 30)))
    def random_values(x: float) -> None:
        check(gamma, x)
        check(lgamma, x)

    random_values()


def atan2(y, x):
    return math.atan2(y, x)


def fmod(x, y):
    return math.fmod(x, y)


def copysign(x, y):
    return math.copysign(x, y)


def log_base(x, base):
    return math.log(x, base)


def remainder(x, y):
    return math.remainder(x, y)


def nextafter(x, y):
    return math.nextafter(x, y)


PAIRS = [*EDGE_FLOATS[:10], math.inf, -math.inf, math.nan, 3, -2, 0, True]


@pytest.mark.parametrize("fn", [atan2, fmod, copysign, log_base, remainder, nextafter])
def test_math_function_of_two_numbers_is_cpythons(fn: Callable[..., Any]) -> None:
    for a in PAIRS:
        for b in PAIRS:
            check(fn, a, b)

    @EXAMPLES
    @given(NUMBERS, NUMBERS)
    def random_values(a: Any, b: Any) -> None:
        check(fn, a, b)

    random_values()


def gcd2(a, b):
    return math.gcd(a, b)


def gcd3(a, b, c):
    return math.gcd(a, b, c)


def gcd1(a):
    return math.gcd(a)


def gcd0():
    return math.gcd()


def lcm2(a, b):
    return math.lcm(a, b)


def lcm3(a, b, c):
    return math.lcm(a, b, c)


def factorial(n):
    return math.factorial(n)


def isqrt(n):
    return math.isqrt(n)


def comb(n, k):
    return math.comb(n, k)


def perm(n, k):
    return math.perm(n, k)


def perm1(n):
    return math.perm(n)


def pow_mod(a, b, m):
    return pow(a, b, m)


def divmod_(a, b):
    return divmod(a, b)


def _intermediate_overflow(n: int, k: int) -> bool:
    """comb's running product C(n, i) * (n - i) may leave 64 bits before the result."""
    k = min(k, n - k)
    return k > 0 and n > 0 and math.comb(n, k) * k > 2**62


@pytest.mark.parametrize("fn", [gcd2, lcm2, divmod_])
def test_integer_functions_of_two_ints_are_cpythons(fn: Callable[..., Any]) -> None:
    small = [0, 1, -1, 2, 5, 6, 12, 18, -18, 20, 40, 62, 63, 64, 100, 2**31, I64[0], I64[1]]
    for a in small:
        for b in small:
            check(fn, a, b)

    @EXAMPLES
    @given(st.one_of(INTS, st.booleans()), st.one_of(INTS, st.booleans()))
    def random_values(a: Any, b: Any) -> None:
        check(fn, a, b)

    random_values()


@pytest.mark.parametrize("fn", [comb, perm])
def test_comb_and_perm_are_cpythons(fn: Callable[..., Any]) -> None:
    """Arguments CPython answers quickly (its result for large ones is a huge int)."""
    small = [-1, 0, 1, 2, 5, 10, 20, 21, 30, 62, 63, 64, 67, 100, 1000, 10**6]
    for n in small:
        for k in small:
            if fn is perm and k > 30 and n >= k:
                continue
            check(fn, n, k, may_hand_back=fn is comb and _intermediate_overflow(n, k))

    @EXAMPLES
    @given(st.one_of(st.integers(-3, 70), st.booleans()), st.integers(-3, 25))
    def random_values(n: Any, k: int) -> None:
        check(fn, n, k, may_hand_back=fn is comb and n >= k >= 0 and _intermediate_overflow(n, k))

    random_values()


def test_integer_functions_of_other_arities_are_cpythons() -> None:
    check(gcd0)
    for a in EDGE_INTS:
        check(gcd1, a)
        check(isqrt, a)
        if a < 10**4:  # CPython's factorial of a huge int never ends
            check(factorial, a)
            check(perm1, a)
        check(gcd3, a, 12, 18)
        check(lcm3, a, 4, 6)
    for n in range(-2, 25):
        check(factorial, n)
        check(perm1, n)
    for n in [*range(200), 2**62, 2**63 - 1, 3037000499**2, 3037000499**2 - 1]:
        check(isqrt, n)
    check(factorial, True)
    check(gcd2, 2.0, 4)  # TypeError in CPython
    check(isqrt, -1.5)


def test_pow_with_a_modulus_is_cpythons() -> None:
    values = [0, 1, -1, 2, 3, -3, 7, 10, -10, 12, 97, 1000003, 2**40, I64[1]]
    for a in values:
        for b in [0, 1, 2, 5, 64, 10**18, -1, -2]:
            for m in [1, -1, 2, 7, -7, 10, 97, 1000003, 3037000499, 2**40, 0]:
                check(pow_mod, a, b, m, may_hand_back=abs(m) > intrinsics.MULMOD_MAX)

    check(pow_mod, 0, I64[0], 1)  # -(-2**63) would leave 64 bits
    check(pow_mod, 3, I64[0], 7)

    @EXAMPLES
    @given(INTS, INTS, st.integers(-(10**9), 10**9))
    def random_values(a: int, b: int, m: int) -> None:
        check(pow_mod, a, b, m)

    random_values()


def test_divmod_of_floats_and_mixed_is_cpythons() -> None:
    for a in PAIRS:
        for b in PAIRS:
            check(divmod_, a, b)


def round1(x):
    return round(x)


def round2(x, n):
    return round(x, n)


def round_none(x):
    return round(x, None)


def _rounding_hands_back(x: Any, n: int) -> bool:
    """`round(float, n)` compiles for 0 <= n <= 22 and |x| * 10**n below 2**52."""
    if not isinstance(x, float) or not math.isfinite(x):
        return False
    return not 0 <= n <= 22 or abs(x) * 10.0**n >= 2**52


def test_round_is_cpythons() -> None:
    for x in [*EDGE_FLOATS, *EDGE_INTS, 0.125, 0.375, 2.5, 3.5, -3.5, 1.005, 1234.5678, True]:
        check(round1, x)
        check(round_none, x)
        for n in [-20, -19, -3, -1, 0, 1, 2, 3, 10, 17, 22, 23, 400]:
            check(round2, x, n, may_hand_back=_rounding_hands_back(x, n))

    @settings(max_examples=300, deadline=None)
    @given(
        st.one_of(st.floats(-1e6, 1e6), st.decimals(-1000, 1000, places=3).map(float)),
        st.integers(0, 8),
    )
    def random_values(x: float, n: int) -> None:
        check(round2, x, n, may_hand_back=_rounding_hands_back(x, n))
        check(round1, x)

    random_values()

    @EXAMPLES
    @given(INTS, st.integers(-20, 3))
    def random_ints(x: int, n: int) -> None:
        check(round2, x, n)

    random_ints()
    check(round2, 1.5, 1.0)  # TypeError


def min2(a, b):
    return min(a, b)


def max2(a, b):
    return max(a, b)


def min3(a, b, c):
    return min(a, b, c)


def max3(a, b, c):
    return max(a, b, c)


def max_tuple(t):
    return max(t)


def min_of_mixed_then_used(a, b):
    m = min(a, b)
    return m * 2


@pytest.mark.parametrize("fn", [min2, max2, min_of_mixed_then_used])
def test_min_max_of_mixed_types_return_the_first_best_item(fn: Callable[..., Any]) -> None:
    values = [0, 1, -1, True, False, 0.0, -0.0, 1.0, 0.5, math.nan, math.inf, 2**53 + 1, 2.0**53]
    for a in values:
        for b in values:
            check(fn, a, b)


def test_min_max_of_three_mixed_and_of_a_tuple() -> None:
    values = [1, 1.0, 0.5, math.nan, -3]  # each combination of types compiles once
    for a in values:
        for b in values:
            for c in values:
                check(min3, a, b, c)
                check(max_tuple, (a, b, c))
    for args in [(True, 1, 0.5), (1, True, 1.0), (0.0, False, 0), (False, 0.0, -1)]:
        check(max3, *args)
        check(min3, *args)


def abs_complex(z):
    return abs(z)


def test_abs_of_a_complex_is_libm_hypot() -> None:
    parts = [0.0, -0.0, 3.0, -4.0, 1e308, 1e-320, math.inf, -math.inf, math.nan, 0.1]
    for re in parts:
        for im in parts:
            check(abs_complex, complex(re, im))

    @EXAMPLES
    @given(st.complex_numbers())
    def random_values(z: complex) -> None:
        check(abs_complex, z)

    random_values()


NONE_TYPE = type(None)


def kinds_of(x):
    return (
        isinstance(x, int),
        isinstance(x, float),
        isinstance(x, bool),
        isinstance(x, (int, float)),
        isinstance(x, complex),
        isinstance(x, tuple),
        isinstance(x, list),
        isinstance(x, NONE_TYPE),
        isinstance(x, int | None),
    )


def test_isinstance_with_builtin_types() -> None:
    for x in [1, True, 1.5, 1j, (1, 2.0), [1, 2], None, 2**70]:
        check(kinds_of, x)


def _scaled(x, factor=2, offset=0.5):
    return x * factor + offset


def keywords_to_a_jitted_helper(x):
    return _scaled(x, offset=1) + _scaled(x, 3) + _scaled(offset=x, x=2, factor=x)


def keywords_to_builtins(x, n):
    return round(x, ndigits=2) + pow(n, 3, mod=7) + pow(base=n, exp=2)


def unknown_keyword(x):
    return _scaled(x, scale=2)  # TypeError in CPython


def positional_and_keyword(x):
    return _scaled(x, x=2)  # TypeError in CPython


def test_keyword_arguments_in_calls() -> None:
    for x in [0, 1, -3, 2.5, True, 2**40]:
        check(keywords_to_a_jitted_helper, x)
        check(unknown_keyword, x)
        check(positional_and_keyword, x)
    for x in [0.125, 1.005, -2.675, 3.0]:
        for n in [0, 1, 5, -4, True]:
            check(keywords_to_builtins, x, n)


def enumerate_sum(xs, start):
    total = 0
    for i, x in enumerate(xs, start=start):
        total += i * x
    return total


def zip_dot(xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += x * y
    return total


def zip_three(xs, t, n):
    out = []
    for a, b, i in zip(xs, t, range(n)):
        out.append(a * b + i)
    return out


def enumerate_zip(xs, ys):
    total = 0
    for i, (a, b) in enumerate(zip(xs, ys)):
        total += i * (a - b)
    return total


def reversed_digits(xs):
    total = 0
    for x in reversed(xs):
        total = total * 10 + x
    return total


def reversed_while_popping(xs):
    seen = []
    for x in reversed(xs):
        seen.append(x)
        if xs:
            xs.pop()
    return seen


def reversed_range(a, b, t):
    out = []
    for x in reversed(range(a, b, 3)):
        out.append(x)
    for x in reversed(range(b, a, -2)):
        out.append(-x)
    for x in reversed(t):
        out.append(x * 100)
    return out


LISTS = st.lists(st.integers(-9, 9), max_size=6)
FLOAT_LISTS = st.lists(st.floats(-100, 100), max_size=6)


@settings(max_examples=25, deadline=None)
@given(LISTS, LISTS, FLOAT_LISTS, st.integers(-3, 3), st.integers(-10, 10), st.integers(-10, 10))
def test_enumerate_zip_and_reversed_loops(xs, ys, fs, start, a, b) -> None:
    check(enumerate_sum, xs, start)
    check(enumerate_sum, tuple(xs), start)
    check(zip_dot, fs, xs)
    check(zip_dot, tuple(fs), ys)
    check(zip_three, xs, (1.0, 2.5, -0.5), a + 10)
    check(enumerate_zip, xs, ys)
    check(reversed_digits, xs)
    check(reversed_digits, tuple(xs))
    check(reversed_range, a, b, (1, 2, True))
    mine, theirs = list(xs), list(xs)
    jitted = JITTED.setdefault(reversed_while_popping, graphlet.jit(reversed_while_popping))
    assert jitted(mine) == reversed_while_popping(theirs) and mine == theirs
    assert not jitted.last_call_handed_back


def sum_of(xs):
    return sum(xs)


def sum_from(xs, start):
    return sum(xs, start)


def min_max_of(xs):
    return min(xs), max(xs)


def sum_of_range_and_tuple(n):
    return sum(range(n)), sum((1.5, 2.25, 1e16)), sum((1, True)), max((n, 2, -1))


SUM_FLOATS = st.lists(
    st.one_of(st.sampled_from([0.1, -0.0, 1e16, -1e16, math.inf, 1e308]), st.floats(-1e17, 1e17)),
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(SUM_FLOATS, LISTS, st.lists(st.booleans(), max_size=4), st.sampled_from([0, 2, 0.5, -0.0]))
def test_sum_min_max_of_lists(fs, xs, bs, start) -> None:
    """`sum` of floats is CPython's own loop: plain on 3.11, compensated from 3.12."""
    for items in (fs, xs, bs):
        check(sum_of, list(items))
        check(sum_from, list(items), start)
        check(min_max_of, list(items))
    check(sum_of_range_and_tuple, len(xs))


def floordiv(a, b):
    return a // b


def mod(a, b):
    return a % b


def floordiv_by_true(a):
    return a // True


def mod_by_two(a):
    return a % 2.0


def bits(fn: Callable[..., Any], *args: Any) -> Any:
    """The outcome with floats as their bits, a NaN's sign included."""
    try:
        result = fn(*args)
    except Exception as e:
        return ("raises", type(e), str(e))
    if isinstance(result, tuple):
        return tuple(struct.pack("<d", r) for r in result)
    return struct.pack("<d", result)


def test_floor_division_and_modulo_of_an_infinity_give_cpythons_nan() -> None:
    """CPython's NaN is libm's `fmod(inf, y)` (negative on x86-64), while LLVM expands
    `frem` by a constant power of two (1.0 from a bool, `% 2.0`) into `x - trunc(x)`,
    whose NaN has `x`'s sign: compiled code calls libm for an infinite dividend."""
    divisors = [True, 1, 1.0, -1.0, 2.0, 0.5, 3.0, math.inf, -math.inf]
    for a in [math.inf, -math.inf, math.nan, -math.nan, 5.5, -0.0]:
        for fn, args in [(floordiv_by_true, (a,)), (mod_by_two, (a,))] + [
            (f, (a, b)) for f in (floordiv, mod, divmod_) for b in divisors
        ]:
            jitted = JITTED.setdefault(fn, graphlet.jit(fn))
            before = sum(v.calls for v in jitted.versions.values())
            assert bits(jitted, *args) == bits(fn, *args), (fn.__name__, args)
            assert sum(v.calls for v in jitted.versions.values()) == before + 1
            assert not jitted.last_call_handed_back, (fn.__name__, args)


def hypot0():
    return math.hypot()


def hypot1(x):
    return math.hypot(x)


def hypot2(x, y):
    return math.hypot(x, y)


def hypot3(x, y, z):
    return math.hypot(x, y, z)


def hypot5(a, b, c, d, e):
    return math.hypot(a, b, c, d, e)


def dist2(p, q):
    return math.dist(p, q)


HYPOT_EDGES = [
    0.0, -0.0, 3.0, -4.0, 1.0, 5e-324, 1e-310, 2.0**-1022, 2.0**-1024, 1e-200, 1e200,
    1.7976931348623157e308, 1e308, math.inf, -math.inf, math.nan, 0.1, 7.0,
]  # fmt: skip
WIDE_FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e-300, 1e-300),
    st.floats(-10, 10),
    st.sampled_from(HYPOT_EDGES),
)
"""Floats of every magnitude (each mix of ints and floats compiles a version of its own)."""


def test_hypot_and_dist_are_cpythons_vector_norm() -> None:
    """`math.hypot` is CPython's own scaled, compensated norm (not libm's `hypot`),
    bit for bit, at every arity; `math.dist` of tuples the norm of the differences."""
    check(hypot0)
    for x in HYPOT_EDGES:
        check(hypot1, x)
        for y in HYPOT_EDGES:
            check(hypot2, x, y)
            check(hypot3, x, y, 2.5)
            check(dist2, (x, 1.0), (y, -2.5))
    for n in [0, 7, -12, True, I64[1], I64[0]]:
        check(hypot2, n, 2.5)
        check(hypot3, 1e-310, n, n)
        check(dist2, (n, 1), (0.5, n))

    @settings(max_examples=200, deadline=None)
    @given(st.lists(WIDE_FLOATS, min_size=5, max_size=5))
    def random_values(xs: list[float]) -> None:
        check(hypot2, xs[0], xs[1])
        check(hypot3, *xs[:3])
        check(hypot5, *xs)
        check(dist2, tuple(xs[:2]), tuple(xs[2:4]))

    random_values()
    check(dist2, (1.0, 2.0), (1.0,))  # ValueError
    check(hypot2, 2**70, 1.0)  # an int past 64 bits


def fsum_of(xs):
    return math.fsum(xs)


def fsum_of_range(n):
    return math.fsum(range(n))


FSUM_LISTS = [
    [], [0.1] * 10, [1e-16, 1.0, 1e16], [1e308, 1e308], [1e308, 1e308, -1e308], [-0.0],
    [-0.0, -0.0], [math.inf, 1.0], [math.inf, -math.inf], [math.nan, 1.0], [-math.inf, 5.0],
    [1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50], [2.0**53, 1.0, 1.0], [5e-324, -5e-324],
    [1.7976931348623157e308, 1e292, -1e292],
]  # fmt: skip


def test_fsum_is_cpythons() -> None:
    """CPython's exact partials: the correctly rounded sum, its half-even fix across
    partials, OverflowError on an intermediate overflow, ValueError for -inf + inf."""
    for xs in FSUM_LISTS:
        check(fsum_of, list(xs))
    check(fsum_of, (1e-16, 1.0, 1e16))  # each tuple length compiles a version
    check(fsum_of, (1, 0.5))
    for xs in [[1, 2, 3], [I64[1], I64[1], 1], [-(2**62), 2**53 + 1, 1]]:
        check(fsum_of, xs)
    check(fsum_of, [True, False, True])
    for n in [0, 1, 10, 1000]:
        check(fsum_of_range, n)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.one_of(WIDE_FLOATS, st.floats()), max_size=12))
    def random_values(xs: list[float]) -> None:
        check(fsum_of, xs)

    random_values()


def sorted_of(xs):
    return sorted(xs)


def sorted_reversed(xs, r):
    return sorted(xs, reverse=r)


def sorted_key_none(xs):
    return sorted(xs, key=None, reverse=True)


def sorted_then_used(xs):
    ys = sorted(xs)
    ys.append(0)
    return ys, xs


def sort_in_place(xs):
    xs.sort()
    return xs[0] if xs else 0


def sorted_by_key(xs):
    return sorted(xs, key=abs)


def sorted_positional_reverse(xs):
    return sorted(xs, None, True)  # TypeError in CPython


SORTABLE = st.one_of(
    st.lists(st.integers(-5, 5), max_size=20),
    st.lists(st.integers(*I64), max_size=6),
    st.lists(st.sampled_from([0.0, -0.0, 1.5, -1.5, math.inf, -math.inf, 2.0]), max_size=20),
    st.lists(st.floats(allow_nan=False), max_size=12),
    st.lists(st.booleans(), max_size=10),
)


def test_sorted_of_a_list_is_cpythons_stable_order() -> None:
    """A new list in CPython's stable order, also reversed (equal items keep their
    order, which -0.0 and 0.0 show); a NaN hands back (timsort's order around one
    depends on its comparisons)."""
    for xs in [[], [1], [3, 1, 2], [0.0, -0.0, 0.0, -0.0], [-0.0, 0.0], [True, False, True]]:
        check(sorted_of, list(xs))
        for r in [True, False, 0, 1]:
            check(sorted_reversed, list(xs), r)
    check(sorted_key_none, [2.5, -0.0, 0.0, 2.5])
    check(sorted_then_used, [3, 1, 2])
    check(sorted_of, [1.0, math.nan, 0.0], may_hand_back=True)
    # a TypeError up to 3.12; 3.13 takes any truth value: a float reverse is not compiled
    check(sorted_reversed, [1, 2], 0.5, may_hand_back=True)
    check(sorted_positional_reverse, [1, 2])
    check(sorted_by_key, [2, -1])

    @settings(max_examples=15, deadline=None)
    @given(SORTABLE, st.booleans())
    def random_values(xs: list[Any], r: bool) -> None:
        check(sorted_of, list(xs))
        check(sorted_reversed, list(xs), r)
        mine, theirs = list(xs), list(xs)  # list.sort(): the caller sees the order
        jitted = JITTED.setdefault(sort_in_place, graphlet.jit(sort_in_place))
        assert exact(jitted(mine)) == exact(sort_in_place(theirs))
        assert exact(mine) == exact(theirs) and not jitted.last_call_handed_back

    random_values()


NEGATED = lambda v: -v  # a key function the capture reads as a global


def sorted_by_key_reversed(xs, r):
    return sorted(xs, key=abs, reverse=r)


def sorted_by_lambda(xs):
    return sorted(xs, key=NEGATED)


def min_by_abs(xs):
    return min(xs, key=abs)


def max_by_lambda(xs):
    return max(xs, key=NEGATED)


def min_or_default(xs):
    return min(xs, default=-1)


def max_by_abs_or_none(xs):
    return max(xs, key=abs, default=None)


def min_of_three_by_abs(a, b, c):
    return min(a, b, c, key=abs)


def max_of_two_by_float(a, b):
    return max(a, b, key=float)


def sort_by_key_in_place(xs, r):
    xs.sort(key=NEGATED, reverse=r)
    return xs


def sort_reversed_in_place(xs, r):
    xs.sort(reverse=r)
    return xs


def sum_with_start(xs, s):
    return sum(xs, start=s)


def dist_of_lists(p, q):
    return math.dist(p, q)


KEYED = st.one_of(
    st.lists(st.integers(-5, 5), max_size=12),
    st.lists(st.sampled_from([0.0, -0.0, 1.5, -1.5, math.inf, -math.inf, math.nan]), max_size=10),
    st.lists(st.floats(), max_size=8),
    st.lists(st.booleans(), max_size=6),
)


def test_key_and_default_of_sorted_min_max_are_cpythons() -> None:
    """`sorted`, `min`, `max` with `key=` (a builtin or a Python function) and `default=`:
    the key once per item, the stable order of the keys (0.0 and -0.0 keep their
    order), the first item whose key no later key beats, the default's own type for an
    empty list; `sorted` of a NaN key hands back (timsort's order around one depends
    on its comparisons); an empty list without a default raises ValueError."""
    for xs in [[], [1], [-2, 1, 2, -1], [0.0, -0.0, 0.0], [True, False], [math.nan, 1.0]]:
        nan = any(x != x for x in xs)
        check(sorted_by_key, list(xs), may_hand_back=nan)
        check(sorted_by_key_reversed, list(xs), True, may_hand_back=nan)
        check(sorted_by_lambda, list(xs), may_hand_back=nan)
        for fn in [min_by_abs, max_by_lambda, min_or_default, max_by_abs_or_none]:
            check(fn, list(xs))
    for a, b, c in [(-3, 2, -2), (1.5, -1.5, 0.5), (-0.0, 0.0, -0.0), (math.nan, 1.0, -1.0)]:
        check(min_of_three_by_abs, a, b, c)
    for a, b in [(1, 1.0), (1.0, 1), (2, 1.5), (-0.0, 0), (3, 2**62), (True, 0.5)]:
        check(max_of_two_by_float, a, b)
    check(sum_with_start, [1.5, 2.0], 0.25)
    check(sum_with_start, [1, 2], 3)
    check(dist_of_lists, [1.0, 2.0], [4.0, -2.0])
    check(dist_of_lists, [1, 2, 3], [0, 0, 0])
    check(dist_of_lists, [1.0], [1.0, 2.0])  # ValueError

    @settings(max_examples=15, deadline=None)
    @given(KEYED, st.booleans())
    def random_values(xs: list[Any], r: bool) -> None:
        nan = any(x != x for x in xs)
        check(sorted_by_key_reversed, list(xs), r, may_hand_back=nan)
        check(sorted_by_lambda, list(xs), may_hand_back=nan)
        for fn in [min_by_abs, max_by_lambda, min_or_default, max_by_abs_or_none]:
            check(fn, list(xs))
        floats = [float(x) for x in xs]
        check(dist_of_lists, floats, floats[::-1])
        for fn in [sort_by_key_in_place, sort_reversed_in_place]:
            mine, theirs = list(xs), list(xs)  # the caller sees the order
            jitted = JITTED.setdefault(fn, graphlet.jit(fn))
            assert exact(jitted(mine, r)) == exact(fn(theirs, r))
            assert exact(mine) == exact(theirs)
            assert nan or not jitted.last_call_handed_back

    random_values()


def wide_comparisons(x):
    c = 10**30
    return (x < c, x <= c, x > c, x >= c, x == c, x != c, c < x, -c > x, x == 2**64, x >= 2**64)


def wide_float_comparisons(x):
    return wide_comparisons(x) + (x < 2**1024 - 1, x > -(2**1024), x == 2**53 + 1, x < 2**64 + 1)


def wide_divisions(x):
    return x // 10**20, x // -(10**20), x % 10**20, -x % -(10**20)


def wide_mask(x):
    return x & 0xFFFF_FFFF_FFFF_FFFF_FFFF


def wide_with_floats(x):
    return x + 10**30, x * 2**64, x - 2**100, x ** -(2**64) if x > 1.0 else 0.0, 10**30 / x


def wide_folded(x):
    return x + 10**30 // 10**25 + (2**64 > 2**63) + ~(2**70) // 2**66


def wide_only_on_a_path(x):
    if x > 100:
        return x + 2**64  # past 64 bits: hands back, on this path only
    return -x


def wide_returned(x):
    return 10**30 if x else -(2**64)


def wide_too_large_for_floats(x):
    return x + 2**1024  # OverflowError in CPython


def test_int_constants_past_64_bits_hand_back_only_where_used() -> None:
    """A wide constant compiles: comparisons decide now against ints and exactly
    against floats (as `float_richcompare`), floats convert it as CPython does, and
    only a result that leaves 64 bits (or CPython's OverflowError) hands back."""
    for x in [0, 1, -1, 7, I64[0], I64[1], True, False]:
        check(wide_comparisons, x)
        check(wide_divisions, x)
        check(wide_mask, x)
        check(wide_folded, x)
        check(wide_only_on_a_path, x)
        check(wide_returned, x)
    for x in [0.0, -0.0, 1e30, 1e30 * (1 + 2**-52), 1e29, 2.0**64, 2.0**53, 2.0**1023, 1.5]:
        for v in [x, -x, math.inf, -math.inf, math.nan, 1.7976931348623157e308]:
            check(wide_float_comparisons, v)
            check(wide_with_floats, v)
            check(wide_too_large_for_floats, v)
    check(wide_too_large_for_floats, 3)

    @EXAMPLES
    @given(st.one_of(INTS, FLOATS))
    def random_values(x: Any) -> None:
        if isinstance(x, float):
            check(wide_float_comparisons, x)
            check(wide_with_floats, x)
        else:
            check(wide_comparisons, x)
            check(wide_divisions, x)
            check(wide_mask, x)

    random_values()


def isclose2(a, b):
    return math.isclose(a, b)


def isclose_tolerances(a, b, rel, tol):
    return math.isclose(a, b, rel_tol=rel, abs_tol=tol), math.isclose(a, b, abs_tol=tol)


def any_all(xs):
    return any(xs), all(xs)


def any_all_of_range(n):
    return any(range(n)), all(range(1, n)), any_all(range(n))


def prod1(xs):
    return math.prod(xs)


def prod_from(xs, start):
    return math.prod(xs, start=start)


def frexp1(x):
    return math.frexp(x)


def modf1(x):
    return math.modf(x)


def ldexp2(x, i):
    return math.ldexp(x, i)


CLOSE = [0.0, -0.0, 1.0, 1.0 + 1e-10, 1.1, -1.0, 1e-300, math.inf, -math.inf, math.nan, 3]


def test_isclose_any_all_and_prod_are_cpythons() -> None:
    for a in CLOSE:
        for b in CLOSE:
            check(isclose2, a, b)
        for rel, tol in [(0.0, 0.0), (0.1, 0.5), (math.nan, 0.0), (-1.0, 0.0), (0.0, -0.5)]:
            check(isclose_tolerances, a, 1.05, rel, tol)
    for xs in [[], [0], [0, 2], [0.0, -0.0], [math.nan], [True, False], [False]]:
        check(any_all, list(xs))
        check(any_all, tuple(xs))
    for n in [0, 1, 3]:
        check(any_all_of_range, n)

    @EXAMPLES
    @given(st.one_of(st.lists(st.integers(-(2**20), 2**20), max_size=5), SUM_FLOATS, LISTS))
    def random_values(xs: list[Any]) -> None:
        check(prod1, list(xs))
        check(prod_from, list(xs), 0.5)
        check(prod_from, list(xs), 3)
        check(any_all, list(xs))

    random_values()
    check(prod1, [2**40, 2**40])  # past 64 bits
    check(prod_from, (2, 0.5, 3), 3)
    check(prod_from, [1, 2], True, may_hand_back=True)  # a bool start: a graph break
    assert "with a bool as start is not compiled" in str(graphlet.explain(prod_from, [1, 2], True))
    check(isclose2, "a", 1.0)  # TypeError


def test_frexp_ldexp_and_modf_are_cpythons() -> None:
    """Exact power-of-two scaling; ldexp's overflow (OverflowError) and results below
    2**-1022 from a smaller exponent hand back (scaling down there could round twice)."""
    values = [*EDGE_FLOATS, 2.0**-1022, 2.0**-1074 * 3, 1e-310, -3.75, 0.1, 2.0**53 - 1]
    for x in [*values, 3, -7, True, I64[1]]:
        check(frexp1, x)
        check(modf1, x)
    for x in [*values, 3]:
        for i in [0, 1, -1, 52, -1022, 1023, 1024, 2000, -1000, -1074, True]:
            check(ldexp2, x, i, may_hand_back=i < -1022)
    check(ldexp2, 1.0, 0.5)  # TypeError

    @EXAMPLES
    @given(st.floats(), st.integers(-1022, 2100))
    def random_values(x: float, i: int) -> None:
        check(frexp1, x)
        check(modf1, x)
        check(ldexp2, x, i)

    random_values()


def int_to_negative_constant_powers(x):
    return x**-1, x**-2, x**-3 * 2, pow(x, -5)


def test_an_int_to_a_negative_constant_power_is_a_float() -> None:
    """`long_pow` with a negative exponent is `float_pow` of the two as floats
    (0 raises ZeroDivisionError, which hands back)."""
    for x in [*EDGE_INTS, True, False, 10, -10, 3, 2**53 + 1]:
        check(int_to_negative_constant_powers, x)
