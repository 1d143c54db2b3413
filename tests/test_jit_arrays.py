"""Differential tests of NumPy arrays in `@graphlet.jit` against NumPy run by CPython.

Each case draws arrays (any of the compiled dtypes, 1-3 dimensions) and a layout for
each: contiguous, reversed (negative strides), every other item of a larger array, or
transposed; the arguments are built twice from the same data, once for CPython and
once for the jitted function. Compared: the value (for arrays: dtype, shape, items,
and whether it is, or shares memory with, an argument; for NumPy scalars their exact
type), the exception (type and message), the warnings NumPy emitted, and the
arguments afterwards (writes visible to the caller, none left by a handed-back call).
A case must run natively unless CPython raised or warned (then the call hands back,
so NumPy raises or warns itself) or the case names another reason (`hands_back_if`).
"""

from __future__ import annotations

import math
import os
import warnings
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
from graphlet.frontend.bytecode.signature import signature_of

LAYOUTS = ("contiguous", "reversed", "strided", "transposed")


@dataclass(frozen=True)
class ArrayArg:
    """An array argument: its data (contiguous) and the layout to present it in."""

    data: np.ndarray
    layout: str

    def build(self) -> np.ndarray:
        base = self.data.copy()
        if self.layout == "reversed":
            return np.flip(base, 0).copy()[::-1]
        if self.layout == "strided":
            wide = np.zeros((base.shape[0] * 2, *base.shape[1:]), base.dtype)
            wide[::2] = base
            return wide[::2]
        if self.layout == "transposed" and base.ndim >= 2:
            return np.ascontiguousarray(base.T).T
        return base


def arrays(
    dtypes: tuple[str, ...] = ("float64", "float32", "int64", "int32", "bool"),
    ndim: tuple[int, ...] = (1, 2, 3),
    min_side: int = 0,
    max_side: int = 5,
    elements: dict[str, Any] | None = None,
) -> st.SearchStrategy[ArrayArg]:
    def one(dtype: str, dims: int) -> st.SearchStrategy[ArrayArg]:
        element = (elements or {}).get(dtype)
        if element is None and dtype.startswith("int"):
            element = st.integers(-100, 100)
        data = hnp.arrays(
            np.dtype(dtype),
            hnp.array_shapes(min_dims=dims, max_dims=dims, min_side=min_side, max_side=max_side),
            elements=element,
        )
        return st.builds(ArrayArg, data, st.sampled_from(LAYOUTS))

    return st.one_of(*(one(d, n) for d in dtypes for n in ndim))


FLOAT_ELEMENTS = {
    "float64": st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, -0.0, math.inf, math.nan])),
    "float32": st.floats(-1e3, 1e3, width=32),
}
FLOATS_1D = arrays(("float64", "float32"), (1,), elements=FLOAT_ELEMENTS)
NUMBERS_1D = arrays(("float64", "float32", "int64", "int32"), (1,), elements=FLOAT_ELEMENTS)
SOME_1D_NONEMPTY = arrays(("float64", "int64"), (1,), min_side=1, elements=FLOAT_ELEMENTS)
ANY = arrays(elements=FLOAT_ELEMENTS)
INDEX = st.integers(-7, 7)
SCALARS = st.one_of(st.integers(-5, 5), st.floats(-5, 5), st.sampled_from([0.0, 2.5, 1e300]))
NATIVE = True


@dataclass
class Case:
    fn: Callable[..., Any]
    strategies: tuple[st.SearchStrategy, ...]
    native: bool | str = NATIVE
    hands_back_if: Callable[..., bool] | None = None


def _has_zero(*args: Any) -> bool:
    """Which zero `max`/`min` returns depends on NumPy's loop: a zero result hands back."""
    a = args[0]
    return bool(a.size) and (a.max() == 0 or a.min() == 0)


