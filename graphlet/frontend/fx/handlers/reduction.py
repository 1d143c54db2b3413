"""Reductions over dimensions: sum, mean, amax, amin, max, min."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import Unsupported, binary, norm_dims, rank, tensor
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _reduce(op: type[g.ReduceOp]) -> Callable[..., SSAValue]:
    def reduce(
        imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
    ) -> SSAValue:
        if dtype is not None:
            raise NotHere("dtype= in a reduction is not supported")
        x = tensor(x)
        return imp.emit(op(x, norm_dims(dim, rank(x)), bool(keepdim)))

    return reduce


handles("sum")(_reduce(g.SumOp))
handles("mean")(_reduce(g.MeanOp))
handles("amax")(_reduce(g.AmaxOp))
handles("amin")(_reduce(g.AminOp))


def _max_or_min(reduce_op: type[g.ReduceOp], binary_op: type[g.BinaryOp]) -> Callable[..., Any]:
    """`max(x)`, `max(x, dim)` (values; the indices are refused when used) and `max(x, y)`."""

    def max_or_min(imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, SSAValue):
            return binary(binary_op, imp, x, dim)
        x = tensor(x)
        if dim is None:
            return imp.emit(reduce_op(x, norm_dims(None, rank(x)), False))
        values = imp.emit(reduce_op(x, norm_dims(dim, rank(x)), bool(keepdim)))
        return (values, Unsupported("the indices of max/min (argmax) are not supported"))

    return max_or_min


handles("max")(_max_or_min(g.AmaxOp, g.MaxOp))
handles("min")(_max_or_min(g.AminOp, g.MinOp))
