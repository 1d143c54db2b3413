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

from xdsl.dialect_interfaces.constant_materialization import (
    ConstantMaterializationInterface,
)
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    f64,
    i1,
    i64,
)
from xdsl.interfaces import HasFolderInterface
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.pattern_rewriter import RewritePattern
from xdsl.printer import Printer
from xdsl.traits import (
    Commutative,
    ConstantLike,
    HasCanonicalizationPatternsTrait,
    Pure,
)
from xdsl.utils.exceptions import VerifyException

INT_MIN, INT_MAX = -(2**63), 2**63 - 1

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


def to_attr(value: Any, t: Attribute) -> IntegerAttr | FloatAttr:
    """The constant attribute of a Python value that `fits` type `t`."""
    if t == FLOAT:
        return FloatAttr(value, f64)
    assert isinstance(t, IntegerType)
    return IntegerAttr(int(value), t)


def from_attr(attr: Attribute) -> Any:
    """The Python value of a constant attribute (i1 constants are bools)."""
    if isinstance(attr, FloatAttr):
        return float(attr.value.data)
    if isinstance(attr, IntegerAttr):
        if attr.type == BOOL:
            return attr.value.data != 0
        return attr.value.data
    raise TypeError(f"not a scalar constant: {attr}")


def _type_name(t: Attribute) -> str:
    return str(t)


class GraphletOp(IRDLOperation, HasFolderInterface):
    """Shared behaviour: Python meaning, verification of operand types, folding."""

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = SCALAR_TYPES
    """The operand types this op accepts."""

    @staticmethod
    def py_operation(*args: Any) -> Any:
        """The op's meaning: the Python expression it computes on Python values."""
        raise NotImplementedError

    def evaluate(self, *args: Any) -> Any:
        """Apply the op's meaning; ops with attributes (cmp, cast) override this."""
        return self.py_operation(*args)

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return operand_type

    def _check_types(self, *types: Attribute) -> None:
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

    def _check_result(self, operand_type: Attribute) -> None:
        expected = self.result_type_for(operand_type)
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
        try:
            result = self.evaluate(*values)
        except (ArithmeticError, ValueError):
            return None
        result_type = self.results[0].type
        if not fits(result, result_type):
            return None
        return (to_attr(result, result_type),)


# --------------------------------------------------------------------------- constants


