"""Indexing by index tensors natively, against PyTorch: `graphlet.index` (advanced
indexing, embedding, index_select) and `graphlet.gather`, on f32, f64, i64 and bool
sources; negative indices, broadcasting, None slots, empty dimensions; an index out
of range raises PyTorch's exception type natively and in the reference interpreter.
Data movement: results must be exactly equal."""

from __future__ import annotations

import os
from functools import cache

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from xdsl.ir import Block  # noqa: E402
from xdsl.utils.exceptions import VerifyException  # noqa: E402

from graphlet.dialects import graphlet as g  # noqa: E402
from graphlet.driver import compile_tensor_function  # noqa: E402
from graphlet.frontend.fx import FUNCTION, FxImporter, compile_fx, tensor_type_of  # noqa: E402
from graphlet.frontend.fx.errors import UnsupportedNodeError  # noqa: E402
from tests.native_cases import Fn, compile_cases, compile_one, export, export_native  # noqa: E402

DTYPES = [torch.float32, torch.float64, torch.int64, torch.bool]


def source(shape, dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen) * 10
    return x.to(dtype) if dtype != torch.bool else x > 0


def ids(*values):
    return torch.tensor(values, dtype=torch.int64)


# (id, source shape, index tensors, graphlet builder, PyTorch reference)
CASES = [
    (
        "embedding",
        (10, 4),
        [ids([1, 0, 9], [9, 9, 2])],
        lambda x, i: g.IndexOp(x, [i], [0]),
        lambda x, i: x[i] if x.dtype == torch.bool else F.embedding(i, x),
    ),
    (
        "index-select-middle",
        (2, 5, 3),
        [ids(4, 0, 0, 2)],
        lambda x, i: g.IndexOp(x, [i], [1], error="RuntimeError"),
        lambda x, i: torch.index_select(x, 1, i),
    ),
    (
        "index-negative-last-dim",
        (3, 4),
        [ids(-1, 0, -4, 3)],
        lambda x, i: g.IndexOp(x, [i], [1], wrap_negative=True),
        lambda x, i: x[:, i],
    ),
    (
        "index-two-adjacent-broadcast",
        (2, 5, 3, 2),
        [ids([0], [4], [-2]), ids(2, 0)],
        lambda x, i, j: g.IndexOp(x, [i, j], [1, 2], wrap_negative=True),
        lambda x, i, j: x[:, i, j],
    ),
    (
        "index-non-adjacent-leads",
        (4, 3, 5),
        [ids([1, -1]), ids([0], [4])],
        lambda x, i, j: g.IndexOp(x, [i, j], [0, 2], wrap_negative=True),
        lambda x, i, j: x[i, :, j],
    ),
    (
        "index-0d-index",
        (4, 3),
        [torch.tensor(2)],
        lambda x, i: g.IndexOp(x, [i], [0], wrap_negative=True),
        lambda x, i: x[i],
    ),
    (
        "index-empty-index",
        (4, 3),
        [torch.zeros(0, dtype=torch.int64)],
        lambda x, i: g.IndexOp(x, [i], [1], wrap_negative=True),
        lambda x, i: x[:, i],
    ),
    (
        "index-empty-other-dim",
        (0, 3),
        [ids(1, 2)],
        lambda x, i: g.IndexOp(x, [i], [1], wrap_negative=True),
        lambda x, i: x[:, i],
    ),
    (
        "gather-dim1",
        (3, 4),
        [ids([0, 3], [1, 1], [2, 0])],
        lambda x, i: g.GatherOp(x, i, 1),
        lambda x, i: torch.gather(x, 1, i),
    ),
    (
        "gather-dim0-smaller-index",
        (4, 5, 2),
        [ids([[0], [3]], [[1], [1]])],
        lambda x, i: g.GatherOp(x, i, 0),
        lambda x, i: torch.gather(x, 0, i),
    ),
    (
        "gather-0d",
        (),
        [torch.tensor(0)],
        lambda x, i: g.GatherOp(x, i, 0),
        lambda x, i: torch.gather(x, 0, i),
    ),
    (
        "gather-empty-index",
        (3, 4),
        [torch.zeros(3, 0, dtype=torch.int64)],
        lambda x, i: g.GatherOp(x, i, 1),
        lambda x, i: torch.gather(x, 1, i),
    ),
]


