"""Type inference: the kinds a value can have, how paths meet, and Python's typing
rules for the operators graphlet compiles.

A kind is what capture knows statically about a value (docs/jit-values.md):

- a scalar IR type: `i1` (bool), `i64` (int), `f64` (float);
- `COMPLEX`, a complex number (two f64);
- `TupleKind(items)`, a tuple of values of those kinds (nested, any mix);
- `ListKind(elem)`, a list whose items are all of the scalar kind `elem`
  (`elem` None: an empty list whose item type no path has fixed yet);
- `ArrayKind(dtype, ndim, ...)`, a NumPy array; `NpScalarKind(dtype)`, a NumPy scalar;
- `RANGE` and `RANGE_ITER`, a `range` object and its iterator; `ListIterKind`,
  `TupleIterKind`, the iterators of a list and of a tuple;
- `Known(obj)`, a compile-time Python object: None, a string, a module, a function;
- the markers NULL (what CPython pushes below a callable), `BOTTOM` (the not yet
  known result of a recursive call) and `Poison` (a value that must not be used,
  with the reason it may not: using it is a graph break, keeping it is harmless).

Blocks are specialized on the kinds of their live values (`capture`), so a local
that is an int on one path and a float on another is two versions of the code
after the join, not a poisoned value; `join` is only the last resort when a block
has too many versions.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

from xdsl.ir import Attribute

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode.breaks import GraphBreak

BOOL, INT, FLOAT = g.BOOL, g.INT, g.FLOAT
SCALARS = (BOOL, INT, FLOAT)


@dataclass(frozen=True, eq=False)
class Known:
    """A compile-time Python object. Two are the same kind if they are the same object,
    or equal strings (a string is known by its value)."""

    obj: Any

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Known):
            return False
        if other.obj is self.obj:
            return True
        return type(self.obj) is str and type(other.obj) is str and self.obj == other.obj

    def __hash__(self) -> int:
        return hash(self.obj) if type(self.obj) is str else id(self.obj)


@dataclass(frozen=True)
class Poison:
    """A value that must not be used: `reason` becomes the break reason if it is."""

    reason: str


class Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NULL = Marker("NULL")
RANGE = Marker("range")
RANGE_ITER = Marker("range_iterator")
COMPLEX = Marker("complex")
BOTTOM = Marker("BOTTOM")


@dataclass(frozen=True)
class TupleKind:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class ListKind:
    elem: Attribute | None
    site: Any = None
    """For an empty list of unknown item type: where it was made (to fix its type
    from the first append, see `capture`)."""


@dataclass(frozen=True)
class ArrayKind:
    """A NumPy array of `dtype` (a name: float64, float32, int64, int32, bool) with
    `ndim` axes; `writeable` as the array says; `fresh` when compiled code made it in
    this call (writes to it need no undo log, see `graphlet.backend.arrays`)."""

    dtype: str
    ndim: int
    writeable: bool = True
    fresh: bool = False
    view: bool = False
    """Whether it is a view made by indexing (returned, it is a new array object)."""


@dataclass(frozen=True)
class NpScalarKind:
    """A NumPy scalar of `dtype` (`np.float64`, ...), as reading an element gives."""

    dtype: str


@dataclass(frozen=True)
class ArrayIterKind:
    array: ArrayKind


@dataclass(frozen=True)
class ListIterKind:
    elem: Attribute | None


@dataclass(frozen=True)
class TupleIterKind:
    items: tuple[Any, ...]
    position: int
    """How many items the iterator has produced: known statically, so a loop over a
    tuple is unrolled by block specialization (its items may differ in kind)."""


@dataclass(frozen=True)
class ReversedListIterKind:
    elem: Attribute | None


@dataclass(frozen=True)
class EnumerateIterKind:
    inner: Any


@dataclass(frozen=True)
class ZipIterKind:
    inners: tuple[Any, ...]


@dataclass(frozen=True)
class GeneratorKind:
    """A generator expression not yet run to its end (`values.GeneratorValue`): its
    bound closure, the iterator it loops over, and the function that made it."""

    closure: Any
    iterator: Any
    owner: Any


@dataclass(frozen=True)
class ClosureKind:
    """A nested function or lambda made in compiled code (`values.Closure`): its code
    as a function, the enclosing cells it reads, and the kinds of its defaults and (once
    bound for a call, `free` not None) of its free variables."""

    fn: Any
    cells: tuple[str, ...]
    defaults: tuple[Any, ...]
    free: tuple[Any, ...] | None


@dataclass(frozen=True)
class SelfRef:
    """A recursive nested function's reference to itself among its own free variables
    (its value and its kind): calling it binds the free variables again
    (`closures.bind`)."""

    fn: Any


Kind = Any
"""An IR type, a `Known`, a `Poison`, a marker or one of the kind classes above."""


def none_kind() -> Known:
    return Known(None)


def is_none(kind: Kind) -> bool:
    return isinstance(kind, Known) and kind.obj is None


def describe(kind: Kind) -> str:
    """The kind in Python's terms, for break reasons: `int`, `tuple (int, float)`,
    `list of float`, `None`, `str 'abc'`, `function helper`."""
    if kind in SCALARS:
        return g.python_type(kind).__name__
    if kind is COMPLEX:
        return "complex"
    if isinstance(kind, TupleKind):
        inner = ", ".join(describe(item) for item in kind.items)
        return f"tuple ({inner}{',' if len(kind.items) == 1 else ''})"
    if isinstance(kind, ListKind):
        return "empty list" if kind.elem is None else f"list of {describe(kind.elem)}"
    if isinstance(kind, ListIterKind):
        return "list iterator"
    if isinstance(kind, ArrayKind):
        return f"{kind.ndim}-d {kind.dtype} array"
    if isinstance(kind, NpScalarKind):
        return f"numpy.{kind.dtype}"
    if isinstance(kind, ArrayIterKind):
        return "array iterator"
    if isinstance(kind, TupleIterKind):
        return "tuple iterator"
    if isinstance(kind, ReversedListIterKind):
        return "reversed list iterator"
    if isinstance(kind, EnumerateIterKind):
        return "enumerate object"
    if isinstance(kind, ZipIterKind):
        return "zip object"
    if isinstance(kind, GeneratorKind):
        return "generator expression"
    if isinstance(kind, SelfRef):
        kind = ClosureKind(kind.fn, (), (), None)
    if isinstance(kind, ClosureKind):
        name = kind.fn.__name__
        return "lambda" if name == "<lambda>" else f"nested function {name}"
    if kind is RANGE:
        return "range"
    if kind is RANGE_ITER:
        return "range iterator"
    if isinstance(kind, Known):
        obj = kind.obj
        if obj is None:
            return "None"
        if type(obj) is str:
            text = obj if len(obj) <= 20 else obj[:17] + "..."
            return f"str {text!r}"
        if isinstance(obj, types.ModuleType):
            return f"module {obj.__name__}"
        if callable(obj) and hasattr(obj, "__qualname__"):
            return f"{type(obj).__name__} {obj.__qualname__}"
        return type(obj).__name__
    if isinstance(kind, Poison):
        return "value that is not compiled here"
    if kind is BOTTOM:
        return "recursive call's result"
    if kind is NULL:
        return "NULL"
    return "value graphlet does not compile"


def kind_name(kind: Kind) -> str:
    """`describe` with an article: `an int`, `a tuple (int, float)`."""
    text = describe(kind)
    if text in ("None", "NULL") or text.startswith(("empty", "str ")):
        return text if text != "NULL" else "NULL"
    return ("an " if text[0] in "aeiou" else "a ") + text


def join(a: Kind, b: Kind, what: str) -> Kind:
    """The kind of `what` where two paths meet (only for blocks with too many versions)."""
    if a == b or b is BOTTOM:
        return a
    if a is BOTTOM:
        return b
    if isinstance(a, Poison):
        return a
    if isinstance(b, Poison):
        return b
    return Poison(
        f"the type of {what} changes: {describe(a)} on one path, {describe(b)} on another"
    )


def maybe_unbound(name: str) -> Poison:
    return Poison(f"local {name!r} may be unbound here")


# --------------------------------------------------------------------------- operators


def binary_rule(symbol: str, lhs: Attribute, rhs: Attribute) -> tuple[type[g.BinaryOp], Attribute]:
    """The graphlet op for `lhs <symbol> rhs` (the op that declares the symbol) and the
    type both operands are cast to, following Python: bools act as ints except in
    `& | ^` of two bools, and an int meeting a float becomes a float."""
    op = g.binary_op_for_symbol(symbol)
    if op is None:
        raise GraphBreak(f"operator '{symbol}' is not supported")
    if issubclass(op, g.BitwiseOp | g.ShlOp | g.ShrOp):
        if FLOAT in (lhs, rhs):
            raise GraphBreak(f"'{symbol}' on a float raises TypeError")
        if issubclass(op, g.BitwiseOp) and lhs == BOOL and rhs == BOOL:
            return op, BOOL
        return op, INT
    return op, FLOAT if FLOAT in (lhs, rhs) else INT


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
