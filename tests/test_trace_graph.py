"""`graphlet.trace_graph` against NumPy itself: the seed's example and real NumPy
programs on random inputs (values, shapes, dtypes), NumPy's dtype promotion and
float edge cases, retraces on new shapes, dropped calls, and the clear errors for
what a graph cannot express. Every compiled call is asserted native."""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import graphlet
from graphlet import TraceError
from graphlet.frontend.numpy_trace.traced import FAST_CHAIN_LENGTH

RNG = np.random.default_rng(14)


def same(got: Any, want: Any, rtol: float = 1e-12) -> None:
    """Same structure, Python/NumPy types, dtypes, shapes; values to rounding (exact
    for ints and bools, NaNs and signed zeros included)."""
    if isinstance(want, tuple | list):
        assert type(got) is type(want) and len(got) == len(want)
        for g_, w in zip(got, want):
            same(g_, w, rtol)
        return
    if isinstance(want, dict):
        assert type(got) is dict and list(got) == list(want)
        for k in want:
            same(got[k], want[k], rtol)
        return
    assert type(got) is type(want), (type(got), type(want))
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)
        exact = want == got
        assert (np.signbit(got[exact]) == np.signbit(want[exact])).all()
    else:
        np.testing.assert_array_equal(got, want)


def run_native(traced: Any, fn: Any, *args: Any, rtol: float = 1e-12) -> None:
    """The traced call matches the original and ran native code (no NumPy rerun)."""
    before = traced.stats()
    got = traced(*args)
    after = traced.stats()
    assert after["native"] == before["native"] + 1 and after["numpy"] == before["numpy"]
    assert traced.last.kernel is not None
    same(got, fn(*args), rtol)


# --------------------------------------------------------------------------- the seed's example


def seed_example(x):
    y = np.sum(x)
    z = np.prod(x)
    a = np.sin(y)
    b = np.cos(z)
    c = np.tan(z)
    i = np.round(a)
    j = np.floor(b)
    k = np.ceil(c)
    return i, j, k


def test_seed_example_runs_native_and_retraces_on_a_new_shape() -> None:
    traced = graphlet.trace_graph(seed_example, args=(np.array([1.0]),))
    assert traced.dropped == []
    assert "graphlet.prod" in traced.graph and "graphlet.tan" in traced.graph
    run_native(traced, seed_example, np.array([0.4]))
    run_native(traced, seed_example, np.array([-2.5]))
    run_native(traced, seed_example, RNG.normal(size=5))  # a new shape: a second trace
    assert traced.stats()["traces"] == 2
    assert traced.native and traced.to_mermaid().startswith("flowchart TD")


# --------------------------------------------------------------------------- NumPy programs


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_sum_exp(x):
    m = np.max(x, axis=1)
    return m + np.log(np.sum(np.exp(x - m[:, None]), axis=1))


def kmeans_step(x, centers):
    d = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d, axis=1)
    onehot = (labels[:, None] == np.arange(centers.shape[0])[None, :]).astype(x.dtype)
    return (onehot.T @ x) / onehot.sum(axis=0)[:, None], labels


def heat_step(u, r):
    interior = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.concatenate([u[:1], interior, u[-1:]])


def heat_step_in_place(u):
    new = u.copy()
    new[1:-1] = u[1:-1] + 0.25 * (u[2:] - 2 * u[1:-1] + u[:-2])
    new[0] = 0.0
    return new


def mlp(x, w1, b1, w2, b2):
    h = np.maximum(x @ w1 + b1, 0)
    logits = h @ w2 + b2
    unused = np.tanh(h).sum()  # noqa: F841  (dead: the trace drops it)
    return softmax(logits)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_and_log_sum_exp(dtype: type) -> None:
    rtol = 1e-12 if dtype is np.float64 else 2e-6
    x = RNG.normal(size=(4, 7)).astype(dtype) * 10
    traced = graphlet.trace_graph(softmax, args=(x,))
    run_native(traced, softmax, RNG.normal(size=(4, 7)).astype(dtype), rtol=rtol)
    run_native(traced, softmax, RNG.normal(size=(2, 3, 5)).astype(dtype), rtol=rtol)
    assert traced.stats()["traces"] == 2
    lse = graphlet.trace_graph(log_sum_exp, args=(x,))
    run_native(lse, log_sum_exp, (RNG.normal(size=(4, 7)) * 300).astype(dtype), rtol=rtol)


