"""convolution -> the framed input, then im2col + one GEMM per (batch, group), or loops.

Every convolution is a grouped plain one over its framed input (`g.ConvGeometry`: the
padding, and for a transposed convolution the input spread by its stride and the
weights flipped). The input is framed by a zero fill and a copy into its place (none
when there is nothing to add), then:

* where `convert-linalg-to-blas` will call BLAS (f32/f64, at least `BLAS_MIN_ROWS`
  output channels per group, and one GEMM in all or `BATCH_MIN_COLUMNS` output
  positions): im2col, `cols[n, g, c, j..., p...] = framed[n, g, c, offset + p * step +
  j * dilation]` (skipped for a 1x1 kernel reading the input as it is), and a
  GEMM-tagged contraction `out[n, g] += w[g] @ cols[n, g]`;
* an ungrouped one with few output positions per image (a weight gradient's 3 x 3)
  and a batch: im2col with the batch in the columns, `cols[c, j..., n, p...]`, one
  GEMM `out[m, n, p] += w @ cols` and its transpose to (N, 1, M, P);
* otherwise (depthwise, few channels, ints) a direct loop nest (n, g, o, c, j..., p...):
  the innermost loops walk a row of the output, which LLVM vectorises.

The output starts as the broadcast bias, or zeros."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from xdsl.dialects import tensor
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.ir.affine import AffineExpr
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.graphlet_to_linalg.common import (
    PARALLEL,
    REDUCTION,
    copy,
    fill,
    generic,
    indexing_map,
    tensor_result,
)
from graphlet.lowering.graphlet_to_linalg.linear import (
    BATCH_GEMM_NN,
    BATCH_MIN_COLUMNS,
    BLAS_MIN_ROWS,
    GEMM_NN,
    contraction,
)


class _Builder:
    """Collects the ops replacing one convolution."""

    def __init__(self, elem: Attribute) -> None:
        self.ops: list[Operation] = []
        self.elem = elem

    def add(self, op: Operation) -> SSAValue:
        self.ops.append(op)
        return op.results[0]

    def add_all(self, ops: Sequence[Operation]) -> SSAValue:
        self.ops.extend(ops)
        return ops[-1].results[0]

    def reshape(self, value: SSAValue, shape: Sequence[int]) -> SSAValue:
        if g.shape_of(value.type) == tuple(shape):
            return value
        return self.add(g.ReshapeOp(value, tuple(shape)))

    def type(self, shape: Sequence[int]) -> TensorType:
        return TensorType(self.elem, list(shape))


def _framed(b: _Builder, x: SSAValue, geo: g.ConvGeometry) -> SSAValue:
    """The input in its zero frame, (N, G, C/G, framed...)."""
    if all(f.is_identity for f in geo.frames):
        framed = x
    else:
        shape = (geo.batch, geo.groups * geo.in_per_group, *geo.framed)
        zeros = b.add_all(fill(b.type(shape), 0))
        rank = len(shape)
        out: list[AffineExpr | int] = [0, 1]
        for i, f in enumerate(geo.frames):
            place = AffineExpr.dimension(2 + i) * f.spread + f.lead
            # `% size` keeps a plain dim from claiming the whole (larger) destination dim.
            out.append(place if (f.spread, f.lead) != (1, 0) else place % f.size)
        framed = b.add(copy([x], zeros, [indexing_map(rank, range(rank)), indexing_map(rank, out)]))
    return b.reshape(framed, (geo.batch, geo.groups, geo.in_per_group, *geo.framed))


def _weights(b: _Builder, w: SSAValue, geo: g.ConvGeometry) -> SSAValue:
    """The plain convolution's weights, (G, O/G, C/G, k...)."""
    shape = (geo.groups, geo.out_per_group, geo.in_per_group, *geo.kernel)
    if not geo.transposed:
        return b.reshape(w, shape)
    grouped = b.reshape(w, (geo.groups, geo.in_per_group, geo.out_per_group, *geo.kernel))
    rank = len(shape)
    flipped = [
        AffineExpr.constant(k - 1) - AffineExpr.dimension(3 + i) for i, k in enumerate(geo.kernel)
    ]
    empty = b.add(tensor.EmptyOp([], b.type(shape)))
    read = indexing_map(rank, [0, 2, 1, *flipped])
    return b.add(copy([grouped], empty, [read, indexing_map(rank, range(rank))]))


