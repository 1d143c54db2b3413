"""Tensor contractions: `torch.matmul` and `F.linear`."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import TensorType, i1
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, opt_operand_def, result_def

from graphlet.dialects.graphlet.abstract_ops import (
    TensorOp,
    require,
    require_float_tensor,
    same_elements,
)
from graphlet.dialects.graphlet.types import broadcast_shapes, shape_of, shape_str


@irdl_op_definition
class MatmulOp(TensorOp):
    """`torch.matmul(a, b)` / `a @ b`: vectors, matrices and broadcast batches.
    `%c = graphlet.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>`"""

    name = "graphlet.matmul"
    PY_FUNCTIONS: ClassVar[tuple[Callable[..., Any], ...]] = (operator.matmul,)
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("matmul", "mm", "bmm")
    lhs = operand_def()
    rhs = operand_def()
    result = result_def()
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"
    np_operation = staticmethod(np.matmul)

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation) -> None:
        self._build([lhs, rhs], {}, {})

    @staticmethod
    def infer_type(lhs: Attribute, rhs: Attribute) -> Attribute:
        elem = same_elements(lhs, rhs)
        require(elem != i1, "does not multiply tensors of i1")
        a, b = shape_of(lhs), shape_of(rhs)
        require(
            len(a) >= 1 and len(b) >= 1,
            f"operands must have rank >= 1, got {shape_str(a)} and {shape_str(b)}",
        )
        a2 = (1, *a) if len(a) == 1 else a
        b2 = (*b, 1) if len(b) == 1 else b
        require(
            a2[-1] == b2[-2],
            f"contracted dimensions differ: {shape_str(a)} @ {shape_str(b)} ({a2[-1]} vs {b2[-2]})",
        )
        batch = broadcast_shapes(a2[:-2], b2[:-2])
        shape = (*batch, *(a2[-2:-1] if len(a) > 1 else ()), *(b2[-1:] if len(b) > 1 else ()))
        return TensorType(elem, shape)


@irdl_op_definition
class LinearOp(TensorOp):
    """`F.linear(x, w, b)` = `x @ w.T + b`, the bias optional.
    `%y = graphlet.linear %x, %w, %b : (tensor<1x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<1x8xf32>`"""

    name = "graphlet.linear"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("linear",)
    input = operand_def()
    weight = operand_def()
    bias = opt_operand_def()
    result = result_def()
    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        input: SSAValue | Operation,
        weight: SSAValue | Operation,
        bias: SSAValue | Operation | None = None,
    ) -> None:
        self._build([input, weight, [bias] if bias is not None else []], {}, {})

    @staticmethod
    def np_operation(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        y = np.matmul(x, w.T)
        return y if b is None else y + b

    @staticmethod
    def infer_type(x: Attribute, w: Attribute, b: Attribute | None = None) -> Attribute:
        require_float_tensor(x, "input")
        elem = same_elements(x, w, *([b] if b is not None else []))
        xs, ws = shape_of(x), shape_of(w)
        require(len(ws) == 2, f"weight must be 2-d (out x in), got {shape_str(ws)}")
        require(
            len(xs) >= 1 and xs[-1] == ws[1],
            f"input features {shape_str(xs)} do not match weight {shape_str(ws)} (in = {ws[1]})",
        )
        if b is not None:
            require(
                shape_of(b) in ((ws[0],), ()),
                f"bias must have shape {ws[0]}, got {shape_str(shape_of(b))}",
            )
        return TensorType(elem, (*xs[:-1], ws[0]))
