"""Python-exact int loops without per-op overflow checks (`eliminate-overflow-checks`,
`version-int-loops`): CPython's answers at and past the 64-bit edge, natively where
the answer fits, and the checks gone from the code where the analysis proves them."""

from __future__ import annotations

from typing import Any

import pytest

import graphlet
from graphlet import driver


def sum_squares(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def sum_cubes(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i * i
    return s


def squares_down(n: int) -> int:
    s = 0
    for i in range(n, -n, -3):
        s += i * i
    return s


def grid_products() -> int:
    s = 0
    for a in range(100):
        for b in range(1, 100, 7):
            s += a * b - (a // 3) * (b % 5)
    return s


def mixed_bounds(x: int, y: int) -> int:
    return (x & 0xFFFF) * (y & 0xFFFF) + (x >> 40) * (y % 1000) + abs(x % 97) * min(max(y, -5), 5)


INT64_MAX = 2**63 - 1
EDGES = [0, 1, -1, 7, -7, 2**31, -(2**31), 2**40 + 3, INT64_MAX, -INT64_MAX - 1, 12345678901234]


def _native(jitted: Any, *args: Any) -> Any:
    """The call's answer, asserting it ran in native code start to end."""
    before = sum(v.calls for v in jitted.versions.values())
    result = jitted(*args)
    assert sum(v.calls for v in jitted.versions.values()) == before + 1
    assert not jitted.last_call_handed_back, args
    return result


def _lowered(fn: Any, *args: Any) -> str:
    jitted = graphlet.jit(fn)
    jitted(*args)
    version = jitted.version_for(*args)
    assert version is not None and version.module is not None
    llvm_ir, _ = driver.lower(version.module, "lower-to-llvm")
    return llvm_ir


def _largest_fitting(closed_form: Any) -> int:
    """The largest n whose exact answer (by `closed_form`) fits 64 bits."""
    low, high = 0, 1 << 32
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if closed_form(middle) <= INT64_MAX else (low, middle)
    return low


@pytest.mark.parametrize("n", [0, 1, 2, 10, -5, 1000, 2097151, 2097152, 2097153, 3_000_000])
def test_sum_squares_is_cpythons_natively_on_both_sides_of_the_versioning_bound(n: int) -> None:
    assert _native(graphlet.jit(sum_squares), n) == sum_squares(n)


def test_sum_cubes_is_exact_at_and_past_the_64_bit_edge() -> None:
    jitted = graphlet.jit(sum_cubes)
    edge = _largest_fitting(lambda n: (n * (n - 1) // 2) ** 2)
    assert sum_cubes(edge) <= INT64_MAX < sum_cubes(edge + 1)
    assert _native(jitted, edge) == sum_cubes(edge)
    assert jitted(edge + 1) == sum_cubes(edge + 1) > INT64_MAX
    assert jitted.last_call_handed_back
    assert _native(jitted, 5000) == sum_cubes(5000)


@pytest.mark.parametrize("n", [0, 1, 3, 100, -4, 2000])
def test_a_negative_step_counts_down_like_python(n: int) -> None:
    assert _native(graphlet.jit(squares_down), n) == squares_down(n)


def test_loops_with_constant_bounds_keep_no_overflow_check() -> None:
    assert _native(graphlet.jit(grid_products)) == grid_products()
    llvm_ir = _lowered(grid_products)
    assert "with.overflow" not in llvm_ir
    assert "mul nsw i64" in llvm_ir


def test_masks_shifts_remainders_bound_products() -> None:
    jitted = graphlet.jit(mixed_bounds)
    for x in EDGES:
        for y in EDGES:
            assert _native(jitted, x, y) == mixed_bounds(x, y), (x, y)


def test_mixed_bounds_needs_no_overflow_check() -> None:
    assert "with.overflow" not in _lowered(mixed_bounds, 3, 4)


def test_a_loop_bounded_only_at_run_time_gets_an_unchecked_copy() -> None:
    llvm_ir = _lowered(sum_squares, 10)
    assert "2097152" in llvm_ir  # the entry test |n| <= 2097152
    assert "smul.with.overflow" in llvm_ir  # the checked copy
    assert "mul nsw i64" in llvm_ir  # the unchecked copy


def test_huge_counts_take_the_big_int_path() -> None:
    jitted = graphlet.jit(sum_squares)
    n = 3_100_000  # past 2**63 at the end of the loop
    assert jitted(n) == sum_squares(n) > INT64_MAX
    assert jitted.last_call_handed_back


def count_between(start: int, stop: int, step: int) -> int:
    total = 0
    for i in range(start, stop, step):
        total += i & 7
    return total


@pytest.mark.parametrize(
    ("start", "stop", "step"),
    [
        (INT64_MAX - 5, INT64_MAX, 1),
        (INT64_MAX - 1, INT64_MAX, 1),
        (-INT64_MAX + 4, -INT64_MAX - 1, -1),
        (INT64_MAX - 9, INT64_MAX, 3),
        (-INT64_MAX + 8, -INT64_MAX - 1, -3),
        (0, 10, 1),
    ],
)
def test_a_range_ending_at_the_64_bit_edge_runs_natively(start: int, stop: int, step: int) -> None:
    """The next value is computed only when the exit test passed: the step past the
    last value (which would leave 64 bits) is never taken."""
    assert _native(graphlet.jit(count_between), start, stop, step) == count_between(
        start, stop, step
    )


def test_a_step_that_would_leave_64_bits_after_the_last_value_hands_back() -> None:
    jitted = graphlet.jit(count_between)
    args = (INT64_MAX - 3, INT64_MAX, 2)  # the value after the last is 2**63 + 1
    assert jitted(*args) == count_between(*args)
    assert jitted.last_call_handed_back


def count_up(start: int, stop: int) -> int:
    total = 0
    for i in range(start, stop):
        total |= i
    return total


def test_a_unit_range_step_needs_no_check_whatever_the_bounds() -> None:
    assert _native(graphlet.jit(count_up), INT64_MAX - 3, INT64_MAX) == count_up(
        INT64_MAX - 3, INT64_MAX
    )
    assert "with.overflow" not in _lowered(count_up, 0, 10)
