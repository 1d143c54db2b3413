"""`convert-linalg-to-blas`: GEMM-tagged memref generics -> calls to CBLAS `?gemm`.

`convert-graphlet-to-linalg` tags each contraction that is one row-major GEMM
(`library_call = "gemm_nn"`: C += A B, `"gemm_nt"`: C += A B^T, A's leading dims
flattened into M rows; `"gemm_tn"`, `"gemm_tt"`: a 2-d A stored transposed, K x M,
which BLAS reads with its transpose flag instead of a copy) or a batch of them
(`"batch_gemm_nn"`: C[i] += A[i] B[i], batch dims broadcast); on f32/f64 memrefs this pass replaces it by

    func.call @graphlet_cblas_sgemm(101, 111|112, 111|112, M, N, K, 1.0, A, lda, B, ldb, 1.0, C, N)

(row-major, beta = 1: C already holds zeros or the bias; beta = 0 when the generic
just before only zero-fills C, and that fill goes), for a batch inside an
`scf.for` nest over the batch dims, on views at each matrix's offset (0 along a
broadcast dim). The callee is an external symbol the runtime binds to NumPy's
OpenBLAS (`cblas_?gemm` with 64-bit integers, `graphlet.runtime.tensors.bind_blas`).

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
A batch (`batch_gemm_nn`) calls BLAS per matrix from N = 128 columns (and 8
rows) up: below that the loops keep a row of C in vector registers across the
whole K loop and match BLAS (within +-25% either way for M, K in 16..128, N in
16..64), from 128 on that row spills and BLAS wins 1.3-1.9x (the measured grid
is in docs/tensor-lowering.md). Untagged contractions (1-d operands, ints) stay
loops. A tagged generic still on tensors (bufferization not run yet) is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AffineMapAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    MemRefType,
    ModuleOp,
    StridedLayoutAttr,
    StringAttr,
    TensorType,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from graphlet import abi
from graphlet.lowering.emitter import Emitter
from graphlet.lowering.graphlet_to_linalg.linear import (
    BATCH_GEMM_NN,
    BATCH_MIN_COLUMNS,
    BLAS_MIN_ROWS,
    GEMM_NN,
    GEMM_NT,
    GEMM_TN,
    GEMM_TT,
)
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import enclosing_module

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
GEMM_SYMBOLS = {Float32Type(): abi.GEMM_SYMBOLS[32], Float64Type(): abi.GEMM_SYMBOLS[64]}
"""The external symbols the runtime binds, by element type."""

INDEX = IndexType()


@dataclass(frozen=True)
class Gemm:
    """One row-major C (M x N) += A (M x K, or K x M transposed) B (K x N, or N x K
    transposed)."""

    m: int
    n: int
    k: int
    transposed_b: bool
    transposed_a: bool = False

    @property
    def sizes(self) -> tuple[int, int, int]:
        """The element counts of A, B and C."""
        return self.m * self.k, self.k * self.n, self.m * self.n


def _declare(module: ModuleOp, rewriter: PatternRewriter, name: str, element: Attribute) -> None:
    if any(o.properties.get("sym_name") == StringAttr(name) for o in module.body.block.ops):
        return
    view = _view_type(element)
    inputs = [i32, i32, i32, i64, i64, i64, element, view, i64, view, i64, element, view, i64]
    rewriter.insert(func.FuncOp.external(name, inputs, []), InsertPoint.at_start(module.body.block))


def _call(
    e: Emitter, name: str, gemm: Gemm, element: Attribute, beta: float = 1.0
) -> Callable[[SSAValue, SSAValue, SSAValue], func.CallOp]:
    """The cblas call of `gemm` (alpha = 1) as a function of the views of A, B and C;
    its constants are built by `e` now (before any batch loop)."""
    one, beta_value = e.float(1.0, element), e.float(beta, element)
    flags = (TRANS if gemm.transposed_a else NO_TRANS, TRANS if gemm.transposed_b else NO_TRANS)
    ints = [e.int(v, i32) for v in (ROW_MAJOR, *flags)]
    sizes = [e.int(v) for v in (gemm.m, gemm.n, gemm.k)]
    leading = (
        gemm.m if gemm.transposed_a else gemm.k,
        gemm.k if gemm.transposed_b else gemm.n,
        gemm.n,
    )
    lda, ldb, ldc = (e.int(v) for v in leading)

    def call(a: SSAValue, b: SSAValue, c: SSAValue) -> func.CallOp:
        return func.CallOp(name, [*ints, *sizes, one, a, lda, b, ldb, beta_value, c, ldc], [])

    return call


def _memref_types(op: Operation) -> list[MemRefType] | None:
    """The operands' memref types, or None when an operand is no memref (tensors)."""
    types = [v.type for v in op.operands]
    if not all(isinstance(t, MemRefType) for t in types):
        return None
    return [t for t in types if isinstance(t, MemRefType)]


