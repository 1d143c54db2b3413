"""Closures: free variables, nested functions and lambdas (`MAKE_FUNCTION`,
`SET_FUNCTION_ATTRIBUTE`, `MAKE_CELL`, `COPY_FREE_VARS`, `LOAD_CLOSURE`, `LOAD_DEREF`,
`STORE_DEREF`).

A compiled function that is itself a closure reads its free variables from its cells
at capture time, like globals: each read is guarded (`CellGuard`), so rebinding the
variable in the enclosing function recompiles rather than running stale code.

A function made in compiled code is a `Closure` value. The variables it shares with
the function that made it (its cells) stay that function's locals, so an assignment
after the definition is seen, as in Python. Calling it binds the current values of
its cells (`bind`) and captures its code as one more function of the module, whose
parameters are its own followed by its free variables (`FunctionCapture.free_params`);
a closure passed to a call (a `key=`) is bound the same way. A nested function among
its own free variables (it calls itself) is bound as a `SelfRef`, which its capture
binds again from its own parameters. A closure that escapes (returned, stored in a
list) is a graph break. A nested function that assigns `nonlocal` variables returns
their new values after its result, written back into the caller's cells
(`call_writing`).
"""

from __future__ import annotations

import dis
import functools
import re
import types
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.inference import BOTTOM, Known, Poison, SelfRef
from graphlet.frontend.bytecode.opcodes import Flow, handles, push_variable
from graphlet.frontend.bytecode.values import Closure, GeneratorValue, State, TupleValue, Value
from graphlet.frontend.guards import MISSING

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture
    from graphlet.frontend.bytecode.decode import Instr

DEFAULTS, KW_DEFAULTS, ANNOTATIONS, CLOSURE = 0x01, 0x02, 0x04, 0x08
"""The flags of `MAKE_FUNCTION` (3.11, 3.12) and `SET_FUNCTION_ATTRIBUTE` (3.13)."""


COMPREHENSIONS = {
    "<setcomp>": "a set comprehension (graphlet has no set values)",
    "<dictcomp>": "a dict comprehension (graphlet has no dict values)",
}
"""The nested functions CPython 3.11 makes for comprehensions graphlet has no values
for: graph breaks named as the user wrote them. (A `<listcomp>` is an ordinary nested
function called at once; a `<genexpr>` runs as its consumer's loop, `comprehensions`.)"""

GENERATOR = 0x20
"""`co_flags` of a generator's code."""


class CellRef:
    """What `LOAD_CLOSURE name` pushes: the cell of the variable `name`."""

    def __init__(self, name: str) -> None:
        self.name = name


def display_name(fn: types.FunctionType) -> str:
    """`fn`'s qualified name in break reasons: `outer.inner`, `outer.lambda`,
    `outer.genexpr`."""
    return re.sub(r"<(\w+)>", r"\1", fn.__qualname__.replace(".<locals>.", "."))


@handles("MAKE_CELL", "COPY_FREE_VARS")
def no_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    """A cell variable is a local of the capture; free variables are parameters (of a
    nested function) or read from the cells (of a closure called from Python)."""
    return None


