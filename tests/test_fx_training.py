"""Training is honest: gradients through `torch.compile(backend="graphlet")` match eager.

When a parameter or an input requires grad, AOTAutograd splits the graph into a
forward and a backward graph and graphlet compiles both (partitioned where it lacks
an op), so `loss.backward()` works. Each test compares the outputs, every gradient and
(for batch norm) the running statistics with an eager copy of the model, and asserts
from the reports which nodes ran natively: all of them, or exactly the ones named.
`compile_fx` compiles for inference: on a model that needs autograd it warns once, and
it refuses layers that behave differently in training. f32, rtol 1e-5, atol 1e-5.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from fx_opaque import REVERSE_RUNNING_SUM, RUNNING_SUM, running_sum  # noqa: E402

from graphlet.frontend.fx import UnsupportedNodeError, collect_graphs, compile_fx  # noqa: E402
from graphlet.frontend.fx.backward_decompositions import (  # noqa: E402
    adaptive_max_pool2d_backward,
    flash_attention_for_cpu,
    flash_attention_for_cpu_backward,
    unsafe_index_put,
)

TOL = dict(rtol=1e-5, atol=1e-5)


def assert_close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), **TOL)


def by_kind(graphs):
    """kind ("forward", "backward", "inference") -> the reports of those graphs."""
    kinds: dict[str, list] = {}
    for g in graphs:
        kinds.setdefault(g.name.rsplit(" ", 1)[-1], []).extend(g.reports())
    return kinds


def train_step(model, compiled, *inputs, seed=1):
    """One forward and backward through eager `model` and `compiled` (a copy of it),
    same seed, same loss; returns both outputs and the graphs graphlet compiled."""
    torch.manual_seed(seed)
    want = model(*inputs)
    (want * torch.linspace(-1, 1, want.shape[-1])).sum().backward()
    with collect_graphs() as graphs:
        torch.manual_seed(seed)
        got = compiled(*inputs)
        (got * torch.linspace(-1, 1, got.shape[-1])).sum().backward()
    return got, want, by_kind(graphs)


def assert_same_gradients(model, twin):
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert q.grad is not None, f"{name} got no gradient"
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), err_msg=name, **TOL)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Linear(6, 16)
        self.norm = nn.LayerNorm(16)
        self.mid = nn.Linear(16, 16)
        self.down = nn.Linear(16, 4)

    def forward(self, x):
        h = torch.tanh(self.norm(self.up(x)))
        h = torch.relu(self.mid(h)) + torch.sigmoid(h)
        return torch.softmax(self.down(h), dim=-1)


def test_parameter_gradients_match_eager_with_forward_and_backward_native():
    torch.manual_seed(0)
    model = Mlp().train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    x = torch.randn(5, 6)
    got, want, kinds = train_step(model, torch.compile(twin, backend="graphlet"), x)
    assert got.requires_grad and got.grad_fn is not None
    assert_close(got, want)
    assert_same_gradients(model, twin)
    assert sorted(kinds) == ["backward", "forward"]
    for kind, reports in kinds.items():
        assert reports and all(r.all_native for r in reports), (kind, [str(r) for r in reports])


def test_input_gradients_match_eager():
    def f(x, y):
        return torch.tanh(x) * torch.sigmoid(y) + (x * y).sum(-1, keepdim=True)

    x, y = torch.randn(3, 4, requires_grad=True), torch.randn(3, 4, requires_grad=True)
    torch._dynamo.reset()
    with collect_graphs() as graphs:
        torch.compile(f, backend="graphlet")(x, y).sum().backward()
    got = x.grad.clone(), y.grad.clone()
    x.grad = y.grad = None
    f(x, y).sum().backward()
    assert_close(got[0], x.grad)
    assert_close(got[1], y.grad)
    kinds = by_kind(graphs)
    assert sorted(kinds) == ["backward", "forward"]
    assert all(r.all_native for reports in kinds.values() for r in reports)


class WithOpaque(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return torch.tanh(running_sum(self.fc(x))) * 2


def test_backward_ops_graphlet_lacks_run_in_pytorch_and_are_named():
    torch.manual_seed(0)
    model = WithOpaque().train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    got, want, kinds = train_step(model, torch.compile(twin, backend="graphlet"), torch.randn(4, 3))
    assert_close(got, want)
    assert_same_gradients(model, twin)
    ((forward,), (backward,)) = kinds["forward"], kinds["backward"]
    assert [n.target for n in forward.eager] == [RUNNING_SUM]
    assert [n.target for n in backward.eager] == [REVERSE_RUNNING_SUM]
    assert forward.native == forward.nodes - 1 and backward.native == backward.nodes - 1
    assert backward.partitions == 2  # before and after the opaque node


def test_batch_norm_and_dropout_in_training_mode():
    """Batch statistics and running-stat updates compile; dropout's mask comes from
    PyTorch's generator (same seed, same mask as eager), so that node runs in PyTorch."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 2)
    ).train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    got, want, kinds = train_step(model, torch.compile(twin, backend="graphlet"), torch.randn(8, 4))
    assert_close(got, want)
    assert_same_gradients(model, twin)
    assert_close(twin[1].running_mean, model[1].running_mean)
    assert_close(twin[1].running_var, model[1].running_var)
    assert int(twin[1].num_batches_tracked) == int(model[1].num_batches_tracked) == 1
    ((forward,), (backward,)) = kinds["forward"], kinds["backward"]
    assert [n.target for n in forward.eager] == ["aten.native_dropout.default"], str(forward)
    assert "random generator" in forward.eager[0].reason
    assert backward.all_native, str(backward)


