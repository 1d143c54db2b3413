"""The builtin and `math` callables capture compiles, as three registries.

    @builtin(math.floor, math.ceil)
    def _floor_ceil(e: Emitter, target, args: list[SSAValue]) -> SSAValue | None: ...

    @value_builtin(len)
    def _len(c: FunctionCapture, target, args: list[Value]) -> Value | None: ...

A `builtin` handler gets the emitter, the callable and the arguments as numbers (a
call with another kind of argument is a graph break before it is reached); a
`value_builtin` handler gets the capture and the arguments as values of any kind
(tuples, lists, None, ...); a `keyword_builtin` handler also gets the keywords of a call
whose keywords are not parameters by position (`min(xs, key=abs)`). Each returns the
result, or None when it does not compile that call (a graph break naming it
follows). Registering a callable makes the `CALL` handler send it here; everything
else that is not a Python function is a graph break.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects.graphlet.spellings import spellings
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.emit import Emitter
from graphlet.frontend.bytecode.inference import BOOL, FLOAT, INT

BuiltinHandler = Callable[[Emitter, Any, list[SSAValue]], SSAValue | None]

BUILTINS: dict[Any, BuiltinHandler] = {}
"""Callable -> the handler that compiles a call of it."""


def builtin(*targets: Any) -> Callable[[BuiltinHandler], BuiltinHandler]:
    """Register the decorated handler for each of `targets`."""

    def register(handler: BuiltinHandler) -> BuiltinHandler:
        for target in targets:
            BUILTINS[target] = handler
        return handler

    return register


VALUE_BUILTINS: dict[Any, Callable[..., Any]] = {}
"""Callable -> the handler that compiles a call of it with values of any kind."""


def value_builtin(*targets: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated handler, which takes values of any kind, for `targets`."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for target in targets:
            VALUE_BUILTINS[target] = handler
        return handler

    return register


KEYWORD_BUILTINS: dict[Any, Callable[..., Any]] = {}
"""Callable -> the handler of its calls with keyword arguments that do not bind to
parameters by position (`min(*items, key=..., default=...)`): it gets the capture,
the callable, the positional arguments and the keywords."""


def keyword_builtin(*targets: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated handler of calls with keywords for `targets`."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for target in targets:
            KEYWORD_BUILTINS[target] = handler
        return handler

    return register


def lookup(target: Any) -> BuiltinHandler | None:
    try:
        return BUILTINS.get(target)
    except TypeError:  # an unhashable callable
        return None


def lookup_value_builtin(target: Any) -> Callable[..., Any] | None:
    try:
        return VALUE_BUILTINS.get(target)
    except TypeError:
        return None


def lookup_keyword_builtin(target: Any) -> Callable[..., Any] | None:
    try:
        return KEYWORD_BUILTINS.get(target)
    except TypeError:
        return None


MATH_UNARY: dict[Callable[..., Any], type[g.UnaryOp]] = {
    fn: op
    for fn, op in spellings().functions.items()
    if isinstance(op, type) and issubclass(op, g.FloatResultUnaryOp)
}
"""`math` functions whose op declares them (`PY_FUNCTIONS`): int or float in, float out."""


@builtin(*MATH_UNARY)
def _math_unary(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    return e.result(MATH_UNARY[target](e.cast(args[0], inf.arithmetic_type(args[0].type))))


@builtin(math.log)
def _log(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    """`math.log(x)`, and `math.log(x, base)`: CPython divides the two logarithms
    (ZeroDivisionError for base 1)."""
    logs = [e.result(g.LogOp(e.cast(a, inf.arithmetic_type(a.type)))) for a in args]
    if len(logs) == 1:
        return logs[0]
    if len(logs) == 2:
        return e.result(g.TrueDivOp(*logs))
    return None


MATH_BINARY: dict[Callable[..., Any], type[g.BinaryOp]] = {
    math.atan2: g.Atan2Op,
    math.fmod: g.FmodOp,
    math.copysign: g.CopySignOp,
    math.nextafter: g.NextAfterOp,
}
"""Two-argument `math` functions on floats (an int argument is converted first)."""


@builtin(*MATH_BINARY)
def _math_binary(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 2:
        return None
    return e.result(MATH_BINARY[target](*(e.cast(a, FLOAT) for a in args)))


ANGLE_FACTORS = {math.degrees: 180.0 / math.pi, math.radians: math.pi / 180.0}
"""CPython's `radToDeg` and `degToRad`: the conversion is one multiplication."""


@builtin(*ANGLE_FACTORS)
def _angle(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    return e.result(g.MulOp(e.cast(args[0], FLOAT), e.const(ANGLE_FACTORS[target])))


@builtin(math.trunc)
def _trunc(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    """`math.trunc`: an int (ValueError for NaN, OverflowError for infinities)."""
    if len(args) != 1:
        return None
    return e.cast(args[0], INT)


# the registered functions themselves (`math.floor` may be monkeypatched since): by name
@builtin(math.floor, math.ceil)
def _floor_ceil(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    value = e.cast(args[0], inf.arithmetic_type(args[0].type))
    if value.type == INT:
        return value
    rounded = e.result((g.FloorOp if target.__name__ == "floor" else g.CeilOp)(value))
    return e.cast(rounded, INT)


@builtin(math.fabs)
def _fabs(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    return e.result(g.AbsOp(e.cast(args[0], FLOAT)))


@builtin(math.isnan, math.isinf, math.isfinite)
def _float_class(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    (value,) = args
    if value.type != FLOAT:
        return e.const(target.__name__ == "isfinite")
    if target.__name__ == "isnan":
        return e.result(g.CmpOp("ne", value, value))
    magnitude = e.result(g.AbsOp(value))
    predicate = "eq" if target.__name__ == "isinf" else "lt"
    return e.result(g.CmpOp(predicate, magnitude, e.const(math.inf)))


@builtin(abs)
def _abs(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    return e.result(g.AbsOp(e.cast(args[0], inf.arithmetic_type(args[0].type))))


@builtin(min, max)
def _min_max(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) < 2:
        return None
    kinds = {a.type for a in args}
    if len(kinds) != 1:
        raise GraphBreak(
            f"{target.__name__}() of mixed types: the result's type depends on the values"
        )
    op_class = g.MinOp if target is min else g.MaxOp
    t = args[0].type
    result = e.cast(args[0], inf.arithmetic_type(t))
    for arg in args[1:]:
        result = e.result(op_class(result, e.cast(arg, inf.arithmetic_type(t))))
    if t == BOOL:
        return e.result(g.CmpOp("ne", result, e.const(0)))
    return result


@builtin(int, float, bool)
def _conversion(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    return e.cast(args[0], g.ir_type(target))


@builtin(pow)
def _pow(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 2:
        return None
    return e.binary("**", args[0], args[1])
