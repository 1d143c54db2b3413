"""The symbolic values capture keeps on its abstract stack and in its locals, and how
they travel between blocks, into calls and out of functions.

A value is an `SSAValue` of a scalar type (i1, i64, f64), a `Known` compile-time
object, a `Poison`, one of the markers of `inference` (NULL, BOTTOM), or one of the
structured values below. Each value has a kind (`kind_of`, see `inference`), and a
kind *flattens* to a list of IR types (`flat_types`): a scalar to itself, a complex
to two f64, a tuple to the concatenation of its items, a list to one `!llvm.ptr`
(the native list, see docs/jit-values.md), a compile-time object to nothing. Block
arguments, function parameters and results are these flattened values;
`flatten`/`unflatten` convert in both directions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xdsl.dialects import llvm
from xdsl.ir import Attribute, SSAValue

from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.inference import (
    BOOL,
    COMPLEX,
    FLOAT,
    INT,
    RANGE,
    RANGE_ITER,
    ArrayIterKind,
    ArrayKind,
    ClosureKind,
    EnumerateIterKind,
    GeneratorKind,
    ListIterKind,
    ListKind,
    NpScalarKind,
    Poison,
    ReversedListIterKind,
    TupleIterKind,
    TupleKind,
    ZipIterKind,
)

LIST_HANDLE = llvm.LLVMPointerType()
"""The IR type of a native list: a pointer to its header (docs/jit-values.md)."""


@dataclass(frozen=True)
class RangeValue:
    """`range(start, stop, step)` before it is iterated."""

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


@dataclass(frozen=True)
class ComplexValue:
    real: SSAValue
    imag: SSAValue


@dataclass(frozen=True)
class TupleValue:
    """A tuple: its items are values of any kind (a tuple is immutable, so it is
    kept as its items and never built in memory inside compiled code)."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class ListValue:
    """A list: `handle` points to the native list (shared by every alias)."""

    handle: SSAValue
    elem: Attribute | None
    site: Any = None


@dataclass(frozen=True)
class ArrayValue:
    """A NumPy array: its object (the array it is, or a view into), its data
    pointer, and per axis its length and byte stride (docs/jit-values.md)."""

    obj: SSAValue
    data: SSAValue
    shape: tuple[SSAValue, ...]
    strides: tuple[SSAValue, ...]
    kind: ArrayKind


@dataclass(frozen=True)
class NpScalar:
    """A NumPy scalar of `dtype`: its value in the compute type (`pyarray`)."""

    value: SSAValue
    dtype: str


@dataclass(frozen=True)
class ArrayIter:
    """An iterator over the first axis of an array, and the index of the next item."""

    array: ArrayValue
    index: SSAValue


@dataclass(frozen=True)
class ListIter:
    """A list iterator: the list and the index of the next item."""

    list: ListValue
    index: SSAValue


@dataclass(frozen=True)
class TupleIter:
    """A tuple iterator at a position known statically."""

    items: tuple[Any, ...]
    position: int


@dataclass(frozen=True)
class ReversedListIter:
    """`reversed(xs)`: the list and the index of the next item (-1 when done), as
    CPython's `listreverseiterator`."""

    list: ListValue
    index: SSAValue


@dataclass(frozen=True)
class EnumerateIter:
    """`enumerate(iterable, start)`: the iterator it wraps and the next count."""

    inner: Any
    count: SSAValue


@dataclass(frozen=True)
class ZipIter:
    """`zip(*iterables)`: the iterators it advances in turn."""

    inners: tuple[Any, ...]


@dataclass(frozen=True)
class SliceValue:
    """`slice(start, stop, step)`: each an int value or `Known(None)`."""

    start: Any
    stop: Any
    step: Any


@dataclass(frozen=True)
class BoundMethod:
    """`owner.name` where `name` is a method capture compiles (`calls.METHODS`)."""

    owner: Any
    name: str


