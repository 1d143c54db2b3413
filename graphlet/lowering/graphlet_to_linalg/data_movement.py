"""transpose/expand/slice/cat -> copies whose indexing maps do the data movement."""

from __future__ import annotations

from xdsl.dialects import tensor
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineExpr
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.graphlet_to_linalg.common import broadcast_map, copy, indexing_map


def _partial(dim: int, start: int, step: int, size: int, count: int) -> AffineExpr:
    """`dim * step + start`, reading `count` of an operand dimension of `size`.
    A plain `d` covering part of a dimension is spelled `d % count`: linalg takes
    a plain dim to span its whole operand dimension (loop bounds come from it)."""
    expr = AffineExpr.dimension(dim) * step + start
    if isinstance(expr, AffineDimExpr) and count != size:
        return expr % count
    return expr


def _moved(op: Operation) -> tuple[list[AffineExpr | int], int] | None:
    """The input map of a data-movement op (over the result's dims), or None."""
    rank = len(g.shape_of(op.results[0].type))
    if isinstance(op, g.TransposeOp):
        perm = op.static_args()["perm"]
        return [perm.index(j) for j in range(rank)], rank
    if isinstance(op, g.ExpandOp):
        return list(
            broadcast_map(g.shape_of(op.input.type), g.shape_of(op.result.type)).results
        ), rank
    if isinstance(op, g.SliceOp):
        s = op.static_args()
        return [
            _partial(d, st, k, n, m)
            for d, (st, k, n, m) in enumerate(
                zip(s["starts"], s["steps"], g.shape_of(op.input.type), g.shape_of(op.result.type))
            )
        ], rank
    return None


class DataMovementToGeneric(RewritePattern):
    """transpose/expand/slice as a copy reading through a map; cat as one copy
    per operand into its offset in a shared destination."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.CatOp | g.TransposeOp | g.ExpandOp | g.SliceOp):
            return
        result_type = op.results[0].type
        rank = len(g.shape_of(result_type))
        if isinstance(op, g.CatOp):
            dim = op.static_args()["dim"]
            ops: list[Operation] = [empty := tensor.EmptyOp([], result_type)]
            dest: SSAValue = empty.tensor
            offset = 0
            for x in op.inputs:
                # `% size` keeps offset 0 from simplifying to a plain dim, which the
                # verifier would require to span the whole destination.
                shifted = (
                    AffineExpr.dimension(dim) + offset
                    if offset
                    else AffineExpr.dimension(dim) % g.shape_of(result_type)[dim]
                )
                out = [shifted if d == dim else d for d in range(rank)]
                ops.append(
                    copy([x], dest, [indexing_map(rank, range(rank)), indexing_map(rank, out)])
                )
                dest, offset = ops[-1].results[0], offset + g.shape_of(x.type)[dim]
            rewriter.replace(op, ops)
        elif (moved := _moved(op)) is not None:
            empty = tensor.EmptyOp([], result_type)
            rewriter.replace(
                op,
                [
                    empty,
                    copy(
                        [op.operands[0]],
                        empty.tensor,
                        [indexing_map(rank, moved[0]), indexing_map(rank, range(rank))],
                    ),
                ],
            )
