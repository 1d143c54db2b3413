"""Differential tests of `@graphlet.jit`: every corpus function, jitted, against CPython.

Same value, same type (bool is not int), same exception type and message, same
printed output and side effects, the same mutations of the caller's lists, and the
same identity between the result and the arguments, on hypothesis-generated inputs.
Each jitted function is built once and shared by all examples.

Each case says whether it must run natively (`NATIVE`) or why it may run in Python.
A native case fails if a call hands back to CPython, except where CPython itself
raises (the hand-back is how its exception reaches the user), where an int leaves
64 bits (checked independently: an argument, the result, or an intermediate value of
the captured code run exactly in the reference interpreter), or where the case names
another reason (`hands_back_if`).
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jit_corpus as corpus
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphlet
from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode.signature import signature_of
from graphlet.runtime.jit_backends import HandBack

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
INT_LISTS = st.lists(st.integers(-50, 50), max_size=8)
FLOAT_LISTS = st.lists(st.one_of(st.floats(-100, 100), EDGE_FLOATS), max_size=8)
BOOL_LISTS = st.lists(BOOLS, max_size=8)
SCALAR_LISTS = st.one_of(INT_LISTS, FLOAT_LISTS, BOOL_LISTS)
PREFIX_LISTS = st.lists(st.integers(0, 2), max_size=4)
"""Short lists of few values, so that one is often a prefix of, or equal to, another."""
COMPLEX = st.one_of(
    st.complex_numbers(max_magnitude=1e6),
    st.complex_numbers(),
    st.sampled_from([0j, 1 + 0j, -1j, complex(math.inf, 0), complex(0, math.nan), 1e200 + 1j]),
)
FINITE_PAIRS = st.tuples(st.one_of(SMALL, st.floats(-50, 50)), st.one_of(SMALL, st.floats(-50, 50)))

FLOAT_ARRAYS = hnp.arrays(
    np.float64, hnp.array_shapes(max_dims=1, max_side=8), elements=st.floats(-100, 100)
)
INT_ARRAYS = hnp.arrays(
    np.int64, hnp.array_shapes(max_dims=1, max_side=8), elements=st.integers(-50, 50)
)
GRIDS = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=st.floats(-9, 9)
)

NATIVE = True


@dataclass
class Case:
    fn: Callable[..., Any]
    strategies: tuple[st.SearchStrategy, ...]
    native: bool | str = NATIVE
    """NATIVE, or why calls may run in Python (a graph break that is not this
    frontend's to remove, such as print or try/except)."""
    hands_back_if: Callable[..., bool] | None = None
    """For a native case: arguments for which handing back is right, beyond CPython
    raising and 64-bit overflow (documented where used)."""


def _nan_items(*args: Any) -> bool:
    """A NaN compared inside a tuple or list: whether two NaNs are one object (and
    so equal there) is not known in native code, so the call hands back."""

    def nan(value: Any) -> bool:
        if isinstance(value, float):
            return math.isnan(value)
        if isinstance(value, complex):
            return math.isnan(value.real) or math.isnan(value.imag)
        if isinstance(value, tuple | list):
            return any(map(nan, value))
        return False

    return any(map(nan, args))


def _bool_invert(a: Any) -> bool:
    """`~True` warns (DeprecationWarning) from 3.12: CPython runs it to warn."""
    return isinstance(a, bool) and sys.version_info >= (3, 12)


def _rounds_past_2_52(x: float) -> bool:
    """`round(x, 2)` hands back where `x * 100` is at least 2**52 but x is not
    (docs/jit-builtins.md)."""
    y = x * 1.07
    return math.isfinite(y) and abs(y) < 2**52 <= abs(y) * 100


CASES: list[Case] = [
    Case(corpus.add, (NUMBERS, NUMBERS)),
    Case(corpus.sub_mul, (NUMBERS, NUMBERS)),
    Case(corpus.sum_squares, (SMALL,)),
    Case(corpus.range_two, (TINY, SMALL)),
    Case(corpus.range_three, (SMALL, SMALL, st.integers(-7, 7))),
    Case(corpus.countdown, (TINY,)),
    Case(corpus.nested_loops, (TINY, TINY)),
    Case(corpus.collatz, (st.integers(-3, 200),)),
    Case(
        corpus.gcd,
        (st.one_of(SMALL, st.integers(0, 10**6)), st.one_of(SMALL, st.integers(0, 10**6))),
    ),
    Case(corpus.fib_iter, (SMALL,)),
    Case(corpus.fib_rec, (st.integers(-3, 12),)),
    Case(corpus.first_square_above, (st.one_of(SMALL, st.floats(-10, 200), BOOLS),)),
    Case(corpus.branches, (NUMBERS,)),
    Case(corpus.chained, (SMALL_NUMBERS, SMALL_NUMBERS, SMALL_NUMBERS)),
    Case(corpus.and_or, (SMALL_NUMBERS, SMALL_NUMBERS)),
    Case(corpus.negate, (NUMBERS,)),
    Case(corpus.conditional_expression, (SMALL_NUMBERS, SMALL_NUMBERS)),
    Case(corpus.mixed_int_float, (INTS, FLOATS)),
    Case(
        corpus.true_divide,
        (NUMBERS, NUMBERS),
        hands_back_if=lambda a, b: any(abs(i) > 2**53 for i in _ints((a, b))),
        # int / int of operands past 2**53: CPython's correctly rounded quotient
    ),
    Case(corpus.floor_div_mod, (NUMBERS, NUMBERS)),
    Case(
        corpus.power,
        (st.one_of(SMALL, FLOATS, BOOLS), st.one_of(st.integers(-3, 70), st.floats(-3, 3), BOOLS)),
        hands_back_if=lambda a, b: type(a**b) is not type(a * b),
        # a result of another type than the operands' (int ** -1 is a float, a negative
        # float ** a fraction is a complex) is computed by CPython
    ),
    Case(corpus.multiply, (INTS, INTS)),
    Case(
        corpus.abs_min_max,
        (SMALL_NUMBERS, SMALL_NUMBERS, SMALL_NUMBERS),
        "min()/max() of mixed types are the builtins' helper's",
    ),
    Case(corpus.casts, (NUMBERS,)),
    Case(corpus.to_bool, (NUMBERS,)),
    Case(
        corpus.math_mix,
        (st.one_of(FLOATS, SMALL, BOOLS),),
        hands_back_if=lambda x: type(x) is not float,
        # min() of an int and a float is for the builtins' coverage
    ),
    Case(corpus.logarithm, (st.one_of(FLOATS, SMALL),)),
    Case(corpus.floor_ceil, (st.one_of(FLOATS, INTS, BOOLS),)),
    Case(corpus.float_classes, (st.one_of(FLOATS, SMALL),)),
    Case(corpus.globals_scaled, (NUMBERS,)),
    Case(corpus.calls_helper, (NUMBERS,)),
    Case(corpus.break_continue, (SMALL,)),
    Case(corpus.for_else, (SMALL,)),
    Case(corpus.while_loop_float, (st.one_of(st.floats(-5, 1e6), EDGE_FLOATS, SMALL),)),
    Case(corpus.horner, (st.one_of(FLOATS, SMALL),)),
    Case(corpus.prints_result, (SMALL,), "print() is a graph break"),
    Case(corpus.appends_effects, (SMALL,), "appending to a global list is a side effect"),
    Case(corpus.type_changes_in_loop, (TINY,)),
    Case(corpus.maybe_unbound, (SMALL_NUMBERS,)),
    Case(corpus.bool_arithmetic, (BOOLS, BOOLS)),
    Case(corpus.invert, (st.one_of(INTS, BOOLS, FLOATS),), hands_back_if=_bool_invert),
    Case(corpus.bitwise, (st.one_of(INTS, BOOLS), st.one_of(SMALL, BOOLS))),
    Case(corpus.shift, (st.one_of(SMALL, EDGE_INTS), st.integers(-3, 80))),
    Case(corpus.negative_zero, (st.one_of(FLOATS, SMALL),)),
    Case(corpus.int_float_compare, (st.one_of(INTS, st.integers(2**53 - 3, 2**53 + 3)), FLOATS)),
    Case(corpus.returns_bool_or_int, (SMALL_NUMBERS,)),
    Case(corpus.uses_list, (TINY,)),
    Case(corpus.uses_try, (SMALL, SMALL), "try/except is not compiled"),
    Case(corpus.raises_on_negative, (SMALL_NUMBERS,)),
    Case(corpus.defaults, (SMALL_NUMBERS,)),
    Case(corpus.range_of_float, (st.one_of(TINY, st.floats(0, 5)),)),
    Case(corpus.unary_plus, (NUMBERS,)),
    Case(corpus.is_even, (st.integers(0, 30),)),
    Case(corpus.attribute_access, (SMALL_NUMBERS,)),
    Case(corpus.string_result, (SMALL,), "str() of a number is not compiled"),
    Case(corpus.nested_loop_break, (TINY,)),
    Case(corpus.compare_floats, (FLOATS, FLOATS)),
    Case(corpus.mixed_accumulate, (TINY, FLOATS)),
    Case(corpus.modulo_signs, (st.one_of(INTS, FLOATS), st.one_of(SMALL, FLOATS))),
    # tuples
    Case(corpus.tuple_swap_mixed, (st.tuples(SMALL_NUMBERS, SMALL_NUMBERS),)),
    Case(corpus.tuple_index_slice, (st.tuples(SMALL, st.floats(-9, 9), BOOLS),)),
    Case(corpus.tuple_dynamic_index, (st.tuples(SMALL, SMALL, SMALL), st.integers(-5, 5))),
    Case(
        corpus.tuple_compare,
        (
            st.tuples(SMALL_NUMBERS, SMALL_NUMBERS),
            st.one_of(st.tuples(SMALL_NUMBERS, SMALL_NUMBERS), st.tuples(SMALL_NUMBERS)),
        ),
        hands_back_if=_nan_items,
    ),
    Case(corpus.nbody_like, (TINY, st.floats(-2, 2))),
    Case(corpus.tuple_of_kinds, (SMALL_NUMBERS,)),
    Case(
        corpus.tuple_star_unpack,
        (
            st.one_of(
                st.tuples(SMALL, SMALL), st.tuples(SMALL, SMALL, SMALL, SMALL), st.tuples(TINY)
            ),
        ),
    ),
    # None and Optional
    Case(corpus.none_default, (SMALL_NUMBERS,)),
    Case(corpus.none_default, (SMALL_NUMBERS, st.one_of(st.none(), SMALL_NUMBERS))),
    Case(corpus.uses_optional, (SMALL_NUMBERS,)),
    Case(corpus.optional_result, (SMALL_NUMBERS,)),
    Case(corpus.none_comparisons, (st.one_of(st.none(), SMALL), st.one_of(st.none(), FLOATS))),
    Case(corpus.returns_none, (SMALL_NUMBERS,)),
    # lists
    Case(corpus.list_append_arg, (INT_LISTS, TINY)),
    Case(corpus.list_build, (TINY,)),
    Case(corpus.list_index, (SCALAR_LISTS, st.integers(-10, 10))),
    Case(
        corpus.list_slice,
        (SCALAR_LISTS, st.integers(-10, 10), st.integers(-10, 10)),
    ),
    Case(corpus.list_mutate, (st.lists(st.integers(-50, 50), min_size=0, max_size=6),)),
    Case(
        corpus.list_search,
        (
            SCALAR_LISTS,
            st.one_of(st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5, -1.0]), BOOLS),
        ),
    ),
    Case(corpus.list_scale, (st.one_of(INT_LISTS, FLOAT_LISTS), st.integers(-3, 3))),
    Case(corpus.list_scale, (FLOAT_LISTS, st.floats(-3, 3))),
    Case(corpus.list_mean, (st.one_of(INT_LISTS, FLOAT_LISTS, BOOL_LISTS),)),
    Case(corpus.list_sieve, (st.integers(1, 300),)),
    Case(corpus.list_combine, (TINY,)),
    Case(corpus.list_alias, (FLOAT_LISTS,)),
    Case(corpus.list_out_param, (st.just([]), TINY)),
    Case(corpus.list_grow_while_iterating, (INT_LISTS,)),
    Case(corpus.list_pop_until_empty, (st.one_of(INT_LISTS, FLOAT_LISTS),)),
    Case(corpus.list_unpack, (st.lists(st.integers(-9, 9), min_size=2, max_size=4),)),
    Case(corpus.list_of_bools, (BOOL_LISTS,)),
    Case(corpus.list_filled_by_callee, (TINY,)),
    Case(corpus.list_compare, (PREFIX_LISTS, PREFIX_LISTS)),
    Case(corpus.list_compare, (FLOAT_LISTS, FLOAT_LISTS), hands_back_if=_nan_items),
    Case(corpus.list_compare, (BOOL_LISTS, BOOL_LISTS)),
    Case(
        corpus.list_remove,
        (
            SCALAR_LISTS,
            st.one_of(st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5, -1.0]), BOOLS),
        ),
    ),
    Case(
        corpus.list_splice,
        (INT_LISTS, st.integers(-10, 10), st.integers(-10, 10), st.lists(TINY, max_size=4)),
    ),
    Case(corpus.list_star_unpack, (st.one_of(INT_LISTS, FLOAT_LISTS),)),
    # NumPy arrays (more layouts, dtypes and checks in test_jit_arrays.py)
    Case(corpus.array_item, (st.one_of(FLOAT_ARRAYS, INT_ARRAYS), st.integers(-9, 9))),
    Case(corpus.array_increment_then_index, (st.one_of(FLOAT_ARRAYS, INT_ARRAYS), TINY)),
    Case(corpus.array_loop_sum, (FLOAT_ARRAYS,)),
    Case(corpus.array_slice_assign, (INT_ARRAYS, TINY, TINY, st.integers(-3, 3))),
    Case(corpus.array_reversed, (st.one_of(FLOAT_ARRAYS, GRIDS),)),
    Case(corpus.array_stencil, (GRIDS,)),
    Case(corpus.array_histogram, (FLOAT_ARRAYS, st.integers(1, 5), st.just(-50.0), st.just(50.0))),
    # complex
    Case(corpus.complex_arith, (COMPLEX, COMPLEX)),
    Case(corpus.complex_mixed, (COMPLEX, st.one_of(SMALL, FLOATS, BOOLS))),
    Case(corpus.complex_power, (COMPLEX,)),
    Case(
        corpus.complex_runtime_power,
        (COMPLEX, st.one_of(st.integers(-120, 120), st.floats(-120, 120), BOOLS)),
        hands_back_if=lambda z, n: n != int(n) or abs(n - 1) > 100,
        # an exponent that is not a small integer: CPython's _Py_c_pow (libm)
    ),
    Case(corpus.complex_from_parts, (st.one_of(SMALL, FLOATS), st.one_of(SMALL, FLOATS, BOOLS))),
    # strings
    Case(corpus.string_mode, (SMALL_NUMBERS, st.sampled_from(["double", "negate", "other"]))),
    Case(corpus.string_constant_result, (SMALL_NUMBERS,)),
    Case(corpus.string_default, (SMALL,)),
    Case(corpus.string_default, (SMALL, st.sampled_from(["add", "sub"]))),
    # mixed types along paths
    Case(corpus.mixed_branch, (SMALL_NUMBERS,)),
    Case(corpus.mixed_accumulator, (TINY, st.one_of(SMALL, st.floats(-5, 5)))),
    Case(corpus.int_or_float, (SMALL_NUMBERS,)),
    Case(corpus.uses_int_or_float, (SMALL_NUMBERS,)),
    # builtins (docs/jit-builtins.md)
    Case(
        corpus.builtin_price_with_tax,
        (st.one_of(FLOATS, st.decimals(0, 1000, places=2).map(float)),),
        hands_back_if=_rounds_past_2_52,
    ),
    Case(corpus.builtin_reduce_fraction, (INTS, INTS)),
    Case(corpus.builtin_modpow, (INTS, st.one_of(SMALL, st.integers(-(2**62), 2**62)))),
    Case(corpus.builtin_heading, (FLOATS, FLOATS)),
    Case(corpus.builtin_decibels, (st.one_of(FLOATS, INTS),)),
    Case(corpus.builtin_clamp, (SMALL_NUMBERS, SMALL_NUMBERS, SMALL_NUMBERS)),
    Case(corpus.builtin_weighted, (st.one_of(INT_LISTS, FLOAT_LISTS),)),
    Case(corpus.builtin_dot, (FLOAT_LISTS, st.one_of(INT_LISTS, FLOAT_LISTS))),
    Case(corpus.builtin_horner, (FLOAT_LISTS, st.floats(-3, 3))),
    Case(corpus.builtin_keywords, (SMALL_NUMBERS, SMALL_NUMBERS, st.floats(-1, 2))),
    Case(corpus.builtin_is_square, (st.one_of(INTS, st.integers(0, 10**6).map(lambda r: r * r)),)),
    Case(corpus.builtin_binomial_row, (st.integers(-2, 60),)),
    Case(corpus.builtin_digit_sum, (INTS,)),
    Case(corpus.builtin_scale_number, (NUMBERS,)),
    Case(corpus.builtin_math_mix, (FLOATS,)),
    Case(corpus.builtin_mean, (SCALAR_LISTS,)),
    Case(corpus.builtin_spread, (SCALAR_LISTS,)),
    Case(corpus.builtin_polyline_length, (FLOAT_LISTS, st.one_of(INT_LISTS, FLOAT_LISTS))),
    Case(corpus.builtin_median, (st.one_of(INT_LISTS, FLOAT_LISTS),), hands_back_if=_nan_items),
    Case(corpus.builtin_exact_mean, (st.one_of(INT_LISTS, FLOAT_LISTS),)),
    Case(corpus.builtin_hash_mix, (INTS,)),
    Case(corpus.builtin_fits_in_u64, (st.one_of(INTS, FLOATS),)),
    Case(corpus.closure_late_binding, (INTS,)),
    Case(corpus.closure_key_sorted, (INT_LISTS, SMALL)),  # one list type: sorting compiles slowly
    Case(corpus.closure_key_min_max, (INT_LISTS, SMALL)),
    Case(corpus.closure_sort_in_place, (INT_LISTS, TINY)),
    Case(corpus.closure_defaults, (INTS,)),
    Case(corpus.closure_in_loop, (SMALL,)),
    Case(corpus.closure_two_levels, (SMALL, SMALL)),
    Case(corpus.closure_passed_to_helper, (SMALL, st.one_of(SMALL, st.floats(-50, 50)))),
    Case(corpus.closure_choose, (SMALL, SMALL)),
    Case(corpus.closure_from_factory, (st.one_of(SMALL, st.floats(-50, 50)),)),
    Case(corpus.closure_recursive, (st.integers(-3, 15),)),
    Case(corpus.closure_appends_to_outer_list, (TINY, INT_LISTS)),
    Case(corpus.closure_in_a_list, (SMALL,), "a closure stored in a list runs in Python"),
    Case(corpus.closure_nonlocal, (SMALL,)),
    Case(corpus.closure_counter, (TINY, st.one_of(SMALL, st.floats(-50, 50)))),
    Case(corpus.comp_filter_map, (SCALAR_LISTS, SMALL_NUMBERS)),
    Case(corpus.comp_nested, (TINY,)),
    Case(corpus.comp_enumerate_zip, (INT_LISTS, FLOAT_LISTS)),
    Case(corpus.comp_over_tuple, (st.tuples(SMALL, SMALL, SMALL),)),
    Case(corpus.comp_over_array, (FLOAT_ARRAYS,)),
    Case(corpus.comp_shadows_a_local, (TINY,)),
    Case(corpus.comp_calls_a_lambda, (INT_LISTS, SMALL)),
    Case(corpus.comp_of_generators, (TINY,)),
    Case(corpus.comp_side_effect_order, (INT_LISTS, INT_LISTS)),
    Case(corpus.gen_sum_squares, (SCALAR_LISTS,)),
    Case(corpus.gen_sum_start, (SCALAR_LISTS, SMALL_NUMBERS)),
    Case(corpus.gen_sum_keyword_start, (SCALAR_LISTS,)),
    Case(corpus.gen_sum_mixed_items, (TINY, FLOATS)),
    Case(corpus.gen_sum_nested, (INT_LISTS, FLOAT_LISTS)),
    Case(corpus.gen_min_max, (SCALAR_LISTS,)),
    Case(corpus.gen_min_max_default, (SCALAR_LISTS,)),
    Case(corpus.gen_min_max_mixed_items, (TINY, FLOATS)),
    Case(corpus.gen_any_all_short_circuit, (INT_LISTS, SMALL, INT_LISTS)),
    Case(corpus.gen_any_all_of_numbers, (SCALAR_LISTS,)),
    Case(
        corpus.gen_list_tuple_sorted,
        (SCALAR_LISTS, st.tuples(SMALL, st.floats(-50, 50))),
        hands_back_if=_nan_items,  # sorted() of a NaN hands back (docs/jit-builtins.md)
    ),
    Case(corpus.gen_closure_over_arguments, (SCALAR_LISTS, SMALL_NUMBERS)),
    Case(corpus.gen_stored_in_a_variable, (INT_LISTS,)),
    Case(corpus.set_comprehension, (INT_LISTS,), "graphlet has no set values"),
]

