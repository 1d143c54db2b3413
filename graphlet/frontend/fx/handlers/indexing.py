"""Indexing by index tensors: embedding, advanced indexing, index_select, gather,
scatter of a value, scatter_add, masked_scatter.

Index tensors must be int64 (graphlet has no int32 tensors). A boolean mask index
selects a number of elements known only from the mask's values: graphlet accepts it
when the mask is a constant (it becomes the constant indices of its True elements)
and refuses it otherwise, since the result's shape would depend on the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import norm_dim, rank, tensor, unsupported
from graphlet.frontend.fx.handlers.shape import expand
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _int_index(imp: FxImporter, x: Any, what: str = "index") -> SSAValue:
    """An index tensor as the i64 that graphlet's index ops take (int32 widens exactly)."""
    x = tensor(x)
    if g.element_type(x.type) not in g.INT_ELEMENT_TYPES:
        raise NotHere(f"{what} must be an int64 or int32 tensor, got {x.type}")
    return imp.cast(x, g.i64)


@handles("aten.embedding.default")
def embedding(
    imp: FxImporter,
    weight: Any,
    indices: Any,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> SSAValue:
    """Rows of `weight`; `padding_idx` only changes the gradient, so the forward
    reads that row as any other. An index outside [0, rows) raises IndexError."""
    weight = tensor(weight)
    if rank(weight) != 2:
        raise NotHere(f"embedding weight must be 2-d, got {weight.type}")
    return imp.emit(g.IndexOp(weight, [_int_index(imp, indices, "embedding indices")], [0]))


@handles("aten.index_select.default")
def index_select(imp: FxImporter, x: Any, dim: int, index: Any) -> SSAValue:
    """`x` along `dim` at a 1-d (or 0-d) index; negatives and indices past the end
    raise as in PyTorch's CPU kernels: RuntimeError along dim 1 of a tensor of rank
    2 or more (its dim-1 kernel), IndexError otherwise."""
    x, index = tensor(x), _int_index(imp, index)
    if rank(index) > 1:
        raise NotHere(f"index_select takes a 1-d index, got {index.type}")
    if rank(index) == 0:
        index = imp.emit(g.ReshapeOp(index, (1,)))
    if rank(x) == 0:
        x = imp.emit(g.ReshapeOp(x, (1,)))
        picked = imp.emit(g.IndexOp(x, [index], [0]))
        return imp.emit(g.ReshapeOp(picked, ()))
    at = norm_dim(dim, rank(x))
    error = "RuntimeError" if at == 1 else "IndexError"
    return imp.emit(g.IndexOp(x, [index], [at], error=error))


@handles("aten.gather.default")
def gather(imp: FxImporter, x: Any, dim: int, index: Any, sparse_grad: bool = False) -> SSAValue:
    """`torch.gather`; a 0-d tensor and index are taken as vectors of one element."""
    x, index = tensor(x), _int_index(imp, index)
    at = norm_dim(dim, rank(x))
    if rank(x):
        return imp.emit(g.GatherOp(x, index, at))
    shape = g.shape_of(index.type)
    if tuple(shape) not in ((), (1,)):
        raise NotHere(f"gather from a 0-d tensor at {index.type}")
    source, indices = (imp.emit(g.ReshapeOp(v, (1,))) for v in (x, index))
    vector = imp.emit(g.GatherOp(source, indices, 0))
    return imp.emit(g.ReshapeOp(vector, shape))


def _scatter_match(
    imp: FxImporter, x: SSAValue, dim: int, index: Any, what: str
) -> tuple[SSAValue, int, tuple[int, ...]]:
    """`(named, dim, extent)`: `named[..., j, ..., k]` says whether `index[..., j, ...]`
    names position k along `dim` (shape: the index's, then x's size along dim). An
    index outside [0, size) raises RuntimeError, as in PyTorch."""
    index = _int_index(imp, index, f"{what} index")
    r = rank(x)
    if r == 0 or rank(index) != r:
        raise NotHere(f"{what} of {index.type} into {x.type}: index must have x's rank >= 1")
    at = norm_dim(dim, r)
    shape, extent = g.shape_of(x.type), tuple(g.shape_of(index.type))
    if any(extent[d] > shape[d] for d in range(r) if d != at):
        raise NotHere(f"{what}: index {index.type} is larger than {x.type} off dim {at}")
    size = shape[at]
    index = _checked(imp, index, 0, size)
    column = imp.emit(g.ReshapeOp(index, (*extent, 1)))
    named = imp.emit(g.CmpOp("eq", column, imp.constant(np.arange(size), g.i64)))
    return named, at, extent


def _onto(imp: FxImporter, x: SSAValue, per_position: SSAValue, at: int, fill: Any) -> SSAValue:
    """`per_position` (x's dims but `at`, over the index's extent, then x's size along
    `at`) moved into x's layout, padded with `fill` where the index did not reach."""
    r, shape = rank(x), g.shape_of(x.type)
    perm = [*range(at), r - 1, *range(at, r - 1)]
    moved = per_position if perm == [*range(r)] else imp.emit(g.TransposeOp(per_position, perm))
    for d in range(r):
        have = g.shape_of(moved.type)
        if d != at and have[d] < shape[d]:
            rest = [*have]
            rest[d] = shape[d] - have[d]
            block = imp.constant(np.full(rest, fill), g.element_type(moved.type))
            moved = imp.emit(g.CatOp([moved, block], d))
    return moved


@handles("aten.scatter.value")
def scatter_value(imp: FxImporter, x: Any, dim: int, index: Any, value: Any) -> SSAValue:
    """`x.scatter(dim, index, value)`: `value` at each position along `dim` some
    index names (within the index's extent in the other dims), `x` elsewhere; what
    `nll_loss_backward` (cross entropy's gradient) decomposes to. Repeated indices
    write the same value, so their order does not matter."""
    if 0 in g.shape_of(tensor(index).type):
        return tensor(x)
    x = tensor(x)
    named, at, _ = _scatter_match(imp, x, dim, index, "scatter")
    hit = _onto(imp, x, imp.emit(g.AmaxOp(named, (at,), False)), at, False)
    written: SSAValue = imp.emit(g.SelectOp(hit, imp.constant(value, g.element_type(x.type)), x))
    return written


ScatterBody = Callable[[SSAValue, SSAValue, SSAValue, int, tuple[int, ...]], SSAValue]
"""`(x, named, column, dim, extent) -> result` of a scatter of sources: `named` as
`_scatter_match` makes it, `column` the sources cut to the index's extent and shaped
`(*extent, 1)`, so they line up with `named`."""


def _scatter_sources(
    imp: FxImporter,
    x: SSAValue,
    dim: int,
    index: SSAValue,
    src: SSAValue,
    what: str,
    body: ScatterBody,
    *,
    bools_as_ints: bool,
    refuse_bools: str | None = None,
) -> SSAValue:
    """What scatter, scatter_add and scatter_reduce of a source tensor share: one dtype;
    an empty index leaves x; 0-d operands are vectors of one; bools computed as i64s
    (`bools_as_ints`) or not compiled (`refuse_bools` says why); a source as large as
    the index at least, cut to its extent."""
    elem = g.element_type(x.type)
    if g.element_type(src.type) != elem:
        raise NotHere(f"{what} of {src.type} into {x.type}: one dtype")
    if 0 in g.shape_of(index.type):
        return x
    scalars = rank(x) == 0 and rank(index) == 0 and rank(src) == 0
    if scalars:  # as vectors of one
        x, index, src = (imp.emit(g.ReshapeOp(v, (1,))) for v in (x, index, src))
        dim = 0
    if elem == g.i1 and refuse_bools is not None:
        raise NotHere(refuse_bools)
    bools = elem == g.i1 and bools_as_ints
    if bools:
        x, src = imp.cast(x, g.i64), imp.cast(src, g.i64)
    named, at, extent = _scatter_match(imp, x, dim, index, what)
    if rank(src) != len(extent) or any(e > n for e, n in zip(extent, g.shape_of(src.type))):
        raise NotHere(f"{what}: src {src.type} is smaller than the index")
    if tuple(g.shape_of(src.type)) != extent:
        src = imp.emit(g.SliceOp(src, [0] * len(extent), extent, [1] * len(extent)))
    result = body(x, named, imp.emit(g.ReshapeOp(src, (*extent, 1))), at, extent)
    if bools:
        result = imp.cast(result, g.i1)
    return imp.emit(g.ReshapeOp(result, ())) if scalars else result


@handles("aten.scatter.src")
def scatter_src(imp: FxImporter, x: Any, dim: int, index: Any, src: Any) -> SSAValue:
    """`x.scatter(dim, index, src)`: at each position along `dim` some index names, the
    source of the last index naming it (PyTorch's CPU loop writes in index order),
    x elsewhere. The last source is picked by an amax whose other terms are the
    lowest value (so -0.0, inf and NaN come through as they are)."""

    def last_source(
        x: SSAValue, named: SSAValue, column: SSAValue, at: int, extent: tuple[int, ...]
    ) -> SSAValue:
        elem = g.element_type(x.type)
        order_shape = [1] * (len(extent) + 1)
        order_shape[at] = extent[at]
        order = imp.constant(np.arange(extent[at]).reshape(order_shape), g.i64)
        position = imp.emit(g.SelectOp(named, order, imp.constant(-1, g.i64)))
        last_position = imp.emit(g.AmaxOp(position, (at,), True))
        last = imp.emit(g.AndOp(named, imp.emit(g.CmpOp("eq", position, last_position))))
        lowest = _reduction_identity("amax", elem)
        picked = imp.emit(g.SelectOp(last, column, imp.constant(lowest, elem)))
        written = _onto(imp, x, imp.emit(g.AmaxOp(picked, (at,), False)), at, lowest)
        hit = _onto(imp, x, imp.emit(g.AmaxOp(named, (at,), False)), at, False)
        result: SSAValue = imp.emit(g.SelectOp(hit, written, x))
        return result

    return _scatter_sources(
        imp, tensor(x), dim, tensor(index), tensor(src), "scatter", last_source, bools_as_ints=True
    )


@handles("aten.scatter_add.default")
def scatter_add(imp: FxImporter, x: Any, dim: int, index: Any, src: Any) -> SSAValue:
    """`x.scatter_add(dim, index, src)`: x plus, at each position along `dim`, the sum
    of `src` (cut to the index's extent) where the index names it; `gather`'s
    gradient. Float sums are added in another order than PyTorch's loop; bools add
    as or."""

    def add(
        x: SSAValue, named: SSAValue, column: SSAValue, at: int, extent: tuple[int, ...]
    ) -> SSAValue:
        elem = g.element_type(x.type)
        result: SSAValue
        if elem == g.i1:  # bools add as or
            picked = imp.emit(g.AndOp(named, column))
            added = _onto(imp, x, imp.emit(g.AmaxOp(picked, (at,), False)), at, False)
            result = imp.emit(g.OrOp(x, added))
        else:
            picked = imp.emit(g.SelectOp(named, column, imp.constant(0, elem)))
            added = _onto(imp, x, imp.emit(g.SumOp(picked, (at,), False)), at, 0)
            result = imp.emit(g.AddOp(x, added))
        return result

    return _scatter_sources(
        imp, tensor(x), dim, tensor(index), tensor(src), "scatter_add", add, bools_as_ints=False
    )


_SCATTER_REDUCTIONS: dict[str, tuple[type[g.ReduceOp], type[g.BinaryOp]]] = {
    "sum": (g.SumOp, g.AddOp),
    "mean": (g.SumOp, g.AddOp),
    "prod": (g.ProdOp, g.MulOp),
    "amax": (g.AmaxOp, g.MaxOp),
    "amin": (g.AminOp, g.MinOp),
}
"""scatter_reduce's reductions: the reduction over the sources each index names, and
how it combines with x's own element (`include_self`)."""


def _reduction_identity(reduce: str, elem: Any) -> Any:
    if reduce in ("sum", "mean"):
        return -0.0 if elem in g.FLOAT_ELEMENT_TYPES else 0
    if reduce == "prod":
        return 1
    if elem in g.FLOAT_ELEMENT_TYPES:
        return -math.inf if reduce == "amax" else math.inf
    info = np.iinfo(np.int64)
    return int(info.min) if reduce == "amax" else int(info.max)


@handles("aten.scatter_reduce.two")
def scatter_reduce(
    imp: FxImporter,
    x: Any,
    dim: int,
    index: Any,
    src: Any,
    reduce: str,
    *,
    include_self: bool = True,
) -> SSAValue:
    """`x.scatter_reduce(dim, index, src, reduce, include_self=)`: where the index names a
    position, the reduction of the sources naming it (and of x's element with
    `include_self`); x elsewhere. `mean` divides by the count (floor division for
    ints, as PyTorch does); bools reduce as 0/1 and come back as bools. Float sums and
    products are taken in another order than PyTorch's loop."""
    if reduce not in _SCATTER_REDUCTIONS:
        raise NotHere(f"scatter_reduce with reduce={reduce!r}")
    reduce_op, combine_op = _SCATTER_REDUCTIONS[reduce]

    def reduced_sources(
        x: SSAValue, named: SSAValue, column: SSAValue, at: int, extent: tuple[int, ...]
    ) -> SSAValue:
        elem = g.element_type(x.type)
        identity = _reduction_identity(reduce, elem)
        picked = imp.emit(g.SelectOp(named, column, imp.constant(identity, elem)))
        reduced = _onto(imp, x, imp.emit(reduce_op(picked, (at,), False)), at, identity)
        hit = _onto(imp, x, imp.emit(g.AmaxOp(named, (at,), False)), at, False)
        if include_self:
            reduced = imp.emit(combine_op(x, reduced))
        if reduce == "mean":
            hits = imp.emit(g.SumOp(imp.cast(named, g.i64), (at,), False))
            count = _onto(imp, x, hits, at, 0)
            if include_self:
                count = imp.emit(g.AddOp(count, imp.constant(1, g.i64)))
            count = imp.emit(g.MaxOp(count, imp.constant(1, g.i64)))
            if elem in g.FLOAT_ELEMENT_TYPES:
                reduced = imp.emit(g.TrueDivOp(reduced, imp.cast(count, elem)))
            else:
                reduced = imp.emit(g.FloorDivOp(reduced, imp.cast(count, elem)))
        result: SSAValue = imp.emit(g.SelectOp(hit, reduced, x))
        return result

    return _scatter_sources(
        imp,
        tensor(x),
        dim,
        tensor(index),
        tensor(src),
        "scatter_reduce",
        reduced_sources,
        bools_as_ints=True,
        refuse_bools="scatter_reduce mean of bool tensors" if reduce == "mean" else None,
    )


def _mask_indices(imp: FxImporter, mask: SSAValue) -> list[SSAValue]:
    """The indices of a constant boolean mask's True elements, one tensor per dim."""
    owner = mask.owner
    if rank(mask) == 0:
        raise NotHere("a 0-d boolean index is not supported")
    if not isinstance(owner, g.ConstantOp):
        raise NotHere(
            "a boolean mask index gives a result whose shape depends on the mask's values; "
            "graphlet compiles static shapes only (use torch.where, or index with a constant mask)"
        )
    return [imp.constant(n, g.i64) for n in g.array_of(owner.value).nonzero()]


@handles("aten.index.Tensor")
def index(imp: FxImporter, x: object, indices: Sequence[Any]) -> SSAValue:
    """`x[i0, None-slot, i2, ...]` (`aten.index.Tensor`): index tensors broadcast
    together, None slots keep their dimension; negatives count from the end; an index
    out of range raises IndexError."""
    x = tensor(x)
    dims: list[int] = []
    tensors: list[SSAValue] = []
    d = 0
    for item in indices:
        if item is None:
            d += 1
            continue
        item = tensor(item)
        if g.element_type(item.type) == g.i1:
            picked = _mask_indices(imp, item)
            dims += range(d, d + len(picked))
            tensors += picked
            d += len(picked)
            continue
        dims.append(d)
        tensors.append(_int_index(imp, item))
        d += 1
    if d > rank(x):
        raise NotHere(f"too many indices ({d}) for a tensor of rank {rank(x)}")
    if not tensors:
        return x
    return imp.emit(g.IndexOp(x, tensors, dims, wrap_negative=True))


def _checked(imp: FxImporter, values: SSAValue, low: int, high: int) -> SSAValue:
    """`values`, raising RuntimeError at run time unless each is in [low, high): a
    read of the constant `arange(low, high)` at `values - low`."""
    valid = imp.constant(np.arange(low, high), g.i64)
    shifted = imp.emit(g.SubOp(values, imp.constant(low, g.i64))) if low else values
    return imp.emit(g.IndexOp(valid, [shifted], [0], error="RuntimeError"))


def _piece(imp: FxImporter, x: SSAValue, start: int, end: int) -> SSAValue:
    return imp.emit(g.SliceOp(x, [start], [end], [1]))


MATCH_LIMIT = 1 << 24
"""The most elements the match tables of index_put (rows x indices [x row]) and
embedding_bag (bags x entries x row) may have; a larger one is refused (and the node
runs in PyTorch)."""

EMBEDDING_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}


