"""Pattern application by op class: each op meets only the patterns written for its class.

xDSL's `GreedyRewritePatternApplier` offers every op to every pattern in turn, and
`PatternRewriteWalker` puts every op of the module on its worklist, so a lowering pass
paid for each of its patterns on each op, also on the ops it leaves alone (most of
the module, for the late passes). Here each pattern's op classes are read once (the
annotation `op_type_rewrite_pattern` checks, or an `op_types` attribute on patterns
that look the class up in a table), one table maps each op class met to its
patterns, and only ops with a pattern enter the worklist. An op is offered the same
patterns in the same order as before, less those that could not have matched it, so
the rewrites are the same.

    rewrite_by_op_type(module, [ConstantLowering(), IntegerBinaryLowering()])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import UnionType
from typing import Union, get_args, get_origin

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, Region
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.transforms.dead_code_elimination import is_trivially_dead

Rewrite = Callable[[Operation, PatternRewriter], None]


class _Probe(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        pass


_TYPED_CODE = _Probe.match_and_rewrite.__code__
"""The code of `op_type_rewrite_pattern`'s wrapper: its closure holds the expected
op class and the wrapped method."""


def _typed_parts(pattern: RewritePattern) -> tuple[object, Callable[..., None]] | None:
    method = type(pattern).match_and_rewrite
    code = getattr(method, "__code__", None)
    if code is not _TYPED_CODE or method.__closure__ is None:
        return None
    cells = dict(zip(code.co_freevars, method.__closure__, strict=True))
    return cells["expected_type"].cell_contents, cells["func"].cell_contents


def declared_op_types(pattern: RewritePattern) -> tuple[type[Operation], ...] | None:
    """The op classes `pattern` can rewrite (their subclasses included), or None
    when it does not say (it is then offered every op)."""
    declared: Sequence[type[Operation]] | None = getattr(pattern, "op_types", None)
    if declared is not None:
        return tuple(declared)
    typed = _typed_parts(pattern)
    if typed is None:
        return None
    expected = typed[0]
    if get_origin(expected) in (Union, UnionType):
        return tuple(get_args(expected))
    assert isinstance(expected, type)
    return (expected,)


def _rewrite_of(pattern: RewritePattern) -> Rewrite:
    """The pattern's rewrite; for an `op_type_rewrite_pattern` the method it wraps, as
    the dispatch has checked the op's class already."""
    typed = _typed_parts(pattern)
    if typed is None:
        return pattern.match_and_rewrite
    bound: Rewrite = typed[1].__get__(pattern, type(pattern))
    return bound


@dataclass(eq=False, repr=False)
class OpTypeDispatchApplier(GreedyRewritePatternApplier):
    """`GreedyRewritePatternApplier` (without folding) that tries on an op only the
    patterns declared for its class, in their order."""

    _declared: list[tuple[tuple[type[Operation], ...] | None, Rewrite]] = field(
        default_factory=list, init=False
    )
    _table: dict[type[Operation], tuple[Rewrite, ...]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.folding_enabled:
            raise ValueError("OpTypeDispatchApplier does not fold")
        self._declared = [(declared_op_types(p), _rewrite_of(p)) for p in self.rewrite_patterns]

    def rewrites_for(self, kind: type[Operation]) -> tuple[Rewrite, ...]:
        found = self._table.get(kind)
        if found is None:
            found = tuple(
                rewrite
                for types, rewrite in self._declared
                if types is None or issubclass(kind, types)
            )
            self._table[kind] = found
        return found

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if self.dce_enabled and is_trivially_dead(op):
            rewriter.erase(op)
            return
        for rewrite in self.rewrites_for(type(op)):
            rewrite(op, rewriter)
            if rewriter.has_done_action:
                return


@dataclass(eq=False, repr=False)
class OpTypeDispatchWalker(PatternRewriteWalker):
    """`PatternRewriteWalker` whose worklist holds only the ops some pattern is
    declared for (all ops when the applier erases dead ones, as it may erase any)."""

    pattern: OpTypeDispatchApplier

    def _populate_worklist(self, op: Operation | Region | Block) -> None:
        if self.pattern.dce_enabled:
            super()._populate_worklist(op)
            return
        rewrites_for, push = self.pattern.rewrites_for, self._worklist.push
        for sub_op in op.walk(
            reverse=not self.walk_reverse, region_first=not self.walk_regions_first
        ):
            if rewrites_for(type(sub_op)):
                push(sub_op)


def rewrite_by_op_type(
    module: ModuleOp,
    patterns: Sequence[RewritePattern],
    *,
    dce_enabled: bool = False,
    apply_recursively: bool = False,
) -> bool:
    """`PatternRewriteWalker(GreedyRewritePatternApplier(patterns), ...)` over
    `module`, by op class. Returns whether the IR changed."""
    applier = OpTypeDispatchApplier(list(patterns), dce_enabled=dce_enabled)
    walker = OpTypeDispatchWalker(applier, apply_recursively=apply_recursively)
    return walker.rewrite_module(module)
