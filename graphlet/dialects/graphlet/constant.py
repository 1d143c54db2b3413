"""`graphlet.constant` and how folded values become constants again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialect_interfaces.constant_materialization import ConstantMaterializationInterface
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, FloatAttr, IntegerAttr, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, prop_def, result_def, traits_def
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects.graphlet.abstract_ops import GraphletOp
from graphlet.dialects.graphlet.types import (
    SCALAR_TYPES,
    TENSOR_ELEMENT_TYPES,
    dense_attr,
    element_type,
    element_type_of_dtype,
    fits,
    ir_type,
    is_tensor,
    to_attr,
)


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
                "'graphlet.constant' tensor elements must be f32, f64, i64, i32 or i1, "
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


class GraphletConstantMaterialization(ConstantMaterializationInterface):
    """Lets the stock `canonicalize` turn folded attributes into `graphlet.constant`."""

    def materialize_constant(self, value: Attribute, type: Attribute) -> Operation | None:
        if isinstance(value, IntegerAttr | FloatAttr) and value.type in SCALAR_TYPES:
            return ConstantOp(value)
        if isinstance(value, DenseIntOrFPElementsAttr):
            return ConstantOp(value)
        return None