def test_kmeans_step() -> None:
    x, c = RNG.normal(size=(30, 3)), RNG.normal(size=(4, 3))
    traced = graphlet.trace_graph(kmeans_step, args=(x, c))
    for _ in range(3):
        run_native(traced, kmeans_step, RNG.normal(size=(30, 3)), RNG.normal(size=(4, 3)) * 0.1)
    tie = np.zeros((30, 3))  # every point ties every center: argmin takes the first
    run_native(traced, kmeans_step, tie, np.zeros((4, 3)) + [[0], [0], [1], [1]])


def test_heat_step_both_ways() -> None:
    u = RNG.normal(size=16)
    traced = graphlet.trace_graph(heat_step, args=(u, 0.2))
    run_native(traced, heat_step, RNG.normal(size=16), 0.2)
    run_native(traced, heat_step, RNG.normal(size=16), 0.3)  # a new r: a second trace
    assert traced.stats()["traces"] == 2
    in_place = graphlet.trace_graph(heat_step_in_place, args=(u,))
    run_native(in_place, heat_step_in_place, RNG.normal(size=16))


def test_mlp_drops_the_dead_branch() -> None:
    shapes = [(3, 8), (8, 16), (16,), (16, 4), (4,)]
    args = [RNG.normal(size=s) for s in shapes]
    traced = graphlet.trace_graph(mlp, args=args)
    assert [d.split(" at ")[0] for d in traced.dropped] == ["numpy.tanh", "numpy.sum"]
    assert all("unused = np.tanh(h).sum()" in d for d in traced.dropped)
    assert "graphlet.tanh" not in traced.graph
    assert traced.calls[0].startswith("%6 = numpy.matmul(%1, %2)  # test_trace_graph.py:")
    run_native(traced, mlp, *[RNG.normal(size=s) for s in shapes])


# --------------------------------------------------------------------------- NumPy's semantics


def promotions(i, j, f32, b):
    return (
        i / j,  # int / int is float64
        i // 3,
        i % -4,
        i * 2.5,  # a Python float lifts ints to float64
        f32 * 2.5,  # ... and keeps float32 float32
        f32 + i,  # float32 with int64 is float64
        i > f32,
        np.sum(b),  # bools sum to int64
        np.mean(i),  # an int mean is float64
        np.where(i > 2, i, 0.5),
        b + b,  # bool + is or
        -i,
        i**2,
        np.abs(f32).astype(np.int64),
        np.sqrt(i),
    )


