"""The runtime side of `@jit`'s region breaks (docs/jit-region-breaks.md): a
`RegionSite` is one region call in compiled code, registered with the region runtime
(`graphlet.backend.regions`) by the capture (`graphlet.frontend.bytecode.regions`,
which builds it through `graphlet.driver.regions`). Its `call` runs the Python
callable with the values native code put in the region frame and stores the result,
unboxed to the kind observed before (`OBSERVED`); its `resume` runs the rest of the
call in CPython from after the call, through a *resume function* made of the
function's own bytecode (Dynamo's resume functions).
"""

from __future__ import annotations

import ctypes
import dis
import struct
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import Attribute

from graphlet import abi
from graphlet.backend import regions as runtime
from graphlet.dialects.graphlet import PYTHON_TYPES

OBSERVED: dict[str, Any] = {}
"""The type a stored region call returned (`bool`, `int`, `float`, `NoneType`), or
`MIXED`, by call site (`site_key`). Compiled code reads it through a guard, so a new
observation recompiles the caller with the result's kind."""
MIXED = "mixed"

Spec = tuple[Any, ...]
"""How a value sits in frame slots: ("i1",), ("i64",), ("f64",), ("const", obj),
("tuple", specs), ("complex",), ("range",) (next, stop, step) or ("tupleiter", specs)."""

_SLOT_FORMAT = {"i1": "q", "i64": "q", "f64": "d"}
_NULL = None
"""What a resume function is passed for a NULL stack item (its prologue pushes NULL)."""
_UNSEEN = object()


def _slot_format(specs: list[Spec]) -> str:
    def walk(spec: Spec) -> str:
        if spec[0] in _SLOT_FORMAT:
            return _SLOT_FORMAT[spec[0]]
        if spec[0] in ("tuple", "tupleiter"):
            return "".join(walk(item) for item in spec[1])
        return {"const": "", "null": "", "complex": "dd", "range": "qqq"}[spec[0]]

    return "".join(walk(spec) for spec in specs)


def _decode(spec: Spec, slots: list[Any], position: int) -> tuple[Any, int]:
    kind = spec[0]
    if kind == "i1":
        return bool(slots[position]), position + 1
    if kind in ("i64", "f64"):
        return slots[position], position + 1
    if kind == "const":
        return spec[1], position
    if kind == "null":
        return _NULL, position
    if kind == "complex":
        return complex(slots[position], slots[position + 1]), position + 2
    if kind == "range":
        start, stop, step = slots[position : position + 3]
        return iter(range(start, stop, step)), position + 3
    items = []
    for item in spec[1]:
        value, position = _decode(item, slots, position)
        items.append(value)
    return (tuple(items) if kind == "tuple" else iter(tuple(items))), position


def _decode_all(specs: list[Spec], slots: list[Any]) -> list[Any]:
    values, position = [], 0
    for spec in specs:
        value, position = _decode(spec, slots, position)
        values.append(value)
    return values


