"""Logged NumPy calls to graphlet tensor ops, with NumPy's semantics.

graphlet's tensor ops follow PyTorch's typing (operands of one element type, int
true division gives f32); NumPy's rules win here because every operand is cast to
the dtype NumPy's own type resolution picks (`ufunc.resolve_dtypes`, with Python
numbers weak as in NumPy 2) before the op, and every result is checked against the
dtype and shape of the eager run. Where an op's PyTorch meaning differs from
NumPy's (signed zeros of `maximum` and float `%`), the handler builds NumPy's from
selects. One handler per NumPy name, registered with `@handles`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from xdsl.builder import Builder
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, StringAttr, TensorType
from xdsl.ir import Block, Operation, SSAValue
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects import graphlet as g
from graphlet.frontend.numpy_trace.proxy import Call, Ref, TraceError

TRACED_DTYPES = ("float32", "float64", "int64", "bool")
"""The array dtypes the trace takes: graphlet's tensors have int32 too, but NumPy's int32
rules are not tested through the trace, so it stays out."""


def traced_element(dtype: Any) -> Any:
    """The tensor element type of a dtype the trace takes (TypeError for the others)."""
    if np.dtype(dtype).name not in TRACED_DTYPES:
        raise TypeError(
            f"graphlet traces arrays of {', '.join(TRACED_DTYPES)}, not {np.dtype(dtype)}"
        )
    return g.element_type_of_dtype(dtype)


class Unsupported(Exception):
    """A call the handler cannot express; the emitter names the call and its line."""


Handler = Callable[..., SSAValue | Sequence[SSAValue]]
OpBuilder = Callable[..., Operation]
"""An op class, called with its operands."""
UFUNCS: dict[str, Handler] = {}
"""Ufunc name -> handler(emitter, loop dtype of the inputs, *operands cast to it)."""
FUNCTIONS: dict[str, Handler] = {}
"""NumPy function or proxy operation name -> handler(emitter, call, *args, **kwargs)."""


def handles(table: dict[str, Handler], *names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            table[name] = fn
        return fn

    return register


def _location(line: str) -> FileLineColLoc | None:
    """The location of a call's `file:line: code`."""
    file, _, rest = line.partition(":")
    number = rest.partition(":")[0]
    if not number.isdigit():
        return None
    return FileLineColLoc(StringAttr(file), IntAttr(int(number)), IntAttr(0))


