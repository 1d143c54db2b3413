"""Pooling (and its backward ops), upsampling, padding modes, group norm, vector norms and fmod against
torch.nn.functional, natively.

Each group is one function of many calls, compiled once per dtype by `compile_fx` in
"native" mode (a node graphlet cannot compile fails the test); the test checks the
graph holds the ATen ops under test, that every node ran natively, and compares with
eager PyTorch: float32 within rtol/atol 1e-5, float64 within 1e-12, indices and ints
exactly, NaN where eager has NaN, and zeros signed as eager's where the op is exact
(max pooling, fmod). Inputs hold NaN, +-inf and +-0.0; interpolation's inputs no
infinities (eager itself gives inf or NaN for `inf * 0` depending on its code path).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import graphlet  # noqa: E402
from graphlet.frontend.fx import Report, collect_graphs, compile_fx  # noqa: E402

FLOATS = (torch.float32, torch.float64)


def image(*shape, dtype=torch.float32, seed=0, edges=True, infinities=True):
    """Seeded normal values with a NaN, a -0.0 and (with `infinities`) +-inf."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g).to(dtype)
    if edges:
        flat = x.view(-1)
        flat[3], flat[29] = float("nan"), -0.0
        if infinities:
            flat[10], flat[17] = float("inf"), -float("inf")
    return x


def max_pools(x, x1):
    return (
        *F.max_pool2d(x, 3, 2, 1, return_indices=True),
        *F.max_pool2d(x, (2, 3), (1, 2), (1, 0), (2, 1), ceil_mode=True, return_indices=True),
        F.max_pool2d(x[0], 2),
        *F.max_pool1d(x1, 3, 2, 1, return_indices=True),
        F.max_pool2d(x.nan_to_num(0.0, 5.0, -5.0).to(torch.int64), 2, 1, 1),
        *F.max_pool3d(
            x[0].reshape(3, 7, 3, 3), (3, 2, 2), (2, 1, 1), (1, 1, 0), (1, 2, 1), True, True
        ),
    )


def avg_pools(x, x1):
    return (
        F.avg_pool2d(x, 3, 2, 1),
        F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
        F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        F.avg_pool2d(x, (2, 3), (2, 1), (1, 0), divisor_override=4),
        F.avg_pool2d(x[1], 2, 1),
        F.avg_pool1d(x1, 3, 2, 1),
        F.avg_pool2d(x.nan_to_num(0.0, 5.0, -5.0).mul(3).to(torch.int64), 3, 2, 1),
        F.lp_pool2d(x.abs(), 2, 2),
    )


def adaptive_pools(x, x1):
    return (
        F.adaptive_avg_pool2d(x, 1),
        F.adaptive_avg_pool2d(x, (3, 5)),
        F.adaptive_avg_pool2d(x, (4, 2)),
        *F.adaptive_max_pool2d(x, (3, 5), return_indices=True),
        F.adaptive_max_pool2d(x[0], 1),
        F.adaptive_avg_pool1d(x1, 4),
        *F.adaptive_max_pool1d(x1, 4, return_indices=True),
        F.adaptive_avg_pool3d(x.reshape(2, 3, 7, 3, 3), (3, 2, 1)),
    )


def _gradient(y):
    """A finite gradient of y's shape that varies along it."""
    return y.nan_to_num(0.5, 2.0, -2.0) * 0.5 - 0.25


def pool_backwards(x, x1):
    """The backward ops of pooling as autograd calls them (`aten.*_backward`, the
    forward's indices and geometry): batched and not, overlapping windows, padding,
    dilation, ceil_mode, PyTorch's divisors."""
    aten = torch.ops.aten
    out = []
    for image, geometry in (
        (x, ([3, 3], [2, 2], [1, 1], [1, 1], False)),
        (x[1], ([2, 3], [1, 2], [1, 0], [2, 1], True)),
    ):
        y, indices = aten.max_pool2d_with_indices(image, *geometry)
        out.append(aten.max_pool2d_with_indices_backward(_gradient(y), image, *geometry, indices))
    for image, geometry in (
        (x, ([3, 3], [2, 2], [1, 1], True, False, None)),
        (x[1], ([2, 3], [2, 1], [1, 0], False, True, 4)),
    ):
        y = aten.avg_pool2d(image, *geometry)
        out.append(aten.avg_pool2d_backward(_gradient(y), image, *geometry))
    for image, size in ((x, (4, 2)), (x[1], (3, 5))):
        y = aten._adaptive_avg_pool2d(image, size)
        out.append(aten._adaptive_avg_pool2d_backward(_gradient(y), image))
    return tuple(out)


