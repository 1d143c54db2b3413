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

An op is its name, its operands and, when the list runtime does its work, the
runtime function it calls (`RUNTIME`); its results, its `item` property and its
constructor come from the base class of its kind (`Allocating`, `Growing`,
`ItemResult`, `OfItem`), as xDSL's arith ops share `BinaryOperation`.

    %l, %ok = pylist.new %arena, %n {item = i64}
    pylist.append %arena, %l, %x : i64 -> %ok
    %x = pylist.get %l[%i] : f64
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import IntegerType, StringAttr, i1, i64
from xdsl.dialects.llvm import LLVMPointerType
from xdsl.ir import Attribute, Dialect, Operation, SSAValue, TypeAttribute
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    VerificationContext,
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
    """Base class. The item type is the `item` property, else the `value` operand's
    type, else the first result's. `Op(*operands, item=t)` builds any op: operands in
    declared order, `item` for the property or for a result of the item's type.

    `RUNTIME` names the list runtime's function doing the op's work,
    `graphlet_list_<RUNTIME>` with `{item}` the item suffix; `SIZED` ops also pass
    the item size in bytes. Ops without `RUNTIME` are inline loads and stores."""

    RUNTIME: ClassVar[str | None] = None
    SIZED: ClassVar[bool] = False

    def __init__(self, *operands: SSAValue, item: Attribute | None = None) -> None:
        definition = self.get_irdl_definition()
        properties: dict[str, Attribute] = {}
        if "item" in definition.properties:
            if item is None:
                raise ValueError(f"{self.name} needs its item type")
            properties["item"] = item
        result_types: list[Attribute] = []
        for _, result in definition.results:
            if result.constr.can_infer(set(), length_known=True):
                result_types.extend(result.constr.infer(VerificationContext(), length=1))
            elif item is None:
                raise ValueError(f"{self.name} needs its item type for its result")
            else:
                result_types.append(item)
        super().__init__(operands=list(operands), properties=properties, result_types=result_types)

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


class OfItem(PylistOp):
    """Ops whose item type is a property (no operand or result carries it)."""

    item = prop_def(TypeAttribute)


class Allocating(OfItem):
    """Ops making a new list (`arena`, then operands): its pointer and whether the
    allocation succeeded; the runtime returns the pointer, null on failure."""

    list_ = result_def(LIST)
    ok = result_def(i1)


class Growing(PylistOp):
    """Ops that may grow a list in place (`arena`, `list_`, then operands): whether
    the allocation succeeded."""

    ok = result_def(i1)


class ItemResult(PylistOp):
    """Ops yielding one item."""

    result = result_def(AnyAttr())


@irdl_op_definition
class NewOp(Allocating):
    """An empty list with room for `capacity` items:
    `%l, %ok = pylist.new %arena, %capacity {item = i64}`."""

    name = "pylist.new"
    RUNTIME: ClassVar[str | None] = "new"
    SIZED: ClassVar[bool] = True
    arena = operand_def(LIST)
    capacity = operand_def(i64)


@irdl_op_definition
class RangeOp(Allocating):
    """`list(range(start, start + count * step, step))` for a count already computed:
    `%l, %ok = pylist.range %arena, %start, %step, %count {item = i64}`."""

    name = "pylist.range"
    RUNTIME: ClassVar[str | None] = "range"
    arena = operand_def(LIST)
    start = operand_def(i64)
    step = operand_def(i64)
    count = operand_def(i64)

    def verify_(self) -> None:
        if self.item != i64:
            raise VerifyException("pylist.range makes a list of i64")


@irdl_op_definition
class SliceOp(Allocating):
    """`l[start : start + count * step : step]` for normalized bounds:
    `%s, %ok = pylist.slice %arena, %l, %start, %step, %count {item = f64}`."""

    name = "pylist.slice"
    RUNTIME: ClassVar[str | None] = "slice_{item}"
    arena = operand_def(LIST)
    source = operand_def(LIST)
    start = operand_def(i64)
    step = operand_def(i64)
    count = operand_def(i64)


@irdl_op_definition
class ConcatOp(Allocating):
    """`a + b`: `%l, %ok = pylist.concat %arena, %a, %b {item = i64}`."""

    name = "pylist.concat"
    RUNTIME: ClassVar[str | None] = "concat"
    SIZED: ClassVar[bool] = True
    arena = operand_def(LIST)
    lhs = operand_def(LIST)
    rhs = operand_def(LIST)


@irdl_op_definition
class RepeatOp(Allocating):
    """`l * times` (no items for times <= 0):
    `%r, %ok = pylist.repeat %arena, %l, %times {item = i1}`."""

    name = "pylist.repeat"
    RUNTIME: ClassVar[str | None] = "repeat"
    SIZED: ClassVar[bool] = True
    arena = operand_def(LIST)
    source = operand_def(LIST)
    times = operand_def(i64)


