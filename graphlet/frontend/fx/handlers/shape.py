"""Shape and data movement: views, permutations, broadcasting, concatenation, indexing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import (
    Deferred,
    norm_dim,
    norm_dims,
    rank,
    sizes,
    tensor,
)
from graphlet.frontend.fx.registry import handles, handles_op

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def permuted(imp: FxImporter, x: SSAValue, perm: Sequence[int]) -> SSAValue:
    """`x` permuted by `perm`, a permutation of a permutation composed into one: the
    identity is `x` itself (AOTAutograd's backward spells a weight gradient
    `permute(permute(mm))`, which would otherwise be a copy of the whole gradient)."""
    inner = x.owner
    if isinstance(inner, g.TransposeOp):
        first = inner.perm.get_values()
        perm = [first[p] for p in perm]
        x = inner.input
    if list(perm) == list(range(len(perm))):
        return x
    return imp.emit(g.TransposeOp(x, list(perm)))


@handles("transpose")
def transpose(imp: FxImporter, x: Any, d0: int, d1: int) -> SSAValue:
    x = tensor(x)
    r = rank(x)
    perm = list(range(r))
    i, j = norm_dim(d0, r), norm_dim(d1, r)
    perm[i], perm[j] = perm[j], perm[i]
    return permuted(imp, x, perm)


@handles("t")
def t(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    return x if rank(x) < 2 else transpose(imp, x, 0, 1)


@handles_op(g.TransposeOp)
def permute(imp: FxImporter, x: Any, *ds: Any) -> SSAValue:
    x = tensor(x)
    if len(ds) == 1 and isinstance(ds[0], tuple | list):
        ds = tuple(ds[0])
    return permuted(imp, x, [norm_dim(d, rank(x)) for d in ds])


@handles_op(g.ReshapeOp)
def view(imp: FxImporter, x: object, *shape: Any) -> SSAValue:
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
    """The size-1 dims among `dim` (all of them when None; none when `dim=()`)."""
    x = tensor(x)
    shape = g.shape_of(x.type)
    if dim is None:
        which = tuple(range(len(shape)))
    else:
        which = norm_dims(dim, len(shape)) if dim not in ((), []) else ()
    return view(imp, x, *(n for i, n in enumerate(shape) if not (i in which and n == 1)))


@handles_op(g.ExpandOp)
def expand(imp: FxImporter, x: object, *shape: Any, implicit: bool = False) -> SSAValue:
    x = tensor(x)
    target = sizes(shape)
    src = g.shape_of(x.type)
    offset = len(target) - len(src)
    target = [src[i - offset] if s == -1 else s for i, s in enumerate(target)]
    if tuple(target) == src:
        return x
    return imp.emit(g.ExpandOp(x, target))


@handles("contiguous", "clone", "detach", "alias", "lift_fresh_copy")
def identity(imp: FxImporter, x: Any, *args: Any, **kwargs: Any) -> Any:
    if kwargs.get("memory_format") not in (None, torch.contiguous_format, torch.preserve_format):
        raise NotHere(f"memory_format={kwargs['memory_format']} is not supported")
    return x


@handles_op(g.CatOp)
def cat(imp: FxImporter, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
    """PyTorch's legacy rule: 1-D empty tensors are skipped (they still take part in
    the dtype promotion), so `cat([x, torch.tensor([])], dim=1)` is `x`."""
    xs = imp.promote(*tensors)
    kept = [x for x in xs if g.shape_of(x.type) != (0,)] or xs[:1]
    at = norm_dim(dim, rank(kept[0]))
    return kept[0] if len(kept) == 1 else imp.emit(g.CatOp(kept, at))


@handles("stack")
def stack(imp: FxImporter, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
    r = rank(tensor(tensors[0]))
    at = norm_dim(dim, r + 1)
    return cat(imp, [unsqueeze(imp, x, at) for x in tensors], at)


@handles("getitem")
def getitem(imp: FxImporter, x: Any, index: Any) -> Any:
    if isinstance(x, tuple | list | torch.Size):
        item = x[index]
        return item.build() if isinstance(item, Deferred) else item
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
            starts.append(i)
            ends.append(i + 1)
            steps.append(1)
        elif isinstance(item, slice):
            s, e, k = item.indices(n)
            if k < 1:
                raise NotHere("negative slice steps are not supported")
            e = max(e, s)
            starts.append(s)
            ends.append(e)
            steps.append(k)
            out_shape.append(len(range(s, e, k)))
        else:
            raise NotHere(f"index {item!r} is not supported (basic indexing only)")
        d += 1
    for n in shape[d:]:
        starts.append(0)
        ends.append(n)
        steps.append(1)
        out_shape.append(n)
    if (starts, ends, steps) != ([0] * len(shape), list(shape), [1] * len(shape)):
        x = imp.emit(g.SliceOp(x, starts, ends, steps))
    return view(imp, x, *out_shape)


@handles_op(g.SliceOp)
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


@handles("split_with_sizes")
def split_with_sizes(imp: FxImporter, x: Any, split_sizes: Any, dim: int = 0) -> list[SSAValue]:
    x = tensor(x)
    at = norm_dim(dim, rank(x))
    if sum(split_sizes) != g.shape_of(x.type)[at]:
        raise NotHere(f"split sizes {list(split_sizes)} do not add up to dimension {at}")
    starts = [sum(split_sizes[:i]) for i in range(len(split_sizes))]
    return [slice_(imp, x, at, s, s + n) for s, n in zip(starts, split_sizes)]


@handles("split")
def split(imp: FxImporter, x: Any, split_size: Any, dim: int = 0) -> list[SSAValue]:
    """`split(x, n)`: pieces of n (the last may be shorter); a list of sizes as given."""
    x = tensor(x)
    if isinstance(split_size, list | tuple):
        return split_with_sizes(imp, x, list(split_size), dim)
    length = g.shape_of(x.type)[norm_dim(dim, rank(x))]
    sizes = [min(split_size, length - s) for s in range(0, length, split_size)] or [0]
    return split_with_sizes(imp, x, sizes, dim)


@handles("unbind")
def unbind(imp: FxImporter, x: Any, dim: int = 0) -> list[SSAValue]:
    x = tensor(x)
    at = norm_dim(dim, rank(x))
    return [select(imp, x, at, i) for i in range(g.shape_of(x.type)[at])]


@handles("constant_pad_nd")
def constant_pad_nd(imp: FxImporter, x: object, pad: Any, value: Any = 0) -> SSAValue:
    """`F.pad(x, pad, value=)`: pairs (before, after) from the last dimension back;
    negative pads crop (a slice), positive ones concatenate constant blocks."""
    x = tensor(x)
    pad = list(pad)
    if len(pad) % 2 or len(pad) // 2 > rank(x):
        raise NotHere(f"pad {pad} does not fit a tensor of rank {rank(x)}")
    elem = g.element_type(x.type)
    for i in range(len(pad) // 2):
        d = rank(x) - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        n = g.shape_of(x.type)[d]
        if before < 0 or after < 0:
            x = slice_(imp, x, d, max(-before, 0), n - max(-after, 0))
        pieces = []
        for width in (max(before, 0), None, max(after, 0)):
            if width is None:
                pieces.append(x)
            elif width:
                shape = list(g.shape_of(x.type))
                shape[d] = width
                pieces.append(imp.constant(np.full(shape, value), elem))
        if len(pieces) > 1:
            x = imp.emit(g.CatOp(pieces, d))
    return x


@handles("roll", "aten.roll.default")  # kept: its decomposition indexes (gather)
def roll(imp: FxImporter, x: object, shifts: Any, dims: Any = ()) -> SSAValue:
    """`torch.roll`: per dimension, the last `shift` elements moved to the front."""
    x = tensor(x)
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    dims = [dims] if isinstance(dims, int) else list(dims)
    if not dims:
        shape = g.shape_of(x.type)
        flat = view(imp, x, math.prod(shape))
        return view(imp, roll(imp, flat, shifts, [0]), *shape)
    if len(shifts) != len(dims):
        raise NotHere("roll needs one shift per dimension")
    for shift, d in zip(shifts, dims):
        d = norm_dim(d, rank(x))
        n = g.shape_of(x.type)[d]
        k = shift % n if n else 0
        if k:
            x = imp.emit(g.CatOp([slice_(imp, x, d, n - k, n), slice_(imp, x, d, 0, n - k)], d))
    return x


@handles("repeat")
def repeat(imp: FxImporter, x: Any, *repeats: Any) -> SSAValue:
    """`x.repeat(r0, r1, ...)`: each dim tiled, as expand over a new leading axis per dim."""
    x = tensor(x)
    reps = sizes(repeats)
    shape = [1] * (len(reps) - rank(x)) + list(g.shape_of(x.type))
    if len(reps) < len(shape):
        raise NotHere("repeat needs at least one count per dimension")
    spread = view(imp, x, *[n for s in shape for n in (1, s)])
    target = [n for r, s in zip(reps, shape) for n in (r, s)]
    tiled = expand(imp, spread, *target)
    return view(imp, tiled, *[r * s for r, s in zip(reps, shape)])