CASE_IDS = [f"{case.fn.__name__}-{len(case.strategies)}" for case in CASES]

FULL = os.environ.get("GRAPHLET_CORPUS") == "all"
FULL_ONLY = {
    "comp_filter_map",
    "comp_enumerate_zip",
    "comp_over_tuple",
    "comp_over_array",
    "comp_calls_a_lambda",
    "comp_side_effect_order",
    "gen_sum_squares",
    "gen_sum_start",
    "gen_sum_keyword_start",
    "gen_sum_nested",
    "gen_min_max",
    "gen_min_max_default",
    "gen_min_max_mixed_items",
    "gen_any_all_short_circuit",
    "gen_any_all_of_numbers",
    "gen_list_tuple_sorted",
    "gen_closure_over_arguments",
}
"""Cases whose strategies compile many signatures (lists of each item type, numbers of
each type): `GRAPHLET_CORPUS=all` runs them (CI's budget); the default run keeps a
comprehension and a generator of each consumer kind."""
CASE_PARAMS = [
    pytest.param(
        case,
        marks=pytest.mark.skip(reason="many signatures compile (GRAPHLET_CORPUS=all runs it)"),
    )
    if case.fn.__name__ in FULL_ONLY and not FULL
    else case
    for case in CASES
]
JITTED = {case.fn: graphlet.jit(case.fn) for case in CASES}


def outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """What a call does, in comparable form: value (with its type, exact repr, and
    which argument each returned list is) or exception (type and message), then what it printed,
    appended to EFFECTS, and left in the (mutable) arguments."""
    corpus.EFFECTS.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            value = fn(*args)
            parts = value if isinstance(value, tuple) else (value,)
            identity = [  # a returned list must be the caller's list when CPython's is
                [i for i, a in enumerate(args) if part is a] for part in parts if type(part) is list
            ]
            result: tuple[Any, ...] = ("value", type(value), repr(value), identity)
        except RecursionError:
            result = ("recursion",)
        except Exception as e:  # the reference raises: the jitted call must raise the same
            result = ("raise", type(e), str(e))
    return (*result, out.getvalue(), list(corpus.EFFECTS), repr(args))


def _ints(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, tuple | list):
        return [i for item in value for i in _ints(item)]
    return []


def _fits(value: int) -> bool:
    return g.INT_MIN <= value <= g.INT_MAX


def an_intermediate_leaves_64_bits(jitted: Any, signature: Any, args: tuple[Any, ...]) -> bool:
    """Runs the captured graphlet IR in the reference interpreter, where every op
    computes Python's exact value, and reports whether some int-typed result does not
    fit in 64 bits (native code hands those calls back, by design)."""
    from graphlet.runtime.interpreter import make_interpreter
    from graphlet.runtime.jit_backends import flatten_value

    version = jitted.versions.get(signature)
    if version is None or version.module is None:
        return False
    kernel = version.kernel
    if not hasattr(kernel, "arg_types"):  # a test's stand-in, not a compiled kernel
        return False
    try:
        flat = [v for spec, arg in zip(kernel.arg_types, args) for v in flatten_value(spec, arg)]
    except NotImplementedError:  # lists: the interpreter has no native lists
        return False
    interpreter = make_interpreter(version.module)
    impls = interpreter._impls
    run = impls.run
    seen: list[int] = []

    def watch(interp: Any, op: Any, op_args: tuple[Any, ...]) -> Any:
        results = run(interp, op, op_args)
        for result, value in zip(op.results, results.values):
            if result.type == g.INT and isinstance(value, int) and not _fits(value):
                seen.append(value)
        return results

    impls.run = watch
    with contextlib.suppress(Exception):
        interpreter.call_op(kernel.symbol, (*flat, 0, None))
    return bool(seen)


