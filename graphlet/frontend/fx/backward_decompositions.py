"""Backward ops as the forward ops graphlet compiles: AOTAutograd's decompositions.

Autograd's derivative of a convolution is `aten.convolution_backward` and of max
pooling `aten.max_pool2d_with_indices_backward`; Core ATen keeps both whole, and
graphlet has no kernel of its own for them. Written here as plain and transposed
convolutions, masks and pads, they compile natively like the forward graph:

- convolution (1, 2 or 3 spatial dims, any stride, padding, dilation and groups,
  plain or transposed): the input's gradient is the transposed convolution of the
  output's gradient with the same weight (the plain one, for a transposed
  convolution), cut to the input's size; the weight's is a convolution of the input,
  batch and channels swapped, with the output's gradient as the kernel, stride and
  dilation swapped (`_weight_gradient`); the bias's is a sum.
- max and average pooling (any kernel, stride, padding, dilation, ceil_mode;
  PyTorch's divisors): each window tap's share of the output's gradient (for max
  pooling, where the pooled index is that tap's position), all taps placed on the
  input at once by a transposed convolution with a one-hot (or all-ones) weight:
  no scatter, and no dense blocks of zeros that a pad would write into the code.
  Exact for overlapping windows too; where windows overlap the sums are added in
  another order than PyTorch's. Adaptive pooling: 0/1 window matrices (average) and
  a match of each index against each position (max).
- upsampling: in training PyTorch decomposes nearest and bilinear upsampling to
  gathers over a grid of row and column positions (`_unsafe_index`), whose
  derivative is an accumulating `_unsafe_index_put`; spread back one dim at a time
  by matching positions (no scatter, no match table over whole rows).

A case a decomposition does not cover returns `NotImplemented`: the op then stays
whole and runs in PyTorch, named in the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

aten = torch.ops.aten


def _narrow_spatial(t: torch.Tensor, sizes: Sequence[Any]) -> torch.Tensor:
    """`t` cut to `sizes` along its trailing (spatial) dims."""
    first = t.dim() - len(sizes)
    for i, size in enumerate(sizes):
        if t.shape[first + i] != size:
            t = t.narrow(first + i, 0, size)
    return t


def _weight_gradient(
    x: torch.Tensor,
    dy: torch.Tensor,
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> torch.Tensor:
    """d(loss)/d(weight) of `y = conv(x, weight)`, (groups * Og, Cg, *kernel):
    `sum_n sum_o dy[n, g*Og + a, o] * x_padded[n, g*Cg + c, o * stride + j * dilation]`,
    a grouped convolution of x (Cg as batch, (group, n) as channels) with dy
    ((group, a) as output channels, n as input channels) as kernel, with stride and
    dilation swapped. It reaches at least `kernel` taps; the rest are cut."""
    n, spatial = x.shape[0], x.dim() - 2
    cg, og = x.shape[1] // groups, dy.shape[1] // groups
    dims = tuple(range(3, 3 + spatial))
    xt = x.reshape(n, groups, cg, *x.shape[2:]).permute(2, 1, 0, *dims)
    xt = xt.reshape(cg, groups * n, *x.shape[2:])
    wt = dy.reshape(n, groups, og, *dy.shape[2:]).permute(1, 2, 0, *dims)
    wt = wt.reshape(groups * og, n, *dy.shape[2:])
    zeros = [0] * spatial
    r = aten.convolution(xt, wt, None, dilation, padding, stride, False, zeros, groups)
    return _narrow_spatial(r, kernel).transpose(0, 1)


def convolution_backward(
    grad_output: torch.Tensor,
    input: torch.Tensor,
    weight: torch.Tensor,
    bias_sizes: Any,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
    output_mask: Sequence[bool],
) -> Any:
    """`aten.convolution_backward` as convolutions: (grad_input, grad_weight,
    grad_bias), None where `output_mask` does not ask for it."""
    spatial = weight.dim() - 2
    if input.dim() != weight.dim() or len(stride) != spatial or len(padding) != spatial:
        return NotImplemented  # unbatched or single-number arguments: not autograd's call
    stride, padding, dilation = list(stride), list(padding), list(dilation)
    kernel = list(weight.shape[2:])
    in_sizes, out_sizes = list(input.shape[2:]), list(grad_output.shape[2:])
    zeros = [0] * spatial
    grad_input = grad_weight = grad_bias = None
    if output_mask[0]:
        if transposed:
            grad_input = aten.convolution(
                grad_output, weight, None, stride, padding, dilation, False, zeros, groups
            )
        else:
            reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
            extra = [
                i - ((o - 1) * s - 2 * p + r)
                for i, o, s, p, r in zip(in_sizes, out_sizes, stride, padding, reach)
            ]
            grad_input = aten.convolution(
                grad_output, weight, None, stride, padding, dilation, True, extra, groups
            )
        grad_input = _narrow_spatial(grad_input, in_sizes)
    if output_mask[1]:
        if transposed:  # the plain rule with input and output's gradient swapped
            grad_weight = _weight_gradient(
                grad_output, input, kernel, stride, padding, dilation, groups
            )
        else:
            grad_weight = _weight_gradient(
                input, grad_output, kernel, stride, padding, dilation, groups
            )
    if output_mask[2]:
        grad_bias = grad_output.sum([0, *range(2, grad_output.dim())])
    return grad_input, grad_weight, grad_bias


def _pair(values: Any) -> list[int]:
    numbers = [int(values)] if isinstance(values, int) else [int(v) for v in values]
    return numbers * 2 if len(numbers) == 1 else numbers


def _taps_to_input(
    shares: torch.Tensor,
    weight: torch.Tensor,
    like: torch.Tensor,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
) -> torch.Tensor:
    """Window taps' shares (planes, taps, OH, OW) added onto the input's positions:
    the transposed convolution with `weight` (taps, 1, kh, kw) puts output (a, b) of
    tap (i, j) at (a * sh - ph + i * dh, b * sw - pw + j * dw); cut or filled to the
    size of `like`, whose shape the result takes."""
    h, w = like.shape[-2:]
    oh, ow = shares.shape[-2:]
    (kh, kw), extra = weight.shape[-2:], []
    for size, o, k, s, p, d in zip((h, w), (oh, ow), (kh, kw), stride, padding, dilation):
        extra.append(size - ((o - 1) * s - 2 * p + d * (k - 1) + 1))  # below the stride
    out = aten.convolution(
        shares, weight, None, stride, padding, dilation, True, [max(e, 0) for e in extra], 1
    )
    out = _narrow_spatial(out, [h, w])
    return out.reshape(like.shape)


def max_pool2d_with_indices_backward(
    grad_output: torch.Tensor,
    self: torch.Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    indices: torch.Tensor,
) -> Any:
    """The input's gradient of `max_pool2d`: each output's gradient added at the
    input position its index names (flat over the last two dims): for each window
    tap, the gradients whose index is that tap's position, then all taps placed at
    once by a transposed convolution with a one-hot weight (no scatter)."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride) if stride else (kh, kw)
    ph, pw = _pair(padding)
    dh, dw = _pair(dilation)
    if self.dim() not in (3, 4):
        return NotImplemented
    h, w = self.shape[-2:]
    oh, ow = grad_output.shape[-2:]
    device = self.device
    rows = (torch.arange(oh, device=device) * sh - ph).unsqueeze(0)
    rows = rows + (torch.arange(kh, device=device) * dh).unsqueeze(1)  # (kh, oh)
    cols = (torch.arange(ow, device=device) * sw - pw).unsqueeze(0)
    cols = cols + (torch.arange(kw, device=device) * dw).unsqueeze(1)  # (kw, ow)
    inside = ((rows >= 0) & (rows < h))[:, None, :, None] & ((cols >= 0) & (cols < w))[
        None, :, None, :
    ]
    position = rows[:, None, :, None] * w + cols[None, :, None, :]
    target = torch.where(inside, position, -1).reshape(kh * kw, oh, ow)
    zero = torch.zeros((), dtype=grad_output.dtype, device=device)
    shares = torch.where(indices.unsqueeze(-3) == target, grad_output.unsqueeze(-3), zero)
    taps = torch.arange(kh * kw, device=device)
    one_hot = (taps.unsqueeze(1) == taps.unsqueeze(0)).to(grad_output.dtype)
    return _taps_to_input(
        shares.reshape(-1, kh * kw, oh, ow),
        one_hot.reshape(kh * kw, 1, kh, kw),
        self,
        [sh, sw],
        [ph, pw],
        [dh, dw],
    )


