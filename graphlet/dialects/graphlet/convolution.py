"""Convolution: `aten.convolution` in 1, 2 or 3 spatial dimensions, plain or transposed.

Both kinds are written as one plain convolution over a *framed* input (`ConvGeometry`):
per spatial dim the input's elements are spread `spread` apart, after `lead` zeros,
in a zero buffer of `framed` elements, and output element `o` reads the window
`offset + o * step + j * dilation` (j < kernel). A plain convolution frames with its
padding (spread 1, step = stride); a transposed one spreads by its stride and reads
with step 1 through the weights flipped and with their two channel dims swapped
(`regular_weights`), which is the transpose of the plain convolution's linear map.
NumPy's reference (`np_operation`), the verifier and the lowering share that frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, TensorType, UnitAttr, i1, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
)

from graphlet.dialects.graphlet.abstract_ops import TensorOp, dims_attr, require, same_elements
from graphlet.dialects.graphlet.types import element_type, shape_of, shape_str


@dataclass(frozen=True)
class SpatialFrame:
    """One spatial dim of `ConvGeometry`."""

    size: int
    """The input's size."""
    lead: int
    spread: int
    framed: int
    offset: int
    step: int
    dilation: int
    kernel: int
    out: int

    @property
    def is_identity(self) -> bool:
        """The framed input is the input itself (no zeros around or between)."""
        return self.lead == 0 and self.spread == 1 and self.framed == self.size


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes of a convolution as a grouped plain convolution over a framed input:
    `out[n, g, o, p...] = sum_{c, j...} framed[n, g, c, offset + p * step + j * dilation]
    * regular_weight[g, o, c, j...]`."""

    batch: int
    groups: int
    in_per_group: int
    out_per_group: int
    transposed: bool
    frames: tuple[SpatialFrame, ...]

    @property
    def out_channels(self) -> int:
        return self.groups * self.out_per_group

    @property
    def kernel(self) -> tuple[int, ...]:
        return tuple(f.kernel for f in self.frames)

    @property
    def out(self) -> tuple[int, ...]:
        return tuple(f.out for f in self.frames)

    @property
    def framed(self) -> tuple[int, ...]:
        return tuple(f.framed for f in self.frames)

    @property
    def result_shape(self) -> tuple[int, ...]:
        return (self.batch, self.out_channels, *self.out)


def conv_geometry(
    x: Sequence[int],
    w: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
) -> ConvGeometry:
    """The geometry of a convolution of these shapes and parameters, or a
    VerifyException saying which does not fit (PyTorch's rules)."""
    require(len(w) >= 3, f"weight must have rank 3, 4 or 5, got {shape_str(tuple(w))}")
    spatial = len(w) - 2
    require(spatial <= 3, f"weight must have rank 3, 4 or 5, got {shape_str(tuple(w))}")
    require(
        len(x) == len(w),
        f"input {shape_str(tuple(x))} must have the weight's rank {len(w)} (batch, channels, "
        f"{spatial} spatial dims)",
    )
    for name, values, least in (
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
        ("output_padding", output_padding, 0),
    ):
        require(
            len(values) == spatial and all(v >= least for v in values),
            f"{name} must be {spatial} numbers >= {least}, got {list(values)}",
        )
    require(groups >= 1, f"groups must be >= 1, got {groups}")
    channels = x[1]
    require(
        channels % groups == 0, f"input channels {channels} are not divisible by groups {groups}"
    )
    if transposed:
        require(
            w[0] == channels,
            f"transposed weight {shape_str(tuple(w))} must have {channels} input channels (dim 0)",
        )
        out_per_group = w[1]
        for op_, s, d in zip(output_padding, stride, dilation):
            require(
                op_ < max(s, d),
                f"output_padding {list(output_padding)} must be smaller than stride or dilation",
            )
    else:
        require(
            w[0] % groups == 0,
            f"weight's output channels {w[0]} are not divisible by groups {groups}",
        )
        require(
            w[1] * groups == channels,
            f"weight {shape_str(tuple(w))} expects {w[1] * groups} input channels "
            f"({w[1]} x {groups} groups), the input {shape_str(tuple(x))} has {channels}",
        )
        require(not any(output_padding), "output_padding is only for a transposed convolution")
        out_per_group = w[0] // groups
    frames = []
    for i in range(spatial):
        size, k, s, p, d = x[2 + i], w[2 + i], stride[i], padding[i], dilation[i]
        reach = d * (k - 1)
        if transposed:
            q = reach - p
            lead, offset = max(q, 0), max(-q, 0)
            out = (size - 1) * s - 2 * p + reach + output_padding[i] + 1
            framed = lead + (size - 1) * s + 1 + max(q + output_padding[i], 0)
            frame = SpatialFrame(size, lead, s, framed, offset, 1, d, k, out)
        else:
            out = (size + 2 * p - reach - 1) // s + 1
            frame = SpatialFrame(size, p, 1, size + 2 * p, 0, s, d, k, out)
        require(
            size >= 1 and k >= 1 and out >= 1,
            f"input {shape_str(tuple(x))} with weight {shape_str(tuple(w))} gives output size "
            f"{out} along spatial dim {i}: too small",
        )
        frames.append(frame)
    return ConvGeometry(x[0], groups, channels // groups, out_per_group, transposed, tuple(frames))


def regular_weights(w: np.ndarray, groups: int) -> np.ndarray:
    """A transposed convolution's weight (in, out/groups, k...) as its plain one
    (groups, out/groups, in/groups, k...): channels swapped, kernel flipped."""
    cin, opg, *k = w.shape
    grouped = w.reshape(groups, cin // groups, opg, *k).swapaxes(1, 2)
    return np.flip(grouped, axis=tuple(range(3, 3 + len(k))))


def np_convolution(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, geometry: ConvGeometry
) -> np.ndarray:
    """The reference: the framed input, then one product per kernel offset."""
    geo = geometry
    framed = np.zeros((geo.batch, x.shape[1], *geo.framed), dtype=x.dtype)
    inner: tuple[slice, ...] = (
        slice(None),
        slice(None),
        *(slice(f.lead, f.lead + (f.size - 1) * f.spread + 1, f.spread) for f in geo.frames),
    )
    framed[inner] = x
    framed = framed.reshape(geo.batch, geo.groups, geo.in_per_group, *geo.framed)
    if geo.transposed:
        weight = regular_weights(w, geo.groups)
    else:
        weight = w.reshape(geo.groups, geo.out_per_group, geo.in_per_group, *geo.kernel)
    out = np.zeros((geo.batch, geo.groups, geo.out_per_group, *geo.out), dtype=x.dtype)
    for js in itertools.product(*(range(k) for k in geo.kernel)):
        taps: tuple[EllipsisType | slice, ...] = (
            Ellipsis,
            *(
                slice(
                    f.offset + j * f.dilation,
                    f.offset + j * f.dilation + (f.out - 1) * f.step + 1,
                    f.step,
                )
                for f, j in zip(geo.frames, js)
            ),
        )
        offset: tuple[EllipsisType | int, ...] = (Ellipsis, *js)
        out += np.einsum("ngc...,goc->ngo...", framed[taps], weight[offset])
    out = out.reshape(geo.result_shape)
    if b is not None:
        out += b.reshape(-1, *[1] * len(geo.frames))
    return out


@irdl_op_definition
class ConvolutionOp(TensorOp):
    """`aten.convolution(x, w, b, stride, padding, dilation, transposed, output_padding,
    groups)` on f32, f64 or i64 (ints wrap, as in PyTorch), the bias optional.
    `%y = graphlet.convolution %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>`"""

    name = "graphlet.convolution"
    TORCH_NAMES: ClassVar[tuple[str, ...]] = ("convolution",)
    input = operand_def()
    weight = operand_def()
    bias = opt_operand_def()
    stride = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    dilation = prop_def(DenseArrayBase)
    output_padding = prop_def(DenseArrayBase)
    groups = prop_def(IntegerAttr)
    transposed = opt_prop_def(UnitAttr)
    result = result_def()
    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        input: SSAValue | Operation,
        weight: SSAValue | Operation,
        bias: SSAValue | Operation | None,
        stride: Sequence[int],
        padding: Sequence[int],
        dilation: Sequence[int],
        transposed: bool = False,
        output_padding: Sequence[int] | None = None,
        groups: int = 1,
    ) -> None:
        output_padding = list(output_padding or [0] * len(stride))
        static = {
            "stride": tuple(stride),
            "padding": tuple(padding),
            "dilation": tuple(dilation),
            "transposed": transposed,
            "output_padding": tuple(output_padding),
            "groups": groups,
        }
        props: dict[str, Attribute] = {
            "stride": dims_attr(stride),
            "padding": dims_attr(padding),
            "dilation": dims_attr(dilation),
            "output_padding": dims_attr(output_padding),
            "groups": IntegerAttr(groups, i64),
        }
        if transposed:
            props["transposed"] = UnitAttr()
        self._build([input, weight, [bias] if bias is not None else []], static, props)

    def static_args(self) -> dict[str, Any]:
        return {
            "stride": tuple(self.stride.get_values()),
            "padding": tuple(self.padding.get_values()),
            "dilation": tuple(self.dilation.get_values()),
            "transposed": self.transposed is not None,
            "output_padding": tuple(self.output_padding.get_values()),
            "groups": self.groups.value.data,
        }

    def geometry(self) -> ConvGeometry:
        return conv_geometry(
            shape_of(self.input.type), shape_of(self.weight.type), **self.static_args()
        )

    @staticmethod
    def np_operation(
        x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, **static: Any
    ) -> np.ndarray:
        return np_convolution(x, w, b, conv_geometry(x.shape, w.shape, **static))

    @staticmethod
    def infer_type(
        x: Attribute, w: Attribute, b: Attribute | None = None, **static: Any
    ) -> Attribute:
        elem = same_elements(x, w, *([b] if b is not None else []))
        require(elem != i1, "does not convolve tensors of i1")
        geo = conv_geometry(shape_of(x), shape_of(w), **static)
        if b is not None:
            require(
                shape_of(b) == (geo.out_channels,),
                f"bias must have shape {geo.out_channels}, got {shape_str(shape_of(b))}",
            )
        return TensorType(element_type(x), geo.result_shape)


__all__ = [
    "ConvGeometry",
    "ConvolutionOp",
    "SpatialFrame",
    "conv_geometry",
    "np_convolution",
    "regular_weights",
]