class Emitter:
    """Builds `func.func @forward`'s body from the connected calls."""

    def __init__(self, block: Block) -> None:
        self.block = block
        self.builder = Builder(InsertPoint.at_end(block))
        self.values: dict[int, SSAValue] = {}
        self.location: FileLineColLoc | None = None
        """The user's line of the call being emitted, given to its ops (a pass's error
        about one, `graphlet-autodiff`'s, names it)."""

    def emit(self, op: Operation) -> SSAValue:
        op.verify()  # now, so that a bad operand names the call that made it
        if self.location is not None:
            op.location = self.location
        self.builder.insert(op)
        return op.results[0]

    def constant(self, value: Any, dtype: np.dtype) -> SSAValue:
        array = np.asarray(value, dtype=dtype)
        return self.emit(g.ConstantOp.from_array(array, self.element(dtype)))

    @staticmethod
    def element(dtype: Any) -> Any:
        try:
            return traced_element(dtype)
        except TypeError as e:
            raise Unsupported(str(e)) from None

    def cast(self, v: SSAValue, dtype: np.dtype) -> SSAValue:
        elem = self.element(dtype)
        if g.element_type(v.type) == elem:
            return v
        return self.emit(g.CastOp(v, TensorType(elem, g.shape_of(v.type))))

    def operand(self, value: Any, dtype: np.dtype) -> SSAValue:
        """A traced value cast to `dtype`, or a constant of it."""
        if isinstance(value, SSAValue):
            return self.cast(value, dtype)
        if isinstance(value, np.ndarray | np.generic | bool | int | float):
            return self.constant(value, dtype)
        raise Unsupported(f"operand {value!r} is neither an array nor a number")

    def dtype_of(self, value: Any) -> Any:
        """What NumPy's type resolution sees: a dtype, or a weak Python number's type."""
        if isinstance(value, SSAValue):
            return g.np_dtype(value.type)
        if isinstance(value, np.ndarray | np.generic):
            return value.dtype
        if isinstance(value, bool):
            return np.dtype(np.bool_)
        if isinstance(value, int | float):
            return type(value)
        raise Unsupported(f"operand {value!r} is neither an array nor a number")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.values[value.id]
        if isinstance(value, tuple | list):
            return type(value)(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def call(self, call: Call) -> None:
        """Emit one call and check its results against the eager run's."""
        self.location = _location(call.line)
        try:
            results = self._call(call)
        except (Unsupported, TypeError, ValueError, KeyError, VerifyException) as e:
            raise TraceError(f"{call.line}: graphlet cannot trace {call.name}: {e}") from None
        results = [results] if isinstance(results, SSAValue) else list(results)
        if len(results) != len(call.outputs):
            raise TraceError(f"{call.line}: graphlet cannot trace {call.name}")
        for id_, value, real in zip(call.outputs, results, call.results):
            want = TensorType(self.element(real.dtype), real.shape)
            if value.type != want:
                raise TraceError(
                    f"{call.line}: graphlet cannot trace {call.name}: it would give "
                    f"{value.type}, NumPy gives {real.dtype} of shape {real.shape}"
                )
            self.values[id_] = value

    def _call(self, call: Call) -> SSAValue | Sequence[SSAValue]:
        args, kwargs = self.resolve(call.args), self.resolve(call.kwargs)
        if isinstance(call.target, np.ufunc):
            return self._ufunc(call, args, kwargs)
        name = call.target if isinstance(call.target, str) else call.target.__name__
        handler = FUNCTIONS.get(name)
        if handler is None:
            raise Unsupported("no translation to graphlet ops")
        return handler(self, call, *args, **kwargs)

    def _ufunc(self, call: Call, args: Any, kwargs: dict[str, Any]) -> SSAValue:
        ufunc: np.ufunc = call.target
        if call.method == "inplace":
            target, other = args
            value = self.ufunc(ufunc, [target, other])
            return self.cast(value, g.np_dtype(target.type))
        if call.method == "reduce":
            return self._ufunc_reduce(call, ufunc, *args, **kwargs)
        if call.method == "outer" and not kwargs:
            return self.outer(ufunc, *args)
        if kwargs:
            raise Unsupported(f"keyword arguments {sorted(kwargs)}")
        if call.method != "__call__":
            raise Unsupported(f"ufunc method {call.method}")
        return self.ufunc(ufunc, list(args))

    def ufunc(self, ufunc: np.ufunc, args: Sequence[Any]) -> SSAValue:
        handler = UFUNCS.get(ufunc.__name__)
        if handler is None or getattr(np, ufunc.__name__, None) is not ufunc:
            raise Unsupported("no translation to graphlet ops")
        dtypes = ufunc.resolve_dtypes((*(self.dtype_of(a) for a in args), *[None] * ufunc.nout))
        operands = [self.operand(a, d) for a, d in zip(args, dtypes)]
        result = handler(self, dtypes[0], *operands)
        assert isinstance(result, SSAValue)
        return self.cast(result, dtypes[-1])

    def outer(self, ufunc: np.ufunc, a: Any, b: Any) -> SSAValue:
        """`ufunc.outer(a, b)`: `a` gets `b`'s dimensions as trailing 1s, then broadcasts."""
        a = self.operand(a, self.dtype_of(a))
        b = self.operand(b, self.dtype_of(b))
        shape = (*g.shape_of(a.type), *[1] * len(g.shape_of(b.type)))
        return self.ufunc(ufunc, [self.emit(g.ReshapeOp(a, shape)), b])

    def _ufunc_reduce(
        self, call: Call, ufunc: np.ufunc, x: Any, axis: Any = 0, keepdims: bool = False
    ) -> SSAValue:
        reductions = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}
        name = reductions.get(ufunc.__name__)
        if name is None:
            raise Unsupported(f"{ufunc.__name__}.reduce")
        result = FUNCTIONS[name](self, call, x, axis, keepdims=keepdims)
        assert isinstance(result, SSAValue)
        return result


# --------------------------------------------------------------------------- ufuncs


def _simple(op: OpBuilder) -> Handler:
    return lambda e, dtype, *xs: e.emit(op(*xs))


_SIMPLE: dict[str, OpBuilder] = {
    "subtract": g.SubOp,
    "divide": g.TrueDivOp,
    "floor_divide": g.FloorDivOp,
    "negative": g.NegOp,
    "exp": g.ExpOp,
    "log": g.LogOp,
    "sqrt": g.SqrtOp,
    "sin": g.SinOp,
    "cos": g.CosOp,
    "tan": g.TanOp,
    "tanh": g.TanhOp,
    "rint": g.RintOp,
    "exp2": g.Exp2Op,
    "log2": g.Log2Op,
    "log10": g.Log10Op,
    "log1p": g.Log1pOp,
    "expm1": g.Expm1Op,
    "sinh": g.SinhOp,
    "cosh": g.CoshOp,
    "arcsin": g.AsinOp,
    "arccos": g.AcosOp,
    "arctan": g.AtanOp,
    "arcsinh": g.AsinhOp,
    "arccosh": g.AcoshOp,
    "arctanh": g.AtanhOp,
    "matmul": g.MatmulOp,
    "bitwise_and": g.AndOp,
    "bitwise_or": g.OrOp,
    "bitwise_xor": g.XorOp,
}
for _name, _op in _SIMPLE.items():
    UFUNCS[_name] = _simple(_op)


