"""Region breaks: a call graphlet cannot compile runs in CPython, and the compiled code
carries on after it (docs/jit-region-breaks.md).

`region_call` is what the `CALL` handler tries when a call is a graph break: when its
arguments, the live locals and the values below it on the stack have kinds that box
without native memory (numbers, tuples, constants, complex, range and tuple
iterators, CPython's NULL), the call becomes a `pyrt.region_call`. Its values go to the
function's region frame; the region runtime (`graphlet.backend.regions`) calls the
Python callable there (a `RegionSite`, `graphlet.runtime.regions`, which the driver
hands the frontend), and its result, unboxed to the kind observed
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

import dis
import types
from typing import TYPE_CHECKING, Any

from xdsl.ir import Attribute, SSAValue

from graphlet import abi
from graphlet.dialects import pyrt
from graphlet.dialects.graphlet import PYTHON_TYPES
from graphlet.driver import regions as runtime
from graphlet.driver.regions import OBSERVED, RegionSite, Spec
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOTTOM, NULL, Known
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

_RESULT_KINDS = {python: kind for kind, python in PYTHON_TYPES.items()}


def site_key(code: types.CodeType, offset: int) -> str:
    return f"{code.co_filename}:{code.co_firstlineno}:{code.co_qualname}:{offset}"


def layout(value: Value) -> tuple[Spec, list[SSAValue]] | None:
    """The spec and flattened values of `value` in frame slots, or None when it cannot
    travel through a frame (lists, arrays, anything needing native memory)."""
    if isinstance(value, SSAValue):
        return ((str(value.type),), [value]) if value.type in PYTHON_TYPES else None
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
            result_type,
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