def _init(b: _Builder, bias: SSAValue | None, shape: Sequence[int]) -> SSAValue:
    """(N, G, O/G, ...) of the bias broadcast, or zeros."""
    if bias is None:
        return b.add_all(fill(b.type(shape), 0))
    grouped = b.reshape(bias, shape[1:3])
    empty = b.add(tensor.EmptyOp([], b.type(shape)))
    rank = len(shape)
    return b.add(
        copy([grouped], empty, [indexing_map(rank, [1, 2]), indexing_map(rank, range(rank))])
    )


def _window(geo: g.ConvGeometry, j0: int, p0: int) -> list[AffineExpr]:
    """`offset + p * step + j * dilation` per spatial dim, j and p from dims j0.., p0..."""
    return [
        AffineExpr.dimension(p0 + i) * f.step + AffineExpr.dimension(j0 + i) * f.dilation + f.offset
        for i, f in enumerate(geo.frames)
    ]


COLUMNS_MIN = 16
"""The fewest batch x output positions for which an ungrouped convolution with few
output positions is one GEMM over the whole batch (`_batch_columns_gemm`)."""


def batch_in_columns(geo: g.ConvGeometry) -> bool:
    """Whether an ungrouped convolution's few output positions per image (fewer than a
    batched GEMM's `BATCH_MIN_COLUMNS`) are better one GEMM with the batch in its
    columns: a weight gradient (AOTAutograd's convolution of the input by the output
    gradient, 3 x 3 positions and a K of batch x image) is otherwise a loop nest."""
    p = math.prod(geo.out)
    return (
        geo.groups == 1 and geo.batch > 1 and p < BATCH_MIN_COLUMNS and geo.batch * p >= COLUMNS_MIN
    )


def takes_blas(geo: g.ConvGeometry, elem: Attribute) -> bool:
    """Whether `convert-linalg-to-blas` will call BLAS for the contraction."""
    gemms = geo.batch * geo.groups
    k = geo.in_per_group * math.prod(geo.kernel)
    return (
        elem in g.FLOAT_ELEMENT_TYPES
        and geo.out_per_group >= BLAS_MIN_ROWS
        and gemms >= 1
        and k >= 1
        and (gemms == 1 or math.prod(geo.out) >= BATCH_MIN_COLUMNS or batch_in_columns(geo))
    )


def _direct(
    b: _Builder, framed: SSAValue, weights: SSAValue, init: SSAValue, geo: g.ConvGeometry
) -> SSAValue:
    """Domain (n, g, o, c, j..., p...)."""
    s = len(geo.frames)
    rank = 4 + 2 * s
    j0, p0 = 4, 4 + s
    maps = [
        indexing_map(rank, [0, 1, 3, *_window(geo, j0, p0)]),
        indexing_map(rank, [1, 2, 3, *range(j0, j0 + s)]),
        indexing_map(rank, [0, 1, 2, *range(p0, p0 + s)]),
    ]
    iterators = [PARALLEL] * 3 + [REDUCTION] * (1 + s) + [PARALLEL] * s
    return b.add(generic([framed, weights], init, maps, iterators, contraction(None)))


