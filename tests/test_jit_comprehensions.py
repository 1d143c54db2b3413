"""`@graphlet.jit` of comprehensions and generator expressions: list comprehensions
compile on 3.11 (a nested function) and 3.12+ (inlined, PEP 709) alike; a generator
expression consumed at once by sum/min/max/any/all/list/tuple/sorted runs as one
loop fused into its consumer, with CPython's exact results (sum's int and float
loops, any/all stopping at the deciding item, min/max of nothing raising CPython's
ValueError). A generator that escapes, and set and dict comprehensions, run in
Python with a readable reason."""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphlet

FULL = os.environ.get("GRAPHLET_CORPUS") == "all"
"""`GRAPHLET_CORPUS=all`: also the hypothesis sweep (many signatures compile: CI's budget)."""

_JITTED: dict[Any, Any] = {}


def _jit(fn: Any) -> Any:
    """One jitted function per test function, shared by every test (compiling is the cost)."""
    if fn not in _JITTED:
        _JITTED[fn] = graphlet.jit(fn)
    return _JITTED[fn]


def _native_calls(jitted: Any) -> int:
    return sum(version.calls for version in jitted.versions.values())


def _ran_natively(jitted: Any, *args: Any) -> Any:
    """`jitted(*args)`, whose second call must run natively with the first's answer."""
    first = jitted(*args)
    before = _native_calls(jitted)
    result = jitted(*args)
    assert _native_calls(jitted) == before + 1, graphlet.explain(jitted.__graphlet_py_func__, *args)
    assert not jitted.last_call_handed_back, graphlet.explain(jitted.__graphlet_py_func__, *args)
    _same(result, first)
    return result


def _same(got: Any, expected: Any) -> None:
    assert repr(got) == repr(expected) and type(got) is type(expected)


def squares_of_positives(xs, k):
    return [x * x + k for x in xs if x > 0]


def pairs(n):
    return [i * 10 + j for i in range(n) for j in range(i) if j % 2 == 0]


def enumerated(xs, ys):
    return [i + x * y for i, (x, y) in enumerate(zip(xs, ys))]


def shadowing(n):
    x = -1
    ys = [x * 2 for x in range(n)]
    return x, ys


def over_a_tuple(t):
    return [v + 0.5 for v in t]


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (squares_of_positives, ([3, -1, 2, 0], 1)),
        (squares_of_positives, ([1, 4], 2)),
        (pairs, (6,)),
        (enumerated, ([1, 2, 3], [0.5, 1.5])),
        (shadowing, (4,)),
        (over_a_tuple, ((1, 2, 3),)),
    ],
)
def test_list_comprehensions_run_natively(fn: Any, args: tuple[Any, ...]) -> None:
    _same(_ran_natively(_jit(fn), *args), fn(*args))


def test_a_comprehension_variable_does_not_leak() -> None:
    def leaks(n):
        [x for x in range(n)]
        return x  # noqa: F821 (a NameError, as CPython raises)

    with pytest.raises(NameError) as expected:
        leaks(3)
    with pytest.raises(NameError) as got:
        _jit(leaks)(3)
    assert str(got.value) == str(expected.value)


def sum_squares(xs):
    return sum(x * x for x in xs)


def sum_from(xs, start):
    return sum((x for x in xs), start)


def alternating(n, f):
    return sum(i if i % 2 else f for i in range(n))


FLOATS = st.one_of(
    st.floats(-1e6, 1e6), st.sampled_from([1e16, -1e16, 1.0, 0.1, -0.0, math.inf, math.nan])
)


@pytest.mark.skipif(not FULL, reason="many signatures compile (GRAPHLET_CORPUS=all runs it)")
@settings(max_examples=60, deadline=None, database=None)
@given(xs=st.lists(FLOATS, max_size=6), start=st.one_of(st.integers(-5, 5), FLOATS, st.booleans()))
def test_sum_of_a_generator_is_cpythons_loop(xs: list[float], start: Any) -> None:
    """sum's int loop, its float loop (compensated from 3.12) and its plain loop
    after a bool start give exactly CPython's bits."""
    jitted = _jit(sum_from)
    _same(_ran_natively(jitted, xs, start), sum_from(xs, start))


def test_sum_compensates_as_cpython_does() -> None:
    xs = [1e16, 1.0, -1e16]
    expected = 1.0 if sys.version_info >= (3, 12) else 0.0
    assert _ran_natively(_jit(sum_from), xs, 0.0) == expected == sum(xs, 0.0)


