"""The `graphlet` dialect: value-semantics arithmetic with Python's meaning.

Types are `i1` (bool), `i64` (int) and `f64` (float). An `i64` value stands for a
Python int that happens to fit in 64 bits: every op's meaning is the Python
expression in its `py_operation`, evaluated on Python values. Folding, the
reference interpreter and the tests all read that one function. When a result
does not fit the declared type (an int past 64 bits, `2 ** -1`), native code
reports it and the runtime redoes the work in Python, so the answer is always
CPython's.

    %c = graphlet.add %a, %b : i64
    %q = graphlet.truediv %a, %b : i64        // result is f64, like `a / b`
    %t = graphlet.cmp lt, %a, %b : f64        // result is i1
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from xdsl.dialect_interfaces.constant_materialization import (
    ConstantMaterializationInterface,
)
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    UnitAttr,
    f32,
    f64,
    i1,
    i64,
)
from xdsl.interfaces import HasFolderInterface
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.printer import Printer
from xdsl.traits import (
    Commutative,
    ConditionallySpeculatable,
    ConstantLike,
    EffectInstance,
    HasCanonicalizationPatternsTrait,
    MemoryEffect,
    MemoryEffectKind,
    OpTrait,
    Pure,
)
from xdsl.utils.exceptions import VerifyException

from graphlet.abi import INT_MAX, INT_MIN, STATUS_CODES

BOOL, INT, FLOAT = i1, i64, f64
SCALAR_TYPES: tuple[Attribute, ...] = (BOOL, INT, FLOAT)
NUMERIC_TYPES: tuple[Attribute, ...] = (INT, FLOAT)


def python_type(t: Attribute) -> type:
    """The Python type an IR type stands for."""
    return {BOOL: bool, INT: int, FLOAT: float}[t]


def ir_type(value_or_type: Any) -> Attribute:
    """The IR type of a Python value or of a Python type (bool before int: bool is an int)."""
    t = value_or_type if isinstance(value_or_type, type) else type(value_or_type)
    for py, ir in ((bool, BOOL), (int, INT), (float, FLOAT)):
        if issubclass(t, py):
            return ir
    raise TypeError(f"graphlet has no scalar type for Python {t.__name__}")


def fits(value: Any, t: Attribute) -> bool:
    """Whether a Python value is exactly representable in IR type `t`."""
    if t == BOOL:
        return isinstance(value, bool)
    if t == INT:
        return type(value) is int and INT_MIN <= value <= INT_MAX
    if t == FLOAT:
        return type(value) is float
    return False


def has_python_type(value: Any, t: Attribute) -> bool:
    """Whether a Python value has the Python type a scalar IR type stands for (an `i64`
    is any Python int: ints past 64 bits are big ints, not a different type)."""
    expected = {BOOL: bool, INT: int, FLOAT: float}.get(t)
    return expected is None or type(value) is expected


class UnrepresentableResult(TypeError):
    """Python's result has another type than the op declares (`2 ** -1` is a float,
    `(-8.0) ** 0.5` a complex): compiled code hands such calls back to Python."""


def to_attr(value: Any, t: Attribute) -> IntegerAttr | FloatAttr:
    """The constant attribute of a Python value that `fits` type `t`."""
    if t == FLOAT:
        return FloatAttr(value, f64)
    assert isinstance(t, IntegerType)
    return IntegerAttr(int(value), t)


def from_attr(attr: Attribute) -> Any:
    """The Python value of a constant attribute (i1 constants are bools, dense
    tensors NumPy arrays)."""
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return array_of(attr)
    if isinstance(attr, FloatAttr):
        return float(attr.value.data)
    if isinstance(attr, IntegerAttr):
        if attr.type == BOOL:
            return attr.value.data != 0
        return attr.value.data
    raise TypeError(f"not a scalar constant: {attr}")


def _type_name(t: Attribute) -> str:
    return str(t)


# --------------------------------------------------------------------------- tensor types

TENSOR_ELEMENT_TYPES: tuple[Attribute, ...] = (f32, f64, i64, i1)
"""Element types of graphlet tensors: torch.float32, float64, int64 and bool."""

FLOAT_ELEMENT_TYPES: tuple[Attribute, ...] = (f32, f64)

_NP_DTYPES: dict[Attribute, np.dtype] = {
    f32: np.dtype(np.float32),
    f64: np.dtype(np.float64),
    i64: np.dtype(np.int64),
    i1: np.dtype(np.bool_),
}


def is_tensor(t: Attribute) -> bool:
    return isinstance(t, TensorType)


def element_type(t: Attribute) -> Attribute:
    """The element type of a tensor type; a scalar type is its own element type."""
    return t.get_element_type() if isinstance(t, TensorType) else t


def shape_of(t: Attribute) -> tuple[int, ...]:
    """The static shape of a tensor type; `()` for a scalar."""
    return tuple(t.get_shape()) if isinstance(t, TensorType) else ()


def np_dtype(t: Attribute) -> np.dtype:
    """The NumPy dtype of an element type or of a tensor type's elements."""
    return _NP_DTYPES[element_type(t)]


def element_type_of_dtype(dtype: Any) -> Attribute:
    """The element type of a NumPy dtype (raises for dtypes graphlet has no tensors of)."""
    for t, d in _NP_DTYPES.items():
        if np.dtype(dtype) == d:
            return t
    raise TypeError(f"graphlet has no tensors of dtype {np.dtype(dtype)}")


def shape_str(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape)) if shape else "0-d"


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy/PyTorch broadcasting: align at the right, a 1 stretches to any size."""
    rank = max((len(s) for s in shapes), default=0)
    result: list[int] = []
    for i in range(1, rank + 1):
        sizes = [s[-i] for s in shapes if len(s) >= i]
        stretched = {d for d in sizes if d != 1}
        if len(stretched) > 1:
            raise VerifyException(
                f"shapes {' and '.join(shape_str(s) for s in shapes)} do not broadcast "
                f"(dimension {-i}: {' vs '.join(map(str, sizes))})"
            )
        result.append(stretched.pop() if stretched else 1)
    return tuple(reversed(result))


def dense_attr(array: Any, t: TensorType) -> DenseIntOrFPElementsAttr:
    """The dense constant of an array, converted to tensor type `t`."""
    data = np.ascontiguousarray(np.broadcast_to(array, t.get_shape()), dtype=np_dtype(t))
    return DenseIntOrFPElementsAttr(t, BytesAttr(data.tobytes()))


def array_of(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The (read-only) array of a dense constant; a splat fills its shape."""
    elem, raw = attr.get_element_type(), attr.data.data
    if elem == i1:
        flat = np.frombuffer(raw, dtype=np.int8) != 0
    else:
        flat = np.frombuffer(raw, dtype=np_dtype(elem))
    shape = tuple(attr.get_shape())
    if flat.size == 1 and math.prod(shape) != 1:
        return np.broadcast_to(flat.reshape(()), shape)
    return flat.reshape(shape)


def _scalar_stand_in(elem: Attribute) -> Attribute:
    """The scalar type whose rules a tensor element type follows (f32 follows f64)."""
    return FLOAT if elem == f32 else elem


class RaisesLikePython(MemoryEffect):
    """No effect unless Python could raise for these operands: a raise is observable, so
    `dce` keeps an unused `a // b` (ZeroDivisionError) but drops an unused `a * b`,
    and `cse` never merges an op that may raise."""

    @classmethod
    def get_effects(cls, op: Operation) -> frozenset[EffectInstance]:
        assert isinstance(op, GraphletOp)
        return _RAISE_EFFECT if op.may_raise() else frozenset()