def avg_pool2d_backward(
    grad_output: torch.Tensor,
    self: torch.Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
) -> Any:
    """The input's gradient of `avg_pool2d`: each output's gradient over its divisor
    (PyTorch's: the window within the padded input, or within the input without
    `count_include_pad`, or `divisor_override`) added to every tap of its window, a
    transposed convolution with a weight of ones."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride) if stride else (kh, kw)
    ph, pw = _pair(padding)
    if self.dim() not in (3, 4):
        return NotImplemented
    h, w = self.shape[-2:]
    oh, ow = grad_output.shape[-2:]
    if divisor_override:
        delta = grad_output / divisor_override
    else:
        sizes = []
        for o, k, s, p, n in ((oh, kh, sh, ph, h), (ow, kw, sw, pw, w)):
            start = torch.arange(o, device=self.device) * s - p
            if count_include_pad:
                sizes.append(torch.clamp(start + k, max=n + p) - start)
            else:
                sizes.append(torch.clamp(start + k, max=n) - torch.clamp(start, min=0))
        delta = grad_output / (sizes[0].unsqueeze(1) * sizes[1].unsqueeze(0))
    ones = torch.ones((1, 1, kh, kw), dtype=grad_output.dtype, device=self.device)
    return _taps_to_input(delta.reshape(-1, 1, oh, ow), ones, self, [sh, sw], [ph, pw], [1, 1])


def _adaptive_windows(out: int, size: int, device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Each adaptive window's [start, end) along a dim: PyTorch's `start_index` and
    `end_index`, floor(o * size / out) and ceil((o + 1) * size / out)."""
    o = torch.arange(out, device=device)
    return (o * size) // out, ((o + 1) * size + out - 1) // out


