"""Data movement beyond views: cumulative ops, flips, diagonals, triangles,
`as_strided` and the slice/select scatters.

Where the positions moved are known from static shapes alone, the handler builds
them as constant index tensors and reads with `graphlet.index` (constant indices in
range need no run-time check), or as constant masks for `graphlet.select`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.fx
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.dtypes import element_of
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import norm_dim, norm_dims, rank, tensor
from graphlet.frontend.fx.registry import handles, handles_op

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _scan(op: type[g.ScanOp]) -> Any:
    def scan(imp: FxImporter, x: Any, dim: int, *, dtype: Any = None) -> SSAValue:
        """`torch.cumsum(x, dim, dtype=)`: x is cast to `dtype` first, as in PyTorch."""
        x = tensor(x)
        if dtype is not None:
            x = imp.cast(x, element_of(dtype))
        return imp.emit(op(x, norm_dim(dim, rank(x))))

    return scan


handles_op(g.CumsumOp)(_scan(g.CumsumOp))
handles_op(g.CumprodOp)(_scan(g.CumprodOp))


def _take(imp: FxImporter, x: SSAValue, dim: int, positions: Any) -> SSAValue:
    """`x` along `dim` at constant `positions` (all in range)."""
    return imp.emit(g.IndexOp(x, [imp.constant(np.asarray(positions), g.i64)], [dim]))


@handles("flip")
def flip(imp: FxImporter, x: object, dims: Any) -> SSAValue:
    x = tensor(x)
    for d in norm_dims(dims, rank(x)) if dims else ():
        n = g.shape_of(x.type)[d] if rank(x) else 1
        if n > 1:
            x = _take(imp, x, d, np.arange(n - 1, -1, -1))
    return x


def _diagonal_positions(rows: int, cols: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    at = np.arange(length)
    return (at, at + offset) if offset >= 0 else (at - offset, at)


@handles("diagonal")
def diagonal(imp: FxImporter, x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> SSAValue:
    """`torch.diagonal`: dims `dim1` and `dim2` dropped, the diagonal appended last."""
    x = tensor(x)
    r = rank(x)
    d1, d2 = norm_dim(dim1, r), norm_dim(dim2, r)
    if d1 == d2:
        raise NotHere("diagonal needs two different dimensions")
    shape = g.shape_of(x.type)
    order = [d for d in range(r) if d not in (d1, d2)] + [d1, d2]
    if order != list(range(r)):
        x = imp.emit(g.TransposeOp(x, order))
    rows, cols = _diagonal_positions(shape[d1], shape[d2], offset)
    indices = [imp.constant(rows, g.i64), imp.constant(cols, g.i64)]
    return imp.emit(g.IndexOp(x, indices, [r - 2, r - 1]))


def _triangle(keep_below: bool) -> Any:
    def triangle(imp: FxImporter, x: Any, diagonal: int = 0) -> SSAValue:
        """`torch.tril`/`triu` on the last two dims: the rest set to 0 (a constant mask)."""
        x = tensor(x)
        if rank(x) < 2:
            raise NotHere("tril/triu need at least 2 dimensions")
        rows, cols = g.shape_of(x.type)[-2:]
        offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
        mask = offset <= diagonal if keep_below else offset >= diagonal
        zero = imp.constant(0, g.element_type(x.type))
        return imp.emit(g.SelectOp(imp.constant(mask, g.i1), x, zero))

    return triangle


handles("tril", "aten.tril.default")(_triangle(True))  # kept whole: a constant mask
handles("triu", "aten.triu.default")(_triangle(False))


def _require_own_storage(imp: FxImporter) -> None:
    """as_strided reads the input's storage: graphlet's row-major values are that
    storage only when PyTorch recorded the input as contiguous from offset 0."""
    source = imp.node.args[0] if imp.node is not None and imp.node.args else None
    meta = source.meta.get("val") if isinstance(source, torch.fx.Node) else None
    if not isinstance(meta, torch.Tensor) or meta.storage_offset() != 0 or not meta.is_contiguous():
        raise NotHere(
            "as_strided of a tensor PyTorch does not record as contiguous from offset 0 "
            "(it would read a storage graphlet does not have)"
        )


@handles("as_strided")
def as_strided(
    imp: FxImporter, x: Any, size: Any, stride: Any, storage_offset: Any = None
) -> SSAValue:
    """`x.as_strided(size, stride, offset)` on a tensor graphlet holds row-major: the
    elements at the positions the strides give, read with constant indices. A view
    reaching outside the tensor's elements is refused (graphlet has no storage beyond)."""
    _require_own_storage(imp)
    x = tensor(x)
    size, stride = [int(n) for n in size], [int(s) for s in stride]
    offset = int(storage_offset or 0)
    if len(size) != len(stride) or any(s < 0 for s in stride):
        raise NotHere(f"as_strided with size {size} and stride {stride}")
    numel = math.prod(g.shape_of(x.type))
    grid = np.indices(size, dtype=np.int64) if size else np.zeros((0,), np.int64)
    positions = offset + sum(
        (grid[k] * s for k, s in enumerate(stride)), start=np.zeros(size, np.int64)
    )
    if positions.size and (positions.min() < 0 or positions.max() >= numel):
        raise NotHere(
            f"as_strided(size={size}, stride={stride}, offset={offset}) reads outside "
            f"the {numel} elements of {x.type}"
        )
    flat = imp.emit(g.ReshapeOp(x, (numel,))) if rank(x) != 1 else x
    return imp.emit(g.IndexOp(flat, [imp.constant(positions, g.i64)], [0]))


