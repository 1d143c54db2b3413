"""Every graphlet tensor op against PyTorch: values, shapes and dtypes.

Each case builds one op with its builder (so shape inference is exercised), runs it
through the reference interpreter (the op's NumPy meaning) and compares with the
PyTorch function on the same inputs. Tolerances: exact for ints and bools; f32
rtol 1e-5 / atol 1e-6 (transcendental ops 2e-5 / 1e-6); f64 rtol 1e-12 / atol 1e-14.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xdsl.dialects import func  # noqa: E402
from xdsl.dialects.builtin import ModuleOp, TensorType  # noqa: E402
from xdsl.ir import Block, Region  # noqa: E402
from xdsl.utils.exceptions import VerifyException  # noqa: E402

from graphlet.dialects import graphlet as g  # noqa: E402
from graphlet.frontend.fx import element_of, tensor_type_of  # noqa: E402
from graphlet.runtime.interpreter import interpret  # noqa: E402

TOL = {torch.float32: dict(rtol=1e-5, atol=1e-6), torch.float64: dict(rtol=1e-12, atol=1e-14)}
LOOSE = {torch.float32: dict(rtol=2e-5, atol=1e-6), torch.float64: dict(rtol=1e-12, atol=1e-14)}


def run(build, *tensors: torch.Tensor):
    """Build `build(*args)` over function arguments typed like `tensors`, verify,
    interpret, and return the result array and the op's result type."""
    block = Block(arg_types=[tensor_type_of(t) for t in tensors])
    op = build(*block.args)
    block.add_op(op)
    block.add_op(func.ReturnOp(op.results[0]))
    fn = func.FuncOp.from_region(
        "f", [a.type for a in block.args], [op.results[0].type], Region(block)
    )
    module = ModuleOp([fn])
    module.verify()
    (result,) = interpret(module, "f", [t.numpy() for t in tensors])
    return np.asarray(result), op.results[0].type


def check(build, reference, *tensors, tol=TOL):
    got, t = run(build, *tensors)
    want = reference(*tensors)
    assert t == tensor_type_of(want), f"inferred {t}, PyTorch gives {tensor_type_of(want)}"
    assert got.shape == tuple(want.shape) and got.dtype == want.numpy().dtype
    if want.dtype.is_floating_point:
        np.testing.assert_allclose(got, want.numpy(), **tol[want.dtype], equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want.numpy())


def rand(*shape, dtype=torch.float32, seed=0):
    gen = torch.Generator().manual_seed(seed + sum(shape))
    if dtype == torch.bool:
        return torch.rand(shape, generator=gen) > 0.5
    if dtype == torch.int64:
        return torch.randint(-9, 10, shape, generator=gen)
    return torch.randn(shape, generator=gen, dtype=dtype)


BROADCAST_PAIRS = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 1), (1, 4)),
    ((4, 1, 3), (5, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1,), (1,)),
]

BINARY = {
    g.AddOp: torch.add,
    g.SubOp: torch.sub,
    g.MulOp: torch.mul,
    g.TrueDivOp: torch.true_divide,
    g.MinOp: torch.minimum,
    g.MaxOp: torch.maximum,
}


@pytest.mark.parametrize("op", list(BINARY), ids=lambda o: o.name)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64], ids=str)
def test_binary_broadcasting(op, shapes, dtype):
    a, b = rand(*shapes[0], dtype=dtype), rand(*shapes[1], dtype=dtype, seed=1)
    if op is g.TrueDivOp and dtype == torch.int64:
        b = torch.where(b == 0, 1, b)
    check(lambda x, y: op(x, y), BINARY[op], a, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64], ids=str)
def test_floor_divide_and_remainder_follow_python_signs(dtype):
    a = torch.tensor([7, -7, 7, -7, 0, 5], dtype=dtype)
    b = torch.tensor([2, 2, -2, -2, 3, 5], dtype=dtype)
    check(lambda x, y: g.FloorDivOp(x, y), torch.floor_divide, a, b)
    check(lambda x, y: g.ModOp(x, y), torch.remainder, a, b)


