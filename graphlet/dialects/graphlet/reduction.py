"""Reductions over some dimensions: sum, prod, mean, amax, amin."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import i64
from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition

from graphlet.dialects.graphlet.abstract_ops import ReduceOp, require
from graphlet.dialects.graphlet.types import FLOAT_ELEMENT_TYPES


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


@irdl_op_definition
class ProdOp(ReduceOp):
    """`numpy.prod(x, dims, keepdims)`; bools and ints multiply to i64 (wrapping).
    `%p = graphlet.prod %x {dims = array<i64: 1>} : (tensor<2x3xf64>) -> tensor<2xf64>`"""

    name = "graphlet.prod"

    @staticmethod
    def np_operation(
        x: np.ndarray, dims: tuple[int, ...], keepdim: bool
    ) -> np.ndarray | np.generic:
        return np.prod(
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
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("mean",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.mean(x, axis=dims, keepdims=keepdim, dtype=x.dtype)

    @staticmethod
    def result_element(elem: Attribute) -> Attribute:
        require(elem in FLOAT_ELEMENT_TYPES, f"needs f32 or f64 elements, got {elem}")
        return elem


@irdl_op_definition
class AmaxOp(ReduceOp):
    """`x.amax(dims, keepdim)` (`x.max(dim).values`): NaN wins, as in PyTorch.
    `%m = graphlet.amax %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>`"""

    name = "graphlet.amax"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("amax",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.amax(x, axis=dims, keepdims=keepdim)


@irdl_op_definition
class AminOp(ReduceOp):
    """`x.amin(dims, keepdim)`: NaN wins, as in PyTorch.
    `%m = graphlet.amin %x {dims = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>`"""

    name = "graphlet.amin"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("amin",)

    @staticmethod
    def np_operation(x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.amin(x, axis=dims, keepdims=keepdim)
