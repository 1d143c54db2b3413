"""Tuples: building, unpacking, indexing, slicing, `len`, `in`, comparison, `+`, `*`.

A tuple is its items (`TupleValue`), each a value of any kind, so its length and the
kind of every item are known statically: `t[1]` with a constant index is just that
item, and a loop over a tuple is unrolled (see `iteration`). Lists are in `lists`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import NotImplementedType
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import builtins
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOOL, INT, Known
from graphlet.frontend.bytecode.opcodes import Flow, handles
from graphlet.frontend.bytecode.operators import (
    binary_rule,
    compare,
    compare_rule,
    contains_rule,
    equal_items,
    tuple_equal,
)
from graphlet.frontend.bytecode.values import (
    NpScalar,
    SliceValue,
    State,
    TupleValue,
    Value,
    kind_of,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture

SUBSCRIPT_RULES: list[Any] = []
"""`(capture, container, index) -> value | NotImplemented` for `container[index]`."""
STORE_SUBSCRIPT_RULES: list[Any] = []
"""`(capture, container, index, value) -> None | NotImplemented` for `container[index] = value`."""
UnpackRule = Callable[["FunctionCapture", Value, int], list[Value] | NotImplementedType]
UNPACK_RULES: list[UnpackRule] = []
"""`(capture, value, count) -> list of values | NotImplemented` for `a, b = value`."""


def constant_int(value: Value) -> int | None:
    """The Python int of a constant int or bool value, else None."""
    if isinstance(value, SSAValue) and isinstance(value.owner, g.ConstantOp):
        number = g.from_attr(value.owner.value)
        if isinstance(number, bool | int):
            return int(number)
    return None


def constant_slice(c: FunctionCapture, value: SliceValue) -> slice | None:
    """The Python slice of a slice whose bounds are all constants or None."""
    bounds: list[int | None] = []
    for bound in (value.start, value.stop, value.step):
        if isinstance(bound, Known) and bound.obj is None:
            bounds.append(None)
            continue
        number = constant_int(bound)
        if number is None:
            return None
        bounds.append(number)
    return slice(*bounds)


@handles("BUILD_TUPLE")
def build_tuple(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    items = [state.pop() for _ in range(ins.arg)][::-1]
    state.stack.append(TupleValue(tuple(items)))
    return None


@handles("UNPACK_SEQUENCE")
def unpack_sequence(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    from graphlet.frontend.bytecode import iterators

    value = state.pop()
    items = iterators.unpack(c, ins, state, value)
    if items is None:
        items = unpack(c, value, ins.arg)
    state.stack.extend(reversed(items))
    return None


def unpack(c: FunctionCapture, value: Value, count: int) -> list[Value]:
    if isinstance(value, TupleValue):
        items: list[Value] = list(value.items)
        if len(items) != count:
            what = "too many values" if len(items) > count else "not enough values"
            raise GraphBreak(f"unpacking a tuple of {len(items)} into {count} names: {what}")
        return items
    for rule in UNPACK_RULES:
        result = rule(c, value, count)
        if not isinstance(result, NotImplementedType):
            return result
    raise GraphBreak(f"unpacking {inf.kind_name(kind_of(value))} is not compiled")


@handles("BUILD_SLICE")
def build_slice(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    step = state.pop() if ins.arg == 3 else Known(None)
    stop, start = state.pop(), state.pop()
    state.stack.append(SliceValue(start, stop, step))
    return None


@handles("BINARY_SLICE")
def binary_slice(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    stop, start, container = state.pop(), state.pop(), state.pop()
    state.stack.append(subscript(c, container, SliceValue(start, stop, Known(None))))
    return None


@handles("BINARY_SUBSCR")
def binary_subscr(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    index, container = state.pop(), state.pop()
    state.stack.append(subscript(c, container, index))
    return None


@handles("STORE_SUBSCR")
def store_subscr(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    index, container, value = state.pop(), state.pop(), state.pop()
    for rule in STORE_SUBSCRIPT_RULES:
        if rule(c, container, index, value) is not NotImplemented:
            return None
    if isinstance(container, TupleValue):
        raise GraphBreak("item assignment on a tuple raises TypeError")
    raise GraphBreak(f"item assignment on {inf.kind_name(kind_of(container))} is not compiled")


@handles("STORE_SLICE")
def store_slice(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    stop, start, container, value = state.pop(), state.pop(), state.pop(), state.pop()
    index = SliceValue(start, stop, Known(None))
    for rule in STORE_SUBSCRIPT_RULES:
        if rule(c, container, index, value) is not NotImplemented:
            return None
    raise GraphBreak(f"slice assignment on {inf.kind_name(kind_of(container))} is not compiled")


def subscript(c: FunctionCapture, container: Value, index: Value) -> Value:
    if isinstance(container, TupleValue):
        return tuple_subscript(c, container, index)
    if isinstance(container, Known) and type(container.obj) is str:
        key = constant_slice(c, index) if isinstance(index, SliceValue) else constant_int(index)
        if key is None:
            raise GraphBreak("indexing a string with a value known only at run time")
        try:
            return Known(container.obj[key])
        except IndexError:
            raise GraphBreak("string index out of range (IndexError)") from None
    for rule in SUBSCRIPT_RULES:
        result = rule(c, container, index)
        if result is not NotImplemented:
            return result
    raise GraphBreak(f"indexing {inf.kind_name(kind_of(container))} is not compiled")


def tuple_subscript(c: FunctionCapture, t: TupleValue, index: Value) -> Value:
    items = t.items
    if isinstance(index, SliceValue):
        bounds = constant_slice(c, index)
        if bounds is None:
            raise GraphBreak("slicing a tuple with bounds known only at run time")
        if bounds.step == 0:
            raise GraphBreak("slice step cannot be zero (ValueError)")
        return TupleValue(items[bounds])
    position = constant_int(index)
    if position is None:
        if isinstance(index, SSAValue) and index.type in (INT, inf.BOOL):
            return dynamic_tuple_item(c, t, c.cast(index, INT))
        raise GraphBreak(
            f"tuple indices must be integers, not {inf.describe(kind_of(index))} (TypeError)"
        )
    if not -len(items) <= position < len(items):
        raise GraphBreak("tuple index out of range (IndexError)")
    return items[position]


def dynamic_tuple_item(c: FunctionCapture, t: TupleValue, index: SSAValue) -> Value:
    """`t[i]` with `i` known only at run time: all items must be numbers of one type;
    the index is bounds-checked (Python's IndexError by handing back) and selected."""
    kinds = {kind_of(item) for item in t.items}
    if len(kinds) != 1 or next(iter(kinds)) not in inf.SCALARS:
        raise GraphBreak("indexing a tuple of mixed types with a value known only at run time")
    n = len(t.items)
    position = c.result(
        g.SelectOp(
            c.result(g.CmpOp("lt", index, c.const(0))),
            c.result(g.AddOp(index, c.const(n))),
            index,
        )
    )
    in_range = c.result(
        g.AndOp(
            c.result(g.CmpOp("ge", position, c.const(0))),
            c.result(g.CmpOp("lt", position, c.const(n))),
        )
    )
    c.guard(in_range)
    result = t.items[-1]
    for i in range(n - 2, -1, -1):
        result = c.result(
            g.SelectOp(c.result(g.CmpOp("eq", position, c.const(i))), t.items[i], result)
        )
    return result


@builtins.value_builtin(len)
def _len(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) != 1:
        return None
    (value,) = args
    if isinstance(value, TupleValue):
        return c.const(len(value.items))
    if isinstance(value, Known) and type(value.obj) is str:
        return c.const(len(value.obj))
    for rule in LEN_RULES:
        result = rule(c, value)
        if result is not NotImplemented:
            return result
    raise GraphBreak(f"len() of {inf.kind_name(kind_of(value))} is not compiled")


LEN_RULES: list[Any] = []


@binary_rule
def _tuple_arithmetic(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if symbol == "+" and isinstance(lhs, TupleValue) and isinstance(rhs, TupleValue):
        return TupleValue(lhs.items + rhs.items)
    if symbol == "*" and (isinstance(lhs, TupleValue) or isinstance(rhs, TupleValue)):
        t, n = (lhs, rhs) if isinstance(lhs, TupleValue) else (rhs, lhs)
        count = constant_int(n)
        if count is None:
            raise GraphBreak("repeating a tuple a number of times known only at run time")
        return TupleValue(t.items * count)
    return NotImplemented


@compare_rule
def _tuple_comparison(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (isinstance(lhs, TupleValue) and isinstance(rhs, TupleValue)):
        if isinstance(lhs, TupleValue) or isinstance(rhs, TupleValue):
            if symbol in ("==", "!="):
                return symbol == "!="  # a tuple never equals a value of another kind
            raise GraphBreak(f"'{symbol}' between a tuple and another type raises TypeError")
        return NotImplemented
    if symbol in ("==", "!="):
        equal = tuple_equal(c, lhs, rhs)
        return equal if symbol == "==" else c.negated(equal)
    value, numpy = _lexicographic(c, symbol, lhs.items, rhs.items)
    if numpy is False:
        return value
    scalar = NpScalar(c.boolean(value), "bool")
    if numpy is True:
        return scalar
    from graphlet.frontend.bytecode.calls import SplitResult

    tag = c.result(g.SelectOp(numpy, c.const(1), c.const(0)))
    return SplitResult(tag, [c.boolean(value), scalar])


Truth = SSAValue | bool


def _lexicographic(
    c: FunctionCapture, symbol: str, a: tuple[Value, ...], b: tuple[Value, ...]
) -> tuple[Truth, Truth]:
    """CPython's tuple ordering: the first pair of items that differ decides; if one
    tuple is a prefix of the other, the lengths do. Also whether the result is a
    np.bool_: CPython returns the deciding pair's own comparison, which of NumPy
    scalars is one (the lengths give a bool)."""
    if not a or not b:
        return g.CMP_PREDICATES[g.PREDICATE_OF_SYMBOL[symbol]](len(a), len(b)), False
    same = equal_items(c, a[0], b[0])
    if same is True:
        return _lexicographic(c, symbol, a[1:], b[1:])
    first = _deciding(c, symbol, a[0], b[0])
    if same is False:
        return first
    rest = _lexicographic(c, symbol, a[1:], b[1:])
    value, numpy = (
        c.result(g.SelectOp(same, c.boolean(r), c.boolean(f))) if r is not f else r
        for r, f in zip(rest, first)
    )
    return value, numpy


def _deciding(c: FunctionCapture, symbol: str, x: Value, y: Value) -> tuple[Truth, Truth]:
    """`x <symbol> y` of the pair of items that decides, and whether it is a np.bool_."""
    if isinstance(x, TupleValue) and isinstance(y, TupleValue):
        return _lexicographic(c, symbol, x.items, y.items)
    result = compare(c, symbol, x, y)
    if isinstance(result, NpScalar) and result.dtype == "bool":
        return result.value, True
    if isinstance(result, bool) or (isinstance(result, SSAValue) and result.type == BOOL):
        return result, False
    raise GraphBreak(
        f"'{symbol}' between tuples whose items compare to {inf.describe(kind_of(result))}"
    )


@contains_rule
def _in_tuple(c: FunctionCapture, item: Value, container: Value) -> Any:
    if not isinstance(container, TupleValue):
        return NotImplemented
    found: SSAValue | bool = False
    for candidate in container.items:
        found = c.either(found, equal_items(c, candidate, item))
        if found is True:
            return True
    return found