def _not_ascending(*args: Any) -> bool:
    """`*_like` keeps the argument's layout (order 'K'): only C-like layouts compile."""
    a = args[0]
    return any(abs(s) < abs(t) for s, t in zip(a.strides, a.strides[1:]))


CASES = [
    Case(corpus.array_shape, (ANY,)),
    Case(corpus.array_item, (ANY, INDEX)),
    Case(corpus.array_item2, (arrays(ndim=(2, 3)), INDEX, INDEX)),
    Case(corpus.array_row_item, (arrays(ndim=(2,)), INDEX, INDEX)),
    Case(corpus.array_write, (NUMBERS_1D, INDEX, st.integers(-5, 5))),
    Case(corpus.array_write, (arrays(("float64", "float32"), (1,)), INDEX, SCALARS)),
    Case(corpus.array_increment_then_index, (NUMBERS_1D, st.integers(-12, 12))),
    Case(corpus.array_iterate, (arrays(ndim=(1,), elements=FLOAT_ELEMENTS),)),
    Case(corpus.array_loop_sum, (FLOATS_1D,)),
    Case(corpus.array_slice_sum, (NUMBERS_1D, INDEX, INDEX)),
    Case(corpus.array_view_write, (arrays(ndim=(1, 2), min_side=1),)),
    Case(corpus.array_reversed, (ANY,)),
    Case(corpus.array_slice_assign, (NUMBERS_1D, INDEX, INDEX, st.integers(-3, 3))),
    Case(corpus.array_zeros_filled, (st.integers(-2, 20),)),
    Case(corpus.array_table, (st.integers(0, 6), st.integers(0, 6))),
    Case(corpus.array_ones_like, (arrays(min_side=1),), hands_back_if=_not_ascending),
    Case(corpus.array_arange, (st.integers(-5, 20), st.integers(-5, 20))),
    Case(corpus.array_add, (NUMBERS_1D, NUMBERS_1D), hands_back_if=lambda a, b: a.shape != b.shape),
    # other shapes broadcast (or raise) in NumPy
    Case(corpus.array_scale, (arrays(("float64", "float32", "int64", "int32")), SCALARS)),
    Case(corpus.array_divide, (NUMBERS_1D, SCALARS)),
    Case(corpus.array_sqrt, (arrays(("float64", "float32", "int64")),)),
    Case(corpus.array_sum, (arrays(ndim=(1,), max_side=300, elements=FLOAT_ELEMENTS),)),
    Case(corpus.array_sum, (arrays(("int64", "int32", "bool")),)),
    Case(corpus.array_extremes, (ANY,), hands_back_if=_has_zero),
    Case(corpus.array_int_dot, (arrays(("int64", "int32"), (1,)), arrays(("int64",), (1,)))),
    Case(corpus.array_scalar_arith, (arrays(ndim=(1,), min_side=1), SCALARS)),
    Case(
        corpus.array_histogram,
        (FLOATS_1D, st.integers(1, 6), st.just(-10.0), st.just(10.0)),
        hands_back_if=lambda data, *_: not np.isfinite(data).all(),
        # int() of a NaN or an infinity raises in CPython (compiled: a hand-back)
    ),
    Case(
        corpus.array_stencil,
        (arrays(("float64",), (2,), max_side=7),),
        hands_back_if=_not_ascending,
    ),
    Case(corpus.array_tuple_equal, (SOME_1D_NONEMPTY, SOME_1D_NONEMPTY)),
    Case(corpus.array_pairwise, (arrays(("float64",), (2,), max_side=4),)),
    Case(corpus.array_dot_loop, (FLOATS_1D, FLOATS_1D)),
]
CASE_IDS = [f"{case.fn.__name__}-{i}" for i, case in enumerate(CASES)]
JITTED = {case.fn: graphlet.jit(case.fn) for case in CASES}