class SpeculatableUnlessRaising(ConditionallySpeculatable):
    """Hoisting an op that may raise out of a branch would raise where Python does not."""

    @classmethod
    def is_speculatable(cls, op: Operation) -> bool:
        assert isinstance(op, GraphletOp)
        return not op.may_raise()


_RAISE_EFFECT = frozenset((EffectInstance(MemoryEffectKind.WRITE),))


def python_pure() -> tuple[OpTrait, ...]:
    """The effect traits of an op that computes a value and raises only as Python does."""
    return (RaisesLikePython(), SpeculatableUnlessRaising())


class GraphletOp(IRDLOperation, HasFolderInterface):
    """Shared behaviour: Python meaning, verification of operand types, folding."""

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = SCALAR_TYPES
    """The operand types this op accepts."""

    @staticmethod
    def py_operation(*args: Any) -> Any:
        """The op's meaning: the Python expression it computes on Python values."""
        raise NotImplementedError

    @staticmethod
    def np_operation(*args: Any) -> Any:
        """The op's meaning on tensors: a NumPy function with PyTorch's semantics."""
        raise NotImplementedError

    RAISES: ClassVar[bool] = False
    """Whether Python raises for some operand values (zero divisors, domain errors)."""

    def may_raise(self) -> bool:
        """Whether this op can raise for its operands; tensor ops follow NumPy and never do."""
        if not self.RAISES or any(is_tensor(o.type) for o in self.operands):
            return False
        values = [ConstantLike.get_constant_value(o) for o in self.operands]
        if any(v is None for v in values):
            return self._may_raise_for_unknown_operands()
        args = [from_attr(v) for v in values]
        if self.cannot_fit(*args):
            return True
        try:
            result = self.evaluate(*args)
        except (ArithmeticError, ValueError):
            return True
        # A result the type cannot hold (`1 ** -1` is 1.0) is reported like a raise.
        return not fits(result, self.results[0].type)

    def _may_raise_for_unknown_operands(self) -> bool:
        return True

    def cannot_fit(self, *args: Any) -> bool:
        """Whether the scalar result on these operands surely has more than 64 bits, for
        ops whose Python result could take forever to compute (`3 ** 2**62`)."""
        return False

    def evaluate(self, *args: Any) -> Any:
        """Apply the op's meaning; ops with attributes (cmp, cast) override this."""
        if any(is_tensor(r.type) for r in self.results):
            return self.evaluate_tensors(*args)
        return self.py_operation(*args)

    def evaluate_tensors(self, *args: np.ndarray) -> np.ndarray:
        """`np_operation` on arrays; ints that become floats are converted first,
        so the math runs in the result's precision, as in PyTorch."""
        dtype = np_dtype(self.results[0].type)
        if dtype.kind == "f":
            args = tuple(a if a.dtype.kind == "f" else a.astype(dtype) for a in args)
        with np.errstate(all="ignore"):
            result = self.np_operation(*args)
        return np.asarray(result).astype(dtype, copy=False)

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return operand_type

    def derived_result_type(self, operand_type: Attribute, *others: Attribute) -> Attribute:
        """`result_type_for` on scalars; on tensors the same rule on the element type
        (f32 follows f64; an int tensor with a float result becomes f32, PyTorch's
        default dtype), over the broadcast shape of all operands."""
        if not is_tensor(operand_type) and not any(map(is_tensor, others)):
            return self.result_type_for(operand_type)
        elem = element_type(operand_type)
        result = self.result_type_for(_scalar_stand_in(elem))
        if result == FLOAT:
            result = elem if elem in FLOAT_ELEMENT_TYPES else f32
        shape = broadcast_shapes(*(shape_of(t) for t in (operand_type, *others)))
        return TensorType(result, shape)

    def _built_result_type(self, operand_type: Attribute, *others: Attribute) -> Attribute:
        """The derived result type, or the first operand's when the operands are
        invalid, so that the verifier reports the problem."""
        try:
            return self.derived_result_type(operand_type, *others)
        except (VerifyException, KeyError):
            return operand_type

    def _check_tensor_types(self, *types: Attribute) -> None:
        if not all(map(is_tensor, types)):
            got = " and ".join(_type_name(t) for t in types)
            raise VerifyException(
                f"'{self.name}' cannot mix scalar and tensor operands, got {got} (use a 0-d tensor)"
            )
        for t in types:
            elem = element_type(t)
            if elem not in TENSOR_ELEMENT_TYPES or _scalar_stand_in(elem) not in self.ALLOWED_TYPES:
                allowed = ", ".join(
                    _type_name(e)
                    for e in TENSOR_ELEMENT_TYPES
                    if _scalar_stand_in(e) in self.ALLOWED_TYPES
                )
                raise VerifyException(
                    f"'{self.name}' operand of type {_type_name(t)} does not have "
                    f"elements of type {allowed}"
                )
        if len({element_type(t) for t in types}) > 1:
            got = " and ".join(_type_name(element_type(t)) for t in types)
            raise VerifyException(
                f"'{self.name}' operands must have the same element type, got {got} "
                "(insert a graphlet.cast)"
            )
        try:
            broadcast_shapes(*(shape_of(t) for t in types))
        except VerifyException as e:
            raise VerifyException(f"'{self.name}' operand {e}") from None

    def _check_types(self, *types: Attribute) -> None:
        if any(map(is_tensor, types)):
            self._check_tensor_types(*types)
            return
        for t in types:
            if t not in self.ALLOWED_TYPES:
                allowed = ", ".join(_type_name(a) for a in self.ALLOWED_TYPES)
                raise VerifyException(
                    f"'{self.name}' operand of type {_type_name(t)} is not one of {allowed}"
                )
        if len(set(types)) > 1:
            got = " and ".join(_type_name(t) for t in types)
            raise VerifyException(
                f"'{self.name}' operands must have the same type, got {got} "
                "(insert a graphlet.cast)"
            )

    def _check_result(self, operand_type: Attribute, *others: Attribute) -> None:
        try:
            expected = self.derived_result_type(operand_type, *others)
        except VerifyException as e:
            raise VerifyException(f"'{self.name}' operand {e}") from None
        got = self.results[0].type
        if got != expected:
            raise VerifyException(
                f"'{self.name}' result type must be {_type_name(expected)} for "
                f"{_type_name(operand_type)} operands, got {_type_name(got)}"
            )

    def fold(self) -> Sequence[SSAValue | Attribute] | None:
        """Fold to Python's exact result; never fold away a run-time error or an
        answer the result type cannot hold."""
        values = []
        for operand in self.operands:
            attr = ConstantLike.get_constant_value(operand)
            if attr is None:
                return None
            values.append(from_attr(attr))
        if self.cannot_fit(*values):
            return None
        try:
            result = self.evaluate(*values)
        except (ArithmeticError, ValueError):
            return None
        result_type = self.results[0].type
        if isinstance(result_type, TensorType):
            return (dense_attr(result, result_type),)
        if not fits(result, result_type):
            return None
        return (to_attr(result, result_type),)


# --------------------------------------------------------------------------- constants


