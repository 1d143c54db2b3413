"""Names, attributes and calls: `LOAD_GLOBAL`, `LOAD_ATTR`/`LOAD_METHOD`, `CALL`.

A global is read at capture time and guarded (see `ModuleCapture.guard`). A call
goes to `range` (see `iteration`), to a registered builtin (see `builtins`), or to a
Python function, which is captured into the same module and called with `func.call`.
"""

from __future__ import annotations

import builtins as python_builtins
import inspect
import math
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xdsl.dialects import func
from xdsl.ir import Attribute, SSAValue

from graphlet.frontend.bytecode import builtins, closures, operators, regions
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import FunctionNotCompilable, GraphBreak
from graphlet.frontend.bytecode.decode import NULL_BEFORE_CALLABLE, Instr
from graphlet.frontend.bytecode.inference import BOTTOM, NULL, Known, ListKind, Poison, TupleKind
from graphlet.frontend.bytecode.iteration import make_range
from graphlet.frontend.bytecode.numbers import number_attribute
from graphlet.frontend.bytecode.opcodes import Flow, Switch, handles
from graphlet.frontend.bytecode.operators import KEYWORD_METHODS, METHODS
from graphlet.frontend.bytecode.values import (
    USED_ITERATOR,
    BoundMethod,
    Closure,
    GeneratorValue,
    ListItemTypeFixed,
    SharedIter,
    State,
    TupleIter,
    TupleValue,
    Value,
    exhausted,
    flatten,
    is_iterator,
    iterators_in,
    kind_of,
    release,
    replace_holders,
    unflatten,
)
from graphlet.frontend.guards import MISSING

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


def python_function(obj: Any) -> types.FunctionType | None:
    """The plain Python function behind `obj` (itself, or a `graphlet.jit` wrapper's)."""
    wrapped = getattr(obj, "__graphlet_py_func__", None)
    if isinstance(wrapped, types.FunctionType):
        return wrapped
    if isinstance(obj, types.FunctionType):
        return obj
    return None


@dataclass(frozen=True)
class SplitResult:
    """A call's result whose kind depends on the path: `tag` selects one of the
    `alternatives`; the `CALL` handler splits the path on it."""

    tag: SSAValue
    alternatives: list[Value]

    def switch(self, ins: Instr, state: State) -> Switch:
        """The path after `ins`, once per alternative, each with its value pushed."""
        paths = []
        for alternative in self.alternatives:
            path = state.copy()
            path.stack.append(alternative)
            paths.append((ins.index + 1, path))
        return Switch(self.tag, paths)