def _arith_or_logic(arith: OpBuilder, logic: OpBuilder) -> Handler:
    def build(e: Emitter, dtype: np.dtype, a: SSAValue, b: SSAValue) -> SSAValue:
        return e.emit((logic if dtype == np.bool_ else arith)(a, b))

    return build


UFUNCS["add"] = _arith_or_logic(g.AddOp, g.OrOp)
UFUNCS["multiply"] = _arith_or_logic(g.MulOp, g.AndOp)
UFUNCS["positive"] = lambda e, dtype, x: x


def _integral(op: OpBuilder) -> Handler:
    """floor/ceil/trunc: ints and bools are already integral (NumPy keeps their dtype)."""
    return lambda e, dtype, x: x if dtype.kind in "biu" else e.emit(op(x))


UFUNCS["floor"] = _integral(g.FloorOp)
UFUNCS["ceil"] = _integral(g.CeilOp)
UFUNCS["trunc"] = _integral(g.TruncOp)


@handles(UFUNCS, "logaddexp")
def _logaddexp(e: Emitter, dtype: np.dtype, x: SSAValue, y: SSAValue) -> SSAValue:
    """NumPy's `npy_logaddexp`: x + log(2) when equal (same-signed infinities), else the
    larger plus log1p(exp(-|x - y|)); NaN stays NaN."""
    diff = e.emit(g.SubOp(x, y))
    x_larger = e.emit(g.AddOp(x, e.emit(g.Log1pOp(e.emit(g.ExpOp(e.emit(g.NegOp(diff))))))))
    y_side = e.emit(g.AddOp(y, e.emit(g.Log1pOp(e.emit(g.ExpOp(diff))))))
    zero = e.constant(0, dtype)
    rest = e.emit(g.SelectOp(e.emit(g.CmpOp("le", diff, zero)), y_side, diff))
    result = e.emit(g.SelectOp(e.emit(g.CmpOp("gt", diff, zero)), x_larger, rest))
    equal = e.emit(g.CmpOp("eq", x, y))
    return e.emit(g.SelectOp(equal, e.emit(g.AddOp(x, e.constant(math.log(2), dtype))), result))


UFUNCS["absolute"] = lambda e, dtype, x: x if dtype == np.bool_ else e.emit(g.AbsOp(x))
UFUNCS["square"] = lambda e, dtype, x: e.emit(g.MulOp(x, x))


def _numpy_extremum(predicate: str, int_op: OpBuilder) -> Handler:
    """NumPy's `maximum`/`minimum` on floats: `a` if `a > b` (`<`) or `a` is NaN, else
    `b` (so NaN propagates, and of two zeros the second wins); ints and bools plainly."""

    def build(e: Emitter, dtype: np.dtype, a: SSAValue, b: SSAValue) -> SSAValue:
        if dtype.kind != "f":
            if dtype == np.bool_:
                return e.emit((g.OrOp if predicate == "gt" else g.AndOp)(a, b))
            return e.emit(int_op(a, b))
        wins = e.emit(g.OrOp(e.emit(g.CmpOp(predicate, a, b)), e.emit(g.CmpOp("ne", a, a))))
        return e.emit(g.SelectOp(wins, a, b))

    return build


UFUNCS["maximum"] = _numpy_extremum("gt", g.MaxOp)
UFUNCS["minimum"] = _numpy_extremum("lt", g.MinOp)


@handles(UFUNCS, "remainder")
def _remainder(e: Emitter, dtype: np.dtype, a: SSAValue, b: SSAValue) -> SSAValue:
    """NumPy's float `%` gives a zero the divisor's sign (graphlet's, PyTorch's, the
    dividend's)."""
    mod = e.emit(g.ModOp(a, b))
    if dtype.kind != "f":
        return mod
    signed_zero = e.emit(
        g.SelectOp(
            e.emit(g.CmpOp("lt", b, e.constant(0, dtype))),
            e.constant(-0.0, dtype),
            e.constant(0.0, dtype),
        )
    )
    return e.emit(g.SelectOp(e.emit(g.CmpOp("eq", mod, e.constant(0, dtype))), signed_zero, mod))


@handles(UFUNCS, "power")
def _power(e: Emitter, dtype: np.dtype, a: SSAValue, b: SSAValue) -> SSAValue:
    """Int powers need a known exponent >= 0: NumPy raises for negative ones."""
    if dtype.kind in "iub":
        owner = b.owner
        if not isinstance(owner, g.ConstantOp) or (g.array_of(owner.value) < 0).any():
            raise Unsupported("an int power needs a constant exponent >= 0 (NumPy raises below 0)")
    return e.emit(g.PowOp(a, b))


