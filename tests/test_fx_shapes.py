"""Shapes and module structure on the Core ATen route.

- `nn.Sequential`'s numbered children (`0.weight`) and `torch.export(...).module()`
  graphs (with their `_guards_fn` call) compile natively;
- a new input shape recompiles behind the shape guard (compile_fx: a new export;
  torch.compile: a new plan of the same graph) instead of falling back to eager;
- `torch.compile`'s default `dynamic=None` marks a changed batch dimension dynamic and
  hands over a graph with symbolic sizes: graphlet specialises it on the concrete
  shapes of each call, one native plan per shape, and never runs it eagerly;
- `int()` of a size and shape arithmetic are Python values at import.

Every test asserts from the reports that each graph and each signature ran natively.
Values against eager PyTorch, f32 rtol/atol 1e-5.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from graphlet.frontend.fx import collect_graphs, compile_fx  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def assert_close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), **TOL)


def signatures(report):
    return [g.signature for g in report.graphs]


class SizeArithmetic(nn.Module):
    """Reads its batch size three ways: `int(x.size(0))`, `x.shape[0]`, `len(x)`."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 8)

    def forward(self, x):
        n = int(x.size(0))
        h = torch.relu(self.fc(x)).reshape(x.shape[0], 2, 4).sum(1)
        return h * n + len(x)


def test_sequential_numbered_children():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 8), nn.Tanh()), nn.Linear(8, 2)
    ).eval()
    x = torch.randn(3, 4)
    compiled = compile_fx(model, (x,))
    with torch.no_grad():
        assert_close(compiled(x), model(x))
    assert compiled.report().all_native, str(compiled.report())
    names = [a.name_hint for a in compiled.module.body.block.first_op.args]
    assert names == [
        "input",
        "_0_weight",
        "_0_bias",
        "_2_0_weight",
        "_2_0_bias",
        "_3_weight",
        "_3_bias",
    ]


def test_exported_program_module_with_its_guards_call():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).eval()
    x = torch.randn(3, 4)
    unlifted = torch.export.export(model, (x,)).module()
    assert any(n.op == "call_module" and n.target == "_guards_fn" for n in unlifted.graph.nodes)
    compiled = compile_fx(unlifted, (x,))
    with torch.no_grad():
        assert_close(compiled(x), model(x))
    report = compiled.report()
    assert report.all_native, str(report)
    assert report.nodes == 3  # linear, relu, linear: the guards call is not a node any more


def test_compile_fx_new_shape_recompiles_behind_the_guard():
    torch.manual_seed(0)
    model = SizeArithmetic().eval()
    compiled = compile_fx(model, (torch.randn(2, 4),))
    with torch.no_grad():
        for batch in (2, 5, 2, 5, 7):
            x = torch.randn(batch, 4)
            assert_close(compiled(x), model(x))
    report = compiled.report()
    assert signatures(report) == ["(float32[2, 4])", "(float32[5, 4])", "(float32[7, 4])"]
    assert report.all_native, str(report)
    with pytest.raises(TypeError, match="expected 1 inputs, got 2"):
        compiled(x, x)


@pytest.mark.parametrize("dynamic", [None, True])
def test_torch_compile_symbolic_sizes_specialise_per_shape_natively(dynamic):
    torch.manual_seed(0)
    model = SizeArithmetic().eval()
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="graphlet", dynamic=dynamic)
    with torch.no_grad(), collect_graphs() as graphs:
        for batch in (2, 3, 5, 3):
            x = torch.randn(batch, 4)
            assert_close(compiled(x), model(x))
    symbolic = [g for g in graphs if any(isinstance(v, torch.SymInt) for v in _sizes(g))]
    assert symbolic, "Dynamo handed over no graph with symbolic sizes"
    # dynamic=None: the first call is static (batch 2), the second recompiles with a
    # symbolic batch; dynamic=True: one symbolic graph from the start
    assert len(graphs) == (2 if dynamic is None else 1)
    plans = [r.signature for g in symbolic for r in g.reports()]
    batches = (3, 5) if dynamic is None else (2, 3, 5)
    assert len(plans) == len(batches), plans
    for batch, signature in zip(batches, plans):
        assert f"float32[{batch}, 4]" in signature
    for g in graphs:
        for r in g.reports():
            assert r.all_native, str(r)


def _sizes(graph):
    """Every size of every placeholder PyTorch recorded for the graph."""
    for node in graph.gm.graph.nodes:
        val = node.meta.get("val")
        if node.op == "placeholder":
            yield from (val.shape if isinstance(val, torch.Tensor) else [val])
