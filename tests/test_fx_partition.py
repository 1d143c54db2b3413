"""The partitioned fallback: a graph with a node graphlet cannot compile is split, the
supported nodes run as native kernels, only that node runs in PyTorch.

The unsupported node is `fx_opaque.running_sum`, a custom op no handler will ever
claim, so the counts asserted here stay true as graphlet grows. Each test asserts
the report (nodes, native nodes, kernels, the eager node by name, op and source
line) as well as the values against eager PyTorch (f32, rtol/atol 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import fx_opaque  # noqa: E402
from fx_opaque import RUNNING_SUM, running_sum  # noqa: E402

import graphlet  # noqa: E402
from graphlet.frontend.fx import DynamoGraph, UnsupportedNodeError, compile_fx  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


class OneOpaqueNode(nn.Module):
    """Six nodes on the export route; the fourth (running_sum) graphlet cannot compile."""

    def __init__(self):
        super().__init__()
        self.up = nn.Linear(4, 8)
        self.down = nn.Linear(8, 3)

    def forward(self, x):
        h = torch.relu(self.up(x))
        h = running_sum(h)
        return self.down(torch.tanh(h * 2))


class TwoWays(nn.Module):
    """A native partition with two outputs, one read by the opaque node and one by the
    partition after it, and a graph output taken from the first partition."""

    def forward(self, x):
        a, b = torch.relu(x), torch.sigmoid(x)
        c = running_sum(a)
        return c + b, a * 2


def make(cls, *shape):
    torch.manual_seed(0)
    return cls().eval(), torch.randn(*shape)


def assert_close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), **TOL)


def assert_only_opaque_eager(report, *, nodes=None, kernels=2):
    """Every node native but the running_sum, which names its line in this file."""
    assert not report.all_native
    (eager,) = report.eager
    assert eager.target == RUNNING_SUM, str(report)
    assert "test_fx_partition.py" in eager.source, eager.source
    assert "running_sum(" in eager.source, eager.source
    assert "no translation" in eager.reason
    (graph,) = report.graphs
    if nodes is not None:
        assert graph.nodes == nodes, str(report)
    assert graph.native == graph.nodes - 1, str(report)
    assert graph.partitions == kernels, str(report)


def test_compile_fx_runs_only_the_unsupported_node_in_pytorch():
    model, x = make(OneOpaqueNode, 5, 4)
    compiled = compile_fx(model, (x,))
    with torch.no_grad():
        assert_close(compiled(x), model(x))
    report = compiled.report()
    assert_only_opaque_eager(report, nodes=6)
    assert str(report).splitlines()[0] == (
        "OneOpaqueNode (float32[5, 4]): 5 of 6 nodes native in 2 kernels"
    )
    assert all(k.native for k in compiled.plan.kernels)


def test_torch_compile_runs_only_the_unsupported_node_in_pytorch():
    model, x = make(OneOpaqueNode, 5, 4)
    torch._dynamo.reset()
    compiled_graphs = []

    def recording(gm, inputs, **kwargs):
        compiled_graphs.append(graphlet.frontend.fx.graphlet_backend(gm, inputs, **kwargs))
        return compiled_graphs[-1]

    with torch.no_grad():
        out = torch.compile(model, backend=recording, fullgraph=True)(x)
        assert_close(out, model(x))
    (dynamo_graph,) = compiled_graphs
    assert isinstance(dynamo_graph, DynamoGraph)
    assert not dynamo_graph.native
    assert_only_opaque_eager(dynamo_graph.report())


def test_a_partition_with_several_outputs_feeds_pytorch_and_the_next_partition():
    model, x = make(TwoWays, 6, 3)
    compiled = compile_fx(model, (x,))
    for got, want in zip(compiled(x), model(x)):
        assert_close(got, want)
    assert_only_opaque_eager(compiled.report(), nodes=5)


def test_a_graph_of_only_unsupported_nodes_runs_in_pytorch_and_says_so():
    def only_opaque(x):
        return running_sum(x)

    x = torch.randn(4, 2)
    compiled = compile_fx(only_opaque, (x,))
    assert torch.equal(compiled(x), torch.cumsum(x, 0))
    report = compiled.report()
    assert (report.nodes, report.native, report.graphs[0].partitions) == (1, 0, 0)
    assert [n.target for n in report.eager] == [RUNNING_SUM]


def test_mode_native_raises_naming_the_node_and_its_line():
    model, x = make(OneOpaqueNode, 5, 4)
    with pytest.raises(UnsupportedNodeError) as e:
        compile_fx(model, (x,), mode="native")
    message = str(e.value)
    assert "node 'running_sum'" in message and RUNNING_SUM in message
    assert "test_fx_partition.py" in message and "h = running_sum(h)" in message


@pytest.mark.parametrize("via", ["torch.compile", "compile_fx"])
def test_explain_fx_reports_per_graph(via):
    model, x = make(OneOpaqueNode, 5, 4)
    torch._dynamo.reset()
    with torch.no_grad():
        report = graphlet.explain_fx(model, (x,), via=via)
    assert_only_opaque_eager(report)
    assert f"{report.graphs[0].native} of {report.graphs[0].nodes} nodes native" in str(report)
    assert "eager: running_sum (graphlet_test.running_sum.default) at " in str(report)


def test_the_opaque_op_is_what_the_test_says():
    """The helper op computes cumsum along dim 0 (so eager is the reference above)."""
    x = torch.randn(5, 3)
    assert torch.equal(running_sum(x), torch.cumsum(x, 0))
    assert torch.equal(fx_opaque.reverse_running_sum(x), torch.cumsum(x.flip(0), 0).flip(0))


class SeededNoise(nn.Module):
    """Makes and seeds a generator in forward: every call draws the same numbers."""

    def forward(self, x):
        generator = torch.Generator().manual_seed(3)
        return x * 2 + torch.randn(x.shape, generator=generator)


def test_compile_fx_refuses_a_generator_made_in_forward():
    """torch.export lifts the generator as one object and drops the seeding, so its
    program draws new numbers on the second call; graphlet refuses, saying why."""
    x = torch.zeros(4)
    with pytest.raises(UnsupportedNodeError, match=r"torch\.Generator in forward.*torch\.compile"):
        compile_fx(SeededNoise(), (x,))


def test_torch_compile_draws_from_a_seeded_generator_in_python_and_the_rest_native():
    model, x = SeededNoise(), torch.zeros(4)
    torch._dynamo.reset()
    compiled_graphs = []

    def recording(gm, inputs, **kwargs):
        compiled_graphs.append(graphlet.frontend.fx.graphlet_backend(gm, inputs, **kwargs))
        return compiled_graphs[-1]

    compiled = torch.compile(model, backend=recording)  # Dynamo breaks at the generator
    first, second = compiled(x), compiled(x)
    assert torch.equal(first, model(x)) and torch.equal(second, model(x))
    reports = [g.report() for g in compiled_graphs]  # x * 2, then the sum: both native
    assert len(reports) == 2 and all(r.all_native for r in reports), reports
