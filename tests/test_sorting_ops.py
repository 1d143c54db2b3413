"""sort, argsort and topk natively, against PyTorch: NaN above every number (last
ascending, first descending), -0.0 tied with 0.0, +-inf, repeated values in stable
order, any dim, bools, 0-d; indices exactly, values bit for bit."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.native_cases import export_native  # noqa: E402

NAN, INF = float("nan"), float("inf")
X = torch.tensor([[3.0, NAN, -0.0, 1, 3, -INF, 0.0, NAN], [2, 2, 2, 1, INF, -1, 5, 0]])
I = torch.tensor([[3, 1, 3, -2, 0], [5, 5, 5, 5, 5]])  # noqa: E741
B = torch.tensor([True, False, True, False, True])


def sorts(x, i, b):
    return (
        *torch.sort(x),
        *torch.sort(x, dim=0, descending=True),
        *torch.sort(x, descending=True, stable=True),
        *torch.sort(i, stable=True),
        torch.argsort(i),
        torch.argsort(i, dim=1, descending=True, stable=True),
        torch.argsort(x, dim=0),
        *torch.sort(b),
        *torch.sort(b, descending=True),
        *torch.topk(x, 2),
        *torch.topk(x[:, :6], 2, dim=1, largest=False),
        *torch.topk(x, 1, dim=0),
        *torch.topk(i[0], 3),
        *torch.sort(x[0, 0]),
    )


def test_sorts_match_pytorch_natively():
    """Stable: the first of equal values comes first, as PyTorch's CPU sort gives
    them (topk's inputs here have no ties across its cut, whose order PyTorch does
    not specify)."""
    args = (X, I, B)
    compiled = export_native(sorts, args)
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert {"aten.sort.default", "aten.sort.stable", "aten.topk.default"} <= targets, targets
    for k, (got, want) in enumerate(zip(compiled(*args), sorts(*args))):
        assert got.dtype == want.dtype and got.shape == want.shape, k
        torch.testing.assert_close(got, want, equal_nan=True, rtol=0, atol=0, msg=str(k))
        if got.is_floating_point():
            assert torch.equal(got.signbit(), want.signbit()), k
