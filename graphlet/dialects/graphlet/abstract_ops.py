"""The base classes of graphlet ops: one Python meaning, one typing rule per op.

`GraphletOp` folds, verifies and evaluates through `py_operation` / `np_operation`;
`BinaryOp` and `UnaryOp` give the scalar (and broadcast tensor) ops their syntax;
`TensorOp` and `ReduceOp` are the tensor-only ops, typed by `infer_type`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, TensorType, UnitAttr, f32, i32, i64
from xdsl.interfaces import HasFolderInterface
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Commutative, ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects.graphlet.traits import canonicalized, python_pure
from graphlet.dialects.graphlet.types import (
    FLOAT,
    FLOAT_ELEMENT_TYPES,
    INT,
    NUMERIC_TYPES,
    SCALAR_TYPES,
    TENSOR_ELEMENT_TYPES,
    broadcast_shapes,
    dense_attr,
    element_type,
    fits,
    from_attr,
    is_tensor,
    np_dtype,
    scalar_stand_in,
    shape_of,
    to_attr,
)
from graphlet.dialects.graphlet.vjp import (
    Derivative,
    NoDerivative,
    Partial,
    elementwise_jvp,
    elementwise_vjp,
)


class GraphletOp(IRDLOperation, HasFolderInterface):
    """Shared behaviour: Python meaning, verification of operand types, folding."""

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = SCALAR_TYPES
    """The operand types this op accepts."""

    @staticmethod
    def py_operation(*args: Any) -> Any:
        """The op's meaning: the Python expression it computes on Python values."""
        raise NotImplementedError

    @staticmethod
    def np_operation(*args: Any, **kwargs: Any) -> Any:
        """The op's meaning on tensors: a NumPy function with PyTorch's semantics (the
        operands' arrays, then a tensor op's `static_args`)."""
        raise NotImplementedError

    RAISES: ClassVar[bool] = False
    """Whether Python raises for some operand values (zero divisors, domain errors)."""

    PY_SYMBOL: ClassVar[str | None] = None
    """The operator Python writes the op with (`+`, `<<`; on a unary op `-` is negation)."""

    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = ()
    """Python callables whose call on the op's operands is the op (`operator.add`, `abs`,
    `math.exp`); each gives `py_operation`'s answer."""

    TORCH_NAMES: ClassVar[tuple[str, ...]] = ()
    """PyTorch's names of the op, in the notation of the fx frontend's `@handles`: a bare
    name (`add`: torch.add, Tensor.add, every aten.add overload), `aten.<name>[.<overload>]`
    or `Tensor.<name>`. The handler adapts the arguments; the meaning is `np_operation`."""

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """The op's derivative, elementwise: the partial derivative of the result by
        each operand, at these operands (see `graphlet.dialects.graphlet.vjp`)."""
        raise NoDerivative(self)

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """Reverse mode: each operand's cotangent given the result's, `grad`."""
        return elementwise_vjp(d, grad)

    def jvp(self, d: Derivative, tangents: Sequence[SSAValue | None]) -> SSAValue | None:
        """Forward mode: the result's tangent given the operands' (None is zero)."""
        return elementwise_jvp(d, tangents)

    @property
    def is_ieee(self) -> bool:
        """Whether this scalar op computes as on 0-d float64 tensors (`ieee`, set by
        derivative rules): `np_operation`'s IEEE answer, inf or nan, never an error."""
        return "ieee" in self.properties

    def may_raise(self) -> bool:
        """Whether this op can raise for its operands; tensor ops follow NumPy and never
        do, and neither do `ieee` ones."""
        if not self.RAISES or self.is_ieee or any(is_tensor(o.type) for o in self.operands):
            return False
        values = [ConstantLike.get_constant_value(o) for o in self.operands]
        known = [v for v in values if v is not None]
        if len(known) < len(values):
            return self._may_raise_for_unknown_operands()
        args = [from_attr(v) for v in known]
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
        if self.is_ieee:
            return self.evaluate_tensors(*(np.asarray(a, np.float64) for a in args)).item()
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
        (f32 follows f64 and i32 follows i64; an int tensor with a float result becomes
        f32, PyTorch's default dtype), over the broadcast shape of all operands."""
        if not is_tensor(operand_type) and not any(map(is_tensor, others)):
            return self.result_type_for(operand_type)
        elem = element_type(operand_type)
        result = self.result_type_for(scalar_stand_in(elem))
        if result == FLOAT:
            result = elem if elem in FLOAT_ELEMENT_TYPES else f32
        elif result == INT and elem == i32:
            result = i32
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
            got = " and ".join(str(t) for t in types)
            raise VerifyException(
                f"'{self.name}' cannot mix scalar and tensor operands, got {got} (use a 0-d tensor)"
            )
        for t in types:
            elem = element_type(t)
            if elem not in TENSOR_ELEMENT_TYPES or scalar_stand_in(elem) not in self.ALLOWED_TYPES:
                allowed = ", ".join(
                    str(e) for e in TENSOR_ELEMENT_TYPES if scalar_stand_in(e) in self.ALLOWED_TYPES
                )
                raise VerifyException(
                    f"'{self.name}' operand of type {t!s} does not have elements of type {allowed}"
                )
        if len({element_type(t) for t in types}) > 1:
            got = " and ".join(str(element_type(t)) for t in types)
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
                allowed = ", ".join(str(a) for a in self.ALLOWED_TYPES)
                raise VerifyException(
                    f"'{self.name}' operand of type {t!s} is not one of {allowed}"
                )
        if len(set(types)) > 1:
            got = " and ".join(str(t) for t in types)
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
                f"'{self.name}' result type must be {expected!s} for "
                f"{operand_type!s} operands, got {got!s}"
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


def has_ieee_form(op_class: type[GraphletOp]) -> bool:
    """Whether the op has a meaning on floats that never raises (its `np_operation`),
    so that it may carry `ieee`."""
    return op_class.np_operation is not GraphletOp.np_operation


class ElementwiseSyntax(GraphletOp):
    """The shared syntax of `BinaryOp` and `UnaryOp`: operands, `{ieee}` and any other
    attributes, `:` and the operand types. `ieee` (the derivative arithmetic's: PyTorch
    computes a gradient in IEEE floats, `1 / 0.0` is inf) is printed among the
    attributes, as `ParsePropInAttrDict` ops print their properties."""

    def _verify_ieee(self) -> None:
        if not self.is_ieee:
            return
        if not has_ieee_form(type(self)):
            raise VerifyException(f"'{self.name}' has no IEEE form: it cannot carry ieee")
        if any(o.type != FLOAT for o in self.operands):
            raise VerifyException(f"'{self.name}' with ieee needs f64 operands")

    def _take_attributes(self, attrs: dict[str, Attribute]) -> None:
        if "ieee" in attrs:
            self.properties["ieee"] = attrs.pop("ieee")
        self.attributes.update(attrs)

    def _print_attributes(self, printer: Printer) -> None:
        printer.print_op_attributes({**self.properties, **self.attributes})


class BinaryOp(ElementwiseSyntax):
    """`%r = graphlet.<op> %lhs, %rhs : T`, with the result type derived from T."""

    lhs = operand_def()
    rhs = operand_def()
    result = result_def()
    ieee = opt_prop_def(UnitAttr)

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = NUMERIC_TYPES
    traits = traits_def(*python_pure(), canonicalized())

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation) -> None:
        operand_type = SSAValue.get(lhs).type
        result_type = self._built_result_type(operand_type, SSAValue.get(rhs).type)
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        self._check_types(self.lhs.type, self.rhs.type)
        self._check_result(self.lhs.type, self.rhs.type)
        self._verify_ieee()

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
        op._take_attributes(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.lhs)
        printer.print_string(", ")
        printer.print_operand(self.rhs)
        self._print_attributes(printer)
        printer.print_string(" : ")
        printer.print_attribute(self.lhs.type)
        if self.rhs.type != self.lhs.type:
            printer.print_string(", ")
            printer.print_attribute(self.rhs.type)


