"""Convolution: `aten.convolution`, which conv1d/2d/3d and conv_transpose1d/2d/3d (and
nn's Conv and ConvTranspose layers) decompose to on both import routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import rank, tensor
from graphlet.frontend.fx.registry import handles_op

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _numbers(values: Any, spatial: int, what: str) -> list[int]:
    """One number per spatial dim; a single one stands for all (as in PyTorch)."""
    numbers = [int(v) for v in ([values] if isinstance(values, int) else values)]
    if len(numbers) == 1:
        numbers = numbers * spatial
    if len(numbers) != spatial:
        raise NotHere(f"{what} {numbers} must have one number per spatial dim ({spatial})")
    return numbers


@handles_op(g.ConvolutionOp)
def convolution(
    imp: FxImporter,
    x: Any,
    weight: Any,
    bias: Any,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
) -> SSAValue:
    """PyTorch's own conv functions take unbatched inputs and single numbers; by
    `aten.convolution` the input is batched, a single number may still stand for all."""
    x, weight = tensor(x), tensor(weight)
    spatial = rank(weight) - 2
    return imp.emit(
        g.ConvolutionOp(
            x,
            weight,
            tensor(bias) if bias is not None else None,
            _numbers(stride, spatial, "stride"),
            _numbers(padding, spatial, "padding"),
            _numbers(dilation, spatial, "dilation"),
            bool(transposed),
            _numbers(output_padding, spatial, "output_padding"),
            int(groups),
        )
    )
