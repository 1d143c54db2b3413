"""Neural-network ops: activations, softmax, normalization, dropout, and torch.nn's
leaf modules as `symbolic_trace` leaves them (`call_module`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import (
    Deferred,
    binary,
    norm_dim,
    rank,
    tensor,
    unary,
)
from graphlet.frontend.fx.handlers.elementwise import clamp
from graphlet.frontend.fx.handlers.linalg import linear
from graphlet.frontend.fx.handlers.shape import flatten, view
from graphlet.frontend.fx.registry import handles, handles_module, handles_op

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter

nn = torch.nn


@handles_op(g.ReluOp)
def relu(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    return unary(g.ReluOp, imp, x)


def _as_float(imp: FxImporter, x: Any) -> SSAValue:
    x = tensor(x)
    return x if g.element_type(x.type) in g.FLOAT_ELEMENT_TYPES else imp.cast(x, g.f32)


@handles_op(g.SigmoidOp)
def sigmoid(imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(g.SigmoidOp(_as_float(imp, x)))


@handles_op(g.GeluOp)
def gelu(imp: FxImporter, x: Any, approximate: str = "none") -> SSAValue:
    return imp.emit(g.GeluOp(tensor(x), approximate))


def _along_dim(
    imp: FxImporter,
    op: type[g.SoftmaxOp | g.LogSoftmaxOp],
    what: str,
    x: Any,
    dim: Any,
    rest: tuple[Any, ...],
    dtype: Any,
) -> SSAValue:
    """`op(x, dim)` of PyTorch's `what(x, dim, ...)`, which needs an explicit dim and no
    dtype; a 0-d tensor is taken as a vector of its one element (softmax 1)."""
    x = tensor(x)
    if dim is None or dtype is not None or (rest and rest[-1] not in (None, False, 3)):
        raise NotHere(f"{what} needs an explicit dim and no dtype")
    dim = norm_dim(dim, rank(x))
    if rank(x):
        return imp.emit(op(x, dim))
    return imp.emit(g.ReshapeOp(imp.emit(op(imp.emit(g.ReshapeOp(x, (1,))), 0)), ()))


@handles_op(g.SoftmaxOp)
def softmax(
    imp: FxImporter, x: Any, dim: Any = None, *rest: Any, dtype: Any = None, **kw: Any
) -> SSAValue:
    return _along_dim(imp, g.SoftmaxOp, "softmax", x, dim, rest, dtype)


@handles_op(g.LogSoftmaxOp)
def log_softmax(
    imp: FxImporter, x: Any, dim: Any = None, *rest: Any, dtype: Any = None, **kw: Any
) -> SSAValue:
    return _along_dim(imp, g.LogSoftmaxOp, "log_softmax", x, dim, rest, dtype)


@handles_op(g.LayerNormOp, "aten.layer_norm.default")
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


@handles("native_layer_norm")
def native_layer_norm(
    imp: FxImporter, x: Any, normalized_shape: Any, weight: Any, bias: Any, eps: float
) -> tuple[Any, ...]:
    """`(out, mean, rstd)`; mean and rstd (kept for backward, shaped like x with the
    normalized dims 1) are built only when something reads them."""
    x = tensor(x)
    out = layer_norm(imp, x, normalized_shape, weight, bias, eps)
    r = rank(x)
    dims = tuple(range(r - len(tuple(normalized_shape)), r))
    stats: dict[str, SSAValue] = {}

    def mean() -> SSAValue:
        if "mean" not in stats:
            stats["mean"] = imp.emit(g.MeanOp(x, dims, True))
        return stats["mean"]

    def rstd() -> SSAValue:
        centered = imp.emit(g.SubOp(x, mean()))
        var = imp.emit(g.MeanOp(imp.emit(g.MulOp(centered, centered)), dims, True))
        shifted = imp.emit(g.AddOp(var, imp.constant(eps, g.element_type(x.type))))
        return binary(g.TrueDivOp, imp, 1.0, imp.emit(g.SqrtOp(shifted)))

    return (out, Deferred(mean), Deferred(rstd))


def _per_channel(imp: FxImporter, v: Any, r: int) -> SSAValue:
    """A (C,) parameter shaped (C, 1, ...) to broadcast along dim 1 of a rank-r input."""
    v = tensor(v)
    return view(imp, v, *g.shape_of(v.type), *[1] * (r - 2))


def _batch_norm_input(x: Any) -> SSAValue:
    v = tensor(x)
    if rank(v) < 2:
        raise NotHere("batch_norm needs an input of rank >= 2")
    return v


def _scale_and_shift(
    imp: FxImporter, x: SSAValue, weight: Any, bias: Any, mean: SSAValue, inv: SSAValue
) -> SSAValue:
    """Batch norm as two elementwise ops on x: `x * scale + shift`, with per-channel
    `scale = weight * inv` (inv: 1 / sqrt(var + eps)) and `shift = bias - mean * scale`,
    PyTorch's CPU kernel's form."""
    r, elem = rank(x), g.element_type(x.type)
    scale = inv if weight is None else imp.emit(g.MulOp(tensor(weight), inv))
    shift = imp.emit(g.NegOp(imp.emit(g.MulOp(mean, scale))))
    if bias is not None:
        shift = imp.emit(g.AddOp(tensor(bias), shift))
    scale, shift = imp.cast(scale, elem), imp.cast(shift, elem)
    return imp.emit(
        g.AddOp(imp.emit(g.MulOp(x, _per_channel(imp, scale, r))), _per_channel(imp, shift, r))
    )


def _inverse_std(imp: FxImporter, var: Any, eps: float) -> SSAValue:
    """`1 / sqrt(var + eps)`, in PyTorch's order (batch norm's `invstd`)."""
    return binary(g.TrueDivOp, imp, 1.0, imp.emit(g.SqrtOp(binary(g.AddOp, imp, var, eps))))


def _no_stats(imp: FxImporter, x: SSAValue) -> SSAValue:
    """The `save_mean`/`save_invstd` of batch norm in inference: empty, as PyTorch's."""
    return imp.constant(np.zeros((0,)), g.element_type(x.type))


