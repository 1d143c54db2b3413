"""`eliminate-overflow-checks`: checked int arithmetic whose exact result provably fits
64 bits becomes plain `nsw` arithmetic, and its guard goes.

Python's ints do not wrap, so `convert-graphlet-to-arith` checks every int `+ - *` and
hands back to Python when the exact result does not fit. The checks cost a branch each
and keep LLVM from closing or vectorising loops. The integer range analysis
(`int_ranges.py`: constants, loop trip bounds, induction variables and accumulators)
proves many of them unnecessary:

    %v, %o = pyrt.checked_muli %i, %i : i64       %v = arith.muli %i, %i overflow<nsw> : i64
    %t = arith.xori %o, %true : i1           ~>
    pyrt.guard %t, "HandBack"                     (for %i in -3037000499..3037000499)

It runs on a function's flat CFG (after `convert-scf-to-cf`), before the guards become
statuses. The analysis, kept up to date with the ops it replaced, is handed to
`version-int-loops` when that runs next on the unchanged function (`solved_ranges`):
one solve for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i1
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from graphlet.dialects import pyrt
from graphlet.lowering.int_ranges import Interval, IntRanges

_PLAIN: dict[
    type[pyrt.CheckedIntegerOp], type[arith.SignlessIntegerBinaryOperationWithOverflow]
] = {
    pyrt.CheckedAddiOp: arith.AddiOp,
    pyrt.CheckedSubiOp: arith.SubiOp,
    pyrt.CheckedMuliOp: arith.MuliOp,
}


def unchecked(
    op: pyrt.CheckedIntegerOp, rewriter: Rewriter, ranges: IntRanges | None = None
) -> None:
    """Replace a checked op that cannot overflow by its `nsw` op; the guards on its
    overflow flag (through `xori %o, true`) go, other uses read `false`. `ranges`, an
    analysis of the function, learns the new values' intervals."""
    plain = _PLAIN[type(op)](
        op.lhs, op.rhs, overflow=arith.IntegerOverflowAttr([arith.IntegerOverflowFlag.NSW])
    )
    rewriter.insert_op(plain, InsertPoint.before(op))
    for use in list(op.overflow.uses):
        negation = use.operation
        if isinstance(negation, arith.XOrIOp) and _is_true(negation.rhs.owner):
            for guard_use in list(negation.result.uses):
                if isinstance(guard_use.operation, pyrt.GuardOp):
                    rewriter.erase_op(guard_use.operation)
            if not negation.result.uses:
                rewriter.erase_op(negation)
    if op.overflow.uses:
        false = arith.ConstantOp(IntegerAttr(0, i1))
        rewriter.insert_op(false, InsertPoint.before(op))
        op.overflow.replace_all_uses_with(false.result)
        if ranges is not None:
            ranges.replace(op.overflow, false.result, Interval(0, 0))
    if ranges is not None:
        ranges.replace(op.value, plain.result)
    op.value.replace_all_uses_with(plain.result)
    rewriter.erase_op(op)


def _is_true(owner: Operation | object) -> bool:
    return (
        isinstance(owner, arith.ConstantOp)
        and isinstance(owner.value, IntegerAttr)
        and owner.value.value.data != 0
    )


def eliminate_in(function: func.FuncOp, rewriter: Rewriter) -> int:
    """Make the function's provably-fitting checked ops plain; how many there were."""
    checked = _checked_ops(function)
    if not checked:
        return 0
    ranges = IntRanges(function)
    proven = [op for op in checked if ranges.cannot_overflow(op)]
    for op in proven:
        unchecked(op, rewriter, ranges)
    _SOLVED[function] = (_fingerprint(function), ranges)
    return len(proven)


_SOLVED: WeakKeyDictionary[func.FuncOp, tuple[list[object], IntRanges]] = WeakKeyDictionary()


def _fingerprint(function: func.FuncOp) -> list[object]:
    """The function's blocks, their arguments, ops, operands and successors: an analysis
    of the function holds while these are the same objects."""
    parts: list[object] = []
    for block in function.body.blocks:
        parts.append(block)
        parts.extend(block.args)
        for op in block.ops:
            parts.append(op)
            parts.extend(op.operands)
            parts.extend(op.successors)
    return parts


def solved_ranges(function: func.FuncOp) -> IntRanges | None:
    """The analysis `eliminate-overflow-checks` left for `function`, if the function has
    not changed since (taken: it is handed on once)."""
    entry = _SOLVED.pop(function, None)
    if entry is None:
        return None
    parts, ranges = entry
    now = _fingerprint(function)
    if len(now) != len(parts) or any(a is not b for a, b in zip(now, parts)):
        return None
    return ranges


def _checked_ops(function: func.FuncOp) -> list[pyrt.CheckedIntegerOp]:
    return [
        op
        for block in function.body.blocks
        for op in block.ops
        if isinstance(op, pyrt.CheckedIntegerOp)
    ]


@dataclass(frozen=True)
class EliminateOverflowChecksPass(ModulePass):
    name = "eliminate-overflow-checks"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewriter = Rewriter()
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                eliminate_in(function, rewriter)
