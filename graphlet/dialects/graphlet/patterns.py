"""Canonicalization patterns of the graphlet dialect: one small pattern per algebraic fact.

Every fact holds for Python values of the types it is restricted to. Many that are true
of ints are false of floats (`x + 0.0` is not `x` when x is -0.0; `x - x` is NaN for an
infinite x), so those are guarded by the operand type. The stock `canonicalize` pass
finds these patterns through the ops' canonicalization trait.
"""

from __future__ import annotations

import math
from typing import Any

from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.traits import ConstantLike

from graphlet.dialects import graphlet as g

_NO_VALUE = object()


def constant_value(value: SSAValue) -> Any:
    """The Python value of a constant operand, or `_NO_VALUE`."""
    attr = ConstantLike.get_constant_value(value)
    return _NO_VALUE if attr is None else g.from_attr(attr)


def is_constant(value: SSAValue) -> bool:
    return constant_value(value) is not _NO_VALUE


def is_exactly(value: SSAValue, expected: Any) -> bool:
    """Whether an operand is the constant `expected`, of the same type, with the same
    sign of zero (so -0.0 never matches 0.0)."""
    v = constant_value(value)
    if v is _NO_VALUE or type(v) is not type(expected) or v != expected:
        return False
    if isinstance(v, float) and v == 0.0:
        return math.copysign(1.0, v) == math.copysign(1.0, expected)
    return True


def _replace_with_constant(rewriter: PatternRewriter, op: Operation, value: Any) -> None:
    rewriter.replace(op, g.ConstantOp.from_value(value))


def _is_int_like(value: SSAValue) -> bool:
    return value.type in (g.INT, g.BOOL)


class ConstantToRight(RewritePattern):
    """`c op x` -> `x op c` for ops that commute for every value of the operand type
    (min/max only on ints: `min(nan, 1.0)` differs from `min(1.0, nan)`)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.BinaryOp):
            return
        commutes = isinstance(op, g.CommutativeBinaryOp) or (
            isinstance(op, g.MinOp | g.MaxOp) and _is_int_like(op.lhs)
        )
        if commutes and is_constant(op.lhs) and not is_constant(op.rhs):
            rewriter.replace(op, type(op)(op.rhs, op.lhs))


class AddZeroRight(RewritePattern):
    """`x + 0` -> `x` on ints; on floats only `x + -0.0` is the identity."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.AddOp, rewriter: PatternRewriter) -> None:
        zero = 0 if op.lhs.type == g.INT else -0.0
        if is_exactly(op.rhs, zero):
            rewriter.replace(op, [], [op.lhs])


class SubZeroRight(RewritePattern):
    """`x - 0` -> `x` (on floats, `x - 0.0` with a positive zero)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.SubOp, rewriter: PatternRewriter) -> None:
        zero = 0 if op.lhs.type == g.INT else 0.0
        if is_exactly(op.rhs, zero):
            rewriter.replace(op, [], [op.lhs])


class SubSelfInt(RewritePattern):
    """`x - x` -> `0` on ints (on floats it is NaN for inf and NaN)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.SubOp, rewriter: PatternRewriter) -> None:
        if op.lhs == op.rhs and op.lhs.type == g.INT:
            _replace_with_constant(rewriter, op, 0)


class MulOneRight(RewritePattern):
    """`x * 1` -> `x` (also `x * 1.0`: exact for every float, NaN and -0.0 included)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.MulOp, rewriter: PatternRewriter) -> None:
        one = 1 if op.lhs.type == g.INT else 1.0
        if is_exactly(op.rhs, one):
            rewriter.replace(op, [], [op.lhs])


class MulZeroRightInt(RewritePattern):
    """`x * 0` -> `0` on ints (on floats, `inf * 0.0` is NaN and `-1.0 * 0.0` is -0.0)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.MulOp, rewriter: PatternRewriter) -> None:
        if op.lhs.type == g.INT and is_exactly(op.rhs, 0):
            _replace_with_constant(rewriter, op, 0)


class TrueDivOneRightFloat(RewritePattern):
    """`x / 1.0` -> `x` on floats."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.TrueDivOp, rewriter: PatternRewriter) -> None:
        if op.lhs.type == g.FLOAT and is_exactly(op.rhs, 1.0):
            rewriter.replace(op, [], [op.lhs])


class FloorDivOneRightInt(RewritePattern):
    """`x // 1` -> `x` on ints."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.FloorDivOp, rewriter: PatternRewriter) -> None:
        if op.lhs.type == g.INT and is_exactly(op.rhs, 1):
            rewriter.replace(op, [], [op.lhs])


class ModOneRightInt(RewritePattern):
    """`x % 1` -> `0` on ints."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.ModOp, rewriter: PatternRewriter) -> None:
        if op.lhs.type == g.INT and is_exactly(op.rhs, 1):
            _replace_with_constant(rewriter, op, 0)


class PowOneRight(RewritePattern):
    """`x ** 1` -> `x`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.PowOp, rewriter: PatternRewriter) -> None:
        one = 1 if op.lhs.type == g.INT else 1.0
        if is_exactly(op.rhs, one):
            rewriter.replace(op, [], [op.lhs])


class PowZeroRight(RewritePattern):
    """`x ** 0` -> `1` (Python gives 1.0 for `nan ** 0.0` and `0.0 ** 0.0` too)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.PowOp, rewriter: PatternRewriter) -> None:
        is_int = op.lhs.type == g.INT
        if is_exactly(op.rhs, 0 if is_int else 0.0) or (not is_int and is_exactly(op.rhs, -0.0)):
            _replace_with_constant(rewriter, op, 1 if is_int else 1.0)


class DoubleNegation(RewritePattern):
    """`-(-x)` -> `x`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.NegOp, rewriter: PatternRewriter) -> None:
        inner = op.operand.owner
        if isinstance(inner, g.NegOp):
            rewriter.replace(op, [], [inner.operand])


