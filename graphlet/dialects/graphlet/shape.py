"""Data movement: transpose, reshape, expand, cat and slice (no arithmetic)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, TensorType, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, var_operand_def

from graphlet.dialects.graphlet.abstract_ops import (
    TensorOp,
    check_dims,
    dims_attr,
    require,
    same_elements,
)
from graphlet.dialects.graphlet.types import element_type, shape_of, shape_str
from graphlet.dialects.graphlet.vjp import Derivative


@irdl_op_definition
class TransposeOp(TensorOp):
    """`x.permute(*perm)`; `x.transpose(i, j)` is the permutation swapping i and j.
    `%t = graphlet.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>`"""

    name = "graphlet.transpose"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("permute",)
    input = operand_def()
    perm = prop_def(DenseArrayBase)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, perm: Sequence[int]) -> None:
        self._build([input], {"perm": tuple(perm)}, {"perm": dims_attr(perm)})

    def static_args(self) -> dict[str, Any]:
        return {"perm": tuple(self.perm.get_values())}

    @staticmethod
    def np_operation(x: np.ndarray, perm: tuple[int, ...]) -> np.ndarray:
        return np.transpose(x, perm)

    @staticmethod
    def infer_type(x: Attribute, perm: tuple[int, ...]) -> Attribute:
        shape = shape_of(x)
        require(
            sorted(perm) == list(range(len(shape))),
            f"perm {list(perm)} is not a permutation of the {len(shape)} dimensions",
        )
        return TensorType(element_type(x), tuple(shape[p] for p in perm))

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """The cotangent, permuted back."""
        perm = self.static_args()["perm"]
        inverse = sorted(range(len(perm)), key=perm.__getitem__)
        return (d.transpose(grad, inverse),)


class _ShapeFromResult(TensorOp):
    """An op whose result shape is spelled in its result type, not an attribute."""

    input = operand_def()
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, shape: Sequence[int]) -> None:
        self._build([input], {"shape": tuple(shape)}, {})

    def static_args(self) -> dict[str, Any]:
        return {"shape": shape_of(self.result.type)}


@irdl_op_definition
class ReshapeOp(_ShapeFromResult):
    """`x.reshape(shape)` / `x.view(shape)` on a contiguous tensor: same elements in
    row-major order. `%r = graphlet.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>`"""

    name = "graphlet.reshape"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("view", "reshape", "aten._unsafe_view")

    @staticmethod
    def np_operation(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.reshape(x, shape)

    @staticmethod
    def infer_type(x: Attribute, shape: tuple[int, ...]) -> Attribute:
        require(
            math.prod(shape) == math.prod(shape_of(x)),
            f"cannot reshape {shape_str(shape_of(x))} ({math.prod(shape_of(x))} elements) "
            f"to {shape_str(shape)} ({math.prod(shape)} elements)",
        )
        return TensorType(element_type(x), shape)

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        return (d.reshape(grad, shape_of(self.input.type)),)


@irdl_op_definition
class ExpandOp(_ShapeFromResult):
    """`x.expand(shape)`: broadcast to a larger shape without copying in PyTorch.
    `%e = graphlet.expand %x : (tensor<1x3xf32>) -> tensor<4x3xf32>`"""

    name = "graphlet.expand"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("expand",)

    @staticmethod
    def np_operation(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    @staticmethod
    def infer_type(x: Attribute, shape: tuple[int, ...]) -> Attribute:
        src = shape_of(x)
        ok = len(shape) >= len(src) and all(
            s in (1, d) for s, d in zip(reversed(src), reversed(shape))
        )
        require(ok, f"cannot expand {shape_str(src)} to {shape_str(shape)}")
        return TensorType(element_type(x), shape)

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """Summed over the dimensions the expansion stretched."""
        return (d.unbroadcast(grad, self.input.type),)


@irdl_op_definition
class CatOp(TensorOp):
    """`torch.cat(tensors, dim)`: sizes agree except along `dim`.
    `%c = graphlet.cat %a, %b {dim = 0 : i64} : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<3x3xf32>`"""

    name = "graphlet.cat"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("cat", "concat", "concatenate")
    inputs = var_operand_def()
    dim = prop_def(IntegerAttr)
    result = result_def()
    assembly_format = "$inputs attr-dict `:` functional-type(operands, results)"

    def __init__(self, inputs: Sequence[SSAValue | Operation], dim: int) -> None:
        self._build([list(inputs)], {"dim": dim}, {"dim": IntegerAttr(dim, i64)})

    def static_args(self) -> dict[str, Any]:
        return {"dim": self.dim.value.data}

    @staticmethod
    def np_operation(*xs: np.ndarray, dim: int) -> np.ndarray:
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def infer_type(*xs: Attribute, dim: int) -> Attribute:
        require(len(xs) >= 1, "needs at least one operand")
        elem = same_elements(*xs)
        first = shape_of(xs[0])
        check_dims((dim,), len(first))
        for t in xs[1:]:
            s = shape_of(t)
            require(
                len(s) == len(first)
                and all(a == b for i, (a, b) in enumerate(zip(s, first)) if i != dim),
                f"shapes {shape_str(first)} and {shape_str(s)} differ outside dimension {dim}",
            )
        size = sum(shape_of(t)[dim] for t in xs)
        return TensorType(elem, (*first[:dim], size, *first[dim + 1 :]))

    def vjp(self, d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
        """Each input's slice of the cotangent."""
        dim = self.static_args()["dim"]
        shape = shape_of(grad.type)
        grads: list[SSAValue | None] = []
        start = 0
        for i, x in enumerate(self.inputs):
            size = shape_of(x.type)[dim]
            if d.wants(i):
                starts = [start if k == dim else 0 for k in range(len(shape))]
                ends = [start + size if k == dim else n for k, n in enumerate(shape)]
                grads.append(d.emit(SliceOp(grad, starts, ends, [1] * len(shape))))
            else:
                grads.append(None)
            start += size
        return tuple(grads)


