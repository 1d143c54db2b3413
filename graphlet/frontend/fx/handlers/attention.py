"""Fused attention layers that reach graphlet whole: torch.nn's fused encoder layer.

In eval mode under `torch.no_grad()`, `nn.TransformerEncoderLayer` (batch first) takes
its fast path, one call of `aten._transformer_encoder_layer_fwd`, which Dynamo hands
over as it is (no decomposition exists). Here it becomes the ops of the layer:
self-attention and the feed-forward block, each with a residual and a layer norm.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import binary, rank, tensor
from graphlet.frontend.fx.handlers.elementwise import add
from graphlet.frontend.fx.handlers.linalg import linear, matmul
from graphlet.frontend.fx.handlers.nn import gelu, layer_norm, relu, softmax
from graphlet.frontend.fx.handlers.shape import permute, slice_, transpose, view
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def self_attention(
    imp: FxImporter, x: SSAValue, heads: int, qkv_w: Any, qkv_b: Any, out_w: Any, out_b: Any
) -> SSAValue:
    """Multi-head self-attention of a (batch, length, embed) tensor, without mask:
    `softmax(q k^T / sqrt(d)) v` per head, heads batched as (batch * heads, length, d)."""
    batch, length, embed = g.shape_of(x.type)
    d = embed // heads
    qkv = linear(imp, x, qkv_w, qkv_b)

    def split_heads(i: int) -> SSAValue:
        part = slice_(imp, qkv, 2, i * embed, (i + 1) * embed)
        per_head = permute(imp, view(imp, part, batch, length, heads, d), 0, 2, 1, 3)
        return view(imp, per_head, batch * heads, length, d)

    q, k, v = split_heads(0), split_heads(1), split_heads(2)
    scores = binary(g.TrueDivOp, imp, matmul(imp, q, transpose(imp, k, 1, 2)), math.sqrt(d))
    context = matmul(imp, softmax(imp, scores, -1), v)
    merged = permute(imp, view(imp, context, batch, heads, length, d), 0, 2, 1, 3)
    return linear(imp, view(imp, merged, batch, length, embed), out_w, out_b)


@handles("aten._transformer_encoder_layer_fwd.default")
def transformer_encoder_layer(
    imp: FxImporter,
    src: Any,
    embed_dim: int,
    num_heads: int,
    qkv_weight: Any,
    qkv_bias: Any,
    proj_weight: Any,
    proj_bias: Any,
    use_gelu: bool,
    norm_first: bool,
    eps: float,
    norm_weight_1: Any,
    norm_bias_1: Any,
    norm_weight_2: Any,
    norm_bias_2: Any,
    ffn_weight_1: Any,
    ffn_bias_1: Any,
    ffn_weight_2: Any,
    ffn_bias_2: Any,
    mask: Any = None,
    mask_type: Any = None,
) -> SSAValue:
    """`x = norm1(x + attention(x)); norm2(x + ffn(x))`, or with `norm_first`
    `x = x + attention(norm1(x)); x + ffn(norm2(x))`; ffn is linear, relu or gelu,
    linear."""
    x = tensor(src)
    if mask is not None:
        raise NotHere("the fused encoder layer with an attention mask")
    if rank(x) != 3 or g.shape_of(x.type)[2] != embed_dim or embed_dim % num_heads:
        raise NotHere(f"the fused encoder layer on {x.type} with {num_heads} heads")

    def attention(h: SSAValue) -> SSAValue:
        return self_attention(imp, h, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias)

    def feed_forward(h: SSAValue) -> SSAValue:
        hidden = linear(imp, h, ffn_weight_1, ffn_bias_1)
        hidden = gelu(imp, hidden) if use_gelu else relu(imp, hidden)
        return linear(imp, hidden, ffn_weight_2, ffn_bias_2)

    def norm1(h: SSAValue) -> SSAValue:
        return layer_norm(imp, h, (embed_dim,), norm_weight_1, norm_bias_1, eps)

    def norm2(h: SSAValue) -> SSAValue:
        return layer_norm(imp, h, (embed_dim,), norm_weight_2, norm_bias_2, eps)

    if norm_first:
        x = add(imp, x, attention(norm1(x)))
        return add(imp, x, feed_forward(norm2(x)))
    x = norm1(add(imp, x, attention(x)))
    return norm2(add(imp, x, feed_forward(x)))
