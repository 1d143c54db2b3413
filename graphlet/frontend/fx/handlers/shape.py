"""Shape and data movement: views, permutations, broadcasting, concatenation, indexing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import (
    Unsupported,
    norm_dim,
    norm_dims,
    rank,
    sizes,
    tensor,
)
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@handles("transpose")
def transpose(imp: FxImporter, x: Any, d0: int, d1: int) -> SSAValue:
    x = tensor(x)
    r = rank(x)
    perm = list(range(r))
    i, j = norm_dim(d0, r), norm_dim(d1, r)
    perm[i], perm[j] = perm[j], perm[i]
    return imp.emit(g.TransposeOp(x, perm))


@handles("t")
def t(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    return x if rank(x) < 2 else transpose(imp, x, 0, 1)


@handles("permute")
def permute(imp: FxImporter, x: Any, *ds: Any) -> SSAValue:
    x = tensor(x)
    if len(ds) == 1 and isinstance(ds[0], tuple | list):
        ds = tuple(ds[0])
    return imp.emit(g.TransposeOp(x, [norm_dim(d, rank(x)) for d in ds]))


@handles("view", "reshape", "aten._unsafe_view")
def view(imp: FxImporter, x: Any, *shape: Any) -> SSAValue:
    x = tensor(x)
    target = sizes(shape)
    total = math.prod(g.shape_of(x.type))
    if target.count(-1) == 1:
        known = math.prod(s for s in target if s != -1)
        target[target.index(-1)] = total // known if known else 0
    if tuple(target) == g.shape_of(x.type):
        return x
    return imp.emit(g.ReshapeOp(x, target))


@handles("flatten")
def flatten(imp: FxImporter, x: Any, start_dim: int = 0, end_dim: int = -1) -> SSAValue:
    x = tensor(x)
    shape = g.shape_of(x.type)
    if not shape:
        return view(imp, x, 1)
    s, e = norm_dim(start_dim, len(shape)), norm_dim(end_dim, len(shape))
    return view(imp, x, *shape[:s], math.prod(shape[s : e + 1]), *shape[e + 1 :])


@handles("unsqueeze")
def unsqueeze(imp: FxImporter, x: Any, dim: int) -> SSAValue:
    x = tensor(x)
    shape = list(g.shape_of(x.type))
    shape.insert(norm_dim(dim, len(shape) + 1), 1)
    return view(imp, x, *shape)


@handles("squeeze")
def squeeze(imp: FxImporter, x: Any, dim: Any = None) -> SSAValue:
    x = tensor(x)
    shape = g.shape_of(x.type)
    which = norm_dims(dim, len(shape)) if dim is not None else tuple(range(len(shape)))
    return view(imp, x, *(n for i, n in enumerate(shape) if not (i in which and n == 1)))


@handles("expand")
def expand(imp: FxImporter, x: Any, *shape: Any, implicit: bool = False) -> SSAValue:
    x = tensor(x)
    target = sizes(shape)
    src = g.shape_of(x.type)
    offset = len(target) - len(src)
    target = [src[i - offset] if s == -1 else s for i, s in enumerate(target)]
    if tuple(target) == src:
        return x
    return imp.emit(g.ExpandOp(x, target))


@handles("contiguous", "clone", "detach")
def identity(imp: FxImporter, x: Any, *args: Any, **kwargs: Any) -> Any:
    if kwargs.get("memory_format") not in (None, torch.contiguous_format, torch.preserve_format):
        raise NotHere(f"memory_format={kwargs['memory_format']} is not supported")
    return x


@handles("cat", "concat", "concatenate")
def cat(imp: FxImporter, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
    xs = imp.promote(*tensors)
    return imp.emit(g.CatOp(xs, norm_dim(dim, rank(xs[0]))))


@handles("stack")
def stack(imp: FxImporter, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
    r = rank(tensor(tensors[0]))
    at = norm_dim(dim, r + 1)
    return cat(imp, [unsqueeze(imp, x, at) for x in tensors], at)


@handles("getitem")
def getitem(imp: FxImporter, x: Any, index: Any) -> Any:
    if isinstance(x, tuple | list | torch.Size):
        item = x[index]
        if isinstance(item, Unsupported):
            raise NotHere(item.reason)
        return item
    return index_basic(imp, tensor(x), index)


def index_basic(imp: FxImporter, x: SSAValue, index: Any) -> SSAValue:
    """Basic indexing: ints, slices with static bounds, None and one Ellipsis."""
    items = list(index) if isinstance(index, tuple) else [index]
    shape = g.shape_of(x.type)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = len(shape) - (len(items) - 1 - items.count(None))
        items[at : at + 1] = [slice(None)] * fill
    starts, ends, steps, out_shape = [], [], [], []
    d = 0
    for item in items:
        if item is None:
            out_shape.append(1)
            continue
        if d >= len(shape):
            raise NotHere(f"too many indices for a tensor of rank {len(shape)}")
        n = shape[d]
        if isinstance(item, int) and not isinstance(item, bool):
            i = norm_dim(item, n) if n else 0
            starts.append(i), ends.append(i + 1), steps.append(1)
        elif isinstance(item, slice):
            s, e, k = item.indices(n)
            if k < 1:
                raise NotHere("negative slice steps are not supported")
            e = max(e, s)
            starts.append(s), ends.append(e), steps.append(k)
            out_shape.append(len(range(s, e, k)))
        else:
            raise NotHere(f"index {item!r} is not supported (basic indexing only)")
        d += 1
    for n in shape[d:]:
        starts.append(0), ends.append(n), steps.append(1)
        out_shape.append(n)
    if (starts, ends, steps) != ([0] * len(shape), list(shape), [1] * len(shape)):
        x = imp.emit(g.SliceOp(x, starts, ends, steps))
    return view(imp, x, *out_shape)


@handles("slice")
def slice_(
    imp: FxImporter, x: Any, dim: int = 0, start: Any = None, end: Any = None, step: int = 1
) -> SSAValue:
    """aten.slice.Tensor: `x[..., start:end:step]` along one dimension."""
    x = tensor(x)
    at = norm_dim(dim, rank(x))
    return index_basic(imp, x, (*[slice(None)] * at, slice(start, end, step)))


@handles("select")
def select(imp: FxImporter, x: Any, dim: int, index: int) -> SSAValue:
    """aten.select.int: `x[..., index]` along one dimension, which is dropped."""
    x = tensor(x)
    at = norm_dim(dim, rank(x))
    return index_basic(imp, x, (*[slice(None)] * at, index))
