"""Region breaks: a call graphlet cannot compile runs in CPython, and the compiled code
carries on after it (docs/jit-region-breaks.md).

`region_call` is what the `CALL` handler tries when a call is a graph break: when its
arguments, the live locals and the values below it on the stack have kinds that box
without native memory (numbers, tuples, constants, complex, range and tuple
iterators, CPython's NULL), the call becomes a `pyrt.region_call`. Its values go to the
function's region frame; the region runtime (`graphlet.backend.regions`) calls the
Python callable there (a `RegionSite`), and its result, unboxed to the kind observed
before (`OBSERVED`), comes back.

Every region call is a *checkpoint*: native code holds no state CPython could see but
those values (the function has no lists or arrays that Python could reach), so when
anything after it fails (an int leaves 64 bits, Python would raise, a bail point, a
result of another type, a guarded global the call changed), the rest of the call runs
in CPython from the checkpoint: a *resume function* made of the function's own
bytecode, entered after the call with the live locals and the stack as arguments
(Dynamo's resume functions). Before the first region call finishes, a failing call
still hands back from the start, since nothing has happened yet.
"""

from __future__ import annotations

import ctypes
import dis
import struct
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xdsl.ir import Attribute, SSAValue

from graphlet import abi
from graphlet.dialects import pyrt
from graphlet.dialects.graphlet import PYTHON_TYPES
from graphlet.driver import regions as runtime
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOOL, BOTTOM, FLOAT, INT, NULL, Known
from graphlet.frontend.bytecode.values import (
    ComplexValue,
    RangeIter,
    State,
    TupleIter,
    TupleValue,
    Value,
    shared_iterators,
)
from graphlet.frontend.guards import MISSING

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture

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
_RESULT_KINDS = {python: kind for kind, python in PYTHON_TYPES.items()}


def site_key(code: types.CodeType, offset: int) -> str:
    return f"{code.co_filename}:{code.co_firstlineno}:{code.co_qualname}:{offset}"


def layout(value: Value) -> tuple[Spec, list[SSAValue]] | None:
    """The spec and flattened values of `value` in frame slots, or None when it cannot
    travel through a frame (lists, arrays, anything needing native memory)."""
    if isinstance(value, SSAValue):
        name = {BOOL: "i1", INT: "i64", FLOAT: "f64"}.get(value.type)
        return ((name,), [value]) if name else None
    if isinstance(value, Known) and not isinstance(value.obj, list | dict | set):
        return ("const", value.obj), []
    if isinstance(value, ComplexValue):
        return ("complex",), [value.real, value.imag]
    if isinstance(value, TupleValue | TupleIter):
        items = value.items if isinstance(value, TupleValue) else value.items[value.position :]
        parts = [layout(item) for item in items]
        if any(part is None for part in parts):
            return None
        specs = tuple(part[0] for part in parts if part is not None)
        flat = [v for part in parts if part is not None for v in part[1]]
        return ("tuple" if isinstance(value, TupleValue) else "tupleiter", specs), flat
    if isinstance(value, RangeIter):
        return ("range",), [value.next, value.stop, value.step]
    if value is NULL:
        return ("null",), []
    return None


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
    result_kind: Any
    """The kind the stored result is unboxed to (`Known(None)` for None or a popped result)."""
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
        expected = type(None) if isinstance(kind, Known) else PYTHON_TYPES[kind]
        if type(result) is not expected:
            seen = OBSERVED.get(self.key, MISSING)
            OBSERVED[self.key] = type(result) if seen is MISSING else MIXED
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
        if self.stores and not isinstance(self.result_kind, Known):
            slot = self._slots(
                frame, "=" + _SLOT_FORMAT[str(self.result_kind)], self.result_slot * 8
            )
            result = bool(slot[0]) if self.result_kind == BOOL else slot[0]
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


# --------------------------------------------------------------------------- capture


def enabled_for(kinds: tuple[inf.Kind, ...], code: types.CodeType) -> bool:
    """Whether a function of these parameter kinds may have region breaks: no
    parameter Python could see changed in native memory (lists, arrays), and no
    `del` of a local (a resumed call passes every local)."""
    if any(ins.opname == "DELETE_FAST" for ins in dis.get_instructions(code)):
        return False
    return all(_boxable_kind(kind) for kind in kinds)


def _boxable_kind(kind: inf.Kind) -> bool:
    if isinstance(kind, inf.TupleKind):
        return all(_boxable_kind(item) for item in kind.items)
    return not isinstance(kind, inf.ListKind | inf.ArrayKind)


def region_call(
    c: FunctionCapture, ins: Instr, state: State, callee: Value, args: list[Value]
) -> Value | None:
    """The result of `callee(*args)` run in CPython at a region break, or None when
    this call cannot be one (it stays a graph break)."""
    if not c.regions or not isinstance(callee, Known):
        return None
    if any(a is BOTTOM for a in args):
        return BOTTOM
    following = c.instrs[ins.index + 1] if ins.index + 1 < len(c.instrs) else None
    if following is None:
        return None
    if following.offset == ins.offset:
        return None
    operands = [layout(a) for a in args]
    below = [layout(v) for v in state.stack]
    live = c.live[ins.index + 1]
    if any(name not in state.locals for name in live):
        return None
    names = sorted(live, key=c.code.co_varnames.index)
    if shared_iterators([*(state.locals[name] for name in names), *state.stack, *args]):
        return None  # a frame would hold one iterator as two objects
    local_layouts = [layout(state.locals[name]) for name in names]
    parts = [*local_layouts, *below, *operands]
    if any(part is None for part in parts):
        return None
    stores = following.op != "POP_TOP"
    result_kind: Any = Known(None)
    key = site_key(c.code, following.offset)
    if stores:
        known = c.unit.guards.get((id(OBSERVED), key))  # one reading per compile
        seen = known.expected if known is not None else c.unit.guard(OBSERVED, key)
        if seen is MISSING or seen is type(None):
            result_kind = Known(None)
        elif seen in _RESULT_KINDS:
            result_kind = _RESULT_KINDS[seen]
        else:  # two types, or one without a native form: a bail point
            return None
    values = [v for part in parts if part is not None for v in part[1]]
    result_type: Attribute | None = None if isinstance(result_kind, Known) else result_kind
    site_number = 0
    result_slot = abi.REGION_HEADER_SLOTS + len(values)
    if c.emitting:
        site = RegionSite(
            c.fn,
            callee.obj,
            ins.line,
            ins.opname,
            key,
            following.offset,
            [(c.code.co_varnames.index(n), p[0]) for n, p in zip(names, local_layouts) if p],
            [p[0] for p in below if p],
            [p[0] for p in operands if p],
            result_kind,
            stores,
        )
        assert site.result_slot == result_slot
        site.number = site_number = runtime.register(site)
        c.region_sites.append(site)
        c.region_slots = max(c.region_slots, site.slots)
        frame = c.region_frame
        assert frame is not None, "the inference pass saw this call and made the frame"
    else:
        c.region_used = True
        frame = c.result(pyrt.RegionFrameOp(0))
    op = c.insert(
        pyrt.RegionCallOp(
            frame,
            values,
            site_number,
            result_type,
            result_slot if result_type is not None else None,
        )
    )
    c.guard(op.results[0], "Raised")
    return op.results[1] if result_type is not None else Known(None)
