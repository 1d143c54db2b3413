"""Effect and speculation traits of graphlet ops, and the canonicalization hook.

An op that may raise (as Python would) has a write effect, so `dce` keeps it and
`cse` never merges it; hoisting it out of a branch is not allowed either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.traits import (
    ConditionallySpeculatable,
    EffectInstance,
    HasCanonicalizationPatternsTrait,
    MemoryEffect,
    MemoryEffectKind,
    OpTrait,
)

from graphlet.dialects.graphlet.types import is_tensor

if TYPE_CHECKING:
    from graphlet.dialects.graphlet.abstract_ops import GraphletOp


class RaisesLikePython(MemoryEffect):
    """No effect unless Python could raise for these operands: a raise is observable, so
    `dce` keeps an unused `a // b` (ZeroDivisionError) but drops an unused `a * b`,
    and `cse` never merges an op that may raise."""

    @classmethod
    def get_effects(cls, op: Operation) -> frozenset[EffectInstance]:
        return _RAISE_EFFECT if cast("GraphletOp", op).may_raise() else frozenset()


class SpeculatableUnlessRaising(ConditionallySpeculatable):
    """Hoisting an op that may raise out of a branch would raise where Python does not."""

    @classmethod
    def is_speculatable(cls, op: Operation) -> bool:
        return not cast("GraphletOp", op).may_raise()


_RAISE_EFFECT = frozenset((EffectInstance(MemoryEffectKind.WRITE),))


def python_pure() -> tuple[OpTrait, ...]:
    """The effect traits of an op that computes a value and raises only as Python does."""
    return (RaisesLikePython(), SpeculatableUnlessRaising())


class PatternsFromRegistry(HasCanonicalizationPatternsTrait):
    """Canonicalization patterns live in `patterns.py`, keyed by op class."""

    def get_patterns(self, op: type[Operation]) -> tuple[RewritePattern, ...]:
        from graphlet.dialects.graphlet.patterns import patterns_for

        return tuple(ScalarOnly(p) for p in patterns_for(op))

    @classmethod
    def get_canonicalization_patterns(cls) -> tuple[RewritePattern, ...]:
        return ()


class ScalarOnly(RewritePattern):
    """Applies a scalar pattern to scalar ops only: its facts are about Python
    numbers, and on tensors broadcasting can change the result's shape."""

    def __init__(self, pattern: RewritePattern) -> None:
        self.pattern = pattern

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not any(is_tensor(v.type) for v in (*op.operands, *op.results)):
            self.pattern.match_and_rewrite(op, rewriter)


def canonicalized() -> PatternsFromRegistry:
    return PatternsFromRegistry()
