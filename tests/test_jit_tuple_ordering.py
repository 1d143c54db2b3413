"""`@graphlet.jit` of tuple ordering (`<`, `<=`, `>`, `>=`) whose items are NumPy
scalars, Python ints and floats, against CPython: the first pair of items that
differ decides with its own comparison, so the result is a np.bool_ when NumPy
scalars decide and a bool when Python numbers or the lengths do. Each call must run
natively with CPython's value and exact type."""

from __future__ import annotations

import itertools
import os
from typing import Any

import numpy as np
import pytest

import graphlet


def _native_calls(jitted: Any) -> int:
    return sum(version.calls for version in jitted.versions.values())


def _check(jitted: Any, fn: Any, *args: Any) -> None:
    expected = fn(*args)
    jitted(*args)
    before = _native_calls(jitted)
    got = jitted(*args)
    assert _native_calls(jitted) == before + 1, graphlet.explain(fn, *args)
    assert not jitted.last_call_handed_back, graphlet.explain(fn, *args)
    assert repr(got) == repr(expected) and type(got) is type(expected), (args, got, expected)


def less(a, x):
    return (a[0], x) < (a[1], 2)


def at_most(a, b, x):
    return (a[0], x, b[0]) <= (b[0], a[1], x)


def longer(a, x):
    return (a[0], x) > (a[1],)


def nested(a, x):
    return ((a[0], x), 1) >= ((a[1], x), 2)


def branches(a, x):
    if (a[0], x) < (a[1], 2.5):
        return 1
    return 2


def by_index(a, i, j):
    return (a[i], i) < (a[j], j)


FLOATS = [
    np.array([1.0, 1.0]),
    np.array([1.0, 2.0]),
    np.array([2.0, 1.0]),
    np.array([np.nan, np.nan]),
    np.array([-0.0, 0.0]),
]
INTS = [np.array([2, 1]), np.array([1, 1]), np.array([0, 5])]
SCALARS = [0, 2, 2.0, 0.5, True]
FULL = os.environ.get("GRAPHLET_CORPUS") == "all"
"""`GRAPHLET_CORPUS=all`: every array dtype against every scalar type (many versions)."""


@pytest.mark.parametrize(
    ("fn", "xs"), [(less, [0, 2]), (longer, [0.5, 2.0]), (nested, [1]), (branches, [2.0, 3.0])]
)
def test_tuples_of_numpy_scalars_order_as_cpython(fn: Any, xs: list[Any]) -> None:
    """One signature each (a float64 array and a scalar): many values through it."""
    jitted = graphlet.jit(fn)
    for a, x in itertools.product(FLOATS, xs):
        _check(jitted, fn, a, x)


def test_mixed_items_and_equal_prefixes() -> None:
    jitted = graphlet.jit(at_most)
    for a, x in [
        (np.array([1.0, 1.0]), 1),  # an equal prefix: a Python int decides
        (np.array([1.0, 2.0]), 2),  # every pair equal: the lengths decide
        (np.array([1.0, 1.0]), 0),
        (np.array([np.nan, 2.0]), 3),
        (np.array([-0.0, 1.0]), -1),
    ]:
        for b in INTS:
            _check(jitted, at_most, a, b, x)


def test_a_tuple_compared_with_itself_by_index() -> None:
    jitted = graphlet.jit(by_index)
    for a, i, j in [(np.array([3, 3, 1]), 0, 1), (np.array([3, 3, 1]), 1, 1), (INTS[0], 0, 1)]:
        _check(jitted, by_index, a, i, j)


@pytest.mark.skipif(not FULL, reason="every dtype and scalar type (GRAPHLET_CORPUS=all runs it)")
@pytest.mark.parametrize("fn", [less, longer, nested, branches])
def test_every_dtype_and_scalar_type(fn: Any) -> None:
    jitted = graphlet.jit(fn)
    for a, x in itertools.product([*FLOATS, *INTS], SCALARS):
        _check(jitted, fn, a, x)
    for a, b, x in itertools.product(FLOATS, [*FLOATS, *INTS], SCALARS):
        _check(graphlet.jit(at_most), at_most, a, b, x)
