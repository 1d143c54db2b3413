"""Names, attributes and calls: `LOAD_GLOBAL`, `LOAD_ATTR`/`LOAD_METHOD`, `CALL`.

A global is read at capture time and guarded (see `ModuleCapture.guard`). A call
goes to `range` (see `iteration`), to a registered builtin (see `builtins`), or to a
Python function, which is captured into the same module and called with `func.call`.
"""

from __future__ import annotations

import builtins as python_builtins
import math
import types
from typing import TYPE_CHECKING, Any

from xdsl.dialects import func
from xdsl.ir import SSAValue

from graphlet.frontend.bytecode import builtins
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import FunctionNotCompilable, GraphBreak
from graphlet.frontend.bytecode.decode import NULL_BEFORE_CALLABLE, Instr
from graphlet.frontend.bytecode.inference import BOTTOM, NULL, Known
from graphlet.frontend.bytecode.iteration import make_range
from graphlet.frontend.bytecode.opcodes import Flow, handles
from graphlet.frontend.bytecode.values import State, Value, kind_of
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
    if isinstance(value, bool | int | float):
        return c.constant(value)
    return Known(value)


@handles("LOAD_ATTR", "LOAD_METHOD")
def load_attr(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = attribute(c, state.pop(), ins.arg)
    if ins.op == "LOAD_METHOD":
        state.stack.extend([NULL, value] if NULL_BEFORE_CALLABLE else [value, NULL])
    else:
        state.stack.append(value)
    return None


def attribute(c: FunctionCapture, owner: Value, name: str) -> Value:
    if isinstance(owner, Known) and owner.obj is math:
        value = getattr(math, name, MISSING)
        if value is MISSING:
            raise GraphBreak(f"module 'math' has no attribute {name!r}")
        if isinstance(value, float):
            return c.const(value)
        return Known(value)
    raise GraphBreak(f"attribute access .{name} on a {inf.kind_name(kind_of(owner))}")


@handles("CALL")
def call_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    args = [state.pop() for _ in range(ins.arg)][::-1]
    second, first = state.pop(), state.pop()
    if NULL_BEFORE_CALLABLE:
        callee, self_arg = (second, NULL) if first is NULL else (first, second)
    else:
        callee, self_arg = first, second
    if self_arg is not NULL:
        args.insert(0, self_arg)
    state.stack.append(call(c, callee, args))
    return None


def call(c: FunctionCapture, callee: Value, args: list[Value]) -> Value:
    if not isinstance(callee, Known):
        raise GraphBreak(f"calling a {inf.kind_name(kind_of(callee))}")
    target = callee.obj
    name = getattr(target, "__qualname__", repr(target))
    if target is range:
        return make_range(c, args)
    fn = python_function(target)
    handler = builtins.lookup(target) if fn is None else None
    if fn is None and handler is None:
        raise GraphBreak(f"call to {name} is not supported")
    if any(isinstance(a, Known) for a in args):
        raise GraphBreak(f"call to {name} with a non-numeric argument")
    if any(a is BOTTOM for a in args):
        return BOTTOM
    scalars = [c.scalar(a) for a in args]
    if fn is not None:
        return call_python(c, fn, scalars)
    assert handler is not None
    result = handler(c, target, scalars)
    if result is None:
        raise GraphBreak(f"{name}() with {len(scalars)} arguments is not supported")
    return result


def call_python(c: FunctionCapture, fn: types.FunctionType, args: list[SSAValue]) -> Value:
    code = fn.__code__
    if len(args) < code.co_argcount and fn.__defaults__:
        missing = code.co_argcount - len(args)
        defaults = (
            fn.__defaults__[len(fn.__defaults__) - missing :]
            if missing <= len(fn.__defaults__)
            else ()
        )
        for default in defaults:
            value = c.constant(default)
            if not isinstance(value, SSAValue):
                raise GraphBreak(f"call to {fn.__qualname__}: a non-numeric default argument")
            args.append(value)
    arg_types = tuple(a.type for a in args)
    key = (fn, arg_types)
    in_progress = c.unit.in_progress.get(key)
    if in_progress is not None:
        if in_progress.assumed_return is None:
            in_progress.needs_return_type = True
            return BOTTOM
        symbol, return_type = in_progress.symbol, in_progress.assumed_return
    else:
        try:
            callee = c.unit.capture(fn, arg_types)
        except FunctionNotCompilable as e:
            reason = e.records[0].reason if e.records else "not compilable"
            raise GraphBreak(f"call to {fn.__qualname__}, which runs in Python: {reason}") from None
        symbol, return_type = callee.symbol, callee.return_type
    return c.result(func.CallOp(symbol, [*args, c.next_depth], [return_type]))