def resampling(x, x1):
    return (
        F.interpolate(x, scale_factor=2, mode="nearest"),
        F.interpolate(x, size=(5, 11), mode="nearest"),
        F.interpolate(x, scale_factor=(1.7, 0.5), mode="nearest"),
        F.interpolate(x, scale_factor=2, mode="bilinear"),
        F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True),
        F.interpolate(x, size=(5, 11), mode="bilinear"),
        F.interpolate(x, scale_factor=1.3, mode="bilinear"),
        F.interpolate(x1, scale_factor=2, mode="nearest"),
        F.interpolate(x1, size=13, mode="linear"),
        F.pad(x, (1, 2, 2, 0), mode="reflect"),
        F.pad(x, (1, 2, 2, 0), mode="replicate"),
        F.pad(x1, (2, 1), mode="reflect"),
        F.pad(x1, (2, 3), mode="replicate"),
    )


class Norms(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gn = torch.nn.GroupNorm(3, 6)
        self.gn_plain = torch.nn.GroupNorm(2, 6, affine=False)
        with torch.no_grad():
            self.gn.weight.normal_()
            self.gn.bias.normal_()

    def forward(self, x, v):
        out, mean, rstd = torch.ops.aten.native_group_norm.default(
            x, self.gn.weight, self.gn.bias, 2, 6, 20, 3, 1e-3
        )
        return (
            self.gn(x),
            self.gn_plain(x),
            F.group_norm(x[:, :, 0], 6),
            out,
            mean,
            rstd,
            torch.linalg.vector_norm(v),
            torch.linalg.vector_norm(v, dim=1),
            torch.linalg.vector_norm(v, 1, dim=(0, 2), keepdim=True),
            torch.linalg.vector_norm(v, float("inf"), dim=2),
            torch.linalg.vector_norm(v, -float("inf"), dim=0),
            torch.linalg.vector_norm(v, 0, dim=-1),
            torch.linalg.vector_norm(v, 3.5, dim=1),
            v.norm(dim=0),
        )


EDGE = [
    0.0,
    -0.0,
    1.5,
    -2.25,
    7.0,
    3.0,
    -3.0,
    1e-30,
    -1e-30,
    float("inf"),
    -float("inf"),
    float("nan"),
]


def fmods(a, b, i, j):
    return (
        torch.fmod(a, 1.5),
        torch.fmod(a, -2.0),
        torch.fmod(a, 0.0),
        torch.fmod(a, float("inf")),
        torch.fmod(a, b),
        torch.fmod(i, 3),
        torch.fmod(i, -3),
        torch.fmod(i, 2.5),
        torch.fmod(i, j),
    )


def _floats(dtype, infinities=True):
    return lambda: (
        image(2, 3, 7, 9, dtype=dtype, infinities=infinities),
        image(2, 3, 11, dtype=dtype, seed=1, infinities=infinities),
    )


GROUPS = {
    "max_pool": (
        max_pools,
        _floats,
        {"aten.max_pool2d_with_indices.default", "aten.max_pool3d_with_indices.default"},
    ),
    "avg_pool": (avg_pools, _floats, {"aten.avg_pool2d.default"}),
    "adaptive_pool": (
        adaptive_pools,
        _floats,
        {
            "aten._adaptive_avg_pool2d.default",
            "aten._adaptive_avg_pool3d.default",
            "aten.adaptive_max_pool2d.default",
        },
    ),
    "pool_backward": (
        pool_backwards,
        _floats,
        {
            "aten.max_pool2d_with_indices_backward.default",
            "aten.avg_pool2d_backward.default",
            "aten._adaptive_avg_pool2d_backward.default",
        },
    ),
    "resampling": (
        resampling,
        lambda dtype: _floats(dtype, infinities=False),
        {"aten.upsample_nearest2d.vec", "aten.upsample_bilinear2d.vec"},
    ),
    "norms": (
        None,
        lambda dtype: (
            lambda: (
                image(2, 6, 4, 5, dtype=dtype, edges=False),
                image(3, 4, 5, dtype=dtype, seed=2),
            )
        ),
        {"aten.native_group_norm.default", "aten.linalg_vector_norm.default"},
    ),
    "fmod": (
        fmods,
        lambda dtype: (
            lambda: (
                torch.tensor(EDGE + [x * 5 for x in EDGE], dtype=dtype),
                torch.tensor(EDGE[::-1] + EDGE, dtype=dtype),
                torch.tensor([7, -7, 0, 13, -13, 5, -(2**63), 2**63 - 1, 1, -1]),
                torch.tensor([2, 2, -3, -4, 4, 5, -1, 3, -7, 9]),
            )
        ),
        {"aten.fmod.Scalar", "aten.fmod.Tensor"},
    ),
}

EXACT = {"max_pool", "fmod"}
"""Groups whose float results must match eager's zeros' signs too (taps compared,
never summed; fmod is exact)."""


def tolerance(t):
    return dict(rtol=1e-12, atol=1e-12) if t.dtype == torch.float64 else dict(rtol=1e-5, atol=1e-5)


def _compare(got, want, exact=False):
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape and a.dtype == b.dtype, (k, a.shape, b.shape, a.dtype, b.dtype)
        if not b.dtype.is_floating_point:
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=str(k))
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), err_msg=str(k), **tolerance(b))
        if exact:
            zeros = b == 0
            assert torch.equal(torch.signbit(a[zeros]), torch.signbit(b[zeros])), k


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
@pytest.mark.parametrize("group", list(GROUPS))
def test_nn_ops_match_pytorch_natively(group, dtype):
    fn, inputs, expected_ops = GROUPS[group]
    torch.manual_seed(0)
    model = fn or Norms().to(dtype).eval()
    args = inputs(dtype)()
    compiled = compile_fx(model, args, mode="native")
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert expected_ops <= targets, sorted(targets)
    with torch.no_grad():
        got, want = compiled(*args), model(*args)
    assert compiled.report().all_native, str(compiled.report())
    _compare(got, want, exact=group in EXACT)


