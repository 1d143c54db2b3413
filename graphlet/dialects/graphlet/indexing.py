"""Indexing by tensors of indices: advanced indexing (`x[idx]`, embedding,
index_select) and gather.

Indices are i64 tensors, checked against the dimension they index: PyTorch raises
for an index out of range (IndexError or RuntimeError, depending on the op, both
named by the op's `error`), and so does native code, through the status result;
it never reads out of bounds. Negative indices count from the end where PyTorch
allows them (`wrap_negative`: `x[idx]`, index_put) and are out of range otherwise
(embedding, index_select, gather).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, StringAttr, TensorType, UnitAttr, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    var_operand_def,
)

from graphlet.dialects.graphlet.abstract_ops import TensorOp, check_dims, dims_attr, require
from graphlet.dialects.graphlet.torch_semantics import INDEX_ERRORS, check_indices
from graphlet.dialects.graphlet.types import broadcast_shapes, element_type, shape_of, shape_str


def _check_index_types(*indices: Attribute) -> None:
    for t in indices:
        require(element_type(t) == i64, f"indices must be tensors of i64, got {t}")


def _check_error(error: str) -> None:
    require(error in INDEX_ERRORS, f"error must be one of {', '.join(INDEX_ERRORS)}, got {error}")


def advanced_index_layout(
    rank: int, dims: Sequence[int], broadcast_rank: int
) -> tuple[int, list[int | None]]:
    """Where advanced indexing puts things: the position of the broadcast index
    dimensions in the result, and for each source dimension the result dimension
    it becomes (None for an indexed one). As in NumPy and PyTorch, the index
    dimensions replace the indexed ones when those are adjacent, else lead."""
    adjacent = list(dims) == list(range(dims[0], dims[-1] + 1))
    at = dims[0] if adjacent else 0
    placed: list[int | None] = []
    next_dim = 0
    for d in range(rank):
        if d in dims:
            placed.append(None)
            continue
        if next_dim == at:
            next_dim += broadcast_rank
        placed.append(next_dim)
        next_dim += 1
    return at, placed


@irdl_op_definition
class IndexOp(TensorOp):
    """`x[:, i, :, j]`: index tensors at `dims` (sorted), broadcast together, the
    other dimensions whole (`aten.index.Tensor`, embedding, index_select).
    `%r = graphlet.index %w[%ids] {dims = array<i64: 0>, error = "IndexError"} : (tensor<10x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>`"""

    name = "graphlet.index"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("aten.index", "embedding", "index_select")
    input = operand_def()
    indices = var_operand_def()
    dims = prop_def(DenseArrayBase)
    wrap_negative = opt_prop_def(UnitAttr)
    error = prop_def(StringAttr)
    result = result_def()
    assembly_format = "$input `[` $indices `]` attr-dict `:` functional-type(operands, results)"

    def __init__(
        self,
        input: SSAValue | Operation,
        indices: Sequence[SSAValue | Operation],
        dims: Sequence[int],
        *,
        wrap_negative: bool = False,
        error: str = "IndexError",
    ) -> None:
        props: dict[str, Attribute] = {"dims": dims_attr(dims), "error": StringAttr(error)}
        if wrap_negative:
            props["wrap_negative"] = UnitAttr()
        static = {"dims": tuple(dims), "wrap_negative": wrap_negative, "error": error}
        self._build([input, list(indices)], static, props)

    def static_args(self) -> dict[str, Any]:
        return {
            "dims": tuple(self.dims.get_values()),
            "wrap_negative": self.wrap_negative is not None,
            "error": self.error.data,
        }

    @staticmethod
    def np_operation(
        x: np.ndarray, *indices: np.ndarray, dims: tuple[int, ...], wrap_negative: bool, error: str
    ) -> np.ndarray:
        key: list[Any] = [slice(None)] * x.ndim
        for d, index in zip(dims, indices):
            key[d] = check_indices(index, x.shape[d], wrap_negative, error)
        return np.asarray(x[tuple(key)])

    @staticmethod
    def infer_type(
        x: Attribute, *indices: Attribute, dims: tuple[int, ...], wrap_negative: bool, error: str
    ) -> Attribute:
        shape = shape_of(x)
        _check_error(error)
        _check_index_types(*indices)
        require(
            len(indices) == len(dims) >= 1,
            f"needs one index tensor per indexed dimension, got {len(indices)} for "
            f"dimensions {list(dims)}",
        )
        check_dims(dims, len(shape))
        require(list(dims) == sorted(dims), f"dimensions {list(dims)} must be increasing")
        broadcast = broadcast_shapes(*(shape_of(t) for t in indices))
        at, placed = advanced_index_layout(len(shape), dims, len(broadcast))
        out = [0] * (len(shape) - len(dims) + len(broadcast))
        out[at : at + len(broadcast)] = broadcast
        for d, r in enumerate(placed):
            if r is not None:
                out[r] = shape[d]
        return TensorType(element_type(x), tuple(out))


@irdl_op_definition
class GatherOp(TensorOp):
    """`torch.gather(x, dim, index)`: `out[p] = x[p with p[dim] = index[p]]`; the
    index has x's rank and is no larger than x outside `dim`.
    `%r = graphlet.gather %x, %i {dim = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>`"""

    name = "graphlet.gather"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("gather",)
    input = operand_def()
    index = operand_def()
    dim = prop_def(IntegerAttr)
    result = result_def()
    assembly_format = "$input `,` $index attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue | Operation, index: SSAValue | Operation, dim: int) -> None:
        self._build([input, index], {"dim": dim}, {"dim": IntegerAttr(dim, i64)})

    def static_args(self) -> dict[str, Any]:
        return {"dim": self.dim.value.data}

    @staticmethod
    def np_operation(x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        if x.ndim == 0:
            check_indices(index, 1, False, "RuntimeError")
            return x.copy()
        index = check_indices(index, x.shape[dim], False, "RuntimeError")
        window = x[
            tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        ]
        return np.take_along_axis(window, index, axis=dim)

    @staticmethod
    def infer_type(x: Attribute, index: Attribute, dim: int) -> Attribute:
        _check_index_types(index)
        xs, ids = shape_of(x), shape_of(index)
        require(
            len(xs) == len(ids),
            f"index {shape_str(ids)} must have the rank of the input {shape_str(xs)}",
        )
        check_dims((dim,), max(len(xs), 1))
        for d, (n, m) in enumerate(zip(xs, ids)):
            require(
                d == dim or m <= n,
                f"index {shape_str(ids)} is larger than the input {shape_str(xs)} in dimension {d}",
            )
        return TensorType(element_type(x), ids)