def test_dtype_promotion_is_numpys() -> None:
    args = (
        np.arange(-6, 6),
        np.arange(1, 13),
        RNG.normal(size=12).astype(np.float32),
        RNG.normal(size=12) > 0,
    )
    traced = graphlet.trace_graph(promotions, args=args)
    i = RNG.integers(-50, 50, size=12)
    j = RNG.integers(1, 9, size=12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sqrt of negative ints
        run_native(traced, promotions, i, j, args[2] * 7, RNG.normal(size=12) > 0, rtol=1e-6)


def reductions(x, i, b):
    return (
        x.var(axis=0),
        np.std(x, ddof=1),
        np.cumsum(x, axis=1),
        np.cumsum(i),
        np.cumprod(i, axis=0),
        np.prod(i, axis=1, keepdims=True),
        np.any(b, axis=1),
        b.all(),
        (x > 0).any(),
        np.var(i),
        np.add.reduce(x, axis=1),
        np.maximum.reduce(i),
        x.mean(axis=(0, 1)),
        np.argmax(x, axis=0),
        np.linalg.norm(x),
        np.linalg.norm(i, axis=1, keepdims=True),
        np.outer(i[0], x[:, 0]),
        np.subtract.outer(i[0], x),
    )


def test_reductions_and_scans() -> None:
    args = (RNG.normal(size=(4, 5)), RNG.integers(-3, 4, size=(4, 5)), RNG.normal(size=(4, 5)) > 0)
    traced = graphlet.trace_graph(reductions, args=args)
    run_native(
        traced,
        reductions,
        RNG.normal(size=(4, 5)),
        RNG.integers(-3, 4, size=(4, 5)),
        RNG.normal(size=(4, 5)) > 0,
    )


def assorted(args, scale=1.0):
    empty, zero_d, ia, ib, x, b1, b2, i1, i2, f32 = args
    return {
        "empty": (empty.sum(axis=0), empty * 2, np.concatenate([empty, empty])),
        "zero_d": (zero_d + 1, np.sin(zero_d)),
        "int_matmul": (ia @ ib, np.dot(ia[0], ib[:, 0])),
        "indexing": (
            x[..., 1],
            x[None, :, ::2],
            x[-1],
            x[1:, -2:],
            [r * i for i, r in enumerate(x)],
        ),
        "stack": (np.stack([x, x * scale], axis=1), np.stack([x[0], x[1]])),
        "bools": (
            (~b1, b1 & b2, b1 | b2, b1 ^ b2, np.logical_not(b1), b1.sum(), b1 + b2, b1 * b2),
            (np.floor(b1), np.abs(b1), np.ceil(i1)),
        ),
        "ints": (i1 & i2, i1 | 3, ~i1, np.maximum(i1, i2), np.abs(i1), i1 - i2, i1 * i2),
        "float32": (f32 / 3, f32.mean(), f32.astype(np.float64) * f32, f32 > 0.5),
        "metadata": (x.shape, len(x), x.ndim),
        "input": x,
    }


def test_assorted_shapes_dtypes_and_argument_trees() -> None:
    def example() -> list[np.ndarray]:
        return [
            np.zeros((0, 3)),
            np.array(RNG.normal()),
            RNG.integers(-5, 5, (3, 4)),
            RNG.integers(-5, 5, (4, 2)),
            RNG.normal(size=(3, 4)),
            RNG.normal(size=5) > 0,
            RNG.normal(size=5) > 0,
            RNG.integers(-9, 9, 6),
            RNG.integers(-9, 9, 6),
            RNG.normal(size=6).astype(np.float32),
        ]

    traced = graphlet.trace_graph(assorted, args=(example(),), kwargs={"scale": 3.0})
    args = example()
    args[4] = np.arange(24.0).reshape(3, 8)[:, ::2]  # not contiguous: copied for the kernel
    got, want = traced(args, scale=3.0), assorted(args, scale=3.0)
    assert got.keys() == want.keys() and got["input"] is args[4]
    for key in want:
        same(got[key], want[key], rtol=1e-6)
    assert traced.stats() == {"traces": 1, "native": 2, "numpy": 0}


def gathers(x, idx, table):
    return (
        x[idx],
        x[:, idx],
        np.take(x, idx, axis=1),
        np.take(x, idx),
        table[..., idx],
        x[[0, -1]],
        x[::-1],
        x[3:0:-2, 1],
        table[..., ::-1][None],
    )


def test_array_indexing_and_its_index_error() -> None:
    x, table = RNG.normal(size=(4, 5)), RNG.normal(size=(2, 3, 4))
    idx = np.array([[0, 3], [-1, 2]])
    traced = graphlet.trace_graph(gathers, args=(x, idx, table))
    run_native(traced, gathers, RNG.normal(size=(4, 5)), np.array([[1, -4], [0, 0]]), table)
    with pytest.raises(IndexError, match="index 9 is out of bounds for axis 0 with size 4"):
        traced(x, np.array([[0, 9], [1, 2]]), table)  # reported by the kernel, raised by NumPy
    assert traced.stats()["numpy"] == 1


EDGES = np.array([-3.0, 3.0, -0.0, 0.0, math.nan, math.inf, -math.inf, 5.5, 2.5, -0.5, 7.0, 1e300])
DIVISORS = np.array([3.0, -3.0, 0.0, -0.0, 1.0, 2.0, math.nan, -2.0, -0.0, 3.5, math.inf, 1e-300])


def float_edges(x, y):
    return (
        np.maximum(x, y),
        np.minimum(x, y),
        np.remainder(x, y),
        x // y,
        x / y,
        np.rint(x),
        np.round(x, 1),
        np.argmax(x),
        np.argmin(y),
        np.clip(x, -1.0, 2.0),
        np.isnan(x) | np.isinf(y),
        np.sign(x),
        x.astype(np.int64),
    )


def test_float_edge_cases_match_numpy_bit_for_bit() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = graphlet.trace_graph(float_edges, args=(EDGES, DIVISORS))
        run_native(traced, float_edges, EDGES, DIVISORS, rtol=0)
        run_native(traced, float_edges, DIVISORS, EDGES, rtol=0)


FLOAT_FUNCTIONS = [
    np.exp2,
    np.log2,
    np.log10,
    np.log1p,
    np.expm1,
    np.sinh,
    np.cosh,
    np.arcsin,
    np.arccos,
    np.arctan,
    np.arcsinh,
    np.arccosh,
    np.arctanh,
    np.trunc,
]


def float_functions(x, y):
    return (*(f(x) for f in FLOAT_FUNCTIONS), np.logaddexp(x, y), np.trunc(np.arange(3) - y[:3]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpys_other_float_functions(dtype: type) -> None:
    """libm's functions on both sides (NumPy's SIMD versions may differ by ulps)."""
    special = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 2.0, 1e-10, -0.5]
    y_special = [0.0, 0.0, 1.0, 3.0, math.inf, math.inf, 1.0, -math.inf, 1e-10, -0.5]
    x = np.concatenate([RNG.normal(size=30) * 3, special]).astype(dtype)
    y = np.concatenate([RNG.normal(size=30) * 3, y_special]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = graphlet.trace_graph(float_functions, args=(x, y))
        run_native(traced, float_functions, x, y, rtol=1e-13 if dtype is np.float64 else 1e-6)


def test_int_division_by_zero_gives_numpys_answer() -> None:
    def floor_div(a, b):
        return a // b, a % b

    a, b = np.array([7, -7, 3]), np.array([2, -2, 4])
    traced = graphlet.trace_graph(floor_div, args=(a, b))
    run_native(traced, floor_div, a, b)
    zero = np.array([2, 0, -2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(traced(a, zero), floor_div(a, zero))  # NumPy's 0, redone by NumPy
    assert traced.stats()["numpy"] == 1 and not traced.native
    assert traced.numpy_reasons == ["the kernel reported TensorZeroDivisionError"]


WEIGHTS = np.eye(3)
SCALE = 2.0


def uses_globals(x):
    return (x @ WEIGHTS) * SCALE


def test_global_arrays_are_inputs_and_global_numbers_guards() -> None:
    global WEIGHTS, SCALE
    saved = WEIGHTS, SCALE
    try:
        x = RNG.normal(size=3)
        traced = graphlet.trace_graph(uses_globals, args=(x,))
        WEIGHTS = RNG.normal(size=(3, 3))  # rebound: the new array is read
        run_native(traced, uses_globals, x)
        WEIGHTS[0, 0] = 7.0  # changed in place: read as it is now
        run_native(traced, uses_globals, x)
        assert traced.stats()["traces"] == 1
        SCALE = 3.0  # a number: a guard, so a second trace
        run_native(traced, uses_globals, x)
        assert traced.stats()["traces"] == 2
    finally:
        WEIGHTS, SCALE = saved


def test_python_number_arguments_are_guards() -> None:
    def scale(x, k):
        return x * k

    x = RNG.normal(size=4)
    traced = graphlet.trace_graph(scale, args=(x, 2))
    run_native(traced, scale, x, 2)
    run_native(traced, scale, x, 3)
    assert traced.stats()["traces"] == 2


# --------------------------------------------------------------------------- what cannot be traced


def branches(x):
    if x.sum() > 0:
        return x
    return -x


def writes_input(x):
    x += 1
    return x


def assigns_into_input(x):
    x[0] = 1.0
    return x


def draws(x):
    return x + np.random.rand(*x.shape)


GENERATOR = np.random.default_rng(0)


def draws_from_a_generator(x):
    return x + GENERATOR.normal(size=x.shape)


def calls_math(x):
    return math.sin(x[0])


def calls_linalg(x):
    return np.linalg.inv(x.reshape(2, 2))


def writes_a_viewed_array(x):
    y = x * 1
    v = y[1:]
    y += 1
    return v


def strict_library(a):
    if not isinstance(a, np.ndarray):
        raise TypeError("expected np.ndarray")
    return a * 2


def calls_a_strict_library(x):
    return strict_library(x) + 1


def masks(x):
    return x[x > 1]


def assigns_reversed(x):
    y = x * 1
    y[::-1] = x
    return y


def sorts(x):
    return np.sort(x)


def writes_out(x):
    return np.add(x, 1, out=x)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (branches, r"test_trace_graph.py:\d+: if x.sum\(\) > 0:: bool\(\) reads an array's value"),
        (writes_input, r"x \+= 1: `add` in place writes into an input array \(an argument"),
        (assigns_into_input, r"x\[0\] = 1.0: item assignment writes into an input array"),
        (draws, r"numpy.random.rand: random numbers would be frozen"),
        (draws_from_a_generator, r"draws random numbers \(GENERATOR\)"),
        (calls_math, r"math.sin\(x\[0\]\): float\(\) reads an array's value"),
        (calls_linalg, r"np.linalg.inv.*cannot trace numpy.linalg.inv: no translation"),
        (writes_a_viewed_array, r"y \+= 1: .* another array views"),
        (calls_a_strict_library, r"strict_library\(x\) \+ 1: TypeError: expected np.ndarray"),
        (masks, r"x\[x > 1\]: .* a boolean mask gives a data-dependent shape"),
        (assigns_reversed, r"y\[::-1\] = x: .* assignment to a slice with a step"),
        (sorts, r"np.sort\(x\): graphlet cannot trace numpy.sort"),
        (writes_out, r"out=\.\.\.\) writes into an array"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_what_cannot_be_traced_is_a_clear_error(fn: Any, message: str) -> None:
    with pytest.raises(TraceError, match=message):
        graphlet.trace_graph(fn, args=(np.arange(1.0, 5.0),))


def test_the_functions_own_errors_stay_numpys() -> None:
    with pytest.raises(ValueError, match="could not be broadcast"):
        graphlet.trace_graph(lambda x: x + np.ones(5), args=(np.ones(4),))


def test_unsupported_dtype_names_the_input() -> None:
    with pytest.raises(TraceError, match="input 0 has dtype int32"):
        graphlet.trace_graph(lambda x: x + 1, args=(np.arange(3, dtype=np.int32),))


def test_a_dead_untraceable_call_is_dropped_not_refused() -> None:
    def fn(x):
        np.linalg.inv(x.reshape(2, 2))
        return x * 2

    x = np.arange(1.0, 5.0)
    traced = graphlet.trace_graph(fn, args=(x,))
    assert [d.split(" at ")[0] for d in traced.dropped] == ["numpy.reshape", "numpy.linalg.inv"]
    run_native(traced, fn, x)


# --------------------------------------------------------------------------- the native entry


def entry_calls(traced: Any) -> list[int]:
    return [v.entry.calls if v.entry is not None else -1 for v in traced.order]


def run_entry(
    traced: Any,
    fn: Any,
    *args: Any,
    version: int = -1,
    rtol: float = 1e-12,
    kwargs: dict[str, Any] | None = None,
) -> Any:
    """The call ran version `version`'s native entry (no Python dispatch) and matches
    the original; returns its result."""
    kwargs = kwargs or {}
    before, python_before = entry_calls(traced), [v.native_calls for v in traced.order]
    got = traced(*args, **kwargs)
    after = entry_calls(traced)
    number = traced.order[version].number
    assert after[number] == before[number] + 1, (before, after)
    assert [v.native_calls for v in traced.order] == python_before
    assert traced.last is traced.order[version] and traced.stats()["numpy"] == 0
    same(got, fn(*args, **kwargs), rtol)
    return got


def pair(a, b):
    return np.sin(a) * b + 1.0, a


def test_the_entry_runs_matching_calls_and_retraces_the_others() -> None:
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    traced = graphlet.trace_graph(pair, args=(a, b))
    _, same_a = run_entry(traced, pair, a, b)
    assert same_a is a  # an input returned is the input itself, as NumPy's function does
    run_entry(traced, pair, RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)))
    run_native(traced, pair, RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3)))  # a new shape
    f32 = RNG.normal(size=(3, 4)).astype(np.float32)
    run_native(traced, pair, f32, f32, rtol=2e-6)  # a new dtype
    i64 = np.arange(12).reshape(3, 4)
    run_native(traced, pair, i64, i64)
    assert traced.stats()["traces"] == 4
    run_entry(traced, pair, a, b, version=0)  # older versions stay in the chain
    run_entry(traced, pair, f32, f32, version=2, rtol=2e-6)
    run_entry(traced, pair, i64, i64, version=3)
    assert traced.stats()["traces"] == 4


def test_non_contiguous_read_only_and_odd_calls_take_the_python_dispatch() -> None:
    a, b = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 6))
    traced = graphlet.trace_graph(pair, args=(a, b))
    big = RNG.normal(size=(8, 12))
    read_only = b.copy()
    read_only.flags.writeable = False
    run_entry(traced, pair, a, read_only)  # read, never written: still the entry
    calls = entry_calls(traced)
    for args in [
        (big[::2, ::2], b),  # strided
        (big[:4, :6], b),  # a window: rows are strided
        (RNG.normal(size=(6, 4)).T, b),  # transposed
        (np.asfortranarray(a), b),  # Fortran order
        (a, big[1::2, 1::2]),
    ]:
        assert not all(x.flags.c_contiguous for x in args)
        run_native(traced, pair, *args)
    assert entry_calls(traced) == calls and traced.stats()["traces"] == 1
    same(traced(a, b=b), pair(a, b))  # a keyword: a version of its own
    assert entry_calls(traced) == [*calls, 0] and traced.stats()["traces"] == 2