class AbsOfSignChange(RewritePattern):
    """`abs(abs(x))` and `abs(-x)` -> `abs(x)`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.AbsOp, rewriter: PatternRewriter) -> None:
        inner = op.operand.owner
        if isinstance(inner, g.AbsOp | g.NegOp):
            rewriter.replace(op, g.AbsOp(inner.operand))


class SelectConstantCondition(RewritePattern):
    """`a if True else b` -> `a`; `a if False else b` -> `b`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.SelectOp, rewriter: PatternRewriter) -> None:
        cond = constant_value(op.cond)
        if cond is not _NO_VALUE:
            rewriter.replace(op, [], [op.true_value if cond else op.false_value])


class SelectSameValues(RewritePattern):
    """`a if c else a` -> `a`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.SelectOp, rewriter: PatternRewriter) -> None:
        if op.true_value == op.false_value:
            rewriter.replace(op, [], [op.true_value])


class CmpConstantToRight(RewritePattern):
    """`c < x` -> `x > c` (swapping is exact for NaN too)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.CmpOp, rewriter: PatternRewriter) -> None:
        if is_constant(op.lhs) and not is_constant(op.rhs):
            swapped = g.SWAPPED_PREDICATE[op.predicate.data]
            rewriter.replace(op, g.CmpOp(swapped, op.rhs, op.lhs))


class CmpSelfInt(RewritePattern):
    """`x == x` -> True, `x < x` -> False, ... on ints and bools (not floats: NaN)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.CmpOp, rewriter: PatternRewriter) -> None:
        if op.lhs == op.rhs and _is_int_like(op.lhs):
            _replace_with_constant(rewriter, op, op.predicate.data in ("eq", "le", "ge"))


class CastToSameType(RewritePattern):
    """`int(x)` of an int -> `x`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.CastOp, rewriter: PatternRewriter) -> None:
        if op.operand.type == op.result.type:
            rewriter.replace(op, [], [op.operand])


class CastBoolRoundTrip(RewritePattern):
    """`bool(int(b))` and `bool(float(b))` of a bool -> `b`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.CastOp, rewriter: PatternRewriter) -> None:
        inner = op.operand.owner
        if (
            op.result.type == g.BOOL
            and isinstance(inner, g.CastOp)
            and inner.operand.type == g.BOOL
        ):
            rewriter.replace(op, [], [inner.operand])


class BitwiseSelf(RewritePattern):
    """`x & x` and `x | x` -> `x`; `x ^ x` -> 0."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.AndOp | g.OrOp | g.XorOp) or op.lhs != op.rhs:
            return
        if isinstance(op, g.XorOp):
            _replace_with_constant(rewriter, op, False if op.lhs.type == g.BOOL else 0)
        else:
            rewriter.replace(op, [], [op.lhs])


class BitwiseZeroRight(RewritePattern):
    """`x & 0` -> `0`; `x | 0` and `x ^ 0` -> `x` (False for bools)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.AndOp | g.OrOp | g.XorOp):
            return
        zero = False if op.lhs.type == g.BOOL else 0
        if not is_exactly(op.rhs, zero):
            return
        if isinstance(op, g.AndOp):
            _replace_with_constant(rewriter, op, zero)
        else:
            rewriter.replace(op, [], [op.lhs])


class ShiftByZero(RewritePattern):
    """`x << 0` and `x >> 0` -> `x`."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, g.ShlOp | g.ShrOp) and is_exactly(op.rhs, 0):
            rewriter.replace(op, [], [op.lhs])


class MinMaxSelf(RewritePattern):
    """`min(x, x)` and `max(x, x)` -> `x`."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, g.MinOp | g.MaxOp) and op.lhs == op.rhs:
            rewriter.replace(op, [], [op.lhs])


_PATTERNS: dict[type[Operation], tuple[RewritePattern, ...]] = {
    g.AddOp: (ConstantToRight(), AddZeroRight()),
    g.SubOp: (SubZeroRight(), SubSelfInt()),
    g.MulOp: (ConstantToRight(), MulOneRight(), MulZeroRightInt()),
    g.TrueDivOp: (TrueDivOneRightFloat(),),
    g.FloorDivOp: (FloorDivOneRightInt(),),
    g.ModOp: (ModOneRightInt(),),
    g.PowOp: (PowOneRight(), PowZeroRight()),
    g.MinOp: (ConstantToRight(), MinMaxSelf()),
    g.MaxOp: (ConstantToRight(), MinMaxSelf()),
    g.NegOp: (DoubleNegation(),),
    g.AbsOp: (AbsOfSignChange(),),
    g.AndOp: (ConstantToRight(), BitwiseSelf(), BitwiseZeroRight()),
    g.OrOp: (ConstantToRight(), BitwiseSelf(), BitwiseZeroRight()),
    g.XorOp: (ConstantToRight(), BitwiseSelf(), BitwiseZeroRight()),
    g.ShlOp: (ShiftByZero(),),
    g.ShrOp: (ShiftByZero(),),
    g.CmpOp: (CmpConstantToRight(), CmpSelfInt()),
    g.SelectOp: (SelectConstantCondition(), SelectSameValues()),
    g.CastOp: (CastToSameType(), CastBoolRoundTrip()),
}


def patterns_for(op_type: type[Operation]) -> tuple[RewritePattern, ...]:
    return _PATTERNS.get(op_type, ())