def case_args(case, dtype):
    return [source(case[1], dtype, seed=len(case[0])), *case[2]]


@cache
def compiled(dtype):
    args = [a for case in CASES for a in case_args(case, dtype)]
    return compile_cases(args, [(1 + len(c[2]), c[3]) for c in CASES])[1]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_indexing_matches_pytorch(index, dtype):
    case = CASES[index]
    got, want = compiled(dtype)[index], case[4](*case_args(case, dtype))
    assert got.dtype == want.dtype and got.shape == want.shape
    assert torch.equal(got, want)


# (id, builder, source, bad index, PyTorch call raising for it)
OUT_OF_RANGE = [
    (
        "embedding-past-end",
        lambda x, i: g.IndexOp(x, [i], [0]),
        (5, 2),
        ids(0, 5),
        lambda x, i: F.embedding(i, x),
    ),
    (
        "embedding-negative",
        lambda x, i: g.IndexOp(x, [i], [0]),
        (5, 2),
        ids(-1),
        lambda x, i: F.embedding(i, x),
    ),
    (
        "index-past-end",
        lambda x, i: g.IndexOp(x, [i], [1], wrap_negative=True),
        (2, 3),
        ids(1, 3),
        lambda x, i: x[:, i],
    ),
    (
        "index-too-negative",
        lambda x, i: g.IndexOp(x, [i], [1], wrap_negative=True),
        (2, 3),
        ids(-4),
        lambda x, i: x[:, i],
    ),
    (
        "index-into-empty-dim",
        lambda x, i: g.IndexOp(x, [i], [0], wrap_negative=True),
        (0, 3),
        ids(0),
        lambda x, i: x[i],
    ),
    (
        "index-select-dim1-negative",
        lambda x, i: g.IndexOp(x, [i], [1], error="RuntimeError"),
        (3, 4),
        ids(-1),
        lambda x, i: torch.index_select(x, 1, i),
    ),
    (
        "gather-past-end",
        lambda x, i: g.GatherOp(x, i, 1),
        (2, 3),
        ids([0], [3]),
        lambda x, i: torch.gather(x, 1, i),
    ),
    (
        "gather-negative",
        lambda x, i: g.GatherOp(x, i, 0),
        (2, 3),
        ids([-1, 0]),
        lambda x, i: torch.gather(x, 0, i),
    ),
]


