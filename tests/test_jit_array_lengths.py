"""An array's axis lengths reach compiled code with their range (`pyrt.ARGUMENT_RANGE`:
NumPy keeps `length * itemsize` within 64 bits), so int arithmetic on `len(a)`,
`a.shape[i]` and `a.size` that provably fits loses its overflow checks; at the edge of
that range (stride-0 arrays as long as NumPy allows) the answers are CPython's."""

from __future__ import annotations

from typing import Any

import numpy as np

import graphlet
from graphlet import driver


def offsets(a):
    return len(a) - 1 + a.shape[0] * 4


def index_steps(a):
    s = 0
    for i in range(1, a.size):
        s += (i - 1) * 2
    return s


def _native(jitted: Any, *args: Any) -> Any:
    jitted(*args)
    version = jitted.version_for(*args)
    before = version.calls
    result = jitted(*args)
    assert version.calls == before + 1 and not jitted.last_call_handed_back
    return result


def _overflow_checks(jitted: Any, *args: Any) -> int:
    version = jitted.version_for(*args)
    llvm_ir, _ = driver.lower(version.module.clone(), "lower-to-llvm")
    return llvm_ir.count(".with.overflow.")


def test_length_arithmetic_has_no_overflow_checks() -> None:
    jitted = graphlet.jit(offsets)
    a = np.zeros(3)
    assert _native(jitted, a) == offsets(a)
    assert _overflow_checks(jitted, a) == 0


def test_a_loop_over_a_size_checks_only_its_accumulator() -> None:
    jitted = graphlet.jit(index_steps)
    a = np.zeros(6, dtype=np.int32)
    assert _native(jitted, a) == index_steps(a)
    assert _overflow_checks(jitted, a) == 2  # `s +=`; the loop counter and `i - 1` fit


def test_the_longest_arrays_numpy_allows() -> None:
    jitted = graphlet.jit(offsets)
    longest = np.lib.stride_tricks.as_strided(np.zeros(1), shape=(2**60 - 1,), strides=(0,))
    assert _native(jitted, longest) == offsets(longest) == 5 * (2**60 - 1) - 1
    flags = np.lib.stride_tricks.as_strided(np.zeros(1, bool), shape=(2**63 - 1,), strides=(0,))
    result = jitted(flags)  # `* 4` does not fit: the check stays and CPython's int comes back
    assert result == offsets(flags) and type(result) is int