def adaptive_avg_pool2d_backward(grad_output: torch.Tensor, self: torch.Tensor) -> Any:
    """The input's gradient of `adaptive_avg_pool2d`: each output's gradient over
    its window's height, then width (PyTorch's `/ kh / kw`), added over the window;
    as (window x position) 0/1 matrices on either side of the gradient."""
    if self.dim() not in (3, 4):
        return NotImplemented
    h, w = self.shape[-2:]
    oh, ow = grad_output.shape[-2:]
    (h0, h1), (w0, w1) = (
        _adaptive_windows(oh, h, self.device),
        _adaptive_windows(ow, w, self.device),
    )
    delta = grad_output / (h1 - h0).unsqueeze(1) / (w1 - w0).unsqueeze(0)
    ih, iw = torch.arange(h, device=self.device), torch.arange(w, device=self.device)
    rows = ((ih >= h0.unsqueeze(1)) & (ih < h1.unsqueeze(1))).to(delta.dtype)  # (oh, h)
    cols = ((iw >= w0.unsqueeze(1)) & (iw < w1.unsqueeze(1))).to(delta.dtype)  # (ow, w)
    return rows.transpose(0, 1) @ (delta @ cols)


def adaptive_max_pool2d_backward(
    grad_output: torch.Tensor, self: torch.Tensor, indices: torch.Tensor
) -> Any:
    """The input's gradient of `adaptive_max_pool2d`: each output's gradient at the
    input position its index names, as a match of every index against every
    position (adaptive windows vary in size, so they are not a stride's taps)."""
    if self.dim() not in (3, 4):
        return NotImplemented
    positions = torch.arange(self.shape[-2] * self.shape[-1], device=self.device)
    hit = indices.flatten(-2).unsqueeze(-1) == positions  # (..., outputs, positions)
    zero = torch.zeros((), dtype=grad_output.dtype, device=self.device)
    shares = torch.where(hit, grad_output.flatten(-2).unsqueeze(-1), zero)
    return shares.sum(-2).reshape(self.shape)


def _separable_dims(
    x: torch.Tensor, indices: Sequence[torch.Tensor | None]
) -> tuple[int, list[torch.Tensor]] | None:
    """`(first, per_dim)` when `x[indices]` reads a grid: adjacent int index tensors
    from dim `first` on, index j varying along its own axis of their broadcast shape
    only (as upsampling's positions are, `h[:, None]` and `w`); else None."""
    dims = [d for d, i in enumerate(indices) if i is not None]
    if not dims or dims != list(range(dims[0], dims[0] + len(dims))):
        return None
    tensors = [indices[d] for d in dims]
    if any(t is None or t.dtype not in (torch.int64, torch.int32) for t in tensors):
        return None
    k = len(tensors)
    per_dim = []
    for j, t in enumerate(tensors):
        assert t is not None
        offset = k - t.dim()  # broadcasting aligns the shapes' ends
        if offset < 0 or any(n != 1 for a, n in enumerate(t.shape) if a + offset != j):
            return None
        per_dim.append(t.reshape(-1))
    return dims[0], per_dim


