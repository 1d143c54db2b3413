"""Lists of one scalar item type: literals, `list(...)`, `len`, indexing and slicing
with Python's bounds, item assignment, `del`, iteration, `in`, `+`, `*`, `+=`, and
the methods append, pop, insert, extend, clear, reverse, copy, index, count.

A list is a `ListValue`: a pointer to a native list (`pylist` dialect) shared by all
its aliases, and its item type (bool, int or float). Where Python raises (an index
out of range, `pop` from an empty list, `index` of a missing value) a guard hands
the call back, and CPython raises its own error with its own message; where a list
would get an item of another type, the instruction is a graph break. An empty list
whose item type is not known yet (`[]`, an empty argument) gets it from the first
item stored into it (`ListItemTypeFixed` restarts inference with that type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xdsl.ir import Attribute, Operation, SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects import pylist
from graphlet.frontend.bytecode import builtins
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.containers import (
    LEN_RULES,
    STORE_SUBSCRIPT_RULES,
    SUBSCRIPT_RULES,
    UNPACK_RULES,
    constant_int,
)
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.emit import EXACT_FLOAT_INT
from graphlet.frontend.bytecode.inference import BOOL, FLOAT, INT, Known
from graphlet.frontend.bytecode.iteration import ITERATE_RULES, NEXT_RULES
from graphlet.frontend.bytecode.opcodes import Flow, handles
from graphlet.frontend.bytecode.operators import (
    IDENTITY_RULES,
    binary_rule,
    compare_rule,
    contains_rule,
    inplace_rule,
    method,
    truth_rule,
)
from graphlet.frontend.bytecode.values import (
    ListItemTypeFixed,
    ListIter,
    ListValue,
    RangeValue,
    SliceValue,
    State,
    TupleValue,
    Value,
    kind_of,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


def item_type(lst: ListValue) -> Attribute:
    """The IR item type (an empty list of unknown type holds nothing: i64 will do)."""
    return lst.elem if lst.elem is not None else INT


def _kind_text(value: Value) -> str:
    return inf.kind_name(kind_of(value))


def check_item_kind(c: FunctionCapture, lst: ListValue, kind: inf.Kind) -> None:
    """A graph break unless items of `kind` keep `lst` a list of one scalar type (an
    empty list of unknown type takes `kind`: inference restarts with it)."""
    if isinstance(kind, inf.Poison):
        raise GraphBreak(kind.reason)
    if lst.elem is None:
        if kind not in inf.SCALARS:
            raise GraphBreak(not_scalar_items(kind))
        if not c.emitting and c.owns_site(lst.site):
            raise ListItemTypeFixed(lst.site, kind)
        raise GraphBreak(f"storing {inf.kind_name(kind)} into an empty list of unknown item type")
    if kind != lst.elem:
        raise GraphBreak(
            f"storing {inf.kind_name(kind)} into a list of {inf.describe(lst.elem)} "
            "(a list of mixed types is not compiled)"
        )


def not_scalar_items(kind: inf.Kind) -> str:
    return f"a list of {inf.describe(kind)} items is not compiled (lists of bool, int or float are)"


def storable(c: FunctionCapture, lst: ListValue, value: Value) -> SSAValue:
    """`value` as an item of `lst`, or a graph break if it would change its type."""
    check_item_kind(c, lst, kind_of(value))
    assert isinstance(value, SSAValue)  # the item kinds are scalars: only SSA values have them
    return value


def new_list(
    c: FunctionCapture, elem: Attribute | None, capacity: SSAValue, site: Any = None
) -> ListValue:
    op = c.insert(pylist.NewOp(c.arena, capacity, item=elem if elem is not None else INT))
    c.guard(op.results[1])
    return ListValue(op.results[0], elem, site if elem is None else None)


def allocated(c: FunctionCapture, op: Operation, elem: Attribute | None) -> ListValue:
    c.insert(op)
    c.guard(op.results[1])
    return ListValue(op.results[0], elem)


def append(c: FunctionCapture, lst: ListValue, value: Value) -> None:
    c.guard(c.result(pylist.AppendOp(c.arena, lst.handle, storable(c, lst, value))))


def length(c: FunctionCapture, lst: ListValue) -> SSAValue:
    return c.result(pylist.LenOp(lst.handle, item=item_type(lst)))


def normalized_index(c: FunctionCapture, index: Value, n: SSAValue) -> SSAValue:
    """A valid position for `index` (negative from the end); out of range, the call is
    handed back and CPython raises its IndexError."""
    if not (isinstance(index, SSAValue) and index.type in (INT, BOOL)):
        raise GraphBreak(f"list indices must be integers, not {inf.describe(kind_of(index))}")
    index = c.cast(index, INT)
    position = c.result(
        g.SelectOp(c.result(g.CmpOp("lt", index, c.const(0))), c.result(g.AddOp(index, n)), index)
    )
    low = c.result(g.CmpOp("ge", position, c.const(0)))
    c.guard(c.result(g.AndOp(low, c.result(g.CmpOp("lt", position, n)))))
    return position


def _select(c: FunctionCapture, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
    return c.result(g.SelectOp(cond, a, b))


def _clamp_bound(
    c: FunctionCapture, bound: Value, n: SSAValue, step: int, default: int
) -> SSAValue:
    """`PySlice_AdjustIndices` for one bound (None: the end the step starts from)."""
    if isinstance(bound, Known) and bound.obj is None:
        return c.const(0) if default == 0 else (n if default > 0 else c.const(-1))
    if not (isinstance(bound, SSAValue) and bound.type in (INT, BOOL)):
        raise GraphBreak("slice indices must be integers or None")
    bound = c.cast(bound, INT)
    zero = c.const(0)
    shifted = c.result(g.AddOp(bound, n))
    low = c.const(-1) if step < 0 else zero
    high = c.result(g.SubOp(n, c.const(1))) if step < 0 else n
    negative = c.result(g.CmpOp("lt", bound, zero))
    below = _select(c, c.result(g.CmpOp("lt", shifted, zero)), low, shifted)
    above = _select(c, c.result(g.CmpOp("ge", bound, n)), high, bound)
    return _select(c, negative, below, above)


def slice_bounds(
    c: FunctionCapture, index: SliceValue, n: SSAValue
) -> tuple[SSAValue, int, SSAValue]:
    """(start, step, count) of `lst[start:stop:step]`, as CPython computes them."""
    if isinstance(index.step, Known) and index.step.obj is None:
        step = 1
    else:
        constant = constant_int(index.step)
        if constant is None:
            raise GraphBreak("a slice step known only at run time")
        step = constant
    if step == 0:
        raise GraphBreak("slice step cannot be zero (ValueError)")
    if step > 0:
        start = _clamp_bound(c, index.start, n, step, 0)
        stop = _clamp_bound(c, index.stop, n, step, 1)
        span = c.result(g.SubOp(stop, start))
    else:
        start = _clamp_bound(c, index.start, n, step, 1)
        start = _select(
            c, c.result(g.CmpOp("eq", start, n)), c.result(g.SubOp(n, c.const(1))), start
        )
        stop = _clamp_bound(c, index.stop, n, step, -1)
        span = c.result(g.SubOp(start, stop))
    positive = c.result(g.CmpOp("gt", span, c.const(0)))
    steps = c.result(g.FloorDivOp(c.result(g.SubOp(span, c.const(1))), c.const(abs(step))))
    count = _select(c, positive, c.result(g.AddOp(steps, c.const(1))), c.const(0))
    return start, step, count


# --------------------------------------------------------------------------- building


@handles("BUILD_LIST")
def build_list(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    items = [state.pop() for _ in range(ins.arg)][::-1]
    kinds = {kind_of(item) for item in items}
    if len(kinds) > 1:
        raise GraphBreak("a list of mixed types is not compiled")
    if kinds and next(iter(kinds)) not in inf.SCALARS:
        raise GraphBreak(not_scalar_items(next(iter(kinds))))
    site = ("build", c.symbol, ins.index)
    elem = next(iter(kinds)) if kinds else c.list_sites.get(site)
    lst = new_list(c, elem, c.const(len(items)), site)
    for item in items:
        append(c, lst, item)
    state.stack.append(lst)
    return None


@handles("LIST_EXTEND")
def list_extend(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    iterable = state.pop()
    target = state.stack[-ins.arg]
    if not isinstance(target, ListValue):
        raise GraphBreak(f"extending {_kind_text(target)}")
    extend(c, target, [iterable])
    return None


@method(ListValue, "extend")
def extend(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) != 1:
        raise GraphBreak("list.extend() takes exactly one argument (TypeError)")
    (other,) = args
    if isinstance(other, TupleValue):
        for item in other.items:
            append(c, lst, item)
    elif isinstance(other, ListValue):
        if other.elem is not None:  # (an empty list of unknown type adds nothing)
            check_item_kind(c, lst, other.elem)
            elem = item_type(lst)
            c.guard(c.result(pylist.ExtendOp(c.arena, lst.handle, other.handle, item=elem)))
    elif isinstance(other, RangeValue):
        extend(c, lst, [from_range(c, other)])
    else:
        raise GraphBreak(f"extending a list with {_kind_text(other)} is not compiled")
    return Known(None)


def range_count(c: FunctionCapture, r: RangeValue) -> SSAValue:
    """`len(range(start, stop, step))` (the step is checked non-zero on iteration)."""
    step = constant_int(r.step)
    if step is None:
        c.guard(c.result(g.CmpOp("ne", r.step, c.const(0))), "ValueError")
        raise GraphBreak("list(range(...)) with a step known only at run time")
    if step == 0:
        raise GraphBreak("range() arg 3 must not be zero (ValueError)")
    span = c.result(g.SubOp(r.stop, r.start) if step > 0 else g.SubOp(r.start, r.stop))
    steps = c.result(
        g.FloorDivOp(c.result(g.AddOp(span, c.const(abs(step) - 1))), c.const(abs(step)))
    )
    return c.result(g.MaxOp(steps, c.const(0)))


def from_range(c: FunctionCapture, r: RangeValue) -> ListValue:
    count = range_count(c, r)
    return allocated(c, pylist.RangeOp(c.arena, r.start, r.step, count, item=INT), INT)


def copy_of(c: FunctionCapture, lst: ListValue) -> ListValue:
    n = length(c, lst)
    op = pylist.SliceOp(c.arena, lst.handle, c.const(0), c.const(1), n, item=item_type(lst))
    copy = allocated(c, op, lst.elem)
    return copy if lst.elem is not None else ListValue(copy.handle, None, lst.site)


@builtins.value_builtin(list)
def _list(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if not args:
        raise GraphBreak("list() of no items: its item type is unknown")
    if len(args) != 1:
        return None
    (value,) = args
    if isinstance(value, RangeValue):
        return from_range(c, value)
    if isinstance(value, ListValue):
        return copy_of(c, value)
    if isinstance(value, TupleValue):
        kinds = {kind_of(item) for item in value.items}
        if len(kinds) != 1 or next(iter(kinds)) not in inf.SCALARS:
            raise GraphBreak("list() of a tuple of mixed or non-numeric items is not compiled")
        lst = new_list(c, next(iter(kinds)), c.const(len(value.items)))
        for item in value.items:
            append(c, lst, item)
        return lst
    raise GraphBreak(f"list() of {_kind_text(value)} is not compiled")


# --------------------------------------------------------------------------- reading and writing


def _len(c: FunctionCapture, value: Value) -> Any:
    return length(c, value) if isinstance(value, ListValue) else NotImplemented


LEN_RULES.append(_len)


@truth_rule
def _truth(c: FunctionCapture, value: Value) -> Any:
    if not isinstance(value, ListValue):
        return NotImplemented
    return c.result(g.CmpOp("ne", length(c, value), c.const(0)))


def _subscript(c: FunctionCapture, container: Value, index: Value) -> Any:
    if not isinstance(container, ListValue):
        return NotImplemented
    n = length(c, container)
    if isinstance(index, SliceValue):
        start, step, count = slice_bounds(c, index, n)
        op = pylist.SliceOp(
            c.arena, container.handle, start, c.const(step), count, item=item_type(container)
        )
        result = allocated(c, op, container.elem)
        return (
            result if container.elem is not None else ListValue(result.handle, None, container.site)
        )
    if container.elem is None:
        raise GraphBreak("reading an item of an empty list of unknown item type")
    position = normalized_index(c, index, n)
    return c.result(pylist.GetOp(container.handle, position, item=container.elem))


SUBSCRIPT_RULES.append(_subscript)


def _store_subscript(c: FunctionCapture, container: Value, index: Value, value: Value) -> Any:
    if not isinstance(container, ListValue):
        return NotImplemented
    if isinstance(index, SliceValue):
        splice(c, container, index, as_list(c, container, value))
        return None
    item = storable(c, container, value)
    position = normalized_index(c, index, length(c, container))
    c.insert(pylist.SetOp(container.handle, position, item))
    return None


STORE_SUBSCRIPT_RULES.append(_store_subscript)


def as_list(c: FunctionCapture, lst: ListValue, value: Value) -> ListValue:
    """The items of `value` assigned to a slice of `lst`, as a new list (a copy even of
    a list, which may be `lst` itself: `xs[1:] = xs`)."""
    if isinstance(value, ListValue):
        if value.elem is not None:
            check_item_kind(c, lst, value.elem)
        return copy_of(c, value)
    if isinstance(value, RangeValue):
        check_item_kind(c, lst, INT)
        return from_range(c, value)
    if isinstance(value, TupleValue):
        for item in value.items:
            check_item_kind(c, lst, kind_of(item))
        items = new_list(c, item_type(lst), c.const(len(value.items)))
        for item in value.items:
            append(c, items, item)
        return items
    raise GraphBreak(f"assigning {_kind_text(value)} to a slice of a list is not compiled")


def splice(c: FunctionCapture, lst: ListValue, index: SliceValue, items: ListValue) -> None:
    """`lst[start:stop] = items` or `del lst[start:stop]` (a step of 1)."""
    start, step, count = slice_bounds(c, index, length(c, lst))
    if step != 1:
        raise GraphBreak("assigning or deleting a slice with a step is not compiled")
    op = pylist.SpliceOp(c.arena, lst.handle, start, count, items.handle, item=item_type(lst))
    c.guard(c.result(op))


@handles("DELETE_SUBSCR")
def delete_subscr(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    index, container = state.pop(), state.pop()
    if not isinstance(container, ListValue):
        raise GraphBreak(f"del of an item of {_kind_text(container)} is not compiled")
    if isinstance(index, SliceValue):
        splice(c, container, index, new_list(c, container.elem, c.const(0)))
        return None
    position = normalized_index(c, index, length(c, container))
    c.insert(pylist.PopOp(container.handle, position, item=item_type(container)))
    return None


def _unpack(c: FunctionCapture, value: Value, count: int) -> Any:
    if not isinstance(value, ListValue):
        return NotImplemented
    if value.elem is None:
        raise GraphBreak("unpacking an empty list of unknown item type")
    c.guard(c.result(g.CmpOp("eq", length(c, value), c.const(count))), "ValueError")
    return [c.result(pylist.GetOp(value.handle, c.const(i), item=value.elem)) for i in range(count)]


UNPACK_RULES.append(_unpack)


@handles("UNPACK_EX")
def unpack_ex(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    """`a, *rest, b = value`: the starred name gets a new list of the middle items."""
    before, after = ins.arg & 0xFF, ins.arg >> 8
    value = state.pop()
    if isinstance(value, TupleValue):
        items = list(value.items)
        if len(items) < before + after:
            raise GraphBreak(
                f"unpacking a tuple of {len(items)} into at least {before + after} names "
                "raises ValueError"
            )
        middle = items[before : len(items) - after]
        kinds = {kind_of(item) for item in middle}
        if len(kinds) > 1 or (kinds and next(iter(kinds)) not in inf.SCALARS):
            raise GraphBreak("a starred name taking items of mixed or non-numeric types")
        site = ("unpack", c.symbol, ins.index)
        elem = next(iter(kinds)) if kinds else c.list_sites.get(site)
        rest = new_list(c, elem, c.const(len(middle)), site)
        for item in middle:
            append(c, rest, item)
        targets = [*items[:before], rest, *items[len(items) - after :]]
    elif isinstance(value, ListValue):
        if value.elem is None:
            raise GraphBreak("unpacking an empty list of unknown item type")
        n = length(c, value)
        c.guard(c.result(g.CmpOp("ge", n, c.const(before + after))), "ValueError")
        tail = c.result(g.SubOp(n, c.const(after)))
        count = c.result(g.SubOp(tail, c.const(before)))
        op = pylist.SliceOp(
            c.arena, value.handle, c.const(before), c.const(1), count, item=value.elem
        )
        rest = allocated(c, op, value.elem)
        head = [
            c.result(pylist.GetOp(value.handle, c.const(i), item=value.elem)) for i in range(before)
        ]
        last = [
            c.result(
                pylist.GetOp(value.handle, c.result(g.AddOp(tail, c.const(k))), item=value.elem)
            )
            for k in range(after)
        ]
        targets = [*head, rest, *last]
    else:
        raise GraphBreak(f"starred unpacking of {_kind_text(value)} is not compiled")
    state.stack.extend(reversed(targets))
    return None


# --------------------------------------------------------------------------- iteration


def _iterate(c: FunctionCapture, value: Value) -> Any:
    if isinstance(value, ListValue):
        return ListIter(value, c.const(0))
    if isinstance(value, ListIter):
        return value
    return NotImplemented


ITERATE_RULES.append(_iterate)


def _next(c: FunctionCapture, ins: Instr, state: State, iterator: Value) -> Any:
    """A list iterator reads the length on every step, as CPython's does (a loop sees
    items appended while it runs)."""
    if not isinstance(iterator, ListIter):
        return NotImplemented
    lst = iterator.list
    has_next = c.result(g.CmpOp("lt", iterator.index, length(c, lst)))
    body = state.copy()
    body.stack[-1] = ListIter(lst, c.result(g.AddOp(iterator.index, c.const(1))))
    if lst.elem is None:
        body.stack.append(inf.Poison("an item of an empty list of unknown item type"))
    else:
        # Read in bounds even on the last test (a native list always has capacity).
        safe = c.result(g.SelectOp(has_next, iterator.index, c.const(0)))
        body.stack.append(c.result(pylist.GetOp(lst.handle, safe, item=lst.elem)))
    done = state.copy()
    done.pop()
    assert ins.target is not None
    return [(ins.index + 1, body, None), (ins.target, done, has_next)]


NEXT_RULES.append(_next)


# --------------------------------------------------------------------------- searching


def _match(
    c: FunctionCapture, elem: Attribute, value: Value
) -> tuple[SSAValue | None, SSAValue | bool]:
    """`value` converted to the item type for an equality search, and whether it can
    equal an item at all (an int never equals 2.5; a NaN is only equal to itself,
    which native floats cannot tell, so it hands back)."""
    if not (isinstance(value, SSAValue) and value.type in inf.SCALARS):
        return None, False  # None, a string or a tuple never equals a number
    kind = value.type
    if kind == FLOAT:
        c.guard(c.negated(c.is_nan(value)))  # type: ignore[arg-type]
    if elem == FLOAT:
        return (value if kind == FLOAT else c.exact_float(value)), True
    ok: SSAValue | bool
    if kind == FLOAT:
        whole = c.result(g.CmpOp("eq", value, c.result(g.FloorOp(value))))
        small = c.result(g.CmpOp("le", c.result(g.AbsOp(value)), c.const(float(EXACT_FLOAT_INT))))
        ok = c.result(g.AndOp(whole, small))
        safe = c.result(g.SelectOp(ok, value, c.const(0.0)))
        value = c.cast(safe, INT)
        if elem == INT:
            return value, ok
    else:
        ok = True
        value = c.cast(value, INT)
        if elem == INT:
            return value, ok
    is_bit = c.result(
        g.OrOp(
            c.result(g.CmpOp("eq", value, c.const(0))), c.result(g.CmpOp("eq", value, c.const(1)))
        )
    )
    return c.cast(value, BOOL), c.both(ok, is_bit)


def _find(
    c: FunctionCapture, lst: ListValue, value: Value
) -> tuple[SSAValue | None, SSAValue | bool]:
    """The index of the first item equal to `value` (or -1), and whether it can exist."""
    if lst.elem is None:
        return None, False
    converted, possible = _match(c, lst.elem, value)
    if converted is None or possible is False:
        return None, False
    n = length(c, lst)
    return c.result(pylist.FindOp(lst.handle, converted, c.const(0), n)), possible


@contains_rule
def _contains(c: FunctionCapture, item: Value, container: Value) -> Any:
    if not isinstance(container, ListValue):
        return NotImplemented
    index, possible = _find(c, container, item)
    if index is None:
        return False
    return c.both(possible, c.result(g.CmpOp("ne", index, c.const(-1))))


@method(ListValue, "index")
def _index(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) != 1:
        raise GraphBreak("list.index() with start or stop is not compiled")
    index, possible = _find(c, lst, args[0])
    if index is None:
        raise GraphBreak("list.index() of a value not in the list raises ValueError")
    found = c.both(possible, c.result(g.CmpOp("ne", index, c.const(-1))))
    c.guard(c.boolean(found), "ValueError")
    return index


@method(ListValue, "remove")
def _remove(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) != 1:
        raise GraphBreak("list.remove() takes exactly one argument (TypeError)")
    index, possible = _find(c, lst, args[0])
    if index is None:
        raise GraphBreak("list.remove() of a value not in the list raises ValueError")
    found = c.both(possible, c.result(g.CmpOp("ne", index, c.const(-1))))
    c.guard(c.boolean(found), "ValueError")
    c.insert(pylist.PopOp(lst.handle, index, item=item_type(lst)))
    return Known(None)


@method(ListValue, "count")
def _count(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) != 1:
        raise GraphBreak("list.count() takes exactly one argument (TypeError)")
    if lst.elem is None:
        return c.const(0)
    converted, possible = _match(c, lst.elem, args[0])
    if converted is None or possible is False:
        return c.const(0)
    total = c.result(pylist.CountOp(lst.handle, converted))
    return total if possible is True else c.result(g.SelectOp(possible, total, c.const(0)))


# --------------------------------------------------------------------------- methods


@method(ListValue, "append")
def _append(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) != 1:
        raise GraphBreak("list.append() takes exactly one argument (TypeError)")
    append(c, lst, args[0])
    return Known(None)


@method(ListValue, "pop")
def _pop(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) > 1:
        raise GraphBreak("list.pop() takes at most one argument (TypeError)")
    if lst.elem is None:
        raise GraphBreak("pop from an empty list of unknown item type")
    n = length(c, lst)
    if args:
        position = normalized_index(c, args[0], n)
    else:
        c.guard(c.result(g.CmpOp("gt", n, c.const(0))))
        position = c.result(g.SubOp(n, c.const(1)))
    return c.result(pylist.PopOp(lst.handle, position, item=lst.elem))


@method(ListValue, "insert")
def _insert(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if len(args) != 2:
        raise GraphBreak("list.insert() takes exactly two arguments (TypeError)")
    index, value = args
    if not (isinstance(index, SSAValue) and index.type in (INT, BOOL)):
        raise GraphBreak("list.insert() with an index that is not an int")
    item = storable(c, lst, value)
    c.guard(c.result(pylist.InsertOp(c.arena, lst.handle, c.cast(index, INT), item)))
    return Known(None)


@method(ListValue, "clear")
def _clear(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if args:
        raise GraphBreak("list.clear() takes no arguments (TypeError)")
    c.insert(pylist.ClearOp(lst.handle, item=item_type(lst)))
    return Known(None)


@method(ListValue, "reverse")
def _reverse(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if args:
        raise GraphBreak("list.reverse() takes no arguments (TypeError)")
    c.insert(pylist.ReverseOp(lst.handle, item=item_type(lst)))
    return Known(None)


@method(ListValue, "copy")
def _copy(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    if args:
        raise GraphBreak("list.copy() takes no arguments (TypeError)")
    return copy_of(c, lst)


# --------------------------------------------------------------------------- operators


def _same_items(lhs: ListValue, rhs: ListValue) -> Attribute | None:
    if lhs.elem is not None and rhs.elem is not None and lhs.elem != rhs.elem:
        raise GraphBreak("'+' of lists of different item types (a mixed list) is not compiled")
    return lhs.elem if lhs.elem is not None else rhs.elem


@binary_rule
def _list_arithmetic(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if symbol == "+" and isinstance(lhs, ListValue) and isinstance(rhs, ListValue):
        elem = _same_items(lhs, rhs)
        op: pylist.Allocating = pylist.ConcatOp(
            c.arena, lhs.handle, rhs.handle, item=elem if elem is not None else INT
        )
        result = allocated(c, op, elem)
        return result if elem is not None else ListValue(result.handle, None, lhs.site)
    if symbol == "*" and (isinstance(lhs, ListValue) or isinstance(rhs, ListValue)):
        lst, times = (lhs, rhs) if isinstance(lhs, ListValue) else (rhs, lhs)
        if not (isinstance(times, SSAValue) and times.type in (INT, BOOL)):
            raise GraphBreak(f"can't multiply a list by {_kind_text(times)} (TypeError)")
        op = pylist.RepeatOp(c.arena, lst.handle, c.cast(times, INT), item=item_type(lst))
        result = allocated(c, op, lst.elem)
        return result if lst.elem is not None else ListValue(result.handle, None, lst.site)
    return NotImplemented


@inplace_rule
def _list_inplace(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    """`xs += ys` extends `xs` itself (every alias sees it); `xs *= n` repeats in place."""
    if not isinstance(lhs, ListValue):
        return NotImplemented
    if symbol == "+":
        if not isinstance(rhs, ListValue | TupleValue | RangeValue):
            raise GraphBreak(f"'+=' of a list and {_kind_text(rhs)} is not compiled")
        extend(c, lhs, [rhs])
        return lhs
    if symbol == "*":
        repeated = _list_arithmetic(c, "*", lhs, rhs)
        c.insert(pylist.ClearOp(lhs.handle, item=item_type(lhs)))
        c.guard(
            c.result(pylist.ExtendOp(c.arena, lhs.handle, repeated.handle, item=item_type(lhs)))
        )
        return lhs
    return NotImplemented


@compare_rule
def _list_comparison(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (isinstance(lhs, ListValue) or isinstance(rhs, ListValue)):
        return NotImplemented
    if isinstance(lhs, ListValue) and isinstance(rhs, ListValue):
        return compare_lists(c, symbol, lhs, rhs)
    if symbol in ("==", "!="):
        return symbol == "!="  # a list never equals a value of another kind
    other = rhs if isinstance(lhs, ListValue) else lhs
    raise GraphBreak(f"'{symbol}' between a list and {_kind_text(other)} raises TypeError")


def compare_lists(c: FunctionCapture, symbol: str, lhs: ListValue, rhs: ListValue) -> SSAValue:
    """CPython's list comparison, in the runtime (`pylist.compare`); where a pair of
    NaNs would decide (their identity does, in CPython) the call hands back."""
    if lhs.elem is not None and rhs.elem is not None and lhs.elem != rhs.elem:
        raise GraphBreak(
            f"'{symbol}' between a list of {inf.describe(lhs.elem)} and a list of "
            f"{inf.describe(rhs.elem)} is not compiled"
        )
    elem = lhs.elem if lhs.elem is not None else item_type(rhs)
    predicate = g.predicate_for_symbol(symbol)
    assert predicate is not None, symbol
    answer = c.result(pylist.CompareOp(predicate, lhs.handle, rhs.handle, elem))
    c.guard(c.result(g.CmpOp("ne", answer, c.const(pylist.UNDECIDED))))
    return c.result(g.CmpOp("eq", answer, c.const(1)))


def _identical(c: FunctionCapture, lhs: ListValue, rhs: ListValue) -> SSAValue:
    return c.result(pylist.SameOp(lhs.handle, rhs.handle))


IDENTITY_RULES[(ListValue, ListValue)] = _identical
