"""The `math` functions CPython computes with the C library's function of the same
name (`math.tan` is libm's `tan`, `math.atan2` libm's `atan2` after its own NaN and
infinity cases): their lowering calls that same function, so results are bit-exact.

    %r = graphlet.tan %x : f64
    %r = graphlet.atan2 %y, %x : f64

Each op takes and gives floats (the frontend converts an int operand first, as
`PyFloat_AsDouble` does). CPython raises ValueError("math domain error") when the
function gives NaN for a non-NaN operand, and OverflowError("math range error") (or
ValueError at a pole) when it gives an infinity for a finite one; native code hands
those calls back so that CPython raises its own error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition

from graphlet.dialects.graphlet.abstract_ops import BinaryOp, FloatResultUnaryOp, UnaryOp
from graphlet.dialects.graphlet.scalar_ops import CeilOp, ExpOp, FloorOp, SqrtOp
from graphlet.dialects.graphlet.torch_semantics import np_erf
from graphlet.dialects.graphlet.types import FLOAT
from graphlet.dialects.graphlet.vjp import Derivative, Partial, zero_derivatives


class LibmUnaryOp(FloatResultUnaryOp):
    """A one-argument `math` function that is libm's (`math_1` in mathmodule.c)."""

    RAISES: ClassVar[bool] = True


@irdl_op_definition
class TanOp(LibmUnaryOp):
    """`math.tan(x)`: ValueError for an infinite x."""

    name = "graphlet.tan"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.tan,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("tan",)
    py_operation = staticmethod(math.tan)
    np_operation = staticmethod(np.tan)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 + tan(x)²."""
        y = self.result
        return (d.add(d.const(1.0, y), d.square(y)),)


@irdl_op_definition
class AsinOp(LibmUnaryOp):
    """`math.asin(x)`: ValueError outside [-1, 1]."""

    name = "graphlet.asin"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.asin,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("asin",)
    py_operation = staticmethod(math.asin)
    np_operation = staticmethod(np.arcsin)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / sqrt(1 - x²)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.unary(SqrtOp, d.sub(d.const(1.0, x), d.square(x)))),)


@irdl_op_definition
class AcosOp(LibmUnaryOp):
    """`math.acos(x)`: ValueError outside [-1, 1]."""

    name = "graphlet.acos"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.acos,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("acos",)
    py_operation = staticmethod(math.acos)
    np_operation = staticmethod(np.arccos)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """-1 / sqrt(1 - x²)."""
        x = self.operand
        return (d.div(d.const(-1.0, x), d.unary(SqrtOp, d.sub(d.const(1.0, x), d.square(x)))),)


@irdl_op_definition
class AtanOp(LibmUnaryOp):
    """`math.atan(x)`."""

    name = "graphlet.atan"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.atan,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("atan",)
    py_operation = staticmethod(math.atan)
    np_operation = staticmethod(np.arctan)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / (1 + x²)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.add(d.const(1.0, x), d.square(x))),)


@irdl_op_definition
class SinhOp(LibmUnaryOp):
    """`math.sinh(x)`: OverflowError past the float range."""

    name = "graphlet.sinh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.sinh,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("sinh",)
    py_operation = staticmethod(math.sinh)
    np_operation = staticmethod(np.sinh)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """cosh(x)."""
        x = self.operand
        return (d.unary(CoshOp, x),)


@irdl_op_definition
class CoshOp(LibmUnaryOp):
    """`math.cosh(x)`: OverflowError past the float range."""

    name = "graphlet.cosh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.cosh,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("cosh",)
    py_operation = staticmethod(math.cosh)
    np_operation = staticmethod(np.cosh)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """sinh(x)."""
        x = self.operand
        return (d.unary(SinhOp, x),)


@irdl_op_definition
class AsinhOp(LibmUnaryOp):
    """`math.asinh(x)`."""

    name = "graphlet.asinh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.asinh,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("asinh",)
    py_operation = staticmethod(math.asinh)
    np_operation = staticmethod(np.arcsinh)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / sqrt(x² + 1)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.unary(SqrtOp, d.add(d.square(x), d.const(1.0, x)))),)


@irdl_op_definition
class AcoshOp(LibmUnaryOp):
    """`math.acosh(x)`: ValueError below 1."""

    name = "graphlet.acosh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.acosh,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("acosh",)
    py_operation = staticmethod(math.acosh)
    np_operation = staticmethod(np.arccosh)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / sqrt(x² - 1)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.unary(SqrtOp, d.sub(d.square(x), d.const(1.0, x)))),)


@irdl_op_definition
class AtanhOp(LibmUnaryOp):
    """`math.atanh(x)`: ValueError outside (-1, 1)."""

    name = "graphlet.atanh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.atanh,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("atanh",)
    py_operation = staticmethod(math.atanh)
    np_operation = staticmethod(np.arctanh)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / (1 - x²)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.sub(d.const(1.0, x), d.square(x))),)


@irdl_op_definition
class Log2Op(LibmUnaryOp):
    """`math.log2(x)`: ValueError for x <= 0."""

    name = "graphlet.log2"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log2,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("log2",)
    py_operation = staticmethod(math.log2)
    np_operation = staticmethod(np.log2)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / (x ln 2)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.scale(x, math.log(2.0))),)


@irdl_op_definition
class Log10Op(LibmUnaryOp):
    """`math.log10(x)`: ValueError for x <= 0."""

    name = "graphlet.log10"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log10,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("log10",)
    py_operation = staticmethod(math.log10)
    np_operation = staticmethod(np.log10)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / (x ln 10)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.scale(x, math.log(10.0))),)


@irdl_op_definition
class Log1pOp(LibmUnaryOp):
    """`math.log1p(x)`: ValueError for x <= -1."""

    name = "graphlet.log1p"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log1p,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("log1p",)
    py_operation = staticmethod(math.log1p)
    np_operation = staticmethod(np.log1p)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / (1 + x)."""
        x = self.operand
        return (d.div(d.const(1.0, x), d.add(d.const(1.0, x), x)),)


