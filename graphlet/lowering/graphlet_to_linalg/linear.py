"""matmul/linear -> a fill (zeros, or the broadcast bias), then a contraction.

The loop order is chosen for LLVM's vectoriser: matmul iterates (m, k, n), linear
(m, n, k) with `reassoc`; GEMM contractions are tagged for `convert-linalg-to-blas`."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import AffineMapAttr, TensorType
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
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
GEMM_TN, GEMM_TT = "gemm_tn", "gemm_tt"
"""2-d GEMMs C += A^T B and C += A^T B^T (A stored K x M): a matmul of a transposed
matrix reads the matrix itself, which BLAS takes with its transpose flag."""
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
        operands = [op.lhs, op.rhs]
        copies: list[linalg.GenericOp] = []
        if len(a) == len(b) == 2:
            for i, source in enumerate(operands):
                if (moved := _transposed_copy(source)) is not None:
                    operands[i] = moved.inputs[0]
                    copies.append(moved)
            ta, tb = operands[0] is not op.lhs, operands[1] is not op.rhs
            lhs, rhs = ([k, m] if ta else lhs), ([n, k] if tb else rhs)
            gemm = [[GEMM_NN, GEMM_NT], [GEMM_TN, GEMM_TT]][ta][tb]
        maps = [indexing_map(rank, lhs), indexing_map(rank, rhs), indexing_map(rank, res)]
        mm = generic(operands, init[-1].results[0], maps, iterators, contraction(None), gemm)
        rewriter.replace(op, [*init, mm])
        for moved in copies:
            _erase_if_unused(moved, rewriter)


def _transposed_copy(value: SSAValue) -> linalg.GenericOp | None:
    """The generic that wrote `value` as the transpose of a 2-d tensor (a lowered
    `graphlet.transpose`: a copy reading (j, i) into a `tensor.empty`), if it is one."""
    copy_op = value.owner
    if not isinstance(copy_op, linalg.GenericOp) or copy_op.library_call is not None:
        return None
    if len(copy_op.inputs) != 1 or len(copy_op.outputs) != 1:
        return None
    if not isinstance(copy_op.outputs[0].owner, tensor.EmptyOp):
        return None
    if not isinstance(copy_op.inputs[0].type, TensorType):
        return None
    in_map, out_map = (m.data for m in copy_op.indexing_maps)
    if out_map != AffineMap.identity(2) or in_map != AffineMap.from_callable(lambda i, j: (j, i)):
        return None
    body = list(copy_op.body.block.ops)
    if len(body) != 1 or tuple(body[0].operands) != (copy_op.body.block.args[0],):
        return None
    return copy_op


def _erase_if_unused(copy_op: linalg.GenericOp, rewriter: PatternRewriter) -> None:
    if copy_op.results[0].uses:
        return
    empty = copy_op.outputs[0].owner
    rewriter.erase(copy_op)
    if isinstance(empty, tensor.EmptyOp) and not empty.tensor.uses:
        rewriter.erase(empty)


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
        x, kind = op.input, GEMM_NT
        x_map: list[AffineExpr | int] = [*range(lead), lead + 1]
        moved = _transposed_copy(x) if lead == 1 else None
        if moved is not None:
            x, kind, x_map = moved.inputs[0], GEMM_TT, [lead + 1, 0]
        maps = [
            indexing_map(rank, x_map),
            indexing_map(rank, [lead, lead + 1]),
            indexing_map(rank, range(lead + 1)),
        ]
        iterators = [*[PARALLEL] * (lead + 1), REDUCTION]
        y = generic(
            [x, op.weight],
            init[-1].results[0],
            maps,
            iterators,
            contraction(REASSOC),
            kind,
        )
        rewriter.replace(op, [*init, y])
        if moved is not None:
            _erase_if_unused(moved, rewriter)
