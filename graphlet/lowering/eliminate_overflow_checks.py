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
statuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i1
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from graphlet.dialects import pyrt
from graphlet.lowering.int_ranges import IntRanges

_PLAIN: dict[
    type[pyrt.CheckedIntegerOp], type[arith.SignlessIntegerBinaryOperationWithOverflow]
] = {
    pyrt.CheckedAddiOp: arith.AddiOp,
    pyrt.CheckedSubiOp: arith.SubiOp,
    pyrt.CheckedMuliOp: arith.MuliOp,
}


def unchecked(op: pyrt.CheckedIntegerOp, rewriter: Rewriter) -> None:
    """Replace a checked op that cannot overflow by its `nsw` op; the guards on its
    overflow flag (through `xori %o, true`) go, other uses read `false`."""
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
    ranges = IntRanges(function)
    proven = [op for op in _checked_ops(function) if ranges.cannot_overflow(op)]
    for op in proven:
        unchecked(op, rewriter)
    return len(proven)


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