def _native_calls(jitted: Any) -> int:
    return sum(version.calls for version in jitted.versions.values())


@pytest.mark.parametrize("case", CASE_PARAMS, ids=CASE_IDS)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_jit_matches_cpython(case: Case, data: st.DataObject) -> None:
    args = tuple(data.draw(s) for s in case.strategies)
    signature = signature_of(args)
    expected = outcome(case.fn, copy.deepcopy(args))
    jitted = JITTED[case.fn]
    before = _native_calls(jitted)
    got = outcome(jitted, copy.deepcopy(args))
    assert got == expected, f"{case.fn.__name__}{args}"
    check_ran_natively(case, jitted, signature, args, expected, before)


def check_ran_natively(
    case: Case,
    jitted: Any,
    signature: Any,
    args: tuple[Any, ...],
    expected: tuple[Any, ...],
    before: int,
) -> None:
    """Fails when a NATIVE case's call (which made `before` native calls into
    `jitted`'s count) ran in Python for no reason the module docstring allows."""
    if case.native is not NATIVE or expected[0] != "value":
        return
    ran_natively = _native_calls(jitted) == before + 1 and not jitted.last_call_handed_back
    if ran_natively:
        return
    if not all(map(_fits, _ints(args))) or any(
        not _fits(i) for i in _ints(case.fn(*copy.deepcopy(args)))
    ):
        return
    if case.hands_back_if is not None and case.hands_back_if(*args):
        return
    assert an_intermediate_leaves_64_bits(jitted, signature, args), (
        f"{case.fn.__name__}{args} must run natively but ran in Python: "
        f"{graphlet.explain(case.fn, *copy.deepcopy(args))}"
    )


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 133
    assert sum(case.native is NATIVE for case in CASES) >= 127