def test_compile_fx_warns_once_when_outputs_lose_autograd():
    torch.manual_seed(0)
    model = Mlp().train()  # no layer that behaves differently in training
    x = torch.randn(2, 6)
    compiled = compile_fx(model, (x,))
    with pytest.warns(UserWarning, match="do not record autograd history") as record:
        out = compiled(x)
        compiled(x)
    assert len([w for w in record if "autograd" in str(w.message)]) == 1
    assert not out.requires_grad
    assert compiled.report().all_native, str(compiled.report())
    with warnings.catch_warnings(record=True) as quiet, torch.no_grad():
        warnings.simplefilter("always")
        assert_close(compile_fx(model, (x,))(x), model(x))
    assert not [w for w in quiet if "autograd" in str(w.message)]


@pytest.mark.parametrize("layer", [nn.Dropout(0.2), nn.BatchNorm1d(6)])
def test_compile_fx_refuses_layers_that_differ_in_training(layer):
    model = nn.Sequential(nn.Linear(4, 6), layer).train()
    with pytest.raises(UnsupportedNodeError, match=r"model\.eval\(\)"):
        compile_fx(model, (torch.randn(3, 4),))


# --------------------------------------------------------------------------- SGD training loops


class Classifier(nn.Module):
    """A network and its cross-entropy loss as one module: the compiled graphs hold the
    loss too, so its gradient (log_softmax's and nll_loss's backward) is graphlet's."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, y):
        return nn.functional.cross_entropy(self.net(x), y)


def mlp():
    return nn.Sequential(
        nn.Linear(6, 16),
        nn.LayerNorm(16),
        nn.GELU(),
        nn.Linear(16, 16),
        nn.ReLU(),
        nn.Linear(16, 4),
    )


def cnn():
    """conv (padding) -> batch norm (training mode) -> relu -> max pool -> conv (stride
    2, padding) -> relu -> linear: 8x8 images, 2x2 before the classifier."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 2 * 2, 4),
    )


NETS = {"mlp": (mlp, (6,)), "cnn": (cnn, (3, 8, 8))}
TRAIN_TOL = dict(rtol=1e-4, atol=1e-5)
"""After a few SGD steps float32 rounding differences (sums in other orders) grow."""


def sgd_train(make, shape, batches, momentum, dynamic=None):
    """The same model trained eagerly and through `torch.compile(backend="graphlet")`
    with SGD (lr 0.1, `momentum`), one step per batch size in `batches`; checks each
    step's loss and, at the end, every parameter and buffer. Returns the graphs."""
    torch.manual_seed(0)
    model = Classifier(make()).train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    compiled = torch.compile(twin, backend="graphlet", dynamic=dynamic)
    steps = [
        (net, torch.optim.SGD(m.parameters(), lr=0.1, momentum=momentum))
        for net, m in ((model, model), (compiled, twin))
    ]
    gen = torch.Generator().manual_seed(1)
    with collect_graphs() as graphs:
        for step, batch in enumerate(batches):
            x = torch.randn(batch, *shape, generator=gen)
            y = torch.randint(0, 4, (batch,), generator=gen)
            losses = []
            for net, opt in steps:
                opt.zero_grad()
                loss = net(x, y)
                loss.backward()
                opt.step()
                losses.append(loss.item())
            np.testing.assert_allclose(losses[1], losses[0], err_msg=f"step {step}", **TRAIN_TOL)
    for (name, p), (_, q) in zip(model.state_dict().items(), twin.state_dict().items()):
        np.testing.assert_allclose(q.numpy(), p.numpy(), err_msg=name, **TRAIN_TOL)
    return graphs


