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
        found = self.operand_diagnostic(user)
        return None if found is None else found[0]

    def operand_diagnostic(self, user: Operation) -> tuple[str, list[str]] | None:
        """Why an operand of `user` does not dominate it, with MLIR's note on where the
        operand is defined (`file:line:col: note: operand defined here ...`)."""
        for i, value in enumerate(user.operands):
            message = self._dominates(value, user)
            if message is not None:
                note = _definition_note(value, user)
                return f"operand #{i} {message}", [] if note is None else [note]
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


def _definition_note(value: SSAValue, user: Operation) -> str | None:
    """mlir-opt's note on a dominance error: where the operand is defined, and how that
    place relates to the use's (none for a use of the op's own result)."""
    from graphlet.locations import location_of

    use_block = user.parent_block()
    use_region = use_block.parent if use_block is not None else None
    if isinstance(value, BlockArgument):
        block = value.block
        region = block.parent
        owner = region.parent if region is not None else None
        where = location_of(owner) if isinstance(owner, Operation) else None
        if where is None or region is None:
            return None
        index = list(region.blocks).index(block)
        relation = _relation(use_region, region) or "neither in a parent nor in a child region"
        return f"{where}: note: operand defined as a block argument (block #{index} {relation})"
    definer = value.owner
    if not isinstance(definer, Operation):
        return None
    where = location_of(definer)
    def_block = definer.parent_block()
    if where is None or def_block is None:
        return None
    if def_block is use_block:
        relation = "op in the same block"
    else:
        relation = "op " + (
            _relation(use_region, def_block.parent)
            or "is neither in a parent nor in a child region"
        )
    return f"{where}: note: operand defined here ({relation})"


def _relation(use: Region | None, definition: Region | None) -> str | None:
    if use is definition:
        return "in the same region"
    if _properly_encloses(definition, use):
        return "in a parent region"
    if _properly_encloses(use, definition):
        return "in a child region"
    return None


def _properly_encloses(outer: Region | None, inner: Region | None) -> bool:
    if outer is None or inner is None:
        return False
    op = inner.parent
    while op is not None:
        region = op.parent_region()
        if region is outer:
            return True
        op = op.parent_op()
    return False


def _block_successors(block: Block) -> Sequence[Block]:
    last = block.last_op
    return last.successors if last is not None else ()