@irdl_op_definition
class ConstantOp(GraphletOp):
    """A scalar constant: `%c = graphlet.constant 3 : i64`."""

    name = "graphlet.constant"
    value = prop_def(IntegerAttr | FloatAttr)
    result = result_def()
    traits = traits_def(Pure(), ConstantLike())

    def __init__(self, value: IntegerAttr | FloatAttr):
        super().__init__(result_types=[value.type], properties={"value": value})

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        pos = parser.pos
        value = parser.parse_attribute()
        if not isinstance(value, IntegerAttr | FloatAttr):
            parser.raise_error(
                "expected an integer, float or bool constant such as `3 : i64`",
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

    def verify_(self) -> None:
        t = self.value.type
        if t not in SCALAR_TYPES:
            raise VerifyException(
                f"'graphlet.constant' value type must be i1, i64 or f64, got {t}"
            )
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

        return patterns_for(op)

    @classmethod
    def get_canonicalization_patterns(cls) -> tuple[RewritePattern, ...]:
        return ()


def _canonicalized() -> _PatternsFromRegistry:
    return _PatternsFromRegistry()


class BinaryOp(GraphletOp):
    """`%r = graphlet.<op> %lhs, %rhs : T`, with the result type derived from T."""

    lhs = operand_def()
    rhs = operand_def()
    result = result_def()

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = NUMERIC_TYPES
    traits = traits_def(Pure(), _canonicalized())

    def __init__(
        self, lhs: SSAValue | Operation, rhs: SSAValue | Operation
    ) -> None:
        operand_type = SSAValue.get(lhs).type
        super().__init__(
            operands=[lhs, rhs], result_types=[self.result_type_for(operand_type)]
        )

    def verify_(self) -> None:
        self._check_types(self.lhs.type, self.rhs.type)
        self._check_result(self.lhs.type)

    @classmethod
    def parse(cls, parser: Parser) -> BinaryOp:
        lhs = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        rhs = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = cls(*parser.resolve_operands([lhs, rhs], [t, t], parser.pos))
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


class CommutativeBinaryOp(BinaryOp):
    traits = traits_def(Pure(), Commutative(), _canonicalized())


class UnaryOp(GraphletOp):
    """`%r = graphlet.<op> %x : T`, with the result type derived from T."""

    operand = operand_def()
    result = result_def()

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = NUMERIC_TYPES
    traits = traits_def(Pure(), _canonicalized())

    def __init__(self, operand: SSAValue | Operation) -> None:
        operand_type = SSAValue.get(operand).type
        super().__init__(
            operands=[operand], result_types=[self.result_type_for(operand_type)]
        )

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


# --------------------------------------------------------------------------- arithmetic


@irdl_op_definition
class AddOp(CommutativeBinaryOp):
    """`a + b`."""

    name = "graphlet.add"
    py_operation = staticmethod(operator.add)


@irdl_op_definition
class SubOp(BinaryOp):
    """`a - b`."""

    name = "graphlet.sub"
    py_operation = staticmethod(operator.sub)


@irdl_op_definition
class MulOp(CommutativeBinaryOp):
    """`a * b`."""

    name = "graphlet.mul"
    py_operation = staticmethod(operator.mul)


@irdl_op_definition
class TrueDivOp(BinaryOp):
    """`a / b`: always a float, raising ZeroDivisionError on a zero divisor."""

    name = "graphlet.truediv"
    py_operation = staticmethod(operator.truediv)

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return FLOAT


@irdl_op_definition
class FloorDivOp(BinaryOp):
    """`a // b`: rounds toward negative infinity."""

    name = "graphlet.floordiv"
    py_operation = staticmethod(operator.floordiv)


@irdl_op_definition
class ModOp(BinaryOp):
    """`a % b`: the result has the sign of the divisor."""

    name = "graphlet.mod"
    py_operation = staticmethod(operator.mod)


@irdl_op_definition
class PowOp(BinaryOp):
    """`a ** b`. A negative int exponent gives a float in Python: native code
    hands such a call back to Python."""

    name = "graphlet.pow"
    py_operation = staticmethod(operator.pow)


@irdl_op_definition
class MinOp(BinaryOp):
    """`min(a, b)`: `b if b < a else a`, so `min(nan, 1.0)` is nan and
    `min(1.0, nan)` is 1.0; not commutative on floats."""

    name = "graphlet.min"

    @staticmethod
    def py_operation(a: Any, b: Any) -> Any:
        return min(a, b)


@irdl_op_definition
class MaxOp(BinaryOp):
    """`max(a, b)`: `b if b > a else a`."""

    name = "graphlet.max"

    @staticmethod
    def py_operation(a: Any, b: Any) -> Any:
        return max(a, b)


@irdl_op_definition
class NegOp(UnaryOp):
    """`-x`."""

    name = "graphlet.neg"
    py_operation = staticmethod(operator.neg)


@irdl_op_definition
class AbsOp(UnaryOp):
    """`abs(x)`."""

    name = "graphlet.abs"
    py_operation = staticmethod(abs)


# --------------------------------------------------------------------------- bitwise


class BitwiseOp(CommutativeBinaryOp):
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (BOOL, INT)


@irdl_op_definition
class AndOp(BitwiseOp):
    """`a & b` on ints or bools."""

    name = "graphlet.and"
    py_operation = staticmethod(operator.and_)


@irdl_op_definition
class OrOp(BitwiseOp):
    """`a | b` on ints or bools."""

    name = "graphlet.or"
    py_operation = staticmethod(operator.or_)


@irdl_op_definition
class XorOp(BitwiseOp):
    """`a ^ b` on ints or bools."""

    name = "graphlet.xor"
    py_operation = staticmethod(operator.xor)


@irdl_op_definition
class ShlOp(BinaryOp):
    """`a << b`: ValueError for a negative count; never wraps."""

    name = "graphlet.shl"
    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = (INT,)
    py_operation = staticmethod(operator.lshift)


@irdl_op_definition
class ShrOp(BinaryOp):
    """`a >> b`: arithmetic shift; ValueError for a negative count."""

    name = "graphlet.shr"
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
        super().__init__(
            operands=[lhs, rhs],
            result_types=[BOOL],
            properties={"predicate": StringAttr(predicate)},
        )

    def evaluate(self, a: Any, b: Any) -> bool:
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
        if self.result.type != BOOL:
            raise VerifyException(
                f"'graphlet.cmp' result type must be i1, got {self.result.type}"
            )

    @classmethod
    def parse(cls, parser: Parser) -> CmpOp:
        pos = parser.pos
        predicate = parser.parse_identifier()
        if predicate not in CMP_PREDICATES:
            parser.raise_error(
                f"expected a comparison predicate ({', '.join(CMP_PREDICATES)}), "
                f"got '{predicate}'",
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
        op = cls(predicate, *parser.resolve_operands([lhs, rhs], [t, t], parser.pos))
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


@irdl_op_definition
class SelectOp(GraphletOp):
    """`a if cond else b`: `%r = graphlet.select %c, %a, %b : f64`."""

    name = "graphlet.select"
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
        super().__init__(
            operands=[cond, true_value, false_value],
            result_types=[SSAValue.get(true_value).type],
        )

    @staticmethod
    def py_operation(cond: bool, a: Any, b: Any) -> Any:
        return a if cond else b

    def verify_(self) -> None:
        if self.cond.type != BOOL:
            raise VerifyException(
                f"'graphlet.select' condition must be i1, got {self.cond.type}"
            )
        self._check_types(self.true_value.type, self.false_value.type)
        self._check_result(self.true_value.type)

    @classmethod
    def parse(cls, parser: Parser) -> SelectOp:
        cond = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        a = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        b = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = cls(*parser.resolve_operands([cond, a, b], [BOOL, t, t], parser.pos))
        op.attributes.update(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_list([self.cond, self.true_value, self.false_value], printer.print_operand)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


@irdl_op_definition
class CastOp(GraphletOp):
    """`bool(x)`, `int(x)` or `float(x)`: `%r = graphlet.cast %x : f64 to i64`.
    `int(nan)` raises ValueError and `int(inf)` OverflowError, as in Python."""

    name = "graphlet.cast"
    operand = operand_def()
    result = result_def()
    traits = traits_def(Pure(), _canonicalized())

    def __init__(self, operand: SSAValue | Operation, to: Attribute) -> None:
        super().__init__(operands=[operand], result_types=[to])

    def evaluate(self, x: Any) -> Any:
        return self.py_operation(python_type(self.result.type), x)

    @staticmethod
    def py_operation(to: type, x: Any) -> Any:
        return to(x)

    def verify_(self) -> None:
        for what, t in (("operand", self.operand.type), ("result", self.result.type)):
            if t not in SCALAR_TYPES:
                raise VerifyException(
                    f"'graphlet.cast' {what} type must be i1, i64 or f64, got {t}"
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

    name = "graphlet.exp"
    py_operation = staticmethod(math.exp)


@irdl_op_definition
class LogOp(FloatResultUnaryOp):
    """`math.log(x)`: ValueError("math domain error") for x <= 0."""

    name = "graphlet.log"
    py_operation = staticmethod(math.log)


@irdl_op_definition
class SqrtOp(FloatResultUnaryOp):
    """`math.sqrt(x)`: ValueError("math domain error") for x < 0."""

    name = "graphlet.sqrt"
    py_operation = staticmethod(math.sqrt)


@irdl_op_definition
class SinOp(FloatResultUnaryOp):
    """`math.sin(x)`: ValueError for an infinite x."""

    name = "graphlet.sin"
    py_operation = staticmethod(math.sin)


@irdl_op_definition
class CosOp(FloatResultUnaryOp):
    """`math.cos(x)`: ValueError for an infinite x."""

    name = "graphlet.cos"
    py_operation = staticmethod(math.cos)


@irdl_op_definition
class TanhOp(FloatResultUnaryOp):
    """`math.tanh(x)`."""

    name = "graphlet.tanh"
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
    py_operation = staticmethod(_ieee_round(math.floor))


@irdl_op_definition
class CeilOp(UnaryOp):
    """IEEE ceil keeping the type (`ceil(-0.5)` is -0.0); ints unchanged."""

    name = "graphlet.ceil"
    py_operation = staticmethod(_ieee_round(math.ceil))


@irdl_op_definition
class ReluOp(UnaryOp):
    """`x if x > 0 else 0`, keeping NaN (as torch.relu does)."""

    name = "graphlet.relu"

    @staticmethod
    def py_operation(x: Any) -> Any:
        if x > 0 or x != x:
            return x
        return type(x)(0)


class GraphletConstantMaterialization(ConstantMaterializationInterface):
    """Lets the stock `canonicalize` turn folded attributes into `graphlet.constant`."""

    def materialize_constant(self, value: Attribute, type: Attribute) -> Operation | None:
        if isinstance(value, IntegerAttr | FloatAttr) and value.type in SCALAR_TYPES:
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

Graphlet = Dialect("graphlet", OPS, [], [GraphletConstantMaterialization()])
