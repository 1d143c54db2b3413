"""The symbolic values capture keeps on its abstract stack and in its locals, and how
they travel between blocks.

A value is an `SSAValue` of a scalar type (i1, i64, f64), a `Known` compile-time
object, a `Poison`, one of the markers of `inference` (NULL, BOTTOM), or one of the
structured values below. At a block boundary each value is reduced to its *kind*
(`kind_of`) and carried as the block arguments its kind flattens to (`arg_types`):
a scalar as itself, a range iterator as four, a compile-time object as none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xdsl.ir import Attribute, Block, SSAValue

from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.inference import BOOL, INT, Known, Poison


@dataclass(frozen=True)
class RangeValue:
    """`range(start, stop, step)` between its call and `GET_ITER`."""

    start: SSAValue
    stop: SSAValue
    step: SSAValue


@dataclass(frozen=True)
class RangeIter:
    """A range iterator on the stack of a `for` loop."""

    next: SSAValue
    stop: SSAValue
    step: SSAValue
    descending: SSAValue

    def values(self) -> list[SSAValue]:
        return [self.next, self.stop, self.step, self.descending]


@dataclass(frozen=True)
class TupleValue:
    """A tuple built on the stack, only for unpacking (`a, b = b, a + b`)."""

    items: tuple[Any, ...]


RANGE_ITER_TYPES = [INT, INT, INT, BOOL]

Value = SSAValue | Known | Poison | RangeIter | RangeValue | object


def kind_of(value: Value) -> inf.Kind:
    if isinstance(value, SSAValue):
        return value.type
    if isinstance(value, RangeIter):
        return inf.RANGE_ITER
    if isinstance(value, RangeValue):
        return Poison("a range object is kept across a branch")
    if isinstance(value, TupleValue):
        return Poison("a tuple is kept across a branch")
    return value  # type: ignore[return-value]


def is_scalar_kind(kind: inf.Kind) -> bool:
    return kind in inf.SCALARS


def arg_types(kind: inf.Kind) -> list[Attribute]:
    """The block-argument types a value of `kind` travels as."""
    if is_scalar_kind(kind):
        return [kind]  # type: ignore[list-item]
    if kind is inf.RANGE_ITER:
        return RANGE_ITER_TYPES
    return []


@dataclass
class EntryKinds:
    """The kinds of the locals and stack slots on entry to a block."""

    locals: dict[str, inf.Kind]
    stack: list[inf.Kind]

    def arg_types(self) -> list[Attribute]:
        types_: list[Attribute] = []
        for name in sorted(self.locals):
            types_ += arg_types(self.locals[name])
        for kind in self.stack:
            types_ += arg_types(kind)
        return types_

    def join(self, other: EntryKinds) -> EntryKinds:
        names = set(self.locals) | set(other.locals)
        merged: dict[str, inf.Kind] = {}
        for name in names:
            if name in self.locals and name in other.locals:
                merged[name] = inf.join(self.locals[name], other.locals[name], f"local {name!r}")
            else:
                merged[name] = inf.maybe_unbound(name)
        stack = [
            inf.join(a, b, "a stack value") for a, b in zip(self.stack, other.stack, strict=True)
        ]
        return EntryKinds(merged, stack)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, EntryKinds)
            and self.locals == other.locals
            and self.stack == other.stack
        )


@dataclass
class State:
    """The abstract machine state while interpreting one block."""

    locals: dict[str, Value]
    stack: list[Value]

    def kinds(self) -> EntryKinds:
        return EntryKinds(
            {name: kind_of(v) for name, v in self.locals.items()},
            [kind_of(v) for v in self.stack],
        )

    def copy(self) -> State:
        return State(dict(self.locals), list(self.stack))

    def pop(self) -> Value:
        return self.stack.pop()


def values_from_args(kinds: EntryKinds, block: Block) -> State:
    """The state at the start of `block`, rebuilt from its arguments."""
    args = iter(block.args)

    def take(kind: inf.Kind) -> Value:
        if is_scalar_kind(kind):
            return next(args)
        if kind is inf.RANGE_ITER:
            return RangeIter(next(args), next(args), next(args), next(args))
        return kind

    state = State({}, [])
    for name in sorted(kinds.locals):
        state.locals[name] = take(kinds.locals[name])
    state.stack = [take(k) for k in kinds.stack]
    return state


def args_for(kinds: EntryKinds, state: State) -> list[SSAValue]:
    """The branch operands that carry `state` into a block entered with `kinds`."""

    def give(kind: inf.Kind, value: Value) -> list[SSAValue]:
        if is_scalar_kind(kind):
            if not isinstance(value, SSAValue) or value.type != kind:
                raise GraphBreak(
                    "could not infer the type of a recursive call's result",
                    whole_function=True,
                )
            return [value]
        if kind is inf.RANGE_ITER:
            assert isinstance(value, RangeIter)
            return value.values()
        return []

    operands: list[SSAValue] = []
    for name in sorted(kinds.locals):
        operands += give(kinds.locals[name], state.locals.get(name))
    for kind, value in zip(kinds.stack, state.stack, strict=True):
        operands += give(kind, value)
    return operands
