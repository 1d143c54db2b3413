"""`decompose-tensor-ops`: graphlet's composite tensor ops as chains of simpler ones.

softmax, log_softmax, layer_norm and mean become reductions (sum, amax) and
elementwise ops, following each op's `np_operation` step by step, so the
lowering to linalg needs no kernel of its own for them and the elementwise
parts fuse with their neighbours. Scalars (eps, 1/n) are 0-d splat constants,
which `convert-graphlet-to-linalg` moves into the loop bodies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet.dialects import graphlet as g


class _Emitter:
    """Collects the ops of one decomposition, in order."""

    def __init__(self) -> None:
        self.ops: list[Operation] = []

    def __call__(self, op: Operation) -> SSAValue:
        self.ops.append(op)
        return op.results[0]

    def scalar(self, value: float, like: SSAValue) -> SSAValue:
        elem = g.element_type(like.type)
        return self(g.ConstantOp.from_array(np.asarray(value, dtype=g.np_dtype(elem)), elem))


class DecomposeMean(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.MeanOp, rewriter: PatternRewriter) -> None:
        dims, keepdim = op.static_args()["dims"], op.static_args()["keepdim"]
        e = _Emitter()
        total = e(g.SumOp(op.input, dims, keepdim))
        count = math.prod(g.shape_of(op.input.type)[d] for d in dims)
        e(g.TrueDivOp(total, e.scalar(count, op.input)))
        rewriter.replace(op, e.ops)


class DecomposeSoftmax(RewritePattern):
    """softmax = exp(x - amax) / sum; log_softmax = (x - amax) - log(sum(exp(x - amax)))."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: g.SoftmaxOp | g.LogSoftmaxOp, rewriter: PatternRewriter
    ) -> None:
        dim = op.static_args()["dim"]
        e = _Emitter()
        shifted = e(g.SubOp(op.input, e(g.AmaxOp(op.input, [dim], keepdim=True))))
        exp = e(g.ExpOp(shifted))
        total = e(g.SumOp(exp, [dim], keepdim=True))
        if isinstance(op, g.SoftmaxOp):
            e(g.TrueDivOp(exp, total))
        else:
            e(g.SubOp(shifted, e(g.LogOp(total))))
        rewriter.replace(op, e.ops)


class DecomposeLayerNorm(RewritePattern):
    """(x - mean) / sqrt(var + eps) * w + b, var the biased variance."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.LayerNormOp, rewriter: PatternRewriter) -> None:
        static = op.static_args()
        rank = len(g.shape_of(op.input.type))
        dims = list(range(rank - static["normalized_ndim"], rank))
        count = math.prod(g.shape_of(op.input.type)[d] for d in dims)
        e = _Emitter()
        n = e.scalar(count, op.input)
        mean = e(g.TrueDivOp(e(g.SumOp(op.input, dims, keepdim=True)), n))
        centered = e(g.SubOp(op.input, mean))
        var = e(g.TrueDivOp(e(g.SumOp(e(g.MulOp(centered, centered)), dims, keepdim=True)), n))
        std = e(g.SqrtOp(e(g.AddOp(var, e.scalar(static["eps"], op.input)))))
        e(g.AddOp(e(g.MulOp(e(g.TrueDivOp(centered, std)), op.weight)), op.bias))
        rewriter.replace(op, e.ops)


DECOMPOSED_OPS = (g.MeanOp, g.SoftmaxOp, g.LogSoftmaxOp, g.LayerNormOp)
"""The ops this pass replaces: no lowering has a kernel of its own for them."""


@dataclass(frozen=True)
class DecomposeTensorOpsPass(ModulePass):
    name = "decompose-tensor-ops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = GreedyRewritePatternApplier(
            [DecomposeMean(), DecomposeSoftmax(), DecomposeLayerNorm()]
        )
        PatternRewriteWalker(patterns, apply_recursively=False).rewrite_module(op)