@pytest.mark.parametrize("case", OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_index_out_of_range_raises_what_pytorch_raises(case):
    _, build, shape, bad, call = case
    x = source(shape, torch.float32)
    with pytest.raises((IndexError, RuntimeError)) as torch_raised:
        call(x, bad)
    expected = type(torch_raised.value)
    kernel = compile_one(build, x, bad)
    with pytest.raises(expected):
        kernel(x, bad)
    # the same kernel on good indices still answers (the status is per call)
    good = torch.zeros_like(bad)
    if 0 not in shape:
        assert torch.equal(kernel(x, good)[0], call(x, good))
    # and the reference meaning raises the same
    op = build(*block_args(x, bad))
    with pytest.raises(expected):
        op.evaluate(x.numpy(), bad.numpy())


def block_args(*tensors):
    return Block(arg_types=[tensor_type_of(t) for t in tensors]).args


def test_embedding_reads_large_rows_vectorised_and_exactly():
    weight = source((1000, 64), torch.float32)
    idx = torch.randint(0, 1000, (4, 33), generator=torch.Generator().manual_seed(3))
    kernel = compile_one(lambda w, i: g.IndexOp(w, [i], [0]), weight, idx)
    assert torch.equal(kernel(weight, idx)[0], F.embedding(idx, weight))


def test_invalid_index_ops_are_refused_by_the_verifier():
    x, f = block_args(torch.zeros(3, 4), torch.zeros(2))
    with pytest.raises(VerifyException, match="indices must be tensors of i64"):
        g.IndexOp(x, [f], [0])
    i = block_args(torch.zeros(2, dtype=torch.int64))[0]
    with pytest.raises(VerifyException, match="dimension 2 is out of range"):
        g.IndexOp(x, [i], [2])
    with pytest.raises(VerifyException, match="must have the rank of the input"):
        g.GatherOp(x, i, 0)


# --------------------------------------------------------------------------- through compile_fx


class Indexing(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(10, 4, padding_idx=0)
        torch.manual_seed(0)
        self.emb.weight.data.normal_()

    def forward(self, tokens, x, i):
        picked = i.abs()
        return (
            self.emb(tokens),
            x[i, :, i],
            x[..., i],
            torch.index_select(x, 1, picked),
            torch.gather(x, 2, picked.view(1, 1, -1).expand(2, 3, 2)),
        )


def test_aten_indexing_ops_run_natively_through_compile_fx():
    model = Indexing().eval()
    inputs = (ids([1, 0, 9]), source((2, 3, 4), torch.float32), ids(1, -1))
    compiled = export_native(model, inputs)
    for got, want in zip(compiled(*inputs), model(*inputs)):
        assert torch.equal(got, want)
    with pytest.raises(IndexError):
        compiled(ids([1, 0, 10]), inputs[1], inputs[2])


def test_constant_bool_mask_indexes_and_a_data_mask_is_refused():
    """A constant mask (a buffer, inlined) selects statically known elements."""
    root = torch.nn.Module()
    root.register_buffer("mask", torch.tensor([True, False, True, True]))
    graph = torch.fx.Graph()
    x_node = graph.placeholder("x")
    mask_node = graph.get_attr("mask")
    graph.output(graph.call_function(torch.ops.aten.index.Tensor, (x_node, [None, mask_node])))
    x = source((3, 4), torch.float32)
    imported = FxImporter(torch.fx.GraphModule(root, graph), [x], inline_params=True).run()
    kernel = compile_tensor_function(imported.module, FUNCTION)
    assert torch.equal(kernel(x)[0], x[:, root.mask])
    with pytest.raises(UnsupportedNodeError, match="depends on the mask's values"):
        compile_fx(export(lambda x: x[x > 0], (x,)), [x], mode="native")


def test_reference_interpreter_agrees_with_native_indexing():
    x = source((4, 3, 5), torch.float64)
    i, j = ids([1, -1]), ids([0], [4])
    args = block_args(x, i, j)
    op = g.IndexOp(args[0], args[1:], [0, 2], wrap_negative=True)
    want = x[i, :, j].numpy()
    np.testing.assert_array_equal(op.evaluate(x.numpy(), i.numpy(), j.numpy()), want)
    kernel = compile_one(lambda a, b, c: g.IndexOp(a, [b, c], [0, 2], wrap_negative=True), x, i, j)
    np.testing.assert_array_equal(kernel(x, i, j)[0].numpy(), want)


def embedding_bags(indices, offsets, weight):
    last = torch.cat([offsets, offsets[-1:] * 0 + len(indices)])
    return (
        F.embedding_bag(indices, weight, offsets, mode="sum"),
        F.embedding_bag(indices, weight, offsets, mode="mean"),
        F.embedding_bag(indices, weight, offsets, mode="max"),
        F.embedding_bag(indices, weight, offsets, mode="mean", padding_idx=4),
        F.embedding_bag(indices, weight, offsets, mode="max", padding_idx=4),
        F.embedding_bag(indices, weight.double(), last, mode="sum", include_last_offset=True),
        F.embedding_bag(indices.view(2, 4), weight, mode="mean"),
    )


BAG_TABLE = source((10, 3), torch.float32, seed=5)
BAG_TABLE[7, 1] = float("inf")
BAG_INPUTS = (ids(1, 2, 4, 5, 4, 3, 7, 9), ids(0, 4, 4, 7), BAG_TABLE)


def test_embedding_bag_matches_pytorch_natively():
    """Sum, mean and max bags, an empty bag (0), padding_idx, include_last_offset and
    a 2-d input (fixed-size bags); an inf in the table stays in its own bags only.
    The sums run in another order than PyTorch's: within float tolerance."""
    compiled = export_native(embedding_bags, BAG_INPUTS)
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert targets & {"aten._embedding_bag.default", "aten._embedding_bag_forward_only.default"}
    for got, want in zip(compiled(*BAG_INPUTS), embedding_bags(*BAG_INPUTS)):
        assert got.dtype == want.dtype
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "indices, offsets",
    [
        (BAG_INPUTS[0], ids(1, 4, 4, 7)),  # offsets[0] must be 0
        (BAG_INPUTS[0], ids(0, 5, 3, 7)),  # decreasing
        (BAG_INPUTS[0], ids(0, 4, 4, 9)),  # past the end
        (ids(1, 2, 4, 5, 4, 3, 7, 10), BAG_INPUTS[1]),  # outside the table
        (ids(1, 2, 4, 5, -1, 3, 7, 9), BAG_INPUTS[1]),
    ],
    ids=["first-offset", "decreasing", "past-end", "index-past-table", "index-negative"],
)
def test_embedding_bag_bad_input_raises_what_pytorch_raises(indices, offsets):
    def bag(i, o, w):
        return F.embedding_bag(i, w, o, mode="sum")

    with pytest.raises(RuntimeError):
        bag(indices, offsets, BAG_TABLE)
    compiled = export_native(bag, BAG_INPUTS)
    with pytest.raises(RuntimeError, match="index out of bounds"):
        compiled(indices, offsets, BAG_TABLE)


def index_puts(x, i, j, v, n, b):
    put = x.clone()
    put[i] = v
    added = x.clone()
    added[i, 1:] += 2.5
    return (
        put,
        x.index_put((i,), v, accumulate=True),
        x.index_put((i, j), torch.tensor(-0.0), accumulate=False),
        x.index_put((j,), v[0], accumulate=True),
        added,
        n.index_put((i,), n[:3] * 7, accumulate=True),
        n.index_put((i, j), torch.tensor(9)),
        b.index_put((i,), b[:3], accumulate=True),
        b.index_put((i,), ~b[:3]),
    )


PUT_X = source((5, 3), torch.float32, seed=7)
PUT_X[2, 1], PUT_X[3, 0] = float("inf"), -0.0
PUT_INPUTS = (
    PUT_X,
    ids(0, 4, -1),  # 4 and -1 repeat a row: summed, or the last one wins
    ids(1, 2, 1),
    source((3, 3), torch.float32, seed=8),
    source((5, 3), torch.int64, seed=9),
    source((5, 3), torch.bool, seed=10),
)


def test_index_put_matches_pytorch_natively():
    """`x[i] = v`, `index_put(accumulate=True)` with a repeated index (summed; for
    bools, or), negative indices, broadcast values, two index tensors, and a put
    into a slice (slice_scatter); an inf and a -0.0 that no put touches stay as they
    are. Float sums within float tolerance (the order of the sum differs)."""
    compiled = export_native(index_puts, PUT_INPUTS)
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert "aten.index_put.default" in targets, sorted(targets)
    for got, want in zip(compiled(*PUT_INPUTS), index_puts(*PUT_INPUTS)):
        assert got.dtype == want.dtype
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    assert torch.equal(compiled(*PUT_INPUTS)[0][3].signbit(), PUT_X[3].signbit())


def test_index_put_out_of_range_raises_index_error():
    def put(x, i, v):
        return x.index_put((i,), v, accumulate=True)

    args = (PUT_X, ids(0, 5), PUT_INPUTS[3][:2])
    with pytest.raises(IndexError):
        put(*args)
    compiled = export_native(put, (PUT_X, ids(0, 1), args[2]))
    with pytest.raises(IndexError):
        compiled(*args)


def masked_puts(x, m, rows, v, n, b):
    return (
        x.index_put((m,), v[0]),
        x.index_put((m,), rows, accumulate=True),
        x.index_put((m,), torch.tensor(2.5)),
        x.index_put((m[:, None].expand(5, 3),), torch.tensor(-1.0), accumulate=True),
        n.index_put((m,), n[:2] * 3),
        b.index_put((m,), b[:1], accumulate=True),
    )


MASK = torch.tensor([True, False, False, True, False])
MASK_INPUTS = (PUT_X, MASK, source((2, 3), torch.float32, seed=11), *PUT_INPUTS[3:])


def test_index_put_with_a_mask_matches_pytorch_natively():
    """`x[mask] = v`: one value row for every selected row (broadcast), or a row per
    selected row in order (its count checked at run time); a 2-d mask; accumulate."""
    compiled = export_native(masked_puts, MASK_INPUTS)
    for got, want in zip(compiled(*MASK_INPUTS), masked_puts(*MASK_INPUTS)):
        assert got.dtype == want.dtype
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mask", [ids(1, 0, 0, 1, 1), ids(1, 0, 0, 0, 0)], ids=["more", "fewer"])
def test_index_put_with_a_mask_of_another_count_raises(mask):
    def put(x, m, rows):
        return x.index_put((m,), rows)

    args = (PUT_X, mask.bool(), MASK_INPUTS[2])
    with pytest.raises(RuntimeError):
        put(*args)
    compiled = export_native(put, MASK_INPUTS[:3])
    with pytest.raises(RuntimeError):
        compiled(*args)


def test_index_put_past_its_table_limit_runs_in_pytorch(monkeypatch):
    """A put whose match table is past the limit is refused, named in the report,
    and runs in PyTorch between native kernels: the answer is still PyTorch's."""
    from graphlet.frontend.fx.handlers import indexing

    monkeypatch.setattr(indexing, "MATCH_LIMIT", 8)

    def put(x, i, v):
        return x.index_put((i,), v, accumulate=True) * 2

    args = PUT_INPUTS[:2] + (PUT_INPUTS[3],)
    compiled = compile_fx(Fn(put), list(args))
    torch.testing.assert_close(compiled(*args), put(*args))
    report = compiled.report()
    assert not report.all_native
    assert [str(n.target) for n in report.eager] == ["aten.index_put.default"], report
    assert "too large a match table" in report.eager[0].reason


def scatters(x, n, b, i, j):
    return (
        x.scatter(1, i, -1.5),
        x.scatter(0, j, 2.0),
        x.scatter(-1, i[:1], 0.0),
        n.scatter(1, i, 7),
        b.scatter(0, j, True),
    )


SCATTER_INPUTS = (
    source((5, 3), torch.float32, seed=12),
    source((5, 3), torch.int64, seed=13),
    source((5, 3), torch.bool, seed=14),
    ids([2, 0], [1, 1], [0, 2]),  # a repeated index writes the same value twice
    ids([4, 0, 4], [1, 3, 0]),  # an index smaller than x along the other dims
)


def test_scatter_of_a_value_matches_pytorch_natively():
    """`x.scatter(dim, index, value)` (what cross entropy's gradient decomposes to)
    along each dim, with an index smaller than x off the dim and repeated indices."""
    compiled = export_native(scatters, SCATTER_INPUTS)
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert "aten.scatter.value" in targets, sorted(targets)
    for got, want in zip(compiled(*SCATTER_INPUTS), scatters(*SCATTER_INPUTS)):
        assert got.dtype == want.dtype
        assert torch.equal(got, want)


@pytest.mark.parametrize("bad", [ids([3], [0], [0]), ids([-1], [0], [0])], ids=["past", "negative"])
def test_scatter_index_out_of_range_raises_runtime_error(bad):
    def put(x, i):
        return x.scatter(1, i, 1.0)

    x = SCATTER_INPUTS[0]
    with pytest.raises(RuntimeError):
        put(x, bad)
    compiled = export_native(put, (x, ids([0], [1], [2])))
    with pytest.raises(RuntimeError):
        compiled(x, bad)


def scatter_adds(x, n, src, m, i, j):
    return (
        x.scatter_add(1, i, src[:, :2]),
        x.scatter_add(0, j, src),  # src larger than the index: cut to its extent
        x.scatter_add(-1, i[:1], src[:1, :2]),
        n.scatter_add(0, j, m),
    )


SCATTER_ADD_INPUTS = (
    SCATTER_INPUTS[0],
    SCATTER_INPUTS[1],
    source((5, 3), torch.float32, seed=15),
    source((5, 3), torch.int64, seed=16),
    SCATTER_INPUTS[3],  # repeated indices: their sources are summed
    SCATTER_INPUTS[4],
)


def test_scatter_add_matches_pytorch_natively():
    """`x.scatter_add(dim, index, src)` (gather's gradient): repeated indices sum,
    a larger src is cut to the index's extent; ints exactly, floats to rounding."""
    compiled = export_native(scatter_adds, SCATTER_ADD_INPUTS)
    targets = {str(n.target) for n in compiled._first.gm.graph.nodes if n.op == "call_function"}
    assert "aten.scatter_add.default" in targets, sorted(targets)
    for got, want in zip(compiled(*SCATTER_ADD_INPUTS), scatter_adds(*SCATTER_ADD_INPUTS)):
        assert got.dtype == want.dtype
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)