@handles("aten._native_batch_norm_legit_no_training.default")
def batch_norm_inference(
    imp: FxImporter,
    x: Any,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,
    momentum: float,
    eps: float,
) -> tuple[Any, ...]:
    """`(out, empty, empty)`: x normalized with the running statistics."""
    x = _batch_norm_input(x)
    inv = _inverse_std(imp, running_var, eps)
    out = _scale_and_shift(imp, x, weight, bias, tensor(running_mean), inv)
    return (out, _no_stats(imp, x), _no_stats(imp, x))


def _batch_statistics(imp: FxImporter, x: SSAValue, eps: float) -> tuple[SSAValue, ...]:
    """Per channel (dim 1): the mean, the biased variance and `1 / sqrt(var + eps)`."""
    if 0 in g.shape_of(x.type):
        raise NotHere("batch_norm in training mode of an empty batch")
    r = rank(x)
    dims = (0, *range(2, r))
    mean = imp.emit(g.MeanOp(x, dims, False))
    centered = imp.emit(g.SubOp(x, _per_channel(imp, mean, r)))
    var = imp.emit(g.MeanOp(imp.emit(g.MulOp(centered, centered)), dims, False))
    inv = _inverse_std(imp, var, eps)
    return mean, var, inv


def batch_norm_training(
    imp: FxImporter, x: SSAValue, weight: Any, bias: Any, eps: float
) -> tuple[SSAValue, ...]:
    """`(out, mean, rstd, var)`: x normalized with its batch statistics."""
    mean, var, inv = _batch_statistics(imp, x, eps)
    return _scale_and_shift(imp, x, weight, bias, mean, inv), mean, inv, var


@handles("aten._native_batch_norm_legit.no_stats")
def batch_norm_no_stats(
    imp: FxImporter, x: Any, weight: Any, bias: Any, training: bool, momentum: float, eps: float
) -> tuple[Any, ...]:
    """`(out, mean, rstd)` of the batch: there are no running statistics to use."""
    if not training:
        raise NotHere("batch_norm without running statistics needs training=True")
    out, mean, inv, _ = batch_norm_training(imp, _batch_norm_input(x), weight, bias, eps)
    return (out, mean, inv)