@irdl_op_definition
class SliceOp(TensorOp):
    """`x[s0:e0:k0, s1:e1:k1, ...]` with static, in-range bounds and positive steps.
    `%s = graphlet.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2xf32>`"""

    name = "graphlet.slice"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("slice",)
    input = operand_def()
    starts = prop_def(DenseArrayBase)
    ends = prop_def(DenseArrayBase)
    steps = prop_def(DenseArrayBase)
    result = result_def()
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        input: SSAValue | Operation,
        starts: Sequence[int],
        ends: Sequence[int],
        steps: Sequence[int],
    ) -> None:
        static = {"starts": tuple(starts), "ends": tuple(ends), "steps": tuple(steps)}
        self._build([input], static, {k: dims_attr(v) for k, v in static.items()})

    def static_args(self) -> dict[str, Any]:
        return {k: tuple(getattr(self, k).get_values()) for k in ("starts", "ends", "steps")}

    @staticmethod
    def np_operation(
        x: np.ndarray, starts: tuple[int, ...], ends: tuple[int, ...], steps: tuple[int, ...]
    ) -> np.ndarray:
        return x[tuple(slice(s, e, k) for s, e, k in zip(starts, ends, steps))]

    @staticmethod
    def infer_type(
        x: Attribute, starts: tuple[int, ...], ends: tuple[int, ...], steps: tuple[int, ...]
    ) -> Attribute:
        shape = shape_of(x)
        require(
            len(starts) == len(ends) == len(steps) == len(shape),
            f"needs a start, end and step per dimension ({len(shape)})",
        )
        out = []
        for d, (s, e, k, n) in enumerate(zip(starts, ends, steps, shape)):
            require(
                0 <= s <= e <= n and k >= 1,
                f"slice {s}:{e}:{k} is out of range for dimension {d} of size {n}",
            )
            out.append(-(-(e - s) // k))
        return TensorType(element_type(x), tuple(out))
