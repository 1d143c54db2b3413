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
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, StringAttr
from xdsl.ir import Attribute, Operation, SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects import pyrt
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOOL, BOTTOM, FLOAT, INT, Known, Poison
from graphlet.frontend.bytecode.values import Value

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
        op_class, operand_type = inf.binary_rule(symbol, lhs.type, rhs.type)
        return self.result(op_class(self.cast(lhs, operand_type), self.cast(rhs, operand_type)))

    def compare(self, symbol: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        predicate = inf.COMPARISONS[symbol]
        common = inf.comparison_type(lhs.type, rhs.type)
        if common is None:
            lhs = self.exact_float(lhs) if lhs.type != FLOAT else lhs
            rhs = self.exact_float(rhs) if rhs.type != FLOAT else rhs
        else:
            lhs, rhs = self.cast(lhs, common), self.cast(rhs, common)
        return self.result(g.CmpOp(predicate, lhs, rhs))

    def negate(self, value: SSAValue) -> SSAValue:
        return self.result(g.NegOp(self.cast(value, inf.arithmetic_type(value.type))))

    def invert(self, value: SSAValue) -> SSAValue:
        if value.type == FLOAT:
            raise GraphBreak("'~' on a float raises TypeError")
        if value.type == BOOL and sys.version_info >= (3, 12):
            raise GraphBreak("'~' on a bool emits a DeprecationWarning")
        return self.result(g.XorOp(self.cast(value, INT), self.const(-1)))

    # ------------------------------------------------------------------ values

    def constant(self, value: Any) -> Value:
        """A Python constant as a value: numbers become IR constants, everything else
        a compile-time object."""
        if isinstance(value, bool | float) or (isinstance(value, int) and g.fits(value, INT)):
            return self.const(value)
        if isinstance(value, int):
            raise GraphBreak(f"the constant {value} does not fit in 64 bits")
        return Known(value)

    def scalar(self, value: Value) -> SSAValue:
        """`value` as a number, or a graph break saying what it is instead."""
        if isinstance(value, SSAValue):
            return value
        if isinstance(value, Poison):
            raise GraphBreak(value.reason)
        raise GraphBreak(f"a {inf.kind_name(value)} is not a number graphlet compiles")

    def lifted(self, build: Callable[..., SSAValue], *operands: Value) -> Value:
        """Apply `build` to scalar operands; an unknown recursive result stays unknown."""
        if any(v is BOTTOM for v in operands):
            return BOTTOM
        return build(*(self.scalar(v) for v in operands))

    def static_truth(self, value: Value) -> bool | None:
        if isinstance(value, Known):
            obj = value.obj
            if obj is None or isinstance(
                obj, str | bytes | tuple | types.ModuleType | types.FunctionType
            ):
                return bool(obj)
            raise GraphBreak(f"truth value of a {type(obj).__name__}")
        if isinstance(value, SSAValue) and isinstance(value.owner, g.ConstantOp):
            return bool(g.from_attr(value.owner.value))
        return None

    def condition(self, value: Value) -> SSAValue | bool | None:
        """An i1 for a branch on `value`, a bool if it is known now, None for BOTTOM."""
        if value is BOTTOM:
            return None
        static = self.static_truth(value)
        if static is not None:
            return static
        return self.truth(self.scalar(value))
