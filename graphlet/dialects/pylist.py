"""The `pylist` dialect: Python lists of one scalar item type (bool, int, float) in
native code, as `@graphlet.jit` compiles them.

A list is an `!llvm.ptr` to a native list in the call's arena (layout and runtime in
`graphlet.backend.lists`, design in docs/jit-values.md); every alias of a Python
list shares one pointer, so mutations are visible through all of them. Indices
reaching these ops are already normalized and bounds-checked by the frontend (the
Python IndexError is a guard before them). An allocating op also returns `ok`, false
when the arena's budget is spent; the frontend guards it (handing the call back).
None of these ops is pure (they read or write list memory), so no pass reorders or
removes them; `convert-pylist-to-llvm` lowers them.

    %l, %ok = pylist.new %arena, %n {item = i64}
    pylist.append %arena, %l, %x : i64 -> %ok
    %x = pylist.get %l[%i] : f64
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerType, StringAttr, i1, i64
from xdsl.dialects.llvm import LLVMPointerType
from xdsl.ir import Attribute, Dialect, Operation, SSAValue, TypeAttribute
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
)
from xdsl.utils.exceptions import VerifyException

LIST = LLVMPointerType()
ITEM_TYPES = ("i1", "i64", "f64")


def item_name(t: Attribute) -> str:
    """The runtime's suffix for an item type: i1, i64 or f64."""
    name = str(t)
    if name not in ITEM_TYPES:
        raise VerifyException(f"a pylist item must be i1, i64 or f64, not {t}")
    return name


def item_size(t: Attribute) -> int:
    return 1 if isinstance(t, IntegerType) and t.width.data == 1 else 8


class PylistOp(IRDLOperation):
    """Base class: `ITEM_FROM` names where the op's item type is (`item` property,
    `value` operand or `result`)."""

    def item_type(self) -> Attribute:
        if "item" in self.properties:
            return self.properties["item"]
        if "value" in self.operand_names():
            return self.operands[self.operand_names().index("value")].type
        return self.results[0].type

    @classmethod
    def operand_names(cls) -> list[str]:
        return [name for name, _ in cls.get_irdl_definition().operands]

    def verify_(self) -> None:
        item_name(self.item_type())


class _Allocating(PylistOp):
    """Ops making a new list (`arena`, operands, then results `list`, `ok`): its
    pointer and whether the allocation succeeded. Subclasses declare the fields in
    that order (IRDL does not order inherited fields first)."""


@irdl_op_definition
class NewOp(_Allocating):
    """An empty list with room for `capacity` items:
    `%l, %ok = pylist.new %arena, %capacity {item = i64}`."""

    name = "pylist.new"
    arena = operand_def(LIST)
    capacity = operand_def(i64)
    item = prop_def(TypeAttribute)
    list_ = result_def(LIST)
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, capacity: SSAValue, item: Attribute) -> None:
        super().__init__(
            operands=[arena, capacity], properties={"item": item}, result_types=[LIST, i1]
        )


@irdl_op_definition
class RangeOp(_Allocating):
    """`list(range(start, start + count * step, step))` for a count already computed:
    `%l, %ok = pylist.range %arena, %start, %step, %count {item = i64}`."""

    name = "pylist.range"
    arena = operand_def(LIST)
    start = operand_def(i64)
    step = operand_def(i64)
    count = operand_def(i64)
    item = prop_def(TypeAttribute)
    list_ = result_def(LIST)
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, start: SSAValue, step: SSAValue, count: SSAValue) -> None:
        super().__init__(
            operands=[arena, start, step, count], properties={"item": i64}, result_types=[LIST, i1]
        )


@irdl_op_definition
class SliceOp(_Allocating):
    """`l[start : start + count * step : step]` for normalized bounds:
    `%s, %ok = pylist.slice %arena, %l, %start, %step, %count {item = f64}`."""

    name = "pylist.slice"
    arena = operand_def(LIST)
    source = operand_def(LIST)
    start = operand_def(i64)
    step = operand_def(i64)
    count = operand_def(i64)
    item = prop_def(TypeAttribute)
    list_ = result_def(LIST)
    ok = result_def(i1)

    def __init__(
        self,
        arena: SSAValue,
        source: SSAValue,
        start: SSAValue,
        step: SSAValue,
        count: SSAValue,
        item: Attribute,
    ) -> None:
        super().__init__(
            operands=[arena, source, start, step, count],
            properties={"item": item},
            result_types=[LIST, i1],
        )