@dataclass(frozen=True)
class Closure:
    """A nested function or lambda made in compiled code (see `closures`): `fn`, a
    function of its code; `cells`, the names of the enclosing function's variables it
    reads; `defaults`, evaluated where it was made. Unbound (`free` None), it lives in
    the function that made it, whose current values of `cells` a call reads (so an
    assignment after the definition is seen); bound for a call, `free` holds them."""

    fn: Any
    cells: tuple[str, ...]
    defaults: tuple[Any, ...] = ()
    free: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class GeneratorValue:
    """A generator expression made and called in compiled code, not yet run to its
    end: its bound `Closure`, the iterator it loops over (advanced as it is stepped)
    and `owner`, the function that made it, whose variables its cells are. A consumer
    (`sum`, `min`, `list`...) runs it as one loop, a `for` loop steps it (see
    `comprehensions`); escaping the function (returned, passed to a call) is a graph
    break."""

    closure: Closure
    iterator: Any
    owner: Any = None


ESCAPING_GENERATOR = (
    "a generator expression that is not consumed at once by sum, min, max, any, all,"
    " list, tuple or sorted is not compiled (a generator that escapes runs in Python)"
)


@dataclass(frozen=True)
class SharedIter:
    """An iterator that variables also hold, on the stack of the loop (or generator
    expression) that iterates it. CPython advances the one object they all see, while
    compiled values are copies: so from its `GET_ITER` (`token`, the instruction's
    index) the holders are `IteratorInUse(token)`, a graph break if used, and where it
    is dropped they get what it is then (`release`): exhausted at the end of the loop,
    its advanced state after a `break`."""

    inner: Any
    token: int


@dataclass(frozen=True)
class SharedIterKind:
    inner: Any
    token: int


@dataclass(frozen=True)
class IteratorInUse(Poison):
    """A variable that holds the iterator `SharedIter(token)` being iterated."""

    token: int = -1


ITERATOR_IN_USE = (
    "using an iterator while a loop or generator expression over it runs is not compiled"
)
USED_ITERATOR = (
    "an iterator used again after a call or a loop advanced it (or an iterator over it)"
    " is not compiled"
)
SHARED_ITERATOR = "an iterator held by two variables across a branch is not compiled"


@dataclass(frozen=True)
class BoundMethodKind:
    owner: Any
    name: str


Value = Any
"""An `SSAValue`, one of the classes above, a `Known`, a `Poison` or a marker."""


def kind_of(value: Value) -> inf.Kind:
    if isinstance(value, SSAValue):
        return value.type
    if isinstance(value, TupleValue):
        return TupleKind(tuple(kind_of(item) for item in value.items))
    if isinstance(value, ListValue):
        return ListKind(value.elem, value.site if value.elem is None else None)
    if isinstance(value, ComplexValue):
        return COMPLEX
    if isinstance(value, ArrayValue):
        return value.kind
    if isinstance(value, NpScalar):
        return NpScalarKind(value.dtype)
    if isinstance(value, ArrayIter):
        return ArrayIterKind(value.array.kind)
    if isinstance(value, RangeValue):
        return RANGE
    if isinstance(value, RangeIter):
        return RANGE_ITER
    if isinstance(value, ListIter):
        return ListIterKind(value.list.elem)
    if isinstance(value, TupleIter):
        return TupleIterKind(tuple(kind_of(item) for item in value.items), value.position)
    if isinstance(value, ReversedListIter):
        return ReversedListIterKind(value.list.elem)
    if isinstance(value, EnumerateIter):
        return EnumerateIterKind(kind_of(value.inner))
    if isinstance(value, ZipIter):
        return ZipIterKind(tuple(kind_of(inner) for inner in value.inners))
    if isinstance(value, BoundMethod):
        return BoundMethodKind(kind_of(value.owner), value.name)
    if isinstance(value, SharedIter):
        return SharedIterKind(kind_of(value.inner), value.token)
    if isinstance(value, Closure):
        free = None if value.free is None else tuple(kind_of(v) for v in value.free)
        defaults = tuple(kind_of(v) for v in value.defaults)
        return ClosureKind(value.fn, value.cells, defaults, free)
    if isinstance(value, inf.Known | inf.Poison | inf.Marker | inf.SelfRef):
        return value
    if isinstance(value, SliceValue):
        return Poison("a slice object kept across a branch")
    if isinstance(value, GeneratorValue):
        return GeneratorKind(kind_of(value.closure), kind_of(value.iterator), value.owner)
    return Poison("a value of this kind kept across a branch")


