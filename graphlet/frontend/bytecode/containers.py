"""Tuples: `BUILD_TUPLE` and `UNPACK_SEQUENCE`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import Known
from graphlet.frontend.bytecode.opcodes import Flow, handles
from graphlet.frontend.bytecode.values import State, TupleValue, Value, kind_of

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


@handles("BUILD_TUPLE")
def build_tuple(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    items = [state.pop() for _ in range(ins.arg)][::-1]
    state.stack.append(TupleValue(tuple(items)))
    return None


@handles("UNPACK_SEQUENCE")
def unpack_sequence(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    state.stack.extend(reversed(unpack(c, state.pop(), ins.arg)))
    return None


def unpack(c: FunctionCapture, value: Value, count: int) -> list[Value]:
    if isinstance(value, TupleValue):
        items: list[Value] = list(value.items)
    elif isinstance(value, Known) and isinstance(value.obj, tuple):
        items = [c.constant(item) for item in value.obj]
    else:
        raise GraphBreak(f"unpacking a {inf.kind_name(kind_of(value))}")
    if len(items) != count:
        raise GraphBreak(f"unpacking {len(items)} values into {count} names raises ValueError")
    return items