@irdl_op_definition
class ConstantOp(GraphletOp):
    """A scalar or dense tensor constant: `%c = graphlet.constant 3 : i64`,
    `%t = graphlet.constant dense<[1.0, 2.0]> : tensor<2xf32>`."""

    name = "graphlet.constant"
    value = prop_def(IntegerAttr | FloatAttr | DenseIntOrFPElementsAttr)
    result = result_def()
    traits = traits_def(Pure(), ConstantLike())

    def __init__(self, value: IntegerAttr | FloatAttr | DenseIntOrFPElementsAttr):
        super().__init__(result_types=[value.type], properties={"value": value})

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        pos = parser.pos
        value = parser.parse_attribute()
        if not isinstance(value, IntegerAttr | FloatAttr | DenseIntOrFPElementsAttr):
            parser.raise_error(
                "expected an integer, float or bool constant such as `3 : i64` "
                "(or a tensor `dense<[1.0, 2.0]> : tensor<2xf32>`)",
                pos,
                parser.pos,
            )
        attrs = parser.parse_optional_attr_dict()
        op = cls(value)
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)

    @staticmethod
    def from_value(value: bool | int | float) -> ConstantOp:
        t = ir_type(value)
        if not fits(value, t):
            raise OverflowError(f"{value!r} does not fit in {t}")
        return ConstantOp(to_attr(value, t))

    @staticmethod
    def from_array(array: Any, element: Attribute | None = None) -> ConstantOp:
        """A tensor constant of an array (of its dtype, or converted to `element`)."""
        array = np.asarray(array)
        elem = element if element is not None else element_type_of_dtype(array.dtype)
        return ConstantOp(dense_attr(array, TensorType(elem, array.shape)))

    def verify_(self) -> None:
        t = self.value.type
        if is_tensor(t) and element_type(t) not in TENSOR_ELEMENT_TYPES:
            raise VerifyException(
                "'graphlet.constant' tensor elements must be f32, f64, i64 or i1, "
                f"got {element_type(t)}"
            )
        if not is_tensor(t) and t not in SCALAR_TYPES:
            raise VerifyException(f"'graphlet.constant' value type must be i1, i64 or f64, got {t}")
        if self.result.type != t:
            raise VerifyException(
                f"'graphlet.constant' result type {self.result.type} differs from "
                f"its value's type {t}"
            )

    def fold(self) -> Sequence[SSAValue | Attribute]:
        return (self.value,)


# --------------------------------------------------------------------------- op shapes


class _PatternsFromRegistry(HasCanonicalizationPatternsTrait):
    """Canonicalization patterns live in `graphlet_patterns`, keyed by op class."""

    def get_patterns(self, op: type[Operation]) -> tuple[RewritePattern, ...]:
        from graphlet.dialects.graphlet_patterns import patterns_for

        return tuple(_ScalarOnly(p) for p in patterns_for(op))

    @classmethod
    def get_canonicalization_patterns(cls) -> tuple[RewritePattern, ...]:
        return ()


class _ScalarOnly(RewritePattern):
    """Applies a scalar pattern to scalar ops only: its facts are about Python
    numbers, and on tensors broadcasting can change the result's shape."""

    def __init__(self, pattern: RewritePattern) -> None:
        self.pattern = pattern

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not any(is_tensor(v.type) for v in (*op.operands, *op.results)):
            self.pattern.match_and_rewrite(op, rewriter)


def _canonicalized() -> _PatternsFromRegistry:
    return _PatternsFromRegistry()


class BinaryOp(GraphletOp):
    """`%r = graphlet.<op> %lhs, %rhs : T`, with the result type derived from T."""

    lhs = operand_def()
    rhs = operand_def()
    result = result_def()

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = NUMERIC_TYPES
    traits = traits_def(*python_pure(), _canonicalized())

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation) -> None:
        operand_type = SSAValue.get(lhs).type
        result_type = self._built_result_type(operand_type, SSAValue.get(rhs).type)
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        self._check_types(self.lhs.type, self.rhs.type)
        self._check_result(self.lhs.type, self.rhs.type)

    @classmethod
    def parse(cls, parser: Parser) -> BinaryOp:
        lhs = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        rhs = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        t2 = parser.parse_type() if parser.parse_optional_punctuation(",") else t
        op = cls(*parser.resolve_operands([lhs, rhs], [t, t2], parser.pos))
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.lhs)
        printer.print_string(", ")
        printer.print_operand(self.rhs)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.lhs.type)
        if self.rhs.type != self.lhs.type:
            printer.print_string(", ")
            printer.print_attribute(self.rhs.type)


class CommutativeBinaryOp(BinaryOp):
    traits = traits_def(*python_pure(), Commutative(), _canonicalized())


class UnaryOp(GraphletOp):
    """`%r = graphlet.<op> %x : T`, with the result type derived from T."""

    operand = operand_def()
    result = result_def()

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = NUMERIC_TYPES
    traits = traits_def(*python_pure(), _canonicalized())

    def __init__(self, operand: SSAValue | Operation) -> None:
        operand_type = SSAValue.get(operand).type
        super().__init__(operands=[operand], result_types=[self._built_result_type(operand_type)])

    def verify_(self) -> None:
        self._check_types(self.operand.type)
        self._check_result(self.operand.type)

    @classmethod
    def parse(cls, parser: Parser) -> UnaryOp:
        x = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = cls(parser.resolve_operand(x, t))
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.operand)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.operand.type)


class FloatResultUnaryOp(UnaryOp):
    """A `math` function: int or float in, float out (`math.exp(3)` is a float)."""

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return FLOAT


class TensorZeroDivisionError(ZeroDivisionError, RuntimeError):
    """An int tensor divided by zero. PyTorch raises `RuntimeError("ZeroDivisionError")`,
    Python code expects a ZeroDivisionError: this is both, with torch's message."""


TENSOR_ERRORS: dict[int, type[Exception]] = {
    STATUS_CODES["ZeroDivisionError"]: TensorZeroDivisionError
}
"""The errors native tensor code reports, by status code (0 is ok); the message
is the class's torch message, `TENSOR_ERROR_MESSAGES`."""

TENSOR_ERROR_MESSAGES: dict[type[Exception], str] = {TensorZeroDivisionError: "ZeroDivisionError"}


def _np_int_divisor_check(a: np.ndarray, b: np.ndarray) -> None:
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and np.any(b == 0):
        raise TensorZeroDivisionError(TENSOR_ERROR_MESSAGES[TensorZeroDivisionError])


