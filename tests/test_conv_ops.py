"""Convolution (`aten.convolution`: conv1d/2d/3d, grouped, depthwise, dilated, strided,
padded, transposed with output_padding) against PyTorch.

NumPy's reference (`ConvolutionOp.np_operation`, which folding and the interpreter
run) and the verifier are checked against `aten.convolution` on many random
parameter sets, including the ones PyTorch rejects; the native kernels (both
lowerings: im2col + BLAS GEMM and the direct loop nest) through `compile_fx`, every
node native, against `torch.nn.functional`, and torch.nn's conv layers once through
`torch.compile`."""

from __future__ import annotations

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from xdsl.utils.exceptions import VerifyException  # noqa: E402

import graphlet  # noqa: E402
from graphlet.dialects import graphlet as g  # noqa: E402
from graphlet.frontend.fx import collect_graphs  # noqa: E402

TOL = {torch.float32: {"rtol": 1e-4, "atol": 1e-4}, torch.float64: {"rtol": 1e-10, "atol": 1e-10}}


def _random_params(rng: random.Random) -> dict:
    spatial = rng.choice([1, 2, 3])
    groups = rng.choice([1, 1, 2, 3])
    transposed = rng.random() < 0.4
    stride = [rng.randint(1, 3) for _ in range(spatial)]
    dilation = [rng.randint(1, 2) for _ in range(spatial)]
    return {
        "x": (
            rng.randint(1, 2),
            groups * rng.randint(1, 3),
            *[rng.randint(1, 6) for _ in range(spatial)],
        ),
        "out_channels": groups * rng.randint(1, 3),
        "kernel": [rng.randint(1, 3) for _ in range(spatial)],
        "stride": stride,
        "padding": [rng.randint(0, 3) for _ in range(spatial)],
        "dilation": dilation,
        "transposed": transposed,
        "output_padding": [rng.randint(0, 2) for _ in range(spatial)]
        if transposed
        else [0] * spatial,
        "groups": groups,
        "bias": rng.random() < 0.5,
    }


