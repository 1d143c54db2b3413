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


def binary(op: type[g.BinaryOp], imp: FxImporter, a: Any, b: Any) -> SSAValue:
    a, b = imp.promote(a, b)
    return imp.emit(op(a, b))


def unary(op: type[g.UnaryOp], imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(op(tensor(x)))


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