def _np_floordiv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.floor_divide: ints raise on a zero divisor (INT_MIN // -1 wraps), floats
    give inf/nan."""
    _np_int_divisor_check(a, b)
    return np.floor_divide(a, b)


def _np_mod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.remainder: the sign of the divisor, like Python's `%`; on floats torch's
    `fmod`-then-adjust, so a zero keeps the dividend's sign (NumPy's takes the divisor's)."""
    _np_int_divisor_check(a, b)
    if a.dtype.kind != "f":
        return np.mod(a, b)
    mod = np.fmod(a, b)
    return np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


def _np_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.pow: ints wrap; a negative int exponent gives 1 for base 1, +-1 for base -1
    and 0 otherwise (NumPy raises instead)."""
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu" or not np.any(b < 0):
        return np.power(a, b)
    negative = b < 0
    power = np.power(a, np.where(negative, 0, b))
    reciprocal = np.where(a == 1, 1, np.where(a == -1, np.where(b & 1, -1, 1), 0))
    return np.where(negative, reciprocal, power)


def _np_keep_ints(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    def rounded(x: np.ndarray) -> np.ndarray:
        return x if x.dtype.kind in "iub" else fn(x)

    return rounded


def _np_relu(x: np.ndarray) -> np.ndarray:
    """torch.relu: max(x, 0), NaN stays NaN."""
    return np.where(x > 0, x, np.where(np.isnan(x), x, 0) if x.dtype.kind == "f" else 0)


# --------------------------------------------------------------------------- arithmetic


@irdl_op_definition
class AddOp(CommutativeBinaryOp):
    """`a + b`."""

    name = "graphlet.add"
    np_operation = staticmethod(np.add)
    py_operation = staticmethod(operator.add)


@irdl_op_definition
class SubOp(BinaryOp):
    """`a - b`."""

    name = "graphlet.sub"
    np_operation = staticmethod(np.subtract)
    py_operation = staticmethod(operator.sub)


@irdl_op_definition
class MulOp(CommutativeBinaryOp):
    """`a * b`."""

    name = "graphlet.mul"
    np_operation = staticmethod(np.multiply)
    py_operation = staticmethod(operator.mul)


@irdl_op_definition
class TrueDivOp(BinaryOp):
    """`a / b`: always a float, raising ZeroDivisionError on a zero divisor."""

    RAISES: ClassVar[bool] = True

    def _may_raise_for_unknown_operands(self) -> bool:
        divisor = ConstantLike.get_constant_value(self.rhs)
        return divisor is None or from_attr(divisor) == 0

    name = "graphlet.truediv"
    np_operation = staticmethod(np.true_divide)
    py_operation = staticmethod(operator.truediv)

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return FLOAT


@irdl_op_definition
class FloorDivOp(BinaryOp):
    """`a // b`: rounds toward negative infinity."""

    RAISES: ClassVar[bool] = True

    def _may_raise_for_unknown_operands(self) -> bool:
        divisor = ConstantLike.get_constant_value(self.rhs)
        return divisor is None or from_attr(divisor) == 0

    name = "graphlet.floordiv"
    np_operation = staticmethod(_np_floordiv)
    py_operation = staticmethod(operator.floordiv)


@irdl_op_definition
class ModOp(BinaryOp):
    """`a % b`: the result has the sign of the divisor."""

    RAISES: ClassVar[bool] = True

    def _may_raise_for_unknown_operands(self) -> bool:
        divisor = ConstantLike.get_constant_value(self.rhs)
        return divisor is None or from_attr(divisor) == 0

    name = "graphlet.mod"
    np_operation = staticmethod(_np_mod)
    py_operation = staticmethod(operator.mod)


@irdl_op_definition
class PowOp(BinaryOp):
    """`a ** b`. A negative int exponent gives a float in Python: native code
    hands such a call back to Python."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.pow"
    np_operation = staticmethod(_np_pow)
    py_operation = staticmethod(operator.pow)

    def cannot_fit(self, a: Any, b: Any) -> bool:
        return type(a) is int and type(b) is int and b >= 64 and abs(a) >= 2


@irdl_op_definition
class MinOp(BinaryOp):
    """`min(a, b)`: `b if b < a else a`, so `min(nan, 1.0)` is nan and
    `min(1.0, nan)` is 1.0; not commutative on floats."""

    name = "graphlet.min"
    np_operation = staticmethod(np.minimum)

    @staticmethod
    def py_operation(a: Any, b: Any) -> Any:
        return min(a, b)


@irdl_op_definition
class MaxOp(BinaryOp):
    """`max(a, b)`: `b if b > a else a`."""

    name = "graphlet.max"
    np_operation = staticmethod(np.maximum)

    @staticmethod
    def py_operation(a: Any, b: Any) -> Any:
        return max(a, b)


@irdl_op_definition
class NegOp(UnaryOp):
    """`-x`."""

    name = "graphlet.neg"
    np_operation = staticmethod(np.negative)
    py_operation = staticmethod(operator.neg)


@irdl_op_definition
class AbsOp(UnaryOp):
    """`abs(x)`."""

    name = "graphlet.abs"
    np_operation = staticmethod(np.abs)
    py_operation = staticmethod(abs)


# --------------------------------------------------------------------------- bitwise


class BitwiseOp(CommutativeBinaryOp):
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (BOOL, INT)


@irdl_op_definition
class AndOp(BitwiseOp):
    """`a & b` on ints or bools."""

    name = "graphlet.and"
    np_operation = staticmethod(np.bitwise_and)
    py_operation = staticmethod(operator.and_)


@irdl_op_definition
class OrOp(BitwiseOp):
    """`a | b` on ints or bools."""

    name = "graphlet.or"
    np_operation = staticmethod(np.bitwise_or)
    py_operation = staticmethod(operator.or_)


@irdl_op_definition
class XorOp(BitwiseOp):
    """`a ^ b` on ints or bools."""

    name = "graphlet.xor"
    np_operation = staticmethod(np.bitwise_xor)
    py_operation = staticmethod(operator.xor)


@irdl_op_definition
class ShlOp(BinaryOp):
    """`a << b`: ValueError for a negative count; never wraps."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.shl"
    np_operation = staticmethod(np.left_shift)
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (INT,)
    py_operation = staticmethod(operator.lshift)

    def cannot_fit(self, a: Any, b: Any) -> bool:
        return type(a) is int and type(b) is int and b >= 64 and a != 0


@irdl_op_definition
class ShrOp(BinaryOp):
    """`a >> b`: arithmetic shift; ValueError for a negative count."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.shr"
    np_operation = staticmethod(np.right_shift)
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (INT,)
    py_operation = staticmethod(operator.rshift)


# --------------------------------------------------------------------------- comparison, select, cast

CMP_PREDICATES: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
"""Each predicate's meaning, as the Python operator."""

SWAPPED_PREDICATE = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
"""`a P b` equals `b SWAPPED[P] a`, NaN included."""


@irdl_op_definition
class CmpOp(GraphletOp):
    """`a < b` and friends: `%t = graphlet.cmp lt, %a, %b : f64` gives an i1.
    Comparisons with NaN are false except `ne`, as in Python."""

    name = "graphlet.cmp"
    predicate = prop_def(StringAttr)
    lhs = operand_def()
    rhs = operand_def()
    result = result_def()
    traits = traits_def(Pure(), _canonicalized())

    def __init__(
        self, predicate: str, lhs: SSAValue | Operation, rhs: SSAValue | Operation
    ) -> None:
        result_type = self._built_result_type(SSAValue.get(lhs).type, SSAValue.get(rhs).type)
        super().__init__(
            operands=[lhs, rhs],
            result_types=[result_type],
            properties={"predicate": StringAttr(predicate)},
        )

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return BOOL

    def evaluate(self, a: Any, b: Any) -> bool:
        """On arrays the same Python operators compare elementwise (NaN included)."""
        return self.py_operation(self.predicate.data, a, b)

    @staticmethod
    def py_operation(predicate: str, a: Any, b: Any) -> bool:
        return CMP_PREDICATES[predicate](a, b)

    def verify_(self) -> None:
        if self.predicate.data not in CMP_PREDICATES:
            raise VerifyException(
                f"'graphlet.cmp' predicate '{self.predicate.data}' is not one of "
                + ", ".join(CMP_PREDICATES)
            )
        self._check_types(self.lhs.type, self.rhs.type)
        if is_tensor(self.lhs.type):
            self._check_result(self.lhs.type, self.rhs.type)
        elif self.result.type != BOOL:
            raise VerifyException(f"'graphlet.cmp' result type must be i1, got {self.result.type}")

    @classmethod
    def parse(cls, parser: Parser) -> CmpOp:
        pos = parser.pos
        predicate = parser.parse_identifier()
        if predicate not in CMP_PREDICATES:
            parser.raise_error(
                f"expected a comparison predicate ({', '.join(CMP_PREDICATES)}), got '{predicate}'",
                pos,
                parser.pos,
            )
        parser.parse_punctuation(",")
        lhs = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        rhs = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        t2 = parser.parse_type() if parser.parse_optional_punctuation(",") else t
        op = cls(predicate, *parser.resolve_operands([lhs, rhs], [t, t2], parser.pos))
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.predicate.data}, ")
        printer.print_operand(self.lhs)
        printer.print_string(", ")
        printer.print_operand(self.rhs)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.lhs.type)
        if self.rhs.type != self.lhs.type:
            printer.print_string(", ")
            printer.print_attribute(self.rhs.type)


def _bool_like(t: Attribute) -> Attribute:
    """i1, or a tensor of i1 of the same shape."""
    return TensorType(BOOL, shape_of(t)) if is_tensor(t) else BOOL