@dataclass
class RegionSite:
    """One region call in compiled code: its callable, where its values sit in the
    frame, and how the rest of the call resumes in CPython after it."""

    fn: types.FunctionType
    target: Any
    line: int | None
    opname: str
    key: str
    resume_offset: int
    """Bytecode offset of the instruction after the call."""
    local_specs: list[tuple[int, Spec]]
    """(index in `co_varnames`, spec) of each live local."""
    stack_specs: list[Spec]
    """The values below the call on the value stack (loop iterators)."""
    operand_specs: list[Spec]
    result_kind: Attribute | None
    """The IR type the stored result is unboxed to (None for None or a popped result)."""
    stores: bool
    """Whether the result is used (else the next instruction pops it)."""
    number: int = 0
    calls: int = 0
    """How many times the Python call ran (for `explain`)."""
    resumed: int = 0
    """How many calls ran their rest in CPython from this site."""
    guards: tuple[Any, ...] = field(default=(), repr=False)
    """The version's guards, checked after each call (the call may change a global)."""
    clock: Any = field(default=None, repr=False)
    """The dispatcher's call clock: a resumed call counts as handed back."""
    _resume_fn: Callable[..., Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        state = [spec for _, spec in self.local_specs] + self.stack_specs
        self._state_format = "=" + _slot_format(state)
        self._state_bytes = struct.calcsize(self._state_format)
        self._operand_format = "=" + _slot_format(self.operand_specs)
        self.result_slot = (
            abi.REGION_HEADER_SLOTS
            + (self._state_bytes + struct.calcsize(self._operand_format)) // 8
        )
        self.slots = self.result_slot + 1

    @property
    def target_name(self) -> str:
        return getattr(self.target, "__qualname__", None) or type(self.target).__name__

    def where(self) -> str:
        return f"{self.fn.__code__.co_filename}:{self.line}"

    # ------------------------------------------------------------------ runtime side

    def _slots(self, frame: Any, fmt: str, start: int) -> list[Any]:
        address = ctypes.cast(frame, ctypes.c_void_p).value
        assert address is not None
        return list(
            struct.unpack_from(fmt, ctypes.string_at(address + start, struct.calcsize(fmt)))
        )

    def call(self, frame: Any) -> int:
        """Run the Python call with the values native code put in `frame`."""
        header = abi.REGION_HEADER_SLOTS * 8
        slots = self._slots(frame, self._operand_format, header + self._state_bytes)
        args = _decode_all(self.operand_specs, slots)
        self.calls += 1
        try:
            result = self.target(*args)
        except BaseException as e:
            frame[1] = runtime.leave(abi.RAISED, e.with_traceback(_skip_own(e.__traceback__)))
            return abi.RAISED
        if not all(guard.holds() for guard in self.guards):
            return self._resume(frame, result)
        if self.stores and not self._store(frame, result):
            return self._resume(frame, result)
        frame[0] = self.number
        return abi.OK

    def _store(self, frame: Any, result: Any) -> bool:
        """Put `result` in the result slot if it is of the kind compiled; else record
        what it was, so the next compile expects it."""
        kind = self.result_kind
        expected = type(None) if kind is None else PYTHON_TYPES[kind]
        if type(result) is not expected:
            seen = OBSERVED.get(self.key, _UNSEEN)
            OBSERVED[self.key] = type(result) if seen is _UNSEEN else MIXED
            return False
        if isinstance(result, bool):  # of exactly `expected`: bool before int
            frame[self.result_slot] = int(result)
        elif isinstance(result, int):
            if not abi.INT_MIN <= result <= abi.INT_MAX:
                return False
            frame[self.result_slot] = result
        elif isinstance(result, float):
            ctypes.cast(frame, ctypes.POINTER(ctypes.c_double))[self.result_slot] = result
        return True

    def resume(self, frame: Any) -> int:
        """Run the rest of the call in CPython from after this site's call (a later
        failure unwinds to the last finished region call)."""
        result: Any = None
        if self.stores and self.result_kind is not None:
            slot = self._slots(
                frame, "=" + _SLOT_FORMAT[str(self.result_kind)], self.result_slot * 8
            )
            result = bool(slot[0]) if PYTHON_TYPES[self.result_kind] is bool else slot[0]
        return self._resume(frame, result)

    def _resume(self, frame: Any, result: Any) -> int:
        self.resumed += 1
        if self.clock is not None:  # `last_call_handed_back`
            self.clock[1] = self.clock[0]
        slots = self._slots(frame, self._state_format, abi.REGION_HEADER_SLOTS * 8)
        state = _decode_all([spec for _, spec in self.local_specs] + self.stack_specs, slots)
        code = self.fn.__code__
        local_values: list[Any] = [None] * len(code.co_varnames)
        for (index, _), value in zip(self.local_specs, state):
            local_values[index] = value
        stack = state[len(self.local_specs) :]
        try:
            value = self.resume_function()(*local_values, *stack, result)
        except BaseException as e:
            frame[1] = runtime.leave(abi.RAISED, e.with_traceback(_skip_own(e.__traceback__)))
            return abi.RAISED
        frame[1] = runtime.leave(abi.RESUMED, value)
        return abi.RESUMED

    def resume_function(self) -> Callable[..., Any]:
        if self._resume_fn is None:
            nulls = (*(spec[0] == "null" for spec in self.stack_specs), False)
            self._resume_fn = resume_function(self.fn, self.resume_offset, nulls)
        return self._resume_fn


def _skip_own(tb: types.TracebackType | None) -> types.TracebackType | None:
    """A traceback without its first entry (graphlet's frame that made the call)."""
    return tb.tb_next if tb is not None else None


_OP = dis.opmap


def resume_function(
    fn: types.FunctionType, offset: int, nulls: tuple[bool, ...]
) -> types.FunctionType:
    """`fn` entered at bytecode `offset` with a value stack of `len(nulls)` items: a
    function of `fn`'s locals (in `co_varnames` order) and then those items (an item
    whose `nulls` entry is true is CPython's NULL, pushed whatever is passed for it),
    whose code is `fn`'s own behind a prologue that pushes them and jumps to `offset`
    (jumps are relative, so the original code runs unchanged; its line table too, so
    tracebacks name the user's lines)."""
    code = fn.__code__
    count = len(code.co_varnames)
    stack_items = len(nulls)
    names = code.co_varnames + tuple(f".stack{i}" for i in range(stack_items))
    prologue = [_OP["RESUME"], 0]
    for i, null in enumerate(nulls):
        index = count + i
        if null:
            prologue += [_OP["PUSH_NULL"], 0]
        else:
            prologue += [_OP["EXTENDED_ARG"], index >> 8, _OP["LOAD_FAST"], index & 0xFF]
    jump_at = len(prologue) // 2 + 1
    units = jump_at + 1
    delta = units + offset // 2 - (jump_at + 1)
    if delta >= 1 << 16:
        raise ValueError("graphlet: a resume point too far into a function")
    prologue += [_OP["EXTENDED_ARG"], delta >> 8, _OP["JUMP_FORWARD"], delta & 0xFF]
    table = b""
    left = units
    while left:  # "no location" entries of the location table for the prologue
        n = min(left, 8)
        table += bytes([0x80 | (15 << 3) | (n - 1)])
        left -= n
    resumed = code.replace(
        co_code=bytes(prologue) + code.co_code,
        co_linetable=table + code.co_linetable,
        co_varnames=names,
        co_argcount=len(names),
        co_posonlyargcount=0,
        co_kwonlyargcount=0,
        co_nlocals=len(names),
        co_stacksize=code.co_stacksize + stack_items + 1,
    )
    return types.FunctionType(resumed, fn.__globals__, fn.__name__)