def test_integer_division_by_zero_raises_like_torch():
    a, b = torch.tensor([1, 2]), torch.tensor([1, 0])
    with pytest.raises(RuntimeError):
        torch.floor_divide(a, b)
    with pytest.raises(ZeroDivisionError):
        run(lambda x, y: g.FloorDivOp(x, y), a, b)


def test_float_division_by_zero_gives_inf_and_nan():
    a, b = torch.tensor([1.0, -1.0, 0.0]), torch.tensor([0.0, 0.0, 0.0])
    check(lambda x, y: g.TrueDivOp(x, y), torch.true_divide, a, b)
    check(lambda x, y: g.FloorDivOp(x, y), torch.floor_divide, a, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_pow(dtype):
    a = rand(3, 4, dtype=dtype).abs() + 0.1
    check(lambda x, y: g.PowOp(x, y), torch.pow, a, torch.tensor(2.5, dtype=dtype))
    check(lambda x, y: g.PowOp(x, y), torch.pow, a, rand(4, dtype=dtype, seed=3))


def test_min_max_propagate_nan():
    a = torch.tensor([1.0, math.nan, 3.0])
    b = torch.tensor([math.nan, 2.0, 1.0])
    check(lambda x, y: g.MinOp(x, y), torch.minimum, a, b)
    check(lambda x, y: g.MaxOp(x, y), torch.maximum, a, b)


@pytest.mark.parametrize(
    "op,ref",
    [(g.AndOp, torch.bitwise_and), (g.OrOp, torch.bitwise_or), (g.XorOp, torch.bitwise_xor)],
    ids=lambda v: getattr(v, "name", None) or v.__name__,
)
@pytest.mark.parametrize("dtype", [torch.bool, torch.int64], ids=str)
def test_bitwise(op, ref, dtype):
    check(lambda x, y: op(x, y), ref, rand(2, 3, dtype=dtype), rand(3, dtype=dtype, seed=5))


def test_shifts():
    a, b = torch.tensor([1, -8, 5]), torch.tensor([3, 1, 0])
    check(lambda x, y: g.ShlOp(x, y), torch.bitwise_left_shift, a, b)
    check(lambda x, y: g.ShrOp(x, y), torch.bitwise_right_shift, a, b)


@pytest.mark.parametrize(
    "predicate,ref",
    [
        ("eq", torch.eq),
        ("ne", torch.ne),
        ("lt", torch.lt),
        ("le", torch.le),
        ("gt", torch.gt),
        ("ge", torch.ge),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64], ids=str)
def test_compare_broadcasts_to_bool(predicate, ref, dtype):
    a, b = rand(2, 1, 3, dtype=dtype), rand(4, 1, dtype=dtype, seed=2)
    check(lambda x, y: g.CmpOp(predicate, x, y), ref, a, b)


def test_compare_nan():
    a = torch.tensor([math.nan, 1.0])
    for predicate, ref in (("eq", torch.eq), ("ne", torch.ne), ("lt", torch.lt)):
        check(lambda x, y: g.CmpOp(predicate, x, y), ref, a, a)


UNARY = {
    g.NegOp: torch.neg,
    g.AbsOp: torch.abs,
    g.ExpOp: torch.exp,
    g.LogOp: torch.log,
    g.SqrtOp: torch.sqrt,
    g.SinOp: torch.sin,
    g.CosOp: torch.cos,
    g.TanhOp: torch.tanh,
    g.FloorOp: torch.floor,
    g.CeilOp: torch.ceil,
    g.ReluOp: torch.relu,
}


@pytest.mark.parametrize("op", list(UNARY), ids=lambda o: o.name)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_unary_float(op, dtype):
    x = torch.cat(
        [
            rand(2, 5, dtype=dtype).flatten() * 3,
            torch.tensor([0.0, -0.5, math.nan, math.inf, -math.inf], dtype=dtype),
        ]
    )
    check(lambda v: op(v), UNARY[op], x, tol=LOOSE)


@pytest.mark.parametrize(
    "op", [g.NegOp, g.AbsOp, g.FloorOp, g.CeilOp, g.ReluOp], ids=lambda o: o.name
)
def test_unary_int_keeps_int(op):
    check(lambda v: op(v), UNARY[op], rand(3, 4, dtype=torch.int64))


@pytest.mark.parametrize("op", [g.ExpOp, g.SqrtOp, g.TanhOp], ids=lambda o: o.name)
def test_unary_int_to_float32(op):
    check(lambda v: op(v), UNARY[op], torch.arange(0, 6), tol=LOOSE)


def test_where_broadcasts_all_three():
    c, a, b = rand(2, 1, 3, dtype=torch.bool), rand(4, 1), rand(3, seed=7)
    check(lambda cc, x, y: g.SelectOp(cc, x, y), torch.where, c, a, b)


@pytest.mark.parametrize(
    "src,dst",
    [
        (torch.float32, torch.int64),
        (torch.int64, torch.float32),
        (torch.float32, torch.bool),
        (torch.bool, torch.float64),
        (torch.float64, torch.float32),
    ],
    ids=str,
)
def test_cast(src, dst):
    x = (rand(3, 4, dtype=torch.float64) * 5).to(src)
    check(
        lambda v: g.CastOp(v, TensorType(element_of(dst), tuple(x.shape))), lambda v: v.to(dst), x
    )


@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 3), (3, 4)),
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((5, 2, 3), (3, 4)),
        ((5, 2, 3), (5, 3, 4)),
        ((2, 1, 2, 3), (4, 3, 2)),
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64], ids=str)
def test_matmul(shapes, dtype):
    check(
        lambda a, b: g.MatmulOp(a, b),
        torch.matmul,
        rand(*shapes[0], dtype=dtype),
        rand(*shapes[1], dtype=dtype, seed=1),
        tol=LOOSE,
    )


