"""`enumerate`, `zip` and `reversed` in `for` loops.

`enumerate(it, start)` and `zip(*its)` are iterators over the iterators of their
arguments (any iterable capture compiles: ranges, tuples, lists, arrays, and each
other); each `FOR_ITER` advances the inner iterators in CPython's order (zip stops at
the first exhausted one) and builds the tuple of their items. `reversed` of a range is
a range iterator, of a tuple its items reversed, and of a list CPython's reverse iterator,
which reads the list on every step (a loop sees items changed while it runs).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects import pylist
from graphlet.frontend.bytecode import builtins, operators
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOTTOM, INT
from graphlet.frontend.bytecode.iteration import (
    ITERATE_RULES,
    NEXT_RULES,
    for_iter,
    iterate,
    range_iterator,
)
from graphlet.frontend.bytecode.lists import length, range_count
from graphlet.frontend.bytecode.opcodes import Flow, Successor
from graphlet.frontend.bytecode.values import (
    USED_ITERATOR,
    EnumerateIter,
    GeneratorValue,
    ListValue,
    RangeValue,
    ReversedListIter,
    SharedIter,
    State,
    TupleIter,
    TupleValue,
    Value,
    ZipIter,
    exhausted,
    is_iterator,
    kind_of,
    replace_holders,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


@builtins.value_builtin(enumerate)
def _enumerate(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if not 1 <= len(args) <= 2:
        return None
    if any(a is BOTTOM for a in args):
        return BOTTOM
    start = c.scalar(args[1]) if len(args) == 2 else c.const(0)
    if start.type not in (INT, inf.BOOL):
        raise GraphBreak(f"enumerate() start of {inf.kind_name(kind_of(start))} raises TypeError")
    return EnumerateIter(iterate(c, args[0]), c.cast(start, INT))


@builtins.value_builtin(zip)
def _zip(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if not args or any(a is BOTTOM for a in args):
        return None if not args else BOTTOM
    return ZipIter(tuple(iterate(c, a) for a in args))


@builtins.value_builtin(tuple)
def _tuple(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`tuple(x)` of a tuple is itself, of a range with constant bounds its items;
    iterators run as `tuple(v for v in it)` (`comprehensions`)."""
    if len(args) != 1:
        return None if args else TupleValue(())
    (value,) = args
    if isinstance(value, TupleValue) or value is BOTTOM:
        return value
    if isinstance(value, RangeValue):
        start, stop, step = (_constant(v) for v in (value.start, value.stop, value.step))
        if start is not None and stop is not None and step:
            items = range(start, stop, step)
            if len(items) <= 64:
                return TupleValue(tuple(c.const(i) for i in items))
    raise GraphBreak(
        f"tuple() of {inf.kind_name(kind_of(value))} is not compiled (a tuple's length is"
        " fixed at compile time: only tuple() of a tuple, of a constant range or of an"
        " iterator over tuples is)"
    )


def _constant(value: SSAValue) -> int | None:
    owner = value.owner
    if isinstance(owner, g.ConstantOp) and value.type == INT:
        number = g.from_attr(owner.value)
        return number if isinstance(number, int) else None
    return None


@builtins.value_builtin(reversed)
def _reversed(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) != 1:
        return None
    (value,) = args
    if isinstance(value, TupleValue):
        return TupleIter(tuple(reversed(value.items)), 0)
    if isinstance(value, ListValue):
        return ReversedListIter(value, c.result(g.SubOp(length(c, value), c.const(1))))
    if isinstance(value, RangeValue):
        count = range_count(c, value)
        last = c.result(g.MulOp(c.result(g.SubOp(count, c.const(1))), value.step))
        start = c.result(g.AddOp(value.start, last))
        stop = c.result(g.SubOp(value.start, value.step))
        return range_iterator(c, RangeValue(start, stop, c.negate(value.step)))  # an iterator
    if value is BOTTOM:
        return BOTTOM
    return None


def _iterate(c: FunctionCapture, value: Value) -> Any:
    if isinstance(value, EnumerateIter | ZipIter | ReversedListIter):
        return value
    return NotImplemented


ITERATE_RULES.append(_iterate)


def advance(
    c: FunctionCapture, ins: Instr, state: State, iterator: Value
) -> tuple[SSAValue | bool, Value, Value]:
    """One step of `iterator` as `FOR_ITER` takes it: whether it had an item (known
    statically or not), the item, and the advanced iterator."""
    scratch = State(dict(state.locals), [iterator])
    flow = for_iter(c, ins, scratch)
    if not isinstance(flow, list):  # a generator expression's step splits the path
        raise GraphBreak(f"stepping {inf.kind_name(kind_of(iterator))} here is not compiled")
    body = [s for target, s, _ in flow if target == ins.index + 1]
    if not body:
        return False, None, None
    item, advanced = body[0].stack[-1], body[0].stack[-2]
    if len(flow) == 1:
        return True, item, advanced
    has_next = flow[1][2]
    assert has_next is not None
    return has_next, item, advanced