def _tensors(p: dict, dtype: torch.dtype = torch.float64, seed: int = 0) -> tuple:
    gen = torch.Generator().manual_seed(seed)
    real = dtype if dtype.is_floating_point else torch.float64
    x = torch.randn(p["x"], generator=gen, dtype=real)
    channels, groups = p["x"][1], p["groups"]
    if p["transposed"]:
        w_shape = (channels, p["out_channels"] // groups, *p["kernel"])
    else:
        w_shape = (p["out_channels"], max(channels // groups, 1), *p["kernel"])
    w = torch.randn(w_shape, generator=gen, dtype=real)
    b = torch.randn(p["out_channels"], generator=gen, dtype=real) if p["bias"] else None
    if dtype == torch.int64:
        x, w = (torch.randint(-5, 6, t.shape, generator=gen) for t in (x, w))
        b = torch.randint(-5, 6, b.shape, generator=gen) if b is not None else None
    return x, w, b


def _aten(p: dict, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None) -> torch.Tensor:
    return torch.ops.aten.convolution(
        x,
        w,
        b,
        p["stride"],
        p["padding"],
        p["dilation"],
        p["transposed"],
        p["output_padding"],
        p["groups"],
    )


def _static(p: dict) -> dict:
    return {
        k: p[k] for k in ("stride", "padding", "dilation", "transposed", "output_padding", "groups")
    }


def test_reference_and_verifier_agree_with_aten_convolution() -> None:
    """On 200 random parameter sets: where PyTorch computes, the verifier's shape and
    NumPy's values are PyTorch's; where PyTorch raises, the verifier refuses."""
    rng = random.Random(9)
    computed = refused = 0
    for _ in range(200):
        p = _random_params(rng)
        x, w, b = _tensors(p, seed=rng.randint(0, 10**6))
        types = [g.TensorType(g.f64, t.shape) for t in (x, w, *([b] if b is not None else []))]
        try:
            expected = _aten(p, x, w, b)
        except RuntimeError:
            with pytest.raises(VerifyException):
                g.ConvolutionOp.checked_type(types, _static(p))
            refused += 1
            continue
        assert g.shape_of(g.ConvolutionOp.checked_type(types, _static(p))) == tuple(expected.shape)
        args = (x.numpy(), w.numpy(), *([b.numpy()] if b is not None else []))
        actual = g.ConvolutionOp.np_operation(*args, **_static(p))
        np.testing.assert_allclose(actual, expected.numpy(), rtol=1e-10, atol=1e-10)
        computed += 1
    assert computed > 100 and refused > 10, (computed, refused)


@pytest.mark.parametrize(
    ("what", "x", "w", "static", "message"),
    [
        ("channels", (1, 3, 8, 8), (4, 2, 3, 3), {}, "expects 2 input channels"),
        ("groups", (1, 4, 8, 8), (6, 2, 3, 3), {"groups": 4}, "not divisible by groups 4"),
        ("rank", (1, 3, 8), (4, 3, 3, 3), {}, "must have the weight's rank 4"),
        ("window", (1, 3, 2, 2), (4, 3, 3, 3), {"padding": [0, 0]}, "too small"),
        ("stride", (1, 3, 8, 8), (4, 3, 3, 3), {"stride": [0, 1]}, "stride must be 2 numbers >= 1"),
        (
            "output_padding",
            (1, 3, 8, 8),
            (3, 4, 3, 3),
            {"transposed": True, "output_padding": [2, 0]},
            "must be smaller than stride or dilation",
        ),
    ],
)
def test_the_verifier_names_what_does_not_fit(what, x, w, static, message) -> None:
    args = {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "transposed": False,
            "output_padding": [0, 0], "groups": 1}  # fmt: skip
    args.update(static)
    if len(x) != 4:
        args = {k: v[:1] if isinstance(v, list) else v for k, v in args.items()}
    types = [g.TensorType(g.f32, x), g.TensorType(g.f32, w)]
    with pytest.raises(VerifyException, match=message):
        g.ConvolutionOp.checked_type(types, args)


class Conv(torch.nn.Module):
    def __init__(self, p: dict) -> None:
        super().__init__()
        self.p = p

    def forward(self, x, w, b=None):
        return _aten(self.p, x, w, b)


def _case(
    x,
    co,
    k,
    stride=1,
    padding=0,
    dilation=1,
    groups=1,
    transposed=False,
    output_padding=0,
    bias=True,
):
    spatial = len(x) - 2
    each = lambda v: list(v) if isinstance(v, list | tuple) else [v] * spatial
    return {
        "x": x, "out_channels": co, "kernel": each(k), "stride": each(stride), "padding": each(padding),
        "dilation": each(dilation), "groups": groups, "transposed": transposed,
        "output_padding": each(output_padding), "bias": bias,
    }  # fmt: skip


NATIVE_CASES = {
    # one number standing for every spatial dim (as aten.convolution takes it)
    "conv2d_single_numbers": (_case((1, 3, 8, 7), 4, 3, stride=[2], padding=[1], dilation=[1], output_padding=[0]), torch.float32),
    # im2col + one GEMM (batch 1, >= 8 output channels: BLAS)
    "conv2d_gemm": (_case((1, 3, 9, 9), 16, 3, padding=1), torch.float32),
    "conv2d_gemm_stride_dilation": (_case((1, 4, 11, 10), 8, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1)), torch.float64),
    "conv2d_1x1_reads_input": (_case((1, 16, 5, 5), 8, 1, bias=False), torch.float32),
    "conv2d_1x1_stride2": (_case((1, 8, 6, 6), 8, 1, stride=2), torch.float32),
    # a GEMM per (batch, group): >= 128 output positions
    "conv2d_batched_gemm": (_case((2, 3, 12, 12), 8, 3, padding=1), torch.float32),
    "conv2d_grouped_gemm": (_case((1, 4, 12, 12), 16, 3, padding=1, groups=2), torch.float64),
    # direct loop nest: few channels per group, small outputs, ints
    "conv2d_depthwise": (_case((2, 6, 7, 7), 6, 3, stride=2, padding=1, groups=6), torch.float32),
    "conv2d_depthwise_multiplier": (_case((1, 3, 6, 6), 6, 3, padding=1, groups=3, bias=False), torch.float64),
    "conv2d_batched_small": (_case((3, 4, 5, 5), 8, 3), torch.float32),
    "conv2d_empty_batch": (_case((0, 3, 5, 5), 4, 3, padding=1), torch.float32),
    "conv2d_int64": (_case((1, 2, 5, 5), 3, 3, padding=1), torch.int64),
    "conv1d": (_case((2, 3, 10), 5, 3, padding=2, dilation=2), torch.float32),
    "conv1d_gemm": (_case((1, 4, 140), 8, 5, stride=1, padding=2), torch.float32),
    "conv3d": (_case((1, 2, 4, 5, 4), 3, 2, padding=(1, 0, 1)), torch.float64),
    # transposed: the input spread by the stride, the weights flipped
    "conv_transpose2d": (_case((1, 4, 5, 5), 3, 3, stride=2, padding=1, output_padding=1, transposed=True), torch.float32),
    "conv_transpose2d_gemm_grouped": (_case((1, 4, 6, 6), 16, 4, stride=2, padding=1, groups=2, transposed=True), torch.float32),
    "conv_transpose1d_wide_padding": (_case((2, 2, 6), 4, 3, stride=3, padding=3, dilation=2, output_padding=2, transposed=True), torch.float64),
}  # fmt: skip


@pytest.mark.parametrize("name", list(NATIVE_CASES))
def test_native_convolution_matches_pytorch(name: str) -> None:
    p, dtype = NATIVE_CASES[name]
    x, w, b = _tensors(p, dtype, seed=len(name))
    inputs = (x, w) if b is None else (x, w, b)
    compiled = graphlet.compile_fx(Conv(p), inputs, mode="native")
    actual = compiled(*inputs)
    assert compiled.report().all_native, str(compiled.report())
    if p["transposed"]:
        stride, pad, op_, dil = p["stride"], p["padding"], p["output_padding"], p["dilation"]
        fn = {3: F.conv_transpose1d, 4: F.conv_transpose2d}[x.dim()]
        expected = fn(x, w, b, stride, pad, op_, p["groups"], dil)
    else:
        fn = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[x.dim()]
        expected = fn(x, w, b, p["stride"], p["padding"], p["dilation"], p["groups"])
    if dtype == torch.int64:
        assert torch.equal(actual, expected)
    else:
        torch.testing.assert_close(actual, expected, **TOL[dtype])


class ConvNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.up = torch.nn.ConvTranspose2d(8, 4, 2, stride=2)

    def forward(self, x):
        return self.up(torch.relu(self.dw(torch.relu(self.conv(x)))))


def test_conv_layers_through_torch_compile() -> None:
    torch.manual_seed(0)
    model = ConvNet().eval()
    x = torch.randn(1, 3, 16, 16)
    torch._dynamo.reset()
    try:
        compiled = torch.compile(
            model, backend="graphlet", fullgraph=True, options={"mode": "native"}
        )
        with torch.no_grad(), collect_graphs() as graphs:
            expected = model(x)
            actual = compiled(x)
    finally:
        torch._dynamo.reset()
    assert graphs and all(r.all_native for gr in graphs for r in gr.reports())
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4)


def test_mismatched_channels_are_a_clear_error() -> None:
    x, w = torch.randn(1, 3, 8, 8), torch.randn(4, 2, 3, 3)
    with pytest.raises(Exception, match="expected input.*to have 2 channels"):
        graphlet.compile_fx(lambda x, w: F.conv2d(x, w), (x, w))
