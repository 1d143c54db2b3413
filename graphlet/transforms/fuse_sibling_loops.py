"""`fuse-sibling-loops`: consecutive `scf.for` loops over the same range become one
loop when iteration i of each only touches slice i of what they share.

After `convert-linalg-to-loops`, softmax is four loop nests over the whole tensor
(row max, exp(x - max) into a temporary, row sum, divide), each streaming 4 MB at
1000x1000 f32. Fused at the row loop, each row is read from memory once and its
temporary stays in L1 between the three inner loops, as PyTorch's row kernels do.
Fusing again inside the fused body reaches the innermost rows of 3-d/4-d softmax,
layer_norm and friends; the inner loops of one row stay apart where they must (the
exp loop needs the finished max: its slice index is 0, not the iv).

Legal when, for every buffer one of the two loops writes and either accesses, every
access indexes it at one position p with the loop's own induction variable, the
positions before p with values defined outside both loops (the same ones in every
access): then iteration i of either loop only touches slice i, and running loop B's
iteration i right after loop A's keeps every dependence. Anything else (a buffer
reached through two views, a call, an op with other memory effects, loop results)
keeps the loops apart. Ops between the two loops move above the first when they
only compute or allocate from values defined there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import is_side_effect_free

VIEWS = (
    memref.ReinterpretCastOp,
    memref.SubviewOp,
    memref.CastOp,
    memref.CollapseShapeOp,
    memref.ExpandShapeOp,
)


def _buffer(value: SSAValue) -> SSAValue:
    """The buffer a memref value views (itself when it is no view)."""
    while isinstance(value.owner, VIEWS):
        value = value.owner.operands[0]
    return value


@dataclass(frozen=True)
class Access:
    memref: SSAValue
    indices: tuple[SSAValue, ...]
    writes: bool


def _accesses(loop: scf.ForOp) -> list[Access] | None:
    """The loads and stores in `loop`, or None if it does anything else to memory."""
    found = []
    for op in loop.body.walk():
        if isinstance(op, memref.LoadOp):
            found.append(Access(op.memref, tuple(op.indices), False))
        elif isinstance(op, memref.StoreOp):
            found.append(Access(op.memref, tuple(op.indices), True))
        elif isinstance(op, scf.ForOp):
            if op.iter_args:
                return None
        elif not isinstance(op, scf.YieldOp) and not is_side_effect_free(op):
            return None
    return found


def _inside(value: SSAValue, loops: tuple[scf.ForOp, ...]) -> bool:
    op = value.owner if isinstance(value.owner, Operation) else value.owner.parent_op()
    while op is not None:
        if op in loops:
            return True
        op = op.parent_op()
    return False


def _same_slice(accesses: list[tuple[Access, SSAValue]], loops: tuple[scf.ForOp, ...]) -> bool:
    """Whether each (access, iv of its loop) indexes position p by the iv, one
    loop-invariant prefix before it."""
    keys = set()
    for access, iv in accesses:
        if iv not in access.indices:
            return False
        p = access.indices.index(iv)
        prefix = access.indices[:p]
        if any(_inside(v, loops) for v in prefix):
            return False
        keys.add((p, prefix))
    return len(keys) == 1


def _constant(value: SSAValue) -> object:
    owner = value.owner
    return owner.value if isinstance(owner, arith.ConstantOp) else value


def _same_range(a: scf.ForOp, b: scf.ForOp) -> bool:
    return all(
        _constant(x) == _constant(y) for x, y in ((a.lb, b.lb), (a.ub, b.ub), (a.step, b.step))
    )


def _fusible(a: scf.ForOp, b: scf.ForOp) -> bool:
    if a.iter_args or b.iter_args or not _same_range(a, b):
        return False
    accesses_a, accesses_b = _accesses(a), _accesses(b)
    if accesses_a is None or accesses_b is None:
        return False
    iv_a, iv_b = a.body.block.args[0], b.body.block.args[0]
    by_buffer: dict[SSAValue, list[tuple[Access, SSAValue]]] = {}
    for access, iv in [*((x, iv_a) for x in accesses_a), *((x, iv_b) for x in accesses_b)]:
        by_buffer.setdefault(_buffer(access.memref), []).append((access, iv))
    for group in by_buffer.values():
        if not any(access.writes for access, _ in group):
            continue
        if len({access.memref for access, _ in group}) > 1 or not _same_slice(group, (a, b)):
            return False
    return True


def _movable(op: Operation, loop: scf.ForOp) -> bool:
    """Whether `op`, which follows `loop` with only movable ops between, can move
    above it: it computes or allocates, and uses no result of `loop`. Its operands of
    the same block are above it, so each is above `loop` or among the ops moved with
    it; no op positions are compared (that made the pass quadratic in a block)."""
    if op.regions or not (is_side_effect_free(op) or isinstance(op, memref.AllocOp)):
        return False
    return all(v.owner is not loop for v in op.operands)


def _next_loop(a: scf.ForOp) -> tuple[scf.ForOp, list[Operation]] | None:
    """The loop after `a` in its block and the ops between, if all can move above `a`."""
    between: list[Operation] = []
    op = a.next_op
    while op is not None and not isinstance(op, scf.ForOp):
        if not _movable(op, a):
            return None
        between.append(op)
        op = op.next_op
    return (op, between) if op is not None else None


def _fuse(a: scf.ForOp, b: scf.ForOp, between: list[Operation]) -> None:
    for op in between:
        parent = op.parent_block()
        assert parent is not None
        Rewriter.insert_op(parent.detach_op(op), InsertPoint.before(a))
    yield_a = a.body.block.last_op
    assert yield_a is not None
    Rewriter.inline_block(b.body.block, InsertPoint.before(yield_a), [a.body.block.args[0]])
    yield_b = yield_a.prev_op
    assert yield_b is not None
    Rewriter.erase_op(yield_b)
    Rewriter.erase_op(b)


def _fuse_in_block(block: Block) -> None:
    op = block.first_op
    while op is not None:
        if isinstance(op, scf.ForOp):
            found = _next_loop(op)
            if found is not None and _fusible(op, found[0]):
                _fuse(op, *found)
                continue
        op = op.next_op


def _loops(block: Block) -> Iterator[scf.ForOp]:
    return (op for op in block.ops if isinstance(op, scf.ForOp))


@dataclass(frozen=True)
class FuseSiblingLoopsPass(ModulePass):
    name = "fuse-sibling-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        blocks = [
            b
            for o in op.walk()
            if not isinstance(o, scf.ForOp)
            for r in o.regions
            for b in r.blocks
        ]
        while blocks:
            block = blocks.pop()
            _fuse_in_block(block)
            blocks.extend(loop.body.block for loop in _loops(block))