def _batch_norm_with_running_stats(*, functional: bool) -> Callable[..., tuple[Any, ...]]:
    """The handler of `_native_batch_norm_legit` with running statistics: inference
    uses them; training updates them in place, which a compiled graph cannot, so it is
    imported only in the `functional` form (functionalization's
    `_native_batch_norm_legit_functional`), which returns them as two more results,
    moved toward the batch's by `momentum` (the variance unbiased), as PyTorch moves
    them. native_batch_norm passes None for them in training."""

    def batch_norm(
        imp: FxImporter,
        x: Any,
        weight: Any,
        bias: Any,
        running_mean: Any,
        running_var: Any,
        training: bool,
        momentum: float,
        eps: float,
    ) -> tuple[Any, ...]:
        if not functional and (running_mean is None or running_var is None):
            return batch_norm_no_stats(imp, x, weight, bias, training, momentum, eps)
        if not training:
            stats = (running_mean, running_var) if functional else ()
            inference = batch_norm_inference(
                imp, x, weight, bias, running_mean, running_var, momentum, eps
            )
            return (*inference, *stats)
        if not functional:
            raise NotHere("batch_norm in training updates running_mean/var in place")
        x = _batch_norm_input(x)
        out, mean, inv, var = batch_norm_training(imp, x, weight, bias, eps)
        shape = g.shape_of(x.type)
        n = math.prod(shape) // shape[1]
        unbiased = binary(g.MulOp, imp, var, n / (n - 1) if n > 1 else math.inf)

        def moved(running: Any, batch: SSAValue) -> SSAValue:
            """The running statistic moved toward the batch's by `momentum`."""
            kept = binary(g.MulOp, imp, running, 1.0 - momentum)
            moving = imp.cast(binary(g.MulOp, imp, batch, momentum), g.element_type(kept.type))
            return imp.emit(g.AddOp(kept, moving))

        return (out, mean, inv, moved(running_mean, mean), moved(running_var, unbiased))

    return batch_norm


handles("aten._native_batch_norm_legit.default", "native_batch_norm")(
    _batch_norm_with_running_stats(functional=False)
)
handles("aten._native_batch_norm_legit_functional.default")(
    _batch_norm_with_running_stats(functional=True)
)