@irdl_op_definition
class ConcatOp(_Allocating):
    """`a + b`: `%l, %ok = pylist.concat %arena, %a, %b {item = i64}`."""

    name = "pylist.concat"
    arena = operand_def(LIST)
    lhs = operand_def(LIST)
    rhs = operand_def(LIST)
    item = prop_def(TypeAttribute)
    list_ = result_def(LIST)
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, lhs: SSAValue, rhs: SSAValue, item: Attribute) -> None:
        super().__init__(
            operands=[arena, lhs, rhs], properties={"item": item}, result_types=[LIST, i1]
        )


@irdl_op_definition
class RepeatOp(_Allocating):
    """`l * times` (no items for times <= 0):
    `%r, %ok = pylist.repeat %arena, %l, %times {item = i1}`."""

    name = "pylist.repeat"
    arena = operand_def(LIST)
    source = operand_def(LIST)
    times = operand_def(i64)
    item = prop_def(TypeAttribute)
    list_ = result_def(LIST)
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, source: SSAValue, times: SSAValue, item: Attribute) -> None:
        super().__init__(
            operands=[arena, source, times], properties={"item": item}, result_types=[LIST, i1]
        )


@irdl_op_definition
class LenOp(PylistOp):
    """`len(l)`: `%n = pylist.len %l {item = i64}`."""

    name = "pylist.len"
    list_ = operand_def(LIST)
    item = prop_def(TypeAttribute)
    length = result_def(i64)

    def __init__(self, list_: SSAValue, item: Attribute) -> None:
        super().__init__(operands=[list_], properties={"item": item}, result_types=[i64])


@irdl_op_definition
class GetOp(PylistOp):
    """`l[i]` for `0 <= i < len(l)`: `%x = pylist.get %l, %i : f64`."""

    name = "pylist.get"
    list_ = operand_def(LIST)
    index = operand_def(i64)
    result = result_def(AnyAttr())

    def __init__(self, list_: SSAValue, index: SSAValue, item: Attribute) -> None:
        super().__init__(operands=[list_, index], result_types=[item])


@irdl_op_definition
class SetOp(PylistOp):
    """`l[i] = value` for `0 <= i < len(l)`: `pylist.set %l, %i, %x : f64`."""

    name = "pylist.set"
    list_ = operand_def(LIST)
    index = operand_def(i64)
    value = operand_def(AnyAttr())

    def __init__(self, list_: SSAValue, index: SSAValue, value: SSAValue) -> None:
        super().__init__(operands=[list_, index, value])


@irdl_op_definition
class AppendOp(PylistOp):
    """`l.append(value)`: `%ok = pylist.append %arena, %l, %x : i64`."""

    name = "pylist.append"
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    value = operand_def(AnyAttr())
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, list_: SSAValue, value: SSAValue) -> None:
        super().__init__(operands=[arena, list_, value], result_types=[i1])


@irdl_op_definition
class InsertOp(PylistOp):
    """`l.insert(index, value)` (the index clamped as Python does):
    `%ok = pylist.insert %arena, %l, %i, %x : i64`."""

    name = "pylist.insert"
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    index = operand_def(i64)
    value = operand_def(AnyAttr())
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, list_: SSAValue, index: SSAValue, value: SSAValue) -> None:
        super().__init__(operands=[arena, list_, index, value], result_types=[i1])


@irdl_op_definition
class PopOp(PylistOp):
    """`l.pop(i)` for `0 <= i < len(l)`: `%x = pylist.pop %l, %i : i64`."""

    name = "pylist.pop"
    list_ = operand_def(LIST)
    index = operand_def(i64)
    result = result_def(AnyAttr())

    def __init__(self, list_: SSAValue, index: SSAValue, item: Attribute) -> None:
        super().__init__(operands=[list_, index], result_types=[item])


@irdl_op_definition
class ExtendOp(PylistOp):
    """`l.extend(other)` (`other` may be `l`): `%ok = pylist.extend %arena, %l, %o {item = i64}`."""

    name = "pylist.extend"
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    other = operand_def(LIST)
    item = prop_def(TypeAttribute)
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, list_: SSAValue, other: SSAValue, item: Attribute) -> None:
        super().__init__(
            operands=[arena, list_, other], properties={"item": item}, result_types=[i1]
        )


