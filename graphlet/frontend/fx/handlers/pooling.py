"""Pooling and resampling over the last two or three (spatial) dims of an image: max,
average and adaptive pooling (and their backward ops), nearest and bilinear upsampling,
grid sampling.

Shapes are static, so every window is known at import: a pool over n spatial dims
reads its input's windows at constant positions (`graphlet.index`; taps in the
padding, or past a shorter adaptive window, masked to the pool's fill value) as a
tensor `(..., out_1, .., out_n, kernel_1, .., kernel_n)` and reduces the last n dims
(amax, or a sum divided by PyTorch's divisor); the read fuses into the reduction, so
the windows are never stored. Max pooling's indices are built only when something
reads them, as PyTorch's scan (a tap replaces the best so far when greater, or NaN)
picks them: the last NaN, else the first maximum. An empty batch pools to an empty
output. Upsampling reads at constant positions and sums with constant weights; grid
sampling reads at run-time positions (gathers).
The 1-D pools reach here as 2-D ones over a unit dimension (Core ATen's decomposition).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import Deferred, rank, tensor
from graphlet.frontend.fx.handlers.elementwise import trunc_div
from graphlet.frontend.fx.registry import Handler, handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@dataclass(frozen=True)
class Taps:
    """A pool's windows along one spatial dim of `size`: tap k of output o reads input
    position `positions[k, o]` where `valid[k, o]` (elsewhere padding, or past a
    shorter adaptive window)."""

    size: int
    positions: np.ndarray
    valid: np.ndarray

    @property
    def out(self) -> int:
        return int(self.positions.shape[1])

    @property
    def kernel(self) -> int:
        return int(self.positions.shape[0])


def per_dim(v: Any, n: int, what: str) -> tuple[int, ...]:
    """PyTorch's `int[n]` argument: one value for every dim, or n of them."""
    values = [int(v)] if isinstance(v, int) else [int(a) for a in v]
    if len(values) == 1:
        values *= n
    if len(values) != n:
        raise NotHere(f"{what} must have one or {n} values, got {list(values)}")
    return tuple(values)


def pooled_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> int:
    """PyTorch's `pooling_output_shape`: with ceil_mode the last window must start
    inside the input or its left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil else 0)
    out = span // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def sliding(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> Taps:
    if kernel < 1 or stride < 1 or dilation < 1 or pad < 0 or 2 * pad > (kernel - 1) * dilation + 1:
        raise NotHere(
            f"pooling needs positive kernel, stride and dilation and a padding of at most "
            f"half the kernel (kernel {kernel}, stride {stride}, padding {pad}, dilation {dilation})"
        )
    out = pooled_size(size, kernel, stride, pad, dilation, ceil)
    if out < 1:
        raise NotHere(f"pooling a dimension of size {size} with kernel {kernel} leaves nothing")
    starts = np.arange(out) * stride - pad
    positions = starts[None, :] + (np.arange(kernel) * dilation)[:, None]
    return Taps(size, positions, (positions >= 0) & (positions < size))


def adaptive(size: int, out: int) -> Taps:
    """`adaptive_*_pool`'s windows: output o covers `[floor(o n / m), ceil((o + 1) n / m))`."""
    if size < 1 or out < 1:
        raise NotHere(f"adaptive pooling from size {size} to {out}")
    o = np.arange(out)
    start, end = o * size // out, -(-(o + 1) * size // out)
    if size % out == 0:
        k = size // out
        return sliding(size, k, k, 0, 1, False)
    positions = start[None, :] + np.arange(int((end - start).max()))[:, None]
    return Taps(size, positions, positions < end[None, :])


def _spread(per_tap: np.ndarray, i: int, n: int) -> np.ndarray:
    """A `(kernel, out)` array of spatial dim i of n, laid out along the windows'
    dims `(out_1, .., out_n, kernel_1, .., kernel_n)` (size 1 along the others)."""
    shape = [1] * (2 * n)
    shape[i], shape[n + i] = per_tap.shape[1], per_tap.shape[0]
    return per_tap.T.reshape(shape)


def _window_mask(taps: Sequence[Taps]) -> np.ndarray:
    """Where a tap of a window reads the input (in every dim)."""
    n = len(taps)
    return functools.reduce(np.logical_and, (_spread(t.valid, i, n) for i, t in enumerate(taps)))


def windows(imp: FxImporter, x: SSAValue, taps: Sequence[Taps], fill: Any) -> SSAValue:
    """x's windows as `(..., out_1, .., out_n, kernel_1, .., kernel_n)`: one read of x
    at constant positions (clipped into range), `fill` where a tap is not valid
    (padding, or past a shorter adaptive window). A reduction over the last n dims
    fuses with the read and the fill, so the windows are never stored."""
    n, r = len(taps), rank(x)
    indices = [
        imp.constant(_spread(np.clip(t.positions, 0, t.size - 1), i, n), g.i64)
        for i, t in enumerate(taps)
    ]
    read = imp.emit(g.IndexOp(x, indices, list(range(r - n, r))))
    mask = _window_mask(taps)
    if mask.all():
        return read
    elem = g.element_type(x.type)
    return imp.emit(g.SelectOp(imp.constant(mask, g.i1), read, imp.constant(fill, elem)))


