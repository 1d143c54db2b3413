"""Neural-network ops: activations, softmax, normalization, dropout, and torch.nn's
leaf modules as `symbolic_trace` leaves them (`call_module`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import norm_dim, rank, tensor, unary
from graphlet.frontend.fx.handlers.linalg import linear
from graphlet.frontend.fx.handlers.shape import flatten
from graphlet.frontend.fx.registry import handles, handles_module

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter

nn = torch.nn


@handles("relu")
def relu(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    return unary(g.ReluOp, imp, x)


def _as_float(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    return x if g.element_type(x.type) in g.FLOAT_ELEMENT_TYPES else imp.cast(x, g.f32)


@handles("sigmoid")
def sigmoid(imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(g.SigmoidOp(_as_float(imp, x)))


@handles("gelu")
def gelu(imp: FxImporter, x: Any, approximate: str = "none") -> SSAValue:
    return imp.emit(g.GeluOp(tensor(x), approximate))


def _softmax_dim(x: SSAValue, dim: Any, rest: tuple[Any, ...], dtype: Any, what: str) -> int:
    if dim is None or dtype is not None or (rest and rest[-1] not in (None, False, 3)):
        raise NotHere(f"{what} needs an explicit dim and no dtype")
    return norm_dim(dim, rank(x))


@handles("softmax", "aten._softmax")
def softmax(
    imp: FxImporter, x: Any, dim: Any = None, *rest: Any, dtype: Any = None, **kw: Any
) -> SSAValue:
    x = tensor(x)
    return imp.emit(g.SoftmaxOp(x, _softmax_dim(x, dim, rest, dtype, "softmax")))


@handles("log_softmax", "aten._log_softmax")
def log_softmax(
    imp: FxImporter, x: Any, dim: Any = None, *rest: Any, dtype: Any = None, **kw: Any
) -> SSAValue:
    x = tensor(x)
    return imp.emit(g.LogSoftmaxOp(x, _softmax_dim(x, dim, rest, dtype, "log_softmax")))


@handles("layer_norm")
def layer_norm(
    imp: FxImporter,
    x: Any,
    normalized_shape: Any,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
    *rest: Any,
) -> SSAValue:
    x = tensor(x)
    shape = tuple(normalized_shape)
    elem = g.element_type(x.type)
    w = weight if weight is not None else imp.constant(np.ones(shape), elem)
    b = bias if bias is not None else imp.constant(np.zeros(shape), elem)
    return imp.emit(g.LayerNormOp(x, w, b, len(shape), float(eps)))


@handles("dropout")
def dropout(
    imp: FxImporter, x: Any, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Any:
    if training and p > 0:
        raise NotHere(
            "dropout in training mode (graphlet compiles for inference: call model.eval())"
        )
    return x


# --------------------------------------------------------------------------- leaf modules


def _param(imp: FxImporter, prefix: str, module: nn.Module, name: str) -> SSAValue | None:
    value = getattr(module, name)
    return imp.param(f"{prefix}.{name}", value) if value is not None else None


@handles_module(nn.Linear)
def linear_module(imp: FxImporter, mod: nn.Linear, prefix: str, x: Any) -> SSAValue:
    weight = _param(imp, prefix, mod, "weight")
    return linear(imp, x, weight, _param(imp, prefix, mod, "bias"))


@handles_module(nn.LayerNorm)
def layer_norm_module(imp: FxImporter, mod: nn.LayerNorm, prefix: str, x: Any) -> SSAValue:
    w, b = _param(imp, prefix, mod, "weight"), _param(imp, prefix, mod, "bias")
    return layer_norm(imp, x, mod.normalized_shape, w, b, mod.eps)


@handles_module(nn.Dropout)
def dropout_module(imp: FxImporter, mod: nn.Dropout, prefix: str, x: Any) -> Any:
    return dropout(imp, x, mod.p, mod.training)


@handles_module(nn.ReLU)
def relu_module(imp: FxImporter, mod: nn.ReLU, prefix: str, x: Any) -> SSAValue:
    return relu(imp, x)


@handles_module(nn.Sigmoid)
def sigmoid_module(imp: FxImporter, mod: nn.Sigmoid, prefix: str, x: Any) -> SSAValue:
    return sigmoid(imp, x)


@handles_module(nn.Tanh)
def tanh_module(imp: FxImporter, mod: nn.Tanh, prefix: str, x: Any) -> SSAValue:
    return unary(g.TanhOp, imp, x)


@handles_module(nn.Identity)
def identity_module(imp: FxImporter, mod: nn.Identity, prefix: str, x: Any) -> Any:
    return x


@handles_module(nn.GELU)
def gelu_module(imp: FxImporter, mod: nn.GELU, prefix: str, x: Any) -> SSAValue:
    return gelu(imp, x, mod.approximate)


@handles_module(nn.Softmax)
def softmax_module(imp: FxImporter, mod: nn.Softmax, prefix: str, x: Any) -> SSAValue:
    return softmax(imp, x, mod.dim)


@handles_module(nn.LogSoftmax)
def log_softmax_module(imp: FxImporter, mod: nn.LogSoftmax, prefix: str, x: Any) -> SSAValue:
    return log_softmax(imp, x, mod.dim)


@handles_module(nn.Flatten)
def flatten_module(imp: FxImporter, mod: nn.Flatten, prefix: str, x: Any) -> SSAValue:
    return flatten(imp, x, mod.start_dim, mod.end_dim)
