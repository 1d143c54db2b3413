"""Type inference: the kinds a value can have at a block boundary, how paths join,
and Python's typing rules for the operators graphlet compiles.

Scalars are `i1` (bool), `i64` (int) and `f64` (float). The other kinds never reach
native code: a `Known` compile-time object (a module, a function, None), the NULL
CPython pushes for calls, a `range` iterator on the stack of a `for` loop, `BOTTOM`
(the not-yet-known result of a recursive call, which joins as the identity) and
`Poison` (a local whose kind differs between paths, or that may be unbound: using it
is a graph break, keeping it is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xdsl.ir import Attribute

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode.breaks import GraphBreak

BOOL, INT, FLOAT = g.BOOL, g.INT, g.FLOAT
SCALARS = (BOOL, INT, FLOAT)


@dataclass(frozen=True, eq=False)
class Known:
    """A compile-time Python object; two are the same kind only if they are the same object."""

    obj: Any

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Known) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


@dataclass(frozen=True)
class Poison:
    """A value that must not be used: `reason` becomes the break reason if it is."""

    reason: str


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NULL = _Marker("NULL")
RANGE_ITER = _Marker("range_iterator")
BOTTOM = _Marker("BOTTOM")

Kind = Attribute | Known | Poison | _Marker


def kind_name(kind: object) -> str:
    if kind in SCALARS:
        return g.python_type(kind).__name__  # type: ignore[arg-type]
    if isinstance(kind, Known):
        return type(kind.obj).__name__
    if kind is RANGE_ITER:
        return "a range iterator"
    return repr(kind)


def join(a: Kind, b: Kind, what: str) -> Kind:
    """The kind of `what` where two paths meet."""
    if a == b or b is BOTTOM:
        return a
    if a is BOTTOM:
        return b
    if isinstance(a, Poison):
        return a
    if isinstance(b, Poison):
        return b
    return Poison(
        f"the type of {what} changes: {kind_name(a)} on one path, {kind_name(b)} on another"
    )


def maybe_unbound(name: str) -> Poison:
    return Poison(f"local {name!r} may be unbound here")


# --------------------------------------------------------------------------- operators

ARITHMETIC = {
    "+": g.AddOp,
    "-": g.SubOp,
    "*": g.MulOp,
    "/": g.TrueDivOp,
    "//": g.FloorDivOp,
    "%": g.ModOp,
    "**": g.PowOp,
}
BITWISE = {"&": g.AndOp, "|": g.OrOp, "^": g.XorOp}
SHIFTS = {"<<": g.ShlOp, ">>": g.ShrOp}
COMPARISONS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


def binary_rule(symbol: str, lhs: Attribute, rhs: Attribute) -> tuple[type[g.BinaryOp], Attribute]:
    """The graphlet op for `lhs <symbol> rhs` and the type both operands are cast to,
    following Python: bools act as ints except in `& | ^` of two bools, and an int
    meeting a float becomes a float."""
    if symbol in BITWISE:
        if lhs == BOOL and rhs == BOOL:
            return BITWISE[symbol], BOOL
        if FLOAT in (lhs, rhs):
            raise GraphBreak(f"'{symbol}' on a float raises TypeError")
        return BITWISE[symbol], INT
    if symbol in SHIFTS:
        if FLOAT in (lhs, rhs):
            raise GraphBreak(f"'{symbol}' on a float raises TypeError")
        return SHIFTS[symbol], INT
    if symbol in ARITHMETIC:
        return ARITHMETIC[symbol], FLOAT if FLOAT in (lhs, rhs) else INT
    raise GraphBreak(f"operator '{symbol}' is not supported")


def comparison_type(lhs: Attribute, rhs: Attribute) -> Attribute | None:
    """The common type of a comparison, or None for int against float, which Python
    compares exactly (not by rounding the int to a float)."""
    lhs_num = INT if lhs == BOOL else lhs
    rhs_num = INT if rhs == BOOL else rhs
    if lhs_num == rhs_num:
        return lhs_num
    return None


def arithmetic_type(t: Attribute) -> Attribute:
    """The type a bool becomes in arithmetic (`-True` is -1)."""
    return INT if t == BOOL else t


def python_kind(value: Any) -> Kind:
    """The kind of a Python value used as a constant."""
    if isinstance(value, bool | int | float):
        return g.ir_type(value)
    return Known(value)