class _HandsBackEverything:
    """A kernel that counts its calls like native code but hands every one back."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        raise HandBack("forced by the test")


class _HandsBackBackend:
    name = "hands-back"

    def compile(self, module: Any, symbol: str, arg_types: Any, return_type: Any) -> Any:
        return _HandsBackEverything()


class _QuietlyPython:
    """A kernel that quietly computes the answer in Python: no native call counted."""

    calls = 0

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


class _PythonBackend:
    name = "python"

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def compile(self, module: Any, symbol: str, arg_types: Any, return_type: Any) -> Any:
        return _QuietlyPython(self.fn)


BITES = [corpus.add, corpus.sum_squares, corpus.collatz, corpus.branches]


@pytest.mark.parametrize("backend", [_HandsBackBackend, _PythonBackend])
@pytest.mark.parametrize("fn", BITES, ids=[fn.__name__ for fn in BITES])
def test_the_native_check_fails_when_calls_fall_back(fn: Callable[..., Any], backend: Any) -> None:
    """The check above bites: the same cases, jitted with a backend whose code always
    hands back (or that compiles nothing), give CPython's answers and fail it."""
    case = next(c for c in CASES if c.fn is fn)
    assert case.native is NATIVE
    args = (7,) * len(case.strategies)
    expected = outcome(fn, args)
    jitted = graphlet.jit(fn, backend=backend(fn) if backend is _PythonBackend else backend())
    before = _native_calls(jitted)
    assert outcome(jitted, args) == expected
    with pytest.raises(AssertionError, match="must run natively but ran in Python"):
        check_ran_natively(case, jitted, signature_of(args), args, expected, before)
    real = JITTED[fn]
    before = _native_calls(real)
    assert outcome(real, args) == expected
    check_ran_natively(case, real, signature_of(args), args, expected, before)
