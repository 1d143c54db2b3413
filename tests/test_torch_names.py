"""Each op's declared PyTorch names exist in PyTorch, and on the elementwise ops they
compute what the op's `np_operation` computes (PyTorch is the reference)."""

from __future__ import annotations

import operator

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from xdsl.ir import Block  # noqa: E402

from graphlet.dialects import graphlet as g  # noqa: E402

ALL_OPS = [*g.OPS, *g.TENSOR_OPS]


def _resolve(name: str) -> object | None:
    """What PyTorch calls `name` in the notation of `TORCH_NAMES`."""
    if name.startswith("aten."):
        parts = name.split(".")
        packet = getattr(torch.ops.aten, parts[1], None)
        return packet if len(parts) == 2 or packet is None else getattr(packet, parts[2], None)
    if name.startswith("Tensor."):
        return getattr(torch.Tensor, name.removeprefix("Tensor."), None)
    for space in (torch, torch.nn.functional, torch.Tensor, operator, torch.ops.aten):
        if callable(found := getattr(space, name, None)):
            return found
    return None


@pytest.mark.parametrize("op", [op for op in ALL_OPS if op.TORCH_NAMES], ids=lambda op: op.name)
def test_every_torch_name_exists(op: type[g.GraphletOp]) -> None:
    for name in op.TORCH_NAMES:
        assert _resolve(name) is not None, name


def _inputs(op: type[g.GraphletOp], dtype: torch.dtype) -> list[torch.Tensor]:
    if dtype.is_floating_point:
        a = torch.tensor(
            [0.0, -0.0, 1.5, -2.25, 7.0, float("inf"), -3.0, float("nan")], dtype=dtype
        )
        b = torch.tensor([2.0, -3.0, 0.5, 4.0, -7.0, 2.0, float("nan"), 1.0], dtype=dtype)
    else:
        a = torch.tensor([0, 1, -1, 7, -7, 13, 5, -9])
        b = torch.tensor([3, 2, 5, -2, 2, -4, 1, 3])  # no zero divisor, no negative power
    return [a, b] if issubclass(op, g.BinaryOp) else [a]


CASES = [
    (op, dtype)
    for op in g.OPS
    if issubclass(op, g.BinaryOp | g.UnaryOp) and op.TORCH_NAMES
    for dtype, element in ((torch.float64, g.f64), (torch.int64, g.i64))
    if element in op.ALLOWED_TYPES
]


@pytest.mark.parametrize(("op", "dtype"), CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_torch_names_of_elementwise_ops_mean_np_operation(
    op: type[g.GraphletOp], dtype: torch.dtype
) -> None:
    xs = _inputs(op, dtype)
    t = g.TensorType(g.element_type_of_dtype(xs[0].numpy().dtype), [8])
    graphlet_op = op(*Block(arg_types=[t] * len(xs)).args)
    want = graphlet_op.evaluate(*[x.numpy() for x in xs])
    for name in op.TORCH_NAMES:
        got = _resolve(name)(*xs).numpy()
        assert got.dtype == want.dtype, name
        if got.dtype.kind == "f":  # libm and torch's vectorised math may differ in an ulp
            np.testing.assert_allclose(got, want, rtol=2 * np.finfo(got.dtype).eps, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