@irdl_op_definition
class LenOp(OfItem):
    """`len(l)`: `%n = pylist.len %l {item = i64}`."""

    name = "pylist.len"
    list_ = operand_def(LIST)
    length = result_def(i64)


@irdl_op_definition
class GetOp(ItemResult):
    """`l[i]` for `0 <= i < len(l)`: `%x = pylist.get %l, %i : f64`."""

    name = "pylist.get"
    list_ = operand_def(LIST)
    index = operand_def(i64)


@irdl_op_definition
class SetOp(PylistOp):
    """`l[i] = value` for `0 <= i < len(l)`: `pylist.set %l, %i, %x : f64`."""

    name = "pylist.set"
    list_ = operand_def(LIST)
    index = operand_def(i64)
    value = operand_def(AnyAttr())


@irdl_op_definition
class AppendOp(Growing):
    """`l.append(value)`: `%ok = pylist.append %arena, %l, %x : i64`."""

    name = "pylist.append"
    RUNTIME: ClassVar[str | None] = "append_{item}"
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    value = operand_def(AnyAttr())


@irdl_op_definition
class InsertOp(Growing):
    """`l.insert(index, value)` (the index clamped as Python does):
    `%ok = pylist.insert %arena, %l, %i, %x : i64`."""

    name = "pylist.insert"
    RUNTIME: ClassVar[str | None] = "insert_{item}"
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    index = operand_def(i64)
    value = operand_def(AnyAttr())


@irdl_op_definition
class PopOp(ItemResult):
    """`l.pop(i)` for `0 <= i < len(l)`: `%x = pylist.pop %l, %i : i64`."""

    name = "pylist.pop"
    RUNTIME: ClassVar[str | None] = "pop_{item}"
    list_ = operand_def(LIST)
    index = operand_def(i64)


@irdl_op_definition
class ExtendOp(Growing, OfItem):
    """`l.extend(other)` (`other` may be `l`): `%ok = pylist.extend %arena, %l, %o {item = i64}`."""

    name = "pylist.extend"
    RUNTIME: ClassVar[str | None] = "extend"
    SIZED: ClassVar[bool] = True
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    other = operand_def(LIST)


@irdl_op_definition
class FindOp(PylistOp):
    """The first index in `[start, stop)` whose item equals `value`, or -1:
    `%i = pylist.find %l, %x, %start, %stop : i64`."""

    name = "pylist.find"
    RUNTIME: ClassVar[str | None] = "find_{item}"
    list_ = operand_def(LIST)
    value = operand_def(AnyAttr())
    start = operand_def(i64)
    stop = operand_def(i64)
    index = result_def(i64)


@irdl_op_definition
class CountOp(PylistOp):
    """`l.count(value)`: `%n = pylist.count %l, %x : f64`."""

    name = "pylist.count"
    RUNTIME: ClassVar[str | None] = "count_{item}"
    list_ = operand_def(LIST)
    value = operand_def(AnyAttr())
    total = result_def(i64)


@irdl_op_definition
class ReverseOp(OfItem):
    """`l.reverse()`: `pylist.reverse %l {item = i64}`."""

    name = "pylist.reverse"
    RUNTIME: ClassVar[str | None] = "reverse_{item}"
    list_ = operand_def(LIST)


@irdl_op_definition
class ClearOp(OfItem):
    """`l.clear()`: `pylist.clear %l {item = i64}`."""

    name = "pylist.clear"
    list_ = operand_def(LIST)


@irdl_op_definition
class SpliceOp(Growing, OfItem):
    """`l[start : start + count] = other` (`other` is not `l`; `del l[a:b]` splices in
    an empty list): `%ok = pylist.splice %arena, %l, %start, %count, %o {item = i64}`."""

    name = "pylist.splice"
    RUNTIME: ClassVar[str | None] = "splice"
    SIZED: ClassVar[bool] = True
    arena = operand_def(LIST)
    list_ = operand_def(LIST)
    start = operand_def(i64)
    count = operand_def(i64)
    other = operand_def(LIST)


COMPARE_PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")
"""`pylist.compare`'s predicates, in the order of the runtime's operation codes."""
UNDECIDED = 2
"""`pylist.compare`'s answer when a pair of NaNs decides: CPython's answer then depends
on whether they are one object, which native items cannot tell."""


@irdl_op_definition
class CompareOp(OfItem):
    """CPython's list comparison (`==` by length first, then the first pair of items
    that differ decides): 0 false, 1 true, or `UNDECIDED`; the runtime call also
    takes the predicate's code: `%r = pylist.compare lt, %a, %b {item = f64}`."""

    name = "pylist.compare"
    RUNTIME: ClassVar[str | None] = "compare_{item}"
    predicate = prop_def(StringAttr)
    lhs = operand_def(LIST)
    rhs = operand_def(LIST)
    answer = result_def(i64)

    def __init__(self, predicate: str, lhs: SSAValue, rhs: SSAValue, item: Attribute) -> None:
        super().__init__(lhs, rhs, item=item)
        self.properties = {"predicate": StringAttr(predicate), **self.properties}

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