@handles("slice_scatter")
def slice_scatter(
    imp: FxImporter,
    x: Any,
    src: Any,
    dim: int = 0,
    start: Any = None,
    end: Any = None,
    step: int = 1,
) -> SSAValue:
    """`x` with `x[..., start:end:step] = src` along `dim` (a new tensor): with step 1
    a concatenation of x's two sides and src; otherwise src spread to x's size along
    `dim` (constant indices) and selected where the slice lies (a constant mask)."""
    x, src = tensor(x), imp.cast(tensor(src), g.element_type(tensor(x).type))
    at = norm_dim(dim, rank(x))
    n = g.shape_of(x.type)[at]
    lo, hi, step = slice(start, end, step).indices(n)
    positions = np.arange(lo, max(lo, hi), step)
    if g.shape_of(src.type)[at] != len(positions):
        raise NotHere(f"slice_scatter: src {src.type} does not fill the slice {lo}:{hi}:{step}")
    if step == 1:
        pieces = [
            piece
            for piece in (
                _slice(imp, x, at, 0, lo),
                src,
                _slice(imp, x, at, lo + len(positions), n),
            )
            if g.shape_of(piece.type)[at]
        ]
        return imp.emit(g.CatOp(pieces, at)) if len(pieces) > 1 else pieces[0]
    spread = np.zeros(n, np.int64)
    spread[positions] = np.arange(len(positions))
    shape = [1] * rank(x)
    shape[at] = n
    inside = np.zeros(n, bool)
    inside[positions] = True
    spread_src = _take(imp, src, at, spread) if len(positions) else x
    return imp.emit(g.SelectOp(imp.constant(inside.reshape(shape), g.i1), spread_src, x))


def _slice(imp: FxImporter, x: SSAValue, dim: int, lo: int, hi: int) -> SSAValue:
    shape = g.shape_of(x.type)
    starts = [0] * len(shape)
    ends = list(shape)
    starts[dim], ends[dim] = lo, hi
    return imp.emit(g.SliceOp(x, starts, ends, [1] * len(shape)))


@handles("select_scatter", "aten.select_scatter.default")  # kept whole: no index_put
def select_scatter(imp: FxImporter, x: Any, src: Any, dim: int, index: int) -> SSAValue:
    """`x` with `x.select(dim, index) = src`: a slice_scatter of src with `dim` restored."""
    x, src = tensor(x), tensor(src)
    at = norm_dim(dim, rank(x))
    n = g.shape_of(x.type)[at]
    if not -n <= index < n:
        raise NotHere(f"select_scatter: index {index} is out of range for size {n}")
    shape = list(g.shape_of(src.type))
    shape.insert(at, 1)
    i = index % n
    return slice_scatter(imp, x, imp.emit(g.ReshapeOp(src, shape)), at, i, i + 1)
