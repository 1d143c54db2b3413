"""matmul/linear -> a fill (zeros, or the broadcast bias), then a contraction.

The loop order is chosen for LLVM's vectoriser: matmul iterates (m, k, n), linear
(m, n, k) with `reassoc`; GEMM contractions are tagged for `convert-linalg-to-blas`."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import AffineMapAttr
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineExpr
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter, is_float
from graphlet.lowering.graphlet_to_linalg.common import (
    PARALLEL,
    REASSOC,
    REDUCTION,
    Body,
    broadcast_map,
    copy,
    fill,
    float_result,
    generic,
    indexing_map,
    tensor_result,
)

GEMM_NN, GEMM_NT, BATCH_GEMM_NN = "gemm_nn", "gemm_nt", "batch_gemm_nn"
"""`library_call` tags of contractions that are one row-major GEMM, C += A B or
C += A B^T (A's leading dims flattened into rows), or a batch of GEMMs C[i] += A[i] B[i]
(batch dims broadcast): `convert-linalg-to-blas` may turn them into BLAS calls."""
BLAS_MIN_ROWS = 8
"""GEMMs with fewer rows (M) stay loops in `convert-linalg-to-blas`: faster there."""
BATCH_MIN_COLUMNS = 128
"""Batched GEMMs with narrower products (N) stay loops (see `convert-linalg-to-blas`)."""


def contraction(body_flags: arith.FastMathFlagsAttr | None) -> Body:
    def body(e: Emitter, a: Sequence[SSAValue]) -> SSAValue:
        if not is_float(a[0]):
            return e(arith.AddiOp(a[2], e(arith.MuliOp(a[0], a[1]))))
        return e(arith.AddfOp(a[2], e(arith.MulfOp(a[0], a[1], body_flags)), body_flags))

    return body


class MatmulToGeneric(RewritePattern):
    """Domain (batch..., m, k, n); m and n absent for a 1-d operand."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.MatmulOp) or (result_type := tensor_result(op)) is None:
            return
        a, b = g.shape_of(op.lhs.type), g.shape_of(op.rhs.type)
        out_shape = g.shape_of(result_type)
        nb = len(out_shape) - (len(a) > 1) - (len(b) > 1)
        has_m, has_n = len(a) > 1, len(b) > 1
        m, k, n = nb, nb + has_m, nb + has_m + 1
        rank = n + has_n

        def batch(shape: Sequence[int]) -> list[AffineExpr | int]:
            own = shape[:-2] if len(shape) > 1 else ()
            return [
                AffineExpr.constant(0)
                if s == 1 and out_shape[nb - len(own) + i] != 1
                else nb - len(own) + i
                for i, s in enumerate(own)
            ]

        lhs = [*batch(a), *([m] if has_m else []), k]
        rhs = [*batch(b), k, *([n] if has_n else [])] if len(b) > 1 else [k]
        res = [*range(nb), *([m] if has_m else []), *([n] if has_n else [])]
        iterators = [PARALLEL] * rank
        iterators[k] = REDUCTION
        init = fill(result_type, 0)
        gemm = None if min(len(a), len(b)) < 2 else GEMM_NN if len(b) == 2 else BATCH_GEMM_NN
        maps = [indexing_map(rank, lhs), indexing_map(rank, rhs), indexing_map(rank, res)]
        mm = generic(
            [op.lhs, op.rhs], init[-1].results[0], maps, iterators, contraction(None), gemm
        )
        rewriter.replace(op, [*init, mm])


class LinearToGeneric(RewritePattern):
    """Domain (lead..., n, k): y[..., n] = bias[n] + sum_k x[..., k] w[n, k]."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.LinearOp) or (result_type := float_result(op)) is None:
            return
        out_shape = g.shape_of(result_type)
        lead, rank = len(out_shape) - 1, len(out_shape) + 1
        if op.bias is None:
            init = fill(result_type, 0.0)
        else:
            empty = tensor.EmptyOp([], result_type)
            bias_map = AffineMapAttr(broadcast_map(g.shape_of(op.bias.type), out_shape))
            init = [
                empty,
                copy([op.bias], empty.tensor, [bias_map, indexing_map(lead + 1, range(lead + 1))]),
            ]
        maps = [
            indexing_map(rank, [*range(lead), lead + 1]),
            indexing_map(rank, [lead, lead + 1]),
            indexing_map(rank, range(lead + 1)),
        ]
        iterators = [*[PARALLEL] * (lead + 1), REDUCTION]
        y = generic(
            [op.input, op.weight],
            init[-1].results[0],
            maps,
            iterators,
            contraction(REASSOC),
            GEMM_NT,
        )
        rewriter.replace(op, [*init, y])
