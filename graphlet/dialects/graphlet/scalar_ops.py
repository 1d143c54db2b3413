"""Ops with Python's meaning on scalars (and broadcast elementwise on tensors):
arithmetic, bitwise, comparison, select, cast and the `math` functions."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects.graphlet.abstract_ops import (
    BinaryOp,
    CommutativeBinaryOp,
    FloatResultUnaryOp,
    GraphletOp,
    UnaryOp,
)
from graphlet.dialects.graphlet.torch_semantics import (
    np_floordiv,
    np_keep_ints,
    np_mod,
    np_pow,
    np_relu,
)
from graphlet.dialects.graphlet.traits import canonicalized, python_pure
from graphlet.dialects.graphlet.types import (
    BOOL,
    FLOAT,
    INT,
    SCALAR_TYPES,
    TENSOR_ELEMENT_TYPES,
    element_type,
    from_attr,
    is_tensor,
    np_dtype,
    python_type,
    shape_of,
    shape_str,
)
from graphlet.dialects.graphlet.vjp import Derivative, Partial, is_float, zero_derivatives

# --------------------------------------------------------------------------- arithmetic


@irdl_op_definition
class AddOp(CommutativeBinaryOp):
    """`a + b`."""

    name = "graphlet.add"
    PY_SYMBOL: ClassVar[str | None] = "+"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.add,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("add",)
    np_operation = staticmethod(np.add)
    py_operation = staticmethod(operator.add)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (1.0, 1.0)


@irdl_op_definition
class SubOp(BinaryOp):
    """`a - b`."""

    name = "graphlet.sub"
    PY_SYMBOL: ClassVar[str | None] = "-"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.sub,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("sub",)
    np_operation = staticmethod(np.subtract)
    py_operation = staticmethod(operator.sub)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (1.0, -1.0)


@irdl_op_definition
class MulOp(CommutativeBinaryOp):
    """`a * b`."""

    name = "graphlet.mul"
    PY_SYMBOL: ClassVar[str | None] = "*"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.mul,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("mul",)
    np_operation = staticmethod(np.multiply)
    py_operation = staticmethod(operator.mul)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (self.rhs, self.lhs)


@irdl_op_definition
class TrueDivOp(BinaryOp):
    """`a / b`: always a float, raising ZeroDivisionError on a zero divisor."""

    RAISES: ClassVar[bool] = True

    def _may_raise_for_unknown_operands(self) -> bool:
        divisor = ConstantLike.get_constant_value(self.rhs)
        return divisor is None or from_attr(divisor) == 0

    name = "graphlet.truediv"
    PY_SYMBOL: ClassVar[str | None] = "/"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.truediv,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("div", "truediv", "true_divide")
    np_operation = staticmethod(np.true_divide)
    py_operation = staticmethod(operator.truediv)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """1/b and -(a/b)/b."""
        b = self.rhs
        by_a = d.div(d.const(1.0, b), b) if d.wants(0) else None
        by_b = d.neg(d.div(self.result, b)) if d.wants(1) else None
        return (by_a, by_b)

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
    PY_SYMBOL: ClassVar[str | None] = "//"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.floordiv,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("floor_divide", "floordiv")
    np_operation = staticmethod(np_floordiv)
    py_operation = staticmethod(operator.floordiv)

    local_derivatives = zero_derivatives


@irdl_op_definition
class ModOp(BinaryOp):
    """`a % b`: the result has the sign of the divisor."""

    RAISES: ClassVar[bool] = True

    def _may_raise_for_unknown_operands(self) -> bool:
        divisor = ConstantLike.get_constant_value(self.rhs)
        return divisor is None or from_attr(divisor) == 0

    name = "graphlet.mod"
    PY_SYMBOL: ClassVar[str | None] = "%"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.mod,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("remainder", "mod")
    np_operation = staticmethod(np_mod)
    py_operation = staticmethod(operator.mod)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """a % b = a - b * (a // b): 1 and -(a // b), as torch.remainder (its floor
        division is CPython's, which `floor(a / b)` is not: `1.0 // 0.1` is 9.0)."""
        a, b = self.lhs, self.rhs
        return (1.0, d.neg(d.emit(FloorDivOp(a, b))) if d.wants(1) else None)


@irdl_op_definition
class PowOp(BinaryOp):
    """`a ** b`. A negative int exponent gives a float in Python: native code
    hands such a call back to Python."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.pow"
    PY_SYMBOL: ClassVar[str | None] = "**"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.pow,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("pow",)
    np_operation = staticmethod(np_pow)
    py_operation = staticmethod(operator.pow)

    def cannot_fit(self, a: Any, b: Any) -> bool:
        return type(a) is int and type(b) is int and b >= 64 and abs(a) >= 2

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """torch's `pow_backward_self` / `_exponent`: b * a ** (b - 1), 0 where b == 0;
        a ** b * log(a), 0 where a == 0 and b >= 0 (each only when asked for)."""
        a, b = self.lhs, self.rhs
        by_a = by_b = None
        if d.wants(0):
            slope = d.mul(b, d.emit(PowOp(a, d.sub(b, d.const(1.0, b)))))
            by_a = d.where(d.cmp("eq", b, d.const(0.0, b)), d.const(0.0, slope), slope)
        if d.wants(1):
            growth = d.mul(self.result, d.unary(LogOp, a))
            flat = d.emit(AndOp(d.cmp("eq", a, d.const(0.0, a)), d.cmp("ge", b, d.const(0.0, b))))
            by_b = d.where(flat, d.const(0.0, growth), growth)
        return (by_a, by_b)


@irdl_op_definition
class MinOp(BinaryOp):
    """`min(a, b)`: `b if b < a else a`, so `min(nan, 1.0)` is nan and
    `min(1.0, nan)` is 1.0; not commutative on floats."""

    name = "graphlet.min"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (min,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("minimum",)
    np_operation = staticmethod(np.minimum)

    @staticmethod
    def py_operation(a: Any, b: Any) -> Any:
        return min(a, b)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return _extremum_derivatives(d, self.lhs, self.rhs, "gt")


@irdl_op_definition
class MaxOp(BinaryOp):
    """`max(a, b)`: `b if b > a else a`."""

    name = "graphlet.max"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (max,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("maximum",)
    np_operation = staticmethod(np.maximum)

    @staticmethod
    def py_operation(a: Any, b: Any) -> Any:
        return max(a, b)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return _extremum_derivatives(d, self.lhs, self.rhs, "lt")


def _extremum_derivatives(
    d: Derivative, a: SSAValue, b: SSAValue, loses: str
) -> tuple[Partial, ...]:
    """torch.maximum/minimum's rule: the gradient goes to the operand that wins, half
    to each on a tie (`loses` is the predicate under which `a` is not chosen)."""
    half, one, zero = d.const(0.5, a), d.const(1.0, a), d.const(0.0, a)
    tie = d.cmp("eq", a, b)
    by_a = d.where(tie, half, d.where(d.cmp(loses, a, b), zero, one)) if d.wants(0) else None
    by_b = d.where(tie, half, d.where(d.cmp(loses, b, a), zero, one)) if d.wants(1) else None
    return (by_a, by_b)


@irdl_op_definition
class NegOp(UnaryOp):
    """`-x`."""

    name = "graphlet.neg"
    PY_SYMBOL: ClassVar[str | None] = "-"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.neg,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("neg",)
    np_operation = staticmethod(np.negative)
    py_operation = staticmethod(operator.neg)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (-1.0,)


@irdl_op_definition
class AbsOp(UnaryOp):
    """`abs(x)`."""

    name = "graphlet.abs"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (abs, operator.abs)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("abs", "absolute")
    np_operation = staticmethod(np.abs)
    py_operation = staticmethod(abs)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (d.sign(self.operand),)


# --------------------------------------------------------------------------- bitwise


class BitwiseOp(CommutativeBinaryOp):
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (BOOL, INT)


@irdl_op_definition
class AndOp(BitwiseOp):
    """`a & b` on ints or bools."""

    name = "graphlet.and"
    PY_SYMBOL: ClassVar[str | None] = "&"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.and_,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("bitwise_and", "and_")
    np_operation = staticmethod(np.bitwise_and)
    py_operation = staticmethod(operator.and_)


@irdl_op_definition
class OrOp(BitwiseOp):
    """`a | b` on ints or bools."""

    name = "graphlet.or"
    PY_SYMBOL: ClassVar[str | None] = "|"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.or_,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("bitwise_or", "or_")
    np_operation = staticmethod(np.bitwise_or)
    py_operation = staticmethod(operator.or_)


@irdl_op_definition
class XorOp(BitwiseOp):
    """`a ^ b` on ints or bools."""

    name = "graphlet.xor"
    PY_SYMBOL: ClassVar[str | None] = "^"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.xor,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("bitwise_xor", "xor")
    np_operation = staticmethod(np.bitwise_xor)
    py_operation = staticmethod(operator.xor)


@irdl_op_definition
class ShlOp(BinaryOp):
    """`a << b`: ValueError for a negative count; never wraps."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.shl"
    PY_SYMBOL: ClassVar[str | None] = "<<"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.lshift,)
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
    PY_SYMBOL: ClassVar[str | None] = ">>"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.rshift,)
    np_operation = staticmethod(np.right_shift)
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (INT,)
    py_operation = staticmethod(operator.rshift)


