"""Convolution: `aten.convolution`, which conv1d/2d/3d and conv_transpose1d/2d/3d (and
nn's Conv and ConvTranspose layers) decompose to on both import routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import Deferred, rank, tensor
from graphlet.frontend.fx.registry import handles, handles_op

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


def _narrow_spatial(imp: FxImporter, t: SSAValue, sizes: Sequence[int]) -> SSAValue:
    """`t` cut to `sizes` along its trailing (spatial) dims."""
    shape = g.shape_of(t.type)
    first = len(shape) - len(sizes)
    if tuple(shape[first:]) == tuple(sizes):
        return t
    ends = [*shape[:first], *sizes]
    return imp.emit(g.SliceOp(t, [0] * len(shape), ends, [1] * len(shape)))


def _regroup(
    imp: FxImporter, t: SSAValue, groups: int, perm: Sequence[int], merged: tuple[int, int]
) -> SSAValue:
    """(N, G * C, *S) as (G, C, N), permuted by `perm`, two adjacent of those three
    dims (`merged`) made one: `t.reshape(N, G, C, *S).permute(*perm, ..)`, reshaped."""
    n, channels, *spatial = g.shape_of(t.type)
    split = imp.emit(g.ReshapeOp(t, (n, groups, channels // groups, *spatial)))
    moved = imp.emit(g.TransposeOp(split, [*perm, *range(3, 3 + len(spatial))]))
    lead = list(g.shape_of(moved.type)[:3])
    i, j = merged
    lead[i : j + 1] = [lead[i] * lead[j]]
    return imp.emit(g.ReshapeOp(moved, (*lead, *spatial)))


def _weight_gradient(
    imp: FxImporter,
    x: SSAValue,
    dy: SSAValue,
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    groups: int,
) -> SSAValue:
    """d(loss)/d(weight) of `y = conv(x, weight)`, (groups * Og, Cg, *kernel):
    `sum_n sum_o dy[n, g*Og + a, o] * x_padded[n, g*Cg + c, o * stride + j * dilation]`,
    a grouped convolution of x (Cg as batch, (group, n) as channels) with dy
    ((group, a) as output channels, n as input channels) as its kernel, stride and
    dilation swapped. It reaches at least `kernel` taps; the rest are cut."""
    xt = _regroup(imp, x, groups, (2, 1, 0), (1, 2))  # (Cg, G * N, *S)
    wt = _regroup(imp, dy, groups, (1, 2, 0), (0, 1))  # (G * Og, N, *So)
    zeros = [0] * len(kernel)
    r = imp.emit(g.ConvolutionOp(xt, wt, None, dilation, padding, stride, False, zeros, groups))
    r = _narrow_spatial(imp, r, kernel)
    return imp.emit(g.TransposeOp(r, [1, 0, *range(2, 2 + len(kernel))]))


@handles("aten.convolution_backward")
def convolution_backward(
    imp: FxImporter,
    grad_output: Any,
    x: Any,
    weight: Any,
    bias_sizes: Any,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
    output_mask: Sequence[bool],
) -> tuple[Any, Any, Any]:
    """`(grad_input, grad_weight, grad_bias)` as convolutions, each built when read:
    the input's gradient is the transposed convolution of the output's gradient with
    the same weight (the plain one, for a transposed convolution), cut to the input's
    size; the weight's a convolution of the input with the output's gradient as its
    kernel (`_weight_gradient`; input and gradient swapped for a transposed one); the
    bias's a sum."""
    dy, x, weight = tensor(grad_output), tensor(x), tensor(weight)
    spatial = rank(weight) - 2
    if rank(x) != rank(weight) or rank(dy) != rank(weight):
        raise NotHere("convolution_backward of an unbatched input")
    stride = _numbers(stride, spatial, "stride")
    padding = _numbers(padding, spatial, "padding")
    dilation = _numbers(dilation, spatial, "dilation")
    groups = int(groups)
    kernel = list(g.shape_of(weight.type)[2:])
    in_sizes, out_sizes = g.shape_of(x.type)[2:], g.shape_of(dy.type)[2:]
    zeros = [0] * spatial

    def grad_input() -> SSAValue:
        if transposed:
            r = g.ConvolutionOp(dy, weight, None, stride, padding, dilation, False, zeros, groups)
        else:
            reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
            extra = [
                i - ((o - 1) * s - 2 * p + r)
                for i, o, s, p, r in zip(in_sizes, out_sizes, stride, padding, reach)
            ]
            r = g.ConvolutionOp(dy, weight, None, stride, padding, dilation, True, extra, groups)
        return _narrow_spatial(imp, imp.emit(r), in_sizes)

    def grad_weight() -> SSAValue:
        if transposed:  # the plain rule with the input and the output's gradient swapped
            return _weight_gradient(imp, dy, x, kernel, stride, padding, dilation, groups)
        return _weight_gradient(imp, x, dy, kernel, stride, padding, dilation, groups)

    def grad_bias() -> SSAValue:
        return imp.emit(g.SumOp(dy, [0, *range(2, rank(dy))], False))

    builds = (grad_input, grad_weight, grad_bias)
    a, b, c = (Deferred(build) if asked else None for build, asked in zip(builds, output_mask))
    return a, b, c