def _compare(predicate: str) -> Handler:
    return lambda e, dtype, a, b: e.emit(g.CmpOp(predicate, a, b))


for _name, _predicate in {
    "less": "lt",
    "less_equal": "le",
    "greater": "gt",
    "greater_equal": "ge",
    "equal": "eq",
    "not_equal": "ne",
}.items():
    UFUNCS[_name] = _compare(_predicate)


def _logical(op: OpBuilder) -> Handler:
    def build(e: Emitter, dtype: np.dtype, a: SSAValue, b: SSAValue) -> SSAValue:
        return e.emit(op(e.cast(a, np.dtype(np.bool_)), e.cast(b, np.dtype(np.bool_))))

    return build


UFUNCS["logical_and"] = _logical(g.AndOp)
UFUNCS["logical_or"] = _logical(g.OrOp)
UFUNCS["logical_xor"] = _logical(g.XorOp)
UFUNCS["logical_not"] = lambda e, dtype, x: e.emit(
    g.CmpOp("eq", e.cast(x, np.dtype(np.bool_)), e.constant(False, np.dtype(np.bool_)))
)
UFUNCS["isnan"] = lambda e, dtype, x: e.emit(g.CmpOp("ne", x, x))
UFUNCS["isinf"] = lambda e, dtype, x: e.emit(
    g.CmpOp("eq", e.emit(g.AbsOp(x)), e.constant(math.inf, dtype))
)
UFUNCS["isfinite"] = lambda e, dtype, x: e.emit(
    g.CmpOp("lt", e.emit(g.AbsOp(x)), e.constant(math.inf, dtype))
)


@handles(UFUNCS, "sign")
def _sign(e: Emitter, dtype: np.dtype, x: SSAValue) -> SSAValue:
    """1, -1, or x itself for zeros and NaN, except that NumPy's sign of -0.0 is 0.0."""
    one, minus_one, zero = (e.constant(v, dtype) for v in (1, -1, 0))
    rest = x
    if dtype.kind == "f":
        rest = e.emit(g.SelectOp(e.emit(g.CmpOp("eq", x, zero)), zero, x))
    negative = e.emit(g.SelectOp(e.emit(g.CmpOp("lt", x, zero)), minus_one, rest))
    return e.emit(g.SelectOp(e.emit(g.CmpOp("gt", x, zero)), one, negative))


@handles(UFUNCS, "invert")
def _invert(e: Emitter, dtype: np.dtype, x: SSAValue) -> SSAValue:
    return e.emit(g.XorOp(x, e.constant(True if dtype == np.bool_ else -1, dtype)))


# --------------------------------------------------------------------------- functions


def _axes(axis: Any, rank: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(rank))
    axes = axis if isinstance(axis, tuple | list) else (axis,)
    for a in axes:
        if not -rank <= a < rank:
            raise Unsupported(f"axis {a} is out of range for {rank} dimensions")
    return tuple(sorted(a % rank for a in axes))


def _no_extras(**extras: Any) -> None:
    used = [k for k, v in extras.items() if v is not None and v is not np._NoValue]
    if used:
        raise Unsupported(f"arguments {used} are not traced")


def _reduction(op: type[g.ReduceOp]) -> Handler:
    def build(
        e: Emitter,
        call: Call,
        x: Any,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        keepdims: Any = False,
        initial: Any = None,
        where: Any = None,
    ) -> SSAValue:
        _no_extras(out=out, initial=initial, where=where if where is not True else None)
        real = call.results[0]
        x = e.operand(x, np.dtype(dtype) if dtype is not None else e.dtype_of(x))
        if op is g.MeanOp:
            x = e.cast(x, real.dtype)
        keep = bool(keepdims) if keepdims is not np._NoValue else False
        return e.emit(op(x, _axes(axis, len(g.shape_of(x.type))), keep))

    return build


FUNCTIONS["sum"] = _reduction(g.SumOp)
FUNCTIONS["prod"] = _reduction(g.ProdOp)
FUNCTIONS["mean"] = _reduction(g.MeanOp)