def _memref_type(value: SSAValue) -> MemRefType:
    t = value.type
    assert isinstance(t, MemRefType), f"a BLAS operand is a memref, not {t}"
    return t


def _view(e: Emitter, value: SSAValue, size: SSAValue, offset: SSAValue) -> SSAValue:
    """`size` elements of `value` from `offset` on, as the callee's one view type."""
    element = _memref_type(value).get_element_type()
    return e(
        memref.ReinterpretCastOp.from_dynamic(value, [offset], [size], [1], _view_type(element))
    )


def _view_type(element: Attribute) -> MemRefType:
    """memref<?xf32, strided<[1], offset: ?>>: any size, any offset."""
    return MemRefType(element, [DYNAMIC_INDEX], StridedLayoutAttr([1], None))


def _strides(shape: Sequence[int]) -> list[int]:
    return [math.prod(shape[i + 1 :]) for i in range(len(shape))]


def _batch_strides(value: SSAValue, map_: AffineMapAttr, batch_rank: int) -> list[int]:
    """The element stride of `value` along each batch dim of the domain: 0 where it is
    broadcast (a constant index, or a dim it lacks)."""
    shape = _memref_type(value).get_shape()
    strides = [0] * batch_rank
    for stride, expr in zip(_strides(shape), map_.data.results[: len(shape) - 2]):
        if isinstance(expr, AffineDimExpr):
            strides[expr.position] = stride
    return strides


def _zero_fill_of(op: linalg.GenericOp) -> linalg.GenericOp | None:
    """The generic just before `op` that only fills `op`'s C with zeros, if any: then
    the call passes beta = 0 (BLAS does not read C) and the fill goes, which saves a
    pass over C (a weight gradient's 256 x 784 floats in the MLP's backward)."""
    fill = op.prev_op
    c = op.outputs[0]
    if not isinstance(fill, linalg.GenericOp) or fill.inputs or tuple(fill.outputs) != (c,):
        return None
    (out_map,) = fill.indexing_maps.data
    rank = len(_memref_type(c).get_shape())
    if out_map.data != AffineMap.identity(rank):
        return None
    body = list(fill.body.block.ops)
    if len(body) != 2 or not isinstance(body[0], arith.ConstantOp):
        return None
    value = body[0].value
    yielded = body[1].operands
    if len(yielded) != 1 or yielded[0] is not body[0].result:
        return None
    if not isinstance(value, FloatAttr) or value.value.data != 0.0:
        return None
    return fill


class GemmToBlasCall(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: linalg.GenericOp, rewriter: PatternRewriter) -> None:
        kind = op.library_call.data if op.library_call is not None else None
        types = _memref_types(op)
        if kind not in (GEMM_NN, GEMM_NT, GEMM_TN, GEMM_TT) or types is None:
            return
        a, b, c = types
        element = c.get_element_type()
        if element not in GEMM_SYMBOLS:
            return
        a_shape, b_shape = a.get_shape(), b.get_shape()
        transposed_a, transposed_b = kind in (GEMM_TN, GEMM_TT), kind in (GEMM_NT, GEMM_TT)
        gemm = Gemm(
            a_shape[1] if transposed_a else math.prod(a_shape[:-1]),
            b_shape[0] if transposed_b else b_shape[1],
            a_shape[0] if transposed_a else a_shape[-1],
            transposed_b,
            transposed_a,
        )
        if gemm.m < BLAS_MIN_ROWS or 0 in (gemm.n, gemm.k):
            return
        name = GEMM_SYMBOLS[element]
        _declare(enclosing_module(op), rewriter, name, element)
        fill = _zero_fill_of(op)
        e = Emitter(rewriter=rewriter)
        call, zero = _call(e, name, gemm, element, 0.0 if fill else 1.0), e.int(0, INDEX)
        e.op(call(*(_view(e, v, e.int(n, INDEX), zero) for v, n in zip(op.operands, gemm.sizes))))
        rewriter.erase(op)
        if fill is not None:
            rewriter.erase(fill)