def is_scalar_kind(kind: inf.Kind) -> bool:
    return kind in inf.SCALARS


def flat_types(kind: inf.Kind) -> list[Attribute]:
    """The IR types a value of `kind` travels as."""
    if kind in inf.SCALARS:
        return [kind]
    if isinstance(kind, TupleKind):
        return [t for item in kind.items for t in flat_types(item)]
    if isinstance(kind, ListKind):
        return [LIST_HANDLE]
    if isinstance(kind, ArrayKind):
        return [LIST_HANDLE, LIST_HANDLE] + [INT] * (2 * kind.ndim)
    if isinstance(kind, NpScalarKind):
        from graphlet.dialects.pyarray import compute_type

        return [compute_type(kind.dtype)]
    if isinstance(kind, ArrayIterKind):
        return [*flat_types(kind.array), INT]
    if kind is COMPLEX:
        return [FLOAT, FLOAT]
    if kind is RANGE:
        return [INT, INT, INT]
    if kind is RANGE_ITER:
        return [INT, INT, INT, BOOL]
    if isinstance(kind, ListIterKind):
        return [LIST_HANDLE, INT]
    if isinstance(kind, TupleIterKind):
        return flat_types(TupleKind(kind.items))
    if isinstance(kind, ReversedListIterKind):
        return [LIST_HANDLE, INT]
    if isinstance(kind, EnumerateIterKind):
        return [*flat_types(kind.inner), INT]
    if isinstance(kind, ZipIterKind):
        return [t for inner in kind.inners for t in flat_types(inner)]
    if isinstance(kind, BoundMethodKind):
        return flat_types(kind.owner)
    if isinstance(kind, SharedIterKind):
        return flat_types(kind.inner)
    if isinstance(kind, ClosureKind):
        return [t for item in (*kind.defaults, *(kind.free or ())) for t in flat_types(item)]
    if isinstance(kind, GeneratorKind):
        return [*flat_types(kind.closure), *flat_types(kind.iterator)]
    return []


