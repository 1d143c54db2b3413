"""Numeric builtins whose arguments or results are more than one number: `round`,
`divmod`, `pow` with a modulus, `min`/`max` over mixed types or of a list, `sum`, `abs`
of a complex, `isinstance`, and the integer functions of `math` (`gcd`, `lcm`, `factorial`,
`isqrt`, `comb`, `perm`) and those that are CPython's own code (`gamma`, `lgamma`,
`remainder`, `ulp`), the last two kinds written in Python (`intrinsics`) and compiled
like the user's code.

An argument of a kind CPython rejects (a float to `math.gcd`, a float `ndigits`) is
a graph break, so CPython raises its TypeError.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import builtins, intrinsics
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.calls import SplitResult, call, call_python
from graphlet.frontend.bytecode.emit import Emitter
from graphlet.frontend.bytecode.inference import BOOL, BOTTOM, FLOAT, INT, Known
from graphlet.frontend.bytecode.operators import binary_rule, keyword_method, method
from graphlet.frontend.bytecode.values import (
    ArrayValue,
    Closure,
    ComplexValue,
    ListValue,
    NpScalar,
    RangeValue,
    TupleValue,
    Value,
    kind_of,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


def call_intrinsic(c: FunctionCapture, helper: Callable[..., Any], args: list[Value]) -> Value:
    """A call of a port in `intrinsics`, captured like the user's code: it must be a
    plain Python function (capture reads its bytecode)."""
    if not isinstance(helper, types.FunctionType):
        raise TypeError(f"intrinsic {helper!r} is not a Python function")
    return call_python(c, helper, args)


@builtins.builtin(intrinsics.expect)
def _expect(e: Emitter, target: Any, args: list[SSAValue]) -> SSAValue | None:
    if len(args) != 1:
        return None
    e.guard(e.truth(args[0]))
    return e.const(True)


@binary_rule
def _type_union(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    """`int | None` of classes known at compile time (for `isinstance`)."""
    operands = (lhs, rhs)
    if symbol == "|" and all(
        isinstance(v, Known) and (isinstance(v.obj, type | types.UnionType) or v.obj is None)
        for v in operands
    ):
        return Known(lhs.obj | rhs.obj)
    return NotImplemented


def _ints(c: FunctionCapture, name: str, args: list[Value]) -> list[SSAValue]:
    """The arguments as i64; one that is not an int or bool is a graph break
    (CPython raises TypeError)."""
    values = []
    for arg in args:
        if not isinstance(arg, SSAValue) or arg.type not in (INT, BOOL):
            raise GraphBreak(f"{name}() of {inf.kind_name(kind_of(arg))} is not compiled")
        values.append(c.cast(arg, INT))
    return values


def _unknown(args: list[Value]) -> bool:
    return any(a is BOTTOM for a in args)


@builtins.value_builtin(math.gcd, math.lcm)
def _gcd_lcm(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if _unknown(args):
        return BOTTOM
    values = _ints(c, f"math.{target.__name__}", args)
    helper = intrinsics.gcd if target is math.gcd else intrinsics.lcm
    if not values:
        return c.const(0 if target is math.gcd else 1)
    if len(values) == 1:
        return c.result(g.AbsOp(values[0]))
    result: Value = values[0]
    for value in values[1:]:
        result = call_intrinsic(c, helper, [result, value])
    return result


INT_FUNCTIONS: dict[Callable[..., Any], tuple[Callable[..., Any], int]] = {
    math.factorial: (intrinsics.factorial, 1),
    math.isqrt: (intrinsics.isqrt, 1),
    math.comb: (intrinsics.comb, 2),
    math.perm: (intrinsics.perm, 2),
}
"""`math` functions of ints written in Python: the implementation and its arity."""


@builtins.value_builtin(*INT_FUNCTIONS)
def _int_function(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    helper, arity = INT_FUNCTIONS[target]
    if target is math.perm and len(args) == 2 and args[1] == Known(None):
        args = args[:1]  # perm(n, None) is factorial(n)
    if target is math.perm and len(args) == 1:
        helper, arity = intrinsics.factorial, 1
    if len(args) != arity:
        return None
    if _unknown(args):
        return BOTTOM
    return call_intrinsic(c, helper, list(_ints(c, f"math.{target.__name__}", args)))


@builtins.value_builtin(round)
def _round(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`round(x)`: an int, ties to even; `round(x, n)`: x's type (CPython's
    `float.__round__` and `int.__round__`)."""
    if len(args) == 2 and args[1] == Known(None):
        args = args[:1]
    if not 1 <= len(args) <= 2:
        return None
    if _unknown(args):
        return BOTTOM
    x = args[0]
    if not isinstance(x, SSAValue):
        raise GraphBreak(f"round() of {inf.kind_name(kind_of(x))} is not compiled")
    if len(args) == 1:
        if x.type != FLOAT:
            return c.cast(x, INT)
        return c.cast(c.result(g.RoundEvenOp(x)), INT)
    (ndigits,) = _ints(c, "round", args[1:])
    if x.type == FLOAT:
        return call_intrinsic(c, intrinsics.round_float, [x, ndigits])
    return call_intrinsic(c, intrinsics.round_int, [c.cast(x, INT), ndigits])


