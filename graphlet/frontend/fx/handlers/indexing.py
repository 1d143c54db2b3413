"""Indexing by index tensors: embedding, advanced indexing, index_select, gather.

Index tensors must be int64 (graphlet has no int32 tensors). A boolean mask index
selects a number of elements known only from the mask's values: graphlet accepts it
when the mask is a constant (it becomes the constant indices of its True elements)
and refuses it otherwise, since the result's shape would depend on the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import norm_dim, rank, tensor
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _int_index(x: Any, what: str = "index") -> SSAValue:
    x = tensor(x)
    if g.element_type(x.type) != g.i64:
        raise NotHere(f"{what} must be an int64 tensor, got {x.type}")
    return x


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
    return imp.emit(g.IndexOp(weight, [_int_index(indices, "embedding indices")], [0]))


@handles("aten.index_select.default")
def index_select(imp: FxImporter, x: Any, dim: int, index: Any) -> SSAValue:
    """`x` along `dim` at a 1-d (or 0-d) index; negatives and indices past the end
    raise as in PyTorch's CPU kernels: RuntimeError along dim 1 of a tensor of rank
    2 or more (its dim-1 kernel), IndexError otherwise."""
    x, index = tensor(x), _int_index(index)
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
    x = tensor(x)
    return imp.emit(g.GatherOp(x, _int_index(index), norm_dim(dim, rank(x))))


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
def index(imp: FxImporter, x: Any, indices: Sequence[Any]) -> SSAValue:
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
        tensors.append(_int_index(item))
        d += 1
    if d > rank(x):
        raise NotHere(f"too many indices ({d}) for a tensor of rank {rank(x)}")
    if not tensors:
        return x
    return imp.emit(g.IndexOp(x, tensors, dims, wrap_negative=True))