def assert_all_native(graphs):
    kinds = by_kind(graphs)
    assert sorted(kinds) == ["backward", "forward"], sorted(kinds)
    for kind, reports in kinds.items():
        assert reports and all(r.all_native for r in reports), (kind, [str(r) for r in reports])
    return kinds


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("net", sorted(NETS))
def test_sgd_training_matches_eager_all_native(net, momentum):
    make, shape = NETS[net]
    assert_all_native(sgd_train(make, shape, [4, 4, 4], momentum))


_EVERY_NET = os.environ.get("GRAPHLET_CORPUS", "").lower() in ("all", "full")


@pytest.mark.parametrize(
    ("net", "dynamic"),
    [
        ("mlp", None),
        *(
            pytest.param(
                "cnn",
                dynamic,
                marks=pytest.mark.skipif(
                    not _EVERY_NET,
                    reason="the CNN's eight graphs take a minute to compile; CI's budget "
                    "(GRAPHLET_CORPUS=all runs it)",
                ),
            )
            for dynamic in (None, True)
        ),
    ],
)
def test_sgd_training_with_a_new_batch_size_stays_native(net, dynamic):
    """Batch 4, then 6: Dynamo recompiles with a symbolic batch (`dynamic=None`), or
    traces every size symbolically from the start (`dynamic=True`); graphlet
    specialises the graphs per concrete shape, forward and backward, natively."""
    make, shape = NETS[net]
    kinds = assert_all_native(sgd_train(make, shape, [4, 6, 4, 6], 0.9, dynamic))
    for kind in ("forward", "backward"):
        signatures = " ".join(r.signature for r in kinds[kind])
        for batch in (4, 6):
            assert f"float32[{', '.join(map(str, (batch, *shape)))}]" in signatures, (
                kind,
                signatures,
            )


# --------------------------------------------------------------------------- backward decompositions


KEPT_WHOLE = {
    "aten.convolution_backward.default",
    "aten.max_pool2d_with_indices_backward.default",
    "aten.avg_pool2d_backward.default",
    "aten._adaptive_avg_pool2d_backward.default",
}
"""Backward ops graphlet compiles natively: AOTAutograd's backward graph carries them
whole (`handlers/convolution.py`, `handlers/pooling.py`)."""


class ConvZoo(nn.Module):
    """The convolutions and pools whose backward graphlet compiles (whole, or as
    `aot_decompositions()` rewrites it: adaptive max pooling's):
    stride, padding, dilation, groups (depthwise too), transposed with output
    padding, 1-d; max pooling with overlapping windows, padding and ceil_mode,
    average pooling without the padding in its divisor, adaptive max and average
    pooling with overlapping windows (4 to 3)."""

    def __init__(self):
        super().__init__()
        self.strided = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.dilated = nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2)
        self.depthwise = nn.Conv2d(4, 4, (3, 2), stride=(1, 2), padding=(1, 0), groups=4)
        self.up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
        self.line = nn.Conv1d(2, 4, 3, stride=2, groups=2, bias=False)

    def forward(self, x):
        h = torch.tanh(self.strided(x))  # (N, 4, 5, 5) from 9x9
        h = nn.functional.max_pool2d(h, 3, stride=2, padding=1, ceil_mode=True)  # 3x3
        h = torch.tanh(self.dilated(h))
        h = self.up(torch.sigmoid(self.depthwise(h)))  # (N, 2, 4, 4)
        h = nn.functional.avg_pool2d(h, 3, stride=1, padding=1, count_include_pad=False)
        h = nn.functional.adaptive_max_pool2d(h, 3) + nn.functional.adaptive_avg_pool2d(h, 3)
        return self.line(h.flatten(2)).flatten(1)


