"""Creation, cumulative and data-movement ATen ops natively, against PyTorch.

Each group is one function of many ops, exported to Core ATen and compiled with
`compile_fx(mode="native")` (every node must run natively: `export_native`); the
test checks that the graph holds the ATen ops under test, then shapes, dtypes and
values, all exactly: these ops move or create values, and cumsum/cumprod add and
multiply in PyTorch's order and precision (f64 accumulators for floats), so even
f32 results must be bit-equal. Edge cases: empty dims, size-1 dims, negative dims
and offsets, -0.0, NaN, int overflow (wraps, as in PyTorch), bools.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xdsl.ir import Block  # noqa: E402

from graphlet.dialects import graphlet as g  # noqa: E402
from graphlet.frontend.fx import FxImporter, compile_fx, tensor_type_of  # noqa: E402
from graphlet.frontend.fx.errors import UnsupportedNodeError  # noqa: E402
from tests.native_cases import compile_one, export, export_native  # noqa: E402


def floats(*shape, dtype=torch.float32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=gen) * 100).to(dtype)


def ints(*shape, low=-9, high=9, seed=1):
    return torch.randint(low, high, shape, generator=torch.Generator().manual_seed(seed))


def creation(x):
    n = x.shape[0]
    return (
        torch.arange(n),
        torch.arange(2, 3 * n, 3),
        torch.arange(n, 0, -2),
        torch.arange(0.1, 1.0, 0.1),
        torch.arange(-1.5, 2.0, 0.5, dtype=torch.float64),
        torch.arange(5, 5),
        torch.full((n, 2), -0.0),
        torch.full((2, n), float("nan")),
        torch.full((3,), 7),
        torch.full((2, 2), True),
        torch.full((0, 3), 1.5),
        torch.zeros(n, 3, dtype=torch.int64),
        torch.zeros(2, dtype=torch.float64),
        torch.ones(n, dtype=torch.bool),
        torch.ones(3, n) + x[:3],
        torch.scalar_tensor(3),
        torch.scalar_tensor(2.5, dtype=torch.float64),
        torch.scalar_tensor(True, dtype=torch.bool),
        torch.empty(n, 2).fill_(3.0),
    )


def scans(x, d, i, b):
    edge = torch.tensor([-0.0, -0.0, float("inf"), float("nan"), 1.0])
    big = torch.tensor([2**40, 2**30, 7, -3], dtype=torch.int64)
    return (
        torch.cumsum(x, 1),
        torch.cumsum(x, 0),
        torch.cumsum(x, -1, dtype=torch.float64),
        torch.cumprod(x / 100, 1),
        torch.cumsum(d, 2),
        torch.cumprod(d, 0),
        torch.cumsum(i, 1),
        torch.cumprod(i, 0),
        torch.cumsum(b, 1),
        torch.cumprod(b, 1),
        torch.cumsum(i, 0, dtype=torch.float32),
        torch.cumsum(x[0, 0], 0),
        torch.cumsum(x[:, :0], 1),
        torch.cumsum(x[:0], 1),
        torch.cumsum(edge + x[0, 0] * 0, 0),
        torch.cumprod(edge - 0.0, 0),
        torch.cumprod(big + i[0, 0] * 0, 0),
    )


def movement(x, i, b):
    return (
        torch.flip(x, [0]),
        torch.flip(x, [0, -1]),
        torch.flip(i, [1]),
        torch.flip(b[:1], [0, 1]),
        torch.flip(x[:, :0], [1]),
        torch.diagonal(x),
        torch.diagonal(x, 2),
        torch.diagonal(x, -3),
        torch.diagonal(x, 9),
        torch.diagonal(x.reshape(2, 3, 7), 1, 0, 2),
        torch.diagonal(i.reshape(2, 3, 7), -1, -1, 1),
        torch.tril(x),
        torch.tril(x, -2),
        torch.triu(x, 1),
        torch.triu(i.reshape(2, 3, 7), -1),
        torch.tril(b, 3),
        torch.slice_scatter(x, torch.arange(21.0).reshape(3, 7), 0, 1, 4, 1),
        torch.slice_scatter(x, torch.full((6, 3), 5.0), 1, 1, 7, 2),
        torch.slice_scatter(x, torch.zeros(6, 2), 1, -2),
        torch.slice_scatter(i, torch.ones(2, 7, dtype=torch.int64), 0, None, None, 3),
        torch.select_scatter(x, torch.full((7,), -1.0), 0, -1),
        torch.select_scatter(b, torch.ones(6, dtype=torch.bool), 1, 3),
    )


def strided(x):
    m = x.amax((2, 3), keepdim=True)  # as convnext views its mean
    return (
        torch.as_strided(m, (1, 6, 1, 1), (6, 1, 6, 6)),
        torch.as_strided(x, (3, 4), (2, 3), 1),
        torch.as_strided(x, (2, 2, 3), (12, 1, 4)),
        torch.as_strided(x, (0, 2), (1, 1)),
    )


GROUPS = {
    "creation": (
        creation,
        lambda: (floats(6, 1),),
        {
            "aten.arange.start_step",
            "aten.full.default",
            "aten.scalar_tensor.default",
            "aten.empty.memory_format",
        },
    ),
    "scans": (
        scans,
        lambda: (floats(6, 5), floats(3, 2, 4, dtype=torch.float64), ints(4, 6), ints(3, 5) > 0),
        {"aten.cumsum.default", "aten.cumprod.default"},
    ),
    "movement": (
        movement,
        lambda: (floats(6, 7), ints(6, 7), ints(6, 7) > 0),
        {
            "aten.flip.default",
            "aten.diagonal.default",
            "aten.tril.default",
            "aten.triu.default",
            "aten.slice_scatter.default",
            "aten.select_scatter.default",
        },
    ),
    "as_strided": (strided, lambda: (floats(2, 6, 3, 4),), {"aten.as_strided.default"}),
}


@pytest.mark.parametrize("group", list(GROUPS))
def test_ops_match_pytorch_exactly_natively(group):
    fn, inputs, expected_ops = GROUPS[group]
    args = inputs()
    compiled = export_native(fn, args)
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert expected_ops <= targets, sorted(targets)
    got, want = compiled(*args), fn(*args)
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape and a.dtype == b.dtype, (k, a.shape, b.shape, a.dtype, b.dtype)
        # bit-equal: NaN where NaN, -0.0 where -0.0
        assert a.numpy().tobytes() == b.contiguous().numpy().tobytes(), (k, a, b)


def test_a_fill_is_a_broadcast_scalar_not_a_dense_constant():
    """`zeros(512, 512)` and `full` build a 0-d constant broadcast by a loop, so the
    kernel holds no 256K-element array; arange's values are a constant."""
    x = floats(4)
    program = export(lambda x: (torch.zeros(512, 512) + 1, torch.full((300,), 2.5), x), (x,))
    module = FxImporter(program.graph_module, [x], inline_params=True).run().module
    constants = [op for op in module.walk() if isinstance(op, g.ConstantOp)]
    assert constants and all(g.shape_of(op.result.type) == () for op in constants)
    assert any(isinstance(op, g.ExpandOp) for op in module.walk())