def _moment(root: bool) -> Handler:
    """var/std as NumPy computes them: mean(|x - mean(x)|**2) times n / (n - ddof)."""

    def build(
        e: Emitter,
        call: Call,
        x: Any,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        ddof: Any = 0,
        keepdims: Any = False,
        **extras: Any,
    ) -> SSAValue:
        _no_extras(out=out, **{k: v for k, v in extras.items() if k != "where" or v is not True})
        real = call.results[0]
        v = e.operand(x, real.dtype)
        shape = g.shape_of(v.type)
        axes = _axes(axis, len(shape))
        keep = bool(keepdims) if keepdims is not np._NoValue else False
        centered = e.emit(g.SubOp(v, e.emit(g.MeanOp(v, axes, True))))
        total = e.emit(g.SumOp(e.emit(g.MulOp(centered, centered)), axes, keep))
        count = math.prod(shape[a] for a in axes) - ddof
        result = e.emit(g.TrueDivOp(total, e.constant(max(count, 0), real.dtype)))
        return e.emit(g.SqrtOp(result)) if root else result

    return build


FUNCTIONS["var"] = _moment(root=False)
FUNCTIONS["std"] = _moment(root=True)


def _any_all(op: type[g.ReduceOp]) -> Handler:
    def build(
        e: Emitter, call: Call, x: Any, axis: Any = None, out: Any = None, keepdims: Any = False,
        **extras: Any,
    ) -> SSAValue:  # fmt: skip
        _no_extras(out=out, **{k: v for k, v in extras.items() if k != "where" or v is not True})
        v = e.operand(x, np.dtype(np.bool_))
        keep = bool(keepdims) if keepdims is not np._NoValue else False
        return e.emit(op(v, _axes(axis, len(g.shape_of(v.type))), keep))

    return build


FUNCTIONS["any"] = _any_all(g.AmaxOp)
FUNCTIONS["all"] = _any_all(g.AminOp)


@handles(FUNCTIONS, "cumsum", "cumprod")
def _scan(
    e: Emitter, call: Call, x: Any, axis: Any = None, dtype: Any = None, out: Any = None
) -> SSAValue:
    _no_extras(out=out)
    real = call.results[0]
    v = e.operand(x, real.dtype)
    if axis is None:
        v = e.emit(g.ReshapeOp(v, (math.prod(g.shape_of(v.type)),)))
        axis = 0
    (dim,) = _axes(axis, len(g.shape_of(v.type)))
    op = g.CumsumOp if call.target.__name__ == "cumsum" else g.CumprodOp
    return e.emit(op(v, dim))


def _extreme(op: type[g.ReduceOp]) -> Handler:
    def build(
        e: Emitter,
        call: Call,
        x: Any,
        axis: Any = None,
        out: Any = None,
        keepdims: Any = False,
        initial: Any = None,
        where: Any = None,
    ) -> SSAValue:
        _no_extras(out=out, initial=initial, where=where if where is not True else None)
        x = e.operand(x, e.dtype_of(x))
        keep = bool(keepdims) if keepdims is not np._NoValue else False
        return e.emit(op(x, _axes(axis, len(g.shape_of(x.type))), keep))

    return build


FUNCTIONS["max"] = FUNCTIONS["amax"] = _extreme(g.AmaxOp)
FUNCTIONS["min"] = FUNCTIONS["amin"] = _extreme(g.AminOp)


def _arg_extreme(op: type[g.ReduceOp], predicate: str) -> Handler:
    """argmax/argmin: the first index of the extreme value, a NaN counting as extreme
    (NumPy's answer), as the min over `where(x is extreme, index, size)`."""

    def build(
        e: Emitter, call: Call, x: Any, axis: Any = None, out: Any = None, keepdims: Any = False
    ) -> SSAValue:
        _no_extras(out=out)
        x = e.operand(x, e.dtype_of(x))
        if axis is None:
            x = e.emit(g.ReshapeOp(x, (math.prod(g.shape_of(x.type)),)))
            axis = 0
        shape = g.shape_of(x.type)
        (dim,) = _axes(axis, len(shape))
        extreme = e.emit(op(x, (dim,), True))
        hit = e.emit(g.CmpOp("eq", x, extreme))
        if g.np_dtype(x.type).kind == "f":
            hit = e.emit(g.OrOp(hit, e.emit(g.CmpOp("ne", x, x))))
        index_shape = [1] * len(shape)
        index_shape[dim] = shape[dim]
        index = e.constant(np.arange(shape[dim]).reshape(index_shape), np.dtype(np.int64))
        size = e.constant(shape[dim], np.dtype(np.int64))
        first = e.emit(g.SelectOp(hit, index, size))
        return e.emit(g.AminOp(first, (dim,), bool(keepdims)))

    return build


FUNCTIONS["argmax"] = _arg_extreme(g.AmaxOp, "gt")
FUNCTIONS["argmin"] = _arg_extreme(g.AminOp, "lt")


def _reshaped(e: Emitter, call: Call, x: Any, *args: Any, **kwargs: Any) -> SSAValue:
    """Same elements in row-major order, the eager result's shape."""
    if kwargs.get("order", "C") not in ("C", None):
        raise Unsupported(f"order={kwargs['order']!r}")
    x = e.operand(x, e.dtype_of(x))
    shape = call.results[0].shape
    return x if g.shape_of(x.type) == shape else e.emit(g.ReshapeOp(x, shape))


