"""Loop versioning: a copy of a loop, entered when a test at the loop's entry holds.

The three versioning passes (`version-int-loops`, `version-bounds-checks`,
`version-contiguous-loops`) differ only in what the copy may drop and what the entry
must test for that; the cloning, the test block and the rewiring of the entry edge are
here, once:

    ^pre: ...; cf.br ^head(%init...)
~>  ^pre: ...; cf.br ^check(%init...)
    ^check(%a...): %ok = <the pass's tests, and-ed>
                   cf.cond_br %ok, ^head_copy(%a...), ^head(%a...)

The copy's blocks go to the end of the region, keeping the loop's edges out. Each pass
versions only loops with one entry edge whose values are used outside only through
block arguments (`versionable`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import arith, cf, func
from xdsl.ir import Block, BlockArgument, Operation, SSAValue

from graphlet.lowering.int_ranges import (
    Loop,
    branch_edges,
    natural_loops,
    reverse_post_order,
    successors,
)


def edges(block: Block) -> list[tuple[Block, tuple[SSAValue, ...]]]:
    """The block's successors with the operands its terminator passes each (none for a
    terminator other than `cf.br` / `cf.cond_br`)."""
    term = block.last_op
    found = branch_edges(term) if term is not None else []
    return found or [(succ, ()) for succ in successors(block)]


def used_only_inside(loop: Loop) -> bool:
    """Whether no value defined in the loop is used outside it (a copy could not define
    it for that use)."""
    for block in loop.blocks:
        for value in (*block.args, *(r for op in block.ops for r in op.results)):
            if any(use.operation.parent_block() not in loop.blocks for use in value.uses):
                return False
    return True


def versionable(loop: Loop) -> bool:
    """One entry edge, and the loop's values used outside only through its exits' block
    arguments."""
    return (
        len(loop.entries) == 1
        and successors(loop.entries[0]).count(loop.header) == 1
        and used_only_inside(loop)
    )


def innermost(header: Block, loops: dict[Block, Loop]) -> bool:
    loop = loops[header]
    return not any(other is not loop and other.header in loop.blocks for other in loops.values())


def clone_loop(loop: Loop, order: list[Block], region_blocks: list[Block]) -> dict[Block, Block]:
    """A copy of the loop's blocks at the end of the region (edges out of the loop kept)."""
    blocks = [b for b in order if b in loop.blocks]
    block_map = {b: Block(arg_types=[a.type for a in b.args]) for b in blocks}
    values: dict[SSAValue, SSAValue] = {}
    for old, new in block_map.items():
        values.update(zip(old.args, new.args, strict=True))
    for old in blocks:
        for op in old.ops:
            block_map[old].add_op(op.clone(values, block_map))
    region = region_blocks[0].parent
    assert region is not None
    for block in blocks:
        region.add_block(block_map[block])
    return block_map


@dataclass
class LoopCopy:
    """A loop's copy and the block at its entry that will choose between the two."""

    loop: Loop
    order: list[Block]
    blocks: dict[Block, Block]
    """Each block of the loop -> its copy."""
    check: Block
    """The entry test's block; its arguments are the header's at the loop's entry."""

    def ops(self) -> dict[Operation, Operation]:
        """Each op of the loop -> its copy."""
        return {
            old: new
            for block in self.order
            if block in self.loop.blocks
            for old, new in zip(block.ops, self.blocks[block].ops, strict=True)
        }

    def at_entry(self, value: SSAValue) -> SSAValue:
        """`value` as the entry test sees it (a header argument: the value entering)."""
        if isinstance(value, BlockArgument) and value.block is self.loop.header:
            return self.check.args[value.index]
        return value


EntryTest = Callable[[LoopCopy], tuple[list[Operation], list[SSAValue]]]
"""Given the copy (which it may change), the ops of the entry test and the conditions
(i1) that must all hold for the copy to run."""


def version_loop(
    function: func.FuncOp, loop: Loop, order: list[Block], test: EntryTest
) -> LoopCopy:
    """Clone `loop` and enter the copy when every condition of `test` holds; the
    original runs otherwise."""
    header = loop.header
    copy = LoopCopy(
        loop,
        order,
        clone_loop(loop, order, list(function.body.blocks)),
        Block(arg_types=[a.type for a in header.args]),
    )
    ops, conditions = test(copy)
    assert conditions, "an entry test with no condition"
    ok = conditions[0]
    for condition in conditions[1:]:
        both = arith.AndIOp(ok, condition)
        ops.append(both)
        ok = both.result
    copy.check.add_ops(ops)
    copy.check.add_op(
        cf.ConditionalBranchOp(ok, copy.blocks[header], copy.check.args, header, copy.check.args)
    )
    (entry,) = loop.entries
    function.body.insert_block_after(copy.check, entry)  # after the values it tests
    term = entry.last_op
    assert term is not None
    for index, succ in enumerate(term.successors):
        if succ is header:
            term.successors[index] = copy.check
    return copy


def version_innermost_loops(
    function: func.FuncOp,
    version: Callable[[func.FuncOp, Loop, list[Block]], bool],
    max_loops: int,
    max_loop_ops: int,
) -> int:
    """`version` each versionable innermost loop of at most `max_loop_ops` ops, until
    `max_loops` were; how many were."""
    order = reverse_post_order(function.body)
    loops = natural_loops(order)
    count = 0
    for header, loop in list(loops.items()):
        if count >= max_loops:
            break
        if not innermost(header, loops) or not versionable(loop):
            continue
        if sum(len(b.ops) for b in loop.blocks) > max_loop_ops:
            continue
        if version(function, loop, order):
            count += 1
    return count