def flat_ranges(kind: inf.Kind) -> list[tuple[int, int] | None]:
    """Beside `flat_types`: the values an IR value of `kind` is known to hold (an
    array's axis lengths: NumPy keeps `length * itemsize` within `npy_intp`)."""
    if isinstance(kind, ArrayKind):
        from graphlet.dialects.pyarray import item_size

        length = (0, (2**63 - 1) // item_size(kind.dtype))
        return [None, None, *[length] * kind.ndim, *[None] * kind.ndim]
    if isinstance(kind, TupleKind):
        return [r for item in kind.items for r in flat_ranges(item)]
    if isinstance(kind, ArrayIterKind):
        return [*flat_ranges(kind.array), None]
    return [None] * len(flat_types(kind))


def flatten(kind: inf.Kind, value: Value) -> list[SSAValue]:
    """The SSA values that carry `value` (of `kind`) across a boundary."""
    if kind in inf.SCALARS:
        if not isinstance(value, SSAValue) or value.type != kind:
            raise GraphBreak(
                "could not infer the type of a recursive call's result", whole_function=True
            )
        return [value]
    if isinstance(kind, TupleKind):
        assert isinstance(value, TupleValue)
        return [v for k, item in zip(kind.items, value.items) for v in flatten(k, item)]
    if isinstance(kind, ListKind):
        return [value.handle]
    if isinstance(kind, ArrayKind):
        return [value.obj, value.data, *value.shape, *value.strides]
    if isinstance(kind, NpScalarKind):
        return [value.value]
    if isinstance(kind, ArrayIterKind):
        return [*flatten(kind.array, value.array), value.index]
    if kind is COMPLEX:
        return [value.real, value.imag]
    if kind is RANGE:
        return [value.start, value.stop, value.step]
    if kind is RANGE_ITER:
        return [value.next, value.stop, value.step, value.descending]
    if isinstance(kind, ListIterKind):
        return [value.list.handle, value.index]
    if isinstance(kind, TupleIterKind):
        return flatten(TupleKind(kind.items), TupleValue(value.items))
    if isinstance(kind, ReversedListIterKind):
        return [value.list.handle, value.index]
    if isinstance(kind, EnumerateIterKind):
        return [*flatten(kind.inner, value.inner), value.count]
    if isinstance(kind, ZipIterKind):
        return [v for k, inner in zip(kind.inners, value.inners) for v in flatten(k, inner)]
    if isinstance(kind, BoundMethodKind):
        return flatten(kind.owner, value.owner)
    if isinstance(kind, SharedIterKind):
        return flatten(kind.inner, value.inner)
    if isinstance(kind, ClosureKind):
        kinds = (*kind.defaults, *(kind.free or ()))
        items = (*value.defaults, *(value.free or ()))
        return [v for k, item in zip(kinds, items, strict=True) for v in flatten(k, item)]
    if isinstance(kind, GeneratorKind):
        return [*flatten(kind.closure, value.closure), *flatten(kind.iterator, value.iterator)]
    return []


def unflatten(kind: inf.Kind, values: Iterator[SSAValue]) -> Value:
    """The value of `kind` carried by the next SSA values of `values`."""
    if kind in inf.SCALARS:
        return next(values)
    if isinstance(kind, TupleKind):
        return TupleValue(tuple(unflatten(item, values) for item in kind.items))
    if isinstance(kind, ListKind):
        return ListValue(next(values), kind.elem, kind.site)
    if isinstance(kind, ArrayKind):
        obj, data = next(values), next(values)
        shape = tuple(next(values) for _ in range(kind.ndim))
        strides = tuple(next(values) for _ in range(kind.ndim))
        return ArrayValue(obj, data, shape, strides, kind)
    if isinstance(kind, NpScalarKind):
        return NpScalar(next(values), kind.dtype)
    if isinstance(kind, ArrayIterKind):
        return ArrayIter(unflatten(kind.array, values), next(values))
    if kind is COMPLEX:
        return ComplexValue(next(values), next(values))
    if kind is RANGE:
        return RangeValue(next(values), next(values), next(values))
    if kind is RANGE_ITER:
        return RangeIter(next(values), next(values), next(values), next(values))
    if isinstance(kind, ListIterKind):
        return ListIter(ListValue(next(values), kind.elem), next(values))
    if isinstance(kind, TupleIterKind):
        items = unflatten(TupleKind(kind.items), values).items
        return TupleIter(items, kind.position)
    if isinstance(kind, ReversedListIterKind):
        return ReversedListIter(ListValue(next(values), kind.elem), next(values))
    if isinstance(kind, EnumerateIterKind):
        return EnumerateIter(unflatten(kind.inner, values), next(values))
    if isinstance(kind, ZipIterKind):
        return ZipIter(tuple(unflatten(inner, values) for inner in kind.inners))
    if isinstance(kind, BoundMethodKind):
        return BoundMethod(unflatten(kind.owner, values), kind.name)
    if isinstance(kind, SharedIterKind):
        return SharedIter(unflatten(kind.inner, values), kind.token)
    if isinstance(kind, ClosureKind):
        defaults = tuple(unflatten(item, values) for item in kind.defaults)
        free = None if kind.free is None else tuple(unflatten(item, values) for item in kind.free)
        return Closure(kind.fn, kind.cells, defaults, free)
    if isinstance(kind, GeneratorKind):
        closure = unflatten(kind.closure, values)
        return GeneratorValue(closure, unflatten(kind.iterator, values), kind.owner)
    return kind


@dataclass
class EntryKinds:
    """The kinds of the locals and stack slots on entry to a block."""

    locals: dict[str, inf.Kind]
    stack: list[inf.Kind]

    def arg_types(self) -> list[Attribute]:
        types_: list[Attribute] = []
        for name in sorted(self.locals):
            types_ += flat_types(self.locals[name])
        for kind in self.stack:
            types_ += flat_types(kind)
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

    def key(self) -> tuple[Any, ...]:
        return (tuple(sorted(self.locals.items())), tuple(self.stack))

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


def is_iterator(value: Value) -> bool:
    """An iterator object (or generator): state that iterating it advances. An
    exhausted tuple iterator has none left (what `exhausted` makes)."""
    if isinstance(value, TupleIter):
        return value.position < len(value.items)
    return isinstance(
        value,
        RangeIter
        | ListIter
        | ArrayIter
        | ReversedListIter
        | EnumerateIter
        | ZipIter
        | SharedIter
        | GeneratorValue,
    )


def exhausted() -> TupleIter:
    """An exhausted iterator: every kind stays exhausted once it ran out (CPython's
    list, tuple, range and sequence iterators drop their sequence), so each is this."""
    return TupleIter((), 0)


def _parts(value: Value) -> tuple[Any, ...]:
    if isinstance(value, TupleValue | TupleIter):
        return value.items
    if isinstance(value, EnumerateIter | SharedIter):
        return (value.inner,)
    if isinstance(value, ZipIter):
        return value.inners
    if isinstance(value, GeneratorValue):
        return (value.iterator, value.closure)
    if isinstance(value, Closure):
        return (*value.defaults, *(value.free or ()))
    if isinstance(value, BoundMethod):
        return (value.owner,)
    return ()


def iterators_in(value: Value) -> Iterator[Value]:
    """The iterator objects `value` is or holds (an iterator of an iterator too)."""
    if is_iterator(value):
        yield value
    for part in _parts(value):
        yield from iterators_in(part)


def reaches(value: Value, target: Value) -> bool:
    return value is target or any(reaches(part, target) for part in _parts(value))


def replace_holders(state: State, target: Value, direct: Value, nested: Value) -> None:
    """Each local and stack slot that is `target` becomes `direct`; one that holds it
    inside (a tuple, a zip of it) becomes `nested`."""

    def new(value: Value) -> Value:
        if value is target:
            return direct
        return nested if reaches(value, target) else value

    for name, value in list(state.locals.items()):
        state.locals[name] = new(value)
    state.stack[:] = [new(v) for v in state.stack]


def holds(state: State, target: Value) -> bool:
    return any(reaches(v, target) for v in (*state.locals.values(), *state.stack))


def release(state: State, token: int, value: Value) -> None:
    """The holders of the iterator `SharedIter(token)`, dropped as `value`."""

    def new(slot: Value) -> Value:
        return value if isinstance(slot, IteratorInUse) and slot.token == token else slot

    for name, slot in list(state.locals.items()):
        state.locals[name] = new(slot)
    state.stack[:] = [new(v) for v in state.stack]


def shared_iterators(values: list[Value]) -> set[int]:
    """The ids of the iterators more than one of `values` holds: across a branch each
    slot becomes its own copy, so they are poisoned there (`SHARED_ITERATOR`)."""
    seen: set[int] = set()
    shared: set[int] = set()
    for value in values:
        mine = {id(it) for it in iterators_in(value)}
        shared |= seen & mine
        seen |= mine
    return shared


def boundary_kind(value: Value, shared: set[int]) -> inf.Kind:
    """`kind_of(value)` where a block is entered (see `shared_iterators`)."""
    if shared and any(id(it) in shared for it in iterators_in(value)):
        return Poison(SHARED_ITERATOR)
    return kind_of(value)


def values_from_args(kinds: EntryKinds, args: Iterator[SSAValue]) -> State:
    """The state at the start of a block, rebuilt from its arguments."""
    state = State({}, [])
    for name in sorted(kinds.locals):
        state.locals[name] = unflatten(kinds.locals[name], args)
    state.stack = [unflatten(k, args) for k in kinds.stack]
    return state


def args_for(kinds: EntryKinds, state: State) -> list[SSAValue]:
    """The branch operands that carry `state` into a block entered with `kinds`."""
    operands: list[SSAValue] = []
    for name in sorted(kinds.locals):
        operands += flatten(kinds.locals[name], state.locals.get(name))
    for kind, value in zip(kinds.stack, state.stack, strict=True):
        operands += flatten(kind, value)
    return operands


class ListItemTypeFixed(Exception):
    """Raised during inference when a value is stored into an empty list whose item
    type was not known: the driver records `elem` for `site` and infers again."""

    def __init__(self, site: Any, elem: Attribute) -> None:
        super().__init__(site, elem)
        self.site = site
        self.elem = elem
