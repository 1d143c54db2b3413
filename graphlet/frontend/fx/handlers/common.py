"""Argument helpers shared by the handler modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def rank(v: SSAValue) -> int:
    return len(g.shape_of(v.type))


def norm_dim(d: int, rank: int) -> int:
    """`d` normalized into `[0, rank)` (a 0-d tensor takes dims -1 and 0)."""
    if not -max(rank, 1) <= d < max(rank, 1):
        raise NotHere(f"dimension {d} is out of range for rank {rank}")
    return d % max(rank, 1)


def norm_dims(ds: Any, rank: int) -> tuple[int, ...]:
    """Sorted normalized dims; None or empty means all of them. A 0-d tensor takes
    dims 0 and -1 but has none to reduce over: `()`, as `x.sum(0)` of a scalar is x."""
    if ds is None or ds == [] or ds == ():
        return tuple(range(rank))
    if isinstance(ds, int):
        ds = (ds,)
    dims = tuple(sorted(norm_dim(d, rank) for d in ds))
    return dims if rank else ()


def tensor(x: Any) -> SSAValue:
    if not isinstance(x, SSAValue):
        raise NotHere(f"expected a tensor, got {x!r}")
    return x


def sizes(args: Sequence[Any]) -> list[int]:
    """`f(x, 2, 3)` and `f(x, (2, 3))` alike."""
    if len(args) == 1 and isinstance(args[0], tuple | list | torch.Size):
        args = tuple(args[0])
    return [int(a) for a in args]


BOOL_ARITHMETIC: dict[type[g.BinaryOp], type[g.BinaryOp]] = {
    g.AddOp: g.OrOp,
    g.MulOp: g.AndOp,
    g.MaxOp: g.OrOp,
    g.MinOp: g.AndOp,
}
"""PyTorch keeps these bool: `True + True` is True, max is or, min is and (Python's
bools, and so graphlet's ops, count them as ints instead)."""


def _on_bools(op: type[g.BinaryOp | g.UnaryOp], imp: FxImporter, *xs: SSAValue) -> Any:
    """`op` and its operands for PyTorch's bool tensors, where graphlet's op has no
    i1 form: the bool form, or the bools as 0/1 where the result is a float (`/`,
    exp); PyTorch raises for the rest (`-`, neg, `//`, pow), so the node is refused."""
    if g.element_type(xs[0].type) != g.i1 or g.i1 in op.ALLOWED_TYPES:
        return op, xs
    if op in BOOL_ARITHMETIC:
        return BOOL_ARITHMETIC[op], xs
    if issubclass(op, g.TrueDivOp | g.FloatResultUnaryOp):
        return op, tuple(imp.cast(x, g.i64) for x in xs)
    raise NotHere(f"PyTorch has no {op.name.removeprefix('graphlet.')} of bool tensors")


def binary(op: type[g.BinaryOp], imp: FxImporter, a: Any, b: Any) -> SSAValue:
    op, (a, b) = _on_bools(op, imp, *imp.promote(a, b))
    return imp.emit(op(a, b))


def unary(op: type[g.UnaryOp], imp: FxImporter, x: Any) -> SSAValue:
    op, (x,) = _on_bools(op, imp, tensor(x))
    return imp.emit(op(x))


def no_alpha(alpha: Any) -> None:
    if alpha != 1:
        raise NotHere(f"alpha={alpha} is not supported")


@dataclass(frozen=True)
class Deferred:
    """A tuple element built only when a `getitem` uses it (the mean and rstd that
    `native_layer_norm` returns for backward), or refused then (`unsupported`)."""

    build: Callable[[], Any]


def unsupported(reason: str) -> Deferred:
    def refuse() -> Any:
        raise NotHere(reason)

    return Deferred(refuse)