for _name in ("reshape", "ravel", "squeeze", "expand_dims", "atleast_1d", "atleast_2d"):
    FUNCTIONS[_name] = _reshaped


@handles(FUNCTIONS, "copy", "ascontiguousarray")
def _copy(e: Emitter, call: Call, x: Any, *args: Any, **kwargs: Any) -> SSAValue:
    return e.operand(x, e.dtype_of(x))


@handles(FUNCTIONS, "transpose", "permute_dims")
def _transpose(e: Emitter, call: Call, x: Any, axes: Any = None) -> SSAValue:
    x = e.operand(x, e.dtype_of(x))
    rank = len(g.shape_of(x.type))
    perm = tuple(reversed(range(rank))) if axes is None else tuple(a % rank for a in axes)
    return e.emit(g.TransposeOp(x, perm))


@handles(FUNCTIONS, "swapaxes")
def _swapaxes(e: Emitter, call: Call, x: Any, axis1: int, axis2: int) -> SSAValue:
    x = e.operand(x, e.dtype_of(x))
    rank = len(g.shape_of(x.type))
    perm = list(range(rank))
    perm[axis1 % rank], perm[axis2 % rank] = perm[axis2 % rank], perm[axis1 % rank]
    return e.emit(g.TransposeOp(x, perm))


@handles(FUNCTIONS, "broadcast_to")
def _broadcast_to(e: Emitter, call: Call, x: Any, shape: Any, subok: bool = False) -> SSAValue:
    x = e.operand(x, e.dtype_of(x))
    return e.emit(g.ExpandOp(x, call.results[0].shape))


@handles(FUNCTIONS, "concatenate", "concat")
def _concatenate(
    e: Emitter, call: Call, arrays: Any, axis: Any = 0, out: Any = None, **kwargs: Any
) -> SSAValue:
    _no_extras(out=out, **kwargs)
    real = call.results[0]
    parts = [e.operand(a, real.dtype) for a in arrays]
    if axis is None:
        parts = [e.emit(g.ReshapeOp(p, (math.prod(g.shape_of(p.type)),))) for p in parts]
        axis = 0
    return e.emit(g.CatOp(parts, axis % real.ndim))


@handles(FUNCTIONS, "stack")
def _stack(
    e: Emitter, call: Call, arrays: Any, axis: int = 0, out: Any = None, **kw: Any
) -> SSAValue:
    _no_extras(out=out, **kw)
    real = call.results[0]
    dim = axis % real.ndim
    parts = []
    for a in arrays:
        v = e.operand(a, real.dtype)
        shape = list(g.shape_of(v.type))
        shape.insert(dim, 1)
        parts.append(e.emit(g.ReshapeOp(v, shape)))
    return e.emit(g.CatOp(parts, dim))


@handles(FUNCTIONS, "where")
def _where(e: Emitter, call: Call, cond: Any, *values: Any) -> SSAValue:
    if len(values) != 2:
        raise Unsupported("numpy.where(cond) has a data-dependent shape")
    real = call.results[0]
    c = e.operand(cond, np.dtype(np.bool_))
    a, b = (e.operand(v, real.dtype) for v in values)
    return e.emit(g.SelectOp(c, a, b))


@handles(FUNCTIONS, "dot")
def _dot(e: Emitter, call: Call, a: Any, b: Any, out: Any = None) -> SSAValue:
    _no_extras(out=out)
    ranks = [len(g.shape_of(v.type)) if isinstance(v, SSAValue) else np.ndim(v) for v in (a, b)]
    ufunc = np.multiply if 0 in ranks else np.matmul
    if max(ranks) > 2:
        raise Unsupported("numpy.dot of arrays with more than 2 dimensions")
    return e.ufunc(ufunc, [a, b])


@handles(FUNCTIONS, "outer")
def _outer(e: Emitter, call: Call, a: Any, b: Any, out: Any = None) -> SSAValue:
    _no_extras(out=out)
    flat = []
    for v in (a, b):
        v = e.operand(v, e.dtype_of(v))
        flat.append(e.emit(g.ReshapeOp(v, (math.prod(g.shape_of(v.type)),))))
    return e.outer(np.multiply, *flat)


@handles(FUNCTIONS, "norm")
def _norm(
    e: Emitter, call: Call, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False
) -> SSAValue:
    """`numpy.linalg.norm` for the 2-norm (Frobenius for matrices): sqrt(sum(x*x))."""
    if ord is not None:
        raise Unsupported(f"ord={ord!r}")
    if call.target.__module__ != "numpy.linalg":
        raise Unsupported("no translation to graphlet ops")
    real = call.results[0]
    v = e.operand(x, real.dtype)
    axes = _axes(axis, len(g.shape_of(v.type)))
    total = e.emit(g.SumOp(e.emit(g.MulOp(v, v)), axes, bool(keepdims)))
    return e.emit(g.SqrtOp(total))