@irdl_op_definition
class SelectOp(GraphletOp):
    """`a if cond else b`: `%r = graphlet.select %c, %a, %b : f64`. On tensors it is
    `torch.where(cond, a, b)`, broadcasting all three:
    `graphlet.select %c, %a, %b : tensor<2x3xi1>, tensor<3xf32>, tensor<2x3xf32>`."""

    name = "graphlet.select"
    np_operation = staticmethod(np.where)
    cond = operand_def()
    true_value = operand_def()
    false_value = operand_def()
    result = result_def()
    traits = traits_def(Pure(), _canonicalized())

    def __init__(
        self,
        cond: SSAValue | Operation,
        true_value: SSAValue | Operation,
        false_value: SSAValue | Operation,
    ) -> None:
        a, b, c = (SSAValue.get(v).type for v in (true_value, false_value, cond))
        super().__init__(
            operands=[cond, true_value, false_value],
            result_types=[self._built_result_type(a, b, c) if is_tensor(c) else a],
        )

    @staticmethod
    def py_operation(cond: bool, a: Any, b: Any) -> Any:
        return a if cond else b

    def verify_(self) -> None:
        if is_tensor(self.cond.type) or is_tensor(self.true_value.type):
            self._verify_where()
            return
        if self.cond.type != BOOL:
            raise VerifyException(f"'graphlet.select' condition must be i1, got {self.cond.type}")
        self._check_types(self.true_value.type, self.false_value.type)
        self._check_result(self.true_value.type)

    def _verify_where(self) -> None:
        if not is_tensor(self.cond.type) or element_type(self.cond.type) != BOOL:
            raise VerifyException(
                "'graphlet.select' condition must be a tensor of i1 when the values "
                f"are tensors, got {self.cond.type}"
            )
        self._check_types(self.true_value.type, self.false_value.type)
        self._check_result(self.true_value.type, self.false_value.type, self.cond.type)

    @classmethod
    def parse(cls, parser: Parser) -> SelectOp:
        cond = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        a = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        b = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        types = parser.parse_comma_separated_list(parser.Delimiter.NONE, parser.parse_type)
        if len(types) == 1:
            types = [_bool_like(types[0]), types[0], types[0]]
        elif len(types) != 3:
            parser.raise_error("expected one type, or the condition's and both values' types")
        op = cls(*parser.resolve_operands([cond, a, b], types, parser.pos))
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_list([self.cond, self.true_value, self.false_value], printer.print_operand)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        t = self.true_value.type
        if self.false_value.type == t and self.cond.type == _bool_like(t) and self.result.type == t:
            printer.print_attribute(t)
        else:
            types = [self.cond.type, t, self.false_value.type]
            printer.print_list(types, printer.print_attribute)


@irdl_op_definition
class CastOp(GraphletOp):
    """`bool(x)`, `int(x)` or `float(x)`: `%r = graphlet.cast %x : f64 to i64`.
    `int(nan)` raises ValueError and `int(inf)` OverflowError, as in Python."""

    RAISES: ClassVar[bool] = True

    def _may_raise_for_unknown_operands(self) -> bool:
        # Only float -> int raises (`int(nan)`, `int(inf)`); `int(True)` is 1.
        return element_type(self.operand.type) == FLOAT and element_type(self.result.type) == INT

    name = "graphlet.cast"
    operand = operand_def()
    result = result_def()
    traits = traits_def(*python_pure(), _canonicalized())

    def __init__(self, operand: SSAValue | Operation, to: Attribute) -> None:
        super().__init__(operands=[operand], result_types=[to])

    def evaluate(self, x: Any) -> Any:
        if is_tensor(self.result.type):
            return self.np_operation(np_dtype(self.result.type), x)
        return self.py_operation(python_type(self.result.type), x)

    @staticmethod
    def py_operation(to: type, x: Any) -> Any:
        return to(x)

    @staticmethod
    def np_operation(to: np.dtype, x: np.ndarray) -> np.ndarray:
        """`x.to(dtype)`: floats to ints truncate toward zero, nonzero is True."""
        with np.errstate(all="ignore"):
            return np.asarray(x).astype(to)

    def verify_(self) -> None:
        if is_tensor(self.operand.type) or is_tensor(self.result.type):
            self._verify_tensor_cast()
            return
        for what, t in (("operand", self.operand.type), ("result", self.result.type)):
            if t not in SCALAR_TYPES:
                raise VerifyException(
                    f"'graphlet.cast' {what} type must be i1, i64 or f64, got {t}"
                )

    def _verify_tensor_cast(self) -> None:
        src, dst = self.operand.type, self.result.type
        for what, t in (("operand", src), ("result", dst)):
            if not is_tensor(t) or element_type(t) not in TENSOR_ELEMENT_TYPES:
                raise VerifyException(
                    f"'graphlet.cast' {what} type must be a tensor of f32, f64, i64 or "
                    f"i1 when the other is a tensor, got {t}"
                )
        if shape_of(src) != shape_of(dst):
            raise VerifyException(
                f"'graphlet.cast' keeps the shape: {shape_str(shape_of(src))} to "
                f"{shape_str(shape_of(dst))}"
            )

    @classmethod
    def parse(cls, parser: Parser) -> CastOp:
        x = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        src = parser.parse_type()
        parser.parse_keyword("to")
        dst = parser.parse_type()
        op = cls(parser.resolve_operand(x, src), dst)
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.operand)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.operand.type)
        printer.print_string(" to ")
        printer.print_attribute(self.result.type)


# --------------------------------------------------------------------------- unary math


@irdl_op_definition
class ExpOp(FloatResultUnaryOp):
    """`math.exp(x)`: OverflowError("math range error") past the float range."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.exp"
    np_operation = staticmethod(np.exp)
    py_operation = staticmethod(math.exp)


@irdl_op_definition
class LogOp(FloatResultUnaryOp):
    """`math.log(x)`: ValueError("math domain error") for x <= 0."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.log"
    np_operation = staticmethod(np.log)
    py_operation = staticmethod(math.log)


@irdl_op_definition
class SqrtOp(FloatResultUnaryOp):
    """`math.sqrt(x)`: ValueError("math domain error") for x < 0."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.sqrt"
    np_operation = staticmethod(np.sqrt)
    py_operation = staticmethod(math.sqrt)


@irdl_op_definition
class SinOp(FloatResultUnaryOp):
    """`math.sin(x)`: ValueError for an infinite x."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.sin"
    np_operation = staticmethod(np.sin)
    py_operation = staticmethod(math.sin)


@irdl_op_definition
class CosOp(FloatResultUnaryOp):
    """`math.cos(x)`: ValueError for an infinite x."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.cos"
    np_operation = staticmethod(np.cos)
    py_operation = staticmethod(math.cos)


@irdl_op_definition
class TanhOp(FloatResultUnaryOp):
    """`math.tanh(x)`."""

    name = "graphlet.tanh"
    np_operation = staticmethod(np.tanh)
    py_operation = staticmethod(math.tanh)


def _ieee_round(python_round: Callable[[float], int]) -> Callable[[Any], Any]:
    def rounded(x: Any) -> Any:
        if isinstance(x, int):
            return x
        if not math.isfinite(x):
            return x
        return math.copysign(float(python_round(x)), x)

    return rounded


@irdl_op_definition
class FloorOp(UnaryOp):
    """IEEE floor keeping the type (`floor(-0.5)` is -1.0, `floor(-0.0)` is -0.0;
    ints unchanged). Python's `math.floor` is this followed by a cast to i64."""

    name = "graphlet.floor"
    np_operation = staticmethod(_np_keep_ints(np.floor))
    py_operation = staticmethod(_ieee_round(math.floor))