def test_results_never_share_memory_with_another_calls() -> None:
    def three(x):
        return x * 2.0, np.exp(x), np.sum(x)

    x = RNG.normal(size=8)
    traced = graphlet.trace_graph(three, args=(x,))
    kept = [run_entry(traced, three, x) for _ in range(3)]
    kept.append(run_entry(traced, three, x + 1.0))
    for i, first in enumerate(kept):
        for second in kept[i + 1 :]:
            for u, v in zip(first[:2], second[:2]):
                assert not np.shares_memory(u, v)
    for got, want in zip(kept, [three(x)] * 3 + [three(x + 1.0)]):
        same(got, want)  # earlier results unchanged by later calls
    assert all(r.flags.owndata and r.flags.writeable for k in kept for r in k[:2])
    assert type(kept[0][2]) is np.float64


def test_the_entry_keeps_reference_counts() -> None:
    x = RNG.normal(size=5)
    traced = graphlet.trace_graph(pair, args=(x, x))
    before = sys.getrefcount(x)
    results = [traced(x, x) for _ in range(50)]
    assert sys.getrefcount(x) == before + 50  # each result holds `x` once, as NumPy's
    del results
    assert sys.getrefcount(x) == before
    result = traced(x, x)[0]
    assert sys.getrefcount(result) == 2  # the name, getrefcount's argument


