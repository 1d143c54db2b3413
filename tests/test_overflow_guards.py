"""Hand-back guards merged per block and moved to joins (`merge-overflow-guards`), and
int branch arms run both ways into selects (`speculate-int-arms`): CPython's answers at
the 64-bit edge, natively where they fit, handed back (and exact) where they do not."""

from __future__ import annotations

import re
from typing import Any

import pytest

import graphlet
from graphlet import driver

INT64_MAX = 2**63 - 1
THIRD = (INT64_MAX - 1) // 3  # the largest m with 3 * m + 1 in 64 bits


def collatz_step(m: int) -> int:
    if m % 2 == 0:
        return m // 2
    return 3 * m + 1


def collatz_steps(n: int) -> int:
    total = 0
    m = n
    while m != 1:
        m = m // 2 if m % 2 == 0 else 3 * m + 1
        total += 1
    return total


def pick(a: int, b: int) -> int:
    """Arms with several checked ops each, and a shared tail that overflows too."""
    if a < b:
        r = a * 2 + b
    else:
        r = b * 3 - a
    return r + 1


def count_true(flags: list[bool]) -> int:
    count = 0
    for flag in flags:
        if flag:
            count += 1
    return count


JIT_STEP = graphlet.jit(collatz_step)
JIT_PICK = graphlet.jit(pick)


def _native(jitted: Any, *args: Any) -> Any:
    """The call's answer, asserting it ran in native code start to end."""
    result = jitted(*args)
    assert not jitted.last_call_handed_back, args
    version = jitted.version_for(*args)
    assert version is not None and version.native is not None
    return result


@pytest.mark.parametrize(
    "m",
    [2, 7, 0, -1, -2, -7, THIRD, THIRD - 1, -THIRD, -THIRD + 1, INT64_MAX - 1, -INT64_MAX - 1],
)
def test_a_collatz_step_is_cpythons_natively_up_to_the_edge(m: int) -> None:
    assert _native(JIT_STEP, m) == collatz_step(m)


@pytest.mark.parametrize("m", [THIRD + 1, THIRD + 3, INT64_MAX, -THIRD - 1, -THIRD - 3, -INT64_MAX])
def test_a_collatz_step_past_64_bits_hands_back_and_is_exact(m: int) -> None:
    """`3 * m` leaves 64 bits (for `-THIRD - 1` the answer, -2**63, fits again)."""
    jitted = JIT_STEP
    assert m % 2
    assert jitted(m) == collatz_step(m)
    assert jitted.last_call_handed_back


def test_collatz_steps_run_natively_and_hand_back_where_a_value_outgrows_64_bits() -> None:
    jitted = graphlet.jit(collatz_steps)
    for n in (1, 2, 3, 27, 97, 871, 2**40 + 1):
        assert _native(jitted, n) == collatz_steps(n)
    n = THIRD if THIRD % 2 else THIRD - 1  # odd: its first step leaves 64 bits
    assert jitted(n) == collatz_steps(n)
    assert jitted.last_call_handed_back


@pytest.mark.parametrize(
    ("a", "b"),
    [(1, 2), (2, 1), (-5, 5), (INT64_MAX // 2, 0), (0, INT64_MAX // 3), (INT64_MAX // 3, 0)]
    + [(INT64_MAX // 2 - 1, 1), (-(2**62), -1), (INT64_MAX, INT64_MAX), (INT64_MAX // 2, 2)]
    + [(2**62, 2**62 + 1), (-(2**63), 2**62), (3, -(2**62)), (-(2**62), -(2**62) - 1)],
)
def test_two_checked_arms_and_their_tail_are_cpythons(a: int, b: int) -> None:
    jitted = JIT_PICK
    expected = pick(a, b)
    assert jitted(a, b) == expected
    assert jitted.last_call_handed_back == _wraps_inside(a, b)


def _wraps_inside(a: int, b: int) -> bool:
    """Whether a value `pick` computes (its answer included) leaves 64 bits."""
    if a < b:
        steps = [a * 2, a * 2 + b, a * 2 + b + 1]
    else:
        steps = [b * 3, b * 3 - a, b * 3 - a + 1]
    return any(not -INT64_MAX - 1 <= s <= INT64_MAX for s in steps)


def test_the_arms_become_selects_and_one_guard() -> None:
    jitted = JIT_PICK
    jitted(1, 2)
    version = jitted.version_for(1, 2)
    assert version is not None and version.module is not None
    llvm_ir, _ = driver.lower(version.module, "lower-to-llvm")
    body = llvm_ir.split("define void")[0]  # the function, not its C wrapper
    assert re.search(r"select\s+i1 %\S+, i64", body)  # the arms' answer
    assert body.count("br i1") == 2  # the call-depth test and the one merged guard


def test_counting_a_list_of_bools_is_cpythons() -> None:
    flags = [i % 3 == 0 for i in range(1000)] + [True] * 5
    jitted = graphlet.jit(count_true)
    assert _native(jitted, flags) == count_true(flags)
    assert _native(jitted, [False, False]) == 0
