"""`version-int-loops`: a loop whose int checks hold whenever its inputs are small gets an
unchecked copy, chosen once at its entry.

`for i in range(n): s += i * i` cannot be proven to stay in 64 bits (n is known only
at run time), but it does whenever `|n| <= 2097152`, by the integer range analysis
(`int_ranges.py`) run with that assumption. So the loop is cloned; in the clone the
checked ops that the assumption proves become plain `nsw` ops (which LLVM can close
or vectorise), and the loop's entry tests the assumption:

    ^pre: ...; cf.br ^head(%init...)
~>  ^pre: ...; cf.br ^check(%init...)
    ^check(%a...): %ok = (-B <= %n <= B) and ...
                   cf.cond_br %ok, ^head_unchecked(%a...), ^head(%a...)

The bound `B` (three significant bits) is close to the largest for which the
assumption proves every check of the loop, found in two or three analyses of the loop
(each probe's largest result predicts the next); a loop where even `|inputs| <= 2**8` leaves
a check (`3 * m + 1` in a Collatz loop) is left alone: a copy that keeps a check gains
little. Only outermost loops with one entry edge are versioned, and only when
no value defined in the loop is used outside it except through block arguments.
It runs after `eliminate-overflow-checks`, on a function's flat CFG, from that pass's
analysis when nothing ran between.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from graphlet.dialects import pyrt
from graphlet.lowering.eliminate_overflow_checks import solved_ranges, unchecked
from graphlet.lowering.int_ranges import (
    Interval,
    IntRanges,
    Loop,
    natural_loops,
    reverse_post_order,
    successors,
    type_range,
)
from graphlet.lowering.loop_versioning import LoopCopy, used_only_inside, version_loop

SMALLEST_BOUND_BITS = 8
"""The assumption `|x| <= 2**8` must prove every check of the loop, or it stays as it
is; the bound chosen is one that still does."""

MAX_LOOPS = 4
"""Loops versioned per function at most (each doubles its loop's code)."""

MAX_LOOP_OPS = 160
"""Larger loops are not versioned: the copy costs compile time (the bound's search
analyses the loop two to three times, LLVM compiles it twice) where closing or vectorising
a loop is unlikely anyway."""


def _loop_ops(loop: Loop, order: list[Block]) -> list[Operation]:
    return [op for block in order if block in loop.blocks for op in block.ops]


def _live_ins(loop: Loop, ranges: IntRanges) -> list[SSAValue] | None:
    """The integer values the loop reads from outside whose interval is not one value;
    None when a value of the loop is used outside it (a copy could not define it)."""
    if not used_only_inside(loop):
        return None
    defined: set[SSAValue] = set()
    for block in loop.blocks:
        defined.update(block.args)
        for op in block.ops:
            defined.update(op.results)
    (entry,) = loop.entries
    term = entry.last_op
    assert term is not None
    reads: list[SSAValue] = list(term.operands)
    for op in _loop_ops(loop, ranges.order):
        reads.extend(op.operands)
    live: list[SSAValue] = []
    for value in reads:
        interval, bounds = ranges.of(value), type_range(value.type)
        if value in defined or value in live or bounds is None or bounds.hi <= 1:
            continue
        if interval is None or interval.lo != interval.hi:
            live.append(value)
    return live


def _probe(
    function: func.FuncOp,
    loop: Loop,
    live: list[SSAValue],
    bound: int,
    base: IntRanges,
    checked: list[pyrt.CheckedIntegerOp],
) -> int | None:
    """The largest magnitude of the loop's checked ops' exact results when every
    live-in is within `-bound..bound` (only the loop analysed again, from `base`);
    None when one of them is not proven to fit."""
    assume = {v: Interval(-bound, bound) for v in live}
    ranges = IntRanges(function, assume, within=(base, loop))
    largest = 1
    for op in checked:
        if not ranges.cannot_overflow(op):
            return None
        exact = ranges.exact(op)
        assert exact is not None
        largest = max(largest, -exact.lo, exact.hi)
    return largest


LIMIT_BITS = 63
LARGEST_BOUND = (1 << 62) | (1 << 61) | (1 << 60)


def _three_bits(x: float, nearest: bool) -> int:
    """`2**x` to three significant bits (down, or to the nearest), at most the largest
    bound."""
    if x >= 62:
        return LARGEST_BOUND
    exponent = max(math.floor(x), 2)
    mantissa = 2 ** (x - exponent) * 4  # 4..8
    steps = round(mantissa) if nearest else math.floor(mantissa)
    return min(max(steps, 4) << (exponent - 2), LARGEST_BOUND)


def _predicted(points: list[tuple[int, int]], nearest: bool) -> int:
    """The bound at which the largest magnitude reaches 64 bits, if it grows as a power
    of the bound: the power from the last two probes, or from the one probe (as if the
    magnitude were that power of the bound alone, which over-estimates it when a
    large constant dominates: the next probe corrects it)."""
    (b1, m1) = points[-1]
    lb1, lm1 = math.log2(b1), math.log2(m1)
    if len(points) >= 2:
        b0, m0 = points[-2]
        power = (lm1 - math.log2(m0)) / (lb1 - math.log2(b0))
    else:
        power = lm1 / lb1
    if power <= 1e-9:
        return LARGEST_BOUND
    return _three_bits(lb1 + (LIMIT_BITS - lm1) / power, nearest)


def _largest_bound(
    function: func.FuncOp, loop: Loop, live: list[SSAValue], base: IntRanges
) -> int | None:
    """A bound (three significant bits) proving all the loop's checks, close to the
    largest; None if 2**SMALLEST_BOUND_BITS does not.

    The intervals grow with the bound like a polynomial of it (`s += i * i` up to
    `n**3 / 3`), so each probe's largest exact result predicts the bound where 64 bits
    are reached: the probes are 2**8, that prediction and its correction, not a
    bisection of 2**8..2**63 (a solve per probe). Every bound chosen is one the
    analysis proved; when a prediction does not hold, the proven bounds below it
    are bisected."""
    checked = [op for op in _loop_ops(loop, base.order) if isinstance(op, pyrt.CheckedIntegerOp)]

    def probe(bound: int) -> int | None:
        return _probe(function, loop, live, bound, base, checked)

    low = 1 << SMALLEST_BOUND_BITS
    largest = probe(low)
    if largest is None:
        return None  # a copy that keeps a check gains little: LLVM closes no such loop
    points = [(low, largest)]
    for nearest in (False, True):
        candidate = _predicted(points, nearest)
        if candidate <= low:
            return low
        largest = probe(candidate)
        if largest is None:
            return low if nearest else _bisect(probe, low, candidate)
        low = candidate
        points.append((low, largest))
    return low


def _bisect(probe: Callable[[int], int | None], low: int, high: int) -> int:
    """The largest bound of three significant bits in `low..high` that holds, by
    bisection (`low` holds, `high` does not)."""
    candidates = [low]
    exponent = low.bit_length() - 1
    while True:
        for steps in (4, 5, 6, 7):
            bound = steps << (exponent - 2)
            if low < bound < high and bound not in candidates:
                candidates.append(bound)
        if (1 << exponent) >= high:
            break
        exponent += 1
    candidates.sort()
    lo, hi = 0, len(candidates)  # candidates[lo] holds; candidates[hi] (if any) does not
    while hi - lo > 1:
        middle = (lo + hi) // 2
        lo, hi = (middle, hi) if probe(candidates[middle]) is not None else (lo, middle)
    return candidates[lo]


def version(
    function: func.FuncOp, loop: Loop, live: list[SSAValue], bound: int, base: IntRanges
) -> Block:
    """Clone `loop`, make the copy's checks plain (`|live-ins| <= bound` proves them
    all, by `_largest_bound`), and branch to the copy when that holds at the entry; the
    copy's header."""

    def test(copy: LoopCopy) -> tuple[list[Operation], list[SSAValue]]:
        rewriter = Rewriter()
        for block in copy.blocks.values():
            for new in list(block.ops):
                if isinstance(new, pyrt.CheckedIntegerOp):
                    unchecked(new, rewriter)
        tests: list[Operation] = []
        conditions: list[SSAValue] = []
        for value in live:
            for predicate, limit in (("sge", -bound), ("sle", bound)):
                assert isinstance(value.type, IntegerType | IndexType)
                constant = arith.ConstantOp(IntegerAttr(limit, value.type))
                within = arith.CmpiOp(value, constant, predicate)
                tests += [constant, within]
                conditions.append(within.result)
        return tests, conditions

    return version_loop(function, loop, base.order, test).blocks[loop.header]


def _inner(header: Block, ranges: IntRanges) -> bool:
    loop = ranges.loops[header]
    return any(header in other.blocks and other is not loop for other in ranges.loops.values())


def version_loops(function: func.FuncOp) -> int:
    """Version the function's outermost loops that can be; how many were."""
    solved = solved_ranges(function)
    done: set[Block] = set()
    count = 0
    order = solved.order if solved else reverse_post_order(function.body)
    if not any(
        isinstance(op, pyrt.CheckedIntegerOp)
        for loop in (solved.loops if solved else natural_loops(order)).values()
        for op in _loop_ops(loop, order)
    ):
        return 0  # spare the analysis of a function with no checked loop
    ranges = solved or IntRanges(function)
    while count < MAX_LOOPS:
        candidate = None
        for header, loop in ranges.loops.items():
            if header in done or _inner(header, ranges):
                continue
            done.add(header)
            if not any(
                isinstance(op, pyrt.CheckedIntegerOp) for op in _loop_ops(loop, ranges.order)
            ):
                continue
            if len(loop.entries) != 1 or successors(loop.entries[0]).count(header) != 1:
                continue
            if len(_loop_ops(loop, ranges.order)) > MAX_LOOP_OPS:
                continue
            live = _live_ins(loop, ranges)
            if not live:
                continue
            bound = _largest_bound(function, loop, live, ranges)
            if bound is not None:
                candidate = (loop, live, bound, ranges)
                break
        if candidate is None:
            return count
        done.add(version(function, *candidate))
        count += 1
        if all(header in done or _inner(header, ranges) for header in ranges.loops):
            return count  # no loop left to look at: spare the analysis of the new CFG
        ranges = IntRanges(function)
    return count


@dataclass(frozen=True)
class VersionIntLoopsPass(ModulePass):
    name = "version-int-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                version_loops(function)
