"""`guard-native-traps`: a `pyrt.guard` before each op whose native code traps or is
undefined, so that the call returns a status and Python raises the exception.

Integer division by zero and `INT_MIN / -1` kill the process with SIGFPE, a failed
`cf.assert` aborts it, and `fptosi` of a float outside the integer's range is
poison. `lower-to-llvm` runs this pass before `convert-guards-to-status` (after scf is
lowered, so only ops directly in a function's CFG are guarded); a guard
that fails makes the native call hand back to the reference interpreter, which
raises CPython's exception (ZeroDivisionError, OverflowError, AssertionError).

    %q = arith.divsi %a, %b : i64   ~>   %nz = arith.cmpi ne, %b, %c0 : i64
                                         pyrt.guard %nz, "ZeroDivisionError"
                                         (and a HandBack guard for INT_MIN / -1)
                                         %q = arith.divsi %a, %b : i64
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    i1,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from graphlet.abi import HAND_BACK
from graphlet.dialects import pyrt

SIGNED_DIVISIONS = (arith.DivSIOp, arith.RemSIOp, arith.FloorDivSIOp, arith.CeilDivSIOp)
UNSIGNED_DIVISIONS = (arith.DivUIOp, arith.RemUIOp, arith.CeilDivUIOp)


def _width(t: Attribute) -> int | None:
    if isinstance(t, IntegerType):
        width: int = t.width.data
        return width
    return 64 if isinstance(t, IndexType) else None


def _constant(value: int | float, t: Attribute) -> arith.ConstantOp:
    if isinstance(t, AnyFloat):
        return arith.ConstantOp(FloatAttr(float(value), t))
    assert isinstance(t, IntegerType | IndexType) and isinstance(value, int)
    return arith.ConstantOp(IntegerAttr(value, t))


def _division_guards(op: Operation) -> list[Operation]:
    lhs, rhs = op.operands
    width = _width(rhs.type)
    if width is None:
        return []  # vectors: LLVM's vector division does not trap
    zero = _constant(0, rhs.type)
    nonzero = arith.CmpiOp(rhs, zero, "ne")
    ops: list[Operation] = [zero, nonzero, pyrt.GuardOp(nonzero, "ZeroDivisionError")]
    if isinstance(op, SIGNED_DIVISIONS) and width > 1:
        smallest, minus_one = _constant(-(1 << (width - 1)), rhs.type), _constant(-1, rhs.type)
        is_min = arith.CmpiOp(lhs, smallest, "eq")
        is_minus_one = arith.CmpiOp(rhs, minus_one, "eq")
        both = arith.AndIOp(is_min, is_minus_one)
        true = arith.ConstantOp(IntegerAttr(1, i1))
        fits = arith.XOrIOp(both, true)
        ops += [smallest, minus_one, is_min, is_minus_one, both, true, fits]
        ops.append(pyrt.GuardOp(fits, HAND_BACK))
    return ops


def _conversion_guards(op: arith.FPToSIOp | arith.FPToUIOp) -> list[Operation]:
    """`lo < x < hi` (ordered: NaN fails) for the values whose truncation fits."""
    x = op.operands[0]
    width = _width(op.results[0].type)
    if width is None or not isinstance(x.type, AnyFloat):
        return []
    signed = isinstance(op, arith.FPToSIOp)
    low, high = (-(2 ** (width - 1)) - 1, 2 ** (width - 1)) if signed else (-1, 2**width)
    low_op, high_op = _constant(low, x.type), _constant(high, x.type)
    # `low` may round to the smallest valid value itself (-2**63 - 1 in f64): then >=.
    above = "oge" if float(low) == low + 1 else "ogt"
    above_low = arith.CmpfOp(x, low_op, above)
    below_high = arith.CmpfOp(x, high_op, "olt")
    fits = arith.AndIOp(above_low, below_high)
    return [low_op, high_op, above_low, below_high, fits, pyrt.GuardOp(fits, HAND_BACK)]


def guard_op(op: Operation, rewriter: Rewriter) -> None:
    if not isinstance(op.parent_op(), func.FuncOp):
        return  # a guard must sit in a function's CFG (convert-guards-to-status)
    if isinstance(op, SIGNED_DIVISIONS + UNSIGNED_DIVISIONS):
        guards = _division_guards(op)
    elif isinstance(op, arith.FPToSIOp | arith.FPToUIOp):
        guards = _conversion_guards(op)
    elif isinstance(op, cf.AssertOp):
        rewriter.replace_op(op, pyrt.GuardOp(SSAValue.get(op.arg), HAND_BACK))
        return
    else:
        return
    if guards:
        rewriter.insert_op(guards, InsertPoint.before(op))


@dataclass(frozen=True)
class GuardNativeTrapsPass(ModulePass):
    name = "guard-native-traps"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewriter = Rewriter()
        for inner in list(op.walk()):
            guard_op(inner, rewriter)