def test_number_arguments_in_the_entry() -> None:
    def scaled(x, k, flag, nothing):
        y = x * k
        return (y if flag else -y) if nothing is None else y

    x = RNG.normal(size=4)
    traced = graphlet.trace_graph(scaled, args=(x, 2.5, True, None))
    run_entry(traced, scaled, x, 2.5, True, None)
    run_native(traced, scaled, x, -0.0, True, None)  # -0.0 is not 0.0: a second trace
    run_native(traced, scaled, x, 0.0, True, None)
    run_native(traced, scaled, x, 2, True, None)  # an int
    run_native(traced, scaled, x, 2.5, False, None)
    run_native(traced, scaled, x, np.float64(2.5), True, None)  # a NumPy scalar
    assert traced.stats()["traces"] == 6 and traced.order[-1].entry is None
    run_native(traced, scaled, x, 2.5, True, None)  # past the chain's length: in Python
    assert traced.last is traced.order[0] and FAST_CHAIN_LENGTH == 4
    run_entry(traced, scaled, x, 2, True, None, version=3)
    run_entry(traced, scaled, x, -0.0, True, None, version=1)


def test_a_kernel_status_in_the_entry_gives_numpys_answer() -> None:
    def floor_div(a, b):
        return a // b

    a, b = np.array([7, -7, 3]), np.array([2, -2, 4])
    traced = graphlet.trace_graph(floor_div, args=(a, b))
    run_entry(traced, floor_div, a, b)
    zero = np.array([2, 0, -2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(traced(a, zero), floor_div(a, zero))
    assert traced.stats()["numpy"] == 1 and traced.order[0].entry.calls == 3  # the first too
    assert traced.stats()["native"] == 2  # the first call, then one by the entry


def test_globals_and_closure_variables_in_the_entry() -> None:
    global WEIGHTS, SCALE
    saved = WEIGHTS, SCALE
    try:
        x = RNG.normal(size=3)
        traced = graphlet.trace_graph(uses_globals, args=(x,))
        run_entry(traced, uses_globals, x)
        WEIGHTS = RNG.normal(size=(3, 3))  # rebound: the entry reads the new array
        run_entry(traced, uses_globals, x)
        WEIGHTS[0, 0] = 7.0
        run_entry(traced, uses_globals, x)
        WEIGHTS = np.asfortranarray(WEIGHTS)  # not C-contiguous: the Python dispatch copies
        run_native(traced, uses_globals, x)
        WEIGHTS = RNG.normal(size=(3, 2))  # a new shape: a second trace
        run_native(traced, uses_globals, x)
        SCALE = 3  # an int: a third
        run_native(traced, uses_globals, x)
        assert traced.stats()["traces"] == 3
        WEIGHTS, SCALE = saved
        run_entry(traced, uses_globals, x, version=0)
    finally:
        WEIGHTS, SCALE = saved

    offset = RNG.normal(size=3)
    factor = 2.0

    def closure(y):
        return y * factor + offset

    traced = graphlet.trace_graph(closure, args=(x,))
    run_entry(traced, closure, x)
    offset = RNG.normal(size=3)
    run_entry(traced, closure, x)
    factor = 0.5
    run_native(traced, closure, x)
    assert traced.stats()["traces"] == 2


def test_scalar_results_of_every_dtype_in_the_entry() -> None:
    def scalars(f64, f32, i64, b):
        return np.sum(f64), np.max(f32), np.sum(i64), np.any(b), np.all(b), f32.mean()

    args = (RNG.normal(size=5), RNG.normal(size=5).astype(np.float32), np.arange(5), np.eye(2) > 0)
    traced = graphlet.trace_graph(scalars, args=args)
    got = run_entry(traced, scalars, *args, rtol=1e-6)
    assert [type(r) for r in got] == [
        np.float64,
        np.float32,
        np.int64,
        np.bool_,
        np.bool_,
        np.float32,
    ]
    assert got[3] is np.True_ and got[4] is np.False_


def test_strided_arguments_are_copied_then_run_by_the_entry() -> None:
    def fused(a, b):
        return np.sin(a) * b + 1.0, (a * b).sum(axis=0)

    a, b = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 6))
    traced = graphlet.trace_graph(fused, args=(a, b))
    big = RNG.normal(size=(8, 12))
    run_entry(traced, fused, a[:, :], b.reshape(2, 12).reshape(4, 6))  # views, contiguous
    for args in [(big[::2, ::2], b), (np.asfortranarray(a), big[1::2, 1::2])]:
        before = traced.order[0].entry.calls
        run_native(traced, fused, *args)
        assert traced.order[0].entry.calls == before + 1  # the copies took the entry
    assert traced.stats()["traces"] == 1
    run_entry(traced, fused, np.arange(30.0)[3:27].reshape(4, 6), b)  # a contiguous window