def _window_dims(x: SSAValue, taps: Sequence[Taps]) -> tuple[int, ...]:
    return tuple(range(rank(x), rank(x) + len(taps)))


def _image(x: object, n: int, what: str) -> SSAValue:
    """An image of n spatial dims, batched or not; its batch may be empty."""
    x = tensor(x)
    if rank(x) not in (n + 1, n + 2):
        raise NotHere(f"{what} takes a {n + 1}-D or {n + 2}-D input, got rank {rank(x)}")
    if 0 in g.shape_of(x.type)[-n - 1 :]:
        raise NotHere(f"{what} of an image without channels or positions")
    return x


def _empty(imp: FxImporter, x: SSAValue, taps: Sequence[Taps], elem: Any) -> SSAValue | None:
    """The pool's output of an empty batch (nothing to read), else None."""
    shape = g.shape_of(x.type)
    if 0 not in shape:
        return None
    out = (*shape[: -len(taps)], *(t.out for t in taps))
    return imp.constant(np.zeros(out, dtype=g.np_dtype(elem)), elem)


def _lowest(elem: Any) -> float | int:
    return -math.inf if elem in g.FLOAT_ELEMENT_TYPES else g.INT_MIN


def max_pool(imp: FxImporter, x: SSAValue, taps: Sequence[Taps]) -> tuple[Any, Any]:
    """`(values, indices)`: the max of each window (NaN if it holds one), and the flat
    position (over the spatial dims) PyTorch's scan picks, built when read: the last
    NaN, else the first tap equal to the max (taps scan in increasing position)."""
    elem = g.element_type(x.type)
    if elem == g.i1:
        raise NotHere("PyTorch has no max pooling of bool tensors")
    empty = _empty(imp, x, taps, elem)
    if empty is not None:
        return empty, Deferred(lambda: _empty(imp, x, taps, g.i64))
    window_dims = _window_dims(x, taps)
    v = windows(imp, x, taps, _lowest(elem))
    values = imp.emit(g.AmaxOp(v, window_dims, False))

    def indices() -> SSAValue:
        n = len(taps)
        sizes = [t.size for t in taps]
        flat = sum(
            _spread(t.positions, i, n) * math.prod(sizes[i + 1 :]) for i, t in enumerate(taps)
        )
        position = imp.constant(np.asarray(flat), g.i64)
        extreme = imp.emit(g.AmaxOp(v, window_dims, True))
        hit = imp.emit(
            g.AndOp(imp.emit(g.CmpOp("eq", v, extreme)), imp.constant(_window_mask(taps), g.i1))
        )
        beyond = imp.constant(math.prod(sizes), g.i64)
        first = imp.emit(g.SelectOp(hit, position, beyond))
        index = imp.emit(g.AminOp(first, window_dims, False))
        if elem not in g.FLOAT_ELEMENT_TYPES:
            return index
        nan = imp.emit(g.CmpOp("ne", v, v))
        last_nan = imp.emit(
            g.AmaxOp(
                imp.emit(g.SelectOp(nan, position, imp.constant(-1, g.i64))), window_dims, False
            )
        )
        has_nan = imp.emit(g.CmpOp("ge", last_nan, imp.constant(0, g.i64)))
        return imp.emit(g.SelectOp(has_nan, last_nan, index))

    return values, Deferred(indices)