@handles("aten._embedding_bag.default", "aten._embedding_bag_forward_only.default")
def embedding_bag(
    imp: FxImporter,
    weight: Any,
    indices: Any,
    offsets: Any,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Any = None,
    include_last_offset: bool = False,
    padding_idx: int = -1,
) -> tuple[Any, ...]:
    """`F.embedding_bag`: bag b reduces (sum, mean or max) the rows of `indices[j]`
    for j in `[offsets[b], offsets[b + 1])`, skipping `padding_idx`; an empty bag is 0.

    Built as a (bags, entries) membership mask over the gathered rows and one masked
    reduction over the entries. As in PyTorch, an index outside the table, offsets
    not starting at 0, decreasing or past the end raise RuntimeError at run time.
    Only the output is supported (the other three results serve the backward)."""
    weight = tensor(weight)
    indices, offsets = _int_index(imp, indices), _int_index(imp, offsets, "offsets")
    elem = g.element_type(weight.type)
    if per_sample_weights is not None or elem not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere("embedding_bag with per_sample_weights or a non-float table")
    if rank(weight) != 2 or rank(indices) != 1 or rank(offsets) != 1 or mode not in (0, 1, 2):
        raise NotHere(f"embedding_bag of {weight.type}, {indices.type}, {offsets.type}")
    n = g.shape_of(indices.type)[0]
    bags = g.shape_of(offsets.type)[0] - (1 if include_last_offset else 0)
    if bags < 1:
        raise NotHere("embedding_bag with no bags")
    if bags * n * g.shape_of(weight.type)[1] > MATCH_LIMIT:
        raise NotHere(f"embedding_bag of {bags} bags of {n} entries is too large a table")
    points = _checked(imp, offsets, 0, n + 1)
    first = _checked(imp, _piece(imp, points, 0, 1), 0, 1)
    starts = imp.emit(g.CatOp([first, _piece(imp, points, 1, bags)], 0)) if bags > 1 else first
    ends = (
        _piece(imp, points, 1, bags + 1)
        if include_last_offset
        else imp.emit(g.CatOp([_piece(imp, points, 1, bags), imp.constant([n], g.i64)], 0))
        if bags > 1
        else imp.constant([n], g.i64)
    )
    lengths = _checked(imp, imp.emit(g.SubOp(ends, starts)), 0, n + 1)
    column = (bags, 1)
    j = imp.constant(np.arange(n).reshape(1, n), g.i64)
    begin = imp.emit(g.ReshapeOp(starts, column))
    end = imp.emit(g.ReshapeOp(imp.emit(g.AddOp(starts, lengths)), column))
    mask = imp.emit(g.AndOp(imp.emit(g.CmpOp("ge", j, begin)), imp.emit(g.CmpOp("lt", j, end))))
    if padding_idx is not None and padding_idx >= 0:
        kept = imp.emit(g.CmpOp("ne", indices, imp.constant(padding_idx, g.i64)))
        mask = imp.emit(g.AndOp(mask, imp.emit(g.ReshapeOp(kept, (1, n)))))
    rows = imp.emit(g.IndexOp(weight, [indices], [0], error="RuntimeError"))
    mask3 = imp.emit(g.ReshapeOp(mask, (bags, n, 1)))
    counts = imp.emit(g.SumOp(mask, (1,), True))
    zero = imp.constant(0.0, elem)
    if EMBEDDING_BAG_MODES[mode] == "max":
        picked = imp.emit(g.SelectOp(mask3, rows, imp.constant(-np.inf, elem)))
        largest = imp.emit(g.AmaxOp(picked, (1,), False))
        empty = imp.emit(g.CmpOp("eq", counts, imp.constant(0, g.i64)))
        out = imp.emit(g.SelectOp(empty, zero, largest))
    else:
        out = imp.emit(g.SumOp(imp.emit(g.SelectOp(mask3, rows, zero)), (1,), False))
        if EMBEDDING_BAG_MODES[mode] == "mean":
            at_least_one = imp.emit(g.MaxOp(counts, imp.constant(1, g.i64)))
            out = imp.emit(g.TrueDivOp(out, imp.cast(at_least_one, elem)))
    refused = unsupported("embedding_bag's offset2bag, bag_size and max_indices (backward)")
    return (out, refused, refused, refused)


