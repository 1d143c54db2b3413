"""`convert-linalg-to-blas`: GEMM-tagged memref generics -> calls to CBLAS `?gemm`.

`convert-graphlet-to-linalg` tags each contraction that is one row-major GEMM
(`library_call = "gemm_nn"`: C += A B, `"gemm_nt"`: C += A B^T, A's leading dims
flattened into M rows); on f32/f64 memrefs this pass replaces it by

    func.call @graphlet_cblas_sgemm(101, 111, 111|112, M, N, K, 1.0, A, lda, B, ldb, 1.0, C, N)

(row-major, beta = 1: C already holds zeros or the bias). The callee is an
external symbol the runtime binds to NumPy's OpenBLAS (`cblas_?gemm` with 64-bit
integers, `graphlet.runtime.tensors.bind_blas`).

Why, and when (measured here: 2-core AMD EPYC, one thread, f32, per call
including the Python call; numbers in `docs/tensor-lowering.md`):

    rows x in x out     generated loops (LLVM -O3, host CPU)   OpenBLAS (this pass)
    64 x 784 x 256      1874 us  (13.7 GFLOP/s)                699 us  (36.8 GFLOP/s)
    256 x 256 x 256     3034 us  (11.1 GFLOP/s)               1044 us  (32.1 GFLOP/s)
    16 x 784 x 256       503 us                                368 us
    4 x 784 x 256        191 us                                208 us
    1 x 784 x 256         56 us                                211 us

From 8 rows up OpenBLAS's packed, register-blocked kernels win by 1.4-3x: the
loops are vectorised (GEP addressing, noalias, reassoc) but not tiled for the
caches. Below 8 rows the GEMM's packing overhead dominates and the loops (a
vectorised dot product per output) win, by 4x at batch 1, so those stay loops.
Untagged contractions (batched matmul, 1-d operands) stay loops too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from graphlet import abi
from graphlet.lowering.graphlet_to_linalg.linear import GEMM_NN, GEMM_NT
from graphlet.lowering.llvm_lowering_utils import enclosing_module

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
BLAS_MIN_ROWS = 8
"""GEMMs with fewer rows (M) stay loops: faster there, see above."""
GEMM_SYMBOLS = {Float32Type(): abi.GEMM_SYMBOLS[32], Float64Type(): abi.GEMM_SYMBOLS[64]}
"""The external symbols the runtime binds, by element type."""


def _declare(
    op: Operation,
    rewriter: PatternRewriter,
    name: str,
    element,
    a: MemRefType,
    b: MemRefType,
    c: MemRefType,
) -> None:
    module = enclosing_module(op)
    if any(o.properties.get("sym_name") == StringAttr(name) for o in module.body.block.ops):
        return
    inputs = [
        i32,
        i32,
        i32,
        i64,
        i64,
        i64,
        element,
        MemRefType(element, [math.prod(a.get_shape())]),
        i64,
        MemRefType(element, [math.prod(b.get_shape())]),
        i64,
        element,
        MemRefType(element, [math.prod(c.get_shape())]),
        i64,
    ]
    decl = func.FuncOp.external(name, inputs, [])
    rewriter.insert(decl, InsertPoint.at_start(module.body.block))


class GemmToBlasCall(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: linalg.GenericOp, rewriter: PatternRewriter) -> None:
        kind = op.library_call.data if op.library_call is not None else None
        if kind not in (GEMM_NN, GEMM_NT) or not all(
            isinstance(v.type, MemRefType) for v in op.operands
        ):
            return
        a, b, c = op.operands
        element = c.type.get_element_type()
        if element not in GEMM_SYMBOLS:
            return
        a_shape, b_shape = a.type.get_shape(), b.type.get_shape()
        k = a_shape[-1]
        m = math.prod(a_shape[:-1])
        n = b_shape[0] if kind == GEMM_NT else b_shape[1]
        if m < BLAS_MIN_ROWS or 0 in (n, k):
            return
        name = GEMM_SYMBOLS[element]
        _declare(op, rewriter, name, element, a.type, b.type, c.type)
        ints = (
            (ROW_MAJOR, i32),
            (NO_TRANS, i32),
            (TRANS if kind == GEMM_NT else NO_TRANS, i32),
            (m, i64),
            (n, i64),
            (k, i64),
        )
        consts: list[Operation] = [arith.ConstantOp(IntegerAttr(v, t)) for v, t in ints]
        one = arith.ConstantOp(FloatAttr(1.0, element))
        lda, ldb, ldc = (arith.ConstantOp(IntegerAttr(v, i64)) for v in (k, b_shape[1], n))
        flat = [_flatten(v) for v in (a, b, c)]
        args: list[SSAValue] = [
            *(x.result for x in consts),
            one.result,
            flat[0].results[0],
            lda.result,
            flat[1].results[0],
            ldb.result,
            one.result,
            flat[2].results[0],
            ldc.result,
        ]
        call = func.CallOp(name, args, [])
        rewriter.replace(op, [*consts, one, lda, ldb, ldc, *flat, call])


def _flatten(value: SSAValue) -> Operation:
    """A 1-d view: the call's declaration has one type per symbol."""
    size = math.prod(value.type.get_shape())
    t = MemRefType(value.type.get_element_type(), [size])
    return memref.ReinterpretCastOp(value, [], [], [], [0], [size], [1], t)


@dataclass(frozen=True)
class ConvertLinalgToBlasPass(ModulePass):
    name = "convert-linalg-to-blas"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GemmToBlasCall(), apply_recursively=False).rewrite_module(op)
