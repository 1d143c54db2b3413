"""Building graphlet ops for one instruction: Python's operator semantics on scalars.

`Emitter` is the part of a function capture that inserts ops at the current point,
each located at the user's source line; opcode handlers and builtins call it.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

from xdsl.builder import Builder
from xdsl.dialects import llvm
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, StringAttr
from xdsl.ir import Attribute, Operation, SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects import pyrt
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOOL, BOTTOM, FLOAT, INT, Known, Poison
from graphlet.frontend.bytecode.values import (
    LIST_HANDLE,
    ComplexValue,
    TupleValue,
    Value,
    kind_of,
)

EXACT_FLOAT_INT = 2**53
"""Ints up to this magnitude convert to float exactly, so comparing them with a
float after conversion is Python's exact comparison."""


class Emitter:
    """Inserts ops at `builder`, located at the line of `current`."""

    builder: Builder | None
    current: Instr | None
    filename: str

    def insert(self, op: Operation) -> Operation:
        line = self.current.line if self.current else None
        if line is not None:
            op.location = FileLineColLoc(StringAttr(self.filename), IntAttr(line), IntAttr(0))
        assert self.builder is not None
        return self.builder.insert(op)

    def result(self, op: Operation) -> SSAValue:
        """Insert `op` and return its (first) result."""
        return self.insert(op).results[0]

    def const(self, value: Any) -> SSAValue:
        return self.result(g.ConstantOp.from_value(value))

    def cast(self, value: SSAValue, to: Attribute) -> SSAValue:
        if value.type == to:
            return value
        if to == BOOL:
            return self.truth(value)
        return self.result(g.CastOp(value, to))

    def truth(self, value: SSAValue) -> SSAValue:
        """`bool(value)`: NaN is true, as in Python."""
        if value.type == BOOL:
            return value
        zero = self.const(0.0 if value.type == FLOAT else 0)
        return self.result(g.CmpOp("ne", value, zero))

    def guard(self, ok: SSAValue, kind: str = pyrt.HAND_BACK) -> None:
        self.insert(pyrt.GuardOp(ok, kind))

    def exact_float(self, value: SSAValue) -> SSAValue:
        """An int as a float, guarded to convert exactly (for Python's exact int/float
        comparison); past 2**53 the call is handed back to Python."""
        value = self.cast(value, INT)
        owner = value.owner
        if isinstance(owner, g.ConstantOp):
            number = g.from_attr(owner.value)
            if abs(number) <= EXACT_FLOAT_INT:
                return self.const(float(number))
        low = self.result(g.CmpOp("ge", value, self.const(-EXACT_FLOAT_INT)))
        high = self.result(g.CmpOp("le", value, self.const(EXACT_FLOAT_INT)))
        self.guard(self.result(g.AndOp(low, high)))
        return self.cast(value, FLOAT)

    def binary(self, symbol: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        if symbol == "**" and self._negative_int_constant(rhs) and lhs.type in (INT, BOOL):
            # int ** negative int is float ** float in CPython (`long_pow`)
            lhs, rhs = self.cast(lhs, FLOAT), self.cast(rhs, FLOAT)
        op_class, operand_type = inf.binary_rule(symbol, lhs.type, rhs.type)
        return self.result(op_class(self.cast(lhs, operand_type), self.cast(rhs, operand_type)))

    @staticmethod
    def _negative_int_constant(value: SSAValue) -> bool:
        owner = value.owner
        return (
            value.type == INT and isinstance(owner, g.ConstantOp) and g.from_attr(owner.value) < 0
        )

    def compare(self, symbol: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        predicate = g.predicate_for_symbol(symbol)
        assert predicate is not None, symbol
        common = inf.comparison_type(lhs.type, rhs.type)
        if common is not None:
            lhs, rhs = self.cast(lhs, common), self.cast(rhs, common)
            return self.result(g.CmpOp(predicate, lhs, rhs))
        if lhs.type == FLOAT:  # a float against an int: swap to int against float
            lhs, rhs, predicate = rhs, lhs, g.swapped_predicate(predicate)
        return self.int_float_compare(predicate, self.cast(lhs, INT), rhs)

    def int_float_compare(self, predicate: str, n: SSAValue, x: SSAValue) -> SSAValue:
        """`n <predicate> x` exactly, as CPython compares an int with a float (not by
        rounding the int): an int known to convert exactly is compared as a float;
        otherwise against `t = int(x)` (x truncated) and then x's fractional part."""
        owner = n.owner
        if isinstance(owner, g.ConstantOp) and abs(g.from_attr(owner.value)) <= EXACT_FLOAT_INT:
            return self.result(g.CmpOp(predicate, self.cast(n, FLOAT), x))

        def cmp(p: str, a: SSAValue, b: SSAValue) -> SSAValue:
            return self.result(g.CmpOp(p, a, b))

        def both(a: SSAValue, b: SSAValue) -> SSAValue:
            return self.result(g.AndOp(a, b))

        def either(a: SSAValue, b: SSAValue) -> SSAValue:
            return self.result(g.OrOp(a, b))

        limit = float(2**63)
        above = cmp("ge", x, self.const(limit))
        below = cmp("lt", x, self.const(-limit))
        in_range = both(cmp("ge", x, self.const(-limit)), cmp("lt", x, self.const(limit)))
        truncated = self.cast(self.result(g.SelectOp(in_range, x, self.const(0.0))), INT)
        back = self.cast(truncated, FLOAT)
        same = cmp("eq", n, truncated)
        less = either(cmp("lt", n, truncated), both(same, cmp("gt", x, back)))
        greater = either(cmp("gt", n, truncated), both(same, cmp("lt", x, back)))
        lt = self.result(g.SelectOp(in_range, less, above))
        gt = self.result(g.SelectOp(in_range, greater, below))
        eq = both(in_range, both(same, cmp("eq", x, back)))
        return {
            "lt": lambda: lt,
            "gt": lambda: gt,
            "eq": lambda: eq,
            "le": lambda: either(lt, eq),
            "ge": lambda: either(gt, eq),
            "ne": lambda: self.result(g.XorOp(eq, self.const(True))),
        }[predicate]()

    def negate(self, value: SSAValue) -> SSAValue:
        return self.result(g.NegOp(self.cast(value, inf.arithmetic_type(value.type))))

    def invert(self, value: SSAValue) -> SSAValue:
        if value.type == FLOAT:
            raise GraphBreak("'~' on a float raises TypeError")
        if value.type == BOOL and sys.version_info >= (3, 12):
            raise GraphBreak("'~' on a bool emits a DeprecationWarning")
        return self.result(g.XorOp(self.cast(value, INT), self.const(-1)))

    def zero(self, t: Attribute) -> SSAValue:
        """A placeholder value of IR type `t` (for results a path does not produce)."""
        if t == LIST_HANDLE:
            return self.result(llvm.ZeroOp(result_types=[LIST_HANDLE]))
        return self.const(g.python_type(t)(0))

    def boolean(self, value: SSAValue | bool) -> SSAValue:
        """An i1 for a condition known now or computed."""
        return self.const(value) if isinstance(value, bool) else value

    def both(self, a: SSAValue | bool, b: SSAValue | bool) -> SSAValue | bool:
        if a is False or b is False:
            return False
        if a is True:
            return b
        if b is True:
            return a
        return self.result(g.AndOp(a, b))

    def either(self, a: SSAValue | bool, b: SSAValue | bool) -> SSAValue | bool:
        if a is True or b is True:
            return True
        if a is False:
            return b
        if b is False:
            return a
        return self.result(g.OrOp(a, b))

    def negated(self, a: SSAValue | bool) -> SSAValue | bool:
        if isinstance(a, bool):
            return not a
        return self.result(g.XorOp(a, self.const(True)))

    def is_nan(self, value: SSAValue) -> SSAValue:
        return self.result(g.CmpOp("ne", value, value))

    def any_nan(self, values: list[SSAValue]) -> SSAValue:
        result = self.is_nan(values[0])
        for value in values[1:]:
            result = self.result(g.OrOp(result, self.is_nan(value)))
        return result

    def guard_not_both_nan(self, xs: list[SSAValue], ys: list[SSAValue]) -> None:
        """Hand the call back when some of `xs` and some of `ys` are NaN: whether two
        such values are one object (and so equal in a container) is unknown here."""
        both_nan = self.result(g.AndOp(self.any_nan(xs), self.any_nan(ys)))
        self.guard(self.result(g.XorOp(both_nan, self.const(True))))

    # ------------------------------------------------------------------ values

    def constant(self, value: Any) -> Value:
        """A Python constant as a value: numbers become IR constants, a complex its two
        parts, a tuple its items, everything else a compile-time object."""
        if isinstance(value, bool | float) or (isinstance(value, int) and g.fits(value, INT)):
            return self.const(value)
        if isinstance(value, int):
            return Known(value)  # past 64 bits: see `wide_ints`
        if type(value) is complex:
            return ComplexValue(self.const(value.real), self.const(value.imag))
        if type(value) is tuple:
            return TupleValue(tuple(self.constant(item) for item in value))
        return Known(value)

    def scalar(self, value: Value) -> SSAValue:
        """`value` as a number, or a graph break saying what it is instead."""
        if isinstance(value, SSAValue):
            return value
        if isinstance(value, Poison):
            raise GraphBreak(value.reason)
        raise GraphBreak(f"{inf.kind_name(kind_of(value))} is used where a number is needed")

    def scalars(self, values: list[Value]) -> list[SSAValue]:
        return [self.scalar(v) for v in values]

    def lifted(self, build: Callable[..., SSAValue], *operands: Value) -> Value:
        """Apply `build` to scalar operands; an unknown recursive result stays unknown."""
        if any(v is BOTTOM for v in operands):
            return BOTTOM
        return build(*(self.scalar(v) for v in operands))

    def static_truth(self, value: Value) -> bool | None:
        """`bool(value)` if it is known at compile time."""
        if isinstance(value, Known):
            obj = value.obj
            if obj is None or isinstance(
                obj, int | str | bytes | tuple | types.ModuleType | types.FunctionType
            ):
                return bool(obj)
            raise GraphBreak(f"truth value of a {type(obj).__name__}")
        if isinstance(value, TupleValue):
            return bool(value.items)
        if isinstance(value, SSAValue) and isinstance(value.owner, g.ConstantOp):
            return bool(g.from_attr(value.owner.value))
        return None
