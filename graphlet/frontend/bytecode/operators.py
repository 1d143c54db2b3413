"""Python's operators on values of every kind: `binary`, `compare`, `identical` (`is`),
`contains` (`in`) and `truth`.

Scalars (`SSAValue`s) go straight to the `Emitter`'s rules. Other kinds register
rules: `@binary_rule` / `@compare_rule` functions get `(capture, symbol, lhs, rhs)`
and return the result, or `NotImplemented` when the operands are not theirs (as
Python's `__add__` does); the first rule that answers wins. `numbers` registers
complex arithmetic, `containers` tuples and lists. No rule: a graph break naming
the operator and the operands in Python's terms. Methods (`value.name(...)`)
register with `@method(value class, names...)`.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from types import NotImplementedType
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.inference import BOTTOM, FLOAT, Known
from graphlet.frontend.bytecode.values import ComplexValue, TupleValue, Value, kind_of

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture

Rule = Callable[["FunctionCapture", str, Value, Value], Any]
BINARY_RULES: list[Rule] = []
INPLACE_RULES: list[Rule] = []
COMPARE_RULES: list[Rule] = []
Truth = SSAValue | bool
"""A truth value: an i1, or a bool when it is known at compile time."""
TruthRule = Callable[["FunctionCapture", Value], Truth | NotImplementedType]
TRUTH_RULES: list[TruthRule] = []
ContainsRule = Callable[["FunctionCapture", Value, Value], Truth | NotImplementedType]
CONTAINS_RULES: list[ContainsRule] = []


MethodHandler = Callable[["FunctionCapture", Any, list[Value]], Value]
METHODS: dict[tuple[type, str], MethodHandler] = {}
"""(class of the symbolic value, method name) -> the handler of `value.name(...)`
(an `SSAValue` for numbers)."""


def method(value_class: type, *names: str) -> Callable[[MethodHandler], MethodHandler]:
    """Register the decorated handler for `value.<name>(...)` on values of `value_class`."""

    def register(handler: MethodHandler) -> MethodHandler:
        for name in names:
            METHODS[(value_class, name)] = handler
        return handler

    return register


KEYWORD_METHODS: dict[tuple[type, str], Callable[..., Any]] = {}
"""(class, method name) -> the handler of `value.name(..., keyword=...)`: it gets the
capture, the value, the positional arguments and the keywords."""


def keyword_method(
    value_class: type, *names: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated handler of calls of `value.<name>` with keywords."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            KEYWORD_METHODS[(value_class, name)] = handler
        return handler

    return register


def binary_rule(rule: Rule) -> Rule:
    BINARY_RULES.append(rule)
    return rule


def inplace_rule(rule: Rule) -> Rule:
    INPLACE_RULES.append(rule)
    return rule


def compare_rule(rule: Rule) -> Rule:
    COMPARE_RULES.append(rule)
    return rule


def truth_rule(rule: TruthRule) -> TruthRule:
    TRUTH_RULES.append(rule)
    return rule


def contains_rule(rule: ContainsRule) -> ContainsRule:
    CONTAINS_RULES.append(rule)
    return rule


def _operands(lhs: Value, rhs: Value) -> str:
    return f"{inf.kind_name(kind_of(lhs))} and {inf.kind_name(kind_of(rhs))}"


def binary(
    c: FunctionCapture, symbol: str, lhs: Value, rhs: Value, *, inplace: bool = False
) -> Value:
    """`lhs <symbol> rhs` for an arithmetic, bitwise or shift operator (`lhs <symbol>=
    rhs` when `inplace`: only mutable values differ, see `INPLACE_RULES`)."""
    if lhs is BOTTOM or rhs is BOTTOM:
        return BOTTOM
    if isinstance(lhs, SSAValue) and isinstance(rhs, SSAValue):
        from graphlet.frontend.bytecode.wide_ints import folded_power

        return folded_power(c, symbol, lhs, rhs) or c.binary(symbol, lhs, rhs)
    if inplace:
        for rule in INPLACE_RULES:
            result = rule(c, symbol, lhs, rhs)
            if result is not NotImplemented:
                return result
    for rule in BINARY_RULES:
        result = rule(c, symbol, lhs, rhs)
        if result is not NotImplemented:
            return result
    raise GraphBreak(f"'{symbol}' between {_operands(lhs, rhs)} is not compiled")


def compare(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Value:
    """`lhs <symbol> rhs` for `< <= > >= == !=`."""
    if lhs is BOTTOM or rhs is BOTTOM:
        return BOTTOM
    if g.predicate_for_symbol(symbol) is None:
        raise GraphBreak(f"comparison {symbol!r} is not supported")
    if isinstance(lhs, SSAValue) and isinstance(rhs, SSAValue):
        return c.compare(symbol, lhs, rhs)
    for rule in COMPARE_RULES:
        result = rule(c, symbol, lhs, rhs)
        if result is not NotImplemented:
            return result
    raise GraphBreak(f"'{symbol}' between {_operands(lhs, rhs)} is not compiled")


def truth(c: FunctionCapture, value: Value) -> Truth | None:
    """`bool(value)`: an i1, a bool when known now, None for an unknown recursive result."""
    if value is BOTTOM:
        return None
    static = c.static_truth(value)
    if static is not None:
        return static
    for rule in TRUTH_RULES:
        result = rule(c, value)
        if not isinstance(result, NotImplementedType):
            return result
    return c.truth(c.scalar(value))


def contains(c: FunctionCapture, item: Value, container: Value) -> Truth:
    """`item in container`."""
    for rule in CONTAINS_RULES:
        result = rule(c, item, container)
        if not isinstance(result, NotImplementedType):
            return result
    if isinstance(container, Known) and type(container.obj) is str:
        if isinstance(item, Known) and type(item.obj) is str:
            return item.obj in container.obj
        raise GraphBreak(f"'in <string>' with {inf.kind_name(kind_of(item))} raises TypeError")
    raise GraphBreak(f"'in' on {inf.kind_name(kind_of(container))} is not compiled")


_STATIC_EQUALITY = (
    type(None),
    str,
    types.FunctionType,
    types.ModuleType,
    types.BuiltinFunctionType,
)
"""Compile-time objects whose `==` capture evaluates (it is identity or value
equality without side effects)."""


@compare_rule
def _known_objects(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    """Comparisons with None, strings, functions and modules, evaluated now."""
    if not (isinstance(lhs, Known) or isinstance(rhs, Known)):
        return NotImplemented
    if isinstance(lhs, Known) and isinstance(rhs, Known):
        a, b = lhs.obj, rhs.obj
        if type(a) is str and type(b) is str:
            return g.CMP_PREDICATES[g.PREDICATE_OF_SYMBOL[symbol]](a, b)
        if (
            symbol in ("==", "!=")
            and isinstance(a, _STATIC_EQUALITY)
            and isinstance(b, _STATIC_EQUALITY)
        ):
            return (a == b) == (symbol == "==")
        return NotImplemented
    known = lhs if isinstance(lhs, Known) else rhs
    if symbol in ("==", "!=") and isinstance(known.obj, _STATIC_EQUALITY):
        return symbol == "!="  # a number, tuple or list never equals these
    return NotImplemented


def identical(c: FunctionCapture, lhs: Value, rhs: Value) -> Truth:
    """`lhs is rhs`, where capture can tell: compile-time objects by identity, a value
    of another kind than None is never None, bools are singletons."""
    if isinstance(lhs, Known) and isinstance(rhs, Known):
        if lhs.obj is rhs.obj:
            return True
        if type(lhs.obj) is str and type(rhs.obj) is str and lhs.obj == rhs.obj:
            raise GraphBreak("'is' between equal strings depends on interning")
        return False
    if isinstance(lhs, Known) or isinstance(rhs, Known):
        return False  # a number, tuple, list or complex is not a compile-time object
    if isinstance(lhs, SSAValue) and isinstance(rhs, SSAValue):
        if lhs.type != rhs.type:
            return False  # values of different types are different objects
        if lhs.type == inf.BOOL:
            return c.result(g.CmpOp("eq", lhs, rhs))
        raise GraphBreak(f"'is' between two {inf.describe(lhs.type)}s depends on object identity")
    rule = IDENTITY_RULES.get((type(lhs), type(rhs)))
    if rule is not None:
        return rule(c, lhs, rhs)
    if type(lhs) is not type(rhs):
        return False
    raise GraphBreak(f"'is' between {_operands(lhs, rhs)} depends on object identity")


IDENTITY_RULES: dict[tuple[type, type], Callable[[FunctionCapture, Any, Any], Truth]] = {}


def equal_items(c: FunctionCapture, a: Value, b: Value) -> Truth:
    """Whether two items are equal the way containers compare them
    (`PyObject_RichCompareBool`: the same object is equal to itself, even a NaN).
    Native floats have no identity, so two NaNs hand the call back to Python."""
    if a is b:
        return True
    if isinstance(a, SSAValue) and isinstance(b, SSAValue):
        if a.type == FLOAT and b.type == FLOAT:
            c.guard_not_both_nan([a], [b])
        return c.compare("==", a, b)
    if isinstance(a, ComplexValue) and isinstance(b, ComplexValue):
        c.guard_not_both_nan([a.real, a.imag], [b.real, b.imag])
    if isinstance(a, TupleValue) and isinstance(b, TupleValue):
        return tuple_equal(c, a, b)
    equal = truth(c, compare(c, "==", a, b))  # `==` of NumPy scalars is a np.bool_
    if equal is None:
        raise GraphBreak("comparing an item with a result of a recursive call not yet known")
    return equal


def tuple_equal(c: FunctionCapture, a: TupleValue, b: TupleValue) -> Truth:
    if len(a.items) != len(b.items):
        return False
    result: Truth = True
    for x, y in zip(a.items, b.items):
        result = c.both(result, equal_items(c, x, y))
        if result is False:
            return False
    return result