class Head(torch.nn.Module):
    """A conv-free segmentation-style head: group norm, pooling both ways, bilinear
    upsampling back to the input size."""

    def __init__(self):
        super().__init__()
        self.norm = torch.nn.GroupNorm(2, 4)

    def forward(self, x):
        y = torch.relu(self.norm(x))
        pooled = F.max_pool2d(y, 3, 2, 1) + F.avg_pool2d(y, 3, 2, 1)
        context = F.adaptive_avg_pool2d(y, 1) * torch.sigmoid(F.adaptive_max_pool2d(y, 1))
        up = F.interpolate(pooled * context, size=x.shape[-2:], mode="bilinear")
        return F.interpolate(up, scale_factor=0.5, mode="nearest"), F.leaky_relu(up, 0.1)


def test_torch_compile_runs_pooling_and_upsampling_natively(caplog):
    model = Head().eval()
    x = image(1, 4, 9, 10, edges=False)
    caplog.set_level(logging.WARNING, logger="graphlet")
    torch._dynamo.reset()
    try:
        compiled = torch.compile(
            model, backend="graphlet", fullgraph=True, options={"mode": "native"}
        )
        with torch.no_grad(), collect_graphs() as graphs:
            want = model(x)
            got = compiled(x)
    finally:
        torch._dynamo.reset()
    report = Report([r for gr in graphs for r in gr.reports()])
    assert report.graphs and report.all_native, str(report)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    _compare(got, want)


