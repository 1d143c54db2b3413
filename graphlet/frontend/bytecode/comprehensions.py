"""Comprehensions and generator expressions.

A list comprehension on 3.12+ is inlined (PEP 709): `LOAD_FAST_AND_CLEAR` saves the
variable it shadows on the stack (an unbound one as `CLEARED`), `LIST_APPEND` adds
an item, and a `STORE_FAST` after the loop restores the variable. The exception table
such a function gets only restores that variable, so it is compiled (`cleanup_only`).
On 3.11 a list comprehension is a nested function called at once with its iterator:
an ordinary `Closure` (see `closures`).

A generator expression is never a generator object in compiled code. Calling its
code (at once, with its iterator) makes a `GeneratorValue`; a consumer (`sum`,
`min`, `max`, `any`, `all`, `list`, `tuple`, `sorted`) then captures the
expression's code as one more function of the module, its loop fused with the
consumer (`Consumer`): `RETURN_GENERATOR` sets up the accumulator, each
`YIELD_VALUE` feeds it (`any`/`all` leave the loop at the deciding item, as
CPython stops iterating there), and the final `return None` returns what the
consumer returns. Its parameters are the iterator, the accumulator (and `min`'s
`default=` and `key=`), then the free variables. `sum` follows CPython's loop
exactly: an int accumulator while items are ints, its float loop (compensated from
3.12, see `intrinsics`) after the first float, plain `+` otherwise. A consumer given
an iterator runs as given `(x for x in it)` (`items_of`, whose breaks are reported at
the user's call). A `for` loop over a generator expression (stored or not) steps it
with its code captured as `Consumer("next")`: the loop to the next yield, returning
the item and the advanced iterator (or None at the end). A generator that escapes
(returned, passed to a builtin that does not consume it) is a graph break.
"""

from __future__ import annotations