# --------------------------------------------------------------------------- comparison, select, cast

_PREDICATES: tuple[tuple[str, str, Callable[[Any, Any], bool], str], ...] = (
    ("eq", "==", operator.eq, "eq"),
    ("ne", "!=", operator.ne, "ne"),
    ("lt", "<", operator.lt, "gt"),
    ("le", "<=", operator.le, "ge"),
    ("gt", ">", operator.gt, "lt"),
    ("ge", ">=", operator.ge, "le"),
)
"""Each comparison predicate: its name (also PyTorch's: `torch.lt`, `aten.lt.Tensor`),
Python's symbol, its meaning as the Python operator, and the predicate of the swapped
comparison."""

CMP_PREDICATES: dict[str, Callable[[Any, Any], bool]] = {p: fn for p, _, fn, _ in _PREDICATES}
"""Each predicate's meaning, as the Python operator."""

PREDICATE_OF_SYMBOL: dict[str, str] = {symbol: p for p, symbol, _, _ in _PREDICATES}
"""The predicate of each Python comparison operator (`<` is `lt`)."""

SWAPPED_PREDICATE: dict[str, str] = {p: swapped for p, _, _, swapped in _PREDICATES}
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
    traits = traits_def(Pure(), canonicalized())

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
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("where",)
    np_operation = staticmethod(np.where)
    cond = operand_def()
    true_value = operand_def()
    false_value = operand_def()
    result = result_def()
    traits = traits_def(Pure(), canonicalized())

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

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """The cotangent goes to the value chosen; none to the condition."""
        zero = d.const(0.0, grad)
        grads: list[SSAValue | None] = [None]
        for i, value in ((1, self.true_value), (2, self.false_value)):
            if not d.wants(i):
                grads.append(None)
                continue
            chosen = (grad, zero) if i == 1 else (zero, grad)
            grads.append(d.unbroadcast(d.where(self.cond, *chosen), value.type))
        return tuple(grads)

    def jvp(self, d: Derivative, tangents: Sequence[SSAValue | None]) -> SSAValue | None:
        _, a, b = tangents
        if a is None and b is None:
            return None
        zero = d.const(0.0, self.result)
        return d.where(self.cond, a or zero, b or zero)

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
        types: list[Attribute] = parser.parse_comma_separated_list(
            parser.Delimiter.NONE, parser.parse_type
        )
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
    traits = traits_def(*python_pure(), canonicalized())

    def __init__(self, operand: SSAValue | Operation, to: Attribute) -> None:
        super().__init__(operands=[operand], result_types=[to])

    def evaluate(self, x: Any) -> Any:
        if is_tensor(self.result.type):
            return self.np_operation(np_dtype(self.result.type), x)
        return self.py_operation(python_type(self.result.type), x)

    @staticmethod
    def py_operation(to: type, x: Any) -> Any:
        return to(x)

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """Float to float converts the cotangent back; to an int or bool, none flows."""
        if not (is_float(self.operand.type) and is_float(self.result.type)):
            return (None,)
        return (d.cast(grad, self.operand.type),)

    def jvp(self, d: Derivative, tangents: Sequence[SSAValue | None]) -> SSAValue | None:
        (tangent,) = tangents
        if tangent is None or not is_float(self.result.type):
            return None
        return d.cast(tangent, self.result.type)

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
                    f"'graphlet.cast' {what} type must be a tensor of f32, f64, i64, i32 or "
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
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.exp,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("exp",)
    np_operation = staticmethod(np.exp)
    py_operation = staticmethod(math.exp)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (self.result,)


