"""Composite neural-network ops normalising along dimensions: softmax,
log_softmax, layer_norm (decomposed by `decompose-tensor-ops`)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, f64, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def

from graphlet.dialects.graphlet.abstract_ops import (
    TensorOp,
    check_dims,
    require,
    require_float_tensor,
    same_elements,
)
from graphlet.dialects.graphlet.scalar_ops import ExpOp, SqrtOp
from graphlet.dialects.graphlet.types import shape_of, shape_str
from graphlet.dialects.graphlet.vjp import Derivative


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
        require_float_tensor(x)
        check_dims((dim,), len(shape_of(x)))
        return x


@irdl_op_definition
class SoftmaxOp(_AlongDim):
    """`torch.softmax(x, dim)`, computed as exp(x - max) / sum.
    `%s = graphlet.softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>`"""

    name = "graphlet.softmax"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("softmax", "aten._softmax")

    @staticmethod
    def np_operation(x: np.ndarray, dim: int) -> np.ndarray:
        e = np.exp(x - np.amax(x, axis=dim, keepdims=True))
        return np.asarray(e / np.sum(e, axis=dim, keepdims=True))

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """y * (grad - sum(grad * y, dim))."""
        y, dim = self.result, self.static_args()["dim"]
        return (d.mul(y, d.sub(grad, d.sum(d.mul(grad, y), [dim], keepdim=True))),)


@irdl_op_definition
class LogSoftmaxOp(_AlongDim):
    """`torch.log_softmax(x, dim)` = x - max - log(sum(exp(x - max))).
    `%s = graphlet.log_softmax %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>`"""

    name = "graphlet.log_softmax"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("log_softmax", "aten._log_softmax")

    @staticmethod
    def np_operation(x: np.ndarray, dim: int) -> np.ndarray:
        shifted = x - np.amax(x, axis=dim, keepdims=True)
        return np.asarray(shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True)))

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """grad - exp(y) * sum(grad, dim)."""
        y, dim = self.result, self.static_args()["dim"]
        total = d.sum(grad, [dim], keepdim=True)
        return (d.sub(grad, d.mul(d.unary(ExpOp, y), total)),)


@irdl_op_definition
class LayerNormOp(TensorOp):
    """`F.layer_norm(x, x.shape[-n:], w, b, eps)` over the last `normalized_ndim`
    dims, with the biased variance.
    `%y = graphlet.layer_norm %x, %w, %b {normalized_ndim = 1 : i64, eps = 1.0e-05 : f64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>`"""

    name = "graphlet.layer_norm"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("layer_norm",)
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
        return np.asarray(centered / np.sqrt(var + x.dtype.type(eps)) * w + b)

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """With x̂ = (x - mean) / std over the normalized dims: grad summed over the
        others for b, (grad * x̂) for w, and for x
        (g - mean(g) - x̂ mean(g x̂)) / std, where g = grad * w."""
        x, w = self.input, self.weight
        shape = shape_of(x.type)
        rank, n = len(shape), self.static_args()["normalized_ndim"]
        dims = list(range(rank - n, rank))
        count = d.count(shape, dims)
        mean = d.scale(d.sum(x, dims, keepdim=True), 1.0 / count)
        centered = d.sub(x, mean)
        var = d.scale(d.sum(d.square(centered), dims, keepdim=True), 1.0 / count)
        std = d.unary(SqrtOp, d.add(var, d.const(self.static_args()["eps"], x)))
        normed = d.div(centered, std)
        grads: list[SSAValue | None] = [None, None, None]
        if d.wants(0):
            gn = d.mul(grad, w)
            mean_g = d.scale(d.sum(gn, dims, keepdim=True), 1.0 / count)
            mean_gx = d.scale(d.sum(d.mul(gn, normed), dims, keepdim=True), 1.0 / count)
            grads[0] = d.div(d.sub(d.sub(gn, mean_g), d.mul(normed, mean_gx)), std)
        if d.wants(1):
            grads[1] = d.unbroadcast(d.mul(grad, normed), w.type)
        if d.wants(2):
            grads[2] = d.unbroadcast(grad, self.bias.type)
        return tuple(grads)

    @staticmethod
    def infer_type(
        x: Attribute, w: Attribute, b: Attribute, normalized_ndim: int, eps: float
    ) -> Attribute:
        require_float_tensor(x, "input")
        same_elements(x, w, b)
        shape = shape_of(x)
        require(
            1 <= normalized_ndim <= len(shape),
            f"normalized_ndim {normalized_ndim} is out of range for rank {len(shape)}",
        )
        normalized = shape[len(shape) - normalized_ndim :]
        for what, t in (("weight", w), ("bias", b)):
            require(
                shape_of(t) == normalized,
                f"{what} must have shape {shape_str(normalized)}, got {shape_str(shape_of(t))}",
            )
        return x
