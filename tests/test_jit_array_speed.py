"""The array kernels' fast paths (`defer-float-flag-guards`, `version-bounds-checks`,
`version-contiguous-loops`) against NumPy run by CPython.

Each kernel runs on arrays in several layouts (contiguous, reversed, and with
GRAPHLET_CORPUS=all every other item and transposed), 1-3 dimensions, on values that
make NumPy warn (an overflow, an invalid operation) or not (an infinity or a NaN in
the input), and on index ranges that pass the bounds test at a loop's entry or not
(wrapping negative indexes, raising IndexError): the value, the warnings, the exception
(type and message) and `np.seterr(all="raise")`'s FloatingPointError must be CPython's,
and a call where NumPy neither warns nor raises must run natively (with inf or NaN
inputs too: the rerun in `@f__exact` is native).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from typing import Any

import jit_corpus as corpus
import numpy as np
import pytest

import graphlet
from graphlet import driver
from graphlet.driver import cache
from graphlet.frontend.bytecode.signature import signature_of
from graphlet.lowering.defer_float_flag_guards import EXACT_SUFFIX, SWITCH

dot, stencil, pairwise, histogram = (
    corpus.array_dot_loop,
    corpus.array_stencil,
    corpus.array_pairwise,
    corpus.array_histogram,
)


def cube_products(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            for k in range(a.shape[2]):
                s += a[i, j, k] * a[i, j, k]
    return s


def shifted_differences(a, lo, hi):
    s = 0.0
    for j in range(lo, hi):
        s += a[j + 1] - a[j - 1]
    return s


def root_sum(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += np.sqrt(a[i])
    return s


def doubled_ints(a):
    s = 0
    for i in range(a.shape[0]):
        s += int(a[i] * 2.0 - 1.0)
    return s


def square_then_index(a, k):
    s = a[0] * a[0]
    return a[k] + s


ALL = os.environ.get("GRAPHLET_CORPUS", "").lower() in ("all", "full")
"""`GRAPHLET_CORPUS=all` adds strided and transposed layouts (contiguous and reversed
run by default)."""


def layouts(base: np.ndarray, transposed: bool = True) -> list[np.ndarray]:
    """The array contiguous, reversed (negative strides), and with ALL every other item
    of a larger one and (`transposed`, 2-3 dims) transposed."""
    views = [base.copy(), np.flip(base, 0).copy()[::-1]]
    if ALL:
        wide = np.zeros((base.shape[0] * 2, *base.shape[1:]))
        wide[::2] = base
        views.append(wide[::2])
        if transposed and base.ndim >= 2:
            views.append(np.ascontiguousarray(base.T).T)
    return views


def _with(base: np.ndarray, *items: tuple[tuple[int, ...], float]) -> np.ndarray:
    a = base.copy()
    for where, value in items:
        a[where] = value
    return a


_rng = np.random.default_rng(7)
VECTOR, GRID, CUBE = (
    _rng.standard_normal(9),
    _rng.standard_normal((5, 6)),
    _rng.standard_normal((2, 3, 4)),
)
POINTS = _rng.standard_normal((4, 3))

CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
for v in (
    VECTOR,
    _with(VECTOR, ((3,), np.inf)),
    _with(VECTOR, ((2,), np.nan)),
    _with(VECTOR, ((4,), 1e200)),
):
    for a in layouts(v):
        CASES.append((dot, (a, layouts(VECTOR)[1])))
        CASES.append((histogram, (np.clip(np.nan_to_num(a, nan=0.5), -3, 3), 4, -2.0, 2.0)))
    for lo, hi in ((1, 8), (0, 8), (1, 9), (-3, 2), (-11, 0), (5, 2), (2, 5)):
        # (1, 8) passes the entry test; a[-1] wraps, a[9] and a[-10] raise IndexError
        CASES.append((shifted_differences, (layouts(v)[1], lo, hi)))
    CASES.append((square_then_index, (v, 1)))
    CASES.append((square_then_index, (v, 12)))  # IndexError, after a warning for 1e200
    CASES.append((square_then_index, (v, -2)))
for v in (
    np.abs(VECTOR),
    _with(np.abs(VECTOR), ((2,), -1.0)),  # sqrt's invalid warning, the sum then NaN
    _with(np.abs(VECTOR), ((3,), -np.inf)),
    _with(np.abs(VECTOR), ((4,), np.nan)),
):
    CASES.append((root_sum, (v,)))
for v in (
    VECTOR,
    _with(VECTOR, ((3,), np.nan)),  # int(nan): ValueError, no warning
    _with(VECTOR, ((2,), 1e308)),  # the overflow's warning, then int(inf)'s OverflowError
    _with(VECTOR, ((5,), -np.inf), ((1,), 1e308)),
    _with(VECTOR, ((1,), 1e308), ((4,), np.nan)),  # the warning, then ValueError
):
    CASES.append((doubled_ints, (v,)))
for grid in (GRID, _with(GRID, ((2, 2), np.inf)), _with(GRID, ((1, 3), 1e308), ((2, 3), 1e308))):
    for a in layouts(grid, transposed=False):  # zeros_like of it hands back
        CASES.append((stencil, (a,)))
for points in (POINTS, _with(POINTS, ((1, 1), np.nan)), _with(POINTS, ((0, 0), 1e200))):
    for a in layouts(points):
        CASES.append((pairwise, (a,)))
for cube in (CUBE, _with(CUBE, ((1, 2, 3), -np.inf)), _with(CUBE, ((0, 1, 1), 1e155))):
    for a in layouts(cube):
        CASES.append((cube_products, (a,)))
JITTED = {fn: graphlet.jit(fn) for fn, _ in CASES}
IDS = [f"{fn.__name__}-{i}" for i, (fn, _) in enumerate(CASES)]


def outcome(fn: Callable[..., Any], args: tuple[Any, ...], errors: str) -> tuple[Any, ...]:
    with warnings.catch_warnings(record=True) as caught, np.errstate(all=errors):
        warnings.simplefilter("always")
        try:
            value = fn(*args)
            result: Any = (
                type(value),
                repr(value.tolist() if isinstance(value, np.ndarray) else value),
            )
            if isinstance(value, np.ndarray):
                result += (value.dtype.name, value.shape)
        except Exception as e:
            result = ("raise", type(e), str(e))
    return result, [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("errors", ["warn", "raise"])
@pytest.mark.parametrize(("fn", "args"), CASES, ids=IDS)
def test_kernel_matches_numpy(fn: Callable[..., Any], args: tuple[Any, ...], errors: str) -> None:
    expected = outcome(fn, args, errors)
    jitted = JITTED[fn]
    version = jitted.version_for(*args)
    before = version.calls if version is not None else 0
    got = outcome(jitted, args, errors)
    assert got == expected
    result, warned = expected
    if result[0] == "raise" or warned:
        return
    version = jitted.versions[signature_of(args)]
    assert version.calls == before + 1 and not jitted.last_call_handed_back, graphlet.explain(
        fn, *args
    )


SPECIALS = (np.inf, -np.inf, np.nan, 1e200, -1e200, 1e308, -1.0, 0.0)


def _sprinkled(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal values with a few specials (inf, NaN, values whose products overflow)."""
    a = rng.standard_normal(shape)
    flat = a.reshape(-1)
    for where in rng.choice(flat.size, size=rng.integers(0, 4), replace=False):
        flat[where] = SPECIALS[rng.integers(len(SPECIALS))]
    return a


