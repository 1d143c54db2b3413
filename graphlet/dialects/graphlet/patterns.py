"""Canonicalization patterns of the graphlet dialect: one named rule per algebraic fact.

Every fact holds for Python values of the types it is restricted to. Many that are true
of ints are false of floats (`x + 0.0` is not `x` when x is -0.0; `x - x` is NaN for an
infinite x), so each rule says the operand types it holds on. The stock `canonicalize`
pass finds these patterns through the ops' canonicalization trait.

The alike facts are tables, read as in tinygrad's PatternMatcher: `RIGHT_CONSTANT_RULES`
(`x op c -> x` or `x op c -> k`) and `SELF_RULES` (`x op x -> ...`), one `Rule` per
fact and operand type, named after the fact. A constant matches only exactly: same
Python type (so `0` is an int's, `0.0` a float's, `False` a bool's) and same sign of
zero. The facts about an op's structure (constants to the right, `-(-x)`, casts)
are one pattern class each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.traits import ConstantLike

from graphlet.dialects import graphlet as g

_NO_VALUE = object()

X = "x"
"""A rule's result that is the op's left operand itself."""


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


# --------------------------------------------------------------------------- rules as data


@dataclass(frozen=True)
class Rule:
    """`x op c -> result` (a right-constant rule, `right` = c) or `x op x -> result`
    (a self rule, `on` = the operand types it holds on). `result` is `X` (the left
    operand), a Python constant, or a function of the op giving the constant."""

    fact: str
    op: type[Operation]
    result: Any
    right: Any = None
    on: tuple[Attribute, ...] = ()

    def rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if self.result is X:
            rewriter.replace(op, [], [op.operands[0]])
        else:
            value = self.result(op) if callable(self.result) else self.result
            _replace_with_constant(rewriter, op, value)

    def __repr__(self) -> str:
        return self.fact


RIGHT_CONSTANT_RULES: tuple[Rule, ...] = (
    Rule("AddZeroRightInt", g.AddOp, X, right=0),
    # x + 0.0 is 0.0 for x = -0.0: only -0.0 is the float identity.
    Rule("AddNegativeZeroRightFloat", g.AddOp, X, right=-0.0),
    Rule("SubZeroRightInt", g.SubOp, X, right=0),
    # x - (-0.0) is 0.0 for x = -0.0: only +0.0.
    Rule("SubZeroRightFloat", g.SubOp, X, right=0.0),
    Rule("MulOneRightInt", g.MulOp, X, right=1),
    Rule("MulOneRightFloat", g.MulOp, X, right=1.0),  # exact for NaN and -0.0 too
    # Not on floats: inf * 0.0 is NaN, -1.0 * 0.0 is -0.0.
    Rule("MulZeroRightInt", g.MulOp, 0, right=0),
    # Not on ints: x / 1 is a float.
    Rule("TrueDivOneRightFloat", g.TrueDivOp, X, right=1.0),
    # Not on floats: inf // 1.0 is NaN.
    Rule("FloorDivOneRightInt", g.FloorDivOp, X, right=1),
    # Not on floats: inf % 1.0 is NaN, -0.5 % 1.0 is 0.5.
    Rule("ModOneRightInt", g.ModOp, 0, right=1),
    Rule("PowOneRightInt", g.PowOp, X, right=1),
    Rule("PowOneRightFloat", g.PowOp, X, right=1.0),
    Rule("PowZeroRightInt", g.PowOp, 1, right=0),
    # Python gives 1.0 for `nan ** 0.0` and `0.0 ** 0.0` too.
    Rule("PowZeroRightFloat", g.PowOp, 1.0, right=0.0),
    Rule("PowNegativeZeroRightFloat", g.PowOp, 1.0, right=-0.0),
    Rule("AndZeroRightInt", g.AndOp, 0, right=0),
    Rule("AndFalseRight", g.AndOp, False, right=False),
    Rule("OrZeroRightInt", g.OrOp, X, right=0),
    Rule("OrFalseRight", g.OrOp, X, right=False),
    Rule("XorZeroRightInt", g.XorOp, X, right=0),
    Rule("XorFalseRight", g.XorOp, X, right=False),
    Rule("ShlByZero", g.ShlOp, X, right=0),
    Rule("ShrByZero", g.ShrOp, X, right=0),
)
"""`x op c -> x` and `x op c -> k`: the constant's Python type is the operand type."""