def _im2col_gemm(
    b: _Builder, framed: SSAValue, weights: SSAValue, init: SSAValue, geo: g.ConvGeometry
) -> SSAValue:
    """cols (N, G, K, P) with K = C/G * prod(k) and P = prod(out), then w[g] @ cols[n, g]."""
    s = len(geo.frames)
    n, groups, m = geo.batch, geo.groups, geo.out_per_group
    k, p = geo.in_per_group * math.prod(geo.kernel), math.prod(geo.out)
    reads_input = all(f.kernel == 1 and f.step == 1 and f.offset == 0 for f in geo.frames) and (
        geo.framed == geo.out
    )
    if reads_input:
        cols = framed
    else:
        shape = (n, groups, geo.in_per_group, *geo.kernel, *geo.out)
        rank = len(shape)
        empty = b.add(tensor.EmptyOp([], b.type(shape)))
        read = indexing_map(rank, [0, 1, 2, *_window(geo, 3, 3 + s)])
        cols = b.add(copy([framed], empty, [read, indexing_map(rank, range(rank))]))
    if n * groups == 1:
        a_, b_, c_ = (
            b.reshape(weights, (m, k)),
            b.reshape(cols, (k, p)),
            b.reshape(init, (m, p)),
        )
        maps = [indexing_map(3, [0, 1]), indexing_map(3, [1, 2]), indexing_map(3, [0, 2])]
        iterators, tag = [PARALLEL, REDUCTION, PARALLEL], GEMM_NN
    else:
        a_, b_, c_ = (
            b.reshape(weights, (groups, m, k)),
            b.reshape(cols, (n, groups, k, p)),
            b.reshape(init, (n, groups, m, p)),
        )
        maps = [
            indexing_map(5, [1, 2, 3]),
            indexing_map(5, [0, 1, 3, 4]),
            indexing_map(5, [0, 1, 2, 4]),
        ]
        iterators, tag = [PARALLEL] * 3 + [REDUCTION, PARALLEL], BATCH_GEMM_NN
    return b.add(generic([a_, b_], c_, maps, iterators, contraction(None), tag))


def _batch_columns_gemm(
    b: _Builder, framed: SSAValue, weights: SSAValue, bias: SSAValue | None, geo: g.ConvGeometry
) -> SSAValue:
    """cols (K, N, P) with K = C * prod(k), then one GEMM w @ cols of N * P columns into
    (M, N, P), read back as (N, 1, M, P)."""
    s = len(geo.frames)
    n, m = geo.batch, geo.out_per_group
    k, p = geo.in_per_group * math.prod(geo.kernel), math.prod(geo.out)
    shape = (geo.in_per_group, *geo.kernel, n, *geo.out)
    rank = len(shape)
    empty = b.add(tensor.EmptyOp([], b.type(shape)))
    read = indexing_map(rank, [s + 1, AffineExpr.constant(0), 0, *_window(geo, 1, s + 2)])
    cols = b.add(copy([framed], empty, [read, indexing_map(rank, range(rank))]))
    if bias is None:
        init = b.add_all(fill(b.type((m, n * p)), 0))
    else:
        target = b.add(tensor.EmptyOp([], b.type((m, n * p))))
        flat_bias = b.reshape(bias, (m,))
        init = b.add(copy([flat_bias], target, [indexing_map(2, [0]), indexing_map(2, [0, 1])]))
    maps = [indexing_map(3, [0, 1]), indexing_map(3, [1, 2]), indexing_map(3, [0, 2])]
    product = b.add(
        generic(
            [b.reshape(weights, (m, k)), b.reshape(cols, (k, n * p))],
            init,
            maps,
            [PARALLEL, REDUCTION, PARALLEL],
            contraction(None),
            GEMM_NN,
        )
    )
    by_image = b.reshape(product, (m, n, p))
    out = b.add(tensor.EmptyOp([], b.type((n, 1, m, p))))
    return b.add(copy([by_image], out, [indexing_map(4, [2, 0, 3]), indexing_map(4, range(4))]))


def _plain(
    b: _Builder, x: SSAValue, weights: SSAValue, bias: SSAValue | None, geo: g.ConvGeometry
) -> SSAValue:
    """The convolution of `x` by the plain weights (G, O/G, C/G, k...), as
    `geo.result_shape`: im2col and BLAS where it takes it, else the loop nest."""
    framed = _framed(b, x, geo)
    shape: tuple[int, ...]
    if takes_blas(geo, b.elem) and batch_in_columns(geo):
        out = _batch_columns_gemm(b, framed, weights, bias, geo)
    elif takes_blas(geo, b.elem):
        shape = (geo.batch, geo.groups, geo.out_per_group, math.prod(geo.out))
        out = _im2col_gemm(b, framed, weights, _init(b, bias, shape), geo)
    else:
        shape = (geo.batch, geo.groups, geo.out_per_group, *geo.out)
        out = _direct(b, framed, weights, _init(b, bias, shape), geo)
    return b.reshape(out, geo.result_shape)