@irdl_op_definition
class CeilOp(UnaryOp):
    """IEEE ceil keeping the type (`ceil(-0.5)` is -0.0); ints unchanged."""

    name = "graphlet.ceil"
    np_operation = staticmethod(_np_keep_ints(np.ceil))
    py_operation = staticmethod(_ieee_round(math.ceil))


@irdl_op_definition
class ReluOp(UnaryOp):
    """`x if x > 0 else 0`, keeping NaN (as torch.relu does)."""

    name = "graphlet.relu"
    np_operation = staticmethod(_np_relu)

    @staticmethod
    def py_operation(x: Any) -> Any:
        if x > 0 or x != x:
            return x
        return type(x)(0)


# --------------------------------------------------------------------------- tensor ops


def _dims_attr(dims: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(dims))


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise VerifyException(message)


def _float_tensor(t: Attribute, what: str = "operand") -> None:
    _require(
        is_tensor(t) and element_type(t) in FLOAT_ELEMENT_TYPES,
        f"{what} must be a tensor of f32 or f64, got {t}",
    )


def _same_elements(*types: Attribute) -> Attribute:
    elems = {element_type(t) for t in types}
    _require(
        len(elems) == 1,
        "operands must have the same element type, got "
        + " and ".join(str(element_type(t)) for t in types)
        + " (insert a graphlet.cast)",
    )
    return elems.pop()


def _check_dims(dims: Sequence[int], rank: int) -> None:
    for d in dims:
        _require(0 <= d < rank, f"dimension {d} is out of range for rank {rank}")
    _require(len(set(dims)) == len(dims), f"dimensions {list(dims)} repeat")


class TensorOp(GraphletOp):
    """An op on tensors only. `np_operation` is its meaning (PyTorch's, on NumPy
    arrays, with the op's attributes as keyword arguments); `infer_type` is its
    typing rule, shared by the builders and the verifier."""

    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)

    ELEMENTWISE: ClassVar[bool] = False
    """Whether each result element depends only on the same element of the operand."""

    def static_args(self) -> dict[str, Any]:
        """The op's attributes as Python values, for `np_operation` and `infer_type`."""
        return {}

    @staticmethod
    def infer_type(*operand_types: Attribute, **static: Any) -> Attribute:
        raise NotImplementedError

    @classmethod
    def checked_type(cls, operand_types: Sequence[Attribute], static: dict[str, Any]) -> Attribute:
        """The result type, or a VerifyException naming the op and what is wrong."""
        for t in operand_types:
            if not is_tensor(t) or element_type(t) not in TENSOR_ELEMENT_TYPES:
                raise VerifyException(
                    f"'{cls.name}' operands must be tensors of f32, f64, i64 or i1, got {t}"
                )
        try:
            return cls.infer_type(*operand_types, **static)
        except VerifyException as e:
            raise VerifyException(f"'{cls.name}' {e}") from None

    def _build(
        self,
        operands: Sequence[SSAValue | Operation | Sequence[SSAValue]],
        static: dict[str, Any],
        properties: dict[str, Attribute],
    ) -> None:
        """Create the op with its inferred result type (optional operands as lists)."""
        flat = [v for o in operands for v in (o if isinstance(o, Sequence) else [o])]
        types = [SSAValue.get(o).type for o in flat]
        super().__init__(
            operands=list(operands),
            result_types=[self.checked_type(types, static)],
            properties=properties,
        )

    def verify_(self) -> None:
        expected = self.checked_type([o.type for o in self.operands], self.static_args())
        if expected != self.results[0].type:
            raise VerifyException(
                f"'{self.name}' result type must be {expected}, got {self.results[0].type}"
            )

    def evaluate(self, *args: Any) -> Any:
        with np.errstate(all="ignore"):
            result = self.np_operation(*args, **self.static_args())
        return np.asarray(result).astype(np_dtype(self.results[0].type), copy=False)


@irdl_op_definition
class MatmulOp(TensorOp):
    """`torch.matmul(a, b)` / `a @ b`: vectors, matrices and broadcast batches.
    `%c = graphlet.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>`"""

    name = "graphlet.matmul"
    lhs = operand_def()
    rhs = operand_def()
    result = result_def()
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"
    np_operation = staticmethod(np.matmul)

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation) -> None:
        self._build([lhs, rhs], {}, {})

    @staticmethod
    def infer_type(lhs: Attribute, rhs: Attribute) -> Attribute:
        elem = _same_elements(lhs, rhs)
        _require(elem != i1, "does not multiply tensors of i1")
        a, b = shape_of(lhs), shape_of(rhs)
        _require(
            len(a) >= 1 and len(b) >= 1,
            f"operands must have rank >= 1, got {shape_str(a)} and {shape_str(b)}",
        )
        a2 = (1, *a) if len(a) == 1 else a
        b2 = (*b, 1) if len(b) == 1 else b
        _require(
            a2[-1] == b2[-2],
            f"contracted dimensions differ: {shape_str(a)} @ {shape_str(b)} ({a2[-1]} vs {b2[-2]})",
        )
        batch = broadcast_shapes(a2[:-2], b2[:-2])
        shape = (*batch, *(a2[-2:-1] if len(a) > 1 else ()), *(b2[-1:] if len(b) > 1 else ()))
        return TensorType(elem, shape)


@irdl_op_definition
class LinearOp(TensorOp):
    """`F.linear(x, w, b)` = `x @ w.T + b`, the bias optional.
    `%y = graphlet.linear %x, %w, %b : (tensor<1x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<1x8xf32>`"""

    name = "graphlet.linear"
    input = operand_def()
    weight = operand_def()
    bias = opt_operand_def()
    result = result_def()
    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        input: SSAValue | Operation,
        weight: SSAValue | Operation,
        bias: SSAValue | Operation | None = None,
    ) -> None:
        self._build([input, weight, [bias] if bias is not None else []], {}, {})

    @staticmethod
    def np_operation(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        y = np.matmul(x, w.T)
        return y if b is None else y + b

    @staticmethod
    def infer_type(x: Attribute, w: Attribute, b: Attribute | None = None) -> Attribute:
        _float_tensor(x, "input")
        elem = _same_elements(x, w, *([b] if b is not None else []))
        xs, ws = shape_of(x), shape_of(w)
        _require(len(ws) == 2, f"weight must be 2-d (out x in), got {shape_str(ws)}")
        _require(
            len(xs) >= 1 and xs[-1] == ws[1],
            f"input features {shape_str(xs)} do not match weight {shape_str(ws)} (in = {ws[1]})",
        )
        if b is not None:
            _require(
                shape_of(b) in ((ws[0],), ()),
                f"bias must have shape {ws[0]}, got {shape_str(shape_of(b))}",
            )
        return TensorType(elem, (*xs[:-1], ws[0]))


@irdl_op_definition
class TransposeOp(TensorOp):
    """`x.permute(*perm)`; `x.transpose(i, j)` is the permutation swapping i and j.
    `%t = graphlet.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>`"""

    name = "graphlet.transpose"
    input = operand_def()
    perm = prop_def(DenseArrayBase)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, perm: Sequence[int]) -> None:
        self._build([input], {"perm": tuple(perm)}, {"perm": _dims_attr(perm)})

    def static_args(self) -> dict[str, Any]:
        return {"perm": tuple(self.perm.get_values())}

    @staticmethod
    def np_operation(x: np.ndarray, perm: tuple[int, ...]) -> np.ndarray:
        return np.transpose(x, perm)

    @staticmethod
    def infer_type(x: Attribute, perm: tuple[int, ...]) -> Attribute:
        shape = shape_of(x)
        _require(
            sorted(perm) == list(range(len(shape))),
            f"perm {list(perm)} is not a permutation of the {len(shape)} dimensions",
        )
        return TensorType(element_type(x), tuple(shape[p] for p in perm))