EVERY_REDUCTION = os.environ.get("GRAPHLET_CORPUS", "").lower() in ("all", "full")
"""`GRAPHLET_CORPUS=all`: every scatter_reduce reduction, with and without x's own
element, on floats and ints (by default, two that take the other paths)."""


def scatters_of_sources(x, n, b, src, m, bs, i, j, xs, at, s):
    if EVERY_REDUCTION:
        reductions = [
            t
            for r in ("sum", "mean", "prod", "amax", "amin")
            for inc in (True, False)
            for t in (
                x.scatter_reduce(1, i, src[:, :2], r, include_self=inc),
                n.scatter_reduce(0, j, m, r, include_self=inc),
            )
        ]
    else:
        reductions = [
            x.scatter_reduce(1, i, src[:, :2], "mean", include_self=False),
            n.scatter_reduce(0, j, m, "prod"),
        ]
    return (
        x.scatter(1, i, src[:, :2]),  # repeated indices: the last source wins
        b.scatter(0, j, bs),
        xs.scatter(0, at, s),  # 0-d operands
        b.scatter_add(0, j, bs),  # bools add as or
        *reductions,
    )


SOURCE_INPUTS = (
    SCATTER_INPUTS[0],
    SCATTER_INPUTS[1],
    source((5, 3), torch.bool, seed=17),
    source((5, 3), torch.float32, seed=15),
    source((5, 3), torch.int64, seed=16),
    source((5, 3), torch.bool, seed=18),
    SCATTER_INPUTS[3],
    SCATTER_INPUTS[4],
    torch.tensor(1.5),
    torch.tensor(0),
    torch.tensor(-2.0),
)


def test_scatter_of_a_source_and_its_reductions_match_pytorch_natively():
    """`scatter(dim, index, src)`, `scatter_reduce` (each reduction, with and without
    x's own element) and `scatter_add` of bools and 0-d tensors: one shared prelude."""
    compiled = export_native(scatters_of_sources, SOURCE_INPUTS)
    want = scatters_of_sources(*SOURCE_INPUTS)
    for k, (got, expected) in enumerate(zip(compiled(*SOURCE_INPUTS), want)):
        assert got.dtype == expected.dtype, k
        torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6, msg=f"result {k}")