@handles("LOAD_CLOSURE")
def load_closure(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    state.stack.append(CellRef(ins.arg))
    return None


@handles("LOAD_DEREF")
def load_deref(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    return push_variable(state, cell_value(c, state, ins.arg))


@handles("STORE_DEREF")
def store_deref(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    if ins.arg not in c.code.co_cellvars and ins.arg not in c.written_free:
        raise GraphBreak(
            f"assigning {ins.arg!r} of an enclosing function (nonlocal) is not compiled"
        )
    state.locals[ins.arg] = state.pop()
    return None


def cell_value(c: FunctionCapture, state: State, name: str) -> Value:
    """The current value of the cell or free variable `name` (a `Poison` when it is
    unbound: reading it is CPython's NameError)."""
    if name in c.code.co_freevars and not c.free_params:
        closure = c.fn.__closure__ or ()
        value = c.unit.guard_cell(closure[c.code.co_freevars.index(name)], name)
        if value is MISSING:
            return Poison(f"free variable {name!r} is not bound yet (NameError)")
        from graphlet.frontend.bytecode.calls import known_value

        return known_value(c, value)
    value = state.locals.get(name)
    if value is None:
        return Poison(f"free variable {name!r} is not bound yet (NameError)")
    return value


@handles("MAKE_FUNCTION")
def make_function(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    code = state.pop()
    if not isinstance(code, Known) or not isinstance(code.obj, types.CodeType):
        raise GraphBreak("defining a nested function or lambda from unknown code")
    comprehension = COMPREHENSIONS.get(code.obj.co_name)
    if comprehension is not None:
        raise GraphBreak(f"not compiled: {comprehension}")
    closure = Closure(nested_function(c, code.obj), ())
    for flag in (CLOSURE, ANNOTATIONS, KW_DEFAULTS, DEFAULTS):  # from the top of the stack
        if (ins.arg or 0) & flag:
            closure = _with_attribute(closure, flag, state.pop())
    state.stack.append(closure)
    return None


@handles("SET_FUNCTION_ATTRIBUTE")
def set_function_attribute(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    closure = state.pop()
    attribute = state.pop()
    if not isinstance(closure, Closure):
        raise GraphBreak("setting an attribute of a function graphlet did not make")
    state.stack.append(_with_attribute(closure, ins.arg, attribute))
    return None


def _with_attribute(closure: Closure, flag: int, value: Value) -> Closure:
    if flag == CLOSURE:
        if not isinstance(value, TupleValue) or not all(
            isinstance(item, CellRef) for item in value.items
        ):
            raise GraphBreak("a nested function's closure is not a tuple of cells")
        return replace(closure, cells=tuple(item.name for item in value.items))
    if flag == DEFAULTS:
        if not isinstance(value, TupleValue):
            raise GraphBreak("a nested function's defaults are not a tuple")
        return replace(closure, defaults=value.items)
    if flag == KW_DEFAULTS:
        raise GraphBreak("a nested function with keyword-only parameters is not compiled")
    return closure  # annotations: not read by compiled code


def nested_function(c: FunctionCapture, code: types.CodeType) -> types.FunctionType:
    """One function per nested code object and globals in the module being captured
    (captures of its calls are shared): its cells are placeholders, since its free
    variables come as parameters."""
    key = (code, id(c.fn.__globals__))
    fn = c.unit.nested_functions.get(key)
    if fn is None:
        cells = tuple(types.CellType() for _ in code.co_freevars)
        fn = types.FunctionType(code, c.fn.__globals__, code.co_name, None, cells)
        fn.__qualname__ = code.co_qualname
        c.unit.nested_functions[key] = fn
    return fn


def bind(c: FunctionCapture, state: State, value: Value, seen: tuple[Any, ...] = ()) -> Value:
    """`value` with every closure in it bound to the current values of its cells: what
    a call (or a builtin's `key=`) receives, as CPython's cells hold them now."""
    if isinstance(value, TupleValue):
        return TupleValue(tuple(bind(c, state, item, seen) for item in value.items))
    if isinstance(value, SelfRef):
        if value.fn is not c.fn:
            raise GraphBreak(
                f"mutually recursive nested functions ({display_name(value.fn)}) are not compiled"
            )
        names = c.code.co_freevars  # the closure's cells are in this order
        return Closure(c.fn, names, (), tuple(cell_value(c, state, name) for name in names))
    if isinstance(value, GeneratorValue) and value.closure.cells:
        return current_generator(c, state, value)
    if not isinstance(value, Closure) or value.free is not None:
        return value
    if value.fn in seen:  # a nested function that calls itself
        return SelfRef(value.fn)
    free = tuple(
        bind(c, state, cell_value(c, state, name), (*seen, value.fn)) for name in value.cells
    )
    return replace(value, free=free)


def current_generator(c: FunctionCapture, state: State, value: GeneratorValue) -> GeneratorValue:
    """A generator expression as it runs now: CPython's generator reads its cells each
    time it resumes, so a variable assigned since it was made is seen."""
    if value.owner is not c.fn:
        raise GraphBreak(
            "running a generator expression outside the function that made it is not"
            " compiled (it reads that function's variables)"
        )
    closure = value.closure
    unbound = replace(closure, free=None)
    free = tuple(bind(c, state, cell_value(c, state, name)) for name in closure.cells)
    return replace(value, closure=replace(unbound, free=free))


@functools.cache
def written_free(code: types.CodeType) -> tuple[str, ...]:
    """The free variables `code` assigns (`nonlocal x; x = ...`), in order."""
    names = {ins.argval for ins in dis.get_instructions(code) if ins.opname == "STORE_DEREF"}
    return tuple(name for name in code.co_freevars if name in names)


def call_writing(c: FunctionCapture, state: State, closure: Closure, args: list[Value]) -> Value:
    """`closure(*args)` of a nested function that assigns `nonlocal` variables: the
    call returns their new values after its result, which go into this function's
    cells (so the next read, or call, sees them)."""
    written = written_free(closure.fn.__code__)
    targets = [closure.cells[closure.fn.__code__.co_freevars.index(name)] for name in written]
    if not all(target in c.code.co_cellvars for target in targets):
        raise GraphBreak(
            f"{display_name(closure.fn)} assigns a variable of a function enclosing its caller"
            " (nonlocal): not compiled"
        )
    if any(arg is BOTTOM for arg in args):
        return BOTTOM
    result = call_closure(c, closure, args, writes=True)
    if result is BOTTOM:
        return BOTTOM
    if not isinstance(result, TupleValue):
        raise GraphBreak(
            f"{display_name(closure.fn)} assigns nonlocal variables and returns values of"
            " different types on different paths: not compiled"
        )
    for target, value in zip(targets, result.items[1:], strict=True):
        state.locals[target] = value
    return result.items[0]


def call_closure(
    c: FunctionCapture, closure: Closure, args: list[Value], *, writes: bool = False
) -> Value:
    """`closure(*args)`: a call of its captured code, its missing arguments from its
    defaults and its free variables after them."""
    from graphlet.frontend.bytecode.calls import call_python

    if closure.free is None:
        raise GraphBreak(f"calling {display_name(closure.fn)} outside the function that defines it")
    code = closure.fn.__code__
    if code.co_flags & GENERATOR:
        if code.co_name == "<genexpr>" and len(args) == 1:  # made and called at once
            return GeneratorValue(closure, args[0], c.fn)
        raise GraphBreak(
            f"calling the generator function {display_name(closure.fn)} is not compiled"
        )
    if written_free(code) and not writes:
        raise GraphBreak(
            f"passing {display_name(closure.fn)}, which assigns nonlocal variables, to a call"
            " is not compiled"
        )
    args = list(args)
    missing = code.co_argcount - len(args)
    if 0 < missing <= len(closure.defaults):
        args += closure.defaults[len(closure.defaults) - missing :]
    if len(args) != code.co_argcount:
        raise GraphBreak(
            f"{display_name(closure.fn)}() takes {code.co_argcount} arguments,"
            f" {len(args)} given (TypeError)"
        )
    return call_python(c, closure.fn, [*args, *closure.free], guard=False)
