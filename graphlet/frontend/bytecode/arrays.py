"""NumPy arrays: attributes, indexing, slicing as views, element and slice writes,
iteration, `np.empty/zeros/ones/empty_like/zeros_like/ones_like/arange`, elementwise
arithmetic and ufuncs, `sum`/`min`/`max` and `np.dot` of 1-d arrays.

An array is an `ArrayValue` (its object, data pointer, lengths and byte strides, see
`pyarray`); reading an element gives an `NpScalar`, which follows NumPy's rules, not
Python's: its dtype (NEP 50: a Python int or float adopts the array's kind), int
arithmetic that wraps (arrays) or warns (scalars), float32 that stays float32. Where
NumPy would raise (an index out of bounds, a negative dimension) or warn (an integer
scalar overflow, a float overflow or invalid operation, a division by zero), a guard
hands the call back and NumPy does it itself; compiled writes to arrays the caller can
see are undone first (the undo log, `graphlet.backend.arrays`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
from xdsl.dialects import arith, llvm, scf
from xdsl.dialects import math as math_dialect
from xdsl.dialects.builtin import IntegerType, UnitAttr, f32
from xdsl.ir import Block, Region, SSAValue

from graphlet.abi import HAND_BACK
from graphlet.dialects import graphlet as g
from graphlet.dialects import pyarray, pyrt
from graphlet.frontend.bytecode import builtins
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.calls import ATTRIBUTE_RULES
from graphlet.frontend.bytecode.containers import (
    LEN_RULES,
    STORE_SUBSCRIPT_RULES,
    SUBSCRIPT_RULES,
)
from graphlet.frontend.bytecode.inference import BOOL, FLOAT, INT, ArrayKind, Known
from graphlet.frontend.bytecode.iteration import ITERATE_RULES, NEXT_RULES
from graphlet.frontend.bytecode.lists import slice_bounds
from graphlet.frontend.bytecode.operators import (
    binary_rule,
    compare_rule,
    method,
    truth_rule,
)
from graphlet.frontend.bytecode.values import (
    ArrayIter,
    ArrayValue,
    NpScalar,
    SliceValue,
    TupleValue,
    Value,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture


FLOATS = ("float64", "float32")
INTS = ("int64", "int32")
_ORDER = ("bool", "int32", "int64", "float32", "float64")
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


# --------------------------------------------------------------------------- helpers


def _r(c: FunctionCapture, op: Any) -> SSAValue:
    return c.result(op)


def is_array(value: Value) -> TypeGuard[ArrayValue]:
    return isinstance(value, ArrayValue)


def element(c: FunctionCapture, a: ArrayValue, indices: Sequence[SSAValue]) -> SSAValue:
    """The address of `a[indices]` (in bounds), or of a view's first element."""
    pairs = list(zip(indices, a.strides[: len(indices)]))
    if not pairs:
        return a.data
    return _r(c, pyarray.ElementOp(a.data, pairs))


def load(c: FunctionCapture, a: ArrayValue, indices: Sequence[SSAValue]) -> NpScalar:
    dtype = a.kind.dtype
    return NpScalar(_r(c, pyarray.LoadOp(element(c, a, indices), dtype)), dtype)


def store(c: FunctionCapture, a: ArrayValue, indices: Sequence[SSAValue], value: SSAValue) -> None:
    if not a.kind.writeable:
        raise GraphBreak("assignment destination is read-only (ValueError)")
    logged = not a.kind.fresh
    c.insert(pyarray.StoreOp(value, element(c, a, indices), c.arena, a.kind.dtype, logged))


def normalized(c: FunctionCapture, index: Value, n: SSAValue) -> SSAValue:
    """A valid position on an axis of length `n`; out of bounds, NumPy raises its
    IndexError (the call hands back)."""
    if isinstance(index, NpScalar) and index.dtype in INTS:
        index = index.value
    if not (isinstance(index, SSAValue) and index.type == INT):
        what = inf.describe(inf.NpScalarKind(index.dtype)) if isinstance(index, NpScalar) else None
        raise GraphBreak(f"array index of {what or inf.kind_name(_kind(index))} is not compiled")
    negative = _r(c, g.CmpOp("lt", index, c.const(0)))
    position = _r(c, g.SelectOp(negative, _r(c, arith.AddiOp(index, n)), index))
    c.guard(_r(c, arith.CmpiOp(position, n, "ult")))  # 0 <= position < n, in one test
    return position


def _kind(value: Value) -> inf.Kind:
    from graphlet.frontend.bytecode.values import kind_of

    return kind_of(value)


def size_of(c: FunctionCapture, a: ArrayValue) -> SSAValue:
    total = a.shape[0]
    for n in a.shape[1:]:
        total = _r(c, g.MulOp(total, n))
    return total


def view(
    c: FunctionCapture,
    a: ArrayValue,
    data: SSAValue,
    shape: Sequence[SSAValue],
    strides: Sequence[SSAValue],
) -> ArrayValue:
    kind = ArrayKind(a.kind.dtype, len(shape), a.kind.writeable, a.kind.fresh, view=True)
    return ArrayValue(a.obj, data, tuple(shape), tuple(strides), kind)


