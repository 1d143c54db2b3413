"""Cumulative ops along one dimension: cumsum, cumprod.

As in PyTorch's CPU kernels, each runs one accumulator along the dimension from its
neutral element (so cumsum turns -0.0 into 0.0), in double for floats (f32 results
are the rounded double running values), in i64 (wrapping) for ints and bools.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, TensorType, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def

from graphlet.dialects.graphlet.abstract_ops import TensorOp, check_dims
from graphlet.dialects.graphlet.types import FLOAT_ELEMENT_TYPES, element_type, shape_of


class ScanOp(TensorOp):
    """A running reduction along `dim`: `out[..., i, ...] = x[..., 0, ...] op ... op x[..., i, ...]`."""

    input = operand_def()
    dim = prop_def(IntegerAttr)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    NEUTRAL: ClassVar[int]
    NP_SCAN: ClassVar[Any]

    def __init__(self, input: SSAValue | Operation, dim: int) -> None:
        self._build([input], {"dim": dim}, {"dim": IntegerAttr(dim, i64)})

    def static_args(self) -> dict[str, Any]:
        return {"dim": self.dim.value.data}

    @classmethod
    def np_operation(cls, x: np.ndarray, dim: int) -> np.ndarray:
        acc = np.float64 if x.dtype.kind == "f" else np.int64
        if x.ndim == 0:
            return np.asarray(cls.NP_SCAN(np.asarray(cls.NEUTRAL, acc), x.astype(acc)))
        shape = list(x.shape)
        shape[dim] = 1
        neutral = np.full(shape, cls.NEUTRAL, dtype=acc)
        running = cls.NP_SCAN.accumulate(np.concatenate([neutral, x.astype(acc)], axis=dim), dim)
        return np.delete(running, 0, axis=dim)

    @staticmethod
    def infer_type(x: Attribute, dim: int) -> Attribute:
        shape = shape_of(x)
        check_dims((dim,), max(len(shape), 1))
        elem = element_type(x)
        return TensorType(elem if elem in FLOAT_ELEMENT_TYPES else i64, shape)


@irdl_op_definition
class CumsumOp(ScanOp):
    """`torch.cumsum(x, dim)`; bools and ints sum to i64.
    `%c = graphlet.cumsum %x {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>`"""

    name = "graphlet.cumsum"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("cumsum",)
    NEUTRAL: ClassVar[int] = 0
    NP_SCAN: ClassVar[Any] = np.add


@irdl_op_definition
class CumprodOp(ScanOp):
    """`torch.cumprod(x, dim)`; bools and ints multiply to i64.
    `%c = graphlet.cumprod %x {dim = 0 : i64} : (tensor<4xi64>) -> tensor<4xi64>`"""

    name = "graphlet.cumprod"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("cumprod",)
    NEUTRAL: ClassVar[int] = 1
    NP_SCAN: ClassVar[Any] = np.multiply