@pytest.mark.skipif(not ALL, reason="GRAPHLET_CORPUS=all")
@pytest.mark.parametrize("seed", range(40))
def test_random_specials_match_numpy(seed: int) -> None:
    """Each kernel on arrays with specials at random places: CPython's value, warnings
    and exception, under both `np.errstate` settings."""
    rng = np.random.default_rng(seed)
    cases: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (dot, (_sprinkled(rng, (7,)), _sprinkled(rng, (7,)))),
        (stencil, (_sprinkled(rng, (5, 6)),)),
        (pairwise, (_sprinkled(rng, (4, 3)),)),
        (cube_products, (_sprinkled(rng, (2, 3, 4)),)),
        (root_sum, (np.abs(_sprinkled(rng, (6,))) * rng.choice([1, -1], 6),)),
        (doubled_ints, (_sprinkled(rng, (6,)),)),
    ]
    for fn, args in cases:
        for errors in ("warn", "raise"):
            assert outcome(JITTED[fn], args, errors) == outcome(fn, args, errors), (fn, args)


def _lowered(jitted: Any, *args: Any) -> str:
    jitted(*args)
    version = jitted.version_for(*args)
    assert version is not None and version.module is not None
    llvm_ir, _ = driver.lower(version.module.clone(), "lower-to-llvm")
    return llvm_ir


def test_dot_defers_its_float_flags_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert EXACT_SUFFIX in _lowered(JITTED[dot], VECTOR, VECTOR)
    monkeypatch.setenv(SWITCH, "0")
    assert EXACT_SUFFIX not in _lowered(JITTED[dot], VECTOR, VECTOR)


def caller_visible_write(a):
    a[0] = a[0] * a[1]
    return a[0]


def test_a_write_the_caller_sees_keeps_the_per_op_guards() -> None:
    """A rerun would write `a` twice: no exact version, and the write happens once."""
    f = graphlet.jit(caller_visible_write)
    assert EXACT_SUFFIX not in _lowered(f, np.arange(1.0, 4.0))
    a, b = np.array([np.inf, 2.0, 3.0]), np.array([np.inf, 2.0, 3.0])
    assert f(a) == caller_visible_write(b) and a.tolist() == b.tolist()
    assert not f.last_call_handed_back


def test_the_switch_is_part_of_the_cache_key(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Code compiled with the deferred flags is never loaded with them switched off
    (nor the other way round): the switch's value, read at each compile, is in the key,
    and a miss says that it changed."""
    monkeypatch.setenv("GRAPHLET_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPHLET_CACHE", raising=False)
    assert SWITCH in cache.CODE_SWITCHES
    source, identity = {"module": "m"}, "jit m.f(float)"
    looked_up = []
    with caplog.at_level(logging.DEBUG, logger="graphlet.cache"):
        for setting in (None, "0", "1", None, "0"):
            if setting is None:
                monkeypatch.delenv(SWITCH, raising=False)
            else:
                monkeypatch.setenv(SWITCH, setting)
            parts = cache.key_parts(source, "lower-to-llvm", {"opt_level": 2})
            key, entry = cache.lookup(identity, parts)
            looked_up.append(key)
            if entry is None:
                cache.store(
                    key, cache.Entry(setting.encode() if setting else b"-", {}), identity, parts
                )
            else:
                assert entry.payload == (setting.encode() if setting else b"-")
    assert len(set(looked_up)) == 3 and looked_up[3:] == [looked_up[0], looked_up[1]]
    messages = [r.message for r in caplog.records]
    assert [m.split()[0] for m in messages] == ["MISS", "MISS", "MISS", "HIT", "HIT"]
    assert messages[1].endswith(f"switches.{SWITCH} None -> '0'")
