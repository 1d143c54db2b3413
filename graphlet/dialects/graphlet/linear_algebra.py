"""Tensor contractions: `torch.matmul` and `F.linear`."""

from __future__ import annotations

import math
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
from graphlet.dialects.graphlet.vjp import Derivative


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

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """grad @ b.mT and a.mT @ grad, vectors as 1-row / 1-column matrices and
        broadcast batch dimensions summed away."""
        a, b = self.lhs, self.rhs
        sa, sb = shape_of(a.type), shape_of(b.type)
        a2 = d.reshape(a, (1, *sa)) if len(sa) == 1 else a
        b2 = d.reshape(b, (*sb, 1)) if len(sb) == 1 else b
        out = shape_of(MatmulOp.infer_type(a2.type, b2.type))
        g2 = d.reshape(grad, out)
        grads: list[SSAValue | None] = [None, None]
        if d.wants(0):
            ga = d.matmul(g2, d.swap_last(b2))
            grads[0] = d.reshape(d.unbroadcast(ga, a2.type), sa)
        if d.wants(1):
            gb = d.matmul(d.swap_last(a2), g2)
            grads[1] = d.reshape(d.unbroadcast(gb, b2.type), sb)
        return tuple(grads)


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
        y = np.asarray(np.matmul(x, w.T))
        return y if b is None else np.asarray(y + b)

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

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """grad @ w, grad.T @ x over all leading dimensions, and grad summed for b."""
        x, w = self.input, self.weight
        grads: list[SSAValue | None] = [None, None, None]
        if d.wants(0):
            grads[0] = d.matmul(grad, w)
        if d.wants(1):
            features = shape_of(x.type)[-1]
            rows = math.prod(shape_of(x.type)[:-1])
            g2 = d.reshape(grad, (rows, shape_of(w.type)[0]))
            grads[1] = d.matmul(d.swap_last(g2), d.reshape(x, (rows, features)))
        if len(self.operands) == 3 and d.wants(2):
            grads[2] = d.unbroadcast(grad, self.operands[2].type)
        return tuple(grads[: len(self.operands)])