@handles("aten.index_put.default")
def index_put(
    imp: FxImporter, x: object, indices: Sequence[Any], values: object, accumulate: bool = False
) -> SSAValue:
    """`x[indices] = values` (`+=` with `accumulate`, which sums repeated indices; or
    for bools) for int64 index tensors on the leading dims; negatives count from the
    end, an index out of range raises IndexError as in PyTorch. Without `accumulate`
    the last of repeated indices wins, as PyTorch's CPU kernel writes them in order.

    Built from a (rows, indices) match table over the rows of `x` flattened past the
    indexed dims: each row takes a masked sum (or the last matching value) of the
    values, so its size bounds what is compiled (`MATCH_LIMIT`)."""
    x, values = tensor(x), tensor(values)
    elem = g.element_type(x.type)
    if g.element_type(values.type) != elem:
        raise NotHere("index_put's values must have the destination's dtype, as in PyTorch")
    if not indices or any(i is None for i in indices):
        raise NotHere("index_put with None (full-slice) indices")
    if len(indices) == 1 and g.element_type(tensor(indices[0]).type) == g.i1:
        return _masked_put(imp, x, indices[0], values, accumulate)
    index = [_int_index(imp, i) for i in indices]
    shape = g.shape_of(x.type)
    k = len(index)
    if k > len(shape):
        raise NotHere(f"index_put: {k} indices for a tensor of rank {len(shape)}")
    n, rest = math.prod(shape[:k]), shape[k:]
    row = math.prod(rest)
    table = imp.constant(np.arange(n).reshape(shape[:k]), g.i64)
    flat = imp.emit(g.IndexOp(table, index, list(range(k)), wrap_negative=True))
    at = g.shape_of(flat.type)
    m = math.prod(at)
    if m == 0:
        return x
    if n * m * (row if accumulate else 1) > MATCH_LIMIT:
        raise NotHere(f"index_put of {m} indices into {n} rows is too large a match table")
    flat = imp.emit(g.ReshapeOp(flat, (1, m)))
    rows = imp.emit(g.ReshapeOp(x, (n, row)))
    puts = imp.emit(g.ReshapeOp(imp.emit(g.ExpandOp(values, (*at, *rest))), (m, row)))
    hit = imp.emit(g.CmpOp("eq", imp.constant(np.arange(n).reshape(n, 1), g.i64), flat))
    touched = imp.emit(g.ReshapeOp(imp.emit(g.AmaxOp(hit, (1,), False)), (n, 1)))
    if accumulate:
        hit3 = imp.emit(g.ReshapeOp(hit, (n, m, 1)))
        puts3 = imp.emit(g.ReshapeOp(puts, (1, m, row)))
        if elem == g.i1:
            added = imp.emit(g.AmaxOp(imp.emit(g.AndOp(hit3, puts3)), (1,), False))
            new = imp.emit(g.OrOp(rows, added))
        else:
            picked = imp.emit(g.SelectOp(hit3, puts3, imp.constant(0, elem)))
            new = imp.emit(g.AddOp(rows, imp.emit(g.SumOp(picked, (1,), False))))
    else:
        order = imp.constant(np.arange(m).reshape(1, m), g.i64)
        picked = imp.emit(g.SelectOp(hit, order, imp.constant(0, g.i64)))
        new = imp.emit(g.IndexOp(puts, [imp.emit(g.AmaxOp(picked, (1,), False))], [0]))
    return imp.emit(g.ReshapeOp(imp.emit(g.SelectOp(touched, new, rows)), shape))


