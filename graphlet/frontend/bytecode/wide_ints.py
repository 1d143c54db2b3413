"""Int constants past 64 bits (`10**30`, `2**64` masks): a compile-time object
(`Known`) that hands back only where a result needs it.

Capture keeps such a constant as itself. Against a native int or bool a comparison
is decided now (the constant lies beyond every i64); against a float it is exact as
CPython's `float_richcompare`, through the two doubles around the constant. With a
float operand of arithmetic the constant is converted as CPython converts it
(`PyLong_AsDouble`, OverflowError past the doubles). With a native int, `//`, `%`
and `&` are exact where their result fits, the rest hands the call back at that
point (the result leaves 64 bits). Two constants fold in Python.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode.inference import BOOL, FLOAT, INT, Known
from graphlet.frontend.bytecode.operators import binary_rule, compare_rule
from graphlet.frontend.bytecode.values import Value

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture

I64_MASK = 2**63 - 1
_PYTHON_NUMBERS = tuple(g.PYTHON_TYPES.values())
"""The Python types of the scalar IR types (bool, int, float)."""

FOLDABLE: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
    ">>": operator.rshift,
}
"""Operators two constants fold with now (`**` and `<<` could build huge ints)."""

MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


FOLD_BITS = 4096
"""`**` and `<<` of two int constants fold now up to this many bits of result."""


def folded_power(c: FunctionCapture, symbol: str, lhs: SSAValue, rhs: SSAValue) -> Value | None:
    """`2 ** 70`, `1 << 80` of two int constants, which CPython's compiler leaves to
    run time past 128 bits: the wide constant itself, or None (not constants, or the
    result fits in 64 bits or is too large to build now)."""
    if symbol not in ("**", "<<"):
        return None
    operands = []
    for value in (lhs, rhs):
        if not (isinstance(value.owner, g.ConstantOp) and value.type in (BOOL, INT)):
            return None
        operands.append(int(g.from_attr(value.owner.value)))
    base, exponent = operands
    if exponent < 0 or (symbol == "**" and abs(base).bit_length() * exponent > FOLD_BITS):
        return None
    if symbol == "<<" and base.bit_length() + exponent > FOLD_BITS:
        return None
    result = base**exponent if symbol == "**" else base << exponent
    return Known(result) if not g.fits(result, INT) else None


def is_wide(value: Value) -> bool:
    """Whether `value` is an int constant that does not fit in 64 bits."""
    return isinstance(value, Known) and type(value.obj) is int and not g.fits(value.obj, INT)


def _python_number(value: Value) -> int | float | None:
    """The number a constant (a `Known` or an IR constant) holds, else None."""
    if isinstance(value, Known) and type(value.obj) in _PYTHON_NUMBERS:
        return value.obj  # type: ignore[no-any-return]
    if isinstance(value, SSAValue) and isinstance(value.owner, g.ConstantOp):
        number = g.from_attr(value.owner.value)
        return number if type(number) in _PYTHON_NUMBERS else None
    return None


def _number(value: Value) -> bool:
    return isinstance(value, SSAValue) and value.type in (BOOL, INT, FLOAT)


def hand_back(c: FunctionCapture) -> SSAValue:
    """A guard that always hands the call back here (a result past 64 bits, or
    CPython's OverflowError); the i64 returned stands for the result on a path that
    never continues."""
    c.guard(c.const(False))
    return c.const(0)


@binary_rule
def _wide_arithmetic(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (is_wide(lhs) or is_wide(rhs)):
        return NotImplemented
    a, b = _python_number(lhs), _python_number(rhs)
    if a is not None and b is not None:
        fold = FOLDABLE.get(symbol)
        if fold is None:
            return NotImplemented
        try:
            return c.constant(fold(a, b))
        except ArithmeticError:  # CPython raises here: it reruns the call
            return hand_back(c)
    wide, other = (lhs, rhs) if is_wide(lhs) else (rhs, lhs)
    if not _number(other):
        return NotImplemented
    assert isinstance(wide, Known) and isinstance(other, SSAValue)
    constant: int = wide.obj
    if other.type == FLOAT:
        if symbol not in ("+", "-", "*", "/", "//", "%", "**"):
            return NotImplemented  # a TypeError
        try:
            converted = c.const(float(constant))
        except OverflowError:
            return hand_back(c)  # OverflowError: int too large to convert to float
        pair = (converted, other) if wide is lhs else (other, converted)
        return c.binary(symbol, *pair)
    x = c.cast(other, INT)
    if wide is rhs and symbol in ("//", "%"):
        return _divided_by_wide(c, symbol, x, constant)
    if symbol == "&":  # x's bits past 62 are its sign: a negative x keeps the wide bits
        c.guard(c.compare(">=", x, c.const(0)))
        # Native ints never pass 63 bits; the IR's are Python's (the interpreter, the
        # emitted Python), so a wider x hands back rather than lose its high bits.
        c.guard(c.compare("<=", x, c.const(I64_MASK)))
        return c.result(g.AndOp(x, c.const(constant & I64_MASK)))
    return hand_back(c)


def _divided_by_wide(c: FunctionCapture, symbol: str, x: SSAValue, constant: int) -> SSAValue:
    """`x // C` and `x % C` with |x| < |C|: the quotient is 0, or -1 when the signs
    differ (and x is not 0); the remainder is x then, else x + C, past 64 bits."""
    zero = c.const(0)
    if symbol == "//":
        differs = c.compare("<" if constant > 0 else ">", x, zero)
        return c.result(g.SelectOp(differs, c.const(-1), zero))
    c.guard(c.compare(">=" if constant > 0 else "<=", x, zero))
    return x


def _doubles_around(constant: int) -> tuple[float, float]:
    """The largest double <= `constant` and the smallest >= it (infinities past the
    doubles)."""
    try:
        nearest = float(constant)
    except OverflowError:
        top = sys.float_info.max
        return (top, math.inf) if constant > 0 else (-math.inf, -top)
    exact = int(nearest)
    if exact == constant:
        return nearest, nearest
    if exact < constant:
        return nearest, math.nextafter(nearest, math.inf)
    return math.nextafter(nearest, -math.inf), nearest


@compare_rule
def _wide_comparison(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (is_wide(lhs) or is_wide(rhs)):
        return NotImplemented
    if isinstance(lhs, Known) and isinstance(rhs, Known):
        if not all(type(v.obj) in _PYTHON_NUMBERS for v in (lhs, rhs)):
            return NotImplemented
        return g.CMP_PREDICATES[g.PREDICATE_OF_SYMBOL[symbol]](lhs.obj, rhs.obj)
    if is_wide(rhs):
        wide, other = rhs, lhs
    else:
        wide, other, symbol = lhs, rhs, MIRRORED[symbol]
    if not _number(other):
        return NotImplemented
    assert isinstance(wide, Known) and isinstance(other, SSAValue)
    constant: int = wide.obj
    if other.type != FLOAT:  # every i64 lies on one side of the constant
        return g.CMP_PREDICATES[g.PREDICATE_OF_SYMBOL[symbol]](0, constant)
    below, above = _doubles_around(constant)
    if symbol in ("==", "!="):
        if below != above:
            return symbol == "!="  # no double equals the constant
        return c.compare(symbol, other, c.const(below))
    if below == above:
        return c.compare(symbol, other, c.const(below))
    if symbol in ("<", "<="):
        return c.compare("<=", other, c.const(below))
    return c.compare(">=", other, c.const(above))