def for_range(
    c: FunctionCapture,
    n: SSAValue,
    carried: Sequence[SSAValue],
    body: Callable[[SSAValue, list[SSAValue]], list[SSAValue]],
) -> list[SSAValue]:
    """`for i in range(n)` as an `scf.for` carrying `carried`; `body(i, values)`
    builds the body at the capture's builder and returns the next values."""
    block = Block(arg_types=[INT, *(v.type for v in carried)])
    saved = c.builder
    from xdsl.builder import Builder
    from xdsl.rewriter import InsertPoint

    c.builder = Builder(InsertPoint.at_end(block))
    try:
        following = body(block.args[0], list(block.args[1:]))
        c.insert(scf.YieldOp(*following))
    finally:
        c.builder = saved
    loop = c.insert(scf.ForOp(c.const(0), n, c.const(1), list(carried), Region([block])))
    return list(loop.results)


def for_each(
    c: FunctionCapture,
    shape: Sequence[SSAValue],
    carried: Sequence[SSAValue],
    body: Callable[[list[SSAValue], list[SSAValue]], list[SSAValue]],
) -> list[SSAValue]:
    """Nested loops over every index of `shape` in C order."""

    def level(depth: int, prefix: list[SSAValue], values: list[SSAValue]) -> list[SSAValue]:
        if depth == len(shape):
            return body(prefix, values)
        return for_range(c, shape[depth], values, lambda i, vs: level(depth + 1, [*prefix, i], vs))

    return level(0, [], list(carried))


# --------------------------------------------------------------------------- NumPy scalars


def result_dtype(lhs: str, rhs: str) -> str:
    """`np.result_type` of two of the compiled dtypes."""
    return np.result_type(lhs, rhs).name


def weak_dtype(strong: str, python: Any) -> str:
    """NEP 50: the dtype of `strong <op> a Python scalar of IR type `python``."""
    if python == FLOAT:
        return strong if strong in FLOATS else "float64"
    if python == INT:
        return strong if strong != "bool" else "int64"
    return strong


def _round_f32(c: FunctionCapture, x: SSAValue) -> SSAValue:
    return _r(c, arith.ExtFOp(_r(c, arith.TruncFOp(x, f32)), FLOAT))


def to_compute(c: FunctionCapture, value: SSAValue, source: str, target: str) -> SSAValue:
    """`value` (compute type of `source`) cast to dtype `target`, as NumPy casts."""
    if target in FLOATS:
        if value.type == FLOAT:
            return _round_f32(c, value) if target == "float32" and source != "float32" else value
        as_float = _r(c, g.CastOp(c.cast(value, INT), FLOAT))
        return _round_f32(c, as_float) if target == "float32" else as_float
    if target in INTS:
        if value.type == FLOAT:
            raise GraphBreak("casting a float to an integer array item is not compiled")
        return c.cast(value, INT)
    return c.truth(value)  # nonzero (NaN too) is True


def operands(c: FunctionCapture, lhs: Value, rhs: Value) -> tuple[str, SSAValue, str, SSAValue]:
    """(dtype, value) of both operands of an operator with a NumPy scalar."""

    def side(v: Value, other: Value) -> tuple[str, SSAValue]:
        if isinstance(v, NpScalar):
            return v.dtype, v.value
        if isinstance(v, SSAValue):
            strong = other.dtype if isinstance(other, NpScalar) else "float64"
            if v.type == BOOL:
                return "bool", v
            dtype = weak_dtype(strong, v.type)
            adopted = adopt(c, v, dtype)
            return dtype, adopted.value if isinstance(adopted, NpScalar) else v
        raise GraphBreak(f"an operator between numpy scalars and {inf.kind_name(_kind(v))}")

    (a, x), (b, y) = side(lhs, rhs), side(rhs, lhs)
    return a, x, b, y


def adopt(c: FunctionCapture, value: Value, dtype: str) -> Value:
    """A Python scalar operand converted once to the narrow dtype it adopts (NEP 50):
    NumPy warns when a float overflows float32 and raises when an int does not fit
    int32 (both hand back), even for an empty array; an int past 2**24 would round
    twice on its way to float32, so it hands back too."""
    if not isinstance(value, SSAValue) or dtype not in ("float32", "int32"):
        return value
    if dtype == "int32":
        guard_fits_int32(c, value)
        return NpScalar(c.cast(value, INT), dtype)
    if value.type != FLOAT:
        guard_exact_in_float32(c, c.cast(value, INT))
    converted = to_compute(c, value, "float64" if value.type == FLOAT else "int64", dtype)
    if value.type == FLOAT:
        guard_float_flags(c, [value], converted)
    return NpScalar(converted, dtype)


def guard_exact_in_float32(c: FunctionCapture, x: SSAValue) -> None:
    low = _r(c, g.CmpOp("ge", x, c.const(-(2**24))))
    c.guard(_r(c, g.AndOp(low, _r(c, g.CmpOp("le", x, c.const(2**24))))))


def guard_fits_int32(c: FunctionCapture, x: SSAValue) -> None:
    low = _r(c, g.CmpOp("ge", x, c.const(INT32_MIN)))
    c.guard(_r(c, g.AndOp(low, _r(c, g.CmpOp("le", x, c.const(INT32_MAX))))))