def _masked_put(
    imp: FxImporter, x: SSAValue, mask: SSAValue, values: SSAValue, accumulate: bool
) -> SSAValue:
    """`x[mask] = values` for a bool mask over the leading dims: each selected row
    takes `values` broadcast, or, when `values` has a row per selected row, the j-th
    selected row takes row j (a cumulative count of the mask); a count other than
    that raises RuntimeError at run time, as in PyTorch."""
    shape, mask_shape = g.shape_of(x.type), g.shape_of(mask.type)
    r = len(mask_shape)
    if tuple(shape[:r]) != tuple(mask_shape):
        raise NotHere(f"index_put: mask {mask.type} does not match {x.type}")
    elem, rest = g.element_type(x.type), shape[r:]
    n, row = math.prod(mask_shape), math.prod(rest)
    rows = imp.emit(g.ReshapeOp(x, (n, row)))
    selected = imp.emit(g.ReshapeOp(mask, (n,)))
    given = g.shape_of(values.type)
    split = max(len(given) - len(rest), 0)
    lead, trail = given[:split], given[split:]
    if math.prod(lead) == 1:
        one = imp.emit(g.ReshapeOp(values, trail))
        puts = imp.emit(g.ReshapeOp(imp.emit(g.ExpandOp(one, rest)), (1, row)))
    else:
        if len(lead) != 1 or lead[0] == 0:
            raise NotHere(f"index_put: values {values.type} for a mask {mask.type}")
        count = lead[0]
        total = imp.emit(g.SumOp(selected, (0,), False))
        exact = _checked(imp, imp.emit(g.SubOp(total, imp.constant(count, g.i64))), 0, 1)
        puts = _in_selection_order(
            imp, selected, imp.emit(g.ReshapeOp(values, (count, row))), exact
        )
    if accumulate:
        op = g.OrOp if elem == g.i1 else g.AddOp
        puts = imp.emit(op(rows, puts))
    touched = imp.emit(g.ReshapeOp(selected, (n, 1)))
    return imp.emit(g.ReshapeOp(imp.emit(g.SelectOp(touched, puts, rows)), shape))


