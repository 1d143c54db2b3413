"""Tensor-only elementwise ops: gelu, sigmoid, and NumPy's other float functions
(tan, rint, trunc, exp2, log2, log10, log1p, expm1, the hyperbolic and inverse
trigonometric functions)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def

from graphlet.dialects.graphlet.abstract_ops import TensorOp, require, require_float_tensor
from graphlet.dialects.graphlet.torch_semantics import np_erf


@irdl_op_definition
class GeluOp(TensorOp):
    """`F.gelu(x, approximate=...)`: exact `x/2 (1 + erf(x/sqrt 2))` or the tanh form.
    `%g = graphlet.gelu %x {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>`"""

    name = "graphlet.gelu"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("gelu",)
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
        return (0.5 * x * (1.0 + np_erf(x / math.sqrt(2.0)))).astype(x.dtype)

    @staticmethod
    def infer_type(x: Attribute, approximate: str) -> Attribute:
        require_float_tensor(x)
        require(
            approximate in ("none", "tanh"),
            f'approximate must be "none" or "tanh", got "{approximate}"',
        )
        return x


@irdl_op_definition
class SigmoidOp(TensorOp):
    """`torch.sigmoid(x)` = 1 / (1 + exp(-x)).
    `%s = graphlet.sigmoid %x : (tensor<4xf32>) -> tensor<4xf32>`"""

    name = "graphlet.sigmoid"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("sigmoid",)
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
        require_float_tensor(x)
        return x


class _FloatUnary(TensorOp):
    """A float function of one tensor, applied to each element."""

    input = operand_def()
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"
    ELEMENTWISE: ClassVar[bool] = True

    def __init__(self, input: SSAValue | Operation) -> None:
        self._build([input], {}, {})

    @staticmethod
    def infer_type(x: Attribute) -> Attribute:
        require_float_tensor(x)
        return x


@irdl_op_definition
class TanOp(_FloatUnary):
    """`numpy.tan(x)` (libm's `tan`).
    `%t = graphlet.tan %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.tan"
    np_operation = staticmethod(np.tan)


@irdl_op_definition
class RintOp(_FloatUnary):
    """`numpy.rint(x)` / `numpy.round(x)`: to the nearest integer, ties to even.
    `%r = graphlet.rint %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.rint"
    np_operation = staticmethod(np.rint)


@irdl_op_definition
class TruncOp(_FloatUnary):
    """`numpy.trunc(x)`: toward zero.
    `%r = graphlet.trunc %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.trunc"
    np_operation = staticmethod(np.trunc)


@irdl_op_definition
class Exp2Op(_FloatUnary):
    """`numpy.exp2(x)`: 2**x.
    `%r = graphlet.exp2 %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.exp2"
    np_operation = staticmethod(np.exp2)


@irdl_op_definition
class Log2Op(_FloatUnary):
    """`numpy.log2(x)` (libm's).
    `%r = graphlet.log2 %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.log2"
    np_operation = staticmethod(np.log2)


@irdl_op_definition
class Log10Op(_FloatUnary):
    """`numpy.log10(x)` (libm's).
    `%r = graphlet.log10 %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.log10"
    np_operation = staticmethod(np.log10)


@irdl_op_definition
class Log1pOp(_FloatUnary):
    """`numpy.log1p(x)`: log(1 + x), exact near 0.
    `%r = graphlet.log1p %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.log1p"
    np_operation = staticmethod(np.log1p)


@irdl_op_definition
class Expm1Op(_FloatUnary):
    """`numpy.expm1(x)`: exp(x) - 1, exact near 0.
    `%r = graphlet.expm1 %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.expm1"
    np_operation = staticmethod(np.expm1)


@irdl_op_definition
class SinhOp(_FloatUnary):
    """`numpy.sinh(x)` (libm's).
    `%r = graphlet.sinh %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.sinh"
    np_operation = staticmethod(np.sinh)


@irdl_op_definition
class CoshOp(_FloatUnary):
    """`numpy.cosh(x)` (libm's).
    `%r = graphlet.cosh %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.cosh"
    np_operation = staticmethod(np.cosh)


@irdl_op_definition
class ArcsinOp(_FloatUnary):
    """`numpy.arcsin(x)` (libm's).
    `%r = graphlet.arcsin %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.arcsin"
    np_operation = staticmethod(np.arcsin)


@irdl_op_definition
class ArccosOp(_FloatUnary):
    """`numpy.arccos(x)` (libm's).
    `%r = graphlet.arccos %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.arccos"
    np_operation = staticmethod(np.arccos)


@irdl_op_definition
class ArctanOp(_FloatUnary):
    """`numpy.arctan(x)` (libm's).
    `%r = graphlet.arctan %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.arctan"
    np_operation = staticmethod(np.arctan)


@irdl_op_definition
class ArcsinhOp(_FloatUnary):
    """`numpy.arcsinh(x)` (libm's).
    `%r = graphlet.arcsinh %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.arcsinh"
    np_operation = staticmethod(np.arcsinh)


@irdl_op_definition
class ArccoshOp(_FloatUnary):
    """`numpy.arccosh(x)` (libm's).
    `%r = graphlet.arccosh %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.arccosh"
    np_operation = staticmethod(np.arccosh)


@irdl_op_definition
class ArctanhOp(_FloatUnary):
    """`numpy.arctanh(x)` (libm's).
    `%r = graphlet.arctanh %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.arctanh"
    np_operation = staticmethod(np.arctanh)
