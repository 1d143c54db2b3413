"""Differential tests of `@graphlet.jit`: every corpus function, jitted, against CPython.

Same value, same type (bool is not int), same exception type and message, same
printed output and side effects, on hypothesis-generated inputs. Each jitted
function is built once and shared by all examples, so each signature compiles once.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable
from typing import Any

import jit_corpus as corpus
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphlet

SMALL = st.integers(-20, 40)
TINY = st.integers(-6, 12)
EDGE_INTS = st.sampled_from(
    [0, 1, -1, 2**31, 2**62, 2**63 - 1, -(2**63), 2**63, 2**64 + 3, -(2**70)]
)
INTS = st.one_of(SMALL, EDGE_INTS, st.integers())
EDGE_FLOATS = st.sampled_from(
    [0.0, -0.0, 1.5, -2.5, math.inf, -math.inf, math.nan, 1e308, 5e-324, 2.0**53]
)
FLOATS = st.one_of(st.floats(-1e3, 1e3), EDGE_FLOATS, st.floats())
BOOLS = st.booleans()
NUMBERS = st.one_of(INTS, FLOATS, BOOLS)
SMALL_NUMBERS = st.one_of(SMALL, st.floats(-50, 50), BOOLS, EDGE_FLOATS)

CASES: list[tuple[Callable[..., Any], tuple[st.SearchStrategy, ...]]] = [
    (corpus.add, (NUMBERS, NUMBERS)),
    (corpus.sub_mul, (NUMBERS, NUMBERS)),
    (corpus.sum_squares, (SMALL,)),
    (corpus.range_two, (TINY, SMALL)),
    (corpus.range_three, (SMALL, SMALL, st.integers(-7, 7))),
    (corpus.countdown, (TINY,)),
    (corpus.nested_loops, (TINY, TINY)),
    (corpus.collatz, (st.integers(-3, 200),)),
    (
        corpus.gcd,
        (st.one_of(SMALL, st.integers(0, 10**6)), st.one_of(SMALL, st.integers(0, 10**6))),
    ),
    (corpus.fib_iter, (SMALL,)),
    (corpus.fib_rec, (st.integers(-3, 12),)),
    (corpus.first_square_above, (st.one_of(SMALL, st.floats(-10, 200), BOOLS),)),
    (corpus.branches, (NUMBERS,)),
    (corpus.chained, (SMALL_NUMBERS, SMALL_NUMBERS, SMALL_NUMBERS)),
    (corpus.and_or, (SMALL_NUMBERS, SMALL_NUMBERS)),
    (corpus.negate, (NUMBERS,)),
    (corpus.conditional_expression, (SMALL_NUMBERS, SMALL_NUMBERS)),
    (corpus.mixed_int_float, (INTS, FLOATS)),
    (corpus.true_divide, (NUMBERS, NUMBERS)),
    (corpus.floor_div_mod, (NUMBERS, NUMBERS)),
    (
        corpus.power,
        (st.one_of(SMALL, FLOATS, BOOLS), st.one_of(st.integers(-3, 70), st.floats(-3, 3), BOOLS)),
    ),
    (corpus.multiply, (INTS, INTS)),
    (corpus.abs_min_max, (SMALL_NUMBERS, SMALL_NUMBERS, SMALL_NUMBERS)),
    (corpus.casts, (NUMBERS,)),
    (corpus.to_bool, (NUMBERS,)),
    (corpus.math_mix, (st.one_of(FLOATS, SMALL, BOOLS),)),
    (corpus.logarithm, (st.one_of(FLOATS, SMALL),)),
    (corpus.floor_ceil, (st.one_of(FLOATS, INTS, BOOLS),)),
    (corpus.float_classes, (st.one_of(FLOATS, SMALL),)),
    (corpus.globals_scaled, (NUMBERS,)),
    (corpus.calls_helper, (NUMBERS,)),
    (corpus.break_continue, (SMALL,)),
    (corpus.for_else, (SMALL,)),
    (corpus.while_loop_float, (st.one_of(st.floats(-5, 1e6), EDGE_FLOATS, SMALL),)),
    (corpus.horner, (st.one_of(FLOATS, SMALL),)),
    (corpus.prints_result, (SMALL,)),
    (corpus.appends_effects, (SMALL,)),
    (corpus.type_changes_in_loop, (TINY,)),
    (corpus.maybe_unbound, (SMALL_NUMBERS,)),
    (corpus.bool_arithmetic, (BOOLS, BOOLS)),
    (corpus.invert, (st.one_of(INTS, BOOLS, FLOATS),)),
    (corpus.bitwise, (st.one_of(INTS, BOOLS), st.one_of(SMALL, BOOLS))),
    (corpus.shift, (st.one_of(SMALL, EDGE_INTS), st.integers(-3, 80))),
    (corpus.negative_zero, (st.one_of(FLOATS, SMALL),)),
    (corpus.int_float_compare, (st.one_of(INTS, st.integers(2**53 - 3, 2**53 + 3)), FLOATS)),
    (corpus.returns_bool_or_int, (SMALL_NUMBERS,)),
    (corpus.uses_list, (TINY,)),
    (corpus.uses_try, (SMALL, SMALL)),
    (corpus.raises_on_negative, (SMALL_NUMBERS,)),
    (corpus.defaults, (SMALL_NUMBERS,)),
    (corpus.range_of_float, (st.one_of(TINY, st.floats(0, 5)),)),
    (corpus.unary_plus, (NUMBERS,)),
    (corpus.is_even, (st.integers(0, 30),)),
    (corpus.attribute_access, (SMALL_NUMBERS,)),
    (corpus.string_result, (SMALL,)),
    (corpus.nested_loop_break, (TINY,)),
    (corpus.compare_floats, (FLOATS, FLOATS)),
    (corpus.mixed_accumulate, (TINY, FLOATS)),
    (corpus.modulo_signs, (st.one_of(INTS, FLOATS), st.one_of(SMALL, FLOATS))),
]

JITTED = {fn: graphlet.jit(fn) for fn, _ in CASES}


def outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """What a call does, in comparable form: value (with its type and exact repr) or
    exception (type and message), plus what it printed and appended to EFFECTS."""
    corpus.EFFECTS.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            value = fn(*args)
            result: tuple[Any, ...] = ("value", type(value), repr(value))
        except RecursionError:
            result = ("recursion",)
        except Exception as e:  # the reference raises: the jitted call must raise the same
            result = ("raise", type(e), str(e))
    return (*result, out.getvalue(), list(corpus.EFFECTS))


@pytest.mark.parametrize("fn, strategies", CASES, ids=[fn.__name__ for fn, _ in CASES])
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_jit_matches_cpython(
    fn: Callable[..., Any], strategies: tuple[st.SearchStrategy, ...], data: st.DataObject
) -> None:
    args = tuple(data.draw(s) for s in strategies)
    expected = outcome(fn, args)
    got = outcome(JITTED[fn], args)
    assert got == expected, f"{fn.__name__}{args}"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
