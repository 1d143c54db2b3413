"""index (advanced indexing, embedding, index_select) and gather -> one parallel
`linalg.generic` over the result, reading the source with `tensor.extract`.

The index tensors are inputs of the generic (through broadcasting maps); the body
turns each index into a coordinate of the source and reads it there. An index out
of range is reported through the status result (a reduction over the index
tensor, skipped for constant indices that are all in range) and read as index 0,
so the kernel never reads outside the source; the runtime then raises PyTorch's
error. The reads along the innermost whole dimension are contiguous (an embedding
copies rows), so LLVM vectorises them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import IndexType, TensorType
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineExpr
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter
from graphlet.lowering.graphlet_to_linalg.common import PARALLEL, generic, indexing_map
from graphlet.lowering.graphlet_to_linalg.status import report_if_any

Coordinates = Callable[[Emitter, Sequence[SSAValue]], list[SSAValue | None]]
"""The source coordinates of a result point from the index values read there; None
marks a dimension read at the result's own (`linalg.index`) coordinate, given by
`same_dim`."""


def wrapped(e: Emitter, index: SSAValue, size: int, wrap_negative: bool) -> SSAValue:
    """The index as a coordinate in `[0, size)`: negatives counted from the end when
    `wrap_negative`, anything out of range read as 0 (the status reports it)."""
    if wrap_negative:
        index = e.select(e.cmpi("slt", index, 0), e(arith.AddiOp(index, e.int(size))), index)
    in_range = e.cmpi("ult", index, size)
    return e(arith.IndexCastOp(e.select(in_range, index, e.int(0)), IndexType()))


def out_of_range(
    size: int, wrap_negative: bool
) -> Callable[[Emitter, Sequence[SSAValue]], SSAValue]:
    """The status test of an index into a dimension of `size`."""

    def test(e: Emitter, a: Sequence[SSAValue]) -> SSAValue:
        index = a[0]
        if wrap_negative:
            index = e.select(e.cmpi("slt", index, 0), e(arith.AddiOp(index, e.int(size))), index)
        return e.cmpi("uge", index, size)

    return test


def _all_in_range(index: SSAValue, size: int, wrap_negative: bool) -> bool:
    owner = index.owner
    if not isinstance(owner, g.ConstantOp):
        return False
    values = g.array_of(owner.value)
    low = -size if wrap_negative else 0
    return bool(((values >= low) & (values < size)).all())


def checks(
    op: Operation,
    indices: Sequence[tuple[SSAValue, int]],
    wrap_negative: bool,
    error: type[Exception],
    rewriter: PatternRewriter,
) -> list[Operation]:
    """The status checks of index tensors, each with the size of the dimension it indexes."""
    ops: list[Operation] = []
    for index, size in indices:
        if not _all_in_range(index, size, wrap_negative):
            ops += report_if_any(op, index, out_of_range(size, wrap_negative), error, rewriter)
    return ops


def gathering_generic(
    source: SSAValue,
    result_type: TensorType,
    indices: Sequence[tuple[SSAValue, list[AffineExpr | int]]],
    coordinates: Coordinates,
    same_dim: Sequence[int | None],
) -> list[Operation]:
    """`tensor.empty` and a generic over the result reading `source` at `coordinates`;
    `indices` are the index tensors with their maps over the result's dims, and
    `same_dim[d]` the result dim read for source dim d where `coordinates` gives None."""
    rank = len(g.shape_of(result_type))
    empty = tensor.EmptyOp([], result_type)
    elem = result_type.get_element_type()
    source_empty = 0 in g.shape_of(source.type)

    def body(e: Emitter, args: Sequence[SSAValue]) -> SSAValue:
        if source_empty:  # every index is out of range, and the status says so
            return e.const(0, elem)
        coords = coordinates(e, args[: len(indices)])
        points = [
            c if c is not None else e(linalg.IndexOp(same_dim[d]))  # type: ignore[arg-type]
            for d, c in enumerate(coords)
        ]
        return e(tensor.ExtractOp(source, points, elem))

    maps = [indexing_map(rank, m) for _, m in indices] + [indexing_map(rank, range(rank))]
    read = generic([v for v, _ in indices], empty.tensor, maps, [PARALLEL] * rank, body)
    return [empty, read]


class IndexToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, g.IndexOp):
            self.index(op, rewriter)
        elif isinstance(op, g.GatherOp):
            self.gather(op, rewriter)

    @staticmethod
    def index(op: g.IndexOp, rewriter: PatternRewriter) -> None:
        static = op.static_args()
        dims, wrap = static["dims"], static["wrap_negative"]
        error = g.INDEX_ERRORS[static["error"]]
        source_shape = g.shape_of(op.input.type)
        result_type = op.result.type
        assert isinstance(result_type, TensorType)
        broadcast = g.broadcast_shapes(*(g.shape_of(i.type) for i in op.indices))
        at, placed = g.advanced_index_layout(len(source_shape), dims, len(broadcast))
        maps = [_index_map(g.shape_of(i.type), broadcast, at) for i in op.indices]

        def coordinates(e: Emitter, values: Sequence[SSAValue]) -> list[SSAValue | None]:
            coords: list[SSAValue | None] = [None] * len(source_shape)
            for d, v in zip(dims, values):
                coords[d] = wrapped(e, v, source_shape[d], wrap)
            return coords

        sizes = [(i, source_shape[d]) for i, d in zip(op.indices, dims)]
        ops = checks(op, sizes, wrap, error, rewriter)
        ops += gathering_generic(
            op.input, result_type, list(zip(op.indices, maps)), coordinates, placed
        )
        rewriter.replace(op, ops, [ops[-1].results[0]])

    @staticmethod
    def gather(op: g.GatherOp, rewriter: PatternRewriter) -> None:
        dim = op.static_args()["dim"]
        result_type = op.result.type
        assert isinstance(result_type, TensorType)
        rank = len(g.shape_of(result_type))
        source_shape = g.shape_of(op.input.type)
        size = source_shape[dim] if rank else 1  # a 0-d gather takes index 0 only

        def coordinates(e: Emitter, values: Sequence[SSAValue]) -> list[SSAValue | None]:
            coords: list[SSAValue | None] = [None] * rank
            if rank:
                coords[dim] = wrapped(e, values[0], size, False)
            return coords

        error = g.TensorIndexOutOfBoundsError
        ops = checks(op, [(op.index, size)], False, error, rewriter)
        ops += gathering_generic(
            op.input,
            result_type,
            [(op.index, list(range(rank)))],
            coordinates,
            list(range(rank)),
        )
        rewriter.replace(op, ops, [ops[-1].results[0]])


def _index_map(shape: Sequence[int], broadcast: Sequence[int], at: int) -> list[AffineExpr | int]:
    """How an index tensor of `shape` is read at a result point: its dims are the
    broadcast index dims, which start at result dim `at` (a stretched 1 reads 0)."""
    offset = at + len(broadcast) - len(shape)
    return [
        AffineExpr.constant(0) if n == 1 and broadcast[offset - at + k] != 1 else offset + k
        for k, n in enumerate(shape)
    ]
