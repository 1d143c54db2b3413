"""Pairwise distances: `aten._cdist_forward` (torch.cdist) and `aten._pdist_forward`
(torch.nn.functional.pdist), as PyTorch's CPU kernels compute them.

A p-norm of the differences along the last dim, per pair of rows: p=0 counts the
nonzero differences (`min(ceil(|d|), 1)`, NaN stays NaN), p=1 sums |d|, p=2 takes
the root of the sum of squares, p=inf the largest |d|, any other p
`(sum |d|^p)^(1/p)`. Where PyTorch's cdist takes its matrix-product route instead
(p=2 with `compute_mode` 1, or with the default mode when either side has more than
25 rows), so does this: `sqrt(max(|x|^2 + |y|^2 - 2 x.y, 0))` as `_euclidean_dist`
forms it. cdist's scalar kernel ignores a NaN difference in the inf-norm (`std::max`
keeps the running maximum); pdist's vectorised one propagates it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import rank, tensor
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter

EUCLID_ROWS = 25
"""PyTorch's cdist takes the matrix-product route past this many rows (mode 0)."""


def _float(x: Any, what: str) -> SSAValue:
    t = tensor(x)
    if g.element_type(t.type) not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere(f"{what} only supports floating-point dtypes")
    return t


def _constant_like(imp: FxImporter, shape: tuple[int, ...], elem: Any) -> SSAValue:
    return imp.constant(np.zeros(shape, dtype=g.np_dtype(elem)), elem)


def p_norm(imp: FxImporter, d: SSAValue, p: float, nan_ignoring_max: bool) -> SSAValue:
    """The p-norm of the differences `d` along their last dim, as PyTorch's distance
    kernels reduce it."""
    elem = g.element_type(d.type)
    last = [rank(d) - 1]
    a = imp.emit(g.AbsOp(d))
    if p == 0:
        one = imp.constant(1.0, elem)
        return imp.emit(g.SumOp(imp.emit(g.MinOp(imp.emit(g.CeilOp(a)), one)), last, False))
    if p == 1:
        return imp.emit(g.SumOp(a, last, False))
    if p == 2:
        return imp.emit(g.SqrtOp(imp.emit(g.SumOp(imp.emit(g.MulOp(d, d)), last, False))))
    if math.isinf(p):
        if nan_ignoring_max:
            zero = imp.constant(0.0, elem)
            a = imp.emit(g.SelectOp(imp.emit(g.CmpOp("ne", a, a)), zero, a))
        return imp.emit(g.AmaxOp(a, last, False))
    total = imp.emit(g.SumOp(imp.emit(g.PowOp(a, imp.constant(p, elem))), last, False))
    return imp.emit(g.PowOp(total, imp.constant(1.0 / p, elem)))


def _euclidean(imp: FxImporter, x1: SSAValue, x2: SSAValue) -> SSAValue:
    """PyTorch's `_euclidean_dist`: `[-2 x1, |x1|^2, 1] @ [x2, 1, |x2|^2]^T`, clamped
    at 0, square-rooted."""
    elem = g.element_type(x1.type)
    r = rank(x1)
    parts = []
    for x, first in ((x1, True), (x2, False)):
        norm = imp.emit(g.SumOp(imp.emit(g.MulOp(x, x)), [r - 1], True))
        ones = imp.constant(np.ones(g.shape_of(norm.type), dtype=g.np_dtype(elem)), elem)
        if first:
            scaled = imp.emit(g.MulOp(x, imp.constant(-2.0, elem)))
            parts.append(imp.emit(g.CatOp([scaled, norm, ones], r - 1)))
        else:
            parts.append(imp.emit(g.CatOp([x, ones, norm], r - 1)))
    perm = [*range(r - 2), r - 1, r - 2]
    product = imp.emit(g.MatmulOp(parts[0], imp.emit(g.TransposeOp(parts[1], perm))))
    return imp.emit(g.SqrtOp(imp.emit(g.MaxOp(product, imp.constant(0.0, elem)))))


@handles("aten._cdist_forward")
def cdist_forward(imp: FxImporter, x1: Any, x2: Any, p: float, compute_mode: Any) -> SSAValue:
    """PyTorch's `cdist_impl`: the batch dims broadcast, then every row of x1 against
    every row of x2."""
    x1, x2 = _float(x1, "cdist"), _float(x2, "cdist")
    elem = g.element_type(x1.type)
    if g.element_type(x2.type) != elem:
        raise NotHere("cdist of tensors of two dtypes")
    if rank(x1) < 2 or rank(x2) < 2:
        raise NotHere("cdist only supports at least 2D tensors")
    (*b1, r1, c1), (*b2, r2, c2) = g.shape_of(x1.type), g.shape_of(x2.type)
    if c1 != c2:
        raise NotHere(f"cdist of rows of {c1} and of {c2} columns")
    p = float(p)
    if p < 0 or math.isnan(p):
        raise NotHere("cdist only supports non-negative p values")
    mode = 0 if compute_mode is None else int(compute_mode)
    if mode not in (0, 1, 2):
        raise NotHere(f"cdist's compute_mode is 0, 1 or 2, not {mode}")
    try:
        batch = tuple(int(n) for n in np.broadcast_shapes(tuple(b1), tuple(b2)))
    except ValueError as e:
        raise NotHere(f"cdist's batch dims do not broadcast: {e}") from None
    out = (*batch, r1, r2)
    if 0 in out or c1 == 0:
        return _constant_like(imp, out, elem)
    if p == 2 and (mode == 1 or (mode == 0 and max(r1, r2) > EUCLID_ROWS)):
        x1 = imp.emit(g.ExpandOp(x1, (*batch, r1, c1))) if tuple(b1) != batch else x1
        x2 = imp.emit(g.ExpandOp(x2, (*batch, r2, c2))) if tuple(b2) != batch else x2
        return _euclidean(imp, x1, x2)
    rows1 = imp.emit(g.ReshapeOp(x1, (*b1, r1, 1, c1)))
    rows2 = imp.emit(g.ReshapeOp(x2, (*b2, 1, r2, c2)))
    return p_norm(imp, imp.emit(g.SubOp(rows1, rows2)), p, nan_ignoring_max=True)


@handles("aten._pdist_forward")
def pdist_forward(imp: FxImporter, x: Any, p: float = 2.0) -> SSAValue:
    """Each pair of rows i < j in row-major order: the rows read at constant indices,
    their difference's p-norm."""
    x = _float(x, "pdist")
    elem = g.element_type(x.type)
    if rank(x) != 2:
        raise NotHere(f"pdist only supports 2D tensors, got rank {rank(x)}")
    p = float(p)
    if p < 0 or math.isnan(p):
        raise NotHere("pdist only supports non-negative p values")
    n, m = g.shape_of(x.type)
    pairs = n * (n - 1) // 2
    if pairs == 0 or m == 0:
        return _constant_like(imp, (pairs,), elem)
    i, j = np.triu_indices(n, 1)
    left = imp.emit(g.IndexOp(x, [imp.constant(i, g.i64)], [0]))
    right = imp.emit(g.IndexOp(x, [imp.constant(j, g.i64)], [0]))
    return p_norm(imp, imp.emit(g.SubOp(left, right)), p, nan_ignoring_max=False)