@irdl_op_definition
class LogOp(FloatResultUnaryOp):
    """`math.log(x)`: ValueError("math domain error") for x <= 0."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.log"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.log,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("log",)
    np_operation = staticmethod(np.log)
    py_operation = staticmethod(math.log)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (d.div(d.const(1.0, self.operand), self.operand),)


@irdl_op_definition
class SqrtOp(FloatResultUnaryOp):
    """`math.sqrt(x)`: ValueError("math domain error") for x < 0."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.sqrt"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.sqrt,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("sqrt",)
    np_operation = staticmethod(np.sqrt)
    py_operation = staticmethod(math.sqrt)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (d.div(d.const(0.5, self.result), self.result),)


@irdl_op_definition
class SinOp(FloatResultUnaryOp):
    """`math.sin(x)`: ValueError for an infinite x."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.sin"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.sin,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("sin",)
    np_operation = staticmethod(np.sin)
    py_operation = staticmethod(math.sin)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (d.unary(CosOp, self.operand),)


@irdl_op_definition
class CosOp(FloatResultUnaryOp):
    """`math.cos(x)`: ValueError for an infinite x."""

    RAISES: ClassVar[bool] = True

    name = "graphlet.cos"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.cos,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("cos",)
    np_operation = staticmethod(np.cos)
    py_operation = staticmethod(math.cos)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (d.neg(d.unary(SinOp, self.operand)),)


@irdl_op_definition
class TanhOp(FloatResultUnaryOp):
    """`math.tanh(x)`."""

    name = "graphlet.tanh"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (math.tanh,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("tanh",)
    np_operation = staticmethod(np.tanh)
    py_operation = staticmethod(math.tanh)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        return (d.sub(d.const(1.0, self.result), d.square(self.result)),)


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
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("floor",)
    np_operation = staticmethod(np_keep_ints(np.floor))
    py_operation = staticmethod(_ieee_round(math.floor))
    local_derivatives = zero_derivatives


@irdl_op_definition
class CeilOp(UnaryOp):
    """IEEE ceil keeping the type (`ceil(-0.5)` is -0.0); ints unchanged."""

    name = "graphlet.ceil"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("ceil",)
    np_operation = staticmethod(np_keep_ints(np.ceil))
    py_operation = staticmethod(_ieee_round(math.ceil))
    local_derivatives = zero_derivatives


@irdl_op_definition
class ReluOp(UnaryOp):
    """`x if x > 0 else 0`, keeping NaN (as torch.relu does)."""

    name = "graphlet.relu"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("relu",)
    np_operation = staticmethod(np_relu)

    @staticmethod
    def py_operation(x: Any) -> Any:
        if x > 0 or x != x:
            return x
        return type(x)(0)

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """torch's `threshold_backward(grad, result, 0)`: 0 where the result is <= 0,
        else 1 (0 at 0, 1 at NaN)."""
        y = self.result
        zero = d.const(0.0, y)
        return (d.where(d.cmp("le", y, zero), zero, d.const(1.0, y)),)
