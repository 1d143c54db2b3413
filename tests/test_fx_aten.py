"""The fx frontend's Core ATen handlers against PyTorch, natively.

Each group is one function of many ops (one compile per group keeps the test fast);
it goes through `compile_fx` (torch.export + Core ATen decompositions) in "native"
mode, so a node without a handler or an op that does not lower fails the test.
The test checks which ATen ops the graph holds (so the handler under test is the
one that ran), then values, shapes and dtypes against eager PyTorch: floats within
rtol/atol 1e-5 (f32) and 1e-12 (f64), ints and bools exactly. Inputs carry edge
cases: NaN, +-inf, +-0.0, negative numbers, broadcasting, size-1 dims.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from graphlet.frontend.fx import compile_fx  # noqa: E402

EDGE = torch.tensor([0.0, -0.0, 1.5, -2.25, 7.0, float("inf"), -float("inf"), float("nan")])


def floats(*shape, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * 3).to(dtype)


def elementwise_float(x, y):
    return (
        torch.add(x, y, alpha=2.5),
        torch.sub(x, y, alpha=-1),
        torch.rsub(x, 2.0),
        torch.div(x, y, rounding_mode="trunc"),
        torch.div(x, y, rounding_mode="floor"),
        torch.clamp(x, min=-1.0, max=2.0),
        torch.clamp(x, min=0.5),
        torch.clamp(x, max=y),
        F.hardtanh(x, -0.5, 0.75),
        F.relu6(x * 3),
        F.leaky_relu(x, 0.2),
        F.silu(x),
        F.hardsigmoid(x),
        F.hardswish(x),
        torch.reciprocal(y),
        torch.isnan(x),
        torch.logical_not(x > 0),
        torch.logical_and(x > 0, y > 0),
        torch.logical_or(x > 0, y < 0),
        torch.logical_xor(x > 0, y < 0),
        torch.masked_fill(x, y > 0, -7.0),
        torch.where(x > y, x, 0.5),
        torch.full_like(x, 3.25),
        torch.zeros_like(x) + torch.ones_like(y),
        x.to(torch.float64),
        (x * 100).to(torch.int64),
    )


def elementwise_int(i, j):
    return (
        torch.div(i, j, rounding_mode="trunc"),
        torch.div(i, j, rounding_mode="floor"),
        torch.remainder(i, j),
        torch.bitwise_not(i),
        torch.bitwise_not(i > 0),
        torch.clamp(i, -3, 4),
        torch.clamp(i, min=0.5),
        i.sum(),
        (i > 0).sum(dim=1),
        (i > 0).any(dim=1),
        (i > 0).all(),
        torch.isnan(i),
        F.hardtanh(i, -2.5, 3.7),
        F.linear(i, j),
        F.linear(i[0], j, j[:, 0]),
    )


def extremes(x, i, b):
    """max/min along a dim return the first extreme's index, a NaN's if any."""
    return (
        *x.max(dim=1),
        *x.min(dim=0, keepdim=True),
        *i.max(dim=1),
        *i.min(dim=0),
        *b.max(dim=1),
        *b.min(dim=0, keepdim=True),
        *x[0, 0].max(0),
        torch.argmax(x),
        torch.argmin(x, 0),
        torch.argmin(i, 1, keepdim=True),
        torch.argmax(i, keepdim=True),
    )


def int32s(x, y, i, f):
    """int32 tensors stay int32 with ints (wrapping at 32 bits) and promote with int64
    and floats; sums and cumsums are int64; int32 indices index like int64 ones."""
    table = torch.arange(12.0).reshape(6, 2)
    return (
        x + y,
        x * y,
        x - 7,
        x * 3,
        x + i,
        x * 0.5,
        x / y,
        torch.div(x, y, rounding_mode="floor"),
        torch.div(x, y, rounding_mode="trunc"),
        torch.remainder(x, y),
        y**3,
        -x,
        torch.abs(y),
        torch.maximum(x, y),
        torch.clamp(x, -10, 10),
        torch.where(x > y, x, y),
        x == y,
        x & y,
        x | y,
        x ^ y,
        ~x,
        x.sum(),
        x.sum(1),
        torch.cumsum(y, 1),
        x.amax(1),
        y.amin(0),
        torch.argmax(y, 1),
        x.to(torch.int64),
        x.to(torch.float32),
        x.to(torch.float64),
        x.to(torch.bool),
        (i * 1000003).to(torch.int32),
        (f * 1000).to(torch.int32),
        (f * 1e10).to(torch.int32),  # out of range: INT32_MIN (x86, as torch)
        (f > 0).int(),
        x.t().reshape(3, 2),
        torch.cat([x, y], 0),
        x[:, 1:].expand(2, 2, 2),
        torch.gather(x, 1, y.abs().remainder(3).to(torch.int64)),
        F.embedding(y.abs().remainder(6), table),
        torch.index_select(table, 0, y[0].abs().remainder(6)),
        table[y.abs().remainder(6)],
    )


def bools(a, b):
    """PyTorch keeps +, *, max and min of bools bool; / and math functions are floats."""
    return (
        a + b,
        a * b,
        torch.maximum(a, b),
        torch.minimum(a, b),
        torch.clamp_min(a, b),
        a / b,
        torch.exp(a),
        torch.rsqrt(b),
        torch.square(a),
    )


def reductions(x):
    return (
        x.sum(dim=(0, 2), keepdim=True),
        x.sum(dtype=torch.float64),
        x.mean(dim=-1),
        x.amax(dim=1),
        x.amin(dim=(0, 1)),
        x.max(),
        x.min(dim=2).values,
        x.var(dim=1),
        x.var(dim=(0, 2), correction=0, keepdim=True),
        (x > 0).any(),
        x[:, 1:].sum(1),
    )


def shapes(x, y):
    a, b, c = torch.split(x, [1, 2, 1], dim=1)
    d, e = torch.chunk(y, 2, dim=0)
    f, g = x.unbind(dim=0)
    return (
        a,
        b * 2,
        c,
        d,
        e,
        f + g,
        F.pad(x, (1, 2, 0, 1), value=-1.5),
        F.pad(x, (-1, 1)),
        torch.roll(x, shifts=1, dims=2),
        torch.roll(x, shifts=(2, -1), dims=(1, 2)),
        torch.roll(y, 3),
        x.repeat(2, 1, 3),
        y.repeat(2, 1, 1),
        x.transpose(1, 2).contiguous(),
        x.permute(2, 0, 1).reshape(5, -1),
        torch.cat([x, x * 2], dim=-1),
        torch.stack([f, g], dim=1),
        x[..., None, 1:4:2],
        x.flatten(1),
    )


class Nn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = torch.nn.LayerNorm(5)
        self.bn = torch.nn.BatchNorm1d(5)
        self.bn2 = torch.nn.BatchNorm2d(4, affine=False)
        self.linear = torch.nn.Linear(5, 3)
        for m in (self.bn, self.bn2):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)

    def forward(self, x, img):
        return (
            self.norm(x),
            self.bn(x),
            self.bn2(img),
            self.linear(x),
            torch.softmax(x, dim=1),
            torch.log_softmax(x, dim=-1),
            F.gelu(x),
            F.gelu(x, approximate="tanh"),
            torch.sigmoid(x),
            x @ self.linear.weight.t(),
        )


GROUPS = {
    "elementwise-float": (
        elementwise_float,
        lambda: (torch.cat([EDGE, floats(8)]), torch.cat([floats(8, seed=1), EDGE.flip(0)])),
        {"aten.clamp.default", "aten.div.Tensor_mode", "aten.where.self", "aten.hardtanh.default"},
    ),
    "elementwise-int": (
        elementwise_int,
        lambda: (
            torch.tensor([[7, -7, 0, 13, -13, 5], [1, -1, 9, -9, 4, -4]]),
            torch.tensor([[2, 2, -3, -4, 4, 5], [3, -3, 2, -2, -1, 1]]),
        ),
        {"aten.div.Tensor_mode", "aten.bitwise_not.default", "aten.any.dim", "aten.linear.default"},
    ),
    "extremes": (
        extremes,
        lambda: (
            torch.tensor(
                [[1.0, float("nan"), 3, 3], [2, 2, -float("inf"), float("nan")], [-1, 5, 5, 0]]
            ),
            torch.tensor([[1, 3, 3, -2], [2, 2, 1, 4], [0, 0, 0, 0]]),
            torch.tensor([[True, False, True], [False, False, False]]),
        ),
        {"aten.max.dim", "aten.min.dim", "aten.argmax.default", "aten.argmin.default"},
    ),
    "int32": (
        int32s,
        lambda: (
            torch.tensor([[2**31 - 1, -5, 7], [3, -(2**31), 9]], dtype=torch.int32),
            torch.tensor([[2, 3, -4], [5, -6, 7]], dtype=torch.int32),
            torch.tensor([[2**40, -3, 4], [0, 1, -(2**35)]]),
            floats(2, 3),
        ),
        {"aten.cumsum.default", "aten._to_copy.default", "aten.embedding.default"},
    ),
    "bools": (
        bools,
        lambda: (
            torch.tensor([True, False, True, False]),
            torch.tensor([True, True, False, False]),
        ),
        {"aten.add.Tensor", "aten.mul.Tensor", "aten.div.Tensor", "aten.exp.default"},
    ),
    "reductions": (
        reductions,
        lambda: (floats(3, 4, 5),),
        {"aten.var.correction", "aten.amin.default", "aten.sum.dim_IntList"},
    ),
    "shapes": (
        shapes,
        lambda: (floats(2, 4, 5), floats(4, 3)),
        {"aten.split_with_sizes.default", "aten.constant_pad_nd.default", "aten.roll.default"},
    ),
    "nn": (
        None,
        lambda: (floats(6, 5), floats(2, 4, 3, 3)),
        {
            "aten.layer_norm.default",
            "aten.linear.default",
            "aten._native_batch_norm_legit_no_training.default",
            "aten._softmax.default",
        },
    ),
}


def tolerance(t):
    return dict(rtol=1e-12, atol=1e-12) if t.dtype == torch.float64 else dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("group", list(GROUPS))
def test_aten_handlers_match_pytorch_natively(group):
    fn, inputs, expected_ops = GROUPS[group]
    torch.manual_seed(0)
    model = fn or Nn().eval()
    args = inputs()
    compiled = compile_fx(model, args, mode="native")
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert expected_ops <= targets, sorted(targets)
    with torch.no_grad():
        got, want = compiled(*args), model(*args)
    assert compiled.report().all_native, str(compiled.report())
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape and a.dtype == b.dtype, (k, a.shape, b.shape, a.dtype, b.dtype)
        if b.dtype.is_floating_point:
            np.testing.assert_allclose(a.numpy(), b.numpy(), err_msg=str(k), **tolerance(b))
        else:
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=str(k))