def _describe(value: Any, args: tuple[Any, ...]) -> Any:
    if isinstance(value, tuple):
        return ("tuple", tuple(_describe(v, args) for v in value))
    if isinstance(value, np.ndarray):
        is_arg = [i for i, a in enumerate(args) if value is a]
        shares = [
            i
            for i, a in enumerate(args)
            if isinstance(a, np.ndarray) and np.shares_memory(value, a)
        ]
        return ("array", value.dtype.name, value.shape, repr(value.tolist()), is_arg, shares)
    return (type(value), repr(value))


def outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Any = ("value", _describe(fn(*args), args))
        except Exception as e:
            result = ("raise", type(e), str(e))
    warned = [(w.category, str(w.message)) for w in caught if w.category is RuntimeWarning]
    after = [
        (a.dtype.name, a.shape, repr(a.tolist())) if isinstance(a, np.ndarray) else repr(a)
        for a in args
    ]
    return result, warned, after


def _build(raw: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(a.build() if isinstance(a, ArrayArg) else a for a in raw)


EXAMPLES = 100 if os.environ.get("GRAPHLET_CORPUS", "").lower() in ("all", "full") else 20
"""Drawn argument sets per case: CI's budget by default, more with GRAPHLET_CORPUS=all
(each new dtype, rank or layout drawn compiles a version)."""


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
@given(data=st.data())
def test_arrays_match_numpy(case: Case, data: st.DataObject) -> None:
    raw = tuple(data.draw(s) for s in case.strategies)
    expected = outcome(case.fn, _build(raw))
    jitted = JITTED[case.fn]
    args = _build(raw)
    version = jitted.version_for(*args)
    before = version.calls if version is not None else 0
    got = outcome(jitted, args)
    assert got == expected, f"{case.fn.__name__}{raw}"
    result, warned, _ = expected
    if result[0] != "value" or warned or case.native is not NATIVE:
        return
    if case.hands_back_if is not None and case.hands_back_if(*_build(raw)):
        return
    version = jitted.versions[signature_of(_build(raw))]
    ran_natively = version.calls == before + 1 and not jitted.last_call_handed_back
    assert ran_natively, (
        f"{case.fn.__name__}{raw} must run natively: {graphlet.explain(case.fn, *_build(raw))}"
    )


def test_layouts_are_what_they_say() -> None:
    data = np.arange(6.0).reshape(2, 3)
    assert ArrayArg(data, "reversed").build().strides[0] < 0
    assert not ArrayArg(data, "strided").build().flags.c_contiguous
    assert ArrayArg(data, "transposed").build().flags.f_contiguous
    assert np.array_equal(ArrayArg(data, "transposed").build(), data)


def test_mismatched_dtype_or_ndim_compiles_a_new_version() -> None:
    f = graphlet.jit(corpus.array_item)
    assert f(np.arange(4.0), 1) == 1.0
    assert f(np.arange(4), 1) == 1 and type(f(np.arange(4), 1)) is np.int64
    assert f(np.arange(6.0).reshape(2, 3), 1).tolist() == [3.0, 4.0, 5.0]
    assert f(np.arange(4, dtype=np.int32), -1) == 3
    assert len(f.versions) == 4
    assert all(v.native is not None for v in f.versions.values())


def test_writes_are_undone_when_the_call_hands_back() -> None:
    f = graphlet.jit(corpus.array_increment_then_index)
    a = np.zeros(3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 3"):
        f(a, 5)
    assert a.tolist() == [1.0, 0.0, 0.0]  # once, by CPython's rerun, not twice
    assert f(a, 0) == 2.0 and not f.last_call_handed_back


def test_read_only_array_writes_raise_numpy_error() -> None:
    f = graphlet.jit(corpus.array_write)
    a = np.zeros(3)
    a.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        f(a, 0, 1.0)


def test_returned_array_outlives_the_call() -> None:
    f = graphlet.jit(corpus.array_zeros_filled)
    results = [f(5) for _ in range(50)]
    del f
    assert all(r.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0] for r in results)
    assert all(r.flags.owndata for r in results)