@irdl_op_definition
class FindOp(PylistOp):
    """The first index in `[start, stop)` whose item equals `value`, or -1:
    `%i = pylist.find %l, %x, %start, %stop : i64`."""

    name = "pylist.find"
    list_ = operand_def(LIST)
    value = operand_def(AnyAttr())
    start = operand_def(i64)
    stop = operand_def(i64)
    index = result_def(i64)

    def __init__(self, list_: SSAValue, value: SSAValue, start: SSAValue, stop: SSAValue) -> None:
        super().__init__(operands=[list_, value, start, stop], result_types=[i64])


@irdl_op_definition
class CountOp(PylistOp):
    """`l.count(value)`: `%n = pylist.count %l, %x : f64`."""

    name = "pylist.count"
    list_ = operand_def(LIST)
    value = operand_def(AnyAttr())
    total = result_def(i64)

    def __init__(self, list_: SSAValue, value: SSAValue) -> None:
        super().__init__(operands=[list_, value], result_types=[i64])


@irdl_op_definition
class ReverseOp(PylistOp):
    """`l.reverse()`: `pylist.reverse %l {item = i64}`."""

    name = "pylist.reverse"
    list_ = operand_def(LIST)
    item = prop_def(TypeAttribute)

    def __init__(self, list_: SSAValue, item: Attribute) -> None:
        super().__init__(operands=[list_], properties={"item": item})


@irdl_op_definition
class ClearOp(PylistOp):
    """`l.clear()`: `pylist.clear %l {item = i64}`."""

    name = "pylist.clear"
    list_ = operand_def(LIST)
    item = prop_def(TypeAttribute)

    def __init__(self, list_: SSAValue, item: Attribute) -> None:
        super().__init__(operands=[list_], properties={"item": item})


@irdl_op_definition
class SpliceOp(PylistOp):
    """`l[start : start + count] = other` (`other` is not `l`; `del l[a:b]` splices in
    an empty list): `%ok = pylist.splice %arena, %l, %start, %count, %o {item = i64}`."""

    name = "pylist.splice"
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    start = operand_def(i64)
    count = operand_def(i64)
    other = operand_def(LIST)
    item = prop_def(TypeAttribute)
    ok = result_def(i1)

    def __init__(
        self,
        arena: SSAValue,
        list_: SSAValue,
        start: SSAValue,
        count: SSAValue,
        other: SSAValue,
        item: Attribute,
    ) -> None:
        super().__init__(
            operands=[arena, list_, start, count, other],
            properties={"item": item},
            result_types=[i1],
        )


COMPARE_PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")
"""`pylist.compare`'s predicates, in the order of the runtime's operation codes."""
UNDECIDED = 2
"""`pylist.compare`'s answer when a pair of NaNs decides: CPython's answer then depends
on whether they are one object, which native items cannot tell."""


@irdl_op_definition
class CompareOp(PylistOp):
    """CPython's list comparison (`==` by length first, then the first pair of items
    that differ decides): 0 false, 1 true, or `UNDECIDED`:
    `%r = pylist.compare lt, %a, %b {item = f64}`."""

    name = "pylist.compare"
    predicate = prop_def(StringAttr)
    lhs = operand_def(LIST)
    rhs = operand_def(LIST)
    item = prop_def(TypeAttribute)
    answer = result_def(i64)

    def __init__(self, predicate: str, lhs: SSAValue, rhs: SSAValue, item: Attribute) -> None:
        super().__init__(
            operands=[lhs, rhs],
            properties={"predicate": StringAttr(predicate), "item": item},
            result_types=[i64],
        )

    def verify_(self) -> None:
        super().verify_()
        if self.predicate.data not in COMPARE_PREDICATES:
            raise VerifyException(f"unknown list comparison {self.predicate.data!r}")


@irdl_op_definition
class SameOp(IRDLOperation):
    """`a is b` for two lists: `%same = pylist.same %a, %b`."""

    name = "pylist.same"
    lhs = operand_def(LIST)
    rhs = operand_def(LIST)
    result = result_def(i1)

    def __init__(self, lhs: SSAValue, rhs: SSAValue) -> None:
        super().__init__(operands=[lhs, rhs], result_types=[i1])


PYLIST_OPS: Sequence[type[Operation]] = (
    NewOp,
    RangeOp,
    SliceOp,
    ConcatOp,
    RepeatOp,
    LenOp,
    GetOp,
    SetOp,
    AppendOp,
    InsertOp,
    PopOp,
    ExtendOp,
    FindOp,
    CountOp,
    ReverseOp,
    ClearOp,
    SpliceOp,
    CompareOp,
    SameOp,
)

Pylist = Dialect("pylist", list(PYLIST_OPS), [])