class CommutativeBinaryOp(BinaryOp):
    traits = traits_def(*python_pure(), Commutative(), canonicalized())


class UnaryOp(ElementwiseSyntax):
    """`%r = graphlet.<op> %x : T`, with the result type derived from T."""

    operand = operand_def()
    result = result_def()
    ieee = opt_prop_def(UnitAttr)

    ALLOWED_TYPES: ClassVar[tuple[Attribute, ...]] = NUMERIC_TYPES
    traits = traits_def(*python_pure(), canonicalized())

    def __init__(self, operand: SSAValue | Operation) -> None:
        operand_type = SSAValue.get(operand).type
        super().__init__(operands=[operand], result_types=[self._built_result_type(operand_type)])

    def verify_(self) -> None:
        self._check_types(self.operand.type)
        self._check_result(self.operand.type)
        self._verify_ieee()

    @classmethod
    def parse(cls, parser: Parser) -> UnaryOp:
        x = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = cls(parser.resolve_operand(x, t))
        op._take_attributes(attrs)
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.operand)
        self._print_attributes(printer)
        printer.print_string(" : ")
        printer.print_attribute(self.operand.type)


class FloatResultUnaryOp(UnaryOp):
    """A `math` function: int or float in, float out (`math.exp(3)` is a float)."""

    def result_type_for(self, operand_type: Attribute) -> Attribute:
        return FLOAT


def dims_attr(dims: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(dims))


def require(condition: bool, message: str) -> None:
    if not condition:
        raise VerifyException(message)


def require_float_tensor(t: Attribute, what: str = "operand") -> None:
    require(
        is_tensor(t) and element_type(t) in FLOAT_ELEMENT_TYPES,
        f"{what} must be a tensor of f32 or f64, got {t}",
    )


def same_elements(*types: Attribute) -> Attribute:
    elems = {element_type(t) for t in types}
    require(
        len(elems) == 1,
        "operands must have the same element type, got "
        + " and ".join(str(element_type(t)) for t in types)
        + " (insert a graphlet.cast)",
    )
    return elems.pop()


def check_dims(dims: Sequence[int], rank: int) -> None:
    for d in dims:
        require(0 <= d < rank, f"dimension {d} is out of range for rank {rank}")
    require(len(set(dims)) == len(dims), f"dimensions {list(dims)} repeat")


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
    def infer_type(*args: Any, **kwargs: Any) -> Attribute:
        """The result type of operands of these types with these `static_args`."""
        raise NotImplementedError

    @classmethod
    def checked_type(cls, operand_types: Sequence[Attribute], static: dict[str, Any]) -> Attribute:
        """The result type, or a VerifyException naming the op and what is wrong."""
        for t in operand_types:
            if not is_tensor(t) or element_type(t) not in TENSOR_ELEMENT_TYPES:
                raise VerifyException(
                    f"'{cls.name}' operands must be tensors of f32, f64, i64, i32 or i1, got {t}"
                )
        try:
            return cls.infer_type(*operand_types, **static)
        except VerifyException as e:
            raise VerifyException(f"'{cls.name}' {e}") from None

    def _build(
        self,
        operands: Sequence[SSAValue | Operation | Sequence[SSAValue | Operation]],
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
        props: dict[str, Attribute] = {"dims": dims_attr(dims)}
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
        check_dims(dims, len(shape))
        out = tuple(1 if i in dims else d for i, d in enumerate(shape) if keepdim or i not in dims)
        return TensorType(cls.result_element(element_type(x)), out)
