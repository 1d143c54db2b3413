"""The graphlet dialect's types and the one table between Python values and IR.

Scalars are `i1` (bool), `i64` (int) and `f64` (float); tensors have f32, f64, i64,
i32 or i1 elements (torch.float32, float64, int64, int32, bool). Every conversion between a Python
value or type, a NumPy dtype and an IR type reads the tables here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from xdsl.dialects.builtin import (
    AnyDenseElement,
    BytesAttr,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    TensorType,
    f32,
    f64,
    i1,
    i32,
    i64,
)
from xdsl.ir import Attribute
from xdsl.utils.exceptions import VerifyException

from graphlet import abi
from graphlet.abi import INT_MAX, INT_MIN

BOOL, INT, FLOAT = i1, i64, f64
SCALAR_TYPES: tuple[Attribute, ...] = (BOOL, INT, FLOAT)
NUMERIC_TYPES: tuple[Attribute, ...] = (INT, FLOAT)

PYTHON_TYPES: dict[Attribute, type] = {t: abi.PYTHON_TYPES[str(t)] for t in SCALAR_TYPES}
"""The Python type each scalar IR type stands for (`abi.PYTHON_TYPES` by the types
themselves): the one table between the two (bool first: a bool is also an int)."""


def python_type(t: Attribute) -> type:
    """The Python type an IR type stands for."""
    return PYTHON_TYPES[t]


def ir_type(value_or_type: Any) -> Attribute:
    """The IR type of a Python value or of a Python type (bool before int: bool is an int)."""
    t = value_or_type if isinstance(value_or_type, type) else type(value_or_type)
    for ir, py in PYTHON_TYPES.items():
        if issubclass(t, py):
            return ir
    raise TypeError(f"graphlet has no scalar type for Python {t.__name__}")


def fits(value: Any, t: Attribute) -> bool:
    """Whether a Python value is exactly representable in IR type `t`."""
    if t == BOOL:
        return isinstance(value, bool)
    if t == INT:
        return type(value) is int and INT_MIN <= value <= INT_MAX
    if t == FLOAT:
        return type(value) is float
    return False


def has_python_type(value: Any, t: Attribute) -> bool:
    """Whether a Python value has the Python type a scalar IR type stands for (an `i64`
    is any Python int: ints past 64 bits are big ints, not a different type)."""
    expected = PYTHON_TYPES.get(t)
    return expected is None or type(value) is expected


class UnrepresentableResult(TypeError):
    """Python's result has another type than the op declares (`2 ** -1` is a float,
    `(-8.0) ** 0.5` a complex): compiled code hands such calls back to Python."""


def to_attr(value: Any, t: Attribute) -> IntegerAttr | FloatAttr:
    """The constant attribute of a Python value that `fits` type `t`."""
    if t == FLOAT:
        return FloatAttr(value, f64)
    assert isinstance(t, IntegerType)
    return IntegerAttr(int(value), t)


def from_attr(attr: Attribute) -> Any:
    """The Python value of a constant attribute (i1 constants are bools, dense
    tensors NumPy arrays)."""
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return array_of(attr)
    if isinstance(attr, FloatAttr):
        return float(attr.value.data)
    if isinstance(attr, IntegerAttr):
        if attr.type == BOOL:
            return attr.value.data != 0
        return attr.value.data
    raise TypeError(f"not a scalar constant: {attr}")


# --------------------------------------------------------------------------- tensor types

TENSOR_ELEMENT_TYPES: tuple[Attribute, ...] = (f32, f64, i64, i32, i1)
"""Element types of graphlet tensors: torch.float32, float64, int64, int32 and bool."""

FLOAT_ELEMENT_TYPES: tuple[Attribute, ...] = (f32, f64)
INT_ELEMENT_TYPES: tuple[Attribute, ...] = (i64, i32)
"""Signed integer elements; arithmetic on them wraps at their width, as in PyTorch."""

NP_DTYPES: dict[Attribute, np.dtype] = {
    f32: np.dtype(np.float32),
    f64: np.dtype(np.float64),
    i64: np.dtype(np.int64),
    i32: np.dtype(np.int32),
    i1: np.dtype(np.bool_),
}
"""The NumPy dtype of each tensor element type."""

TORCH_DTYPE_NAMES: dict[Attribute, str] = {
    f32: "float32",
    f64: "float64",
    i64: "int64",
    i32: "int32",
    i1: "bool",
}
"""The `torch.<name>` dtype of each tensor element type (named, so that nothing outside
the torch frontend imports torch)."""


def is_tensor(t: Attribute) -> bool:
    return isinstance(t, TensorType)


def element_type(t: Attribute) -> Attribute:
    """The element type of a tensor type; a scalar type is its own element type."""
    return t.get_element_type() if isinstance(t, TensorType) else t


def shape_of(t: Attribute) -> tuple[int, ...]:
    """The static shape of a tensor type; `()` for a scalar."""
    return tuple(t.get_shape()) if isinstance(t, TensorType) else ()


def np_dtype(t: Attribute) -> np.dtype:
    """The NumPy dtype of an element type or of a tensor type's elements."""
    return NP_DTYPES[element_type(t)]


def element_type_of_dtype(dtype: Any) -> Attribute:
    """The element type of a NumPy dtype (raises for dtypes graphlet has no tensors of)."""
    for t, d in NP_DTYPES.items():
        if np.dtype(dtype) == d:
            return t
    raise TypeError(f"graphlet has no tensors of dtype {np.dtype(dtype)}")


def shape_str(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape)) if shape else "0-d"


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy/PyTorch broadcasting: align at the right, a 1 stretches to any size."""
    rank = max((len(s) for s in shapes), default=0)
    result: list[int] = []
    for i in range(1, rank + 1):
        sizes = [s[-i] for s in shapes if len(s) >= i]
        stretched = {d for d in sizes if d != 1}
        if len(stretched) > 1:
            raise VerifyException(
                f"shapes {' and '.join(shape_str(s) for s in shapes)} do not broadcast "
                f"(dimension {-i}: {' vs '.join(map(str, sizes))})"
            )
        result.append(stretched.pop() if stretched else 1)
    return tuple(reversed(result))


def dense_attr(array: Any, t: TensorType) -> DenseIntOrFPElementsAttr:
    """The dense constant of an array, converted to tensor type `t`."""
    data = np.ascontiguousarray(np.broadcast_to(array, t.get_shape()), dtype=np_dtype(t))
    return DenseIntOrFPElementsAttr(cast(TensorType[AnyDenseElement], t), BytesAttr(data.tobytes()))


def array_of(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The (read-only) array of a dense constant; a splat fills its shape."""
    elem, raw = attr.get_element_type(), attr.data.data
    if elem == i1:
        flat = np.frombuffer(raw, dtype=np.int8) != 0
    else:
        flat = np.frombuffer(raw, dtype=np_dtype(elem))
    shape = tuple(attr.get_shape())
    if flat.size == 1 and math.prod(shape) != 1:
        return np.broadcast_to(flat.reshape(()), shape)
    array: np.ndarray = flat.reshape(shape)
    return array


def scalar_stand_in(elem: Attribute) -> Attribute:
    """The scalar type whose rules a tensor element type follows (f32 follows f64,
    i32 follows i64)."""
    return FLOAT if elem == f32 else INT if elem == i32 else elem
