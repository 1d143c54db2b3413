"""Pooling and resampling over the last two or three (spatial) dims of an image: max,
average and adaptive pooling, nearest and bilinear upsampling.

Shapes are static, so every window is known at import: a pool over n spatial dims
reads its input's windows at constant positions (`graphlet.index`; taps in the
padding, or past a shorter adaptive window, masked to the pool's fill value) as a
tensor `(..., out_1, .., out_n, kernel_1, .., kernel_n)` and reduces the last n dims
(amax, or a sum divided by PyTorch's divisor); the read fuses into the reduction, so
the windows are never stored. Max pooling's indices are built only when something
reads them, as PyTorch's scan (a tap replaces the best so far when greater, or NaN)
picks them: the last NaN, else the first maximum. An empty batch pools to an empty
output. Upsampling reads at constant positions and sums with constant weights.
The 1-D pools reach here as 2-D ones over a unit dimension (Core ATen's decomposition).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
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


def _sliding_taps(
    x: SSAValue,
    n: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
) -> tuple[Taps, ...]:
    """The windows of a max or average pool over x's last n dims (an empty stride:
    the kernel's)."""
    kernel = per_dim(kernel_size, n, "kernel_size")
    steps = per_dim(stride, n, "stride") if stride else kernel
    pads, dils = per_dim(padding, n, "padding"), per_dim(dilation, n, "dilation")
    spatial = g.shape_of(x.type)[-n:]
    return tuple(
        sliding(size, k, s, p, d, bool(ceil_mode))
        for size, k, s, p, d in zip(spatial, kernel, steps, pads, dils)
    )


def _max_pool_handler(n: int) -> Handler:
    """`aten.max_pool{n}d_with_indices`."""

    def handler(
        imp: FxImporter,
        x: Any,
        kernel_size: Any,
        stride: Any = (),
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: bool = False,
    ) -> tuple[Any, Any]:
        image = _image(x, n, f"max_pool{n}d")
        taps = _sliding_taps(image, n, kernel_size, stride, padding, dilation, ceil_mode)
        return max_pool(imp, image, taps)

    handler.__name__ = handler.__qualname__ = f"max_pool{n}d_with_indices"
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


def avg_pool(
    imp: FxImporter,
    x: SSAValue,
    n: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
) -> SSAValue:
    """The window sum over x's last n dims divided by PyTorch's divisor (an int sum:
    rounded toward zero)."""
    elem = g.element_type(x.type)
    if elem == g.i1:
        raise NotHere(f"PyTorch has no avg_pool{n}d of bool tensors")
    taps = _sliding_taps(x, n, kernel_size, stride, padding, 1, ceil_mode)
    empty = _empty(imp, x, taps, elem)
    if empty is not None:
        return empty
    total = _window_sum(imp, x, taps)
    if divisor_override:
        divisor: Any = np.asarray(int(divisor_override))
    else:
        pads = per_dim(padding, n, "padding")
        divisor = _outer([_avg_divisor(t, p, count_include_pad) for t, p in zip(taps, pads)])
    if elem not in g.FLOAT_ELEMENT_TYPES:
        return trunc_div(imp, total, imp.constant(divisor, elem))
    return imp.emit(g.TrueDivOp(total, imp.constant(divisor.astype(float), elem)))


def _avg_pool_handler(n: int) -> Handler:
    """`aten.avg_pool{n}d`."""

    def handler(
        imp: FxImporter,
        x: Any,
        kernel_size: Any,
        stride: Any = (),
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Any = None,
    ) -> SSAValue:
        image = _image(x, n, f"avg_pool{n}d")
        return avg_pool(
            imp,
            image,
            n,
            kernel_size,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
        )

    handler.__name__ = handler.__qualname__ = f"avg_pool{n}d"
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