@handles(FUNCTIONS, "clip")
def _clip(
    e: Emitter, call: Call, x: Any, a_min: Any = None, a_max: Any = None, **kw: Any
) -> SSAValue:
    _no_extras(out=kw.pop("out", None))
    a_min, a_max = kw.pop("min", a_min), kw.pop("max", a_max)
    _no_extras(**kw)
    value = x
    if a_min is not None:
        value = e.ufunc(np.maximum, [value, a_min])
    if a_max is not None:
        value = e.ufunc(np.minimum, [value, a_max])
    return e.operand(value, call.results[0].dtype)


@handles(FUNCTIONS, "round", "around")
def _round(e: Emitter, call: Call, x: Any, decimals: int = 0, out: Any = None) -> SSAValue:
    """NumPy's recipe: rint(x * 10**d) / 10**d (x / 10**-d, then times, below 0)."""
    _no_extras(out=out)
    v = e.operand(x, e.dtype_of(x))
    dtype = g.np_dtype(v.type)
    if dtype.kind != "f":
        if decimals < 0:
            raise Unsupported("rounding ints to negative decimals")
        return v
    if decimals == 0:
        return e.emit(g.RintOp(v))
    factor = e.constant(10.0 ** abs(decimals), dtype)
    if decimals > 0:
        return e.emit(g.TrueDivOp(e.emit(g.RintOp(e.emit(g.MulOp(v, factor)))), factor))
    return e.emit(g.MulOp(e.emit(g.RintOp(e.emit(g.TrueDivOp(v, factor)))), factor))


@handles(FUNCTIONS, "zeros_like", "ones_like", "full_like", "empty_like")
def _like(e: Emitter, call: Call, *args: Any, **kwargs: Any) -> SSAValue:
    """Values that depend only on a shape and dtype, both guarded: a constant."""
    if any(isinstance(v, SSAValue) for v in (*args[1:], *kwargs.values())):
        raise Unsupported("a fill value computed from the inputs")
    real = call.results[0]
    value = np.zeros_like(real) if call.target.__name__ == "empty_like" else real
    return e.constant(value, real.dtype)


@handles(FUNCTIONS, "astype")
def _astype(e: Emitter, call: Call, x: Any, dtype: np.dtype, casting: str = "unsafe") -> SSAValue:
    return e.operand(x, dtype)


@handles(FUNCTIONS, "getitem")
def _getitem(e: Emitter, call: Call, x: SSAValue, key: Any) -> SSAValue:
    """Basic indexing (ints, slices, None, ...): a slice (a gather for a negative
    step), then a reshape to NumPy's result shape."""
    shape = g.shape_of(x.type)
    items = list(key) if isinstance(key, tuple) else [key]
    if any(isinstance(k, SSAValue | np.ndarray | list) for k in items):
        return _advanced_index(e, x, items)
    starts, ends, steps, gathers = _box(key, shape)
    if (starts, ends, steps) != ([0] * len(shape), list(shape), [1] * len(shape)):
        x = e.emit(g.SliceOp(x, starts, ends, steps))
    for dim, positions in gathers:
        index = e.constant(positions, np.dtype(np.int64))
        x = e.emit(g.IndexOp(x, [index], [dim]))
    want = call.results[0].shape
    return x if g.shape_of(x.type) == want else e.emit(g.ReshapeOp(x, want))


def _advanced_index(e: Emitter, x: SSAValue, items: list[Any]) -> SSAValue:
    """`x[..., idx, :, jdx]`: int arrays at some dimensions, the others whole (NumPy's
    layout of the result, negatives counted from the end; an index out of range makes
    the kernel report it and the call is redone by NumPy, which raises)."""
    rank = len(g.shape_of(x.type))
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (rank - len(items) + 1)
    dims, indices = [], []
    for d, k in enumerate(items):
        if isinstance(k, slice) and k == slice(None):
            continue
        if isinstance(k, list):
            k = np.asarray(k)
        is_array = isinstance(k, SSAValue | np.ndarray)
        kind = g.np_dtype(k.type).kind if isinstance(k, SSAValue) else getattr(k, "dtype", None)
        if is_array and (kind == "b" or getattr(kind, "kind", None) == "b"):
            raise Unsupported("a boolean mask gives a data-dependent shape (use numpy.where)")
        if not is_array:
            raise Unsupported("array indices mixed with ints, partial slices or None")
        dims.append(d)
        indices.append(e.operand(k, np.dtype(np.int64)))
    return e.emit(g.IndexOp(x, indices, dims, wrap_negative=True))