@pytest.mark.parametrize(
    ("params", "outputs", "tree", "message"),
    [
        ([("array", "complex128", (2,))], [], ("tuple", []), "no fast entry for arrays of"),
        ([("int", 2**70)], [], ("tuple", []), "a 64-bit int"),
        ([("is", 3)], [], ("tuple", []), "None, True or False"),
        ([("str", "a")], [], ("tuple", []), "not an entry parameter"),
        ([], [("float64", (2,), True)], ("result", 0), "no fast entry for results"),
        ([("int", 1)], [], ("input", 0), "not an entry result"),
        ([], [("float64", (2,), False)], ("result", 1), "not an entry result"),
    ],
)
def test_entry_parameters_are_checked(params: Any, outputs: Any, tree: Any, message: str) -> None:
    from graphlet.backend.tensor_entry import check_params

    with pytest.raises(TypeError, match=message):
        check_params(params, outputs, tree)


def test_large_calls_release_the_gil_and_run_from_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from graphlet.backend.tensor_entry import RELEASE_GIL_BYTES

    def fused(a, b):
        return np.sin(a) * b + 1.0

    inputs = [(RNG.normal(size=20_000), RNG.normal(size=20_000)) for _ in range(8)]
    traced = graphlet.trace_graph(fused, args=inputs[0])
    entry = traced.order[0].entry
    assert entry.touched_bytes() == 3 * 20_000 * 8 >= RELEASE_GIL_BYTES
    before = entry.calls
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda ab: traced(*ab), inputs * 3))
    assert entry.calls == before + len(results)
    for got, (a, b) in zip(results, inputs * 3):
        same(got, fused(a, b))