@irdl_op_definition
class Expm1Op(LibmUnaryOp):
    """`math.expm1(x)`: OverflowError past the float range."""

    name = "graphlet.expm1"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.expm1,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("expm1",)
    py_operation = staticmethod(math.expm1)
    np_operation = staticmethod(np.expm1)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """expm1(x) + 1."""
        y = self.result
        return (d.add(y, d.const(1.0, y)),)


@irdl_op_definition
class Exp2Op(LibmUnaryOp):
    """`math.exp2(x)` (Python 3.11+): OverflowError past the float range."""

    name = "graphlet.exp2"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.exp2,)
    py_operation = staticmethod(math.exp2)
    np_operation = staticmethod(np.exp2)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """2 ** x ln 2."""
        y = self.result
        return (d.scale(y, math.log(2.0)),)


@irdl_op_definition
class CbrtOp(LibmUnaryOp):
    """`math.cbrt(x)` (Python 3.11+)."""

    name = "graphlet.cbrt"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.cbrt,)
    py_operation = staticmethod(math.cbrt)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 / (3 cbrt(x)²)."""
        y = self.result
        return (d.div(d.const(1.0 / 3.0, y), d.square(y)),)


@irdl_op_definition
class ErfOp(LibmUnaryOp):
    """`math.erf(x)`; `torch.erf` on tensors (GELU's gradient needs it)."""

    name = "graphlet.erf"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.erf,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("erf",)
    py_operation = staticmethod(math.erf)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """2 / sqrt(pi) exp(-x²)."""
        x = self.operand
        return (d.scale(d.unary(ExpOp, d.neg(d.square(x))), 2.0 / math.sqrt(math.pi)),)

    @staticmethod
    def np_operation(x: np.ndarray) -> np.ndarray:
        return np_erf(x).astype(x.dtype if x.dtype.kind == "f" else np.float32)


@irdl_op_definition
class ErfcOp(LibmUnaryOp):
    """`math.erfc(x)`: libm's `erfc` (CPython's own series is only for platforms
    without one)."""

    name = "graphlet.erfc"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.erfc,)
    py_operation = staticmethod(math.erfc)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """-2 / sqrt(pi) exp(-x²)."""
        x = self.operand
        return (d.scale(d.unary(ExpOp, d.neg(d.square(x))), -2.0 / math.sqrt(math.pi)),)


