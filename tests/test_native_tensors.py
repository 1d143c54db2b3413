"""Native tensor code (lower-tensors-to-llvm + the tensor runtime) against PyTorch.

Every lowered op runs natively and is compared with the PyTorch function on the
same inputs: values, shapes and dtypes. To keep compile time low, all cases of
one dtype are one function with one result per case, compiled once.
Tolerances: f32 rtol 1e-5 / atol 1e-5 (sums are reassociated, so they round
differently from PyTorch's); f64 rtol 1e-12 / atol 1e-12; data movement exact.
Then the runtime's contract (no copies, NumPy in/out, torch in/out, `out=`,
shape/dtype/contiguity errors) and the four models of the issue natively through
`compile_fx` and `torch.compile`.
"""

from __future__ import annotations

import logging
import math
from functools import cache

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from xdsl.dialects import func  # noqa: E402
from xdsl.dialects.builtin import ModuleOp  # noqa: E402
from xdsl.ir import Block, Region  # noqa: E402

from graphlet.dialects import graphlet as g  # noqa: E402
from graphlet.frontend.fx import compile_fx, graphlet_backend, tensor_type_of  # noqa: E402
from graphlet.runtime.tensors import TensorSignatureError, compile_tensor_function  # noqa: E402

TOL = {torch.float32: dict(rtol=1e-5, atol=1e-5), torch.float64: dict(rtol=1e-12, atol=1e-12)}


def const(array):
    return g.ConstantOp.from_array(np.asarray(array))


# (id, input shapes, graphlet builder, PyTorch reference); inputs are randn
# (absolute value for log/sqrt).
CASES = [
    ("add-broadcast", [(2, 3), (3,)], g.AddOp, torch.add),
    ("sub-broadcast-both", [(4, 1, 3), (5, 1)], g.SubOp, torch.sub),
    ("mul-0d", [(), (2, 3)], g.MulOp, torch.mul),
    ("div", [(2, 3), (2, 1)], g.TrueDivOp, torch.true_divide),
    ("maximum", [(3, 4), (4,)], g.MaxOp, torch.maximum),
    ("minimum", [(1, 4), (3, 1)], g.MinOp, torch.minimum),
    ("neg", [(5,)], g.NegOp, torch.neg),
    ("abs", [(5,)], g.AbsOp, torch.abs),
    ("relu", [(2, 5)], g.ReluOp, torch.relu),
    ("exp", [(7,)], g.ExpOp, torch.exp),
    ("log", [(7,)], g.LogOp, lambda x: torch.log(x.abs())),
    ("sqrt", [(7,)], g.SqrtOp, lambda x: torch.sqrt(x.abs())),
    ("tanh", [(7,)], g.TanhOp, torch.tanh),
    ("sin", [(7,)], g.SinOp, torch.sin),
    ("cos", [(7,)], g.CosOp, torch.cos),
    ("floor", [(7,)], g.FloorOp, torch.floor),
    ("ceil", [(7,)], g.CeilOp, torch.ceil),
    ("sigmoid", [(3, 3)], g.SigmoidOp, torch.sigmoid),
    ("gelu", [(9,)], lambda x: g.GeluOp(x), F.gelu),
    ("gelu-tanh", [(9,)], lambda x: g.GeluOp(x, "tanh"), lambda x: F.gelu(x, approximate="tanh")),
    ("matmul-2d", [(2, 3), (3, 4)], g.MatmulOp, torch.matmul),
    ("matmul-blas", [(16, 8), (8, 5)], g.MatmulOp, torch.matmul),
    ("matmul-vec-mat", [(5,), (5, 3)], g.MatmulOp, torch.matmul),
    ("matmul-mat-vec", [(3, 4), (4,)], g.MatmulOp, torch.matmul),
    ("matmul-batch-broadcast", [(2, 1, 3, 4), (5, 4, 2)], g.MatmulOp, torch.matmul),
    ("linear-bias", [(3, 4), (5, 4), (5,)], g.LinearOp, F.linear),
    ("linear-3d-no-bias", [(2, 3, 4), (5, 4)], g.LinearOp, F.linear),
    ("linear-blas", [(4, 4, 8), (6, 8), (6,)], g.LinearOp, F.linear),
    ("transpose", [(2, 3)], lambda x: g.TransposeOp(x, [1, 0]), lambda x: x.t()),
    ("permute-3d", [(2, 3, 4)], lambda x: g.TransposeOp(x, [2, 0, 1]), lambda x: x.permute(2, 0, 1)),
    ("reshape", [(2, 3, 4)], lambda x: g.ReshapeOp(x, (4, 6)), lambda x: x.reshape(4, 6)),
    ("expand", [(1, 3)], lambda x: g.ExpandOp(x, (4, 3)), lambda x: x.expand(4, 3)),
    ("expand-rank", [(3, 1)], lambda x: g.ExpandOp(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4)),
    ("sum-dim", [(3, 4)], lambda x: g.SumOp(x, [1]), lambda x: x.sum(1)),
    ("sum-keepdim", [(2, 3, 4)], lambda x: g.SumOp(x, [0, 2], True), lambda x: x.sum((0, 2), keepdim=True)),
    ("sum-all", [(3, 5)], lambda x: g.SumOp(x, [0, 1]), lambda x: x.sum()),
    ("mean", [(4, 6)], lambda x: g.MeanOp(x, [1], True), lambda x: x.mean(1, keepdim=True)),
    ("amax", [(3, 5)], lambda x: g.AmaxOp(x, [0]), lambda x: x.amax(0)),
    ("amin", [(3, 5)], lambda x: g.AminOp(x, [1], True), lambda x: x.amin(1, keepdim=True)),
    ("softmax", [(3, 5)], lambda x: g.SoftmaxOp(x, 1), lambda x: torch.softmax(x, 1)),
    ("log-softmax-dim0", [(3, 5)], lambda x: g.LogSoftmaxOp(x, 0), lambda x: torch.log_softmax(x, 0)),
    ("layer-norm", [(2, 6), (6,), (6,)], lambda x, w, b: g.LayerNormOp(x, w, b, 1, 1e-5),
     lambda x, w, b: F.layer_norm(x, (6,), w, b, 1e-5)),
    ("layer-norm-2d", [(2, 3, 4), (3, 4), (3, 4)], lambda x, w, b: g.LayerNormOp(x, w, b, 2, 1e-5),
     lambda x, w, b: F.layer_norm(x, (3, 4), w, b, 1e-5)),
    ("cat-dim0", [(2, 3), (1, 3)], lambda a, b: g.CatOp([a, b], 0), lambda a, b: torch.cat([a, b], 0)),
    ("cat-dim1-three", [(2, 1), (2, 3), (2, 2)], lambda a, b, c: g.CatOp([a, b, c], 1), lambda a, b, c: torch.cat([a, b, c], 1)),
    ("slice-steps", [(5, 6)], lambda x: g.SliceOp(x, [1, 0], [5, 6], [2, 3]), lambda x: x[1:5:2, 0:6:3]),
    ("slice-last-dim", [(2, 7, 9)], lambda x: g.SliceOp(x, [0, 0, 3], [2, 7, 6], [1, 1, 1]), lambda x: x[..., 3:6]),
]

