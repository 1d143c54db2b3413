"""Lists and arrays for the Python source back end: what a `pylist` or `pyarray` op
means when its IR runs as Python, and how `@jit` values cross into that Python.

The printer (`python_source`) copies this module's source (from `RUNTIME_START` on)
into every module that holds such ops, so the emitted file stands alone. A native
list (`!llvm.ptr`) is a `NativeList`: a copy of the caller's items, written back into
the caller's list only when the call succeeds (`reflect`), as the native wrapper
does, so a call that hands back has changed nothing. An array is its `ndarray`, a
data pointer is an address and an element is read and written there through
`ctypes`, as native code does; a write the caller can see is first recorded in the
call's `Arena` undo log, replayed backwards when the call hands back.
"""

# RUNTIME_START: the emitted modules' copy begins here.
import ctypes
from typing import Any

import numpy as np


class NativeList:
    """A `pylist` list: its items, and the caller's list it was copied from (or None
    for a list made in the call)."""

    __slots__ = ("items", "origin")

    def __init__(self, items: list[Any], origin: list[Any] | None = None) -> None:
        self.items = items
        self.origin = origin


class Arena:
    """A call's arena: the undo log of its writes to the caller's arrays, and the
    arrays it made."""

    def __init__(self) -> None:
        self.log: list[tuple[int, bytes]] = []
        self.owned: list[Any] = []

    def record(self, address: int, size: int) -> None:
        self.log.append((address, ctypes.string_at(address, size)))

    def undo(self) -> None:
        for address, old in reversed(self.log):
            ctypes.memmove(address, old, len(old))
        self.log.clear()


class ResultDoesNotFit(Exception):
    """A result past its declared type: native code would hand the call back."""


LIST_PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")
UNDECIDED = 2


def pylist_get(lst: NativeList, index: int, zero: Any) -> Any:
    """`lst[index]`; a read past the end is `zero`: compiled loops read the next item
    before they test the index (a value then unused), where native code reads the
    list's spare capacity."""
    items = lst.items
    return items[index] if 0 <= index < len(items) else zero


def pylist_range(start: int, step: int, count: int) -> NativeList:
    return NativeList([start + k * step for k in range(count)])


def pylist_slice(source: NativeList, start: int, step: int, count: int) -> NativeList:
    return NativeList([source.items[start + k * step] for k in range(count)])


def pylist_find(lst: NativeList, value: Any, start: int, stop: int) -> int:
    """The first index in `[start, stop)` whose item equals `value` (native items: a
    NaN equals nothing), or -1."""
    for i in range(start, min(stop, len(lst.items))):
        if lst.items[i] == value:
            return i
    return -1


def pylist_count(lst: NativeList, value: Any) -> int:
    return sum(1 for item in lst.items if item == value)


def _decide(predicate: str, x: Any, y: Any) -> int:
    return int(
        {
            "eq": x == y,
            "ne": x != y,
            "lt": x < y,
            "le": x <= y,
            "gt": x > y,
            "ge": x >= y,
        }[predicate]
    )


def pylist_compare(predicate: str, a: NativeList, b: NativeList) -> int:
    """CPython's `list_richcompare` on native items: 0, 1, or UNDECIDED where a pair
    of NaNs decides (CPython's answer then depends on their identity)."""
    xs, ys = a.items, b.items
    if predicate in ("eq", "ne") and len(xs) != len(ys):
        return int(predicate == "ne")
    for x, y in zip(xs, ys):
        if isinstance(x, float) and x != x and y != y:
            return UNDECIDED
        if x != y:
            return _decide(predicate, x, y)
    return _decide(predicate, len(xs), len(ys))


def pylist_splice(lst: NativeList, start: int, count: int, other: NativeList) -> None:
    lst.items[start : start + count] = other.items


_C_TYPES: dict[str, Any] = {
    "float64": ctypes.c_double,
    "float32": ctypes.c_float,
    "int64": ctypes.c_int64,
    "int32": ctypes.c_int32,
    "bool": ctypes.c_bool,
}


def pyarray_data(array: np.ndarray) -> int:
    """The address of an array's first element."""
    address: int = array.__array_interface__["data"][0]
    return address


def pyarray_load(address: Any, dtype: str) -> Any:
    """The element at `address`, in its compute type (float, int or bool). Native code
    may load from the arena's address where the value is then not used (a select
    that keeps loads safe): that reads a zero here."""
    if isinstance(address, Arena):
        return _C_TYPES[dtype]().value
    return _C_TYPES[dtype].from_address(address).value


def pyarray_store(value: Any, address: int, arena: Arena, dtype: str, logged: bool) -> None:
    c_type = _C_TYPES[dtype]
    if logged:
        arena.record(address, ctypes.sizeof(c_type))
    c_type.from_address(address).value = value


def pyarray_new(arena: Arena, shape: tuple[int, ...], dtype: str, fill: str) -> tuple[Any, bool]:
    """`np.empty`/`zeros`/`ones` of `shape`, owned by the arena, and True; (None,
    False) where NumPy raises (a negative dimension)."""
    try:
        array = getattr(np, fill)(shape, dtype=dtype)
    except (ValueError, MemoryError):
        return None, False
    arena.owned.append(array)
    return array, True