def test_unsupported_pooling_runs_in_pytorch_and_says_why():
    """Adaptive pooling to an empty size is refused by name; the partitioned fallback
    runs it in PyTorch, the rest natively; `mode="native"` raises instead."""

    def fn(x):
        return F.adaptive_avg_pool2d(x, (0, 2)), F.max_pool2d(x, 2)

    args = (image(1, 2, 4, 4),)
    compiled = graphlet.compile_fx(fn, args)
    report = compiled.report()
    assert not report.all_native and len(report.eager) == 1, str(report)
    assert "adaptive pooling from size 4 to 0" in str(report), str(report)
    _compare(compiled(*args), fn(*args))
    with pytest.raises(graphlet.frontend.fx.UnsupportedNodeError, match="adaptive pooling"):
        graphlet.compile_fx(fn, args, mode="native")


def batch_norms(x, w, b, mean, var):
    aten = torch.ops.aten
    return (
        *aten._native_batch_norm_legit.default(x, w, b, mean, var, False, 0.1, 1e-5),
        *aten._native_batch_norm_legit.no_stats(x, w, b, True, 0.1, 1e-3),
        *aten._native_batch_norm_legit.no_stats(x[:, :, 0], None, None, True, 0.1, 1e-5),
    )


def functional_batch_norms(x, w, b, mean, var):
    aten = torch.ops.aten
    return (
        *aten._native_batch_norm_legit_functional.default(x, w, b, mean, var, True, 0.3, 1e-5),
        *aten.native_batch_norm.default(x, w, b, None, None, True, 0.1, 1e-5),
    )


@pytest.mark.parametrize(
    ("fn", "dtype"),
    [(batch_norms, torch.float32), (functional_batch_norms, torch.float64)],
    ids=["in_place-f32", "functional-f64"],
)
def test_batch_norm_statistics_match_pytorch_natively(fn, dtype):
    """Batch norm with the running statistics (whose saved mean and rstd are empty),
    with the batch's (their mean and rstd returned), and functionalized training (the
    running statistics moved toward the batch's, the variance unbiased). In-place
    `_native_batch_norm_legit` stays whole only where export decomposes nothing: a
    decomposition functionalizes it, and compile_fx refuses the input mutation."""
    x = image(3, 4, 5, 2, dtype=dtype, edges=False)
    params = [image(4, dtype=dtype, seed=s, edges=False) for s in (1, 2, 3)]
    args = (x, *params[:2], params[2], params[2].abs() + 0.5)
    compiled = compile_fx(fn, args, mode="native")
    assert compiled.report().all_native, str(compiled.report())
    _compare(compiled(*args), fn(*args))


def grid_samples(x, grid):
    """Bilinear, nearest and bicubic, every padding mode, both corner conventions."""
    aten = torch.ops.aten
    return tuple(
        aten.grid_sampler_2d(x, grid, mode, padding, align)
        for mode in (0, 1, 2)
        for padding in (0, 1, 2)
        for align in (False, True)
    )


@pytest.mark.skipif(
    os.environ.get("GRAPHLET_CORPUS") != "all",
    reason="18 grid samplers, run-time gathers each: a minute to compile "
    "(test_aten_ops's grid_sampler_2d samples run by default); GRAPHLET_CORPUS=all",
)
@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
def test_grid_sampler_2d_every_mode_matches_pytorch_natively(dtype):
    """Grid points inside, on the corners, far outside (reflected several times), NaN,
    inf and past any index (-1e30)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 5, 7, generator=gen).to(dtype)
    grid = (torch.rand(2, 4, 6, 2, generator=gen) * 2.6 - 1.3).to(dtype)
    grid[0, 0, 0] = torch.tensor([1.0, -1.0])
    grid[1, 0, 1] = torch.tensor([3.5, -7.2])
    grid[1, 1, 1] = torch.tensor([float("nan"), 0.2])
    grid[1, 2, 1] = torch.tensor([0.3, float("inf")])
    grid[1, 3, 1] = torch.tensor([-1e30, 0.1])
    compiled = compile_fx(grid_samples, (x, grid), mode="native")
    assert compiled.report().all_native, str(compiled.report())
    _compare(compiled(x, grid), grid_samples(x, grid))