def test_convolution_and_pooling_gradients_match_eager_all_native():
    """Parameter gradients and the input's (the strided convolution's grad_input)."""
    torch.manual_seed(0)
    model = ConvZoo().train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    x = torch.randn(3, 2, 9, 9)
    x_eager, x_twin = x.clone().requires_grad_(), x.clone().requires_grad_()
    compiled = torch.compile(twin, backend="graphlet")
    want = model(x_eager)
    (want * torch.linspace(-1, 1, want.shape[-1])).sum().backward()
    with collect_graphs() as graphs:
        got = compiled(x_twin)
        (got * torch.linspace(-1, 1, got.shape[-1])).sum().backward()
    assert_close(got, want)
    assert_same_gradients(model, twin)
    assert_close(x_twin.grad, x_eager.grad)
    kinds = by_kind(graphs)
    assert sorted(kinds) == ["backward", "forward"]
    for kind, reports in kinds.items():
        assert reports and all(r.all_native for r in reports), (kind, [str(r) for r in reports])
    backward = {
        str(n.target)
        for gr in graphs
        if gr.name.endswith("backward")
        for n in gr.gm.graph.nodes
        if n.op == "call_function"
    }
    assert backward >= KEPT_WHOLE, sorted(backward)


def test_adaptive_max_pooling_backward_decomposition_is_autograd_exactly():
    aten = torch.ops.aten
    gen = torch.Generator().manual_seed(0)
    for h, w, oh, ow in itertools.product((5, 8), (6, 9), (1, 2, 3, 5), (1, 4, 6)):
        x = torch.randn(2, 3, h, w, dtype=torch.float64, generator=gen)
        for image in (x, x[0]):
            y, indices = aten.adaptive_max_pool2d(image, [oh, ow])
            grad = torch.randn(y.shape, dtype=torch.float64, generator=gen)
            got = adaptive_max_pool2d_backward(grad, image, indices)
            want = aten.adaptive_max_pool2d_backward(grad, image, indices)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"max {oh, ow}")


class Upsampler(nn.Module):
    """Nearest and bilinear upsampling (both corner modes, a given size, fractional
    scales): in training PyTorch decomposes them to gathers, whose derivative is an
    accumulating `_unsafe_index_put` over a grid. (Not nearest's x2 of a size with
    another scale factor given, 5 * 2.1: PyTorch's kernel takes every x2 as
    `o >> 1` and its decomposition, which Dynamo's graph holds, `o / 2.1`.)"""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)

    def forward(self, x):
        up = nn.functional.interpolate
        h = torch.tanh(self.conv(x))  # (N, 3, 5, 7)
        a = up(h, scale_factor=2, mode="nearest")  # (10, 14)
        b = up(h, size=(10, 14), mode="bilinear")
        c = up(h, scale_factor=2, mode="bilinear", align_corners=True)
        d = up(h, scale_factor=(1.5, 2.5), mode="nearest")  # (7, 17)
        e = up(h, scale_factor=(1.3, 0.6), mode="bilinear")  # (6, 4)
        return torch.cat([(a * b + c).flatten(1), d.flatten(1), e.flatten(1)], 1)


def test_upsampling_gradients_match_eager_all_native():
    torch.manual_seed(0)
    model = Upsampler().train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    x = torch.randn(2, 2, 5, 7)
    x_eager, x_twin = x.clone().requires_grad_(), x.clone().requires_grad_()
    compiled = torch.compile(twin, backend="graphlet")
    want = model(x_eager)
    (want * torch.linspace(-1, 1, want.shape[-1])).sum().backward()
    with collect_graphs() as graphs:
        got = compiled(x_twin)
        (got * torch.linspace(-1, 1, got.shape[-1])).sum().backward()
    assert_close(got, want)
    assert_same_gradients(model, twin)
    assert_close(x_twin.grad, x_eager.grad)
    kinds = by_kind(graphs)
    assert sorted(kinds) == ["backward", "forward"]
    for kind, reports in kinds.items():
        assert reports and all(r.all_native for r in reports), (kind, [str(r) for r in reports])
    backward = {
        str(n.target) for g in graphs if g.name.endswith("backward") for n in g.gm.graph.nodes
    }
    assert "aten.index_put.default" not in backward


def test_unsafe_index_put_decomposition_is_autograd_exactly():
    """Against `aten._unsafe_index_put` in float64: grids of row and column indices
    (repeated, negative, after leading full slices or none, 1-D and 3-D), NaN and inf
    in the values, no accumulation, and indices that are not a grid (Core ATen's
    index_put)."""
    aten = torch.ops.aten
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64, generator=gen)
    rows = torch.tensor([0, 0, 1, 4, -1, 2, 2, -5])
    cols = torch.tensor([6, 0, 0, -7, 3, 3])
    cases = [
        ([None, None, rows[:, None], cols], True),
        ([None, None, rows], True),
        ([None, rows[:3, None, None], rows[None, :, None] % 5, cols], True),
        ([None, None, None, cols], True),
        ([rows[:4] % 2], True),
        ([None, None, rows[:, None], cols], False),
        ([None, None, rows[:6], cols], True),  # paired, not a grid
    ]
    for indices, accumulate in cases:
        read = x[tuple(slice(None) if i is None else i for i in indices)]
        values = torch.randn(read.shape, dtype=torch.float64, generator=gen)
        values.view(-1)[1], values.view(-1)[5] = float("nan"), float("inf")
        got = unsafe_index_put(x, indices, values, accumulate)
        want = aten._unsafe_index_put(x, indices, values, accumulate)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=str(indices))


