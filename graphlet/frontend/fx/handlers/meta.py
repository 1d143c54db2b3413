"""Reads of a tensor's metadata: `x.shape`, `x.size(d)`, `x.dim()`, `x.numel()`, `x.dtype`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.dtypes import DTYPES
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import rank, tensor
from graphlet.frontend.fx.handlers.shape import permute
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@handles("builtins.getattr")
def getattr_(imp: FxImporter, x: Any, name: str) -> Any:
    if isinstance(x, SSAValue):
        if name == "shape":
            return torch.Size(g.shape_of(x.type))
        if name == "dtype":
            return DTYPES[g.element_type(x.type)]
        if name == "ndim":
            return rank(x)
        if name == "T":
            return permute(imp, x, *reversed(range(rank(x))))
    raise NotHere(f"attribute {name!r} is not supported")


@handles("size")
def size(imp: FxImporter, x: Any, dim: Any = None) -> Any:
    shape = torch.Size(g.shape_of(tensor(x).type))
    return shape if dim is None else shape[dim]


@handles("dim")
def dim_(imp: FxImporter, x: Any) -> int:
    return rank(tensor(x))


@handles("numel")
def numel(imp: FxImporter, x: Any) -> int:
    return math.prod(g.shape_of(tensor(x).type))


@handles("aten.sym_size.int")
def sym_size(imp: FxImporter, x: Any, dim: int) -> int:
    """A size the graph reads (symbolic when traced, concrete here: graphlet compiles
    per input shape)."""
    return g.shape_of(tensor(x).type)[dim]


@handles("aten.sym_numel.default")
def sym_numel(imp: FxImporter, x: Any) -> int:
    return numel(imp, x)


@handles("aten._assert_tensor_metadata.default")
def assert_tensor_metadata(
    imp: FxImporter,
    x: Any,
    size: Any = None,
    stride: Any = None,
    dtype: Any = None,
    *,
    device: Any = None,
    layout: Any = None,
) -> None:
    """export's check of a tensor's dtype and size: checked here at import."""
    x = tensor(x)
    if dtype is not None and DTYPES[g.element_type(x.type)] != dtype:
        raise NotHere(f"the tensor is {x.type}, not {dtype}")
    if size is not None and tuple(size) != g.shape_of(x.type):
        raise NotHere(f"the tensor is {x.type}, not of size {tuple(size)}")