@handles(FUNCTIONS, "take")
def _take(
    e: Emitter,
    call: Call,
    a: Any,
    indices: Any,
    axis: Any = None,
    out: Any = None,
    mode: str = "raise",
) -> SSAValue:
    _no_extras(out=out)
    if mode != "raise":
        raise Unsupported(f"mode={mode!r}")
    x = e.operand(a, e.dtype_of(a))
    if axis is None:
        x = e.emit(g.ReshapeOp(x, (math.prod(g.shape_of(x.type)),)))
        axis = 0
    (dim,) = _axes(axis, len(g.shape_of(x.type)))
    return _advanced_index(e, x, [slice(None)] * dim + [indices])


Box = tuple[list[int], list[int], list[int], list[tuple[int, np.ndarray]]]


def _box(key: Any, shape: Sequence[int]) -> Box:
    """The start, end and step per dimension that basic index `key` selects, and the
    positions a negative step picks (a gather along that dimension, which the box
    keeps whole)."""
    items = list(key) if isinstance(key, tuple) else [key]
    for k in items:
        if isinstance(k, SSAValue) and g.element_type(k.type) == g.BOOL:
            raise Unsupported("a boolean mask gives a data-dependent shape (use numpy.where)")
        if isinstance(k, SSAValue | np.ndarray | list):
            raise Unsupported("advanced (array) indexing")
    if items.count(Ellipsis) > 1:
        raise Unsupported("more than one Ellipsis")
    taking = sum(1 for k in items if k is not None and k is not Ellipsis)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (len(shape) - taking)
    starts: list[int] = []
    ends: list[int] = []
    steps: list[int] = []
    gathers: list[tuple[int, np.ndarray]] = []
    dims = iter(shape)
    for k in items:
        if k is None:
            continue
        n = next(dims)
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            positions = np.arange(start, stop, step)
            if step < 0 and positions.size:
                gathers.append((len(starts), positions))
                start, stop, step = 0, n, 1
            elif step < 0:
                start, stop, step = 0, 0, 1
            starts.append(start)
            ends.append(max(stop, start))
            steps.append(step)
        elif isinstance(k, int | np.integer):
            i = int(k) % n
            starts.append(i)
            ends.append(i + 1)
            steps.append(1)
        else:
            raise Unsupported(f"index {k!r}")
    for n in dims:
        starts.append(0)
        ends.append(n)
        steps.append(1)
    return starts, ends, steps, gathers


@handles(FUNCTIONS, "setitem")
def _setitem(e: Emitter, call: Call, x: SSAValue, key: Any, value: Any) -> SSAValue:
    """`x[box] = v` with unit steps: `x` rebuilt around `v` by concatenation, one
    dimension at a time (values, not memory)."""
    shape = g.shape_of(x.type)
    starts, ends, steps, gathers = _box(key, shape)
    if gathers or any(s != 1 for s in steps):
        raise Unsupported("assignment to a slice with a step")
    region = tuple(b - a for a, b in zip(starts, ends))
    view = np.broadcast_to(np.empty((), np.bool_), shape)[key].shape
    v = e.operand(value, g.np_dtype(x.type))
    if g.shape_of(v.type) != view:
        v = e.emit(g.ExpandOp(v, view))
    if view != region:
        v = e.emit(g.ReshapeOp(v, region))
    return _paste(e, x, v, starts, ends, 0)


def _paste(
    e: Emitter, x: SSAValue, v: SSAValue, starts: list[int], ends: list[int], dim: int
) -> SSAValue:
    shape = list(g.shape_of(x.type))
    if dim == len(shape):
        return v
    inner_starts = [0] * len(shape)
    inner_ends = list(shape)
    inner_starts[dim], inner_ends[dim] = starts[dim], ends[dim]
    middle = x
    if (starts[dim], ends[dim]) != (0, shape[dim]):
        middle = e.emit(g.SliceOp(x, inner_starts, inner_ends, [1] * len(shape)))
    middle = _paste(e, middle, v, starts, ends, dim + 1)
    parts = []
    if starts[dim] > 0:
        before_ends = list(shape)
        before_ends[dim] = starts[dim]
        parts.append(e.emit(g.SliceOp(x, [0] * len(shape), before_ends, [1] * len(shape))))
    parts.append(middle)
    if ends[dim] < shape[dim]:
        after_starts = [0] * len(shape)
        after_starts[dim] = ends[dim]
        parts.append(e.emit(g.SliceOp(x, after_starts, shape, [1] * len(shape))))
    return parts[0] if len(parts) == 1 else e.emit(g.CatOp(parts, dim))