def _next(c: FunctionCapture, ins: Instr, state: State, iterator: Value) -> Any:
    if isinstance(iterator, ReversedListIter):
        return _next_reversed(c, ins, state, iterator)
    if isinstance(iterator, EnumerateIter):
        has_next, item, inner = advance(c, ins, state, iterator.inner)
        if has_next is False:
            return _done(ins, state)
        count = iterator.count
        following = EnumerateIter(inner, c.result(g.AddOp(count, c.const(1))))
        return _step(ins, state, has_next, following, TupleValue((count, item)))
    if isinstance(iterator, ZipIter):
        items, inners = [], []
        has_next = True
        for inner in iterator.inners:
            more, item, advanced = advance(c, ins, state, inner)
            has_next = c.both(has_next, more)
            if has_next is False:
                return _done(ins, state)
            items.append(item)
            inners.append(advanced)
        return _step(ins, state, has_next, ZipIter(tuple(inners)), TupleValue(tuple(items)))
    return NotImplemented


NEXT_RULES.append(_next)


def _done(ins: Instr, state: State) -> list[Successor]:
    done = state.copy()
    done.pop()
    assert ins.target is not None
    return [(ins.target, done, None)]


def _step(
    ins: Instr, state: State, has_next: SSAValue | bool, iterator: Value, item: Value
) -> list[Successor]:
    body = state.copy()
    body.stack[-1] = iterator
    body.stack.append(item)
    if has_next is True:
        return [(ins.index + 1, body, None)]
    assert has_next is not False, "an exhausted iterator takes _done"
    done = state.copy()
    done.pop()
    assert ins.target is not None
    return [(ins.index + 1, body, None), (ins.target, done, has_next)]


def _next_reversed(
    c: FunctionCapture, ins: Instr, state: State, iterator: ReversedListIter
) -> list[Successor]:
    """CPython's `listreviter_next`: an item while 0 <= index < len(list)."""
    lst, index = iterator.list, iterator.index
    in_range = c.result(
        g.AndOp(
            c.result(g.CmpOp("ge", index, c.const(0))),
            c.result(g.CmpOp("lt", index, length(c, lst))),
        )
    )
    body = state.copy()
    body.stack[-1] = ReversedListIter(lst, c.result(g.SubOp(index, c.const(1))))
    if lst.elem is None:
        body.stack.append(inf.Poison("an item of an empty list of unknown item type"))
    else:
        safe = c.result(g.SelectOp(in_range, index, c.const(0)))
        body.stack.append(c.result(pylist.GetOp(lst.handle, safe, item=lst.elem)))
    done = state.copy()
    done.pop()
    assert ins.target is not None
    return [(ins.index + 1, body, None), (ins.target, done, in_range)]


def next_call(c: FunctionCapture, ins: Instr, state: State, args: list[Value]) -> Flow:
    """`next(iterator[, default])`: one step of the iterator, as a `for` loop takes it;
    the variables that hold it see it advanced (or exhausted). Without a default an
    exhausted iterator hands the call back (CPython raises StopIteration)."""
    iterator = args[0]
    empty = isinstance(iterator, TupleIter) and not is_iterator(iterator)
    if isinstance(iterator, GeneratorValue | SharedIter) or not (empty or is_iterator(iterator)):
        raise GraphBreak(f"next() of {inf.kind_name(kind_of(iterator))} is not compiled")
    if any(a is BOTTOM for a in args):
        state.stack.append(BOTTOM)
        return None
    step = replace(ins, op="FOR_ITER", target=-1)  # where a loop's step would go on
    has_next, item, advanced = advance(c, step, state, iterator)
    following = ins.index + 1
    if has_next is False:
        if len(args) == 1:
            raise GraphBreak("next() of an exhausted iterator raises StopIteration")
        replace_holders(state, iterator, exhausted(), inf.Poison(USED_ITERATOR))
        state.stack.append(args[1])
        return None
    done = state.copy()
    replace_holders(state, iterator, advanced, inf.Poison(USED_ITERATOR))
    state.stack.append(item)
    if has_next is True:
        return None
    if len(args) == 1:
        c.guard(has_next)
        return None
    replace_holders(done, iterator, exhausted(), inf.Poison(USED_ITERATOR))
    done.stack.append(args[1])
    return [(following, state, None), (following, done, has_next)]


@operators.truth_rule
def _truth(c: FunctionCapture, value: Value) -> Any:
    """An iterator object is true (exhausted or not): it has no `__len__`/`__bool__`."""
    if isinstance(value, TupleIter) or is_iterator(value):
        return True
    return NotImplemented


def unpack(c: FunctionCapture, ins: Instr, state: State, iterator: Value) -> list[Value] | None:
    """`a, b = it` of an iterator (None for other values): CPython takes `count` items
    and then checks that one more is not there (ValueError with its message where the
    count differs: the call is handed back there). Its holders see it exhausted."""
    if not (isinstance(iterator, TupleIter) or is_iterator(iterator)):
        return None
    if isinstance(iterator, GeneratorValue | SharedIter):
        raise GraphBreak(f"unpacking {inf.kind_name(kind_of(iterator))} is not compiled")
    count = ins.arg
    step = replace(ins, op="FOR_ITER", target=-1)
    items, current = [], iterator
    for got in range(count + 1):
        has_next, item, advanced = advance(c, step, state, current)
        if got == count:
            if has_next is True:
                raise GraphBreak(f"too many values to unpack (expected {count}) (ValueError)")
            if has_next is not False:
                c.guard(c.boolean(c.negated(has_next)), "ValueError")
            break
        if has_next is False:
            raise GraphBreak(
                f"not enough values to unpack (expected {count}, got {got}) (ValueError)"
            )
        if has_next is not True:
            c.guard(has_next, "ValueError")
        items.append(item)
        current = advanced
    replace_holders(state, iterator, exhausted(), inf.Poison(USED_ITERATOR))
    return items
