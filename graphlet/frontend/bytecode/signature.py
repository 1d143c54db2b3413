"""Argument signatures for the dispatcher, and the value ABI for the backend.

`signature_of(args)` is the dispatcher's key of a call: the Python type of each
bool, int, float, complex and None argument, `TupleOf(...)` for a tuple (its items'
keys), `ListOf(item type)` for a list whose items share one type (`ListOf(None)`
when it is empty), `ArrayOf(dtype, ndim, writeable)` for a NumPy array and
`StrValue(s)` for a string, whose value the code is
specialized on. `kinds_of_signature` turns a key into capture's kinds, or says why
those arguments run in Python.

`arg_specs` / `result_spec` describe a captured function's parameters and result to
the backend's CPython wrapper (`graphlet.backend.pyvalues`): "i1", "i64", "f64",
("complex",), ("const", obj), ("tuple", specs), ("list", item[, "empty"]),
("array", dtype, ndim, writeable, view), ("npscalar", dtype), ("union", specs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphlet import abi

if TYPE_CHECKING:
    from graphlet.frontend.bytecode import inference as inf
    from graphlet.frontend.bytecode.capture import CapturedFunction

STRING_VERSIONS = 8
"""At most this many different string values (or combinations of them) get versions
of one function; further ones run in Python."""

_SCALAR_TYPES = tuple(abi.PYTHON_TYPES.values())
"""The argument types that are one scalar (the key part needs no capture: a cached
version is found without importing it)."""


def _scalar_kind(t: type) -> inf.Kind:
    from graphlet.dialects import graphlet as g

    return g.ir_type(t)


@dataclass(frozen=True)
class TupleOf:
    items: tuple[Any, ...]

    @property
    def __name__(self) -> str:
        return "tuple[" + ", ".join(_key_name(item) for item in self.items) + "]"


@dataclass(frozen=True)
class ListOf:
    item: type | None

    @property
    def __name__(self) -> str:
        return f"list[{self.item.__name__ if self.item else 'empty'}]"


@dataclass(frozen=True)
class ArrayOf:
    """An `ndarray` of a compiled dtype in NumPy's canonical descriptor, aligned."""

    dtype: str
    ndim: int
    writeable: bool

    @property
    def __name__(self) -> str:
        return f"ndarray[{self.dtype}, {self.ndim}d{'' if self.writeable else ', read-only'}]"


ARRAY_DTYPES = ("float64", "float32", "int64", "int32", "bool")


def _array_key(value: Any) -> Any:
    import numpy as np

    dtype = value.dtype
    name = dtype.name
    if name not in ARRAY_DTYPES or dtype is not np.dtype(name):
        return Unsupported(f"array of dtype {dtype}")
    if not 1 <= value.ndim <= 3:
        return Unsupported(f"{value.ndim}-d array")
    if not value.flags.aligned:
        return Unsupported("unaligned array")
    return ArrayOf(name, value.ndim, bool(value.flags.writeable))


@dataclass(frozen=True)
class StrValue:
    value: str

    @property
    def __name__(self) -> str:
        return "str"


@dataclass(frozen=True)
class Unsupported:
    why: str

    @property
    def __name__(self) -> str:
        return self.why


def _key_name(key: Any) -> str:
    return key.__name__ if hasattr(key, "__name__") else str(key)


def key_of(value: Any) -> Any:
    t = type(value)
    if t is int or t is float or t is bool or t is complex or value is None:
        return t
    if t is tuple:
        return TupleOf(tuple(map(key_of, value)))
    if t is list:
        item_types = set(map(type, value))
        if not item_types:
            return ListOf(None)
        if len(item_types) == 1:
            (item,) = item_types
            if item in _SCALAR_TYPES:
                return ListOf(item)
        return Unsupported("list of mixed or non-numeric items")
    if t is str:
        return StrValue(value)
    if t.__module__ == "numpy" and t.__name__ == "ndarray":
        return _array_key(value)
    return t