POSITIVE = {"log", "sqrt"}


def inputs_for(case, dtype):
    name, shapes = case[0], case[1]
    gen = torch.Generator().manual_seed(sum(map(ord, name)))
    tensors = [torch.randn(s, generator=gen, dtype=dtype) for s in shapes]
    return [t.abs() + 0.1 for t in tensors] if name in POSITIVE else tensors


@cache
def compiled(dtype):
    """All cases as one function (one result each), compiled natively once."""
    args = [t for case in CASES for t in inputs_for(case, dtype)]
    block = Block(arg_types=[tensor_type_of(t) for t in args])
    values, results = iter(block.args), []
    for _, shapes, build, _ in CASES:
        op = build(*[next(values) for _ in shapes])
        block.add_op(op)
        results.append(op.results[0])
    block.add_op(func.ReturnOp(*results))
    fn = func.FuncOp.from_region("cases", [a.type for a in block.args], [r.type for r in results], Region(block))
    module = ModuleOp([fn])
    module.verify()
    kernel = compile_tensor_function(module, "cases")
    return kernel, kernel(*args)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_op_matches_pytorch(index, dtype):
    _, outputs = compiled(dtype)
    case = CASES[index]
    got, want = outputs[index], case[3](*inputs_for(case, dtype))
    assert isinstance(got, torch.Tensor) and got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want.numpy(), **TOL[dtype])


def one_op_function(build, *tensors):
    block = Block(arg_types=[tensor_type_of(t) for t in tensors])
    ops = build(*block.args)
    block.add_ops(ops)
    results = [ops[-1].results[0]] if not isinstance(ops[-1], func.ReturnOp) else []
    if results:
        block.add_op(func.ReturnOp(*results))
    ret = block.last_op
    fn = func.FuncOp.from_region("f", [a.type for a in block.args], [v.type for v in ret.operands], Region(block))
    return compile_tensor_function(ModuleOp([fn]), "f")


@cache
def chain_kernel():
    """relu(a * b + c) * 0.5 on 3x4 f64: one fused loop."""
    a = torch.zeros(3, 4, dtype=torch.float64)

    def build(x, y, z):
        mul = g.MulOp(x, y)
        add = g.AddOp(mul, z)
        relu = g.ReluOp(add)
        half = g.ConstantOp.from_array(np.float64(0.5))
        return [mul, add, relu, half, g.MulOp(relu, half)]

    return one_op_function(build, a, a, a)


def chain_ref(a, b, c):
    return np.maximum(a * b + c, 0) * 0.5


def test_numpy_in_numpy_out_and_out_parameter():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((3, 4)) for _ in range(3))
    (got,) = chain_kernel()(a, b, c)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    np.testing.assert_array_equal(got, chain_ref(a, b, c))
    out = np.full((3, 4), np.nan)
    (same,) = chain_kernel()(a, b, c, out=[out])
    assert same is out
    np.testing.assert_array_equal(out, chain_ref(a, b, c))