def _view(
    owner: Any, data: int, shape: Any, strides: Any, dtype: str, writeable: bool = True
) -> np.ndarray:
    """An ndarray on the memory at `data` with these lengths and byte strides, whose
    `.base` keeps `owner` alive."""
    interface = {
        "version": 3,
        "typestr": np.dtype(dtype).str,
        "data": (data, not writeable),
        "shape": tuple(shape),
        "strides": tuple(strides),
    }
    holder = type("Holder", (), {"__array_interface__": interface, "owner": owner})()
    return np.asarray(holder)


def pyarray_sum(data: int, count: int, stride: int, dtype: str) -> float:
    """`np.add.reduce` of the 1-d float array at `data`: NumPy's pairwise summation."""
    if count == 0:
        return 0.0
    return float(np.add.reduce(_view(None, data, (count,), (stride,), dtype, False)))


def flatten_argument(spec: Any, value: Any, lists: dict[int, NativeList]) -> list[Any]:
    """The flat values of an argument, as the ABI passes them: a list as one
    `NativeList` per Python list (`lists`, by id, so aliases stay one list), an
    array as its object, data address, lengths and byte strides."""
    if isinstance(spec, str):
        return [value]
    kind = spec[0]
    if kind == "complex":
        return [value.real, value.imag]
    if kind == "const":
        return []
    if kind == "tuple":
        return [v for item, x in zip(spec[1], value) for v in flatten_argument(item, x, lists)]
    if kind == "list":
        if id(value) not in lists:
            lists[id(value)] = NativeList(list(value), value)
        return [lists[id(value)]]
    if kind == "array":
        return [value, pyarray_data(value), *value.shape, *value.strides]
    raise TypeError(f"no Python ABI for {spec!r}")


def reflect(lists: dict[int, NativeList]) -> None:
    """Writes each argument list back into the caller's list (the call succeeded):
    items that did not change keep their objects."""
    for native in lists.values():
        origin, items = native.origin, native.items
        if origin is None:
            continue
        for i in range(min(len(origin), len(items))):
            old, new = origin[i], items[i]
            if type(old) is not type(new) or repr(old) != repr(new):
                origin[i] = new
        del origin[len(items) :]
        origin.extend(items[len(origin) :])


def slot_count(spec: Any) -> int:
    """How many flat values a spec takes: one definition for the native wrapper
    (`pyvalues`) and the emitted Python, which carries this module's copy."""
    if isinstance(spec, str):
        return 1
    kind: str = spec[0]
    if kind in ("tuple", "union"):
        return int(kind == "union") + sum(slot_count(item) for item in spec[1])
    if kind == "array":  # object, data, a length and a stride per axis
        return 2 + 2 * int(spec[2])
    return {"complex": 2, "const": 0, "list": 1, "npscalar": 1}[kind]


_SCALAR_FITS = {
    "i1": lambda v: type(v) is bool,
    "i64": lambda v: type(v) is int and -(2**63) <= v < 2**63,
    "f64": lambda v: type(v) is float,
}
"""Whether a flat result is a value of its scalar spec: exactly a bool, an int of 64
bits, a float (the Python types native code boxes them as)."""


def box_result(spec: Any, values: Any) -> Any:
    """The Python value of a result spec from the flat results (an iterator): the one
    reading for the interpreter backend and the emitted Python. A scalar that is not a
    value of its type raises `ResultDoesNotFit` (native code hands such calls back). A
    union's slots of the alternatives not taken are skipped unread, as the native
    boxing does: they hold placeholders, not values."""
    if isinstance(spec, str):
        value = next(values)
        if not _SCALAR_FITS[spec](value):
            raise ResultDoesNotFit(f"result {value!r} does not fit {spec}")
        return value
    kind = spec[0]
    if kind == "complex":
        return complex(next(values), next(values))
    if kind == "const":
        return spec[1]
    if kind == "tuple":
        return tuple(box_result(item, values) for item in spec[1])
    if kind == "union":
        tag = next(values)
        result = None
        for position, item in enumerate(spec[1]):
            if position == tag:
                result = box_result(item, values)
            else:  # the slots of an alternative not taken hold no value
                for _ in range(slot_count(item)):
                    next(values)
        return result
    if kind == "list":
        native = next(values)
        return native.origin if native.origin is not None else native.items
    if kind == "array":
        _, dtype, ndim, _, view = spec
        owner, data = next(values), next(values)
        shape = [next(values) for _ in range(ndim)]
        strides = [next(values) for _ in range(ndim)]
        if not view:
            return owner
        return _view(owner, data, shape, strides, dtype, owner.flags.writeable)
    if kind == "npscalar":
        return getattr(np, "bool_" if spec[1] == "bool" else spec[1])(next(values))
    raise TypeError(f"no Python ABI for {spec!r}")
