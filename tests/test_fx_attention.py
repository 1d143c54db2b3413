"""torch.nn's fused encoder layer (`aten._transformer_encoder_layer_fwd`) natively.

In eval mode under `torch.no_grad()`, `nn.TransformerEncoderLayer(batch_first=True)`
runs its fast path, one fused op that Dynamo hands to the backend whole. The tests
check that the graph holds that op (so the handler under test is the one that ran),
that every node ran natively, and the values against eager (f32, rtol/atol 1e-5).
With an attention mask the handler declines: that node runs in PyTorch, named in the
report.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from graphlet.frontend.fx import collect_graphs  # noqa: E402

FUSED = "aten._transformer_encoder_layer_fwd.default"


def run(model, *inputs):
    torch._dynamo.reset()
    with torch.no_grad(), collect_graphs() as graphs:
        got = torch.compile(model, backend="graphlet", dynamic=False)(*inputs)
        want = model(*inputs)
    (graph,) = graphs
    targets = [str(n.target) for n in graph.gm.graph.nodes if n.op == "call_function"]
    (report,) = graph.reports()
    return got, want, targets, report


@pytest.mark.parametrize(
    "activation, norm_first", [("relu", False), ("gelu", False), ("relu", True)]
)
def test_fused_encoder_layer_is_native(activation, norm_first):
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(
        16, 4, 32, activation=activation, norm_first=norm_first, batch_first=True
    ).eval()
    x = torch.randn(2, 5, 16)
    got, want, targets, report = run(layer, x)
    assert FUSED in targets, targets
    assert report.all_native, str(report)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


def test_fused_encoder_layer_with_a_mask_runs_in_pytorch_and_says_so():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True).eval()
    x = torch.randn(2, 5, 16)
    padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    got, want, targets, report = run(lambda a, m: layer(a, src_key_padding_mask=m), x, padding)
    assert FUSED in targets, targets
    assert [n.target for n in report.eager] == [FUSED], str(report)
    assert "mask" in report.eager[0].reason
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5, equal_nan=True)