def _cmp_self(op: Operation) -> bool:
    assert isinstance(op, g.CmpOp)
    return op.predicate.data in ("eq", "le", "ge")


SELF_RULES: tuple[Rule, ...] = (
    # Not on floats: inf - inf is NaN.
    Rule("SubSelfInt", g.SubOp, 0, on=(g.INT,)),
    Rule("AndSelf", g.AndOp, X, on=(g.INT, g.BOOL)),
    Rule("OrSelf", g.OrOp, X, on=(g.INT, g.BOOL)),
    Rule("XorSelfInt", g.XorOp, 0, on=(g.INT,)),
    Rule("XorSelfBool", g.XorOp, False, on=(g.BOOL,)),
    Rule("MinSelf", g.MinOp, X, on=(g.INT, g.FLOAT)),  # min(nan, nan) is that nan
    Rule("MaxSelf", g.MaxOp, X, on=(g.INT, g.FLOAT)),
    # Not on floats: nan == nan is False.
    Rule("CmpSelfInt", g.CmpOp, _cmp_self, on=(g.INT, g.BOOL)),
)
"""`x op x -> ...` on the operand types each fact holds on."""


@dataclass(frozen=True)
class RightConstantRules(RewritePattern):
    """Applies the first rule whose constant is the op's right operand."""

    rules: tuple[Rule, ...]

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        for rule in self.rules:
            if is_exactly(op.operands[1], rule.right):
                rule.rewrite(op, rewriter)
                return


@dataclass(frozen=True)
class SelfRules(RewritePattern):
    """Applies the first rule for `x op x` that holds on the operand type."""

    rules: tuple[Rule, ...]

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        lhs, rhs = op.operands
        if lhs != rhs:
            return
        for rule in self.rules:
            if lhs.type in rule.on:
                rule.rewrite(op, rewriter)
                return


# --------------------------------------------------------------------------- structural facts


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


class CmpConstantToRight(RewritePattern):
    """`c < x` -> `x > c` (swapping is exact for NaN too)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.CmpOp, rewriter: PatternRewriter) -> None:
        if is_constant(op.lhs) and not is_constant(op.rhs):
            swapped = g.SWAPPED_PREDICATE[op.predicate.data]
            rewriter.replace(op, g.CmpOp(swapped, op.rhs, op.lhs))


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


_STRUCTURAL: dict[type[Operation], tuple[RewritePattern, ...]] = {
    **{
        op: (ConstantToRight(),)
        for op in (g.AddOp, g.MulOp, g.MinOp, g.MaxOp, g.AndOp, g.OrOp, g.XorOp)
    },
    g.NegOp: (DoubleNegation(),),
    g.AbsOp: (AbsOfSignChange(),),
    g.CmpOp: (CmpConstantToRight(),),
    g.SelectOp: (SelectConstantCondition(), SelectSameValues()),
    g.CastOp: (CastToSameType(), CastBoolRoundTrip()),
}


def _patterns_by_op() -> dict[type[Operation], tuple[RewritePattern, ...]]:
    """Each op's structural patterns first, then its right-constant and self rules."""
    ops = [*_STRUCTURAL, *(r.op for r in RIGHT_CONSTANT_RULES + SELF_RULES)]
    patterns: dict[type[Operation], tuple[RewritePattern, ...]] = {}
    for op in dict.fromkeys(ops):
        right = tuple(r for r in RIGHT_CONSTANT_RULES if r.op is op)
        same = tuple(r for r in SELF_RULES if r.op is op)
        patterns[op] = (
            *_STRUCTURAL.get(op, ()),
            *([RightConstantRules(right)] if right else []),
            *([SelfRules(same)] if same else []),
        )
    return patterns


_PATTERNS = _patterns_by_op()


def patterns_for(op_type: type[Operation]) -> tuple[RewritePattern, ...]:
    return _PATTERNS.get(op_type, ())