def guard_float_flags(c: FunctionCapture, inputs: Sequence[SSAValue], result: SSAValue) -> None:
    """Hand back where NumPy would warn (`float_flags`), testing the inputs only when the
    result is not finite (one well-predicted branch on the common path)."""
    from xdsl.builder import Builder
    from xdsl.rewriter import InsertPoint

    finite = _r(c, g.CmpOp("lt", _r(c, g.AbsOp(result)), c.const(math.inf)))
    block = Block()
    saved = c.builder
    c.builder = Builder(InsertPoint.at_end(block))
    try:
        guard = pyrt.GuardOp(
            _r(c, g.XorOp(float_flags(c, inputs, result), c.const(True))), HAND_BACK
        )
        guard.attributes[pyrt.FLOAT_FLAGS] = UnitAttr()
        c.insert(guard)
        c.insert(scf.YieldOp())
    finally:
        c.builder = saved
    c.insert(scf.IfOp(_r(c, g.XorOp(finite, c.const(True))), [], Region([block])))


def float_flags(c: FunctionCapture, inputs: Sequence[SSAValue], result: SSAValue) -> SSAValue:
    """Whether NumPy would set a floating-point error flag it warns about: an overflow
    or a division by zero (an infinite result of finite inputs) or an invalid operation
    (a NaN of non-NaN inputs)."""
    inf_ = c.const(math.inf)

    def finite(x: SSAValue) -> SSAValue:
        return _r(c, g.CmpOp("lt", _r(c, g.AbsOp(x)), inf_))

    all_finite: SSAValue = finite(inputs[0])
    no_nan: SSAValue = _r(c, g.CmpOp("eq", inputs[0], inputs[0]))
    for x in inputs[1:]:
        all_finite = _r(c, g.AndOp(all_finite, finite(x)))
        no_nan = _r(c, g.AndOp(no_nan, _r(c, g.CmpOp("eq", x, x))))
    overflow = _r(c, g.AndOp(all_finite, _r(c, g.XorOp(finite(result), c.const(True)))))
    invalid = _r(c, g.AndOp(no_nan, _r(c, g.CmpOp("ne", result, result))))
    return _r(c, g.OrOp(overflow, invalid))


_FLOAT_OPS = {"+": arith.AddfOp, "-": arith.SubfOp, "*": arith.MulfOp, "/": arith.DivfOp}
_INT_OPS = {"+": arith.AddiOp, "-": arith.SubiOp, "*": arith.MuliOp}


def arithmetic(
    c: FunctionCapture, symbol: str, a: str, x: SSAValue, b: str, y: SSAValue, *, scalar: bool
) -> tuple[str, SSAValue, tuple[SSAValue, SSAValue] | None]:
    """`x <symbol> y` of dtypes `a` and `b` as NumPy computes it: (result dtype, value,
    the flag that NumPy would warn, or None). Array arithmetic (`scalar` False) wraps
    ints silently; scalar int arithmetic warns on overflow (a guard here). For floats,
    the third item is the inputs NumPy's warning depends on (`float_flags`)."""
    if symbol not in _FLOAT_OPS:
        raise GraphBreak(f"'{symbol}' on numpy values is not compiled")
    dtype = result_dtype(a, b)
    if symbol == "/" and dtype not in FLOATS:
        dtype = "float64"
    if dtype == "bool":
        raise GraphBreak(f"'{symbol}' of numpy bools is not compiled")
    if dtype in FLOATS:
        x, y = to_compute(c, x, a, dtype), to_compute(c, y, b, dtype)
        result = _r(c, _FLOAT_OPS[symbol](x, y))
        if dtype == "float32":
            result = _round_f32(c, result)
        return dtype, result, (x, y)
    x, y = c.cast(x, INT), c.cast(y, INT)
    if scalar:
        result = c.binary(symbol, x, y)  # checked: an int64 overflow hands back
        if dtype == "int32":
            guard_fits_int32(c, result)
        return dtype, result, None
    result = _r(c, _INT_OPS[symbol](x, y))
    if dtype == "int32":
        narrowed = _r(c, arith.TruncIOp(result, IntegerType(32)))
        result = _r(c, arith.ExtSIOp(narrowed, INT))
    return dtype, result, None