def test_keywords_and_nesting_are_guards() -> None:
    def diff(a, b=None):
        if b is None:
            return a[0] - a[1]
        return a - b

    x, y = RNG.normal(size=3), RNG.normal(size=3)
    traced = graphlet.trace_graph(diff, args=(x, y))
    for args, kwargs in [((x, y), {}), ((), {"b": y, "a": x}), (((x, y),), {}), ((x,), {"b": y})]:
        same(traced(*args, **kwargs), diff(*args, **kwargs))
    same(traced(b=x, a=y), diff(b=x, a=y))
    assert traced.stats()["traces"] == 4 and traced.native


def test_dicts_and_constants_among_the_outputs_in_the_entry() -> None:
    def report(x):
        return {"mean": x.mean(), "shifted": x - 1.0, "n": x.shape[0], "tag": None}, [x]

    x = RNG.normal(size=6)
    traced = graphlet.trace_graph(report, args=(x,))
    got = run_entry(traced, report, x)
    assert list(got[0]) == ["mean", "shifted", "n", "tag"] and got[1][0] is x
    assert type(got[0]["n"]) is int and got[0]["tag"] is None
    again = run_entry(traced, report, x)
    assert not np.shares_memory(again[0]["shifted"], got[0]["shifted"])

    def with_array_constant(x):
        return x + 1.0, np.arange(3.0)

    traced = graphlet.trace_graph(with_array_constant, args=(x,))
    assert traced.order[0].entry is None  # a constant array is copied per call, in Python
    first = traced(x)[1]
    first[0] = 99.0
    same(traced(x), with_array_constant(x))


