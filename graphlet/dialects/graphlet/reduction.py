"""Reductions over some dimensions: sum, prod, mean, amax, amin."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import irdl_op_definition

from graphlet.dialects.graphlet.abstract_ops import ReduceOp, require
from graphlet.dialects.graphlet.types import FLOAT_ELEMENT_TYPES, shape_of
from graphlet.dialects.graphlet.vjp import Derivative


@irdl_op_definition
class SumOp(ReduceOp):
    """`x.sum(dims, keepdim)`; bools and ints sum to i64.
    `%s = graphlet.sum %x {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>`"""

    name = "graphlet.sum"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("sum",)

    @staticmethod
    def np_operation(
        x: np.ndarray, dims: tuple[int, ...], keepdim: bool
    ) -> np.ndarray | np.generic:
        return np.sum(
            x, axis=dims, keepdims=keepdim, dtype=np.int64 if x.dtype.kind in "iub" else x.dtype
        )

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        return elem if elem in FLOAT_ELEMENT_TYPES else i64

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """The cotangent, broadcast back over the summed dimensions."""
        static = self.static_args()
        shape = shape_of(self.input.type)
        return (d.restore_reduced(grad, shape, static["dims"], static["keepdim"]),)


@irdl_op_definition
class ProdOp(ReduceOp):
    """`numpy.prod(x, dims, keepdims)`; bools and ints multiply to i64 (wrapping).
    `%p = graphlet.prod %x {dims = array<i64: 1>} : (tensor<2x3xf64>) -> tensor<2xf64>`"""

    name = "graphlet.prod"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("prod",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.asarray(
            np.prod(
                x,
                axis=dims,
                keepdims=keepdim,
                dtype=np.int64 if x.dtype.kind in "iub" else x.dtype,
            )
        )

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        return elem if elem in FLOAT_ELEMENT_TYPES else i64


@irdl_op_definition
class MeanOp(ReduceOp):
    """`x.mean(dims, keepdim)` on floats.
    `%m = graphlet.mean %x {dims = array<i64: 1>, keepdim} : (tensor<2x3xf32>) -> tensor<2x1xf32>`"""

    name = "graphlet.mean"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("mean",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.asarray(np.mean(x, axis=dims, keepdims=keepdim, dtype=x.dtype))

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        require(elem in FLOAT_ELEMENT_TYPES, f"needs f32 or f64 elements, got {elem}")
        return elem

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """Sum's, divided by the number of elements averaged."""
        static = self.static_args()
        shape = shape_of(self.input.type)
        spread = d.restore_reduced(grad, shape, static["dims"], static["keepdim"])
        return (d.scale(spread, 1.0 / d.count(shape, static["dims"])),)


@irdl_op_definition
class AmaxOp(ReduceOp):
    """`x.amax(dims, keepdim)` (`x.max(dim).values`): NaN wins, as in PyTorch.
    `%m = graphlet.amax %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>`"""

    name = "graphlet.amax"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("amax",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.asarray(np.amax(x, axis=dims, keepdims=keepdim))

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        return _extremum_vjp(self, d, grad)


@irdl_op_definition
class AminOp(ReduceOp):
    """`x.amin(dims, keepdim)`: NaN wins, as in PyTorch.
    `%m = graphlet.amin %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>`"""

    name = "graphlet.amin"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("amin",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.asarray(np.amin(x, axis=dims, keepdims=keepdim))

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        return _extremum_vjp(self, d, grad)


def _extremum_vjp(op: ReduceOp, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
    """PyTorch's amax/amin backward: the cotangent shared evenly among the elements
    equal to the extremum."""
    static = op.static_args()
    shape = shape_of(op.input.type)
    dims, keepdim = static["dims"], static["keepdim"]
    best = d.restore_reduced(op.results[0], shape, dims, keepdim)
    hits = d.indicator("eq", op.input, best)
    ties = d.restore_reduced(d.sum(hits, dims, keepdim=True), shape, dims, True)
    return (d.div(d.mul(d.restore_reduced(grad, shape, dims, keepdim), hits), ties),)