@binary_rule
def _scalar_arithmetic(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (isinstance(lhs, NpScalar) or isinstance(rhs, NpScalar)):
        return NotImplemented
    if is_array(lhs) or is_array(rhs):
        return NotImplemented
    a, x, b, y = operands(c, lhs, rhs)
    dtype, result, inputs = arithmetic(c, symbol, a, x, b, y, scalar=True)
    if inputs is not None:
        guard_float_flags(c, inputs, result)
    return NpScalar(result, dtype)


def comparison(
    c: FunctionCapture, symbol: str, a: str, x: SSAValue, b: str, y: SSAValue
) -> SSAValue:
    predicate = g.predicate_for_symbol(symbol)
    if predicate is None:
        raise GraphBreak(f"the comparison {symbol!r} of NumPy values is not compiled")
    dtype = result_dtype(a, b)
    if dtype in FLOATS:
        x, y = to_compute(c, x, a, "float64"), to_compute(c, y, b, "float64")
    elif dtype == "bool":
        x, y = c.cast(x, INT), c.cast(y, INT)
    else:
        x, y = c.cast(x, INT), c.cast(y, INT)
    return _r(c, g.CmpOp(predicate, x, y))


@compare_rule
def _scalar_comparison(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (isinstance(lhs, NpScalar) or isinstance(rhs, NpScalar)):
        return NotImplemented
    if is_array(lhs) or is_array(rhs):
        return NotImplemented
    a, x, b, y = operands(c, lhs, rhs)
    return NpScalar(comparison(c, symbol, a, x, b, y), "bool")


@truth_rule
def _truth(c: FunctionCapture, value: Value) -> Any:
    if isinstance(value, NpScalar):
        return c.truth(value.value)
    if is_array(value):
        raise GraphBreak("the truth value of an array is ambiguous (ValueError)")
    return NotImplemented


def _python_number(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`float(x)`, `int(x)` and `math` functions of NumPy scalars: as of the Python
    number the scalar converts to (their results are Python numbers)."""
    if not any(isinstance(a, NpScalar) for a in args):
        return None
    scalars: list[SSAValue] = []
    for arg in args:
        if isinstance(arg, NpScalar):
            scalars.append(arg.value if arg.dtype != "bool" else c.cast(arg.value, INT))
        elif isinstance(arg, SSAValue):
            scalars.append(arg)
        else:
            return None
    if target is int and isinstance(args[0], NpScalar) and args[0].dtype == "bool":
        return c.cast(args[0].value, INT)
    handler = builtins.lookup(target)
    if handler is None:
        return None
    return handler(c, target, scalars)


for _target in (float, int, *(f for f in vars(math).values() if callable(f))):
    if builtins.lookup(_target) is not None and builtins.lookup_value_builtin(_target) is None:
        builtins.value_builtin(_target)(_python_number)


# --------------------------------------------------------------------------- attributes


def _attribute(c: FunctionCapture, owner: Value, name: str) -> Any:
    if isinstance(owner, Known) and owner.obj is np:
        value = getattr(np, name, None)
        if value is None:
            raise GraphBreak(f"module 'numpy' has no attribute {name!r}")
        if isinstance(value, float):
            return c.const(value)
        return Known(value)
    if not is_array(owner):
        return NotImplemented
    if name == "shape":
        return TupleValue(owner.shape)
    if name == "strides":
        return TupleValue(owner.strides)
    if name == "ndim":
        return c.const(owner.kind.ndim)
    if name == "size":
        return size_of(c, owner)
    if name == "itemsize":
        return c.const(pyarray.item_size(owner.kind.dtype))
    if name in ("sum", "max", "min", "fill", "copy"):
        from graphlet.frontend.bytecode.values import BoundMethod

        return BoundMethod(owner, name)
    raise GraphBreak(f"attribute .{name} of an array is not compiled")


ATTRIBUTE_RULES.append(_attribute)


def _len(c: FunctionCapture, value: Value) -> Any:
    return value.shape[0] if is_array(value) else NotImplemented


LEN_RULES.append(_len)


# --------------------------------------------------------------------------- indexing


def _axes(c: FunctionCapture, a: ArrayValue, index: Value) -> list[Value]:
    items = list(index.items) if isinstance(index, TupleValue) else [index]
    if len(items) > a.kind.ndim:
        raise GraphBreak(
            f"too many indices for array: array is {a.kind.ndim}-dimensional (IndexError)"
        )
    for item in items:
        if isinstance(item, SSAValue) and item.type == BOOL:
            raise GraphBreak("indexing an array with a bool is not compiled")
        if isinstance(item, Known):
            raise GraphBreak(f"indexing an array with {inf.kind_name(item)} is not compiled")
    return items


def index_array(c: FunctionCapture, a: ArrayValue, index: Value) -> ArrayValue | NpScalar:
    """`a[index]`: an element, or a view (basic indexing: ints and slices)."""
    items = _axes(c, a, index)
    offsets: list[SSAValue] = []
    shape: list[SSAValue] = []
    strides: list[SSAValue] = []
    scalar_only = True
    for axis, item in enumerate(items):
        n, stride = a.shape[axis], a.strides[axis]
        if isinstance(item, SliceValue):
            scalar_only = False
            start, step, count = slice_bounds(c, item, n)
            offsets.append(start)
            shape.append(count)
            strides.append(stride if step == 1 else _r(c, g.MulOp(stride, c.const(step))))
        else:
            offsets.append(normalized(c, item, n))
    shape += list(a.shape[len(items) :])
    strides += list(a.strides[len(items) :])
    if scalar_only and len(items) == a.kind.ndim:
        return load(c, a, offsets)
    data = _r(c, pyarray.ElementOp(a.data, list(zip(offsets, a.strides))))
    return view(c, a, data, shape, strides)


def _subscript(c: FunctionCapture, container: Value, index: Value) -> Any:
    if not is_array(container):
        return NotImplemented
    return index_array(c, container, index)


SUBSCRIPT_RULES.append(_subscript)


def storable(c: FunctionCapture, dtype: str, value: Value) -> SSAValue:
    """`value` as an element of a `dtype` array, as NumPy's assignment casts it (the
    casts that can raise or warn are not compiled, or hand back)."""
    if isinstance(value, NpScalar):
        source, x = value.dtype, value.value
    elif isinstance(value, SSAValue):
        source, x = {BOOL: "bool", INT: "int64", FLOAT: "float64"}[value.type], value
    else:
        raise GraphBreak(f"storing {inf.kind_name(_kind(value))} into an array is not compiled")
    if dtype in INTS and source in FLOATS:
        raise GraphBreak("storing a float into an integer array is not compiled")
    result = to_compute(c, x, source, dtype)
    if dtype == "int32" and source not in ("int32", "bool"):
        guard_fits_int32(c, result)
    if dtype == "float32" and source == "float64":
        guard_float_flags(c, [x], result)
    if dtype == "float32" and source in INTS:
        guard_exact_in_float32(c, c.cast(x, INT))
    return result


def fill(c: FunctionCapture, target: ArrayValue, value: Value) -> None:
    """`target[...] = value`: a scalar everywhere, or an array of the same shape."""
    if is_array(value):
        assert isinstance(value, ArrayValue)
        if value.kind.ndim != target.kind.ndim:
            raise GraphBreak("assigning an array of another number of dimensions")
        same = c.const(True)
        for m, n in zip(value.shape, target.shape):
            same = _r(c, g.AndOp(same, _r(c, g.CmpOp("eq", m, n))))
        c.guard(same)  # broadcasting or a shape mismatch: NumPy decides
        if not target.kind.writeable:
            raise GraphBreak("assignment destination is read-only (ValueError)")
        # Overlapping memory would make the result depend on the order: copy first.
        source = copy(c, value)

        def body(index: list[SSAValue], _: list[SSAValue]) -> list[SSAValue]:
            item = load(c, source, index)
            store(c, target, index, storable(c, target.kind.dtype, item))
            return []

        for_each(c, target.shape, [], body)
        return
    item = storable(c, target.kind.dtype, value)

    def put(index: list[SSAValue], _: list[SSAValue]) -> list[SSAValue]:
        store(c, target, index, item)
        return []

    if not target.kind.writeable:
        raise GraphBreak("assignment destination is read-only (ValueError)")
    for_each(c, target.shape, [], put)


def _store_subscript(c: FunctionCapture, container: Value, index: Value, value: Value) -> Any:
    if not is_array(container):
        return NotImplemented
    items = _axes(c, container, index)
    if len(items) == container.kind.ndim and not any(isinstance(i, SliceValue) for i in items):
        item = storable(c, container.kind.dtype, value)
        offsets = [normalized(c, i, n) for i, n in zip(items, container.shape)]
        store(c, container, offsets, item)
        return None
    target = index_array(c, container, index)
    assert isinstance(target, ArrayValue)
    fill(c, target, value)
    return None


STORE_SUBSCRIPT_RULES.append(_store_subscript)


# --------------------------------------------------------------------------- iteration


def _iterate(c: FunctionCapture, value: Value) -> Any:
    if is_array(value):
        return ArrayIter(value, c.const(0))
    if isinstance(value, ArrayIter):
        return value
    return NotImplemented


ITERATE_RULES.append(_iterate)


def _next(c: FunctionCapture, ins: Any, state: Any, iterator: Value) -> Any:
    if not isinstance(iterator, ArrayIter):
        return NotImplemented
    a = iterator.array
    has_next = _r(c, g.CmpOp("lt", iterator.index, a.shape[0]))
    body = state.copy()
    body.stack[-1] = ArrayIter(a, _r(c, arith.AddiOp(iterator.index, c.const(1))))
    safe = _r(c, g.SelectOp(has_next, iterator.index, c.const(0)))
    if a.kind.ndim == 1:
        # The test after the last item reads the arena (always readable), not past the data.
        address = _r(c, pyarray.ElementOp(a.data, [(safe, a.strides[0])]))
        address = _r(c, llvm.SelectOp(has_next, address, c.arena))
        body.stack.append(NpScalar(_r(c, pyarray.LoadOp(address, a.kind.dtype)), a.kind.dtype))
    else:
        data = _r(c, pyarray.ElementOp(a.data, [(safe, a.strides[0])]))
        body.stack.append(view(c, a, data, a.shape[1:], a.strides[1:]))
    done = state.copy()
    done.pop()
    assert ins.target is not None
    return [(ins.index + 1, body, None), (ins.target, done, has_next)]


NEXT_RULES.append(_next)


# --------------------------------------------------------------------------- making arrays


def _dtype_of(value: Value | None, default: str = "float64") -> str:
    if value is None:
        return default
    if isinstance(value, Known):
        dtype: np.dtype[Any] | None
        try:
            dtype = np.dtype(value.obj)
        except TypeError:
            dtype = None
        if dtype is not None and dtype.name in _ORDER:
            return dtype.name
    raise GraphBreak("an array dtype other than float64, float32, int64, int32 or bool")


def _shape_of(c: FunctionCapture, value: Value) -> list[SSAValue]:
    items = list(value.items) if isinstance(value, TupleValue) else [value]
    if not 1 <= len(items) <= 3:
        raise GraphBreak("arrays of other than 1 to 3 dimensions are not compiled")
    shape = []
    for item in items:
        if isinstance(item, NpScalar) and item.dtype in INTS:
            item = item.value
        if not (isinstance(item, SSAValue) and item.type == INT):
            raise GraphBreak("an array shape of other than ints is not compiled")
        c.guard(_r(c, g.CmpOp("ge", item, c.const(0))), "ValueError")
        shape.append(item)
    return shape


def new_array(c: FunctionCapture, shape: Sequence[SSAValue], dtype: str, how: str) -> ArrayValue:
    op = c.insert(pyarray.NewOp(c.arena, shape, dtype, how))
    c.guard(op.results[1])
    obj = op.results[0]
    data = _r(c, pyarray.DataOp(obj))
    strides = tuple(_r(c, pyarray.StrideOp(obj, k)) for k in range(len(shape)))
    return ArrayValue(obj, data, tuple(shape), strides, ArrayKind(dtype, len(shape), True, True))


def _maker(how: str) -> Callable[..., Value | None]:
    def make(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
        if not 1 <= len(args) <= 2:
            return None
        return new_array(c, _shape_of(c, args[0]), _dtype_of(args[1] if args[1:] else None), how)

    return make


builtins.value_builtin(np.empty)(_maker("empty"))
builtins.value_builtin(np.zeros)(_maker("zeros"))
builtins.value_builtin(np.ones)(_maker("ones"))


def _like_maker(how: str) -> Callable[..., Value | None]:
    def make(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
        if not 1 <= len(args) <= 2 or not is_array(args[0]):
            return None
        a = args[0]
        # NumPy keeps the layout of `a` (order 'K'); C order is that when its strides
        # do not grow from one axis to the next.
        for s, t in zip(a.strides, a.strides[1:]):
            c.guard(_r(c, g.CmpOp("ge", _r(c, g.AbsOp(s)), _r(c, g.AbsOp(t)))))
        dtype = _dtype_of(args[1], a.kind.dtype) if args[1:] else a.kind.dtype
        return new_array(c, a.shape, dtype, how)

    return make


builtins.value_builtin(np.empty_like)(_like_maker("empty"))
builtins.value_builtin(np.zeros_like)(_like_maker("zeros"))
builtins.value_builtin(np.ones_like)(_like_maker("ones"))


@builtins.value_builtin(np.arange)
def _arange(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`np.arange` of ints (an int64 array); float bounds are not compiled."""
    if not 1 <= len(args) <= 3:
        return None
    values = []
    for arg in args:
        if isinstance(arg, NpScalar) and arg.dtype in INTS:
            arg = arg.value
        if not (isinstance(arg, SSAValue) and arg.type == INT):
            raise GraphBreak("np.arange of other than ints is not compiled")
        values.append(arg)
    start, stop, step = (
        (c.const(0), values[0], c.const(1)) if len(values) == 1 else (*values, c.const(1))[:3]
    )
    c.guard(_r(c, g.CmpOp("ne", step, c.const(0))), "ValueError")
    # len = max(ceil((stop - start) / step), 0), in exact integer arithmetic
    span = _r(c, g.SubOp(stop, start))
    count = _r(c, g.NegOp(_r(c, g.FloorDivOp(_r(c, g.NegOp(span)), step))))
    count = _r(c, g.MaxOp(count, c.const(0)))
    a = new_array(c, [count], "int64", "empty")

    def body(index: list[SSAValue], _: list[SSAValue]) -> list[SSAValue]:
        value = _r(c, arith.AddiOp(start, _r(c, arith.MuliOp(index[0], step))))
        store(c, a, index, value)
        return []

    for_each(c, a.shape, [], body)
    return a


def copy(c: FunctionCapture, a: ArrayValue) -> ArrayValue:
    result = new_array(c, a.shape, a.kind.dtype, "empty")

    def body(index: list[SSAValue], _: list[SSAValue]) -> list[SSAValue]:
        store(c, result, index, load(c, a, index).value)
        return []

    for_each(c, a.shape, [], body)
    return result


@method(ArrayValue, "copy")
def _copy(c: FunctionCapture, a: ArrayValue, args: list[Value]) -> Value:
    if args:
        raise GraphBreak("ndarray.copy() with arguments is not compiled")
    for s, t in zip(a.strides, a.strides[1:]):  # order 'K', as for empty_like
        c.guard(_r(c, g.CmpOp("ge", _r(c, g.AbsOp(s)), _r(c, g.AbsOp(t)))))
    return copy(c, a)


@method(ArrayValue, "fill")
def _fill(c: FunctionCapture, a: ArrayValue, args: list[Value]) -> Value:
    if len(args) != 1 or is_array(args[0]):
        raise GraphBreak("ndarray.fill() takes one scalar")
    fill(c, a, args[0])
    return Known(None)


# --------------------------------------------------------------------------- elementwise


def _scalar_dtype(value: Value) -> tuple[str, SSAValue, bool]:
    """(dtype, value, weak) of a scalar operand of array arithmetic."""
    if isinstance(value, NpScalar):
        return value.dtype, value.value, False
    assert isinstance(value, SSAValue)
    return {BOOL: "bool", INT: "int64", FLOAT: "float64"}[value.type], value, True


def elementwise(
    c: FunctionCapture,
    operands_: list[Value],
    dtype_of: Callable[[list[str]], str],
    compute: Callable[[list[tuple[str, SSAValue]]], tuple[str, SSAValue, SSAValue | None]],
) -> ArrayValue:
    """A new array of `compute` applied to every element of the operands (arrays of
    one shape, or scalars); a NumPy floating-point warning hands the call back."""
    arrays = [v for v in operands_ if is_array(v)]
    first = arrays[0]
    for other in arrays[1:]:
        if other.kind.ndim != first.kind.ndim:
            raise GraphBreak("broadcasting arrays of different ndim is not compiled")
        same = c.const(True)
        for m, n in zip(other.shape, first.shape):
            same = _r(c, g.AndOp(same, _r(c, g.CmpOp("eq", m, n))))
        c.guard(same)  # other shapes broadcast (or raise) in NumPy
    dtype = dtype_of([_operand_dtype(v) for v in operands_])
    result = new_array(c, first.shape, dtype, "empty")

    def body(index: list[SSAValue], flags: list[SSAValue]) -> list[SSAValue]:
        items = []
        for v in operands_:
            if is_array(v):
                items.append((v.kind.dtype, load(c, v, index).value))
            else:
                items.append((_operand_dtype(v), _scalar_dtype(v)[1]))
        _, value, flag = compute(items)
        store(c, result, index, value)
        if flag is None:
            return flags
        return [_r(c, arith.OrIOp(flags[0], flag))]

    (flag,) = for_each(c, first.shape, [c.const(False)], body)
    c.guard(_r(c, g.XorOp(flag, c.const(True))))
    return result


def _operand_dtype(value: Value) -> str:
    if is_array(value):
        return value.kind.dtype
    return _scalar_dtype(value)[0]


def _weak(value: Value) -> bool:
    return isinstance(value, SSAValue)


def _binary_dtypes(lhs: Value, rhs: Value) -> tuple[str, str]:
    """The operand dtypes after NEP 50 (a Python scalar adopts the other's kind)."""

    def one(v: Value, other: Value) -> str:
        if _weak(v):
            if v.type == BOOL:
                return "bool"
            return weak_dtype(_operand_dtype(other), v.type)
        return _operand_dtype(v)

    return one(lhs, rhs), one(rhs, lhs)


@binary_rule
def _array_arithmetic(c: FunctionCapture, symbol: str, lhs: Value, rhs: Value) -> Any:
    if not (is_array(lhs) or is_array(rhs)):
        return NotImplemented
    for v in (lhs, rhs):
        if not (is_array(v) or isinstance(v, NpScalar | SSAValue)):
            raise GraphBreak(f"'{symbol}' of an array and {inf.kind_name(_kind(v))}")
    a, b = _binary_dtypes(lhs, rhs)
    lhs, rhs = adopt(c, lhs, a), adopt(c, rhs, b)

    def dtype_of(_: list[str]) -> str:
        dtype = result_dtype(a, b)
        return "float64" if symbol == "/" and dtype not in FLOATS else dtype

    def compute(items: list[tuple[str, SSAValue]]) -> tuple[str, SSAValue, SSAValue | None]:
        (_, x), (_, y) = items
        dtype, result, inputs = arithmetic(c, symbol, a, x, b, y, scalar=False)
        return dtype, result, None if inputs is None else float_flags(c, inputs, result)

    if symbol not in _FLOAT_OPS:
        raise GraphBreak(f"'{symbol}' on arrays is not compiled")
    return elementwise(c, [lhs, rhs], dtype_of, compute)


_UFUNCS: dict[Any, type[g.UnaryOp]] = {np.sqrt: g.SqrtOp, np.abs: g.AbsOp}
"""(`np.sqrt` lowers to IEEE sqrt, NaN below zero: NumPy's invalid flag then hands back.)"""
"""NumPy ufuncs compiled elementwise: those whose result is exact (IEEE's correctly
rounded sqrt, abs); libm-based ones (exp, sin, ...) may differ from NumPy's SIMD code."""


def _unary_ufunc(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) == 1 and isinstance(args[0], SSAValue) and args[0].type in (INT, FLOAT):
        args = [NpScalar(args[0], "int64" if args[0].type == INT else "float64")]
    if len(args) != 1 or not (is_array(args[0]) or isinstance(args[0], NpScalar)):
        return None
    (x,) = args
    op = _UFUNCS[target]
    source = _operand_dtype(x)
    if source == "bool":
        raise GraphBreak(f"np.{target.__name__} of bools is not compiled")
    dtype = source if source in FLOATS or op is g.AbsOp else "float64"

    def of_float(d: str, v: SSAValue) -> tuple[SSAValue, SSAValue]:
        value = to_compute(c, v, d, dtype)
        out = _r(c, op(value) if op is g.AbsOp else math_dialect.SqrtOp(value))
        return value, _round_f32(c, out) if dtype == "float32" else out

    def compute(items: list[tuple[str, SSAValue]]) -> tuple[str, SSAValue, SSAValue | None]:
        ((d, v),) = items
        if dtype in FLOATS:
            value, out = of_float(d, v)
            return dtype, out, float_flags(c, [value], out)
        negative = _r(c, g.CmpOp("lt", v, c.const(0)))
        negated = _r(c, arith.SubiOp(c.const(0), v))
        out = _r(c, g.SelectOp(negative, negated, v))
        if dtype == "int32":
            out = _r(c, arith.ExtSIOp(_r(c, arith.TruncIOp(out, IntegerType(32))), INT))
        return dtype, out, None

    if isinstance(x, NpScalar) and dtype in FLOATS:
        value, out = of_float(source, x.value)
        guard_float_flags(c, [value], out)  # deferrable (`float_flags`)
        return NpScalar(out, dtype)
    if isinstance(x, NpScalar):
        return NpScalar(compute([(source, x.value)])[1], dtype)
    return elementwise(c, [x], lambda _: dtype, compute)


for _ufunc in _UFUNCS:
    builtins.value_builtin(_ufunc)(_unary_ufunc)


# --------------------------------------------------------------------------- reductions


def reduce_sum(c: FunctionCapture, a: ArrayValue) -> NpScalar:
    dtype = a.kind.dtype
    if dtype in FLOATS:
        if a.kind.ndim != 1:
            raise GraphBreak("the sum of a float array of more than one dimension is not compiled")
        total = _r(c, pyarray.SumOp(a.data, a.shape[0], a.strides[0], dtype))
        return NpScalar(total, dtype)

    def body(index: list[SSAValue], acc: list[SSAValue]) -> list[SSAValue]:
        item = c.cast(load(c, a, index).value, INT)
        return [_r(c, arith.AddiOp(acc[0], item))]

    (total,) = for_each(c, a.shape, [c.const(0)], body)
    return NpScalar(total, "int64")


def reduce_extreme(c: FunctionCapture, a: ArrayValue, largest: bool) -> NpScalar:
    """`a.max()` / `a.min()`: NaN wins; an empty array raises (hands back); a zero
    result hands back for floats (which zero NumPy returns depends on its loop)."""
    dtype = a.kind.dtype
    c.guard(_r(c, g.CmpOp("gt", size_of(c, a), c.const(0))), "ValueError")
    start = load(c, a, [c.const(0)] * a.kind.ndim).value
    predicate = "gt" if largest else "lt"

    def body(index: list[SSAValue], acc: list[SSAValue]) -> list[SSAValue]:
        item = load(c, a, index).value
        if dtype == "bool":
            better = _r(c, g.CmpOp(predicate, c.cast(item, INT), c.cast(acc[0], INT)))
        else:
            better = _r(c, g.CmpOp(predicate, item, acc[0]))
        if dtype in FLOATS:
            better = _r(c, g.OrOp(better, _r(c, g.CmpOp("ne", item, item))))
            keep_nan = _r(c, g.CmpOp("ne", acc[0], acc[0]))
            better = _r(c, g.AndOp(better, _r(c, g.XorOp(keep_nan, c.const(True)))))
        return [_r(c, g.SelectOp(better, item, acc[0]))]

    (best,) = for_each(c, a.shape, [start], body)
    if dtype in FLOATS:
        c.guard(_r(c, g.CmpOp("ne", best, c.const(0.0))))
    return NpScalar(best, dtype)


def _no_arguments(name: str, args: list[Value]) -> None:
    if args:
        raise GraphBreak(f"{name}() with an axis or other arguments is not compiled")


@method(ArrayValue, "sum")
def _sum_method(c: FunctionCapture, a: ArrayValue, args: list[Value]) -> Value:
    _no_arguments("ndarray.sum", args)
    return reduce_sum(c, a)


@method(ArrayValue, "max")
def _max_method(c: FunctionCapture, a: ArrayValue, args: list[Value]) -> Value:
    _no_arguments("ndarray.max", args)
    return reduce_extreme(c, a, True)


@method(ArrayValue, "min")
def _min_method(c: FunctionCapture, a: ArrayValue, args: list[Value]) -> Value:
    _no_arguments("ndarray.min", args)
    return reduce_extreme(c, a, False)


def _np_reduction(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    if len(args) != 1 or not is_array(args[0]):
        return None
    if target is np.sum:
        return reduce_sum(c, args[0])
    return reduce_extreme(c, args[0], target in (np.max, np.amax))


for _reduction in (np.sum, np.max, np.min, np.amax, np.amin):
    builtins.value_builtin(_reduction)(_np_reduction)


@builtins.value_builtin(np.dot)
def _dot(c: FunctionCapture, target: Any, args: list[Value]) -> Value | None:
    """`np.dot` of two 1-d integer arrays (exact in any order: ints wrap). Float dots
    call BLAS in NumPy, whose summation order is its own: not compiled."""
    if len(args) != 2 or not all(is_array(a) for a in args):
        return None
    a, b = args
    if a.kind.ndim != 1 or b.kind.ndim != 1:
        raise GraphBreak("np.dot of other than two 1-d arrays is not compiled")
    dtype = result_dtype(a.kind.dtype, b.kind.dtype)
    if dtype not in INTS:
        raise GraphBreak("np.dot of float arrays (NumPy calls BLAS) is not compiled")
    c.guard(_r(c, g.CmpOp("eq", a.shape[0], b.shape[0])), "ValueError")

    def body(index: list[SSAValue], acc: list[SSAValue]) -> list[SSAValue]:
        x = c.cast(load(c, a, index).value, INT)
        y = c.cast(load(c, b, index).value, INT)
        return [_r(c, arith.AddiOp(acc[0], _r(c, arith.MuliOp(x, y))))]

    (total,) = for_each(c, [a.shape[0]], [c.const(0)], body)
    if dtype == "int32":
        total = _r(c, arith.ExtSIOp(_r(c, arith.TruncIOp(total, IntegerType(32))), INT))
    return NpScalar(total, dtype)