def _ieee_round_half_even(x: Any) -> Any:
    if isinstance(x, int) or not math.isfinite(x):
        return x
    return math.copysign(float(round(x)), x)


@irdl_op_definition
class RoundEvenOp(UnaryOp):
    """IEEE round-half-even keeping the type (`roundeven(2.5)` is 2.0,
    `roundeven(-0.5)` is -0.0; ints unchanged). Python's `round(x)` is this followed
    by a cast to i64."""

    name = "graphlet.roundeven"
    py_operation = staticmethod(_ieee_round_half_even)
    local_derivatives = zero_derivatives


class FloatBinaryOp(BinaryOp):
    """A two-argument `math` function on floats."""

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (FLOAT,)


@irdl_op_definition
class Atan2Op(FloatBinaryOp):
    """`math.atan2(y, x)`: CPython's `m_atan2` (NaN if either is NaN), then libm's."""

    name = "graphlet.atan2"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.atan2,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("atan2",)
    py_operation = staticmethod(math.atan2)
    np_operation = staticmethod(np.arctan2)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """torch's `atan2_backward`: x r and -y r for r = 1 / (y² + x²), 0 where
        y² + x² is 0 (the operands are y, x)."""
        y, x = self.lhs, self.rhs
        norm = d.add(d.square(y), d.square(x))
        zero = d.const(0.0, norm)
        recip = d.where(d.cmp("eq", norm, zero), zero, d.div(d.const(1.0, norm), norm))
        return (d.mul(x, recip), d.mul(d.neg(y), recip))


@irdl_op_definition
class FmodOp(FloatBinaryOp):
    """`math.fmod(x, y)`: the remainder with the sign of x; ValueError for y == 0 or
    an infinite x."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.fmod"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.fmod,)
    py_operation = staticmethod(math.fmod)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1 and -trunc(x / y), as torch.fmod."""
        q = d.div(self.lhs, self.rhs)
        toward_zero = d.where(
            d.cmp("ge", q, d.const(0.0, q)), d.unary(FloorOp, q), d.unary(CeilOp, q)
        )
        return (1.0, d.neg(toward_zero) if d.wants(1) else None)


@irdl_op_definition
class CopySignOp(FloatBinaryOp):
    """`math.copysign(x, y)`: x's magnitude with y's sign."""

    name = "graphlet.copysign"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.copysign,)
    py_operation = staticmethod(math.copysign)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """torch's `copysign_tensor_self_backward`: result / x by x (0 where x is 0,
        NaN for an infinite x); zero by y."""
        x = self.lhs
        zero = d.const(0.0, x)
        return (d.where(d.cmp("eq", x, zero), zero, d.div(self.result, x)), None)


@irdl_op_definition
class NextAfterOp(FloatBinaryOp):
    """`math.nextafter(x, y)`: libm's `nextafter`, the next double after x towards y
    (never raises)."""

    name = "graphlet.nextafter"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.nextafter,)
    py_operation = staticmethod(math.nextafter)


def _libm_hypot(x: float, y: float) -> float:
    """C's `hypot` (which `abs(complex)` calls), unlike `math.hypot`'s own algorithm."""
    return abs(complex(x, y))


@irdl_op_definition
class HypotOp(FloatBinaryOp):
    """libm's `hypot(x, y)`, as `abs(complex(x, y))` computes it: OverflowError when
    finite parts give an infinity. (`math.hypot` is CPython's own algorithm.)"""

    RAISES: ClassVar[bool] = True

    name = "graphlet.hypot"
    py_operation = staticmethod(_libm_hypot)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """x / hypot and y / hypot."""
        return (d.div(self.lhs, self.result), d.div(self.rhs, self.result))


MATH_OPS: list[type[UnaryOp] | type[BinaryOp]] = [
    TanOp,
    AsinOp,
    AcosOp,
    AtanOp,
    SinhOp,
    CoshOp,
    AsinhOp,
    AcoshOp,
    AtanhOp,
    Log2Op,
    Log10Op,
    Log1pOp,
    Expm1Op,
    Exp2Op,
    CbrtOp,
    ErfOp,
    ErfcOp,
    RoundEvenOp,
    Atan2Op,
    FmodOp,
    CopySignOp,
    NextAfterOp,
    HypotOp,
]