@pytest.mark.parametrize("xshape", [(4,), (3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear(xshape, bias):
    x, w, b = rand(*xshape), rand(5, 4, seed=1), rand(5, seed=2)
    if bias:
        check(lambda a, c, d: g.LinearOp(a, c, d), torch.nn.functional.linear, x, w, b, tol=LOOSE)
    else:
        check(lambda a, c: g.LinearOp(a, c), torch.nn.functional.linear, x, w, tol=LOOSE)


@pytest.mark.parametrize("perm", [(1, 0, 2), (2, 0, 1), (0, 1, 2)], ids=str)
def test_transpose(perm):
    check(lambda v: g.TransposeOp(v, perm), lambda v: v.permute(*perm), rand(2, 3, 4))


@pytest.mark.parametrize("shape", [(6, 4), (24,), (2, 3, 4), (1, 24, 1)], ids=str)
def test_reshape(shape):
    check(lambda v: g.ReshapeOp(v, shape), lambda v: v.reshape(shape), rand(2, 3, 4))


@pytest.mark.parametrize(
    "src,dst", [((1, 3), (4, 3)), ((3,), (2, 4, 3)), ((2, 1), (2, 5)), ((), (2, 2))], ids=str
)
def test_expand(src, dst):
    check(lambda v: g.ExpandOp(v, dst), lambda v: v.expand(*dst), rand(*src))


REDUCTIONS = {g.SumOp: torch.sum, g.MeanOp: torch.mean, g.AmaxOp: torch.amax, g.AminOp: torch.amin}


@pytest.mark.parametrize("op", list(REDUCTIONS), ids=lambda o: o.name)
@pytest.mark.parametrize("dims", [(0,), (1,), (0, 2), (0, 1, 2)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions(op, dims, keepdim):
    check(
        lambda v: op(v, dims, keepdim),
        lambda v: REDUCTIONS[op](v, dims, keepdim=keepdim),
        rand(3, 4, 5),
        tol=LOOSE,
    )


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool], ids=str)
def test_sum_of_ints_and_bools_is_int64(dtype):
    check(lambda v: g.SumOp(v, (1,), False), lambda v: v.sum(1), rand(3, 4, dtype=dtype))


def test_amax_propagates_nan():
    x = torch.tensor([[1.0, math.nan], [2.0, 3.0]])
    check(lambda v: g.AmaxOp(v, (1,), False), lambda v: v.amax(1), x)


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_softmax_and_log_softmax(dim, dtype):
    x = rand(2, 3, 4, dtype=dtype) * 10
    check(lambda v: g.SoftmaxOp(v, dim), lambda v: torch.softmax(v, dim), x, tol=LOOSE)
    check(lambda v: g.LogSoftmaxOp(v, dim), lambda v: torch.log_softmax(v, dim), x, tol=LOOSE)


def test_softmax_large_values_do_not_overflow():
    x = torch.tensor([[1000.0, 1001.0, -1000.0]])
    check(lambda v: g.SoftmaxOp(v, 1), lambda v: torch.softmax(v, 1), x)


@pytest.mark.parametrize("ndim", [1, 2])
def test_layer_norm(ndim):
    x = rand(3, 4, 5) * 3 + 1
    shape = tuple(x.shape[-ndim:])
    w, b = rand(*shape, seed=1), rand(*shape, seed=2)
    check(
        lambda v, ww, bb: g.LayerNormOp(v, ww, bb, ndim, 1e-5),
        lambda v, ww, bb: torch.nn.functional.layer_norm(v, shape, ww, bb, 1e-5),
        x,
        w,
        b,
        tol=LOOSE,
    )


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_gelu(approximate, dtype):
    x = torch.linspace(-6, 6, 101, dtype=dtype)
    check(
        lambda v: g.GeluOp(v, approximate),
        lambda v: torch.nn.functional.gelu(v, approximate=approximate),
        x,
        tol=LOOSE,
    )


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_of_a_0d_tensor(approximate):
    x = torch.tensor(0.75, dtype=torch.float64)
    check(
        lambda v: g.GeluOp(v, approximate),
        lambda v: torch.nn.functional.gelu(v, approximate=approximate),
        x,
    )


def test_sigmoid_saturates():
    x = torch.tensor([-200.0, -5.0, 0.0, 5.0, 200.0])
    check(lambda v: g.SigmoidOp(v), torch.sigmoid, x)


@pytest.mark.parametrize("dim", [0, 1])
def test_cat(dim):
    a, b = rand(2, 3), rand(2, 3, seed=4)
    check(lambda x, y: g.CatOp([x, y], dim), lambda x, y: torch.cat([x, y], dim), a, b)


def test_cat_different_sizes():
    check(
        lambda x, y: g.CatOp([x, y], 1),
        lambda x, y: torch.cat([x, y], 1),
        rand(2, 3),
        rand(2, 5, seed=1),
    )


@pytest.mark.parametrize(
    "bounds", [((0, 1, 1), (2, 4, 2)), ((1, 0, 1), (2, 5, 3)), ((0, 2, 1), (2, 2, 1))], ids=str
)
def test_slice(bounds):
    starts, ends = bounds
    x = rand(2, 5, 3)
    steps = (1, 2, 1)
    ref = lambda v: v[
        starts[0] : ends[0] : steps[0],
        starts[1] : ends[1] : steps[1],
        starts[2] : ends[2] : steps[2],
    ]
    check(lambda v: g.SliceOp(v, starts, ends, steps), ref, x)


def test_builders_reject_bad_shapes_with_the_op_name():
    block = Block(arg_types=[TensorType(g.f32, (2, 3)), TensorType(g.f32, (4, 5))])
    a, b = block.args
    with pytest.raises(
        VerifyException,
        match=r"'graphlet.matmul' contracted dimensions differ: 2x3 @ 4x5 \(3 vs 4\)",
    ):
        g.MatmulOp(a, b)
    with pytest.raises(VerifyException, match=r"'graphlet.reshape' cannot reshape 2x3"):
        g.ReshapeOp(a, (7,))


def test_elementwise_result_type_is_broadcast():
    block = Block(arg_types=[TensorType(g.i64, (4, 1)), TensorType(g.i64, (3,))])
    op = g.TrueDivOp(*block.args)
    assert op.result.type == TensorType(g.f32, (4, 3))
    op = g.AddOp(*block.args)
    assert op.result.type == TensorType(g.i64, (4, 3))


def test_scalar_ops_unchanged():
    block = Block(arg_types=[g.i64, g.i64])
    assert g.TrueDivOp(*block.args).result.type == g.f64
    assert g.CmpOp("lt", *block.args).result.type == g.i1
