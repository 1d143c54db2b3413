"""The torch.fx frontend and the torch.compile backend against PyTorch.

Models: the 4-8-2 MLP of the IR-extraction seed, a 784-256-10 MLP, a LayerNorm+GELU
MLP block and a single-head attention block with a residual, through `compile_fx`
(torch.export to Core ATen), an `ExportedProgram` and `torch.compile(backend="graphlet")`
(AOTAutograd). Every compiled test asserts from the report that its nodes ran natively
(a fallback to PyTorch must not pass). Tolerance: f32 rtol 1e-5, atol 1e-5 against eager.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import graphlet  # noqa: E402
from graphlet.frontend.fx import UnsupportedNodeError, collect_graphs, compile_fx  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


class SimpleMLP(nn.Module):
    """The seed's model: Linear(4, 8), ReLU, Linear(8, 2)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class MnistMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

    def forward(self, x):
        return torch.log_softmax(self.net(x), dim=-1)


class MLPBlock(nn.Module):
    """Pre-norm transformer MLP: x + Linear(Dropout(GELU(Linear(LayerNorm(x)))))."""

    def __init__(self, d=64, hidden=256):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.up = nn.Linear(d, hidden)
        self.act = nn.GELU()
        self.drop = nn.Dropout(0.1)
        self.down = nn.Linear(hidden, d)

    def forward(self, x):
        return x + self.down(self.drop(self.act(self.up(self.norm(x)))))


class Attention(nn.Module):
    """Single-head self-attention with a residual connection."""

    def __init__(self, d=32):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.d = d

    def forward(self, x):
        h = self.norm(x)
        qkv = self.qkv(h)
        q, k, v = qkv[..., : self.d], qkv[..., self.d : 2 * self.d], qkv[..., 2 * self.d :]
        scores = q @ k.transpose(-2, -1) / (x.shape[-1] ** 0.5)
        attn = torch.softmax(scores, dim=-1)
        return x + self.proj(attn @ v)


MODELS = {
    "mlp-4-8-2": (SimpleMLP, (1, 4)),
    "mlp-784-256-10": (MnistMLP, (16, 1, 28, 28)),
    "layernorm-gelu-block": (MLPBlock, (2, 10, 64)),
    "attention": (Attention, (2, 7, 32)),
}


def make(name):
    torch.manual_seed(0)
    cls, shape = MODELS[name]
    return cls().eval(), torch.randn(shape)


def assert_close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), **TOL)


def assert_native(report, graphs=None):
    """Every node of every graph ran in graphlet's native code."""
    assert report.graphs, "nothing was compiled"
    assert report.all_native, str(report)
    if graphs is not None:
        assert len(report.graphs) == graphs, str(report)


@pytest.mark.parametrize("name", list(MODELS))
def test_compile_fx_matches_pytorch(name):
    model, x = make(name)
    compiled = compile_fx(model, (x,))
    with torch.no_grad():
        assert_close(compiled(x), model(x))
    assert_native(compiled.report(), graphs=1)


@pytest.mark.parametrize("name", list(MODELS))
def test_torch_compile_backend_matches_pytorch(name):
    model, x = make(name)
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="graphlet", dynamic=False)
    with torch.no_grad(), collect_graphs() as graphs:
        assert_close(compiled(x), model(x))
    assert_native(graphlet.frontend.fx.Report([r for g in graphs for r in g.reports()]), 1)


@pytest.mark.parametrize("name", ["mlp-4-8-2", "attention"])
def test_torch_export_program(name):
    model, x = make(name)
    program = torch.export.export(model, (x,))
    compiled = compile_fx(program, (x,))
    with torch.no_grad():
        assert_close(compiled(x), model(x))
    assert_native(compiled.report(), graphs=1)


def test_package_level_compile_fx_and_numpy_in_numpy_out():
    model, x = make("mlp-4-8-2")
    compiled = graphlet.compile_fx(model, (x,))
    out = compiled(x.numpy())
    assert isinstance(out, np.ndarray)
    with torch.no_grad():
        np.testing.assert_allclose(out, model(x).numpy(), **TOL)
    assert_native(compiled.report())


def test_inline_parameters_become_constants_and_fold():
    model, x = make("mlp-4-8-2")
    compiled = compile_fx(model, (x,), inline_params=True)
    text = str(compiled.module)
    assert "graphlet.constant dense<" in text
    assert len(compiled.module.body.block.first_op.args) == 1
    with torch.no_grad():
        assert_close(compiled(x), model(x))
    assert_native(compiled.report())


def test_parameters_are_arguments_sharing_memory():
    model, x = make("mlp-4-8-2")
    compiled = compile_fx(model, (x,))
    fn = compiled.module.body.block.first_op
    assert [a.name_hint for a in fn.args] == [
        "x",
        "fc1_weight",
        "fc1_bias",
        "fc2_weight",
        "fc2_bias",
    ]
    with torch.no_grad():
        model.fc2.bias.add_(1.0)
        assert_close(compiled(x), model(x))
    assert_native(compiled.report())


def test_functional_ops_methods_and_shape_reads():
    class Mixed(nn.Module):
        def forward(self, x, y):
            n = x.size(-1)
            z = torch.nn.functional.relu(x) * 2 + y.view(-1, n) - 1.5
            z = z.transpose(0, 1).permute(1, 0).reshape(x.shape[0], n)
            s = z.sum(dim=1, keepdim=True) / z.shape[1]
            m = z.amax(dim=-1, keepdim=True)
            w = torch.where(z > s, z, m).unsqueeze(0).squeeze(0)
            c = torch.cat([w, torch.sigmoid(z), torch.tanh(z)], dim=1)
            return c[:, 1:5].mean(-1), torch.exp(-z.abs()).max(), (x.float() ** 2).sqrt()

    model = Mixed()
    x, y = torch.randn(3, 4), torch.randn(12)
    compiled = compile_fx(model, (x, y))
    got = compiled(x, y)
    want = model(x, y)
    assert isinstance(got, tuple) and len(got) == 3
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert_close(a, b)
    assert_native(compiled.report())