def test_keyword_arguments_in_the_entry() -> None:
    def scaled(x, *, eps, shift=None):
        y = x / (np.abs(x).sum() + eps)
        return y if shift is None else y + shift

    x, shift = RNG.normal(size=5), RNG.normal(size=5)
    traced = graphlet.trace_graph(scaled, args=(x,), kwargs={"eps": 1e-3, "shift": shift})
    run_entry(traced, scaled, x, kwargs={"eps": 1e-3, "shift": shift})
    run_entry(traced, scaled, RNG.normal(size=5), kwargs={"eps": 1e-3, "shift": x})
    same(traced(x, eps=1e-3), scaled(x, eps=1e-3))  # other keywords: a version of their own
    run_entry(traced, scaled, x, kwargs={"eps": 1e-3})
    traced(x, shift=shift, eps=1e-3)  # the names in another order: another
    run_entry(traced, scaled, x, kwargs={"shift": shift, "eps": 1e-3})
    same(traced(x, eps=1e-2), scaled(x, eps=1e-2))  # another value
    assert traced.stats()["traces"] == 4 and traced.native

    def floor_div(a, *, b):
        return a // b

    a, zero = np.array([7, -7, 3]), np.array([2, 0, -2])
    traced = graphlet.trace_graph(floor_div, args=(a,), kwargs={"b": a})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(traced(a, b=zero), floor_div(a, b=zero))  # redone by NumPy, with the keyword
    assert traced.stats()["numpy"] == 1 and traced.order[0].entry.calls == 1