def by_phases(geo: g.ConvGeometry) -> bool:
    """Whether a transposed convolution runs as one plain convolution per output phase
    (`_phases`): it has a stride, and no dilation (whose taps would not fall evenly)."""
    return (
        geo.transposed
        and any(f.spread > 1 for f in geo.frames)
        and all(f.dilation == 1 and f.step == 1 for f in geo.frames)
    )


def _phase_frames(f: g.SpatialFrame) -> list[tuple[int, int, int, g.SpatialFrame | None]]:
    """Per output phase r (outputs `o = q * spread + r`) of a transposed convolution's
    spatial dim: (r, first tap, output count, the frame of the plain convolution over the
    unspread input by taps first, first + spread, ...; None without a tap). Output o
    reads framed[offset + o + j], which holds input (offset + o + j - lead) / spread
    where that divides: the taps j = first (mod spread), inputs q + c0 + t."""
    s = f.spread
    phases: list[tuple[int, int, int, g.SpatialFrame | None]] = []
    for r in range(min(s, f.out)):
        count = (f.out - r + s - 1) // s
        first = (f.lead - f.offset - r) % s
        taps = max(0, (f.kernel - first + s - 1) // s)
        if not taps:
            phases.append((r, first, count, None))
            continue
        c0 = (f.offset + r + first - f.lead) // s
        lead = max(0, -c0)
        offset = c0 + lead
        framed = max(lead + f.size, offset + count + taps - 1)
        frame = g.SpatialFrame(f.size, lead, 1, framed, offset, 1, 1, taps, count)
        phases.append((r, first, count, frame))
    return phases


def _phases(
    b: _Builder, x: SSAValue, weights: SSAValue, bias: SSAValue | None, geo: g.ConvGeometry
) -> SSAValue:
    """A strided transposed convolution as spread**dims plain ones over the input as
    it is, one per output phase, each written into its strided positions of the result:
    the zeros a spread input holds between its elements are never multiplied (3/4 of
    the work at stride 2 in 2-d), and each phase takes BLAS on its own sizes."""
    s = len(geo.frames)
    rank = 2 + s
    dest: SSAValue = b.add(tensor.EmptyOp([], b.type(geo.result_shape)))
    for phase in itertools.product(*(_phase_frames(f) for f in geo.frames)):
        counts = [count for _, _, count, _ in phase]
        shape = (geo.batch, geo.out_channels, *counts)
        frames = [frame for _, _, _, frame in phase]
        if any(frame is None for frame in frames):
            grouped = (geo.batch, geo.groups, geo.out_per_group, *counts)
            part = b.reshape(_init(b, bias, grouped), shape)
        else:
            plain = g.ConvGeometry(
                geo.batch,
                geo.groups,
                geo.in_per_group,
                geo.out_per_group,
                False,
                tuple(f for f in frames if f is not None),
            )
            taps = plain.kernel
            sub_shape = (geo.groups, geo.out_per_group, geo.in_per_group, *taps)
            empty = b.add(tensor.EmptyOp([], b.type(sub_shape)))
            read = [
                AffineExpr.dimension(3 + i) * f.spread + first
                for i, (f, (_, first, _, _)) in enumerate(zip(geo.frames, phase))
            ]
            sub = b.add(
                copy(
                    [weights],
                    empty,
                    [
                        indexing_map(3 + s, [0, 1, 2, *read]),
                        indexing_map(3 + s, range(3 + s)),
                    ],
                )
            )
            part = _plain(b, x, sub, bias, plain)
        place: list[AffineExpr | int] = [0, 1]
        for i, (f, (r, _, count, _)) in enumerate(zip(geo.frames, phase)):
            at = AffineExpr.dimension(2 + i) * f.spread + r
            place.append(at if (f.spread, r) != (1, 0) else at % count)
        dest = b.add(
            copy([part], dest, [indexing_map(rank, range(rank)), indexing_map(rank, place)])
        )
    return dest


class ConvolutionToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.ConvolutionOp) or (result_type := tensor_result(op)) is None:
            return
        geo = op.geometry()
        b = _Builder(result_type.get_element_type())
        weights = _weights(b, op.weight, geo)
        if by_phases(geo):
            result = _phases(b, op.input, weights, op.bias, geo)
        else:
            result = _plain(b, op.input, weights, op.bias, geo)
        rewriter.replace(op, b.ops, [result])
