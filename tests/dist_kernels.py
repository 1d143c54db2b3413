"""Kernels that worker processes import by name (tests/test_distributed.py): a process
that unpickles a jitted function imports its module, as Numba's dispatchers do."""

from __future__ import annotations

from typing import Any

import graphlet
from graphlet import driver


@graphlet.jit(cache=True)
def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def collatz_steps_python(n: int) -> int:
    return collatz_steps.py_func(n)


def call_and_count(fn: Any, args: tuple[Any, ...]) -> tuple[Any, bool, int, int]:
    """Calls `fn` in this process: its answer, whether the call ran natively, and how
    often this process has run LLVM and loaded code from the cache so far."""
    result = fn(*args)
    counts = driver.compile_counts()
    return result, not fn.last_call_handed_back, counts.compiled, counts.loaded


def counts() -> tuple[int, int]:
    c = driver.compile_counts()
    return c.compiled, c.loaded


def call_compiled_model(compiled: Any, inputs: Any) -> tuple[Any, bool, int, int]:
    out = compiled(*inputs)
    c = driver.compile_counts()
    return out, compiled.report().all_native, c.compiled, c.loaded


def native_calls(fn: Any) -> int:
    """Calls of `fn` that reached native code in this process."""
    return fn._native_calls()