def test_inputs_are_read_in_place_not_copied():
    a = torch.randn(3, 4, dtype=torch.float64)
    b, c = torch.ones(3, 4, dtype=torch.float64), torch.zeros(3, 4, dtype=torch.float64)
    kernel = chain_kernel()
    before = kernel(a, b, c)[0]
    a.mul_(-1)  # the kernel must see the new values through the same pointer
    after = kernel(a, b, c)[0]
    np.testing.assert_array_equal(after.numpy(), chain_ref(a.numpy(), b.numpy(), c.numpy()))
    assert not torch.equal(before, after)


def test_a_view_of_a_larger_array_is_read_where_it_is():
    base = np.arange(24, dtype=np.float64).reshape(6, 4)
    view = base[2:5]  # contiguous, at an offset
    ones, zeros = np.ones((3, 4)), np.zeros((3, 4))
    np.testing.assert_array_equal(chain_kernel()(view, ones, zeros)[0], view * 0.5)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((4, 3)), r"argument 0 of @f has shape \(4, 3\) and dtype float64; compiled for shape \(3, 4\)"),
        (np.zeros((3, 4), np.float32), r"argument 0 .* dtype float32; compiled for .* dtype float64"),
        (np.zeros((4, 3)).T, r"argument 0 is not C-contiguous"),
        (torch.zeros(4, 3, dtype=torch.float64).t(), r"argument 0 is not contiguous"),
        (torch.zeros(3, 4, dtype=torch.float32), r"argument 0 .* dtype float32"),
        ([[0.0] * 4] * 3, r"argument 0 must be a NumPy array or a torch tensor, got list"),
    ],
    ids=["shape", "dtype", "strided-numpy", "strided-torch", "torch-dtype", "list"],
)
def test_mismatched_arguments_raise_before_running(bad, message):
    ok = np.zeros((3, 4))
    with pytest.raises(TensorSignatureError, match=message):
        chain_kernel()(bad, ok, ok)


def test_wrong_argument_count_and_bad_outputs():
    ok = np.zeros((3, 4))
    with pytest.raises(TensorSignatureError, match="takes 3 arguments, got 2"):
        chain_kernel()(ok, ok)
    with pytest.raises(TensorSignatureError, match=r"output 0 of @f has shape \(2, 4\)"):
        chain_kernel()(ok, ok, ok, out=[np.zeros((2, 4))])


def test_returning_an_argument_a_view_and_one_value_twice():
    x = torch.randn(2, 3)

    def build(a):
        r = g.ReshapeOp(a, (3, 2))
        e = g.ExpOp(a)
        return [r, e, func.ReturnOp(a, r, e, e)]

    outs = one_op_function(build, x)(x)
    np.testing.assert_array_equal(outs[0].numpy(), x.numpy())
    np.testing.assert_array_equal(outs[1].numpy(), x.reshape(3, 2).numpy())
    np.testing.assert_allclose(outs[2].numpy(), torch.exp(x).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(outs[2].numpy(), outs[3].numpy())
    assert outs[0].data_ptr() != x.data_ptr() and outs[2].data_ptr() != outs[3].data_ptr()


def test_dense_constant_operand_becomes_a_global():
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = torch.randn(2, 3)
    kernel = one_op_function(lambda a: [c := const(weights), g.MulOp(a, c)], x)
    np.testing.assert_array_equal(kernel(x)[0].numpy(), x.numpy() * weights)


# --------------------------------------------------------------------------- models


from tests.test_fx import MODELS, make  # noqa: E402


@pytest.mark.parametrize("name", list(MODELS))
def test_models_run_natively_through_compile_fx_and_the_backend(name):
    model, x = make(name)
    with torch.no_grad():
        compiled = compile_fx(model, (x,), mode="native")
        assert compiled.native
        np.testing.assert_allclose(compiled(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-5)
        gm = torch.fx.symbolic_trace(model)
        backend = graphlet_backend(gm, [x])
        assert backend.compiled.native
        np.testing.assert_allclose(backend(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-5)
        assert isinstance(compiled(x.numpy()), np.ndarray)


def test_auto_mode_falls_back_to_the_reference_with_a_logged_reason(caplog):
    def int_add(a, b):
        return a + b

    a = torch.arange(6).reshape(2, 3)
    with caplog.at_level(logging.INFO, logger="graphlet.fx"):
        compiled = compile_fx(int_add, (a, a))
    assert not compiled.native
    assert torch.equal(compiled(a, a), a + a)
    assert any("reference interpreter" in r.message and "graphlet.add" in r.message for r in caplog.records)
    with pytest.raises(NotImplementedError, match="cannot compile this graph natively.*graphlet.add"):
        compile_fx(int_add, (a, a), mode="native")


def test_new_input_shapes_recompile_natively():
    model, x = make("mlp-4-8-2")
    compiled = compile_fx(model, (x,))
    x3 = torch.randn(3, 4)
    with torch.no_grad():
        np.testing.assert_allclose(compiled(x3).numpy(), model(x3).numpy(), rtol=1e-5, atol=1e-5)
    assert len(compiled._cache) == 2 and all(e.kernel is not None for e in compiled._cache.values())
    assert math.isfinite(float(compiled(x).sum()))