def _in_selection_order(
    imp: FxImporter, selected: SSAValue, table: SSAValue, offset: SSAValue | None = None
) -> SSAValue:
    """Row j of `table` at the j-th True of the 1-d `selected` (a cumulative count;
    row 0 before the first True), its index moved by `offset` (a run-time check); too
    few rows for the Trues raises RuntimeError at run time, as PyTorch does."""
    before = imp.emit(g.SubOp(imp.emit(g.CumsumOp(selected, 0)), imp.constant(1, g.i64)))
    at = imp.emit(g.MaxOp(before, imp.constant(0, g.i64)))
    if offset is not None:
        at = imp.emit(g.AddOp(at, offset))
    return imp.emit(g.IndexOp(table, [at], [0], error="RuntimeError"))


@handles("aten.masked_scatter.default")
def masked_scatter(imp: FxImporter, x: Any, mask: Any, source: Any) -> SSAValue:
    """`x` (broadcast with `mask`) with the elements where `mask` is True replaced, in
    row-major order, by `source`'s first elements; a source with fewer elements than
    Trues raises RuntimeError at run time."""
    dst, source = tensor(x), tensor(source)
    if g.element_type(source.type) != g.element_type(dst.type):
        raise NotHere("masked_scatter's source must have the destination's dtype, as in PyTorch")
    selection = imp.cast(tensor(mask), g.i1)
    shape = g.broadcast_shapes(g.shape_of(dst.type), g.shape_of(selection.type))
    dst, selection = expand(imp, dst, *shape), expand(imp, selection, *shape)
    n, available = math.prod(shape), math.prod(g.shape_of(source.type))
    if n == 0:
        return dst
    if available == 0:
        raise NotHere("masked_scatter from an empty source")
    selected = imp.emit(g.ReshapeOp(selection, (n,)))
    table = imp.emit(g.ReshapeOp(source, (available,)))
    scattered = imp.emit(g.ReshapeOp(_in_selection_order(imp, selected, table), shape))
    return imp.emit(g.SelectOp(selection, scattered, dst))