def test_sum_changes_from_its_int_loop_to_its_float_loop() -> None:
    jitted = _jit(alternating)
    for n in (0, 1, 5, 8):
        _same(_ran_natively(jitted, n, 0.1), alternating(n, 0.1))
    _same(_ran_natively(_jit(sum_squares), [1, 2, 3]), 14)


def test_sum_past_64_bits_is_cpythons_int() -> None:
    jitted = _jit(sum_squares)
    assert jitted([2**31, 2**31]) == sum_squares([2**31, 2**31])
    assert jitted([2**32, 2**32]) == 2 * 2**64


def extremes(xs):
    return min(x - 1 for x in xs), max(x * 2 for x in xs)


def extremes_or(xs):
    return min((x for x in xs if x > 0), default=None), max((x for x in xs), default=0.5)


def mixed_min(n, f):
    return min(i if i % 3 else f for i in range(1, n))


def test_min_max_of_generators() -> None:
    for fn, args in [
        (extremes, ([0.5, -0.0, 0.0, math.nan],)),
        (extremes, ([3.0, 1.0, 2.0],)),
        (extremes_or, ([3, -1, 2],)),
        (extremes_or, ([-1, 0],)),
        (mixed_min, (7, 0.5)),
        (mixed_min, (7, 2.5)),
    ]:
        _same(_ran_natively(_jit(fn), *args), fn(*args))


def test_min_of_an_empty_generator_raises_cpythons_value_error() -> None:
    jitted = _jit(extremes)
    with pytest.raises(ValueError) as expected:
        extremes([])
    with pytest.raises(ValueError) as got:
        jitted([])
    assert str(got.value) == str(expected.value)
    _same(_ran_natively(_jit(extremes_or), []), (None, 0.5))


def _logged(log, x):
    log.append(x)
    return x


def short_circuits(xs, t, log):
    found = any(_logged(log, x) > t for x in xs)
    every = all(_logged(log, -x) < t for x in xs)
    return found, every


@pytest.mark.parametrize(("xs", "t"), [([1, 5, 2, 9], 3), ([1, 2], 7), ([], 0), ([-4, 8], -5)])
def test_any_all_stop_at_the_deciding_item(xs: list[int], t: int) -> None:
    expected_log: list[int] = []
    expected = short_circuits(xs, t, expected_log)
    jitted = _jit(short_circuits)
    jitted(xs, t, [])
    log: list[int] = []
    _same(jitted(xs, t, log), expected)
    assert not jitted.last_call_handed_back
    assert log == expected_log


def collected(xs, t):
    return list(x + 1 for x in xs), tuple(v * 2 for v in t)


def sorted_negated(xs):
    return sorted((-x for x in xs), reverse=True)


def test_list_and_tuple_of_generators() -> None:
    jitted = _jit(collected)
    for args in [([3, 1, 2], (1, 2.5)), ([2], (0, -0.0))]:
        _same(_ran_natively(jitted, *args), collected(*args))


@pytest.mark.skipif(not FULL, reason="sorting compiles slowly (GRAPHLET_CORPUS=all runs it)")
def test_sorted_of_a_generator() -> None:
    for xs in ([3, 1, 2], [], [5]):
        _same(_ran_natively(_jit(sorted_negated), xs), sorted_negated(xs))


def test_stored_looped_and_passed_generators_run_natively() -> None:
    def stored(xs):
        g = (x for x in xs)
        return sum(g)

    def looped(xs):
        total = 0
        for v in (x * 2 for x in xs):
            total += v
        return total

    for fn in (stored, looped):
        _same(_ran_natively(_jit(fn), [1, -2, 3]), fn([1, -2, 3]))


def _keeps(g):
    return 0


def test_escaping_generators_run_in_python_with_readable_reasons() -> None:
    def returned(xs):
        return (x for x in xs)

    def passed_on(xs):
        return _keeps(x for x in xs)

    def set_comp(xs):
        return len({x for x in xs})

    def dict_comp(xs):
        return len({x: 1 for x in xs})

    expected = {
        returned: "returning a generator expression is not compiled",
        passed_on: "a generator that escapes runs in Python",
        set_comp: "graphlet has no set values",
        dict_comp: "graphlet has no dict values",
    }
    for fn, reason in expected.items():
        jitted = _jit(fn)
        result = jitted([1, -2, 3])
        reference = fn([1, -2, 3])
        if fn is returned:
            assert list(result) == list(reference)
        else:
            assert result == reference
        reasons = [b.reason for b in graphlet.explain(fn, [1, -2, 3]).breaks]
        assert any(reason in r for r in reasons), reasons
        assert not any("<" in r for r in reasons), reasons