@handles("native_group_norm")
def native_group_norm(
    imp: FxImporter,
    x: Any,
    weight: Any,
    bias: Any,
    n: int,
    c: int,
    hw: int,
    group: int,
    eps: float,
) -> tuple[Any, ...]:
    """`(out, mean, rstd)`: x normalized over each group of `c / group` channels (and
    all their positions) with the biased variance, then scaled and shifted per
    channel; mean and rstd are `(n, group)`, built when read."""
    x = tensor(x)
    shape = g.shape_of(x.type)
    if rank(x) < 2 or group < 1 or c % group or math.prod(shape) != n * c * hw or not hw:
        raise NotHere(f"group_norm of {list(shape)} in {group} groups")
    elem = g.element_type(x.type)
    if not n:
        empty = imp.constant(np.zeros((0, group)), elem)
        return (x, empty, empty)
    grouped = view(imp, x, n, group, c // group * hw)
    mean = imp.emit(g.MeanOp(grouped, (2,), True))
    centered = imp.emit(g.SubOp(grouped, mean))
    var = imp.emit(g.MeanOp(imp.emit(g.MulOp(centered, centered)), (2,), True))
    shifted = imp.emit(g.AddOp(var, imp.constant(eps, elem)))
    rstd = binary(g.TrueDivOp, imp, 1.0, imp.emit(g.SqrtOp(shifted)))
    out = view(imp, imp.emit(g.MulOp(centered, rstd)), *shape)
    if weight is not None:
        out = imp.emit(g.MulOp(out, _per_channel(imp, weight, len(shape))))
    if bias is not None:
        out = imp.emit(g.AddOp(out, _per_channel(imp, bias, len(shape))))
    return (
        out,
        Deferred(lambda: view(imp, mean, n, group)),
        Deferred(lambda: view(imp, rstd, n, group)),
    )


@handles("hardtanh")
def hardtanh(imp: FxImporter, x: Any, min_val: float = -1.0, max_val: float = 1.0) -> SSAValue:
    """`clamp` that keeps an int tensor's dtype: its bounds are truncated to ints."""
    elem = g.element_type(tensor(x).type)
    if elem == g.i1:
        raise NotHere("PyTorch has no hardtanh of bool tensors")
    if elem in g.INT_ELEMENT_TYPES:
        min_val, max_val = int(min_val), int(max_val)
    return clamp(imp, x, min_val, max_val)


@handles("relu6")
def relu6(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    return clamp(imp, x, 0, 6)


@handles("leaky_relu")
def leaky_relu(
    imp: FxImporter, x: Any, negative_slope: float = 0.01, inplace: bool = False
) -> SSAValue:
    x = tensor(x)
    positive = imp.emit(g.CmpOp("gt", x, imp.constant(0, g.element_type(x.type))))
    return imp.emit(g.SelectOp(positive, x, binary(g.MulOp, imp, x, negative_slope)))


@handles("elu")
def elu(
    imp: FxImporter,
    x: Any,
    alpha: float = 1.0,
    scale: float = 1.0,
    input_scale: float = 1.0,
    inplace: bool = False,
) -> SSAValue:
    """PyTorch's kernel: `scale x` above 0, `alpha scale expm1(input_scale x)` at or
    below (selu and celu are this with their constants)."""
    x = tensor(x)
    elem = g.element_type(x.type)
    if elem not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere("elu of a non-float tensor")
    below = imp.emit(g.Expm1Op(binary(g.MulOp, imp, x, float(input_scale))))
    below = binary(g.MulOp, imp, below, float(alpha) * float(scale))
    above = binary(g.MulOp, imp, x, float(scale))
    positive = imp.emit(g.CmpOp("gt", x, imp.constant(0, elem)))
    return imp.emit(g.SelectOp(positive, above, below))


@handles("silu")
def silu(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    return imp.emit(g.MulOp(tensor(x), sigmoid(imp, x)))


@handles("hardsigmoid")
def hardsigmoid(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    """`relu6(x + 3) / 6`, written as `clamp(x / 6 + 0.5, 0, 1)`."""
    return clamp(imp, binary(g.AddOp, imp, binary(g.TrueDivOp, imp, x, 6.0), 0.5), 0.0, 1.0)


@handles("hardswish")
def hardswish(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    """`x * relu6(x + 3) / 6`."""
    return binary(
        g.TrueDivOp,
        imp,
        imp.emit(g.MulOp(tensor(x), relu6(imp, binary(g.AddOp, imp, x, 3.0)))),
        6.0,
    )


# --------------------------------------------------------------------------- backward ops


@handles("threshold_backward")
def threshold_backward(imp: FxImporter, grad: Any, x: Any, threshold: float) -> SSAValue:
    """relu's backward: 0 where `x <= threshold`, else the gradient."""
    grad, x = tensor(grad), tensor(x)
    below = imp.emit(g.CmpOp("le", x, imp.constant(threshold, g.element_type(x.type))))
    zero = imp.constant(np.zeros(g.shape_of(grad.type)), g.element_type(grad.type))
    return imp.emit(g.SelectOp(below, zero, grad))


@handles("sigmoid_backward")
def sigmoid_backward(imp: FxImporter, grad: Any, y: Any) -> SSAValue:
    """`grad * y * (1 - y)` with y = sigmoid(x)."""
    y = tensor(y)
    return imp.emit(g.MulOp(imp.emit(g.MulOp(tensor(grad), y)), binary(g.SubOp, imp, 1.0, y)))


@handles("tanh_backward")
def tanh_backward(imp: FxImporter, grad: Any, y: Any) -> SSAValue:
    """`grad * (1 - y * y)` with y = tanh(x)."""
    y = tensor(y)
    return imp.emit(g.MulOp(tensor(grad), binary(g.SubOp, imp, 1.0, imp.emit(g.MulOp(y, y)))))


@handles("_softmax_backward_data")
def softmax_backward(imp: FxImporter, grad: Any, y: Any, dim: int, input_dtype: Any) -> SSAValue:
    """`y * (grad - sum(grad * y, dim))` with y = softmax(x)."""
    grad, y = tensor(grad), tensor(y)
    d = norm_dim(dim, rank(y))
    total = imp.emit(g.SumOp(imp.emit(g.MulOp(grad, y)), (d,), True))
    return imp.emit(g.MulOp(y, imp.emit(g.SubOp(grad, total))))


@handles("_log_softmax_backward_data")
def log_softmax_backward(
    imp: FxImporter, grad: Any, y: Any, dim: int, input_dtype: Any
) -> SSAValue:
    """`grad - exp(y) * sum(grad, dim)` with y = log_softmax(x)."""
    grad, y = tensor(grad), tensor(y)
    d = norm_dim(dim, rank(y))
    total = imp.emit(g.SumOp(grad, (d,), True))
    return imp.emit(g.SubOp(grad, imp.emit(g.MulOp(imp.emit(g.ExpOp(y)), total))))


@handles("native_dropout")
def native_dropout(imp: FxImporter, x: Any, p: float, train: Any) -> tuple[Any, ...]:
    """`(out, mask)`; in training the mask is drawn from PyTorch's random generator, so
    the node runs in PyTorch (and the same seed gives the same mask as eager)."""
    x = tensor(x)
    if train and p > 0:
        raise NotHere("dropout in training draws its mask from PyTorch's random generator")
    keep = imp.constant(np.ones(g.shape_of(x.type), dtype=bool), g.i1)
    return (x, keep)


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