# --------------------------------------------------------------------------- attention


def test_transformer_encoder_layer_gradients_match_eager_all_native():
    """Core ATen's decomposition of the CPU flash attention kernel hands its backward
    the attention weights as the logsumexp: graphlet decomposes both (its own
    logsumexp), so the attention's input projection gets eager's gradients."""
    torch.manual_seed(0)
    model = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).train()
    twin = copy.deepcopy(model)
    torch._dynamo.reset()
    got, want, kinds = train_step(
        model, torch.compile(twin, backend="graphlet"), torch.randn(2, 5, 8)
    )
    assert_close(got, want)
    assert_same_gradients(model, twin)
    assert_all_native_kinds(kinds)


def assert_all_native_kinds(kinds):
    assert sorted(kinds) == ["backward", "forward"], sorted(kinds)
    for kind, reports in kinds.items():
        assert reports and all(r.all_native for r in reports), (kind, [str(r) for r in reports])


@pytest.mark.parametrize(
    "case", ["plain", "causal", "-inf mask", "float mask and scale", "longer keys"]
)
def test_flash_attention_decompositions_are_the_kernels(case):
    """Forward (output, logsumexp) and backward against PyTorch's CPU flash kernels."""
    aten = torch.ops.aten
    gen = torch.Generator().manual_seed(0)
    keys = 7 if case == "longer keys" else 5
    q = torch.randn(2, 3, 5, 4, dtype=torch.float64, generator=gen)
    k, v = (torch.randn(2, 3, keys, 4, dtype=torch.float64, generator=gen) for _ in range(2))
    options = {}
    if case == "-inf mask":  # what a bool mask becomes before the kernel (it takes no bool)
        masked = torch.rand(5, keys, generator=gen) < 0.3
        masked[:, 0] = False  # no row fully masked
        options["attn_mask"] = torch.zeros(5, keys, dtype=torch.float64).masked_fill(
            masked, -math.inf
        )
    elif case == "float mask and scale":
        options = {"attn_mask": torch.randn(5, keys, dtype=torch.float64, generator=gen)}
        options["scale"] = 0.3
    causal = case == "causal"
    out, lse = aten._scaled_dot_product_flash_attention_for_cpu(q, k, v, 0.0, causal, **options)
    got_out, got_lse = flash_attention_for_cpu(q, k, v, 0.0, causal, **options)
    np.testing.assert_allclose(got_out, out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_lse, lse, rtol=1e-12, atol=1e-12)
    grad = torch.randn(out.shape, dtype=torch.float64, generator=gen)
    args = (grad, q, k, v, out, lse, 0.0, causal)
    want = aten._scaled_dot_product_flash_attention_for_cpu_backward(*args, **options)
    for g, w, name in zip(flash_attention_for_cpu_backward(*args, **options), want, "qkv"):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=name)


def test_an_output_and_its_alias_are_one_kernel_result_a_clone_its_own():
    """AOTAutograd's forward returns a value and its `alias` (saved for the backward):
    one result, not a copy each; a `clone` is a tensor of its own, as in eager."""

    def f(x):
        y = x + 1
        return y, y.clone(), torch.ops.aten.alias(y), torch.ops.aten.detach(y)

    x = torch.randn(3)
    compiled = compile_fx(f, [x], mode="native")
    (fn,) = [op for op in compiled.module.body.block.ops]
    returned = list(fn.body.block.last_op.operands)
    assert len(returned) == 2, compiled.module
    y, clone, alias, detached = compiled(x)
    assert alias is y and detached is y and clone is not y
    assert_close(clone, x + 1)


def test_scatter_along_the_last_dim_moves_no_data():
    """cross entropy's backward scatters along the last dim: no identity transpose."""
    index = torch.tensor([[1], [0], [3]])
    scatter = lambda x: x.scatter(1, index, -1.0)
    x = torch.zeros(3, 4)
    compiled = compile_fx(scatter, [x], mode="native")
    assert "graphlet.transpose" not in str(compiled.module), compiled.module
    assert_close(compiled(x), scatter(x))
