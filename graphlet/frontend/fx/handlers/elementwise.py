"""Elementwise ops: arithmetic, comparisons, math functions, selection and casts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.dtypes import element_of
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import binary, no_alpha, tensor, unary
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@handles("add")
def add(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    no_alpha(alpha)
    return binary(g.AddOp, imp, a, b)


@handles("sub")
def sub(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    no_alpha(alpha)
    return binary(g.SubOp, imp, a, b)


@handles("rsub")
def rsub(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    return sub(imp, b, a, alpha)


@handles("mul")
def mul(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    return binary(g.MulOp, imp, a, b)


@handles("div", "truediv", "true_divide")
def div(imp: FxImporter, a: Any, b: Any, rounding_mode: str | None = None) -> SSAValue:
    if rounding_mode == "floor":
        return binary(g.FloorDivOp, imp, a, b)
    if rounding_mode is not None:
        raise NotHere(f"rounding_mode={rounding_mode!r} is not supported")
    return binary(g.TrueDivOp, imp, a, b)


def _binary_handler(op: type[g.BinaryOp], *names: str) -> None:
    handles(*names)(lambda imp, a, b: binary(op, imp, a, b))


_binary_handler(g.FloorDivOp, "floor_divide", "floordiv")
_binary_handler(g.ModOp, "remainder", "mod")
_binary_handler(g.MaxOp, "maximum")
_binary_handler(g.MinOp, "minimum")
_binary_handler(g.AndOp, "bitwise_and", "and_")
_binary_handler(g.OrOp, "bitwise_or", "or_")
_binary_handler(g.XorOp, "bitwise_xor", "xor")


@handles("pow")
def pow_(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """`graphlet.pow` is torch.pow on two tensors; `int_tensor ** -n` with a Python
    int raises in torch, so it is refused here (torch.compile then runs it eagerly)."""
    if (
        isinstance(a, SSAValue)
        and type(b) is int
        and b < 0
        and g.element_type(a.type) in (g.i64, g.i1)
    ):
        raise NotHere("Integers to negative integer powers are not allowed.")
    return binary(g.PowOp, imp, a, b)


def _compare(predicate: str) -> Callable[..., SSAValue]:
    def compare(imp: FxImporter, a: Any, b: Any) -> SSAValue:
        a, b = imp.promote(a, b)
        return imp.emit(g.CmpOp(predicate, a, b))

    return compare


for _predicate in g.CMP_PREDICATES:
    handles(_predicate)(_compare(_predicate))


def _unary_handler(op: type[g.UnaryOp], *names: str) -> None:
    handles(*names)(lambda imp, x: unary(op, imp, x))


_unary_handler(g.NegOp, "neg")
_unary_handler(g.AbsOp, "abs", "absolute")
_unary_handler(g.ExpOp, "exp")
_unary_handler(g.LogOp, "log")
_unary_handler(g.SqrtOp, "sqrt")
_unary_handler(g.SinOp, "sin")
_unary_handler(g.CosOp, "cos")
_unary_handler(g.TanhOp, "tanh")
_unary_handler(g.FloorOp, "floor")
_unary_handler(g.CeilOp, "ceil")


@handles("rsqrt")
def rsqrt(imp: FxImporter, x: Any) -> SSAValue:
    root = unary(g.SqrtOp, imp, x)
    return binary(g.TrueDivOp, imp, 1.0, root)


@handles("square")
def square(imp: FxImporter, x: Any) -> SSAValue:
    return binary(g.MulOp, imp, x, x)


@handles("where")
def where(imp: FxImporter, cond: Any, a: Any, b: Any) -> SSAValue:
    cond = imp.cast(tensor(cond), g.i1)
    a, b = imp.promote(a, b)
    return imp.emit(g.SelectOp(cond, a, b))


@handles("to")
def to(imp: FxImporter, x: Any, *args: Any, **kwargs: Any) -> SSAValue:
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, torch.dtype):
            dtype = a
        elif not (
            a is None or (isinstance(a, str | torch.device) and torch.device(a).type == "cpu")
        ):
            raise NotHere(f".to({a!r}) is not supported")
    return imp.cast(tensor(x), element_of(dtype)) if dtype is not None else tensor(x)


def _caster(dtype: torch.dtype, name: str) -> None:
    handles(name)(lambda imp, x: imp.cast(tensor(x), element_of(dtype)))


_caster(torch.float32, "float")
_caster(torch.float64, "double")
_caster(torch.int64, "long")
_caster(torch.bool, "bool")


@handles("type_as")
def type_as(imp: FxImporter, x: Any, other: Any) -> SSAValue:
    return imp.cast(tensor(x), g.element_type(tensor(other).type))