@handles("LOAD_GLOBAL")
def load_global(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    state.stack.append(global_value(c, ins.arg))
    return None


def global_value(c: FunctionCapture, name: str) -> Value:
    globals_ = c.fn.__globals__
    value = c.unit.guard(globals_, name)
    if value is MISSING:
        builtins_ns = globals_.get("__builtins__", python_builtins.__dict__)
        if isinstance(builtins_ns, types.ModuleType):
            builtins_ns = builtins_ns.__dict__
        value = c.unit.guard(builtins_ns, name)
    if value is MISSING:
        raise GraphBreak(f"name {name!r} is not defined")
    return known_value(c, value)


def known_value(c: FunctionCapture, value: Any) -> Value:
    """A guarded object (a global, a closure's free variable) as a value: a number or a
    tuple of constants is compiled in (the guard keeps it: a rebinding recompiles)."""
    if isinstance(value, bool | int | float | complex) or _constant_tuple(value):
        return c.constant(value)
    return Known(value)


def _constant_tuple(value: Any) -> bool:
    return type(value) is tuple and all(
        isinstance(item, bool | int | float | complex | str | None) or _constant_tuple(item)
        for item in value
    )


@handles("LOAD_ATTR", "LOAD_METHOD")
def load_attr(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = attribute(c, state.pop(), ins.arg)
    if ins.op == "LOAD_METHOD":
        state.stack.extend([NULL, value] if NULL_BEFORE_CALLABLE else [value, NULL])
    else:
        state.stack.append(value)
    return None


ATTRIBUTE_RULES: list[Any] = []
"""`(capture, owner, name) -> value | NotImplemented` for `owner.name` of other
kinds of values (arrays, see `arrays`)."""


def attribute(c: FunctionCapture, owner: Value, name: str) -> Value:
    for rule in ATTRIBUTE_RULES:
        result = rule(c, owner, name)
        if result is not NotImplemented:
            return result
    if isinstance(owner, Known) and owner.obj is math:
        value = c.unit.guard(math.__dict__, name)  # monkeypatching it recompiles
        if value is MISSING:
            raise GraphBreak(f"module 'math' has no attribute {name!r}")
        if isinstance(value, float):
            return c.const(value)
        return Known(value)
    number = number_attribute(c, owner, name)
    if number is not NotImplemented:
        return number
    value_class = SSAValue if isinstance(owner, SSAValue) else type(owner)
    if (value_class, name) in METHODS:
        return BoundMethod(owner, name)
    raise GraphBreak(f"attribute .{name} of {inf.kind_name(kind_of(owner))} is not compiled")


@handles("CALL")
def call_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    return _call(c, ins, state, ins.arg, ())


@handles("CALL_KW")
def call_kw(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    """A call with keyword arguments: the last `len(names)` arguments are they."""
    if isinstance(ins.arg, tuple):
        count, names = ins.arg
    else:
        count, names_value = ins.arg, state.pop()
        assert isinstance(names_value, TupleValue)
        names = tuple(item.obj for item in names_value.items)
    return _call(c, ins, state, count, names)


def _call(c: FunctionCapture, ins: Instr, state: State, count: int, names: tuple[str, ...]) -> Flow:
    args = [state.pop() for _ in range(count)][::-1]
    second, first = state.pop(), state.pop()
    if NULL_BEFORE_CALLABLE:
        callee, self_arg = (second, NULL) if first is NULL else (first, second)
    else:
        callee, self_arg = first, second
    if self_arg is not NULL:
        args.insert(0, self_arg)
    callee = closures.bind(c, state, callee)  # a closure reads its cells as they are now
    args = [closures.bind(c, state, arg) for arg in args]
    if _consumes(callee) and args and _plain_iterator(args[0]):
        from graphlet.frontend.bytecode import comprehensions

        args[0] = comprehensions.items_of(args[0])  # `sum(e)` runs as `sum(x for x in e)`
    passed = [callee, *args]
    _check_iterators(passed)
    if isinstance(callee, Known) and callee.obj is next and not names and 1 <= len(args) <= 2:
        from graphlet.frontend.bytecode import iterators

        return iterators.next_call(c, ins, state, args)
    if not _makes_generator(callee):
        args = [arg.inner if isinstance(arg, SharedIter) else arg for arg in args]
    for arg in args:
        if isinstance(arg, Closure) and closures.written_free(arg.fn.__code__):
            raise GraphBreak(
                f"passing {closures.display_name(arg.fn)}, which assigns nonlocal variables,"
                " to a call is not compiled"
            )
    keywords = dict(zip(names, args[len(args) - len(names) :]))
    positional = args[: len(args) - len(names)]
    try:
        if isinstance(callee, Closure) and closures.written_free(callee.fn.__code__):
            bound = _bind_keywords(c, callee, positional, keywords) if keywords else positional
            result = closures.call_writing(c, state, callee, bound)
        else:
            result = call(c, callee, positional, keywords)
    except GraphBreak as e:
        result = (
            None
            if e.whole_function or keywords
            else regions.region_call(c, ins, state, callee, positional)
        )
        if result is None:
            raise
    if not isinstance(result, GeneratorValue):
        _advanced(c, state, callee, passed)
    if isinstance(result, SplitResult):
        return result.switch(ins, state)
    state.stack.append(result)
    return None


def _check_iterators(passed: list[Value]) -> None:
    """One iterator reached twice from a call (`zip(e, e)`) advances in turns CPython
    interleaves: not compiled."""
    seen: set[int] = set()
    for value in passed:
        for iterator in iterators_in(value):
            if id(iterator) in seen:
                raise GraphBreak("the same iterator passed twice to one call is not compiled")
            seen.add(id(iterator))


def _consumes(callee: Value) -> bool:
    from graphlet.frontend.bytecode.comprehensions import CONSUMERS

    return isinstance(callee, Known) and _hashable(callee.obj) and callee.obj in CONSUMERS


def _plain_iterator(value: Value) -> bool:
    """An iterator object (an exhausted one too) that is not a generator expression."""
    return isinstance(value, TupleIter) or (
        is_iterator(value) and not isinstance(value, GeneratorValue | SharedIter)
    )


def _makes_generator(callee: Value) -> bool:
    return isinstance(callee, Closure) and bool(callee.fn.__code__.co_flags & inspect.CO_GENERATOR)


FULL_CONSUMERS = (sum, min, max, list, tuple, sorted)
"""Builtins that, given a generator expression, run it to its end."""


def _advanced(c: FunctionCapture, state: State, callee: Value, passed: list[Value]) -> None:
    """After a call: the iterators it was passed (or a closure it calls holds) were
    advanced in copies; their holders see them exhausted where the call ran them to
    the end (a list comprehension, sum of a generator expression...), else poisoned."""
    if callee == Known(bool):  # truth never advances an iterator
        return
    consumed: list[Value] = []
    if isinstance(callee, Closure) and callee.fn.__code__.co_name in ("<listcomp>",):
        consumed = passed[1:2]
    elif isinstance(callee, Known) and _hashable(callee.obj) and callee.obj in FULL_CONSUMERS:
        consumed = [
            part for v in passed[1:2] if isinstance(v, GeneratorValue) for part in (v, v.iterator)
        ]
    for value in passed:
        for iterator in iterators_in(value):
            done = any(iterator is v for v in consumed)
            if isinstance(iterator, SharedIter):
                release(state, iterator.token, exhausted() if done else Poison(USED_ITERATOR))
            else:
                direct = exhausted() if done else Poison(USED_ITERATOR)
                replace_holders(state, iterator, direct, Poison(USED_ITERATOR))


def _callee_name(target: Any) -> str:
    return getattr(target, "__qualname__", None) or type(target).__name__


KEYWORD_PARAMETERS: dict[Any, tuple[str, ...]] = {
    round: ("number", "ndigits"),
    pow: ("base", "exp", "mod"),
    enumerate: ("iterable", "start"),
    sorted: ("iterable", "key", "reverse"),
    math.isclose: ("a", "b", "rel_tol", "abs_tol"),
    math.prod: ("iterable", "start"),
    sum: ("iterable", "start"),
}
"""Builtins whose parameters may be passed by keyword: their names, in order."""

KEYWORD_DEFAULTS: dict[Any, tuple[Any, ...]] = {
    sorted: (None, False),
    math.isclose: (1e-09, 0.0),
    math.prod: (1,),
    sum: (0,),
}
"""The defaults of a builtin's last parameters, filled in when a later one is passed."""

POSITIONAL_LIMITS: dict[Any, int] = {sorted: 1, math.isclose: 2, math.prod: 1}
"""Builtins whose later parameters are keyword-only: how many may come by position."""

POSITIONAL_ONLY: dict[Any, int] = {sorted: 1, math.prod: 1, sum: 1}
"""Builtins whose first parameters are positional-only: how many (naming one is
CPython's TypeError)."""


def call(
    c: FunctionCapture, callee: Value, args: list[Value], keywords: dict[str, Value] | None = None
) -> Value:
    if callee == Known(bool) and len(args) == 1 and not isinstance(args[0], SSAValue):
        truth = operators.truth(c, args[0])  # of a tuple, list, iterator...
        return BOTTOM if truth is None else c.boolean(truth)
    if not isinstance(callee, Closure) and any(
        isinstance(a, GeneratorValue) for a in [*args, *(keywords or {}).values()]
    ):  # (a nested function, or a list comprehension on 3.11, iterates it as it is)
        from graphlet.frontend.bytecode import comprehensions

        return comprehensions.consume(c, callee, args, keywords or {})
    hashable = isinstance(callee, Known) and _hashable(callee.obj)
    limit = POSITIONAL_LIMITS.get(callee.obj) if hashable else None
    if limit is not None and len(args) > limit:
        raise GraphBreak(f"{_callee_name(callee.obj)}() takes {limit} positional argument")
    if keywords and isinstance(callee, BoundMethod):
        value_class = SSAValue if isinstance(callee.owner, SSAValue) else type(callee.owner)
        method_handler = KEYWORD_METHODS.get((value_class, callee.name))
        if method_handler is None:
            raise GraphBreak(f"keyword arguments to the method .{callee.name}() are not compiled")
        return method_handler(c, callee.owner, args, keywords)
    if keywords:
        keyword_handler = builtins.lookup_keyword_builtin(callee.obj) if hashable else None
        if keyword_handler is not None:
            result = keyword_handler(c, callee.obj, args, keywords)
            if result is None:
                name = _callee_name(callee.obj)
                raise GraphBreak(f"{name}() with these keyword arguments is not compiled")
            return result
        args = _bind_keywords(c, callee, args, keywords)
    if isinstance(callee, BoundMethod):
        value_class = SSAValue if isinstance(callee.owner, SSAValue) else type(callee.owner)
        return METHODS[(value_class, callee.name)](c, callee.owner, args)
    if isinstance(callee, Closure):
        if any(a is BOTTOM for a in args):
            return BOTTOM
        return closures.call_closure(c, callee, args)
    if not isinstance(callee, Known):
        raise GraphBreak(f"calling {inf.kind_name(kind_of(callee))}")
    target = callee.obj
    name = _callee_name(target)
    if target is range:
        return make_range(c, args)
    fn = python_function(target)
    if fn is not None:
        if any(a is BOTTOM for a in args):
            return BOTTOM
        return call_python(c, fn, args)
    value_handler = builtins.lookup_value_builtin(target)
    if value_handler is not None:
        result = value_handler(c, target, args)
        if result is not None:
            return result
    handler = builtins.lookup(target)
    if handler is None:
        if value_handler is not None:
            raise GraphBreak(f"{name}() with these arguments is not compiled")
        raise GraphBreak(f"call to {name} is not supported")
    for arg in args:
        if not isinstance(arg, SSAValue) and arg is not BOTTOM:
            raise GraphBreak(f"{name}() of {inf.kind_name(kind_of(arg))} is not compiled")
    if any(a is BOTTOM for a in args):
        return BOTTOM
    result = handler(c, target, c.scalars(args))
    if result is None:
        raise GraphBreak(f"{name}() with {len(args)} arguments is not supported")
    return result


def _bind_keywords(
    c: FunctionCapture, callee: Value, args: list[Value], keywords: dict[str, Value]
) -> list[Value]:
    """The arguments of a call with keywords, all by position: a Python function's
    parameters, or a builtin's in `KEYWORD_PARAMETERS`. What CPython would reject
    (an unknown or repeated name) is a graph break, so CPython raises its TypeError."""
    if isinstance(callee, BoundMethod):
        raise GraphBreak(f"keyword arguments to the method .{callee.name}() are not compiled")
    if isinstance(callee, Closure):
        code = callee.fn.__code__
        return _bind_parameters(
            c, code.co_varnames[: code.co_argcount], callee.defaults, args, keywords, callee.fn
        )
    if not isinstance(callee, Known):
        raise GraphBreak(f"keyword arguments in calling {inf.kind_name(kind_of(callee))}")
    target = callee.obj
    fn = python_function(target)
    parameters: tuple[str, ...] | None
    if fn is not None:
        code = fn.__code__
        parameters = code.co_varnames[: code.co_argcount]
        defaults = fn.__defaults__ or ()
    else:
        parameters = KEYWORD_PARAMETERS.get(target) if _hashable(target) else None
        if parameters is None:
            raise GraphBreak(f"keyword arguments to {_callee_name(target)}() are not compiled")
        defaults = KEYWORD_DEFAULTS.get(target, ())
        named = set(parameters[: POSITIONAL_ONLY.get(target, 0)]) & set(keywords)
        if named:
            raise GraphBreak(
                f"{_callee_name(target)}() takes {', '.join(sorted(named))} by position only"
                " (TypeError)"
            )
    return _bind_parameters(
        c, parameters, tuple(c.constant(d) for d in defaults), args, keywords, target
    )


def _bind_parameters(
    c: FunctionCapture,
    parameters: tuple[str, ...],
    defaults: tuple[Value, ...],
    args: list[Value],
    keywords: dict[str, Value],
    target: Any,
) -> list[Value]:
    """`args` then, by position, each further parameter: its keyword or its default."""
    first_default = len(parameters) - len(defaults)
    bound: list[Value] = list(args)
    for position in range(len(args), len(parameters)):
        name = parameters[position]
        if name in keywords:
            bound.append(keywords[name])
        elif position >= first_default:
            bound.append(defaults[position - first_default])
        else:
            break
    used = set(parameters[len(args) : len(bound)]) & set(keywords)
    if used != set(keywords):
        extra = ", ".join(sorted(set(keywords) - used))
        name = (
            closures.display_name(target)
            if isinstance(target, types.FunctionType)
            else _callee_name(target)
        )
        raise GraphBreak(f"keyword arguments {extra} of {name}() are not compiled")
    return bound


def _hashable(target: Any) -> bool:
    try:
        hash(target)
    except TypeError:
        return False
    return True


def call_python(
    c: FunctionCapture, fn: types.FunctionType, args: list[Value], *, guard: bool = True
) -> Value:
    """A call of `fn` captured into the module (`guard`: on its code and defaults,
    which a nested function made in compiled code never changes)."""
    if guard:
        c.unit.guard_function(fn)  # replacing its code or defaults recompiles the caller
    code = fn.__code__
    args = list(args)
    if len(args) < code.co_argcount and fn.__defaults__:
        missing = code.co_argcount - len(args)
        defaults = (
            fn.__defaults__[len(fn.__defaults__) - missing :]
            if missing <= len(fn.__defaults__)
            else ()
        )
        args += [c.constant(default) for default in defaults]
    kinds = tuple(kind_of(a) for a in args)
    key = (fn, kinds)
    in_progress = c.unit.in_progress.get(key)
    if in_progress is not None:
        if in_progress.assumed_return is None:
            in_progress.needs_return_type = True
            return BOTTOM
        symbol, returns = in_progress.symbol, in_progress.assumed_return
    else:
        try:
            callee = c.unit.capture(fn, kinds)
        except FunctionNotCompilable as e:
            reason = e.records[0].reason if e.records else "not compilable"
            if fn in c.unit.consumers:  # a consumer's loop at the user's call: its reason
                raise GraphBreak(reason) from None
            name = closures.display_name(fn)
            raise GraphBreak(f"call to {name}, which runs in Python: {reason}") from None
        for site, elem in fixed_list_types(kinds, callee.param_kinds):
            raise ListItemTypeFixed(site, elem)
        symbol, returns = callee.symbol, callee.returns
    operands = [v for kind, arg in zip(kinds, args) for v in flatten(kind, arg)]
    results = c.insert(
        func.CallOp(symbol, [*operands, c.next_depth, c.arena], returns.result_types())
    ).results
    if not returns.is_union:
        return unflatten(returns.alternatives[0], iter(results))
    slots = iter(results[1:])
    alternatives = [unflatten(kind, slots) for kind in returns.alternatives]
    return SplitResult(results[0], alternatives)


def fixed_list_types(
    given: tuple[inf.Kind, ...], effective: tuple[inf.Kind, ...]
) -> Iterator[tuple[Any, Attribute]]:
    """(site, item type) of each empty list the callee fixed the item type of."""
    for a, b in zip(given, effective):
        if isinstance(a, ListKind) and a.elem is None and isinstance(b, ListKind) and b.elem:
            yield a.site, b.elem
        elif isinstance(a, TupleKind) and isinstance(b, TupleKind):
            yield from fixed_list_types(a.items, b.items)