def test_int_tensor_promotion():
    class Promote(nn.Module):
        def forward(self, i, x):
            return i / 2, i * 0.5 + x, (i + 1) // 3, i > 0

    model = Promote()
    i, x = torch.arange(-4, 4).reshape(2, 4), torch.randn(2, 4)
    compiled = compile_fx(model, (i, x))
    for a, b in zip(compiled(i, x), model(i, x)):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL)
    assert_native(compiled.report())


def test_unsupported_node_names_node_target_and_line():
    class Bessel(nn.Module):
        def forward(self, x):
            y = x + 1
            return torch.special.bessel_j0(y)

    with pytest.raises(UnsupportedNodeError) as e:
        compile_fx(Bessel(), (torch.randn(3),), mode="native")
    message = str(e.value)
    assert "node 'special_bessel_j0'" in message
    assert "call_function" in message and "aten.special_bessel_j0.default" in message
    assert "test_fx.py" in message and "return torch.special.bessel_j0(y)" in message
    # in "auto" the report names the same node, op and line
    (eager,) = compile_fx(Bessel(), (torch.randn(3),)).report().eager
    assert (eager.name, eager.target) == ("special_bessel_j0", "aten.special_bessel_j0.default")
    assert "test_fx.py" in eager.source and "return torch.special.bessel_j0(y)" in eager.source
    assert "no translation" in eager.reason


def test_dropout_in_training_mode_is_refused():
    model = MLPBlock().train()
    with pytest.raises(UnsupportedNodeError, match="model.eval"):
        compile_fx(model, (torch.randn(2, 64),))


def test_torch_compile_runs_only_the_unsupported_node_eagerly_with_a_logged_reason(caplog):
    class Bessel(nn.Module):
        def forward(self, x):
            return torch.special.bessel_j0(torch.relu(x)) * 2

    torch._dynamo.reset()
    model = Bessel()
    compiled = torch.compile(model, backend="graphlet", dynamic=False)
    x = torch.randn(5)
    with caplog.at_level(logging.WARNING, logger="graphlet.fx"), collect_graphs() as graphs:
        out = compiled(x)
    assert_close(out, model(x))
    (report,) = [r for g in graphs for r in g.reports()]
    assert (report.nodes, report.native, report.partitions) == (3, 2, 2)
    assert [n.target for n in report.eager] == ["aten.special_bessel_j0.default"]
    assert any(
        "2 of 3 nodes native" in r.message and "bessel_j0" in r.message for r in caplog.records
    )


def test_new_shapes_recompile_and_unsupported_dtypes_run_in_pytorch():
    model, x = make("mlp-4-8-2")
    compiled = compile_fx(model, (x,))
    x5 = torch.randn(5, 4)
    with torch.no_grad():
        assert_close(compiled(x5), model(x5))
    assert_native(compiled.report(), graphs=2)
    with pytest.raises(TypeError, match=r"expected 1 inputs"):
        compiled(x, x)

    def double_relu(x):
        return torch.relu(x) * 2

    half = torch.randn(3).half()
    with pytest.raises(
        UnsupportedNodeError, match="node 'x' .* graphlet has no tensors of torch.float16"
    ):
        compile_fx(double_relu, (half,), mode="native")
    compiled = compile_fx(double_relu, (half,))
    assert torch.equal(compiled(half), double_relu(half))
    report = compiled.report()
    assert report.native == 0 and {n.target for n in report.eager} == {
        "aten.relu.default",
        "aten.mul.Tensor",
    }
    assert "float16" in report.eager[0].reason or "float16" in report.eager[1].reason


def test_side_by_side_lists_fx_nodes_and_graphlet_ops():
    model, x = make("mlp-4-8-2")
    table = compile_fx(model, (x,)).side_by_side()
    lines = table.splitlines()
    assert lines[0].split() == ["opcode", "name", "target", "args", "|", "graphlet", "IR"]
    fc1 = next(line for line in lines if line.startswith("call_function  linear "))
    assert "aten.linear.default" in fc1
    assert "| %linear = graphlet.linear %x, %fc1_weight, %fc1_bias" in fc1
    assert any(line.startswith("output") and "func.return" in line for line in lines)


def test_composite_ops_registered_and_removed_between_compiles():
    """The memo of torch's CompositeImplicitAutograd scan (export.py) is keyed on the op
    registry: registering a composite op changes the key, and compiles before, with and
    after the op stay right. (A stale memo gives the same graphs here: the default table
    decomposes every composite op either way; the key is what guards the memo.)"""
    from graphlet.frontend.fx.export import _cia_registry

    x = torch.randn(4)
    compile_fx(torch.nn.ReLU(), [x])
    before = _cia_registry()
    library = torch.library.Library("graphlet_memo_test", "DEF")
    library.define("double(Tensor x) -> Tensor")
    library.impl("double", lambda x: x + x, "CompositeImplicitAutograd")
    assert _cia_registry() != before

    class Doubling(torch.nn.Module):
        def forward(self, x):
            return torch.ops.graphlet_memo_test.double(x)

    compiled = compile_fx(Doubling(), [x])
    assert compiled.report().all_native
    torch.testing.assert_close(compiled(x), x + x)
    library._destroy()
    compiled = compile_fx(torch.nn.Tanh(), [x])
    torch.testing.assert_close(compiled(x), torch.tanh(x))
