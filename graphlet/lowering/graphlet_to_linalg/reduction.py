"""sum/prod/amax/amin -> a fill with the neutral element, then a generic with reduction
iterators (not `linalg.reduce`, which `convert-linalg-to-loops` cannot lower)."""

from __future__ import annotations

import math as pymath

from xdsl.dialects import arith
from xdsl.dialects.builtin import AnyFloat, IntegerType, i1, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.ir.affine import AffineExpr
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter
from graphlet.lowering.graphlet_to_linalg.common import (
    PARALLEL,
    REASSOC,
    REDUCTION,
    Body,
    fill,
    generic,
    indexing_map,
    tensor_result,
)


def _reduction(op: Operation, elem: Attribute) -> tuple[float | int, Body]:
    """The neutral element and the body (input, accumulator) of a reduction; bools
    and i32 sum as i64, and max/min of bools is or/and (unsigned)."""
    float_, bool_ = isinstance(elem, AnyFloat), elem == i1
    if isinstance(op, g.SumOp | g.ProdOp) and not float_:
        combine = arith.AddiOp if isinstance(op, g.SumOp) else arith.MuliOp
        return int(isinstance(op, g.ProdOp)), lambda e, a: e(combine(a[1], _widened(e, a[0])))
    if isinstance(op, g.SumOp):
        return 0.0, lambda e, a: e(arith.AddfOp(a[1], a[0], REASSOC))
    if isinstance(op, g.ProdOp):
        return 1.0, lambda e, a: e(arith.MulfOp(a[1], a[0], REASSOC))
    is_max = isinstance(op, g.AmaxOp)
    if float_:
        return (-pymath.inf if is_max else pymath.inf), lambda e, a: e(
            (arith.MaximumfOp if is_max else arith.MinimumfOp)(a[1], a[0])
        )
    if bool_:
        return (0 if is_max else 1), lambda e, a: e(
            (arith.MaxUIOp if is_max else arith.MinUIOp)(a[1], a[0])
        )
    assert isinstance(elem, IntegerType)
    bits = elem.width.data
    return (-(2 ** (bits - 1)) if is_max else 2 ** (bits - 1) - 1), lambda e, a: e(
        (arith.MaxSIOp if is_max else arith.MinSIOp)(a[1], a[0])
    )


def _widened(e: Emitter, x: SSAValue) -> SSAValue:
    """An integer element as the i64 that sums and products of ints accumulate in
    (bools are 0 or 1)."""
    if x.type == i64:
        return x
    return e((arith.ExtUIOp if x.type == i1 else arith.ExtSIOp)(x, i64))


class ReductionToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if (
            not isinstance(op, g.SumOp | g.ProdOp | g.AmaxOp | g.AminOp)
            or (result_type := tensor_result(op)) is None
        ):
            return
        neutral, body = _reduction(op, g.element_type(op.input.type))
        static = op.static_args()
        rank = len(g.shape_of(op.input.type))
        out = [
            AffineExpr.constant(0) if d in static["dims"] else d
            for d in range(rank)
            if static["keepdim"] or d not in static["dims"]
        ]
        iterators = [REDUCTION if d in static["dims"] else PARALLEL for d in range(rank)]
        init = fill(result_type, neutral)
        reduce = generic(
            [op.input],
            init[-1].results[0],
            [indexing_map(rank, range(rank)), indexing_map(rank, out)],
            iterators,
            body,
        )
        rewriter.replace(op, [*init, reduce])