def signature_of(args: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(map(key_of, args))


def _kind_of_key(key: Any) -> Any:
    """The kind for a key, or a `str` saying why it is not compiled."""
    from graphlet.frontend.bytecode.inference import COMPLEX, Known, ListKind, TupleKind

    if key in _SCALAR_TYPES:
        return _scalar_kind(key)
    if key is complex:
        return COMPLEX
    if key is type(None):
        return Known(None)
    if isinstance(key, TupleOf):
        items = [_kind_of_key(item) for item in key.items]
        for item in items:
            if isinstance(item, str):
                return item
        return TupleKind(tuple(items))
    if isinstance(key, ListOf):
        return ListKind(_scalar_kind(key.item) if key.item else None)
    if isinstance(key, StrValue):
        return Known(key.value)
    if isinstance(key, ArrayOf):
        from graphlet.frontend.bytecode.inference import ArrayKind

        return ArrayKind(key.dtype, key.ndim, key.writeable)
    if isinstance(key, Unsupported):
        return f"a {key.why}"
    return f"arguments of type {_key_name(key)}"


def _strings(signature: tuple[Any, ...]) -> tuple[str, ...]:
    """The string values a signature is specialized on."""

    def strings(key: Any) -> list[str]:
        if isinstance(key, StrValue):
            return [key.value]
        if isinstance(key, TupleOf):
            return [v for item in key.items for v in strings(item)]
        return []

    return tuple(v for key in signature for v in strings(key))


def kinds_of_signature(
    signature: tuple[Any, ...], compiled: Iterable[tuple[Any, ...]] = ()
) -> tuple[Any, ...] | str:
    """Capture's kinds for a signature, or why it runs in Python. `compiled` are the
    signatures that already have versions (to bound specialization on strings)."""
    kinds = []
    unsupported = []
    for key in signature:
        kind = _kind_of_key(key)
        if isinstance(kind, str):
            unsupported.append(kind)
        kinds.append(kind)
    if unsupported:
        return ", ".join(dict.fromkeys(unsupported)) + " run in Python"
    strings = _strings(signature)
    seen = {_strings(s) for s in compiled} - {()}
    if strings and strings not in seen and len(seen) >= STRING_VERSIONS:
        return f"more than {STRING_VERSIONS} versions for different strings run in Python"
    return tuple(kinds)


# --------------------------------------------------------------------------- value ABI


def spec_of(kind: inf.Kind) -> Any:
    """The backend's description of how a value of `kind` crosses into Python."""
    from graphlet.frontend.bytecode import inference as inf
    from graphlet.frontend.bytecode.inference import (
        BOOL,
        COMPLEX,
        FLOAT,
        INT,
        Known,
        ListKind,
        TupleKind,
    )

    if kind == BOOL:
        return "i1"
    if kind == INT:
        return "i64"
    if kind == FLOAT:
        return "f64"
    if kind is COMPLEX:
        return ("complex",)
    if isinstance(kind, Known):
        return ("const", kind.obj)
    if isinstance(kind, TupleKind):
        return ("tuple", tuple(spec_of(item) for item in kind.items))
    if isinstance(kind, ListKind):
        if kind.elem is None:  # no path stores into it: the code assumes it is empty
            return ("list", "i64", "empty")
        return ("list", spec_of(kind.elem))
    if isinstance(kind, inf.ArrayKind):
        return ("array", kind.dtype, kind.ndim, kind.writeable, kind.view)
    if isinstance(kind, inf.NpScalarKind):
        return ("npscalar", kind.dtype)
    raise TypeError(f"no value ABI for {inf.describe(kind)}")


def arg_specs(captured: CapturedFunction) -> tuple[Any, ...]:
    return tuple(spec_of(kind) for kind in captured.param_kinds)


def result_spec(captured: CapturedFunction) -> Any:
    alternatives = captured.returns.alternatives
    if len(alternatives) == 1:
        return spec_of(alternatives[0])
    return ("union", tuple(spec_of(kind) for kind in alternatives))