class BatchGemmToBlasLoop(RewritePattern):
    """C[i] += A[i] B[i] for each batch index i (the output's leading dims)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: linalg.GenericOp, rewriter: PatternRewriter) -> None:
        if op.library_call is None or op.library_call.data != BATCH_GEMM_NN:
            return
        types = _memref_types(op)
        if types is None:
            return
        a, _, c = types
        element = c.get_element_type()
        if element not in GEMM_SYMBOLS:
            return
        a_shape, c_shape = a.get_shape(), c.get_shape()
        gemm = Gemm(a_shape[-2], c_shape[-1], a_shape[-1], False)
        batch = c_shape[:-2]
        if gemm.m < BLAS_MIN_ROWS or gemm.n < BATCH_MIN_COLUMNS or 0 in (gemm.k, *batch):
            return
        name = GEMM_SYMBOLS[element]
        _declare(enclosing_module(op), rewriter, name, element)
        strides = [_batch_strides(v, m, len(batch)) for v, m in zip(op.operands, op.indexing_maps)]
        e = Emitter(rewriter=rewriter)
        call = _call(e, name, gemm, element)
        zero, one = e.int(0, INDEX), e.int(1, INDEX)
        bounds = [e.int(size, INDEX) for size in batch]
        sizes = [e.int(size, INDEX) for size in gemm.sizes]
        scales = [[e.int(stride, INDEX) if stride else None for stride in s] for s in strides]
        body, ivs = e, []
        for bound in bounds:
            block = Block(arg_types=[INDEX])
            body.op(scf.ForOp(zero, bound, one, [], block))
            if body is not e:
                body.op(scf.YieldOp())
            body = Emitter(block=block)
            ivs.append(block.args[0])
        views = [
            _view(body, v, size, _offset(body, ivs, scale, zero))
            for v, size, scale in zip(op.operands, sizes, scales)
        ]
        body.op(call(*views))
        body.op(scf.YieldOp())
        rewriter.erase(op)


def _offset(
    e: Emitter, ivs: Sequence[SSAValue], strides: Sequence[SSAValue | None], zero: SSAValue
) -> SSAValue:
    """sum(iv * stride) over the batch dims an operand has (its position in the batch)."""
    total = zero
    for iv, stride in zip(ivs, strides):
        if stride is not None:
            scaled = e(arith.MuliOp(iv, stride))
            total = scaled if total is zero else e(arith.AddiOp(total, scaled))
    return total


def _gemm_on_tensors(op: Operation) -> bool:
    return (
        isinstance(op, linalg.GenericOp)
        and op.library_call is not None
        and op.library_call.data in (GEMM_NN, GEMM_NT, GEMM_TN, GEMM_TT, BATCH_GEMM_NN)
        and any(isinstance(v.type, TensorType) for v in op.operands)
    )


TARGET = ConversionTarget(
    "convert-linalg-to-blas",
    illegal_if=_gemm_on_tensors,
    advice=lambda op: "it works on tensors: run graphlet-bufferize first",
)
"""Only GEMMs it cannot see as buffers: the others left are convert-linalg-to-loops'."""


@dataclass(frozen=True)
class ConvertLinalgToBlasPass(ModulePass):
    name = "convert-linalg-to-blas"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([GemmToBlasCall(), BatchGemmToBlasLoop()]),
            apply_recursively=False,
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