def unsafe_index_put(
    x: torch.Tensor,
    indices: Sequence[torch.Tensor | None],
    values: torch.Tensor,
    accumulate: bool = False,
) -> Any:
    """`x[indices] += values` when the indices read a grid (`_separable_dims`):
    autograd's derivative of `_unsafe_index`, the gather upsampling decomposes to in
    training. The values are spread back one indexed dim at a time, each output
    position matched against every input position and where-selected (no scatter,
    and an inf or NaN reaches only its own position); Core ATen's `index_put` with
    full-slice indices otherwise."""
    grid = _separable_dims(x, indices) if accumulate else None
    if grid is None:
        return aten.index_put(x, indices, values, accumulate)
    first, per_dim = grid
    sizes = [len(p) for p in per_dim]
    spread = values.expand(*x.shape[:first], *sizes, *x.shape[first + len(sizes) :])
    zero = torch.zeros((), dtype=values.dtype, device=values.device)
    for j, position in enumerate(per_dim):
        dim, size = first + j, x.shape[first + j]
        position = torch.where(position < 0, position + size, position)
        hit = torch.arange(size, device=x.device).unsqueeze(1) == position  # (size, O)
        moved = spread.movedim(dim, -1).unsqueeze(-2)  # (..., 1, O)
        spread = torch.where(hit, moved, zero).sum(-1).movedim(-1, dim)
    return x + spread


def _attention_scores(
    query: torch.Tensor,
    key: torch.Tensor,
    is_causal: bool,
    attn_mask: torch.Tensor | None,
    scale: float | None,
) -> tuple[torch.Tensor, float]:
    """The scaled, masked scores `q k^T * scale` (N, H, L, S) and the scale."""
    scale = scale if scale is not None else 1.0 / math.sqrt(query.shape[-1])
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        ones = torch.ones(scores.shape[-2:], dtype=torch.bool, device=query.device)
        scores = scores.masked_fill(~ones.tril(), -math.inf)
    if attn_mask is not None:  # the kernel takes an additive mask of the query's dtype
        scores = scores + attn_mask
    return scores, scale


def _plain_attention(query: torch.Tensor, key: torch.Tensor, dropout_p: float) -> bool:
    return dropout_p == 0.0 and query.dim() == 4 and query.shape[1] == key.shape[1]


def flash_attention_for_cpu(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    attn_mask: torch.Tensor | None = None,
    scale: float | None = None,
) -> Any:
    """`(out, logsumexp)` of the CPU flash attention kernel. Core ATen's own
    decomposition returns the attention weights (N, H, L, S) in place of the
    logsumexp (N, H, L), which the backward kernel then misreads (wrong gradients of
    `nn.TransformerEncoderLayer`); this one returns the logsumexp the backward below
    reads."""
    if not _plain_attention(query, key, dropout_p):
        return NotImplemented
    scores, _ = _attention_scores(query, key, is_causal, attn_mask, scale)
    logsumexp = torch.logsumexp(scores, -1)
    out = torch.exp(scores - logsumexp.unsqueeze(-1)) @ value
    # the kernel's (N, H, L, E) result is laid out as (L, N, H, E), as Core ATen's has it
    out = out.permute(2, 0, 1, 3).contiguous(memory_format=torch.contiguous_format)
    return out.permute(1, 2, 0, 3), logsumexp


def flash_attention_for_cpu_backward(
    grad_out: torch.Tensor,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    out: torch.Tensor,
    logsumexp: torch.Tensor,
    dropout_p: float,
    is_causal: bool,
    *,
    attn_mask: torch.Tensor | None = None,
    scale: float | None = None,
) -> Any:
    """(grad_query, grad_key, grad_value) of attention, from the weights recomputed
    with the forward's logsumexp: dV = P^T dO, dS = P (dO V^T - rowsum(dO O)),
    dQ = dS K scale, dK = dS^T Q scale."""
    if not _plain_attention(query, key, dropout_p):
        return NotImplemented
    scores, scale = _attention_scores(query, key, is_causal, attn_mask, scale)
    weights = torch.exp(scores - logsumexp.unsqueeze(-1))
    grad_value = weights.transpose(-2, -1) @ grad_out
    along = (grad_out * out).sum(-1, keepdim=True)
    grad_scores = weights * (grad_out @ value.transpose(-2, -1) - along)
    grad_query = (grad_scores @ key) * scale
    grad_key = (grad_scores.transpose(-2, -1) @ query) * scale
    return grad_query, grad_key, grad_value


def backward_decompositions() -> dict[Any, Callable[..., Any]]:
    """The backward ops above, for AOTAutograd's decomposition table."""
    return {
        aten.convolution_backward.default: convolution_backward,
        aten.max_pool2d_with_indices_backward.default: max_pool2d_with_indices_backward,
        aten.avg_pool2d_backward.default: avg_pool2d_backward,
        aten._adaptive_avg_pool2d_backward.default: adaptive_avg_pool2d_backward,
        aten.adaptive_max_pool2d_backward.default: adaptive_max_pool2d_backward,
        aten._unsafe_index_put.default: unsafe_index_put,
        aten._scaled_dot_product_flash_attention_for_cpu.default: flash_attention_for_cpu,
        aten._scaled_dot_product_flash_attention_for_cpu_backward.default: (
            flash_attention_for_cpu_backward
        ),
    }
