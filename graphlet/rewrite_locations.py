"""Ops a rewrite pattern creates carry the location of the op they replace.

MLIR's patterns build each new op with the matched op's location (`op->getLoc()`),
so an error found after lowering still names the source line. xDSL 0.74's builders
leave new ops at `UnknownLoc`: here `PatternRewriter.insert` gives each inserted op
that has no location (and the unlocated ops nested in it) the location of the op
being rewritten, and `PatternRewriter.replace` that of the op replaced. Importing
this module installs the hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdsl.dialects.builtin import LocationAttr, UnknownLoc
from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter

_insert = PatternRewriter.insert
_replace = PatternRewriter.replace


def inherit_location(ops: Operation | Sequence[Operation], location: LocationAttr) -> None:
    """Give `location` to each op of `ops` that has none, and to the unlocated ops nested
    in those. A located op is not entered: a region moved into a new op keeps its ops'
    locations, and the cost stays that of the new ops."""
    if isinstance(location, UnknownLoc):
        return
    stack = [ops] if isinstance(ops, Operation) else list(ops)
    while stack:
        op = stack.pop()
        if not isinstance(op.location, UnknownLoc):
            continue
        op.location = location
        for region in op.regions:
            for block in region.blocks:
                stack.extend(block.ops)


def _located_insert(self: PatternRewriter, op: Any, insertion_point: Any = None) -> Any:
    current = self._current_operation  # pyright: ignore[reportPrivateUsage]
    if current is not None:
        inherit_location(op, current.location)
    return _insert(self, op, insertion_point)


def _located_replace(
    self: PatternRewriter, op: Operation, new_ops: Any, *args: Any, **kwargs: Any
) -> None:
    inherit_location(new_ops, op.location)
    _replace(self, op, new_ops, *args, **kwargs)


PatternRewriter.insert = _located_insert  # type: ignore[method-assign]
PatternRewriter.replace = _located_replace  # type: ignore[method-assign]