@builtins.value_builtin(divmod)
def _divmod(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`(a // b, a % b)`: CPython's `divmod` computes both parts the same way."""
    if len(args) != 2:
        return None
    if _unknown(args):
        return BOTTOM
    a, b = c.scalars(args)
    return TupleValue((c.binary("//", a, b), c.binary("%", a, b)))


@builtins.value_builtin(pow)
def _pow(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) == 3 and args[2] == Known(None):
        args = args[:2]
    if len(args) != 3:
        return None  # the two-argument form is `**`
    if _unknown(args):
        return BOTTOM
    return call_intrinsic(c, intrinsics.pow_mod, list(_ints(c, "pow", args)))


@builtins.value_builtin(abs)
def _abs(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`abs(z)` of a complex: libm's `hypot`, as CPython's `_Py_c_abs`."""
    if len(args) != 1 or not isinstance(args[0], ComplexValue):
        return None
    return c.result(g.HypotOp(args[0].real, args[0].imag))


@builtins.value_builtin(min, max)
def _min_max(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`min`/`max` of numbers of mixed types: the first item that no later item beats
    (`<` for min, `>` for max, compared exactly), with its own type. Its type depends
    on the values, so the result is split by kind (`SplitResult`)."""
    if len(args) == 1 and isinstance(args[0], ListValue):
        helper = intrinsics.min_of if target is min else intrinsics.max_of
        return call_intrinsic(c, helper, args)
    if len(args) == 1 and isinstance(args[0], TupleValue):
        args = list(args[0].items)  # the items of a tuple, as arguments
        if len(args) == 1:
            return args[0]
        if not args:
            raise GraphBreak(f"{target.__name__}() of an empty tuple raises ValueError")
    if len(args) < 2 or not all(isinstance(a, SSAValue) for a in args):
        return None
    kinds = list(dict.fromkeys(a.type for a in args))
    if len(kinds) == 1:
        return builtins.BUILTINS[target](c, target, args)
    symbol = "<" if target is min else ">"
    best = {t: c.zero(t) for t in kinds}
    first = args[0]
    best[first.type] = first
    tag = c.const(kinds.index(first.type))
    for arg in args[1:]:
        beats: SSAValue | bool = False
        for position, t in enumerate(kinds):
            holds = c.result(g.CmpOp("eq", tag, c.const(position)))
            beats = c.either(beats, c.both(holds, c.compare(symbol, arg, best[t])))
        taken = c.boolean(beats)
        best[arg.type] = c.result(g.SelectOp(taken, arg, best[arg.type]))
        tag = c.result(g.SelectOp(taken, c.const(kinds.index(arg.type)), tag))
    return SplitResult(tag, [best[t] for t in kinds])


@builtins.keyword_builtin(min, max)
def _min_max_keywords(
    c: FunctionCapture, target: Any, args: list[Value], keywords: dict[str, Value]
) -> Value | None:
    """`min(xs, key=f, default=d)`, `min(a, b, ..., key=f)`: CPython calls `key` once
    per item, in order, and keeps the first item whose key no later key beats."""
    name = target.__name__
    if set(keywords) - {"key", "default"}:
        raise GraphBreak(f"{name}() takes only key= and default= by keyword (TypeError)")
    if "default" in keywords and len(args) != 1:
        raise GraphBreak(f"{name}() with default= and several positional arguments (TypeError)")
    if _unknown([*args, *keywords.values()]):
        return BOTTOM
    key = keywords.get("key", Known(None))
    if key == Known(None):
        key = None
    elif not isinstance(key, Known | Closure):
        raise GraphBreak(f"{name}() with {inf.kind_name(kind_of(key))} as key is not compiled")
    if len(args) == 1 and isinstance(args[0], TupleValue):
        if not args[0].items and "default" in keywords:
            return keywords["default"]
        args = list(args[0].items)
        if not args:
            raise GraphBreak(f"{name}() of an empty tuple raises ValueError")
        if len(args) == 1:
            return args[0]
    if len(args) == 1:
        return _min_max_of_list(c, target, args[0], key, keywords.get("default"))
    if key is None:
        return _min_max(c, target, args)
    keys = [call(c, key, [a]) for a in args]
    if _unknown(keys):
        return BOTTOM
    return _first_best(c, target, args, keys)


def _min_max_of_list(
    c: FunctionCapture,
    target: Any,
    items: Value,
    key: Known | Closure | None,
    default: Value | None,
) -> Value:
    name = target.__name__
    if not isinstance(items, ListValue):
        raise GraphBreak(f"{name}() of {inf.kind_name(kind_of(items))} is not compiled")
    if items.elem is None:  # a list that never gets an item
        if default is None:
            raise GraphBreak(f"{name}() of an empty list raises ValueError")
        return default
    is_min = target is min
    if key is None and default is None:
        return call_intrinsic(c, intrinsics.min_of if is_min else intrinsics.max_of, [items])
    if key is None:
        return call_intrinsic(
            c, intrinsics.min_or if is_min else intrinsics.max_or, [items, default]
        )
    if default is None:
        by_key = intrinsics.min_by_key if is_min else intrinsics.max_by_key
        return call_intrinsic(c, by_key, [items, key])
    by_key_or = intrinsics.min_by_key_or if is_min else intrinsics.max_by_key_or
    return call_intrinsic(c, by_key_or, [items, key, default])


def _first_best(c: FunctionCapture, target: Any, items: list[Value], keys: list[Value]) -> Value:
    """The first of `items` whose key no later key beats (`<` for min, `>` for max),
    keys of one number type; items of mixed types split the result by kind."""
    name = target.__name__
    if not all(isinstance(v, SSAValue) for v in [*items, *keys]):
        raise GraphBreak(f"{name}() with key= of items or keys that are not numbers")
    if len({k.type for k in keys if isinstance(k, SSAValue)}) != 1:
        raise GraphBreak(f"{name}() with key= whose keys are numbers of different types")
    scalars = c.scalars(items)
    key_values = c.scalars(keys)
    symbol = "<" if target is min else ">"
    kinds = list(dict.fromkeys(a.type for a in scalars))
    best = {t: c.zero(t) for t in kinds}
    best[scalars[0].type] = scalars[0]
    best_key = key_values[0]
    tag = c.const(kinds.index(scalars[0].type))
    for item, key in zip(scalars[1:], key_values[1:]):
        taken = c.boolean(c.compare(symbol, key, best_key))
        best[item.type] = c.result(g.SelectOp(taken, item, best[item.type]))
        best_key = c.result(g.SelectOp(taken, key, best_key))
        tag = c.result(g.SelectOp(taken, c.const(kinds.index(item.type)), tag))
    if len(kinds) == 1:
        return best[kinds[0]]
    return SplitResult(tag, [best[t] for t in kinds])


@builtins.value_builtin(sum)
def _sum(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`sum(items, start=0)` of a list, a range or a tuple of one number type: CPython's
    exact int sum, or its float loop (compensated from 3.12), started as CPython starts
    it (see `intrinsics`)."""
    if not 1 <= len(args) <= 2:
        return None
    if _unknown(args):
        return BOTTOM
    items, start = args[0], args[1] if len(args) == 2 else c.const(0)
    if isinstance(items, ListValue) and items.elem is None and isinstance(start, SSAValue):
        return start  # a list that never gets an item (see `ListItemTypeFixed`)
    if isinstance(items, ListValue):
        item = items.elem
    elif isinstance(items, RangeValue):
        item = INT
    elif isinstance(items, TupleValue) and items.items:
        kinds = {kind_of(v) for v in items.items}
        item = INT if kinds <= {INT, BOOL} else kinds.pop() if len(kinds) == 1 else None
    else:
        item = None
    if item not in (BOOL, INT, FLOAT) or not isinstance(start, SSAValue):
        raise GraphBreak(f"sum() of {inf.kind_name(kind_of(items))} is not compiled")
    start_float = start.type == FLOAT
    if item == FLOAT:
        helper = intrinsics.sum_floats if start_float else intrinsics.sum_floats_from_int
    else:
        helper = intrinsics.sum_ints_into_float if start_float else intrinsics.sum_ints
    if not start_float:
        start = c.cast(start, INT)
    return call_intrinsic(c, helper, [items, start])


def _python_type(value: Value) -> type | None:
    """The Python type of a value, where it is known statically."""
    if isinstance(value, SSAValue):
        return g.python_type(value.type)
    if isinstance(value, Known):
        return type(value.obj)
    if isinstance(value, NpScalar):
        return type(np.dtype(value.dtype).type(0))
    simple = {
        ComplexValue: complex,
        TupleValue: tuple,
        ListValue: list,
        RangeValue: range,
        ArrayValue: np.ndarray,
    }
    return simple.get(type(value))


def _classes(value: Value) -> tuple[type, ...] | None:
    """The classes of `isinstance`'s second argument, when each is a plain class
    (no metaclass that could change its answer later, as an ABC's `register` can)."""
    if isinstance(value, TupleValue):
        found: list[type] = []
        for item in value.items:
            classes = _classes(item)
            if classes is None:
                return None
            found += classes
        return tuple(found)
    if isinstance(value, Known) and type(value.obj) is type:
        return (value.obj,)
    if isinstance(value, Known) and isinstance(value.obj, types.UnionType):
        return _classes(TupleValue(tuple(Known(t) for t in value.obj.__args__)))
    return None


@builtins.value_builtin(isinstance)
def _isinstance(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """Decided statically: every value's type is known at compile time."""
    if len(args) != 2:
        return None
    if _unknown(args[:1]):
        return BOTTOM
    cls, classes = _python_type(args[0]), _classes(args[1])
    if cls is None or classes is None:
        raise GraphBreak("isinstance() with this class is not compiled")
    return c.const(issubclass(cls, classes))


def _floats(c: FunctionCapture, name: str, items: list[Value]) -> list[SSAValue]:
    """Numbers as floats, as `PyFloat_AsDouble` converts them; anything else is a graph
    break (CPython raises TypeError)."""
    values = []
    for item in items:
        if not isinstance(item, SSAValue) or item.type not in (INT, BOOL, FLOAT):
            raise GraphBreak(f"{name}() of {inf.kind_name(kind_of(item))} is not compiled")
        values.append(c.cast(item, FLOAT))
    return values


@builtins.value_builtin(math.hypot)
def _hypot(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`math.hypot(*coordinates)`: CPython's own `vector_norm` (see `intrinsics`)."""
    if _unknown(args):
        return BOTTOM
    coords = _floats(c, "math.hypot", args)
    return call_intrinsic(c, intrinsics.hypot, [TupleValue(tuple(coords))])


def _items(value: Value) -> list[Value] | None:
    if isinstance(value, TupleValue):
        return list(value.items)
    return None


@builtins.value_builtin(math.dist)
def _dist(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`math.dist(p, q)` of two tuples or two lists: the norm of the float differences."""
    if len(args) != 2:
        return None
    if _unknown(args):
        return BOTTOM
    if all(isinstance(a, ListValue) and a.elem in (BOOL, INT, FLOAT) for a in args):
        return call_intrinsic(c, intrinsics.dist_lists, args)
    p, q = _items(args[0]), _items(args[1])
    if p is None or q is None or len(p) != len(q):
        raise GraphBreak(
            "math.dist() of points that are not two tuples of one length or two lists"
            " is not compiled"
        )
    pairs = zip(_floats(c, "math.dist", p), _floats(c, "math.dist", q))
    diffs = tuple(c.result(g.SubOp(a, b)) for a, b in pairs)
    return call_intrinsic(c, intrinsics.hypot, [TupleValue(diffs)])


def _number_items(value: Value) -> bool:
    """Whether `value` is a list, range or tuple of numbers."""
    if isinstance(value, ListValue):
        return value.elem in (None, BOOL, INT, FLOAT)
    if isinstance(value, RangeValue):
        return True
    if isinstance(value, TupleValue):
        return all(isinstance(v, SSAValue) and v.type in (BOOL, INT, FLOAT) for v in value.items)
    return False


@builtins.value_builtin(math.fsum)
def _fsum(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`math.fsum(items)` of a list, range or tuple of numbers: CPython's `msum`."""
    if len(args) != 1:
        return None
    if _unknown(args):
        return BOTTOM
    if not _number_items(args[0]):
        raise GraphBreak(f"math.fsum() of {inf.kind_name(kind_of(args[0]))} is not compiled")
    return call_intrinsic(c, intrinsics.fsum, args)


@builtins.value_builtin(sorted)
def _sorted(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`sorted(xs, key=None, reverse=False)` of a list of numbers, `key` a builtin or a
    Python function: a new list, in CPython's stable order (see `intrinsics.sorted_list`
    and `intrinsics.sorted_by_key`)."""
    if not 1 <= len(args) <= 3:
        return None
    if _unknown(args):
        return BOTTOM
    items, key, reverse = (*args, Known(None), c.const(False))[:3]
    if not isinstance(key, Known | Closure):
        raise GraphBreak(f"sorted() with {inf.kind_name(kind_of(key))} as key is not compiled")
    if not isinstance(items, ListValue) or items.elem not in (None, BOOL, INT, FLOAT):
        raise GraphBreak(f"sorted() of {inf.kind_name(kind_of(items))} is not compiled")
    if not isinstance(reverse, SSAValue) or reverse.type not in (BOOL, INT):
        raise GraphBreak(
            f"sorted() with {inf.kind_name(kind_of(reverse))} as reverse is not compiled"
        )
    if key == Known(None) or items.elem is None:  # no key, or no item to call it on
        return call_intrinsic(c, intrinsics.sorted_list, [items, c.cast(reverse, BOOL)])
    return call_intrinsic(c, intrinsics.sorted_by_key, [items, key, c.cast(reverse, BOOL)])


@builtins.value_builtin(math.isclose)
def _isclose(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`math.isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)` of numbers."""
    if len(args) == 2:
        args = [*args, c.const(1e-09), c.const(0.0)]
    if len(args) != 4:  # keywords bind the defaults (see `calls.KEYWORD_DEFAULTS`)
        return None
    if _unknown(args):
        return BOTTOM
    return call_intrinsic(c, intrinsics.isclose, list(_floats(c, "math.isclose", args)))


@builtins.value_builtin(any, all)
def _any_all(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`any(items)`, `all(items)` of a list, range or tuple of numbers."""
    if len(args) != 1:
        return None
    if _unknown(args):
        return BOTTOM
    if not _number_items(args[0]):
        raise GraphBreak(
            f"{target.__name__}() of {inf.kind_name(kind_of(args[0]))} is not compiled"
        )
    return call_intrinsic(c, intrinsics.any_of if target is any else intrinsics.all_of, args)


@builtins.value_builtin(math.prod)
def _prod(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`math.prod(items, *, start=1)` of a list, range or tuple of numbers, with an int
    or float start."""
    if len(args) == 1:
        args = [*args, c.const(1)]
    if len(args) != 2:
        return None
    if _unknown(args):
        return BOTTOM
    items, start = args
    if not _number_items(items):
        raise GraphBreak(f"math.prod() of {inf.kind_name(kind_of(items))} is not compiled")
    if not isinstance(start, SSAValue) or start.type == BOOL:  # prod([], start=True) is True
        raise GraphBreak(
            f"math.prod() with {inf.kind_name(kind_of(start))} as start is not compiled"
        )
    if isinstance(items, ListValue) and items.elem == FLOAT and start.type == INT:
        return call_intrinsic(c, intrinsics.prod_floats_from_int, [items, start])
    if isinstance(items, TupleValue) and start.type == INT:
        kinds = {v.type for v in items.items if isinstance(v, SSAValue)}
        if FLOAT in kinds and items.items:  # the int start meets the first item
            first = c.binary("*", start, c.scalar(items.items[0]))
            return call_intrinsic(c, intrinsics.prod_of, [TupleValue(items.items[1:]), first])
    return call_intrinsic(c, intrinsics.prod_of, [items, start])


@builtins.value_builtin(math.frexp, math.modf)
def _frexp_modf(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) != 1:
        return None
    if _unknown(args):
        return BOTTOM
    helper = intrinsics.frexp if target is math.frexp else intrinsics.modf
    return call_intrinsic(c, helper, _floats(c, f"math.{target.__name__}", args))


FLOAT_FUNCTIONS: dict[Callable[..., Any], tuple[Callable[..., Any], int]] = {
    math.gamma: (intrinsics.gamma, 1),
    math.lgamma: (intrinsics.lgamma, 1),
    math.ulp: (intrinsics.ulp, 1),
    math.remainder: (intrinsics.remainder, 2),
}
"""`math` functions of floats that are CPython's own code, not libm's: the port in
`intrinsics` and its arity."""


@builtins.value_builtin(*FLOAT_FUNCTIONS)
def _float_function(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    helper, arity = FLOAT_FUNCTIONS[target]
    if len(args) != arity:
        return None
    if _unknown(args):
        return BOTTOM
    return call_intrinsic(c, helper, list(_floats(c, f"math.{target.__name__}", args)))


@builtins.value_builtin(math.ldexp)
def _ldexp(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) != 2:
        return None
    if _unknown(args):
        return BOTTOM
    (x,) = _floats(c, "math.ldexp", args[:1])
    return call_intrinsic(c, intrinsics.ldexp, [x, *_ints(c, "math.ldexp", args[1:])])


@method(ListValue, "sort")
def _sort(c: FunctionCapture, lst: ListValue, args: list[Value]) -> Value:
    """`xs.sort()` of a list of numbers, in place."""
    return _sort_keywords(c, lst, args, {})


@keyword_method(ListValue, "sort")
def _sort_keywords(
    c: FunctionCapture, lst: ListValue, args: list[Value], keywords: dict[str, Value]
) -> Value:
    """`xs.sort(key=None, reverse=False)` of a list of numbers, in place: `sorted`'s
    order written back."""
    if args:
        raise GraphBreak("list.sort() takes no positional arguments (TypeError)")
    if set(keywords) - {"key", "reverse"}:
        raise GraphBreak("list.sort() takes only key= and reverse= (TypeError)")
    key = keywords.get("key", Known(None))
    reverse = keywords.get("reverse", c.const(False))
    if _unknown([key, reverse]):
        return BOTTOM
    if lst.elem not in (None, BOOL, INT, FLOAT):
        raise GraphBreak(f"list.sort() of {inf.kind_name(kind_of(lst))} is not compiled")
    if not isinstance(key, Known | Closure):
        raise GraphBreak(f"list.sort() with {inf.kind_name(kind_of(key))} as key is not compiled")
    if not isinstance(reverse, SSAValue) or reverse.type not in (BOOL, INT):
        raise GraphBreak(
            f"list.sort() with {inf.kind_name(kind_of(reverse))} as reverse is not compiled"
        )
    if lst.elem is None:  # no item to order
        return Known(None)
    flag = c.cast(reverse, BOOL)
    if key == Known(None):
        call_intrinsic(c, intrinsics.sort_in_place, [lst, flag])
    else:
        call_intrinsic(c, intrinsics.sort_in_place_by_key, [lst, key, flag])
    return Known(None)