import dis
import types
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import closures, intrinsics, lists, operators
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.inference import BOOL, BOTTOM, FLOAT, INT, Known, Poison
from graphlet.frontend.bytecode.iteration import ITERATE_RULES, NEXT_RULES
from graphlet.frontend.bytecode.opcodes import CLEARED, Flow, Returned, Switch, handles
from graphlet.frontend.bytecode.values import (
    ESCAPING_GENERATOR,
    USED_ITERATOR,
    Closure,
    ComplexValue,
    EnumerateIter,
    GeneratorValue,
    ListValue,
    SharedIter,
    State,
    TupleIter,
    TupleValue,
    Value,
    ZipIter,
    exhausted,
    iterators_in,
    kind_of,
    release,
    replace_holders,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture
    from graphlet.frontend.bytecode.decode import Instr

ACC, DEFAULT, MODE, COMPENSATION = "<acc>", "<default>", "<sum mode>", "<compensation>"
KEY, BEST_KEY = "<key>", "<best key>"
"""The consumer's locals in the capture of a generator expression's code."""

_EXCEPTION_HANDLING = {
    "PUSH_EXC_INFO",
    "CHECK_EXC_MATCH",
    "BEFORE_WITH",
    "BEFORE_ASYNC_WITH",
    "WITH_EXCEPT_START",
    "CLEANUP_THROW",
}


class _Empty:
    def __repr__(self) -> str:
        return "<no item yet>"


EMPTY = Known(_Empty())
"""`min`/`max`'s accumulator before the first item."""


def cleanup_only(code: types.CodeType) -> bool:
    """Whether `code`'s exception table only restores the variables of inlined
    comprehensions (3.12+) or turns a generator's StopIteration into RuntimeError:
    no try, except or with, whose handlers compiled code would have to run."""
    return not any(ins.opname in _EXCEPTION_HANDLING for ins in dis.get_instructions(code))


# --------------------------------------------------------------------------- inlined list comprehensions


@handles("LOAD_FAST_AND_CLEAR")
def load_fast_and_clear(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.locals.pop(ins.arg, None)
    state.stack.append(CLEARED if value is None else value)
    return None


@handles("LIST_APPEND")
def list_append(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    item = state.pop()
    target = state.stack[-ins.arg]
    if not isinstance(target, ListValue):
        raise GraphBreak(f"appending to {inf.kind_name(kind_of(target))}")
    if isinstance(item, GeneratorValue):
        raise GraphBreak(ESCAPING_GENERATOR)
    lists.append(c, target, item)
    return None


# --------------------------------------------------------------------------- generator expressions


def _iterate(c: FunctionCapture, value: Value) -> Any:
    if isinstance(value, GeneratorValue):
        return value  # a generator is its own iterator
    return NotImplemented


ITERATE_RULES.append(_iterate)


def _next(c: FunctionCapture, ins: Instr, state: State, generator: Value) -> Any:
    """A `for` loop's step of a generator expression: its code captured as a function
    (`Consumer("next")`) that runs its loop to the next yield and returns the item and
    the advanced iterator, or returns None at the end (a union the path splits on)."""
    from graphlet.frontend.bytecode.calls import SplitResult, call_python

    if not isinstance(generator, GeneratorValue):
        return NotImplemented
    code = generator.closure.fn.__code__
    if sum(i.opname == "FOR_ITER" for i in dis.get_instructions(code)) != 1:
        raise GraphBreak(
            "a for loop over a generator expression with more than one for clause is not compiled"
        )
    generator = closures.bind(c, state, generator)  # its cells as they are now
    inner, token = generator.iterator, None
    if isinstance(inner, SharedIter):
        inner, token = inner.inner, inner.token
    exit_ = ins.target
    assert exit_ is not None
    done = state.copy()
    done.pop()
    if token is not None:  # holders of the iterator it looped over see it exhausted
        release(done, token, exhausted())
    closure = generator.closure
    assert closure.free is not None
    args = [inner, Known(None), *closure.free]
    if any(a is BOTTOM for a in args):
        return [(ins.index + 1, _body(state, generator, BOTTOM), None), (exit_, done, None)]
    fn = consumer_function(c, code, Consumer("next"))
    result = call_python(c, fn, args, guard=False)

    def successor(outcome: Value) -> tuple[int, State]:
        if outcome is BOTTOM:
            return ins.index + 1, _body(state, generator, BOTTOM)
        if not isinstance(outcome, TupleValue):
            return exit_, done
        item, advanced = outcome.items
        following = SharedIter(advanced, token) if token is not None else advanced
        return ins.index + 1, _body(state, replace(generator, iterator=following), item)

    if isinstance(result, SplitResult):
        return Switch(result.tag, [successor(outcome) for outcome in result.alternatives])
    target, path = successor(result)
    return [(target, path, None)]


NEXT_RULES.append(_next)


def _body(state: State, generator: GeneratorValue, item: Value) -> State:
    body = state.copy()
    body.stack[-1] = generator
    body.stack.append(item)
    return body


@handles("RETURN_GENERATOR")
def return_generator(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    if c.consumer is None:
        raise GraphBreak("a generator is not compiled")
    state.stack.append(Known(None))
    c.consumer.start(c, ins, state)
    return None


@handles("YIELD_VALUE")
def yield_value(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    if c.consumer is None:
        raise GraphBreak("yield is not compiled")
    item = state.pop()
    if isinstance(item, GeneratorValue):
        raise GraphBreak(ESCAPING_GENERATOR)
    state.stack.append(Known(None))  # what the generator is sent
    flow: Flow = c.consumer.step(c, ins, state, item)
    return flow


def _loop_exit(c: FunctionCapture) -> int:
    """Where the outermost loop of a generator expression ends: its `return None`."""
    target = next(ins.target for ins in c.instrs if ins.op == "FOR_ITER")
    assert target is not None
    return target


def _function(fn: Any) -> types.FunctionType:
    assert isinstance(fn, types.FunctionType)
    return fn


def _is_number(value: Value) -> bool:
    return isinstance(value, SSAValue) and value.type in (BOOL, INT, FLOAT)


@dataclass(frozen=True)
class Consumer:
    """The builtin that consumes a generator expression: `name`, and whether `min`/`max`
    has a `default=` and a `key=`."""

    name: str
    has_default: bool = False
    has_key: bool = False

    @property
    def params(self) -> tuple[str, ...]:
        return (ACC, *((DEFAULT,) if self.has_default else ()), *((KEY,) if self.has_key else ()))

    locals = (ACC, DEFAULT, MODE, COMPENSATION, KEY, BEST_KEY)

    def start(self, c: FunctionCapture, ins: Instr, state: State) -> None:
        """The accumulator's first value (`sum`'s start and `min`'s EMPTY come in)."""
        name = self.name
        if name == "sum":
            start = state.locals[ACC]
            if isinstance(start, SSAValue) and start.type == INT:
                state.locals[MODE] = Known("int")
            elif isinstance(start, SSAValue) and start.type == FLOAT:
                state.locals[MODE] = Known("float")
                state.locals[COMPENSATION] = c.const(0.0)
            elif _is_number(start) or isinstance(start, ComplexValue):
                state.locals[MODE] = Known("generic")  # CPython's plain loop (a bool start)
            else:
                raise GraphBreak(
                    f"sum() with {inf.kind_name(kind_of(start))} as start is not compiled"
                )
        elif name in ("any", "all"):
            state.locals[ACC] = c.const(name == "all")
        elif name == "list":
            site = ("build", c.symbol, ins.index)
            state.locals[ACC] = lists.new_list(c, c.list_sites.get(site), c.const(0), site)
        elif name == "tuple":
            state.locals[ACC] = TupleValue(())

    def step(self, c: FunctionCapture, ins: Instr, state: State, item: Value) -> Flow:
        """Feed `item` to the accumulator; go on at the next instruction (or leave the
        loop, for `any`/`all`)."""
        following = ins.index + 1
        name = self.name
        if name in ("any", "all"):
            return self._any_all(c, ins, state, item)
        if name == "next":  # the item and the loop's iterator, where it resumes
            if len(state.stack) != 2:
                raise GraphBreak("a generator expression that yields inside an expression")
            return Returned(TupleValue((item, state.stack[0])))
        if name in ("min", "max"):
            return self._min_max(c, ins, state, item)
        acc = state.locals[ACC]
        if name == "sum":
            self._sum(c, state, item)
        elif name == "list":
            lists.append(c, acc, item)
        elif name == "tuple":
            state.locals[ACC] = TupleValue((*acc.items, item))
        return [(following, state, None)]

    def _sum(self, c: FunctionCapture, state: State, item: Value) -> None:
        """One step of CPython's `builtin_sum_impl`."""
        acc, mode = state.locals[ACC], state.locals[MODE].obj
        if item is BOTTOM or acc is BOTTOM:
            state.locals[ACC] = BOTTOM
            return
        if mode == "int" and isinstance(item, SSAValue) and item.type in (INT, BOOL):
            state.locals[ACC] = operators.binary(c, "+", acc, c.cast(item, INT))
            return
        if mode == "float" and isinstance(item, SSAValue) and item.type == FLOAT:
            if intrinsics.NEUMAIER_SUM:
                from graphlet.frontend.bytecode.calls import call_python

                total = call_python(
                    c, _function(intrinsics.neumaier_add), [acc, state.locals[COMPENSATION], item]
                )
                if total is BOTTOM:
                    state.locals[ACC] = BOTTOM
                    return
                assert isinstance(total, TupleValue)
                state.locals[ACC], state.locals[COMPENSATION] = total.items
            else:
                state.locals[ACC] = c.binary("+", acc, item)
            return
        if mode == "float" and isinstance(item, SSAValue) and item.type in (INT, BOOL):
            state.locals[ACC] = c.binary("+", acc, c.cast(item, FLOAT))  # uncompensated
            return
        if mode == "float":
            acc = self._float_total(c, state)
        total = operators.binary(c, "+", acc, item)
        state.locals[ACC] = total
        if mode == "int" and kind_of(total) == FLOAT:  # CPython's float loop takes over
            state.locals[MODE] = Known("float")
            state.locals[COMPENSATION] = c.const(0.0)
        else:
            state.locals[MODE] = Known("generic")
            state.locals.pop(COMPENSATION, None)

    @staticmethod
    def _float_total(c: FunctionCapture, state: State) -> Value:
        acc = state.locals[ACC]
        if not intrinsics.NEUMAIER_SUM:
            return acc
        from graphlet.frontend.bytecode.calls import call_python

        return call_python(
            c, _function(intrinsics.neumaier_total), [acc, state.locals[COMPENSATION]]
        )

    def _any_all(self, c: FunctionCapture, ins: Instr, state: State, item: Value) -> Flow:
        stops_on = self.name == "any"  # any() stops at a true item, all() at a false one
        truth = operators.truth(c, item)
        leave = State(dict(state.locals), [])
        leave.locals[ACC] = c.const(stops_on)
        exit_, following = _loop_exit(c), ins.index + 1
        if isinstance(truth, bool):
            return [(exit_, leave, None)] if truth == stops_on else [(following, state, None)]
        if truth is None:
            return [(exit_, leave, None), (following, state, None)]
        if stops_on:
            return [(exit_, leave, None), (following, state, truth)]
        return [(following, state, None), (exit_, leave, truth)]

    def _min_max(self, c: FunctionCapture, ins: Instr, state: State, item: Value) -> Flow:
        """CPython's `min_max`: an item replaces the best so far when it is strictly
        less (min) or greater (max); items of mixed types split the path by kind."""
        following = ins.index + 1
        acc = state.locals[ACC]
        if item is BOTTOM or acc is BOTTOM:
            state.locals[ACC] = BOTTOM
            return [(following, state, None)]
        if self.has_key:
            return self._min_max_by_key(c, ins, state, item)
        if not _is_number(item):
            raise GraphBreak(
                f"{self.name}() of {_source(c)} of {inf.describe(kind_of(item))} items is not"
                " compiled (of bool, int and float items it is)"
            )
        if acc == EMPTY:
            state.locals[ACC] = item
            return [(following, state, None)]
        better = c.boolean(operators.compare(c, "<" if self.name == "min" else ">", item, acc))
        if item.type == acc.type:
            state.locals[ACC] = c.result(g.SelectOp(better, item, acc))
            return [(following, state, None)]
        taken = state.copy()
        taken.locals[ACC] = item
        return [(following, taken, None), (following, state, better)]

    def _min_max_by_key(self, c: FunctionCapture, ins: Instr, state: State, item: Value) -> Flow:
        """With `key=`: CPython calls the key on each item as it comes and keeps the
        item whose key is strictly less (min) or greater (max) than the best so far."""
        from graphlet.frontend.bytecode.calls import SplitResult, call

        following = ins.index + 1
        key = call(c, state.locals[KEY], [item])
        if isinstance(key, SplitResult):
            kinds = " or ".join(dict.fromkeys(inf.kind_name(kind_of(k)) for k in key.alternatives))
            raise GraphBreak(
                f"{self.name}() with a key= that returns {kinds} depending on the path is not"
                " compiled"
            )
        if key is BOTTOM:
            state.locals[ACC] = BOTTOM
            return [(following, state, None)]
        if state.locals[ACC] == EMPTY:
            state.locals[ACC], state.locals[BEST_KEY] = item, key
            return [(following, state, None)]
        symbol = "<" if self.name == "min" else ">"
        better = operators.truth(c, operators.compare(c, symbol, key, state.locals[BEST_KEY]))
        if better is None:
            raise GraphBreak(f"{self.name}() with a key whose result is not yet known")
        taken = state.copy()
        taken.locals[ACC], taken.locals[BEST_KEY] = item, key
        if isinstance(better, bool):
            return [(following, taken if better else state, None)]
        acc, best_key = state.locals[ACC], state.locals[BEST_KEY]
        if all(
            isinstance(new, SSAValue) and isinstance(old, SSAValue) and new.type == old.type
            for new, old in ((item, acc), (key, best_key))
        ):
            state.locals[ACC] = c.result(g.SelectOp(better, item, acc))
            state.locals[BEST_KEY] = c.result(g.SelectOp(better, key, best_key))
            return [(following, state, None)]
        return [(following, taken, None), (following, state, better)]  # taken if better

    def finish(self, c: FunctionCapture, state: State) -> Value:
        """What the consumer returns when the loop ends (or `any`/`all` left it)."""
        acc = state.locals[ACC]
        if self.name == "sum" and state.locals[MODE].obj == "float" and acc is not BOTTOM:
            return self._float_total(c, state)
        if acc == EMPTY:
            if self.has_default:
                return state.locals[DEFAULT]
            raise GraphBreak(f"{self.name}() of an empty {_source(c)[2:]} raises ValueError")
        return acc


CONSUMERS = {sum, min, max, any, all, list, tuple, sorted}


def _items_of(iterable: Any) -> Any:
    return (item for item in iterable)


_ITEMS = types.FunctionType(
    next(k for k in _items_of.__code__.co_consts if isinstance(k, types.CodeType)), {}
)
"""The generator expression `(item for item in it)`: `list(it)` of an iterator runs
as `list` of it, so an iterator has one consumer loop however it is passed."""


def _static_length(iterator: Value) -> bool:
    """Whether a loop over `iterator` ends at a step known at compile time (tuples,
    and enumerate, zip and reversed of them)."""
    if isinstance(iterator, SharedIter):
        return _static_length(iterator.inner)
    if isinstance(iterator, TupleIter):
        return True
    if isinstance(iterator, EnumerateIter):
        return _static_length(iterator.inner)
    if isinstance(iterator, ZipIter):
        return all(_static_length(inner) for inner in iterator.inners)
    return False


def _contains_of(iterable: Any, x: Any) -> Any:
    return (item == x for item in iterable)


_CONTAINS = types.FunctionType(
    next(k for k in _contains_of.__code__.co_consts if isinstance(k, types.CodeType)),
    {},
    None,
    None,
    (types.CellType(),),
)
"""`x in it` of an iterator runs as `any(item == x for item in it)`: CPython's loop,
which stops at the first equal item (its identity test adds nothing for numbers
once `x` is not a NaN, which hands back)."""


def contains_in(c: FunctionCapture, state: State, item: Value, iterator: Value) -> Value:
    """`item in iterator`: the iterator is advanced to the match (or to its end), so
    its holders cannot use it again here."""
    if isinstance(item, SSAValue) and item.type == FLOAT:
        c.guard(c.boolean(c.negated(c.is_nan(item))))
    elif not (isinstance(item, SSAValue) and item.type in (INT, BOOL)):
        raise GraphBreak(f"{inf.kind_name(kind_of(item))} in an iterator is not compiled")
    inner = iterator.inner if isinstance(iterator, SharedIter) else iterator
    generator = GeneratorValue(Closure(_CONTAINS, ("x",), (), (item,)), inner)
    found = run(c, generator, Consumer("any"), [Known(None)])
    for held in iterators_in(iterator):
        if isinstance(held, SharedIter):
            release(state, held.token, Poison(USED_ITERATOR))
        else:
            replace_holders(state, held, Poison(USED_ITERATOR), Poison(USED_ITERATOR))
    return found


def _source(c: FunctionCapture) -> str:
    """What the user passed the consumer, for reasons: graphlet's `(x for x in it)`
    stands for the iterable itself."""
    if c.code in (_ITEMS.__code__, _CONTAINS.__code__):
        return "an iterable"
    return "a generator expression"


def items_of(iterator: Value) -> GeneratorValue:
    return GeneratorValue(Closure(_ITEMS, (), (), ()), iterator)


def consume(
    c: FunctionCapture, callee: Value, args: list[Value], keywords: dict[str, Value]
) -> Value:
    """`callee(generator, ...)` where `callee` is a consumer: its loop, fused."""
    from graphlet.frontend.bytecode.calls import call

    target = callee.obj if isinstance(callee, Known) else None
    generator = args[0] if args else None
    others = [*args[1:], *keywords.values()]
    if (
        target not in CONSUMERS
        or not isinstance(generator, GeneratorValue)
        or any(isinstance(v, GeneratorValue) for v in others)
    ):
        raise GraphBreak(ESCAPING_GENERATOR)
    assert target is not None
    name = target.__name__
    if target is sorted:  # the items in a new list, then sorted in place
        items = run(c, generator, Consumer("list"), [Known(None)])
        return call(c, callee, [items, *args[1:]], keywords)
    if target is sum:
        if len(args) > 2 or set(keywords) - {"start"} or (len(args) == 2 and keywords):
            raise GraphBreak("sum() takes an iterable and start (TypeError)")
        start = args[1] if len(args) == 2 else keywords.get("start", c.const(0))
        return run(c, generator, Consumer("sum"), [start])
    if len(args) != 1:
        raise GraphBreak(f"{name}() of a generator expression and more arguments is not compiled")
    if target in (min, max):
        if set(keywords) - {"default", "key"}:
            raise GraphBreak(f"{name}() takes only key= and default= by keyword (TypeError)")
        key = keywords.get("key", Known(None))
        has_key = key != Known(None)
        if has_key and not isinstance(key, Known | Closure):
            raise GraphBreak(f"{name}() with {inf.kind_name(kind_of(key))} as key is not compiled")
        extra = [EMPTY, *([keywords["default"]] if "default" in keywords else [])]
        consumer = Consumer(name, "default" in keywords, has_key)
        return run(c, generator, consumer, [*extra, *([key] if has_key else [])])
    if keywords:
        raise GraphBreak(f"{name}() takes no keyword arguments (TypeError)")
    iterator = generator.iterator
    if isinstance(iterator, SharedIter):
        iterator = iterator.inner
    if target is tuple and not _static_length(iterator):
        of = inf.kind_name(kind_of(iterator))
        if generator.closure.fn is not _ITEMS:
            of = f"a generator expression over {of}"
        raise GraphBreak(
            f"tuple() of {of} is not compiled (a tuple's length is fixed at compile time:"
            " only tuple() of a tuple, or of an iterator over tuples, is)"
        )
    initial = TupleValue(()) if target is tuple else Known(None)
    return run(c, generator, Consumer(name), [initial])


def run(
    c: FunctionCapture, generator: GeneratorValue, consumer: Consumer, extra: list[Value]
) -> Value:
    """The generator expression's code captured as `consumer`'s loop, called."""
    from graphlet.frontend.bytecode.calls import call_python

    closure = generator.closure
    assert closure.free is not None
    iterator = generator.iterator
    if isinstance(iterator, SharedIter):  # its holders see it where the call leaves it
        iterator = iterator.inner
    args = [iterator, *extra, *closure.free]
    if any(a is BOTTOM for a in args):
        return BOTTOM
    return call_python(c, consumer_function(c, closure.fn.__code__, consumer), args, guard=False)


def consumer_function(
    c: FunctionCapture, code: types.CodeType, consumer: Consumer
) -> types.FunctionType:
    """One function per generator expression's code, globals and consumer."""
    site = None
    if code in (
        _ITEMS.__code__,
        _CONTAINS.__code__,
    ):  # its breaks are the user's call's (one per call site)
        assert c.current is not None
        site = c.unit.call_sites.get(c.fn, (c.fn.__qualname__, c.filename, c.current.line))
    key = (code, id(c.fn.__globals__), consumer, site)
    fn = c.unit.nested_functions.get(key)
    if fn is None:
        fn = _new_function(c, code)
        if site is not None:
            c.unit.call_sites[fn] = site
        c.unit.nested_functions[key] = fn
        c.unit.consumers[fn] = consumer
    return fn


def _new_function(c: FunctionCapture, code: types.CodeType) -> types.FunctionType:
    cells = tuple(types.CellType() for _ in code.co_freevars)
    fn = types.FunctionType(code, c.fn.__globals__, code.co_name, None, cells)
    fn.__qualname__ = code.co_qualname
    return fn
