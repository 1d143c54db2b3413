"""SSA dominance as MLIR defines it, for `graphlet-verify`: a value must dominate each
use (same block: defined earlier; another block of the same region: its block dominates
the use's; a nested region: its op is not an `IsolatedFromAbove` boundary). Graph
regions (`builtin.module`'s body) and unreachable blocks are not checked, as in MLIR.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.traits import IsolatedFromAbove


class Dominance:
    """Dominance queries over one module (block orders and dominator sets are cached)."""

    def __init__(self) -> None:
        self._positions: dict[Block, dict[Operation, int]] = {}
        self._dominators: dict[Region, dict[Block, set[Block]]] = {}

    def operand_error(self, user: Operation) -> str | None:
        """Why an operand of `user` does not dominate it, or None."""
        for i, value in enumerate(user.operands):
            message = self._dominates(value, user)
            if message is not None:
                return f"operand #{i} {message}"
        return None

    def _dominates(self, value: SSAValue, user: Operation) -> str | None:
        """Why `value` does not dominate `user`, or None when it does."""
        def_block: Block | None
        def_op: Operation | None
        if isinstance(value, BlockArgument):
            def_block, def_op = value.block, None
        else:
            assert isinstance(value.owner, Operation)
            def_op = value.owner
            def_block = def_op.parent_block()
        if def_op is user:
            return "uses the op's own result"
        if def_block is None or def_block.parent is None:
            return "uses a value that is not in the IR"
        region = def_block.parent
        ancestor: Operation = user
        while True:
            block = ancestor.parent_block()
            if block is None:
                return "uses a value defined in a region that does not enclose it"
            if block.parent is region:
                break
            parent = ancestor.parent_op()
            if parent is None:
                return "uses a value defined in a region that does not enclose it"
            if parent is def_op:
                return "uses a result of the op whose region holds the use"
            if parent.has_trait(IsolatedFromAbove):
                return f"uses a value defined above its isolated-from-above parent '{parent.name}'"
            ancestor = parent
        if isinstance(region.parent, ModuleOp):
            return None  # a graph region: order does not matter
        if block is def_block:
            if def_op is None:
                return None
            if def_op is ancestor:
                return "uses a result of the op whose region holds the use"
            positions = self._block_positions(block)
            if positions[def_op] > positions[ancestor]:
                return "is used before its definition"
            return None
        dominators = self._region_dominators(region)
        if block not in dominators:
            return None  # unreachable: MLIR does not check dominance there
        if def_block not in dominators[block]:
            return "is used in a block its definition does not dominate"
        return None

    def _block_positions(self, block: Block) -> dict[Operation, int]:
        if block not in self._positions:
            self._positions[block] = {op: i for i, op in enumerate(block.ops)}
        return self._positions[block]

    def dominators(self, region: Region) -> dict[Block, set[Block]]:
        """Each reachable block of `region` and the blocks that dominate it."""
        return self._region_dominators(region)

    def _region_dominators(self, region: Region) -> dict[Block, set[Block]]:
        """Each reachable block's dominators (the iterative data-flow algorithm)."""
        if region in self._dominators:
            return self._dominators[region]
        entry = region.blocks.first
        assert entry is not None
        reachable: list[Block] = []
        stack, seen = [entry], {entry}
        while stack:
            block = stack.pop()
            reachable.append(block)
            for successor in _block_successors(block):
                if successor not in seen and successor.parent is region:
                    seen.add(successor)
                    stack.append(successor)
        predecessors: dict[Block, list[Block]] = {b: [] for b in reachable}
        for block in reachable:
            for successor in _block_successors(block):
                if successor in predecessors:
                    predecessors[successor].append(block)
        everything = set(reachable)
        dominators = {b: set(everything) for b in reachable}
        dominators[entry] = {entry}
        changed = True
        while changed:
            changed = False
            for block in reachable[1:]:
                new = set.intersection(*(dominators[p] for p in predecessors[block])) | {block}
                if new != dominators[block]:
                    dominators[block], changed = new, True
        self._dominators[region] = dominators
        return dominators


def _block_successors(block: Block) -> Sequence[Block]:
    last = block.last_op
    return last.successors if last is not None else ()
