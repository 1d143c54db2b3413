"""PyTorch dtypes and graphlet element types, both ways."""

from __future__ import annotations

import torch
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute

from graphlet.dialects import graphlet as g

TORCH_ELEMENTS: dict[torch.dtype, Attribute] = {
    getattr(torch, name): t for t, name in g.TORCH_DTYPE_NAMES.items()
}
DTYPES = {v: k for k, v in TORCH_ELEMENTS.items()}
"""The torch dtype of each graphlet element type."""


def element_of(dtype: torch.dtype) -> Attribute:
    if dtype not in TORCH_ELEMENTS:
        raise TypeError(f"graphlet has no tensors of {dtype} (f32, f64, i64, i32 and bool only)")
    return TORCH_ELEMENTS[dtype]


def tensor_type_of(t: torch.Tensor) -> TensorType:
    return TensorType(element_of(t.dtype), tuple(t.shape))