def schema_args(op: str, args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """`aten.<op>`'s arguments by their schema's names, its defaults filled in: the one
    statement of the pool handlers' signatures (forward and backward, 2-D and 3-D)."""
    schema = getattr(torch.ops.aten, op).default._schema
    if len(args) > len(schema.arguments):
        raise NotHere(f"{op} takes {len(schema.arguments)} arguments, got {len(args)}")
    named = dict(zip((a.name for a in schema.arguments), args))
    for a in schema.arguments[len(args) :]:
        if a.name in kwargs:
            named[a.name] = kwargs[a.name]
        elif a.has_default_value():
            named[a.name] = a.default_value
        else:
            raise NotHere(f"{op} needs its argument {a.name!r}")
    return named


def _sliding_taps(x: SSAValue, n: int, a: dict[str, Any]) -> tuple[Taps, ...]:
    """The windows of a max or average pool over x's last n dims, from the pool's
    arguments (`schema_args`; an empty stride: the kernel's; average pools have no
    dilation)."""
    kernel = per_dim(a["kernel_size"], n, "kernel_size")
    steps = per_dim(a["stride"], n, "stride") if a["stride"] else kernel
    pads = per_dim(a["padding"], n, "padding")
    dils = per_dim(a.get("dilation", 1), n, "dilation")
    spatial = g.shape_of(x.type)[-n:]
    return tuple(
        sliding(size, k, s, p, d, bool(a["ceil_mode"]))
        for size, k, s, p, d in zip(spatial, kernel, steps, pads, dils)
    )


def _max_pool_handler(n: int) -> Handler:
    """`aten.max_pool{n}d_with_indices`."""
    op = f"max_pool{n}d_with_indices"

    def handler(imp: FxImporter, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        a = schema_args(op, args, kwargs)
        image = _image(a["self"], n, f"max_pool{n}d")
        return max_pool(imp, image, _sliding_taps(image, n, a))

    handler.__name__ = handler.__qualname__ = op
    return handler


max_pool2d_with_indices = handles("aten.max_pool2d_with_indices")(_max_pool_handler(2))
max_pool3d_with_indices = handles("aten.max_pool3d_with_indices")(_max_pool_handler(3))


def _adaptive_taps(x: SSAValue, n: int, output_size: Any) -> tuple[Taps, ...]:
    out = per_dim(output_size, n, "output_size")
    return tuple(adaptive(size, o) for size, o in zip(g.shape_of(x.type)[-n:], out))


@handles("aten.adaptive_max_pool2d")
def adaptive_max_pool2d(imp: FxImporter, x: Any, output_size: Any) -> tuple[Any, Any]:
    x = _float_image(x, 2, "adaptive_max_pool2d")
    return max_pool(imp, x, _adaptive_taps(x, 2, output_size))


def _float_image(x: object, n: int, what: str) -> SSAValue:
    x = _image(x, n, what)
    if g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere(f"PyTorch has no {what} of int tensors")
    return x


def _window_sum(imp: FxImporter, x: SSAValue, taps: Sequence[Taps]) -> SSAValue:
    return imp.emit(g.SumOp(windows(imp, x, taps, 0), _window_dims(x, taps), False))


def _avg_divisor(t: Taps, pad: int, count_include_pad: bool) -> np.ndarray:
    """Per output, PyTorch's count of a window along one dim: up to the padded end
    with count_include_pad, else the input positions only."""
    start = t.positions[0]
    if count_include_pad:
        return np.asarray(np.minimum(start + t.kernel, t.size + pad) - start)
    return np.asarray(np.minimum(start + t.kernel, t.size) - np.maximum(start, 0))


def _outer(per_dim_values: Sequence[np.ndarray]) -> np.ndarray:
    """The product of one vector per spatial dim, laid out as the pool's output."""
    return functools.reduce(np.multiply.outer, per_dim_values)


def _avg_divisors(a: dict[str, Any], n: int, taps: Sequence[Taps]) -> np.ndarray:
    """Per output, PyTorch's divisor of an average pool (`schema_args`' arguments)."""
    if a["divisor_override"]:
        return np.asarray(int(a["divisor_override"]))
    pads = per_dim(a["padding"], n, "padding")
    return _outer([_avg_divisor(t, p, bool(a["count_include_pad"])) for t, p in zip(taps, pads)])


def avg_pool(imp: FxImporter, x: SSAValue, n: int, a: dict[str, Any]) -> SSAValue:
    """The window sum over x's last n dims divided by PyTorch's divisor (an int sum:
    rounded toward zero)."""
    elem = g.element_type(x.type)
    if elem == g.i1:
        raise NotHere(f"PyTorch has no avg_pool{n}d of bool tensors")
    taps = _sliding_taps(x, n, a)
    empty = _empty(imp, x, taps, elem)
    if empty is not None:
        return empty
    total = _window_sum(imp, x, taps)
    divisor = _avg_divisors(a, n, taps)
    if elem not in g.FLOAT_ELEMENT_TYPES:
        return trunc_div(imp, total, imp.constant(divisor, elem))
    return imp.emit(g.TrueDivOp(total, imp.constant(divisor.astype(float), elem)))


def _avg_pool_handler(n: int) -> Handler:
    """`aten.avg_pool{n}d`."""
    op = f"avg_pool{n}d"

    def handler(imp: FxImporter, *args: Any, **kwargs: Any) -> SSAValue:
        a = schema_args(op, args, kwargs)
        return avg_pool(imp, _image(a["self"], n, op), n, a)

    handler.__name__ = handler.__qualname__ = op
    return handler


avg_pool2d = handles("aten.avg_pool2d")(_avg_pool_handler(2))
avg_pool3d = handles("aten.avg_pool3d")(_avg_pool_handler(3))


def adaptive_avg_pool(imp: FxImporter, x: SSAValue, taps: Sequence[Taps]) -> SSAValue:
    """The window sum divided by its extent along each spatial dim in turn (PyTorch's
    order: `sum / kd / kh / kw`)."""
    elem = g.element_type(x.type)
    empty = _empty(imp, x, taps, elem)
    if empty is not None:
        return empty
    total = _window_sum(imp, x, taps)
    n = len(taps)
    for i, t in enumerate(taps):
        extent = t.valid.sum(axis=0).astype(float).reshape([-1 if j == i else 1 for j in range(n)])
        total = imp.emit(g.TrueDivOp(total, imp.constant(extent, elem)))
    return total


@handles("aten._adaptive_avg_pool2d")
def adaptive_avg_pool2d(imp: FxImporter, x: Any, output_size: Any) -> SSAValue:
    x = _float_image(x, 2, "adaptive_avg_pool2d")
    return adaptive_avg_pool(imp, x, _adaptive_taps(x, 2, output_size))


@handles("aten._adaptive_avg_pool3d")
def adaptive_avg_pool3d(imp: FxImporter, x: Any, output_size: Any) -> SSAValue:
    x = _float_image(x, 3, "adaptive_avg_pool3d")
    return adaptive_avg_pool(imp, x, _adaptive_taps(x, 3, output_size))


# --------------------------------------------------------------------------- backward


def transposed(t: Taps) -> Taps:
    """The windows seen from the input: tap j of input position p reads output
    `positions[j, p]`, the j-th window (in increasing order) with a valid tap at p.
    A pool's gradient is the output's gradient summed over these (`windows`)."""
    hits: list[list[int]] = [[] for _ in range(t.size)]
    for k, o in zip(*np.nonzero(t.valid)):
        hits[int(t.positions[k, o])].append(int(o))
    most = max(1, *(len(h) for h in hits))
    positions = np.zeros((most, t.size), dtype=np.int64)
    valid = np.zeros((most, t.size), dtype=bool)
    for p, h in enumerate(hits):
        h.sort()
        positions[: len(h), p], valid[: len(h), p] = h, True
    return Taps(t.out, positions, valid)


def _gradient_image(
    grad: object, x: object, taps: Sequence[Taps], what: str
) -> tuple[SSAValue, SSAValue]:
    """`(grad_output, input)` of a pool's backward: the gradient has the pool's output
    shape, and x is a float image."""
    n = len(taps) if taps else 0
    grad, x = tensor(grad), tensor(x)
    shape = g.shape_of(x.type)
    want = (*shape[: rank(x) - n], *(t.out for t in taps))
    if g.shape_of(grad.type) != want:
        raise NotHere(f"{what}: the gradient is {g.shape_of(grad.type)}, the output {want}")
    if g.element_type(grad.type) != g.element_type(x.type):
        raise NotHere(f"{what}: the gradient and the input differ in dtype")
    return grad, x


def _zeros_like(imp: FxImporter, x: SSAValue) -> SSAValue:
    elem = g.element_type(x.type)
    return imp.constant(np.zeros(g.shape_of(x.type), dtype=g.np_dtype(elem)), elem)


def _spread_back(imp: FxImporter, share: SSAValue, x: SSAValue, taps: Sequence[Taps]) -> SSAValue:
    """Each output's share added onto every input position its window reads."""
    if 0 in g.shape_of(x.type):
        return _zeros_like(imp, x)
    return _window_sum(imp, share, [transposed(t) for t in taps])


def _sliding_backward(
    op: str, n: int, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], SSAValue, tuple[Taps, ...], SSAValue]:
    """A sliding-window pool's backward arguments by `op`'s schema, its input image,
    the taps of its windows and the output's gradient (as `_gradient_image` makes it)."""
    a = schema_args(op, args, kwargs)
    x = _float_image(a["self"], n, op)
    taps = _sliding_taps(x, n, a)
    grad, x = _gradient_image(a["grad_output"], x, taps, op)
    return a, x, taps, grad


def _max_pool_backward_handler(n: int) -> Handler:
    """`aten.max_pool{n}d_with_indices_backward`: each output's gradient added at the
    input position its index names. Only the windows that read a position can name
    it, so each position gathers the gradients and indices of those windows and sums
    the gradients whose index is itself (no scatter). The indices are the forward's,
    each inside its window (autograd's call)."""
    op = f"max_pool{n}d_with_indices_backward"

    def handler(imp: FxImporter, *args: Any, **kwargs: Any) -> SSAValue:
        a, x, taps, grad = _sliding_backward(op, n, args, kwargs)
        indices = tensor(a["indices"])
        if (
            g.shape_of(indices.type) != g.shape_of(grad.type)
            or g.element_type(indices.type) != g.i64
        ):
            raise NotHere(f"{op}: the indices must be int64 of the output's shape")
        if 0 in g.shape_of(x.type):
            return _zeros_like(imp, x)
        back = [transposed(t) for t in taps]
        sizes = [t.size for t in taps]
        flat = sum(
            _spread(np.arange(size)[None, :], i, n) * math.prod(sizes[i + 1 :])
            for i, size in enumerate(sizes)
        )
        named = windows(imp, indices, back, -1)
        hit = imp.emit(g.CmpOp("eq", named, imp.constant(np.asarray(flat), g.i64)))
        elem = g.element_type(x.type)
        shares = imp.emit(g.SelectOp(hit, windows(imp, grad, back, 0), imp.constant(0, elem)))
        return imp.emit(g.SumOp(shares, _window_dims(x, back), False))

    handler.__name__ = handler.__qualname__ = op
    return handler


max_pool2d_with_indices_backward = handles("aten.max_pool2d_with_indices_backward")(
    _max_pool_backward_handler(2)
)
max_pool3d_with_indices_backward = handles("aten.max_pool3d_with_indices_backward")(
    _max_pool_backward_handler(3)
)


def _avg_pool_backward_handler(n: int) -> Handler:
    """`aten.avg_pool{n}d_backward`: each output's gradient over its divisor, added
    onto every position its window reads (PyTorch's order: divide, then add)."""
    op = f"avg_pool{n}d_backward"

    def handler(imp: FxImporter, *args: Any, **kwargs: Any) -> SSAValue:
        a, x, taps, grad = _sliding_backward(op, n, args, kwargs)
        elem = g.element_type(x.type)
        divisor = imp.constant(_avg_divisors(a, n, taps).astype(float), elem)
        return _spread_back(imp, imp.emit(g.TrueDivOp(grad, divisor)), x, taps)

    handler.__name__ = handler.__qualname__ = op
    return handler


avg_pool2d_backward = handles("aten.avg_pool2d_backward")(_avg_pool_backward_handler(2))
avg_pool3d_backward = handles("aten.avg_pool3d_backward")(_avg_pool_backward_handler(3))


def _adaptive_avg_pool_backward_handler(n: int) -> Handler:
    """`aten._adaptive_avg_pool{n}d_backward`: each output's gradient over its window's
    extent along each dim in turn (PyTorch's `/ kh / kw`), added over the window."""
    op = f"_adaptive_avg_pool{n}d_backward"

    def handler(imp: FxImporter, grad_output: Any, x: Any) -> SSAValue:
        x = _float_image(x, n, op)
        out = g.shape_of(tensor(grad_output).type)[-n:]
        taps = _adaptive_taps(x, n, out)
        grad, x = _gradient_image(grad_output, x, taps, op)
        elem = g.element_type(x.type)
        share = grad
        for i, t in enumerate(taps):
            extent = t.valid.sum(axis=0).astype(float)
            shape = [-1 if j == i else 1 for j in range(n)]
            share = imp.emit(g.TrueDivOp(share, imp.constant(extent.reshape(shape), elem)))
        return _spread_back(imp, share, x, taps)

    handler.__name__ = handler.__qualname__ = op
    return handler


adaptive_avg_pool2d_backward = handles("aten._adaptive_avg_pool2d_backward")(
    _adaptive_avg_pool_backward_handler(2)
)
adaptive_avg_pool3d_backward = handles("aten._adaptive_avg_pool3d_backward")(
    _adaptive_avg_pool_backward_handler(3)
)


# --------------------------------------------------------------------------- upsampling


def _scaled_sizes(
    x: SSAValue, output_size: Any, scale_factors: Any
) -> tuple[tuple[int, int], tuple[float | None, float | None]]:
    """The output's spatial size and the scales PyTorch's kernel is given (those of
    `scale_factors`, or none when the size is given)."""
    h, w = g.shape_of(x.type)[-2:]
    if output_size is not None:
        oh, ow = per_dim(output_size, 2, "output_size")
        return (oh, ow), (None, None)
    if scale_factors is None or len(scale_factors) != 2:
        raise NotHere("upsampling needs an output size or two scale factors")
    sh, sw = (float(s) for s in scale_factors)
    return (math.floor(h * sh), math.floor(w * sw)), (sh, sw)


def _source_scale(size: int, out: int, scale: float | None, dtype: Any) -> Any:
    """PyTorch's `compute_scales_value`: 1 / the given scale, else size / out."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(size) / dtype(out)


def nearest_positions(size: int, out: int, scale: float | None) -> np.ndarray:
    """PyTorch's `nearest_idx`: `min(floor(o * scale), size - 1)` in float32."""
    o = np.arange(out)
    if out == size:
        return o
    if out == 2 * size:
        return o >> 1
    s = _source_scale(size, out, scale, np.float32)
    return np.asarray(np.minimum(np.floor(o.astype(np.float32) * s).astype(np.int64), size - 1))


def _spatial_index(imp: FxImporter, x: SSAValue, rows: np.ndarray, cols: np.ndarray) -> SSAValue:
    """`x[..., rows[:, None], cols[None, :]]` with constant positions in range."""
    r = rank(x)
    h, w = g.shape_of(x.type)[-2:]
    keep_rows = len(rows) == h and (rows == np.arange(h)).all()
    keep_cols = len(cols) == w and (cols == np.arange(w)).all()
    if keep_rows and keep_cols:
        return x
    if keep_rows:
        return imp.emit(g.IndexOp(x, [imp.constant(cols, g.i64)], [r - 1]))
    if keep_cols:
        return imp.emit(g.IndexOp(x, [imp.constant(rows, g.i64)], [r - 2]))
    indices = [imp.constant(rows[:, None], g.i64), imp.constant(cols[None, :], g.i64)]
    return imp.emit(g.IndexOp(x, indices, [r - 2, r - 1]))


def _resample_input(x: object, what: str, float_only: bool) -> SSAValue:
    x = tensor(x)
    if rank(x) != 4:
        raise NotHere(f"{what} takes a 4-D input, got rank {rank(x)}")
    if float_only and g.element_type(x.type) not in g.FLOAT_ELEMENT_TYPES:
        raise NotHere(f"PyTorch has no {what} of int tensors")
    return x


@handles("aten.upsample_nearest2d.vec")
def upsample_nearest2d(
    imp: FxImporter, x: Any, output_size: Any, scale_factors: Any = None
) -> SSAValue:
    x = _resample_input(x, "upsample_nearest2d", True)
    (oh, ow), (sh, sw) = _scaled_sizes(x, output_size, scale_factors)
    h, w = g.shape_of(x.type)[-2:]
    return _spatial_index(imp, x, nearest_positions(h, oh, sh), nearest_positions(w, ow, sw))


def linear_weights(
    size: int, out: int, align_corners: bool, scale: float | None, dtype: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's `compute_indices_weights_linear` in the op's float type: per output,
    the two source positions and their weights."""
    o = np.arange(out).astype(dtype)
    if align_corners:
        s = dtype(size - 1) / dtype(out - 1) if out > 1 else dtype(0)
        real = s * o
    else:
        s = _source_scale(size, out, scale, dtype)
        real = np.maximum(s * (o + dtype(0.5)) - dtype(0.5), dtype(0))
    low = np.minimum(real.astype(np.int64), size - 1)
    lam1 = np.clip(real - low.astype(dtype), dtype(0), dtype(1)).astype(dtype)
    high = low + (low < size - 1)
    return low, high, (dtype(1) - lam1).astype(dtype), lam1


@handles("aten.upsample_bilinear2d.vec")
def upsample_bilinear2d(
    imp: FxImporter, x: Any, output_size: Any, align_corners: bool, scale_factors: Any = None
) -> SSAValue:
    """`(x[h0, w0] w0' + x[h0, w1] w1') h0' + (x[h1, w0] w0' + x[h1, w1] w1') h1'`, the
    sum PyTorch's kernel forms (inner along W)."""
    x = _resample_input(x, "upsample_bilinear2d", True)
    elem = g.element_type(x.type)
    dtype = g.np_dtype(elem).type
    (oh, ow), (sh, sw) = _scaled_sizes(x, output_size, scale_factors)
    h, w = g.shape_of(x.type)[-2:]
    h0, h1, lh0, lh1 = linear_weights(h, oh, bool(align_corners), sh, dtype)
    w0, w1, lw0, lw1 = linear_weights(w, ow, bool(align_corners), sw, dtype)

    def weighted(rows: np.ndarray, cols: Sequence[np.ndarray], weights: Sequence[Any]) -> SSAValue:
        terms = [
            imp.emit(g.MulOp(_spatial_index(imp, x, rows, c), imp.constant(wt[None, :], elem)))
            for c, wt in zip(cols, weights)
        ]
        return imp.emit(g.AddOp(*terms))

    top = weighted(h0, (w0, w1), (lw0, lw1))
    bottom = weighted(h1, (w0, w1), (lw0, lw1))
    return imp.emit(
        g.AddOp(
            imp.emit(g.MulOp(top, imp.constant(lh0[:, None], elem))),
            imp.emit(g.MulOp(bottom, imp.constant(lh1[:, None], elem))),
        )
    )


# --------------------------------------------------------------------------- grid sampling

GRID_INTERPOLATIONS = {0: "bilinear", 1: "nearest", 2: "bicubic"}
GRID_PADDINGS = {0: "zeros", 1: "border", 2: "reflection"}


class _GridAxis:
    """One axis of `grid_sampler_2d` over an input dim of `size`, as PyTorch's
    vectorised CPU kernel computes it (`ComputeLocation`): the grid's [-1, 1]
    unnormalised, then clipped (border) or reflected and clipped (reflection)."""

    def __init__(self, imp: FxImporter, size: int, align_corners: bool, elem: Any) -> None:
        self.imp, self.size, self.elem = imp, size, elem
        self.align = align_corners
        dtype = g.np_dtype(elem).type
        if align_corners:
            self.scale, self.low, self.twice_span = dtype(size - 1) / dtype(2), 0.0, 2 * (size - 1)
        else:
            self.scale, self.low, self.twice_span = dtype(size) / dtype(2), -0.5, 2 * size

    def c(self, value: Any) -> SSAValue:
        return self.imp.constant(value, self.elem)

    def unnormalize(self, coordinate: SSAValue) -> SSAValue:
        """The grid's [-1, 1] as a position in the input (its corners' centres, or
        its edges without align_corners)."""
        imp, c = self.imp, self.c
        x = imp.emit(g.MulOp(imp.emit(g.AddOp(coordinate, c(1.0))), c(self.scale)))
        return imp.emit(g.SubOp(x, c(0.5))) if not self.align else x

    def padded(self, x: SSAValue, padding: str) -> SSAValue:
        """The kernel's `compute_coordinates`: a position as the padding mode reads it."""
        if padding == "zeros":
            return x
        if padding == "reflection":
            x = self._reflect(x)
        return self._clip(x)

    def location(self, coordinate: SSAValue, padding: str) -> SSAValue:
        return self.padded(self.unnormalize(coordinate), padding)

    def _clip(self, x: SSAValue) -> SSAValue:
        """`min(max(x, 0), size - 1)`, NaN to 0 (the kernel's operand order)."""
        imp, c = self.imp, self.c
        x = imp.emit(g.SelectOp(imp.emit(g.CmpOp("ne", x, x)), c(0.0), x))
        return imp.emit(g.MinOp(imp.emit(g.MaxOp(x, c(0.0))), c(float(self.size - 1))))

    def _reflect(self, x: SSAValue) -> SSAValue:
        imp, c = self.imp, self.c
        if self.align and self.size <= 1:
            return imp.constant(
                np.zeros(g.shape_of(x.type), dtype=g.np_dtype(self.elem)), self.elem
            )
        span = c(float(self.twice_span))
        shifted = imp.emit(g.AbsOp(imp.emit(g.SubOp(x, c(self.low))) if self.low else x))
        flips = imp.emit(g.TruncOp(imp.emit(g.TrueDivOp(shifted, span))))
        extra = imp.emit(g.SubOp(shifted, imp.emit(g.MulOp(flips, span))))
        folded = imp.emit(g.MinOp(extra, imp.emit(g.SubOp(span, extra))))
        return imp.emit(g.AddOp(folded, c(self.low))) if self.low else folded

    def index(self, position: SSAValue) -> tuple[SSAValue, SSAValue]:
        """An integral-valued float position as `(index clipped into range, inside)`;
        NaN and far-out positions are outside (no cast of a value past i64)."""
        imp, c = self.imp, self.c
        far = float(self.size + 1)
        bounded = imp.emit(g.MinOp(imp.emit(g.MaxOp(position, c(-2.0))), c(far)))
        bounded = imp.emit(
            g.SelectOp(imp.emit(g.CmpOp("ne", position, position)), c(-2.0), bounded)
        )
        i = imp.cast(bounded, g.i64)
        zero, last = imp.constant(0, g.i64), imp.constant(self.size - 1, g.i64)
        inside = imp.emit(
            g.AndOp(imp.emit(g.CmpOp("ge", i, zero)), imp.emit(g.CmpOp("le", i, last)))
        )
        return imp.emit(g.MinOp(imp.emit(g.MaxOp(i, zero)), last)), inside


@handles("aten.grid_sampler_2d")
def grid_sampler_2d(
    imp: FxImporter,
    x: Any,
    grid: Any,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> SSAValue:
    """`F.grid_sample` of a 4-D input: bilinear (four run-time gathers, PyTorch's
    weights and sum order), nearest (ties to even) or bicubic (`_bicubic`), every
    padding mode. Each gather
    reads `x[n, :, iy, ix]` at indices clipped into range, zero where the corner is
    outside; the result comes out as (N, Ho, Wo, C) and is permuted to (N, C, Ho, Wo)."""
    x, grid = _float_image(x, 2, "grid_sampler_2d"), tensor(grid)
    mode = GRID_INTERPOLATIONS.get(int(interpolation_mode))
    padding = GRID_PADDINGS.get(int(padding_mode))
    if mode is None or padding is None:
        raise NotHere(f"grid_sampler_2d mode {interpolation_mode}, padding {padding_mode}")
    elem = g.element_type(x.type)
    if rank(x) != 4 or g.element_type(grid.type) != elem:
        raise NotHere("grid_sampler_2d takes a 4-D input and a grid of its dtype")
    n, channels, h, w = g.shape_of(x.type)
    gshape = g.shape_of(grid.type)
    if len(gshape) != 4 or gshape[0] != n or gshape[3] != 2:
        raise NotHere(f"grid_sampler_2d's grid must be (N, Ho, Wo, 2), got {gshape}")
    _, ho, wo, _ = gshape
    if n == 0 or ho == 0 or wo == 0:
        return imp.constant(np.zeros((n, channels, ho, wo), dtype=g.np_dtype(elem)), elem)

    def coordinate(k: int) -> SSAValue:
        part = imp.emit(g.SliceOp(grid, [0, 0, 0, k], [n, ho, wo, k + 1], [1, 1, 1, 1]))
        return imp.emit(g.ReshapeOp(part, (n, ho, wo)))

    axis_x, axis_y = (_GridAxis(imp, size, bool(align_corners), elem) for size in (w, h))
    if mode == "bicubic":
        x_y = (coordinate(0), coordinate(1))
        return imp.emit(
            g.TransposeOp(_bicubic(imp, x, x_y, (axis_x, axis_y), padding), [0, 3, 1, 2])
        )
    gx = axis_x.location(coordinate(0), padding)
    gy = axis_y.location(coordinate(1), padding)
    batch = imp.constant(np.arange(n).reshape(n, 1, 1), g.i64)
    zero = imp.constant(0.0, elem)

    def read(px: SSAValue, py: SSAValue) -> SSAValue:
        """`x[n, :, py, px]` as (N, Ho, Wo, C), 0 where (py, px) is outside."""
        ix, inside_x = axis_x.index(px)
        iy, inside_y = axis_y.index(py)
        values = imp.emit(g.IndexOp(x, [batch, iy, ix], [0, 2, 3]))
        inside = imp.emit(g.AndOp(inside_x, inside_y))
        shape = (n, ho, wo, 1)
        return imp.emit(g.SelectOp(imp.emit(g.ReshapeOp(inside, shape)), values, zero))

    def channels_last(t: SSAValue) -> SSAValue:
        return imp.emit(g.ReshapeOp(t, (n, ho, wo, 1)))

    if mode == "nearest":
        out = read(imp.emit(g.RintOp(gx)), imp.emit(g.RintOp(gy)))
    else:
        x_w, y_n = imp.emit(g.FloorOp(gx)), imp.emit(g.FloorOp(gy))
        one = imp.constant(1.0, elem)
        wd, nd = imp.emit(g.SubOp(gx, x_w)), imp.emit(g.SubOp(gy, y_n))
        ed, sd = imp.emit(g.SubOp(one, wd)), imp.emit(g.SubOp(one, nd))
        x_e, y_s = imp.emit(g.AddOp(x_w, one)), imp.emit(g.AddOp(y_n, one))
        terms = []
        for px, py, weight in (
            (x_w, y_n, imp.emit(g.MulOp(sd, ed))),
            (x_e, y_n, imp.emit(g.MulOp(sd, wd))),
            (x_w, y_s, imp.emit(g.MulOp(nd, ed))),
            (x_e, y_s, imp.emit(g.MulOp(nd, wd))),
        ):
            terms.append(imp.emit(g.MulOp(read(px, py), channels_last(weight))))
        out = functools.reduce(lambda a, b: imp.emit(g.AddOp(a, b)), terms)
    return imp.emit(g.TransposeOp(out, [0, 3, 1, 2]))


CUBIC_A = -0.75
"""The cubic convolution's parameter PyTorch's bicubic kernels use."""


def _cubic_weights(imp: FxImporter, t: SSAValue, elem: Any) -> SSAValue:
    """PyTorch's `get_cubic_coefficients` of a fraction t (..., 1), as (..., 4): the
    weights of the taps at -1, 0, 1, 2, from their distances `t + 1, t, 1 - t, 2 - t`
    (the outer two by `((A x - 5A) x + 8A) x - 4A`, the inner by
    `((A + 2) x - (A + 3)) x x + 1`)."""
    dtype = g.np_dtype(elem).type

    def c(value: Any) -> SSAValue:
        return imp.constant(np.asarray(value, dtype=dtype), elem)

    a = dtype(CUBIC_A)
    distance = imp.emit(g.MulOp(imp.emit(g.SubOp(t, c([-1, 0, 1, 2]))), c([1, 1, -1, -1])))

    def mul(u: SSAValue, v: SSAValue) -> SSAValue:
        return imp.emit(g.MulOp(u, v))

    outer = mul(imp.emit(g.SubOp(mul(c(a), distance), c(5 * a))), distance)
    outer = imp.emit(g.SubOp(mul(imp.emit(g.AddOp(outer, c(8 * a))), distance), c(4 * a)))
    inner = imp.emit(g.SubOp(mul(c(a + 2), distance), c(a + 3)))
    inner = imp.emit(g.AddOp(mul(mul(inner, distance), distance), c(1)))
    return imp.emit(
        g.SelectOp(imp.constant(np.array([True, False, False, True]), g.i1), outer, inner)
    )


def _bicubic(
    imp: FxImporter,
    x: SSAValue,
    coordinates: tuple[SSAValue, SSAValue],
    axes: tuple[_GridAxis, _GridAxis],
    padding: str,
) -> SSAValue:
    """`grid_sampler_2d`'s bicubic interpolation as PyTorch's CPU kernel computes it,
    as (N, Ho, Wo, C): the 4x4 taps around the unnormalized position's floor, each
    tap's position through the padding mode (`compute_coordinates`; zero outside with
    zeros padding), read in one run-time gather; each row of four interpolated along
    x with its cubic weights, then the four rows along y (the kernel's sums, left to
    right)."""
    n, ho, wo = g.shape_of(coordinates[0].type)
    elem = g.element_type(x.type)
    taps = imp.constant(np.arange(-1, 3, dtype=g.np_dtype(elem)), elem)
    reads, weights = [], []
    for k, (axis, coordinate) in enumerate(zip(axes, coordinates)):
        position = imp.emit(g.ReshapeOp(axis.unnormalize(coordinate), (n, ho, wo, 1)))
        floor = imp.emit(g.FloorOp(position))
        weights.append(_cubic_weights(imp, imp.emit(g.SubOp(position, floor)), elem))
        tap = axis.padded(imp.emit(g.AddOp(floor, taps)), padding)  # (N, Ho, Wo, 4)
        shape = (n, ho, wo, 1, 4) if k == 0 else (n, ho, wo, 4, 1)
        index, inside = axis.index(tap)
        reads.append((imp.emit(g.ReshapeOp(index, shape)), imp.emit(g.ReshapeOp(inside, shape))))
    (ix, inside_x), (iy, inside_y) = reads
    batch = imp.constant(np.arange(n).reshape(n, 1, 1, 1, 1), g.i64)
    values = imp.emit(g.IndexOp(x, [batch, iy, ix], [0, 2, 3]))  # (N, Ho, Wo, 4, 4, C)
    if padding == "zeros":
        inside = imp.emit(g.ReshapeOp(imp.emit(g.AndOp(inside_x, inside_y)), (n, ho, wo, 4, 4, 1)))
        values = imp.emit(g.SelectOp(inside, values, imp.constant(0.0, elem)))
    wx = imp.emit(g.ReshapeOp(weights[0], (n, ho, wo, 1, 4, 1)))
    rows = imp.emit(g.SumOp(imp.emit(g.MulOp(values, wx)), [4], False))  # (N, Ho, Wo, 4, C)
    wy = imp.emit(g.ReshapeOp(weights[1], (n, ho, wo, 4, 1)))
    return imp.emit(g.SumOp(imp.emit(g.MulOp(rows, wy)), [3], False))
