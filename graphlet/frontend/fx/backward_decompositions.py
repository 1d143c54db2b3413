"""Backward ops as the forward ops graphlet compiles: AOTAutograd's decompositions.

Core ATen keeps some backward ops whole that graphlet has no kernel of its own for;
written here as masks, matches and sums, they compile natively like the forward
graph (the backward ops of convolution and of max, average and adaptive average
pooling have native handlers, `handlers/convolution.py` and `handlers/pooling.py`,
and stay whole):

- adaptive max pooling: a match of each index against each position.
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
        aten.adaptive_max_pool2d_backward.default: adaptive_max_pool2d_backward,
        aten._unsafe_index_put.default: unsafe_index_put,
        aten._scaled_dot_product_flash_attention_for_cpu.default: flash_attention_for_cpu,
        aten._scaled_dot_product_flash_attention_for_cpu_backward.default: (
            flash_attention_for_cpu_backward
        ),
    }
