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
from graphlet.dialects.graphlet.math_ops import ErfOp
from graphlet.dialects.graphlet.scalar_ops import ExpOp, TanhOp
from graphlet.dialects.graphlet.torch_semantics import np_erf
from graphlet.dialects.graphlet.vjp import Derivative, Partial, zero_derivatives


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
            return np.asarray(0.5 * x * (1 + np.tanh(c * (x + x.dtype.type(0.044715) * x * x * x))))
        return (0.5 * x * (1.0 + np_erf(x / math.sqrt(2.0)))).astype(x.dtype)

    @staticmethod
    def infer_type(x: Attribute, approximate: str) -> Attribute:
        require_float_tensor(x)
        require(
            approximate in ("none", "tanh"),
            f'approximate must be "none" or "tanh", got "{approximate}"',
        )
        return x

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        """PyTorch's GeLU backward: Phi(x) + x phi(x) exactly, or the tanh form's
        derivative."""
        x = self.input
        if self.approximate.data == "tanh":
            k = math.sqrt(2.0 / math.pi)
            x2 = d.square(x)
            t = d.unary(TanhOp, d.scale(d.add(x, d.scale(d.mul(x2, x), 0.044715)), k))
            slope = d.scale(d.add(d.const(1.0, x), d.scale(x2, 3 * 0.044715)), k)
            one_minus_t2 = d.sub(d.const(1.0, t), d.square(t))
            left = d.scale(d.add(d.const(1.0, t), t), 0.5)
            return (d.add(left, d.scale(d.mul(d.mul(x, one_minus_t2), slope), 0.5)),)
        cdf = d.scale(d.add(d.const(1.0, x), d.unary(ErfOp, d.scale(x, 1 / math.sqrt(2.0)))), 0.5)
        pdf = d.scale(d.unary(ExpOp, d.scale(d.square(x), -0.5)), 1 / math.sqrt(2 * math.pi))
        return (d.add(cdf, d.mul(x, pdf)),)


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
        return np.asarray(1 / (1 + np.exp(-x)))

    @staticmethod
    def infer_type(x: Attribute) -> Attribute:
        require_float_tensor(x)
        return x

    def local_derivatives(self, d: Derivative) -> tuple[Partial, ...]:
        y = self.result
        return (d.mul(y, d.sub(d.const(1.0, y), y)),)


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
class RintOp(_FloatUnary):
    """`numpy.rint(x)` / `numpy.round(x)`: to the nearest integer, ties to even.
    `%r = graphlet.rint %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.rint"
    np_operation = staticmethod(np.rint)

    local_derivatives = zero_derivatives


@irdl_op_definition
class TruncOp(_FloatUnary):
    """`numpy.trunc(x)`: toward zero.
    `%r = graphlet.trunc %x : (tensor<4xf64>) -> tensor<4xf64>`"""

    name = "graphlet.trunc"
    np_operation = staticmethod(np.trunc)

    local_derivatives = zero_derivatives
