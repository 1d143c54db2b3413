"""`graphlet-cse`: xDSL's CSE, extended to regions of many blocks by their dominator
tree, as MLIR's CSE walks them.

xDSL 0.74's `cse` simplifies only single-block regions (`CSEDriver._simplify_region`
returns at once for more), so after the bytecode frontend's branches and loops, or
`graphlet-autodiff`'s forward mode, nothing was merged, not even two identical ops
of one block. Here each block starts from the ops known in its immediate dominator
(an op there dominates every op of the block), so an op is replaced only by one that
dominates it. Ops with effects keep xDSL's rules (reads merge within a block).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region
from xdsl.passes import ModulePass
from xdsl.transforms.common_subexpression_elimination import CSEDriver, KnownOps

from graphlet.transforms.dominance import Dominance


def dominator_tree(region: Region) -> dict[Block, list[Block]]:
    """Each reachable block's children in the dominator tree, in region order."""
    dominators = Dominance().dominators(region)
    children: dict[Block, list[Block]] = {b: [] for b in dominators}
    for block in region.blocks:
        if block not in dominators or block is region.blocks.first:
            continue
        strict = dominators[block] - {block}
        idom = max(strict, key=lambda d: len(dominators[d]))  # dominated by all the others
        children[idom].append(block)
    return children


class DominanceCSEDriver(CSEDriver):
    """`CSEDriver` with scopes along the dominator tree for regions of many blocks."""

    def _simplify_region(self, region: Region) -> None:
        if len(region.blocks) <= 1:
            super()._simplify_region(region)
            return
        entry = region.blocks.first
        assert entry is not None
        children = dominator_tree(region)
        outer = self._known_ops
        stack: list[tuple[Block, KnownOps]] = [(entry, outer)]
        while stack:
            block, scope = stack.pop()
            self._known_ops = KnownOps(scope)
            self._simplify_block(block)
            known = self._known_ops
            stack.extend((child, known) for child in reversed(children[block]))
        self._known_ops = outer


@dataclass(frozen=True)
class GraphletCSEPass(ModulePass):
    name = "graphlet-cse"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        DominanceCSEDriver().simplify(op)