class _ShapeFromResult(TensorOp):
    """An op whose result shape is spelled in its result type, not an attribute."""

    input = operand_def()
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, shape: Sequence[int]) -> None:
        self._build([input], {"shape": tuple(shape)}, {})

    def static_args(self) -> dict[str, Any]:
        return {"shape": shape_of(self.result.type)}


@irdl_op_definition
class ReshapeOp(_ShapeFromResult):
    """`x.reshape(shape)` / `x.view(shape)` on a contiguous tensor: same elements in
    row-major order. `%r = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>`"""

    name = "graphlet.reshape"

    @staticmethod
    def np_operation(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, shape)

    @staticmethod
    def infer_type(x: Attribute, shape: tuple[int, ...]) -> Attribute:
        _require(
            math.prod(shape) == math.prod(shape_of(x)),
            f"cannot reshape {shape_str(shape_of(x))} ({math.prod(shape_of(x))} elements) "
            f"to {shape_str(shape)} ({math.prod(shape)} elements)",
        )
        return TensorType(element_type(x), shape)


@irdl_op_definition
class ExpandOp(_ShapeFromResult):
    """`x.expand(shape)`: broadcast to a larger shape without copying in PyTorch.
    `%e = graphlet.expand %x : (tensor<1x3xf32>) -> tensor<4x3xf32>`"""

    name = "graphlet.expand"

    @staticmethod
    def np_operation(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    @staticmethod
    def infer_type(x: Attribute, shape: tuple[int, ...]) -> Attribute:
        src = shape_of(x)
        ok = len(shape) >= len(src) and all(
            s in (1, d) for s, d in zip(reversed(src), reversed(shape))
        )
        _require(ok, f"cannot expand {shape_str(src)} to {shape_str(shape)}")
        return TensorType(element_type(x), shape)


class ReduceOp(TensorOp):
    """A reduction over `dims`, which are dropped unless `keepdim` is set."""

    input = operand_def()
    dims = prop_def(DenseArrayBase)
    keepdim = opt_prop_def(UnitAttr)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(
        self, input: SSAValue | Operation, dims: Sequence[int], keepdim: bool = False
    ) -> None:
        props: dict[str, Attribute] = {"dims": _dims_attr(dims)}
        if keepdim:
            props["keepdim"] = UnitAttr()
        self._build([input], {"dims": tuple(dims), "keepdim": keepdim}, props)

    def static_args(self) -> dict[str, Any]:
        return {"dims": tuple(self.dims.get_values()), "keepdim": self.keepdim is not None}

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        return elem

    @classmethod
    def infer_type(cls, x: Attribute, dims: tuple[int, ...], keepdim: bool) -> Attribute:
        shape = shape_of(x)
        _check_dims(dims, len(shape))
        out = tuple(1 if i in dims else d for i, d in enumerate(shape) if keepdim or i not in dims)
        return TensorType(cls.result_element(element_type(x)), out)


@irdl_op_definition
class SumOp(ReduceOp):
    """`x.sum(dims, keepdim)`; bools and ints sum to i64.
    `%s = graphlet.sum %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>`"""

    name = "graphlet.sum"

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.sum(
            x, axis=dims, keepdims=keepdim, dtype=np.int64 if x.dtype.kind in "iub" else x.dtype
        )

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        return elem if elem in FLOAT_ELEMENT_TYPES else i64


@irdl_op_definition
class MeanOp(ReduceOp):
    """`x.mean(dims, keepdim)` on floats.
    `%m = graphlet.mean %x {dims = array<i64: 1>, keepdim} : (tensor<2x3xf32>) -> tensor<2x1xf32>`"""

    name = "graphlet.mean"

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.mean(x, axis=dims, keepdims=keepdim, dtype=x.dtype)

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        _require(elem in FLOAT_ELEMENT_TYPES, f"needs f32 or f64 elements, got {elem}")
        return elem


@irdl_op_definition
class AmaxOp(ReduceOp):
    """`x.amax(dims, keepdim)` (`x.max(dim).values`): NaN wins, as in PyTorch.
    `%m = graphlet.amax %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>`"""

    name = "graphlet.amax"

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.amax(x, axis=dims, keepdims=keepdim)


@irdl_op_definition
class AminOp(ReduceOp):
    """`x.amin(dims, keepdim)`: NaN wins, as in PyTorch.
    `%m = graphlet.amin %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>`"""

    name = "graphlet.amin"

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.amin(x, axis=dims, keepdims=keepdim)


class _AlongDim(TensorOp):
    """A float op normalising along one dimension; the shape is unchanged."""

    input = operand_def()
    dim = prop_def(IntegerAttr)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, dim: int) -> None:
        self._build([input], {"dim": dim}, {"dim": IntegerAttr(dim, i64)})

    def static_args(self) -> dict[str, Any]:
        return {"dim": self.dim.value.data}

    @staticmethod
    def infer_type(x: Attribute, dim: int) -> Attribute:
        _float_tensor(x)
        _check_dims((dim,), len(shape_of(x)))
        return x


@irdl_op_definition
class SoftmaxOp(_AlongDim):
    """`torch.softmax(x, dim)`, computed as exp(x - max) / sum.
    `%s = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>`"""

    name = "graphlet.softmax"

    @staticmethod
    def np_operation(x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - np.amax(x, axis=dim, keepdims=True))
        return e / np.sum(e, axis=dim, keepdims=True)


@irdl_op_definition
class LogSoftmaxOp(_AlongDim):
    """`torch.log_softmax(x, dim)` = x - max - log(sum(exp(x - max))).
    `%s = graphlet.log_softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>`"""

    name = "graphlet.log_softmax"

    @staticmethod
    def np_operation(x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - np.amax(x, axis=dim, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


@irdl_op_definition
class LayerNormOp(TensorOp):
    """`F.layer_norm(x, x.shape[-n:], w, b, eps)` over the last `normalized_ndim`
    dims, with the biased variance.
    `%y = graphlet.layer_norm %x, %w, %b {normalized_ndim = 1 : i64, eps = 1.0e-05 : f64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>`"""

    name = "graphlet.layer_norm"
    input = operand_def()
    weight = operand_def()
    bias = operand_def()
    normalized_ndim = prop_def(IntegerAttr)
    eps = prop_def(FloatAttr)
    result = result_def()
    assembly_format = (
        "$input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        input: SSAValue | Operation,
        weight: SSAValue | Operation,
        bias: SSAValue | Operation,
        normalized_ndim: int,
        eps: float,
    ) -> None:
        self._build(
            [input, weight, bias],
            {"normalized_ndim": normalized_ndim, "eps": eps},
            {"normalized_ndim": IntegerAttr(normalized_ndim, i64), "eps": FloatAttr(eps, f64)},
        )

    def static_args(self) -> dict[str, Any]:
        return {"normalized_ndim": self.normalized_ndim.value.data, "eps": self.eps.value.data}

    @staticmethod
    def np_operation(
        x: np.ndarray, w: np.ndarray, b: np.ndarray, normalized_ndim: int, eps: float
    ) -> np.ndarray:
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        mean = np.mean(x, axis=axes, keepdims=True, dtype=x.dtype)
        centered = x - mean
        var = np.mean(centered * centered, axis=axes, keepdims=True, dtype=x.dtype)
        return centered / np.sqrt(var + x.dtype.type(eps)) * w + b

    @staticmethod
    def infer_type(
        x: Attribute, w: Attribute, b: Attribute, normalized_ndim: int, eps: float
    ) -> Attribute:
        _float_tensor(x, "input")
        _same_elements(x, w, b)
        shape = shape_of(x)
        _require(
            1 <= normalized_ndim <= len(shape),
            f"normalized_ndim {normalized_ndim} is out of range for rank {len(shape)}",
        )
        normalized = shape[len(shape) - normalized_ndim :]
        for what, t in (("weight", w), ("bias", b)):
            _require(
                shape_of(t) == normalized,
                f"{what} must have shape {shape_str(normalized)}, got {shape_str(shape_of(t))}",
            )
        return x


def _erf(x: np.ndarray) -> np.ndarray:
    """erf elementwise, in double precision (NumPy has no erf)."""
    return np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)).astype(np.float64)


