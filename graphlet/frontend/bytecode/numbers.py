"""`complex` numbers, and the attributes and methods of numbers.

A complex is its two f64 parts (`ComplexValue`). Its arithmetic is CPython 3.11-3.13's
`Objects/complexobject.c`, operation for operation in C's double arithmetic (so
`arith` ops, not graphlet's Python-float ops, which would guard `x / 0.0`): an int or
float operand is first made `complex(x, 0.0)` (`to_complex`), `*` is `_Py_c_prod`,
`/` is Smith's algorithm `_Py_c_quot`, `**` with an integral exponent of at most 100
is `c_powi`'s square-and-multiply (other exponents hand back: CPython's `_Py_c_pow`
uses libm). Where CPython raises (division by zero,
an infinite power) a guard hands the call back so CPython raises its own error.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from xdsl.dialects import arith
from xdsl.dialects import math as xmath
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import builtins
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.inference import BOOL, FLOAT, INT
from graphlet.frontend.bytecode.operators import binary_rule, compare_rule, method, truth_rule
from graphlet.frontend.bytecode.values import ComplexValue, Value

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture

POWI_LIMIT = 100
"""CPython uses repeated multiplication for integral exponents up to this magnitude."""


class Doubles:
    """C double arithmetic at the capture's insertion point."""

    def __init__(self, c: FunctionCapture) -> None:
        self.c = c

    def add(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.c.result(arith.AddfOp(a, b))

    def sub(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.c.result(arith.SubfOp(a, b))

    def mul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.c.result(arith.MulfOp(a, b))

    def div(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.c.result(arith.DivfOp(a, b))

    def neg(self, a: SSAValue) -> SSAValue:
        return self.c.result(arith.NegfOp(a))

    def fabs(self, a: SSAValue) -> SSAValue:
        return self.c.result(xmath.AbsFOp(a))

    def cmp(self, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.c.result(arith.CmpfOp(a, b, predicate))

    def select(self, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.c.result(arith.SelectOp(cond, a, b))

    def const(self, x: float) -> SSAValue:
        return self.c.const(x)


def is_number(value: Value) -> bool:
    return isinstance(value, ComplexValue) or (
        isinstance(value, SSAValue) and value.type in (BOOL, INT, FLOAT)
    )


def to_complex(c: FunctionCapture, value: Value) -> ComplexValue:
    """CPython's `to_complex`: an int or float `x` is `complex(float(x), 0.0)`."""
    if isinstance(value, ComplexValue):
        return value
    return ComplexValue(c.cast(value, FLOAT), c.const(0.0))


def product(d: Doubles, a: ComplexValue, b: ComplexValue) -> ComplexValue:
    """`_Py_c_prod`."""
    real = d.sub(d.mul(a.real, b.real), d.mul(a.imag, b.imag))
    imag = d.add(d.mul(a.real, b.imag), d.mul(a.imag, b.real))
    return ComplexValue(real, imag)


def quotient(
    d: Doubles, a: ComplexValue, b: ComplexValue, error: str, used: SSAValue | None = None
) -> ComplexValue:
    """`_Py_c_quot` (Smith's algorithm), with CPython's error when `b` is zero (only
    where `used` holds, if given: a quotient that is computed but not taken)."""
    c = d.c
    zero = d.const(0.0)
    b_is_zero = c.result(arith.AndIOp(d.cmp("oeq", b.real, zero), d.cmp("oeq", b.imag, zero)))
    if used is not None:
        b_is_zero = c.result(arith.AndIOp(b_is_zero, used))
    c.guard(c.result(arith.XOrIOp(b_is_zero, c.const(True))), error)
    abs_real, abs_imag = d.fabs(b.real), d.fabs(b.imag)
    by_real = d.cmp("oge", abs_real, abs_imag)
    by_imag = d.cmp("oge", abs_imag, abs_real)
    ratio = d.div(b.imag, b.real)
    denom = d.add(b.real, d.mul(b.imag, ratio))
    real_1 = d.div(d.add(a.real, d.mul(a.imag, ratio)), denom)
    imag_1 = d.div(d.sub(a.imag, d.mul(a.real, ratio)), denom)
    ratio_2 = d.div(b.real, b.imag)
    denom_2 = d.add(d.mul(b.real, ratio_2), b.imag)
    real_2 = d.div(d.add(d.mul(a.real, ratio_2), a.imag), denom_2)
    imag_2 = d.div(d.sub(d.mul(a.imag, ratio_2), a.real), denom_2)
    nan = d.const(math.nan)
    real = d.select(by_real, real_1, d.select(by_imag, real_2, nan))
    imag = d.select(by_real, imag_1, d.select(by_imag, imag_2, nan))
    return ComplexValue(real, imag)


def integral_exponent(value: Value) -> int | None:
    """The exponent of `z ** value` when CPython takes `c_powi`: a constant with no
    imaginary part and an integral real part of magnitude at most 100."""
    parts = [value.real, value.imag] if isinstance(value, ComplexValue) else [value]
    constants = []
    for part in parts:
        if not (isinstance(part, SSAValue) and isinstance(part.owner, g.ConstantOp)):
            return None
        constants.append(g.from_attr(part.owner.value))
    real = float(constants[0])
    if len(constants) == 2 and constants[1] != 0.0:
        return None
    if not math.isfinite(real) or real != math.floor(real) or abs(real) > POWI_LIMIT:
        return None
    return int(real)


def power(c: FunctionCapture, d: Doubles, base: ComplexValue, n: int) -> ComplexValue:
    """`c_powi(base, n)`, unrolled, then `_Py_ADJUST_ERANGE2`'s overflow check."""
    one = ComplexValue(d.const(1.0), d.const(0.0))
    result, p, mask = one, base, 1
    magnitude = abs(n)
    while mask <= magnitude:
        if magnitude & mask:
            result = product(d, result, p)
        mask <<= 1
        p = product(d, p, p)
    if n < 0:
        result = quotient(d, one, result, "ZeroDivisionError")
    return overflow_checked(c, d, result)


def runtime_power(
    c: FunctionCapture, d: Doubles, base: ComplexValue, exponent: ComplexValue
) -> ComplexValue:
    """`base ** exponent` for an exponent known only at run time: `c_powi` when the
    exponent is integral with no imaginary part and at most `POWI_LIMIT` in
    magnitude, with its square-and-multiply unrolled over the bits such an exponent
    can have (each product kept or not by a select, so the products CPython makes are
    the ones taken). Other exponents need `_Py_c_pow` (libm's `pow`, `atan2`,
    `hypot`): the call is handed back."""
    real, imag = exponent.real, exponent.imag
    limit = d.const(float(POWI_LIMIT))
    integral = c.result(
        arith.AndIOp(
            c.result(
                arith.AndIOp(d.cmp("oeq", imag, d.const(0.0)), d.cmp("ole", d.fabs(real), limit))
            ),
            d.cmp("oeq", real, c.result(xmath.FloorOp(real))),
        )
    )
    c.guard(integral)
    n = c.cast(d.select(integral, real, d.const(0.0)), INT)
    negative = c.result(arith.CmpiOp(n, c.const(0), "slt"))
    magnitude = c.result(arith.SelectOp(negative, c.result(arith.SubiOp(c.const(0), n)), n))
    one = ComplexValue(d.const(1.0), d.const(0.0))
    result, p = one, base
    for bit in range(POWI_LIMIT.bit_length()):
        mask = c.result(arith.AndIOp(magnitude, c.const(1 << bit)))
        taken = c.result(arith.CmpiOp(mask, c.const(0), "ne"))
        multiplied = product(d, result, p)
        result = ComplexValue(
            d.select(taken, multiplied.real, result.real),
            d.select(taken, multiplied.imag, result.imag),
        )
        p = product(d, p, p)
    inverse = quotient(d, one, result, "ZeroDivisionError", used=negative)
    result = ComplexValue(
        d.select(negative, inverse.real, result.real),
        d.select(negative, inverse.imag, result.imag),
    )
    return overflow_checked(c, d, result)


def overflow_checked(c: FunctionCapture, d: Doubles, result: ComplexValue) -> ComplexValue:
    """`_Py_ADJUST_ERANGE2`: an infinite part is CPython's OverflowError."""
    inf = d.const(math.inf)
    infinite = c.result(
        arith.OrIOp(d.cmp("oeq", d.fabs(result.real), inf), d.cmp("oeq", d.fabs(result.imag), inf))
    )
    c.guard(c.result(arith.XOrIOp(infinite, c.const(True))), "OverflowError")
    return result


@binary_rule
def _complex_arithmetic(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (isinstance(lhs, ComplexValue) or isinstance(rhs, ComplexValue)):
        return NotImplemented
    if not (is_number(lhs) and is_number(rhs)):
        return NotImplemented
    d = Doubles(c)
    a, b = to_complex(c, lhs), to_complex(c, rhs)
    if symbol == "+":
        return ComplexValue(d.add(a.real, b.real), d.add(a.imag, b.imag))
    if symbol == "-":
        return ComplexValue(d.sub(a.real, b.real), d.sub(a.imag, b.imag))
    if symbol == "*":
        return product(d, a, b)
    if symbol == "/":
        return quotient(d, a, b, "ZeroDivisionError")
    if symbol == "**":
        n = integral_exponent(rhs)
        if n is None:
            return runtime_power(c, d, a, b)
        return power(c, d, a, n)
    if symbol in ("//", "%"):
        raise GraphBreak(f"'{symbol}' on a complex raises TypeError")
    raise GraphBreak(f"'{symbol}' on a complex raises TypeError")


@compare_rule
def _complex_equality(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (isinstance(lhs, ComplexValue) or isinstance(rhs, ComplexValue)):
        return NotImplemented
    if not (is_number(lhs) and is_number(rhs)):
        return NotImplemented
    if symbol not in ("==", "!="):
        raise GraphBreak(f"'{symbol}' between complex numbers raises TypeError")
    z, other = (lhs, rhs) if isinstance(lhs, ComplexValue) else (rhs, lhs)
    d = Doubles(c)
    if isinstance(other, ComplexValue):
        equal = c.result(
            arith.AndIOp(d.cmp("oeq", z.real, other.real), d.cmp("oeq", z.imag, other.imag))
        )
    elif other.type == FLOAT:
        equal = c.result(
            arith.AndIOp(d.cmp("oeq", z.real, other), d.cmp("oeq", z.imag, d.const(0.0)))
        )
    else:  # an int: compared exactly with the real part when there is no imaginary part
        real_equal = c.compare("==", z.real, c.cast(other, INT))
        equal = c.result(arith.AndIOp(d.cmp("oeq", z.imag, d.const(0.0)), real_equal))
    return equal if symbol == "==" else c.negated(equal)


@truth_rule
def _complex_truth(c: FunctionCapture, value: Value) -> Any:
    if not isinstance(value, ComplexValue):
        return NotImplemented
    d = Doubles(c)
    zero = d.const(0.0)
    return c.result(arith.OrIOp(d.cmp("une", value.real, zero), d.cmp("une", value.imag, zero)))


def negate(c: FunctionCapture, value: ComplexValue) -> ComplexValue:
    d = Doubles(c)
    return ComplexValue(d.neg(value.real), d.neg(value.imag))


def number_attribute(c: FunctionCapture, owner: Value, name: str) -> Value:
    """`.real`, `.imag` of an int, float, bool or complex."""
    if isinstance(owner, ComplexValue):
        if name == "real":
            return owner.real
        if name == "imag":
            return owner.imag
    elif isinstance(owner, SSAValue) and owner.type in (BOOL, INT, FLOAT):
        as_number = c.cast(owner, INT if owner.type == BOOL else owner.type)
        if name == "real":
            return as_number
        if name == "imag":
            return c.const(0.0 if owner.type == FLOAT else 0)
    return NotImplemented


@method(ComplexValue, "conjugate")
@method(SSAValue, "conjugate")
def conjugate(c: FunctionCapture, owner: Value, args: list[Value]) -> Value:
    if args:
        raise GraphBreak("conjugate() takes no arguments (TypeError)")
    if isinstance(owner, ComplexValue):
        return ComplexValue(owner.real, Doubles(c).neg(owner.imag))
    value = c.scalar(owner)
    return c.cast(value, INT if value.type == BOOL else value.type)


@builtins.value_builtin(complex)
def _complex(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) > 2 or not all(isinstance(a, SSAValue) for a in args):
        return None
    parts = [c.cast(c.scalar(a), FLOAT) for a in args] + [c.const(0.0)] * (2 - len(args))
    return ComplexValue(parts[0], parts[1])
