"""`for` loops: `range(...)`, `GET_ITER` and `FOR_ITER`, over ranges, tuples and lists.

A range iterator travels between blocks as four values (next, stop, step,
descending); `FOR_ITER` tests and advances it. A tuple iterator's position is known
statically, so each iteration of a loop over a tuple is its own block version (the
loop is unrolled, and the items may differ in kind). Other iterables register
`ITERATE_RULES` (`value -> iterator`) and `NEXT_RULES` (`iterator -> successors`).
"""

from __future__ import annotations

from collections.abc import Callable
from types import NotImplementedType
from typing import TYPE_CHECKING

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOTTOM, FLOAT, INT, Poison
from graphlet.frontend.bytecode.opcodes import Flow, Switch, handles
from graphlet.frontend.bytecode.values import (
    ITERATOR_IN_USE,
    USED_ITERATOR,
    IteratorInUse,
    RangeIter,
    RangeValue,
    SharedIter,
    State,
    TupleIter,
    TupleValue,
    Value,
    exhausted,
    holds,
    is_iterator,
    kind_of,
    release,
    replace_holders,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


def make_range(c: FunctionCapture, args: list[Value]) -> Value:
    if not 1 <= len(args) <= 3:
        raise GraphBreak(f"range() with {len(args)} arguments")
    if any(a is BOTTOM for a in args):
        return BOTTOM
    values = [c.scalar(a) for a in args]
    if any(v.type == FLOAT for v in values):
        raise GraphBreak("range() of a float raises TypeError")
    values = [c.cast(v, INT) for v in values]
    if len(values) == 1:
        return RangeValue(c.const(0), values[0], c.const(1))
    if len(values) == 2:
        return RangeValue(values[0], values[1], c.const(1))
    return RangeValue(*values)


ITERATE_RULES: list[Callable[[FunctionCapture, Value], Value]] = []
NEXT_RULES: list[Callable[[FunctionCapture, Instr, State, Value], Flow | NotImplementedType]] = []


@handles("GET_ITER")
def get_iter(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    iterator = iterate(c, value)
    if iterator is value and is_iterator(value) and holds(state, value):
        # the loop advances the object its holders see (`SharedIter`)
        in_use = IteratorInUse(ITERATOR_IN_USE, ins.index)
        replace_holders(state, value, in_use, Poison(USED_ITERATOR))
        iterator = SharedIter(value, ins.index)
    state.stack.append(iterator)
    return None


def iterate(c: FunctionCapture, value: Value) -> Value:
    if isinstance(value, RangeValue):
        return range_iterator(c, value)
    if isinstance(value, TupleValue):
        return TupleIter(value.items, 0)
    if isinstance(value, RangeIter | TupleIter | SharedIter):
        return value
    for rule in ITERATE_RULES:
        result = rule(c, value)
        if result is not NotImplemented:
            return result
    raise GraphBreak(f"iterating over {inf.kind_name(kind_of(value))} is not compiled")


def range_iterator(c: FunctionCapture, value: RangeValue) -> RangeIter:
    step = value.step
    owner = step.owner
    if isinstance(owner, g.ConstantOp):
        step_value = g.from_attr(owner.value)
        if step_value == 0:
            raise GraphBreak("range() arg 3 must not be zero (ValueError)")
        descending = c.const(step_value < 0)
    else:
        c.guard(c.result(g.CmpOp("ne", step, c.const(0))), "ValueError")
        descending = c.result(g.CmpOp("lt", step, c.const(0)))
    return RangeIter(value.start, value.stop, step, descending)


@handles("FOR_ITER")
def for_iter(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    iterator = state.stack[-1]
    assert ins.target is not None
    if isinstance(iterator, SharedIter):
        return _for_shared(c, ins, state, iterator)
    if isinstance(iterator, TupleIter):
        done = state.copy()
        done.pop()
        if iterator.position == len(iterator.items):
            return [(ins.target, done, None)]
        body = state.copy()
        body.stack[-1] = TupleIter(iterator.items, iterator.position + 1)
        body.stack.append(iterator.items[iterator.position])
        return [(ins.index + 1, body, None)]
    for rule in NEXT_RULES:
        result = rule(c, ins, state, iterator)
        if result is not NotImplemented:
            return result
    if not isinstance(iterator, RangeIter):
        raise GraphBreak(f"a for loop over {inf.kind_name(kind_of(iterator))} is not compiled")
    current = iterator.next
    below = c.result(g.CmpOp("lt", current, iterator.stop))
    above = c.result(g.CmpOp("gt", current, iterator.stop))
    has_next = c.result(g.SelectOp(iterator.descending, above, below))
    advanced = c.result(g.AddOp(current, iterator.step))
    body = state.copy()
    body.stack[-1] = RangeIter(advanced, iterator.stop, iterator.step, iterator.descending)
    body.stack.append(current)
    done = state.copy()
    done.pop()
    assert ins.target is not None
    return [(ins.index + 1, body, None), (ins.target, done, has_next)]


def _for_shared(c: FunctionCapture, ins: Instr, state: State, iterator: SharedIter) -> Flow:
    """A step of a loop over an iterator variables hold: the loop's own step, the
    iterator kept wrapped; where it ends its holders see it exhausted."""
    scratch = state.copy()
    scratch.stack[-1] = iterator.inner
    flow = for_iter(c, ins, scratch)
    if isinstance(flow, Switch):
        paths = flow.successors
    elif isinstance(flow, list):
        paths = [(target, successor) for target, successor, _ in flow]
    else:
        raise GraphBreak(f"a for loop over {inf.kind_name(kind_of(iterator.inner))}")
    for target, successor in paths:
        if target == ins.index + 1:
            successor.stack[-2] = SharedIter(successor.stack[-2], iterator.token)
        else:
            release(successor, iterator.token, exhausted())
    return flow