@irdl_op_definition
class GeluOp(TensorOp):
    """`F.gelu(x, approximate=...)`: exact `x/2 (1 + erf(x/sqrt 2))` or the tanh form.
    `%g = graphlet.gelu %x {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>`"""

    name = "graphlet.gelu"
    input = operand_def()
    approximate = prop_def(StringAttr)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"
    ELEMENTWISE: ClassVar[bool] = True

    def __init__(self, input: SSAValue | Operation, approximate: str = "none") -> None:
        self._build([input], {"approximate": approximate}, {"approximate": StringAttr(approximate)})

    def static_args(self) -> dict[str, Any]:
        return {"approximate": self.approximate.data}

    @staticmethod
    def np_operation(x: np.ndarray, approximate: str) -> np.ndarray:
        if approximate == "tanh":
            c = x.dtype.type(math.sqrt(2.0 / math.pi))
            return 0.5 * x * (1 + np.tanh(c * (x + x.dtype.type(0.044715) * x * x * x)))
        return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(x.dtype)

    @staticmethod
    def infer_type(x: Attribute, approximate: str) -> Attribute:
        _float_tensor(x)
        _require(
            approximate in ("none", "tanh"),
            f'approximate must be "none" or "tanh", got "{approximate}"',
        )
        return x


@irdl_op_definition
class SigmoidOp(TensorOp):
    """`torch.sigmoid(x)` = 1 / (1 + exp(-x)).
    `%s = graphlet.sigmoid %x : (tensor<4xf32>) -> tensor<4xf32>`"""

    name = "graphlet.sigmoid"
    input = operand_def()
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"
    ELEMENTWISE: ClassVar[bool] = True

    def __init__(self, input: SSAValue | Operation) -> None:
        self._build([input], {}, {})

    @staticmethod
    def np_operation(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    @staticmethod
    def infer_type(x: Attribute) -> Attribute:
        _float_tensor(x)
        return x


@irdl_op_definition
class CatOp(TensorOp):
    """`torch.cat(tensors, dim)`: sizes agree except along `dim`.
    `%c = graphlet.cat %a, %b {dim = 0 : i64} : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<3x3xf32>`"""

    name = "graphlet.cat"
    inputs = var_operand_def()
    dim = prop_def(IntegerAttr)
    result = result_def()
    assembly_format = "$inputs attr-dict `:` functional-type(operands, results)"

    def __init__(self, inputs: Sequence[SSAValue | Operation], dim: int) -> None:
        self._build([list(inputs)], {"dim": dim}, {"dim": IntegerAttr(dim, i64)})

    def static_args(self) -> dict[str, Any]:
        return {"dim": self.dim.value.data}

    @staticmethod
    def np_operation(*xs: np.ndarray, dim: int) -> np.ndarray:
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def infer_type(*xs: Attribute, dim: int) -> Attribute:
        _require(len(xs) >= 1, "needs at least one operand")
        elem = _same_elements(*xs)
        first = shape_of(xs[0])
        _check_dims((dim,), len(first))
        for t in xs[1:]:
            s = shape_of(t)
            _require(
                len(s) == len(first)
                and all(a == b for i, (a, b) in enumerate(zip(s, first)) if i != dim),
                f"shapes {shape_str(first)} and {shape_str(s)} differ outside dimension {dim}",
            )
        size = sum(shape_of(t)[dim] for t in xs)
        return TensorType(elem, (*first[:dim], size, *first[dim + 1 :]))


@irdl_op_definition
class SliceOp(TensorOp):
    """`x[s0:e0:k0, s1:e1:k1, ...]` with static, in-range bounds and positive steps.
    `%s = graphlet.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2xf32>`"""

    name = "graphlet.slice"
    input = operand_def()
    starts = prop_def(DenseArrayBase)
    ends = prop_def(DenseArrayBase)
    steps = prop_def(DenseArrayBase)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        input: SSAValue | Operation,
        starts: Sequence[int],
        ends: Sequence[int],
        steps: Sequence[int],
    ) -> None:
        static = {"starts": tuple(starts), "ends": tuple(ends), "steps": tuple(steps)}
        self._build([input], static, {k: _dims_attr(v) for k, v in static.items()})

    def static_args(self) -> dict[str, Any]:
        return {k: tuple(getattr(self, k).get_values()) for k in ("starts", "ends", "steps")}

    @staticmethod
    def np_operation(
        x: np.ndarray, starts: tuple[int, ...], ends: tuple[int, ...], steps: tuple[int, ...]
    ) -> np.ndarray:
        return x[tuple(slice(s, e, k) for s, e, k in zip(starts, ends, steps))]

    @staticmethod
    def infer_type(
        x: Attribute, starts: tuple[int, ...], ends: tuple[int, ...], steps: tuple[int, ...]
    ) -> Attribute:
        shape = shape_of(x)
        _require(
            len(starts) == len(ends) == len(steps) == len(shape),
            f"needs a start, end and step per dimension ({len(shape)})",
        )
        out = []
        for d, (s, e, k, n) in enumerate(zip(starts, ends, steps, shape)):
            _require(
                0 <= s <= e <= n and k >= 1,
                f"slice {s}:{e}:{k} is out of range for dimension {d} of size {n}",
            )
            out.append(-(-(e - s) // k))
        return TensorType(element_type(x), tuple(out))


TENSOR_OPS: list[type[TensorOp]] = [
    MatmulOp,
    LinearOp,
    TransposeOp,
    ReshapeOp,
    ExpandOp,
    SumOp,
    MeanOp,
    AmaxOp,
    AminOp,
    SoftmaxOp,
    LogSoftmaxOp,
    LayerNormOp,
    GeluOp,
    SigmoidOp,
    CatOp,
    SliceOp,
]


class GraphletConstantMaterialization(ConstantMaterializationInterface):
    """Lets the stock `canonicalize` turn folded attributes into `graphlet.constant`."""

    def materialize_constant(self, value: Attribute, type: Attribute) -> Operation | None:
        if isinstance(value, IntegerAttr | FloatAttr) and value.type in SCALAR_TYPES:
            return ConstantOp(value)
        if isinstance(value, DenseIntOrFPElementsAttr):
            return ConstantOp(value)
        return None


OPS: list[type[GraphletOp]] = [
    ConstantOp,
    AddOp,
    SubOp,
    MulOp,
    TrueDivOp,
    FloorDivOp,
    ModOp,
    PowOp,
    MinOp,
    MaxOp,
    NegOp,
    AbsOp,
    AndOp,
    OrOp,
    XorOp,
    ShlOp,
    ShrOp,
    CmpOp,
    SelectOp,
    CastOp,
    ExpOp,
    LogOp,
    SqrtOp,
    SinOp,
    CosOp,
    TanhOp,
    FloorOp,
    CeilOp,
    ReluOp,
]

BINARY_OPS: dict[str, type[BinaryOp]] = {
    op.name.removeprefix("graphlet."): op for op in OPS if issubclass(op, BinaryOp)
}
UNARY_OPS: dict[str, type[UnaryOp]] = {
    op.name.removeprefix("graphlet."): op for op in OPS if issubclass(op, UnaryOp)
}

Graphlet = Dialect("graphlet", [*OPS, *TENSOR_OPS], [], [GraphletConstantMaterialization()])
