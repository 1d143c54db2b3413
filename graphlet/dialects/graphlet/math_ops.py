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
from graphlet.dialects.graphlet.types import FLOAT


class LibmUnaryOp(FloatResultUnaryOp):
    """A one-argument `math` function that is libm's (`math_1` in mathmodule.c)."""

    RAISES: ClassVar[bool] = True


@irdl_op_definition
class TanOp(LibmUnaryOp):
    """`math.tan(x)`: ValueError for an infinite x."""

    name = "graphlet.tan"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.tan,)
    py_operation = staticmethod(math.tan)
    np_operation = staticmethod(np.tan)


@irdl_op_definition
class AsinOp(LibmUnaryOp):
    """`math.asin(x)`: ValueError outside [-1, 1]."""

    name = "graphlet.asin"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.asin,)
    py_operation = staticmethod(math.asin)
    np_operation = staticmethod(np.arcsin)


@irdl_op_definition
class AcosOp(LibmUnaryOp):
    """`math.acos(x)`: ValueError outside [-1, 1]."""

    name = "graphlet.acos"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.acos,)
    py_operation = staticmethod(math.acos)
    np_operation = staticmethod(np.arccos)


@irdl_op_definition
class AtanOp(LibmUnaryOp):
    """`math.atan(x)`."""

    name = "graphlet.atan"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.atan,)
    py_operation = staticmethod(math.atan)
    np_operation = staticmethod(np.arctan)


@irdl_op_definition
class SinhOp(LibmUnaryOp):
    """`math.sinh(x)`: OverflowError past the float range."""

    name = "graphlet.sinh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.sinh,)
    py_operation = staticmethod(math.sinh)
    np_operation = staticmethod(np.sinh)


@irdl_op_definition
class CoshOp(LibmUnaryOp):
    """`math.cosh(x)`: OverflowError past the float range."""

    name = "graphlet.cosh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.cosh,)
    py_operation = staticmethod(math.cosh)
    np_operation = staticmethod(np.cosh)


@irdl_op_definition
class AsinhOp(LibmUnaryOp):
    """`math.asinh(x)`."""

    name = "graphlet.asinh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.asinh,)
    py_operation = staticmethod(math.asinh)
    np_operation = staticmethod(np.arcsinh)


@irdl_op_definition
class AcoshOp(LibmUnaryOp):
    """`math.acosh(x)`: ValueError below 1."""

    name = "graphlet.acosh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.acosh,)
    py_operation = staticmethod(math.acosh)
    np_operation = staticmethod(np.arccosh)


@irdl_op_definition
class AtanhOp(LibmUnaryOp):
    """`math.atanh(x)`: ValueError outside (-1, 1)."""

    name = "graphlet.atanh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.atanh,)
    py_operation = staticmethod(math.atanh)
    np_operation = staticmethod(np.arctanh)


@irdl_op_definition
class Log2Op(LibmUnaryOp):
    """`math.log2(x)`: ValueError for x <= 0."""

    name = "graphlet.log2"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log2,)
    py_operation = staticmethod(math.log2)
    np_operation = staticmethod(np.log2)


@irdl_op_definition
class Log10Op(LibmUnaryOp):
    """`math.log10(x)`: ValueError for x <= 0."""

    name = "graphlet.log10"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log10,)
    py_operation = staticmethod(math.log10)
    np_operation = staticmethod(np.log10)


@irdl_op_definition
class Log1pOp(LibmUnaryOp):
    """`math.log1p(x)`: ValueError for x <= -1."""

    name = "graphlet.log1p"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log1p,)
    py_operation = staticmethod(math.log1p)
    np_operation = staticmethod(np.log1p)


@irdl_op_definition
class Expm1Op(LibmUnaryOp):
    """`math.expm1(x)`: OverflowError past the float range."""

    name = "graphlet.expm1"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.expm1,)
    py_operation = staticmethod(math.expm1)
    np_operation = staticmethod(np.expm1)


@irdl_op_definition
class Exp2Op(LibmUnaryOp):
    """`math.exp2(x)` (Python 3.11+): OverflowError past the float range."""

    name = "graphlet.exp2"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.exp2,)
    py_operation = staticmethod(math.exp2)
    np_operation = staticmethod(np.exp2)


@irdl_op_definition
class CbrtOp(LibmUnaryOp):
    """`math.cbrt(x)` (Python 3.11+)."""

    name = "graphlet.cbrt"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.cbrt,)
    py_operation = staticmethod(math.cbrt)


@irdl_op_definition
class ErfOp(LibmUnaryOp):
    """`math.erf(x)`."""

    name = "graphlet.erf"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.erf,)
    py_operation = staticmethod(math.erf)


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


class FloatBinaryOp(BinaryOp):
    """A two-argument `math` function on floats."""

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (FLOAT,)


@irdl_op_definition
class Atan2Op(FloatBinaryOp):
    """`math.atan2(y, x)`: CPython's `m_atan2` (NaN if either is NaN), then libm's."""

    name = "graphlet.atan2"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.atan2,)
    py_operation = staticmethod(math.atan2)


@irdl_op_definition
class FmodOp(FloatBinaryOp):
    """`math.fmod(x, y)`: the remainder with the sign of x; ValueError for y == 0 or
    an infinite x."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.fmod"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.fmod,)
    py_operation = staticmethod(math.fmod)


@irdl_op_definition
class CopySignOp(FloatBinaryOp):
    """`math.copysign(x, y)`: x's magnitude with y's sign."""

    name = "graphlet.copysign"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.copysign,)
    py_operation = staticmethod(math.copysign)


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
    RoundEvenOp,
    Atan2Op,
    FmodOp,
    CopySignOp,
    HypotOp,
]
