"""xDSL 0.74's IR traversals made linear in nesting depth, as MLIR's are.

`Operation.walk` nests one generator per region level, so each op it yields passes
through every enclosing level (a walk of a 3000-deep nest of `scf.execute_region` runs
4.5 million generator steps); `IsolatedFromAbove.verify` climbs from each operand's
definition to the isolated op (again O(depth) per operand). Both are replaced here by
versions that visit each op once; the walk keeps xDSL's order and laziness (an op's
regions are read after the op is yielded, a block's next op after the previous op's
subtree), so passes that mutate the IR while walking see what they saw before.
Importing this module installs them.
"""

from __future__ import annotations

from collections.abc import Iterator

from xdsl.ir import Block, Operation, Region
from xdsl.traits import IsolatedFromAbove
from xdsl.utils.exceptions import VerifyException


def _children(op: Operation, reverse: bool) -> Iterator[Operation]:
    """The ops directly inside `op`'s regions, in xDSL's walk order."""
    for region in reversed(op.regions) if reverse else op.regions:
        for block in reversed(region.blocks) if reverse else region.blocks:
            yield from reversed(block.ops) if reverse else block.ops


def _walk_from(
    roots: Iterator[Operation], reverse: bool, region_first: bool
) -> Iterator[Operation]:
    """Each op of `roots` and everything nested in it, with an explicit stack."""
    stack: list[tuple[Operation | None, Iterator[Operation]]] = [(None, roots)]
    while stack:
        parent, ops = stack[-1]
        op = next(ops, None)
        if op is None:
            stack.pop()
            if region_first and parent is not None:
                yield parent
            continue
        if not region_first:
            yield op
        stack.append((op, _children(op, reverse)))


def _operation_walk(
    self: Operation, *, reverse: bool = False, region_first: bool = False
) -> Iterator[Operation]:
    return _walk_from(iter((self,)), reverse, region_first)


def _region_walk(
    self: Region, *, reverse: bool = False, region_first: bool = False
) -> Iterator[Operation]:
    def roots() -> Iterator[Operation]:
        for block in reversed(self.blocks) if reverse else self.blocks:
            yield from reversed(block.ops) if reverse else block.ops

    return _walk_from(roots(), reverse, region_first)


def _block_walk(
    self: Block, *, reverse: bool = False, region_first: bool = False
) -> Iterator[Operation]:
    return _walk_from(iter(reversed(self.ops) if reverse else self.ops), reverse, region_first)


def _isolated_from_above_verify(self: IsolatedFromAbove, op: Operation) -> None:
    """xDSL's check (no operand defined outside `op`, nor by `op` itself), with the
    blocks and ops inside `op` collected once instead of an ancestor walk per operand.
    Nested isolated ops check themselves, so their bodies are not entered."""
    inside: set[Operation | Block] = set()
    users: list[Operation] = []
    regions: list[Region] = list(op.regions)
    while regions:
        for block in regions.pop().blocks:
            inside.add(block)
            for child in block.ops:
                inside.add(child)
                users.append(child)
                if not child.has_trait(IsolatedFromAbove):
                    regions += child.regions
    for child in users:
        for operand in child.operands:
            owner = operand.owner
            if owner in inside:
                continue
            if owner is op or not op.is_ancestor(owner):  # inside a nested isolated op
                raise VerifyException(
                    f"Operation using value defined out of its IsolatedFromAbove parent: {child}"
                )


Operation.walk = _operation_walk  # type: ignore[method-assign]
Region.walk = _region_walk  # type: ignore[method-assign]
Block.walk = _block_walk  # type: ignore[method-assign]
IsolatedFromAbove.verify = _isolated_from_above_verify  # type: ignore[method-assign]
