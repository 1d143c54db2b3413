"""Elementwise ops: arithmetic, comparisons, math functions, selection and casts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.dtypes import DTYPES, element_of
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import binary, tensor, unary
from graphlet.frontend.fx.registry import handles, handles_op, has_op_handler

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _scaled(imp: FxImporter, b: Any, alpha: Any) -> Any:
    """`alpha * b` for add/sub's `alpha=` (a Python number)."""
    if alpha == 1:
        return b
    if isinstance(b, SSAValue):
        return binary(g.MulOp, imp, b, alpha)
    return b * alpha


@handles_op(g.AddOp)
def add(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    return binary(g.AddOp, imp, a, _scaled(imp, b, alpha))


@handles_op(g.SubOp)
def sub(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    return binary(g.SubOp, imp, a, _scaled(imp, b, alpha))


@handles("rsub")
def rsub(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    return sub(imp, b, a, alpha)


@handles_op(g.TrueDivOp)
def div(imp: FxImporter, a: Any, b: Any, rounding_mode: str | None = None) -> SSAValue:
    if rounding_mode == "floor":
        return binary(g.FloorDivOp, imp, a, b)
    if rounding_mode == "trunc":
        return trunc_div(imp, a, b)
    if rounding_mode is not None:
        raise NotHere(f"rounding_mode={rounding_mode!r} is not supported")
    return binary(g.TrueDivOp, imp, a, b)


def trunc_div(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """Division rounded toward zero: floats round the true quotient, ints step the
    floor quotient back up where the signs differ and the division is not exact."""
    a, b = imp.promote(a, b)
    if g.element_type(a.type) in g.FLOAT_ELEMENT_TYPES:
        q = imp.emit(g.TrueDivOp(a, b))
        negative = imp.emit(g.CmpOp("lt", q, imp.constant(0, g.element_type(q.type))))
        return imp.emit(g.SelectOp(negative, imp.emit(g.CeilOp(q)), imp.emit(g.FloorOp(q))))
    elem = g.element_type(a.type)
    if elem == g.i1:
        raise NotHere("trunc division of bool tensors")
    zero = imp.constant(0, elem)
    floor = imp.emit(g.FloorDivOp(a, b))
    inexact = imp.emit(g.CmpOp("ne", imp.emit(g.ModOp(a, b)), zero))
    signs = imp.emit(g.XorOp(imp.emit(g.CmpOp("lt", a, zero)), imp.emit(g.CmpOp("lt", b, zero))))
    step = imp.emit(g.AndOp(inexact, signs))
    return imp.emit(g.AddOp(floor, imp.cast(step, elem)))


@handles_op(g.PowOp)
def pow_(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """`graphlet.pow` is torch.pow on two tensors; `int_tensor ** -n` with a Python
    int raises in torch, so it is refused here (torch.compile then runs it eagerly)."""
    if (
        isinstance(a, SSAValue)
        and type(b) is int
        and b < 0
        and g.element_type(a.type) in (*g.INT_ELEMENT_TYPES, g.i1)
    ):
        raise NotHere("Integers to negative integer powers are not allowed.")
    return binary(g.PowOp, imp, a, b)


@handles_op(g.Atan2Op)
def atan2(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """Int and bool operands give the default float dtype, as in PyTorch."""
    a, b = imp.promote(a, b)
    if g.element_type(a.type) not in g.FLOAT_ELEMENT_TYPES:
        elem = element_of(torch.get_default_dtype())
        a, b = imp.cast(a, elem), imp.cast(b, elem)
    return imp.emit(g.Atan2Op(a, b))


def _compare(predicate: str) -> Callable[..., SSAValue]:
    def compare(imp: FxImporter, a: Any, b: Any) -> SSAValue:
        a, b = imp.promote(a, b)
        return imp.emit(g.CmpOp(predicate, a, b))

    return compare


for _predicate in g.CMP_PREDICATES:  # graphlet.cmp's predicates are PyTorch's names
    handles(_predicate)(_compare(_predicate))


def derive_elementwise_handlers() -> None:
    """A handler for each elementwise op that declares PyTorch names and has no
    handler of its own: PyTorch's call is the op on its (promoted) operands."""
    for op in g.OPS:
        if not op.TORCH_NAMES or has_op_handler(op):
            continue
        if issubclass(op, g.BinaryOp):
            handles_op(op)(_binary_handler(op))
        elif issubclass(op, g.UnaryOp):
            handles_op(op)(_unary_handler(op))


def _binary_handler(op: type[g.BinaryOp]) -> Callable[..., SSAValue]:
    return lambda imp, a, b: binary(op, imp, a, b)


def _unary_handler(op: type[g.UnaryOp]) -> Callable[..., SSAValue]:
    return lambda imp, x: unary(op, imp, x)


@handles("bitwise_not")
def bitwise_not(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    elem = g.element_type(x.type)
    if elem not in (g.i1, *g.INT_ELEMENT_TYPES):
        raise NotHere("bitwise_not of a float tensor")
    return imp.emit(g.XorOp(x, imp.constant(True if elem == g.i1 else -1, elem)))


@handles("logical_not")
def logical_not(imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(g.XorOp(imp.cast(tensor(x), g.i1), imp.constant(True, g.i1)))


def _logical(op: type[g.BinaryOp], name: str) -> None:
    def logical(imp: FxImporter, a: Any, b: Any) -> SSAValue:
        return imp.emit(op(imp.cast(tensor(a), g.i1), imp.cast(tensor(b), g.i1)))

    handles(name)(logical)


_logical(g.AndOp, "logical_and")
_logical(g.OrOp, "logical_or")
_logical(g.XorOp, "logical_xor")


@handles("isnan")
def isnan(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    if g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        return imp.constant(np.zeros(g.shape_of(x.type), bool), g.i1)
    return imp.emit(g.CmpOp("ne", x, x))


@handles("isinf")
def isinf(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    elem = g.element_type(x.type)
    if elem not in g.FLOAT_ELEMENT_TYPES:
        return imp.constant(np.zeros(g.shape_of(x.type), bool), g.i1)
    return imp.emit(g.CmpOp("eq", imp.emit(g.AbsOp(x)), imp.constant(float("inf"), elem)))


@handles("round")
def round_(imp: FxImporter, x: Any, *, decimals: int = 0) -> SSAValue:
    """Ties to even. With `decimals`, PyTorch's kernel: `rint(x * 10^d) / 10^d`, or
    `rint(x / 10^-d) * 10^-d` for negative d, the power rounded to x's dtype. An int
    tensor comes back as a new tensor of the same values (`floor` of ints)."""
    x = tensor(x)
    if g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        if decimals:
            raise NotHere(f"round(decimals={decimals}) of an integer tensor")
        return imp.emit(g.FloorOp(x))
    if not decimals:
        return imp.emit(g.RintOp(x))
    power = float(10 ** abs(decimals))
    if decimals > 0:
        return binary(g.TrueDivOp, imp, imp.emit(g.RintOp(binary(g.MulOp, imp, x, power))), power)
    return binary(g.MulOp, imp, imp.emit(g.RintOp(binary(g.TrueDivOp, imp, x, power))), power)


@handles("trunc", "fix")
def trunc(imp: FxImporter, x: Any) -> SSAValue:
    """Toward zero; an int tensor comes back as a new tensor of the same values."""
    x = tensor(x)
    if g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        return imp.emit(g.FloorOp(x))
    return imp.emit(g.TruncOp(x))


@handles("reciprocal")
def reciprocal(imp: FxImporter, x: Any) -> SSAValue:
    return binary(g.TrueDivOp, imp, 1.0, x)


@handles("clamp", "clip")
def clamp(imp: FxImporter, x: Any, min: Any = None, max: Any = None) -> SSAValue:
    """`torch.clamp`: max(x, min) then min(.., max), NaN kept; the result type
    promotes with the bounds (an int tensor clamped to 0.5 is float)."""
    out = tensor(x)
    if min is None and max is None:
        raise NotHere("clamp without min or max")
    if min is not None:
        out = binary(g.MaxOp, imp, out, min)
    if max is not None:
        out = binary(g.MinOp, imp, out, max)
    return out


@handles("clamp_min")
def clamp_min(imp: FxImporter, x: Any, min: Any) -> SSAValue:
    return clamp(imp, x, min, None)


@handles("clamp_max")
def clamp_max(imp: FxImporter, x: Any, max: Any) -> SSAValue:
    return clamp(imp, x, None, max)


@handles("rsqrt")
def rsqrt(imp: FxImporter, x: Any) -> SSAValue:
    root = unary(g.SqrtOp, imp, x)
    return binary(g.TrueDivOp, imp, 1.0, root)


@handles("square")
def square(imp: FxImporter, x: Any) -> SSAValue:
    """`x * x`; PyTorch squares bools as int64 (it is `pow(x, 2)`)."""
    x = tensor(x)
    if g.element_type(x.type) == g.i1:
        x = imp.cast(x, g.i64)
    return binary(g.MulOp, imp, x, x)


@handles_op(g.SelectOp)
def where(imp: FxImporter, cond: Any, a: Any, b: Any) -> SSAValue:
    cond = imp.cast(tensor(cond), g.i1)
    a, b = imp.promote(a, b)
    return imp.emit(g.SelectOp(cond, a, b))


def _on_cpu(device: Any) -> bool:
    return device is None or torch.device(device).type == "cpu"


@handles("to")
def to(imp: FxImporter, x: Any, *args: Any, **kwargs: Any) -> SSAValue:
    """`x.to(dtype)`, `x.to("cpu")`, `aten.to.dtype(x, dtype, non_blocking, copy, ...)`."""
    dtype = kwargs.get("dtype")
    if not _on_cpu(kwargs.get("device")):
        raise NotHere(f"device={kwargs['device']} is not supported")
    for a in args:
        if isinstance(a, torch.dtype):
            dtype = a
        elif isinstance(a, str | torch.device):
            if not _on_cpu(a):
                raise NotHere(f".to({a!r}) is not supported")
        elif not (a is None or isinstance(a, bool | torch.memory_format)):
            raise NotHere(f".to({a!r}) is not supported")
    return imp.cast(tensor(x), element_of(dtype)) if dtype is not None else tensor(x)


@handles("aten._to_copy.default")
def to_copy(
    imp: FxImporter,
    x: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
    non_blocking: bool = False,
    memory_format: Any = None,
) -> SSAValue:
    if layout not in (None, torch.strided) or not _on_cpu(device):
        raise NotHere(f"_to_copy to layout={layout}, device={device} is not supported")
    return imp.cast(tensor(x), element_of(dtype)) if dtype is not None else tensor(x)


def _caster(dtype: torch.dtype, name: str) -> None:
    handles(name)(lambda imp, x: imp.cast(tensor(x), element_of(dtype)))


_caster(torch.float32, "float")
_caster(torch.float64, "double")
_caster(torch.int64, "long")
_caster(torch.int32, "Tensor.int")
_caster(torch.bool, "bool")


def _filled(imp: FxImporter, shape: Any, value: Any, dtype: torch.dtype) -> SSAValue:
    return imp.constant(np.full(tuple(shape), value), element_of(dtype))


@handles("full_like")
def full_like(
    imp: FxImporter, x: Any, fill_value: Any, *, dtype: Any = None, **options: Any
) -> SSAValue:
    x = tensor(x)
    dtype = dtype or DTYPES[g.element_type(x.type)]
    return _filled(imp, g.shape_of(x.type), fill_value, dtype)


@handles("zeros_like", "empty_like")
def zeros_like(imp: FxImporter, x: Any, *, dtype: Any = None, **options: Any) -> SSAValue:
    return full_like(imp, x, 0, dtype=dtype)


@handles("ones_like")
def ones_like(imp: FxImporter, x: Any, *, dtype: Any = None, **options: Any) -> SSAValue:
    return full_like(imp, x, 1, dtype=dtype)


@handles("fill")
def fill(imp: FxImporter, x: Any, value: Any) -> SSAValue:
    """`aten.fill.Scalar` / `.Tensor`: x's shape and dtype, every element `value`."""
    x = tensor(x)
    if isinstance(value, SSAValue):
        return imp.emit(g.ExpandOp(imp.cast(value, g.element_type(x.type)), g.shape_of(x.type)))
    return _filled(imp, g.shape_of(x.type), value, DTYPES[g.element_type(x.type)])


@handles("masked_fill")
def masked_fill(imp: FxImporter, x: Any, mask: Any, value: Any) -> SSAValue:
    x = tensor(x)
    elem = g.element_type(x.type)
    filler = imp.cast(value, elem) if isinstance(value, SSAValue) else imp.constant(value, elem)
    return imp.emit(g.SelectOp(imp.cast(tensor(mask), g.i1), filler, x))


@handles("copy")
def copy(imp: FxImporter, dst: object, src: object, non_blocking: bool = False) -> SSAValue:
    """`aten.copy.default`: `src` broadcast to `dst`'s shape, in `dst`'s dtype."""
    dst, src = tensor(dst), tensor(src)
    src = imp.cast(src, g.element_type(dst.type))
    if g.shape_of(src.type) != g.shape_of(dst.type):
        src = imp.emit(g.ExpandOp(src, g.shape_of(dst.type)))
    return src


@handles("type_as")
def type_as(imp: FxImporter, x: Any, other: Any) -> SSAValue:
    return imp.cast(tensor(x), g.element_type(tensor(other).type))


@handles("fmod")
def fmod(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """`torch.fmod`: C's remainder, signed like the dividend. Floats: Python's `%` of
    the magnitudes (exact: it is fmod of nonnegatives) signed like `a`, a zero result
    keeping a's zero; ints: `%` moved to a's sign (a zero divisor raises, as in PyTorch)."""
    a, b = imp.promote(a, b)
    elem = g.element_type(a.type)
    if elem == g.i1:
        raise NotHere("PyTorch has no fmod of bool tensors")
    zero = imp.constant(0, elem)
    negative = imp.emit(g.CmpOp("lt", a, zero))
    if elem in g.FLOAT_ELEMENT_TYPES:
        r = imp.emit(g.ModOp(imp.emit(g.AbsOp(a)), imp.emit(g.AbsOp(b))))
        signed = imp.emit(g.SelectOp(negative, imp.emit(g.NegOp(r)), r))
        zero_result = imp.emit(
            g.AndOp(imp.emit(g.CmpOp("eq", a, zero)), imp.emit(g.CmpOp("eq", r, zero)))
        )
        return imp.emit(g.SelectOp(zero_result, a, signed))
    r = imp.emit(g.ModOp(a, b))
    moved = imp.emit(
        g.AndOp(
            imp.emit(g.CmpOp("ne", r, zero)),
            imp.emit(g.XorOp(imp.emit(g.CmpOp("lt", r, zero)), negative)),
        )
    )
    return imp.emit(g.SelectOp(moved, imp.emit(g.SubOp(r, b)), r))


@handles("sign", "sgn")
def sign(imp: FxImporter, x: object) -> SSAValue:
    """`(x > 0) - (x < 0)` in x's dtype: NaN and -0.0 give 0; a bool is itself."""
    x = tensor(x)
    elem = g.element_type(x.type)
    if elem == g.i1:
        return x
    zero = imp.constant(0, elem)
    above = imp.cast(imp.emit(g.CmpOp("gt", x, zero)), elem)
    below = imp.cast(imp.emit(g.CmpOp("lt", x, zero)), elem)
    return imp.emit(g.SubOp(above, below))
