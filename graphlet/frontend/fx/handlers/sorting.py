"""Sorting: sort, argsort and topk, stable, with PyTorch's order (NaN above every
number), by ranking: an element's place is the count of those that go before it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import norm_dim, rank, tensor
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter

SORT_LIMIT = 1 << 22
"""The most elements the (rows, n, n) comparison table of a sort may have; a larger
sort is refused (and runs in PyTorch)."""


def _last(imp: FxImporter, x: SSAValue, d: int) -> SSAValue:
    """`x` with dim `d` moved last (and back: the permutation is its own inverse)."""
    r = rank(x)
    if d == r - 1:
        return x
    perm = list(range(r))
    perm[d], perm[-1] = perm[-1], perm[d]
    return imp.emit(g.TransposeOp(x, perm))


def _goes_first(imp: FxImporter, a: SSAValue, b: SSAValue, descending: bool) -> SSAValue:
    """Whether `a` sorts strictly before `b`: NaN is above every number, as in PyTorch."""
    before = imp.emit(g.CmpOp("gt" if descending else "lt", a, b))
    if g.element_type(a.type) not in g.FLOAT_ELEMENT_TYPES:
        return before
    nan_a, nan_b = imp.emit(g.CmpOp("ne", a, a)), imp.emit(g.CmpOp("ne", b, b))
    numbered = imp.emit(g.XorOp(nan_b if descending else nan_a, imp.constant(True, g.i1)))
    return imp.emit(g.OrOp(before, imp.emit(g.AndOp(nan_a if descending else nan_b, numbered))))


def _ties(imp: FxImporter, a: SSAValue, b: SSAValue) -> SSAValue:
    same = imp.emit(g.CmpOp("eq", a, b))
    if g.element_type(a.type) not in g.FLOAT_ELEMENT_TYPES:
        return same
    both_nan = imp.emit(g.AndOp(imp.emit(g.CmpOp("ne", a, a)), imp.emit(g.CmpOp("ne", b, b))))
    return imp.emit(g.OrOp(same, both_nan))


def sort_last(imp: FxImporter, x: SSAValue, descending: bool) -> tuple[SSAValue, SSAValue]:
    """Values and indices of a stable sort along the last dim of `x` (rank >= 1)."""
    shape = g.shape_of(x.type)
    n, lead = shape[-1], shape[:-1]
    if math.prod(shape) * n > SORT_LIMIT:
        raise NotHere(f"sort of {n} elements along a dim is too large a comparison table")
    keys = imp.cast(x, g.i64) if g.element_type(x.type) == g.i1 else x
    other = imp.emit(g.ReshapeOp(keys, (*lead, n, 1)))  # j
    this = imp.emit(g.ReshapeOp(keys, (*lead, 1, n)))  # i
    earlier = imp.constant(np.arange(n).reshape(n, 1) < np.arange(n).reshape(1, n), g.i1)
    stays_before = imp.emit(g.AndOp(_ties(imp, other, this), earlier))
    before = imp.emit(g.OrOp(_goes_first(imp, other, this, descending), stays_before))
    places = imp.emit(g.SumOp(before, (len(lead),), False))  # (*lead, n): each i's place
    slot = imp.constant(np.arange(n).reshape(n, 1), g.i64)
    here = imp.emit(g.CmpOp("eq", imp.emit(g.ReshapeOp(places, (*lead, 1, n))), slot))
    position = imp.constant(np.arange(n).reshape(1, n), g.i64)
    chosen = imp.emit(g.SelectOp(here, position, imp.constant(0, g.i64)))
    indices = imp.emit(g.SumOp(chosen, (len(lead) + 1,), False))
    return imp.emit(g.GatherOp(x, indices, len(lead))), indices


def _sort(
    imp: FxImporter, x: Any, dim: int, descending: bool, k: int | None = None
) -> tuple[SSAValue, SSAValue]:
    x = tensor(x)
    if rank(x) == 0:
        return x, imp.constant(0, g.i64)
    d = norm_dim(dim, rank(x))
    values, indices = sort_last(imp, _last(imp, x, d), descending)
    if k is not None:
        r = rank(values)
        values, indices = (
            imp.emit(g.SliceOp(v, [0] * (r - 1) + [0], [*g.shape_of(v.type)[:-1], k], [1] * r))
            for v in (values, indices)
        )
    return _last(imp, values, d), _last(imp, indices, d)


@handles("aten.sort.default", "aten.sort.stable")
def sort(
    imp: FxImporter, x: Any, dim: int = -1, descending: bool = False, *, stable: Any = None
) -> Any:
    """`torch.sort`: stably, which is also one of the orders allowed without `stable`."""
    return _sort(imp, x, dim, descending)


@handles("aten.argsort.default", "aten.argsort.stable")
def argsort(
    imp: FxImporter, x: Any, dim: int = -1, descending: bool = False, *, stable: Any = None
) -> SSAValue:
    return _sort(imp, x, dim, descending)[1]


@handles("aten.topk.default")
def topk(
    imp: FxImporter, x: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> Any:
    """The `k` largest (or smallest) along `dim`, in sorted order; among equal values
    the first in `x` comes first."""
    return _sort(imp, x, dim, largest, k)