def block_args(*tensors):
    return Block(arg_types=[tensor_type_of(t) for t in tensors]).args


@pytest.mark.parametrize("op", [g.CumsumOp, g.CumprodOp])
@pytest.mark.parametrize(
    "x",
    [floats(5, 9), floats(3, 1, 4, dtype=torch.float64), ints(2, 7), ints(4, 3) > 0, floats(0, 3)],
    ids=["f32", "f64", "i64", "bool", "empty"],
)
def test_scan_op_natively_and_in_the_reference_interpreter(op, x):
    torch_fn = torch.cumsum if op is g.CumsumOp else torch.cumprod
    for dim in range(x.dim()):
        want = torch_fn(x, dim)
        kernel = compile_one(lambda a, dim=dim: op(a, dim), x)
        got = kernel(x)[0]
        assert got.dtype == want.dtype and torch.equal(got, want), (dim, got, want)
        reference = op(block_args(x)[0], dim).evaluate(x.numpy())
        np.testing.assert_array_equal(reference, want.numpy())


def test_as_strided_of_a_view_or_outside_the_tensor_is_refused():
    x = floats(3, 4)
    with pytest.raises(UnsupportedNodeError, match="not record as contiguous"):
        view = export(lambda x: torch.as_strided(x.T * 2, (2, 2), (1, 2)), (x,))
        compile_fx(view, [x], mode="native")
    with pytest.raises(UnsupportedNodeError, match="reads outside"):
        beyond = export(lambda x: torch.as_strided(x[:2], (3, 4), (4, 1)), (x,))
        compile_fx(beyond, [x], mode="native")
