"""Reductions over dimensions: sum, prod, mean, amax, amin, max, min, argmax, argmin, any,
all, var, var_mean."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.dtypes import element_of
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import binary, norm_dims, rank, tensor
from graphlet.frontend.fx.registry import handles, handles_op

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _reduce(op: type[g.ReduceOp]) -> Callable[..., SSAValue]:
    """`op(x, dim, keepdim, dtype=)`; `dtype=` casts the input first, as PyTorch does,
    and is the result's dtype (a bool sum or product stays bool: any / all).
    `aten.sum.default(x, dtype=)` has no dim: all of them."""

    def reduce(
        imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
    ) -> SSAValue:
        x = tensor(x)
        if isinstance(dim, torch.dtype):
            dim, dtype = None, dim
        if dtype is None:
            return imp.emit(op(x, norm_dims(dim, rank(x)), bool(keepdim)))
        elem = element_of(dtype)
        x = imp.cast(x, elem)
        return imp.cast(imp.emit(op(x, norm_dims(dim, rank(x)), bool(keepdim))), elem)

    return reduce


for _op in (g.SumOp, g.ProdOp, g.MeanOp, g.AmaxOp, g.AminOp):
    handles_op(_op)(_reduce(_op))


def _any_or_all(reduce_op: type[g.ReduceOp]) -> Callable[..., SSAValue]:
    """`any`/`all` as amax/amin of the bools (as i64), compared with 0."""

    def reduce(imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False) -> SSAValue:
        x = tensor(x)
        bits = imp.cast(imp.cast(x, g.i1), g.i64)
        folded = imp.emit(reduce_op(bits, norm_dims(dim, rank(x)), bool(keepdim)))
        return imp.emit(g.CmpOp("ne", folded, imp.constant(0, g.i64)))

    return reduce


handles("any")(_any_or_all(g.AmaxOp))
handles("all")(_any_or_all(g.AminOp))


def _var_and_mean(
    imp: FxImporter, x: Any, dim: Any, unbiased: Any, keepdim: bool, correction: Any
) -> tuple[SSAValue, SSAValue]:
    """The mean of squared deviations divided by `N - correction` (default 1), and the
    mean; `unbiased=` is the older spelling of correction 1 or 0."""
    x = tensor(x)
    if g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere("var of an integer tensor")
    if isinstance(unbiased, bool):
        correction = 1 if unbiased else 0
    dims = norm_dims(dim, rank(x))
    count = math.prod(g.shape_of(x.type)[d] for d in dims)
    mean = imp.emit(g.MeanOp(x, dims, True))
    centered = imp.emit(g.SubOp(x, mean))
    total = imp.emit(g.SumOp(imp.emit(g.MulOp(centered, centered)), dims, bool(keepdim)))
    divisor = count - (1 if correction is None else correction)
    var = binary(g.TrueDivOp, imp, total, float(max(divisor, 0)))
    return var, mean if keepdim else imp.emit(g.MeanOp(x, dims, False))


@handles("var")
def var(
    imp: FxImporter,
    x: Any,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> SSAValue:
    """`aten.var.correction(x, dim, correction=, keepdim=)`."""
    return _var_and_mean(imp, x, dim, unbiased, keepdim, correction)[0]


@handles("var_mean")
def var_mean(
    imp: FxImporter,
    x: Any,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[SSAValue, SSAValue]:
    """`aten.var_mean.correction`: `(var, mean)`, as training-mode batch norm reads them."""
    return _var_and_mean(imp, x, dim, unbiased, keepdim, correction)


def _extreme_along(
    imp: FxImporter, reduce_op: type[g.ReduceOp], x: SSAValue, dim: Any, keepdim: bool
) -> tuple[SSAValue, SSAValue]:
    """`max(x, dim)` / `min(x, dim)` as PyTorch computes them: the values, and the
    index of the first extreme element along `dim` (of the first NaN, which both
    propagate). A 0-d tensor is its own extreme, at index 0."""
    r = rank(x)
    dims = norm_dims(dim, r)
    if not r:
        return x, imp.constant(0, g.i64)
    (d,) = dims
    n = g.shape_of(x.type)[d]
    if n == 0:
        raise NotHere(f"max/min of the empty dimension {d} raises in PyTorch")
    extreme = imp.emit(reduce_op(x, dims, True))
    hit = imp.emit(g.CmpOp("eq", x, extreme))
    if g.element_type(x.type) in g.FLOAT_ELEMENT_TYPES:
        hit = imp.emit(g.OrOp(hit, imp.emit(g.CmpOp("ne", x, x))))
    positions = np.arange(n).reshape([n if i == d else 1 for i in range(r)])
    candidates = imp.emit(g.SelectOp(hit, imp.constant(positions, g.i64), imp.constant(n, g.i64)))
    indices = imp.emit(g.AminOp(candidates, dims, bool(keepdim)))
    values = extreme if keepdim else imp.emit(g.ReshapeOp(extreme, g.shape_of(indices.type)))
    return values, indices


def _max_or_min(reduce_op: type[g.ReduceOp], binary_op: type[g.BinaryOp]) -> Callable[..., Any]:
    """`max(x)`, `max(x, dim)` (values and indices) and `max(x, y)`."""

    def max_or_min(imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, SSAValue):
            return binary(binary_op, imp, x, dim)
        x = tensor(x)
        if dim is None:
            return imp.emit(reduce_op(x, norm_dims(None, rank(x)), False))
        return _extreme_along(imp, reduce_op, x, dim, keepdim)

    return max_or_min


handles("max")(_max_or_min(g.AmaxOp, g.MaxOp))
handles("min")(_max_or_min(g.AminOp, g.MinOp))


def _arg_extreme(reduce_op: type[g.ReduceOp]) -> Callable[..., SSAValue]:
    """`argmax(x, dim, keepdim)`; without a dim, the index into the flattened tensor."""

    def arg_extreme(imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False) -> SSAValue:
        x = tensor(x)
        if g.element_type(x.type) == g.i1:
            raise NotHere("PyTorch has no argmax/argmin of bool tensors")
        if dim is not None:
            return _extreme_along(imp, reduce_op, x, dim, keepdim)[1]
        flat = imp.emit(g.ReshapeOp(x, (math.prod(g.shape_of(x.type)),)))
        index = _extreme_along(imp, reduce_op, flat, 0, False)[1]
        if keepdim:
            return imp.emit(g.ReshapeOp(index, (1,) * rank(x)))
        return index

    return arg_extreme


handles("argmax")(_arg_extreme(g.AmaxOp))
handles("argmin")(_arg_extreme(g.AminOp))


@handles("linalg_vector_norm")
def linalg_vector_norm(
    imp: FxImporter,
    x: Any,
    ord: Any = 2,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> SSAValue:
    """`torch.linalg.vector_norm`: `sum(|x| ** ord) ** (1 / ord)` over `dim`; ord 2 as
    `sqrt(sum(x * x))`, 1 as `sum(|x|)`, inf/-inf as max/min of `|x|`, 0 as the count
    of nonzeros."""
    x = tensor(x)
    if dtype is not None:
        x = imp.cast(x, element_of(dtype))
    if g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere("linalg.vector_norm of an int or bool tensor raises in PyTorch")
    dims, keep = norm_dims(dim, rank(x)), bool(keepdim)
    p = float(ord)
    if p in (math.inf, -math.inf):
        if any(g.shape_of(x.type)[d] == 0 for d in dims):
            raise NotHere("an inf-norm over an empty dimension raises in PyTorch")
        reduce_op = g.AmaxOp if p > 0 else g.AminOp
        return imp.emit(reduce_op(imp.emit(g.AbsOp(x)), dims, keep))
    if p == 0:
        elem = g.element_type(x.type)
        nonzero = imp.cast(imp.emit(g.CmpOp("ne", x, imp.constant(0, elem))), elem)
        return imp.emit(g.SumOp(nonzero, dims, keep))
    if p == 2:
        return imp.emit(g.SqrtOp(imp.emit(g.SumOp(imp.emit(g.MulOp(x, x)), dims, keep))))
    magnitude = imp.emit(g.AbsOp(x))
    if p == 1:
        return imp.emit(g.SumOp(magnitude, dims, keep))
    total = imp.emit(g.SumOp(binary(g.PowOp, imp, magnitude, p), dims, keep))
    return binary(g.PowOp, imp, total, 1.0 / p)
