"""`sink-into-successors`: arithmetic computed only for one successor of a `cf.cond_br`
moves into that successor, so it runs (and can hand back) only on that edge.

A `for` loop over a range computes the next value in its header, before the exit test,
so `range(0, 2**63 - 1)` overflowed (and handed the call back to Python) on the test
that ends the loop. Moved into the body, the add runs only when the test passed, and
reads the body's copy of the induction variable, which the range analysis refines by
the test (`i < stop`, so `i + 1` provably fits and loses its check):

    ^head(%i, %stop):                              ^head(%i, %stop):
      %go = graphlet.cmp lt, %i, %stop               %go = graphlet.cmp lt, %i, %stop
      %next = graphlet.add %i, %c1           ~>      cf.cond_br %go, ^body(%i), ^exit
      cf.cond_br %go, ^body(%next, %i), ^exit      ^body(%x):
    ^body(%n, %x):                                   %n = graphlet.add %x, %c1

An op moves when its results are used only as operands the branch passes to one
successor, that successor has no other predecessor, and only side-effect-free ops
(comparisons, selects, constants, other movable ops) stand between it and the branch,
so no guard or call changes order with the hand-back it may take.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import cf, func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass

from graphlet.dialects import graphlet as g

MOVABLE = (g.AddOp, g.SubOp, g.MulOp)
"""Ops that are moved: scalar int arithmetic hands back on overflow, float never fails."""

SIDE_EFFECT_FREE = (g.CmpOp, g.SelectOp, g.ConstantOp)
"""Ops a moved op may pass over (they neither raise nor hand back)."""


def _predecessor_counts(function: func.FuncOp) -> dict[Block, int]:
    counts: dict[Block, int] = {}
    for block in function.body.blocks:
        last = block.last_op
        for succ in last.successors if last is not None else ():
            counts[succ] = counts.get(succ, 0) + 1
    return counts


def _target(op: Operation, branch: cf.ConditionalBranchOp) -> int | None:
    """0 (then) or 1 (else): the one successor the op's results are passed to, and only
    through the branch; None otherwise."""
    sides: set[int] = set()
    for result in op.results:
        for use in result.uses:
            if use.operation is not branch or use.index == 0:
                return None
            sides.add(0 if use.index <= len(branch.then_arguments) else 1)
    return sides.pop() if len(sides) == 1 else None


def _sink(op: Operation, branch: cf.ConditionalBranchOp, side: int) -> cf.ConditionalBranchOp:
    """Moves `op` to the start of the branch's successor `side`; the new branch."""
    succ = branch.successors[side]
    passed = list(branch.then_arguments if side == 0 else branch.else_arguments)
    op.operands = [succ.args[passed.index(v)] if v in passed else v for v in op.operands]
    op.detach()  # type: ignore[no-untyped-call]
    first = succ.first_op
    if first is None:
        succ.add_op(op)
    else:
        succ.insert_op_before(op, first)
    dropped = [i for i, value in enumerate(passed) if value in op.results]
    for i in dropped:
        succ.args[i].replace_all_uses_with(op.results[op.results.index(passed[i])])
    for i in reversed(dropped):
        succ.erase_arg(succ.args[i])
    kept = [value for i, value in enumerate(passed) if i not in dropped]
    then_args = kept if side == 0 else list(branch.then_arguments)
    else_args = kept if side == 1 else list(branch.else_arguments)
    new = cf.ConditionalBranchOp(
        branch.cond, branch.then_block, then_args, branch.else_block, else_args
    )
    new.attributes.update(branch.attributes)
    block = branch.parent_block()
    assert block is not None
    block.insert_op_before(new, branch)
    block.erase_op(branch)
    return new


def sink_in(function: func.FuncOp) -> int:
    """Sink what can be sunk in the function; how many ops moved."""
    moved = 0
    counts = _predecessor_counts(function)
    for block in list(function.body.blocks):
        branch = block.last_op
        if not isinstance(branch, cf.ConditionalBranchOp):
            continue
        if branch.then_block is branch.else_block:
            continue
        op = branch.prev_op
        while op is not None:
            before = op.prev_op
            side = _target(op, branch) if isinstance(op, MOVABLE) else None
            if side is not None:
                succ = branch.successors[side]
                if succ is not block and counts.get(succ) == 1:
                    branch = _sink(op, branch, side)
                    moved += 1
                    op = before
                    continue
            if not isinstance(op, MOVABLE + SIDE_EFFECT_FREE):
                break
            op = before
    return moved


@dataclass(frozen=True)
class SinkIntoSuccessorsPass(ModulePass):
    name = "sink-into-successors"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                sink_in(function)
