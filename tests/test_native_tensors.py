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
from graphlet.driver import compile_tensor_function  # noqa: E402
from graphlet.frontend.fx import compile_fx, graphlet_backend, tensor_type_of  # noqa: E402
from graphlet.runtime.tensors import TensorSignatureError  # noqa: E402

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
    ("tan", [(7,)], g.TanOp, torch.tan),
    ("rint", [(7,)], g.RintOp, torch.round),
    ("prod-dim", [(3, 4)], lambda x: g.ProdOp(x, [1]), lambda x: x.prod(1)),
    ("trunc", [(7,)], g.TruncOp, torch.trunc),
    ("exp2", [(7,)], g.Exp2Op, torch.exp2),
    ("log2", [(7,)], g.Log2Op, torch.log2),
    ("log10", [(7,)], g.Log10Op, torch.log10),
    ("log1p", [(7,)], g.Log1pOp, torch.log1p),
    ("expm1", [(7,)], g.Expm1Op, torch.expm1),
    ("sinh", [(7,)], g.SinhOp, torch.sinh),
    ("cosh", [(7,)], g.CoshOp, torch.cosh),
    ("arctan", [(7,)], g.AtanOp, torch.atan),
    ("arcsinh", [(7,)], g.AsinhOp, torch.asinh),
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
    (
        "permute-3d",
        [(2, 3, 4)],
        lambda x: g.TransposeOp(x, [2, 0, 1]),
        lambda x: x.permute(2, 0, 1),
    ),
    ("reshape", [(2, 3, 4)], lambda x: g.ReshapeOp(x, (4, 6)), lambda x: x.reshape(4, 6)),
    ("expand", [(1, 3)], lambda x: g.ExpandOp(x, (4, 3)), lambda x: x.expand(4, 3)),
    ("expand-rank", [(3, 1)], lambda x: g.ExpandOp(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4)),
    ("sum-dim", [(3, 4)], lambda x: g.SumOp(x, [1]), lambda x: x.sum(1)),
    (
        "sum-keepdim",
        [(2, 3, 4)],
        lambda x: g.SumOp(x, [0, 2], True),
        lambda x: x.sum((0, 2), keepdim=True),
    ),
    ("sum-all", [(3, 5)], lambda x: g.SumOp(x, [0, 1]), lambda x: x.sum()),
    ("mean", [(4, 6)], lambda x: g.MeanOp(x, [1], True), lambda x: x.mean(1, keepdim=True)),
    ("amax", [(3, 5)], lambda x: g.AmaxOp(x, [0]), lambda x: x.amax(0)),
    ("amin", [(3, 5)], lambda x: g.AminOp(x, [1], True), lambda x: x.amin(1, keepdim=True)),
    ("softmax", [(3, 5)], lambda x: g.SoftmaxOp(x, 1), lambda x: torch.softmax(x, 1)),
    (
        "log-softmax-dim0",
        [(3, 5)],
        lambda x: g.LogSoftmaxOp(x, 0),
        lambda x: torch.log_softmax(x, 0),
    ),
    (
        "layer-norm",
        [(2, 6), (6,), (6,)],
        lambda x, w, b: g.LayerNormOp(x, w, b, 1, 1e-5),
        lambda x, w, b: F.layer_norm(x, (6,), w, b, 1e-5),
    ),
    (
        "layer-norm-2d",
        [(2, 3, 4), (3, 4), (3, 4)],
        lambda x, w, b: g.LayerNormOp(x, w, b, 2, 1e-5),
        lambda x, w, b: F.layer_norm(x, (3, 4), w, b, 1e-5),
    ),
    (
        "cat-dim0",
        [(2, 3), (1, 3)],
        lambda a, b: g.CatOp([a, b], 0),
        lambda a, b: torch.cat([a, b], 0),
    ),
    (
        "cat-dim1-three",
        [(2, 1), (2, 3), (2, 2)],
        lambda a, b, c: g.CatOp([a, b, c], 1),
        lambda a, b, c: torch.cat([a, b, c], 1),
    ),
    (
        "slice-steps",
        [(5, 6)],
        lambda x: g.SliceOp(x, [1, 0], [5, 6], [2, 3]),
        lambda x: x[1:5:2, 0:6:3],
    ),
    (
        "slice-last-dim",
        [(2, 7, 9)],
        lambda x: g.SliceOp(x, [0, 0, 3], [2, 7, 6], [1, 1, 1]),
        lambda x: x[..., 3:6],
    ),
]

POSITIVE = {"log", "sqrt", "log2", "log10", "log1p"}


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
    fn = func.FuncOp.from_region(
        "cases", [a.type for a in block.args], [r.type for r in results], Region(block)
    )
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


# --------------------------------------------------------------------------- ints, bools, casts

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
INTS = torch.tensor([[7, -7, 5, 0, INT_MIN, INT_MAX], [3, -1, -9, 12, 1, -2]])
DIVISORS = torch.tensor([2, 2, -3, 3, -1, -1])
BOOLS = torch.tensor([[True, False, True], [False, False, True]])
SPECIAL = torch.tensor(
    [-4.0, 4.0, -0.0, 1.0, math.inf, -3.0, 3.0, 5.5, math.nan, 1e20, -2.7, 2.7, 0.0]
)
SPECIAL_DIVISORS = torch.tensor(
    [2.0, -2.0, 3.0, 0.0, 2.0, math.inf, -math.inf, -2.5, 1.0, 3.0, 0.5, -0.5, -1.0]
)


def _ints(seed, shape, low=-50, high=50):
    return torch.randint(low, high, shape, generator=torch.Generator().manual_seed(seed))


def _to(dtype):
    return lambda x: g.CastOp(
        x, g.TensorType(g.element_type_of_dtype(_NP[dtype]), list(x.type.get_shape()))
    )


_NP = {
    torch.float32: np.float32,
    torch.float64: np.float64,
    torch.int64: np.int64,
    torch.bool: np.bool_,
}

# (id, inputs, graphlet builder, PyTorch reference): exact comparisons, except
# int -> float results (rtol 1e-6).
EXACT_CASES = [
    ("add-i64-wraps", [INTS, INTS[1]], g.AddOp, torch.add),
    ("sub-i64-broadcast", [INTS, _ints(1, (2, 1))], g.SubOp, torch.sub),
    ("mul-i64-wraps", [INTS, INTS], g.MulOp, torch.mul),
    (
        "neg-abs-i64",
        [INTS],
        lambda x: g.AbsOp(g.NegOp(x).result),
        lambda x: torch.abs(torch.neg(x)),
    ),
    (
        "max-min-i64",
        [INTS, _ints(2, (6,))],
        lambda a, b: g.MaxOp(g.MinOp(a, b).result, b),
        lambda a, b: torch.maximum(torch.minimum(a, b), b),
    ),
    (
        "relu-floor-i64",
        [INTS],
        lambda x: g.ReluOp(g.FloorOp(x).result),
        lambda x: torch.relu(torch.floor(x)),
    ),
    ("floordiv-i64", [INTS, DIVISORS], g.FloorDivOp, torch.floor_divide),
    ("remainder-i64", [INTS, DIVISORS], g.ModOp, torch.remainder),
    (
        "floordiv-i64-random",
        [_ints(3, (40,), -1000, 1000), _ints(4, (40,), 1, 30) * (1 - 2 * _ints(5, (40,), 0, 2))],
        g.FloorDivOp,
        torch.floor_divide,
    ),
    (
        "remainder-i64-const",
        [_ints(6, (40,), -1000, 1000)],
        lambda x: g.ModOp(x, const(np.int64(-7)).result),
        lambda x: torch.remainder(x, -7),
    ),
    ("floordiv-f32", [SPECIAL, SPECIAL_DIVISORS], g.FloorDivOp, torch.floor_divide),
    ("remainder-f32", [SPECIAL, SPECIAL_DIVISORS], g.ModOp, torch.remainder),
    (
        "floordiv-f64",
        [SPECIAL.double(), SPECIAL_DIVISORS.double()],
        g.FloorDivOp,
        torch.floor_divide,
    ),
    ("remainder-f64", [SPECIAL.double(), SPECIAL_DIVISORS.double()], g.ModOp, torch.remainder),
    (
        "pow-i64",
        [
            torch.tensor([2, 1, -1, -1, 0, 3, 2, -3, 0]),
            torch.tensor([-1, -3, -3, -2, -1, 40, 63, 3, 0]),
        ],
        g.PowOp,
        torch.pow,
    ),
    (
        "pow-i64-const",
        [INTS],
        lambda x: g.PowOp(x, const(np.int64(3)).result),
        lambda x: torch.pow(x, 3),
    ),
    ("pow-f32", [SPECIAL.abs(), SPECIAL_DIVISORS], g.PowOp, torch.pow),
    (
        "and-or-xor-bool",
        [BOOLS, BOOLS[1]],
        lambda a, b: g.XorOp(g.OrOp(a, b).result, g.AndOp(a, b).result),
        lambda a, b: (a | b) ^ (a & b),
    ),
    ("and-i64", [INTS, _ints(7, (6,))], g.AndOp, torch.bitwise_and),
    *[
        (
            f"cmp-{p}-f32",
            [SPECIAL, SPECIAL_DIVISORS],
            lambda a, b, p=p: g.CmpOp(p, a, b),
            getattr(torch, p),
        )
        for p in g.CMP_PREDICATES
    ],
    *[
        (f"cmp-{p}-i64", [INTS, INTS[1]], lambda a, b, p=p: g.CmpOp(p, a, b), getattr(torch, p))
        for p in ("lt", "ge", "eq")
    ],
    *[
        (f"cmp-{p}-bool", [BOOLS, BOOLS[1]], lambda a, b, p=p: g.CmpOp(p, a, b), getattr(torch, p))
        for p in ("lt", "le", "gt", "ge")
    ],
    ("where-broadcast", [BOOLS, INTS[0, :3], _ints(8, (2, 1))], g.SelectOp, torch.where),
    ("where-f64", [BOOLS[0], SPECIAL[:3].double(), SPECIAL[3:6].double()], g.SelectOp, torch.where),
    *[
        (f"cast-f32-{t}", [SPECIAL], _to(t), lambda x, t=t: x.to(t))
        for t in (torch.float64, torch.int64, torch.bool)
    ],
    *[
        (f"cast-f64-{t}", [SPECIAL.double()], _to(t), lambda x, t=t: x.to(t))
        for t in (torch.float32, torch.int64, torch.bool)
    ],
    *[
        (f"cast-i64-{t}", [INTS], _to(t), lambda x, t=t: x.to(t))
        for t in (torch.float32, torch.float64, torch.bool)
    ],
    *[
        (f"cast-bool-{t}", [BOOLS], _to(t), lambda x, t=t: x.to(t))
        for t in (torch.float32, torch.float64, torch.int64)
    ],
    ("truediv-i64-to-f32", [INTS[1], DIVISORS - 1], g.TrueDivOp, torch.true_divide),
    ("exp-i64-to-f32", [_ints(9, (5,), -5, 5)], g.ExpOp, torch.exp),
    ("sum-i64-wraps", [INTS], lambda x: g.SumOp(x, [1]), lambda x: x.sum(1)),
    ("sum-bool", [BOOLS], lambda x: g.SumOp(x, [0, 1]), lambda x: x.sum()),
    (
        "amax-amin-i64",
        [INTS],
        lambda x: g.AminOp(g.AmaxOp(x, [0], True).result, [1]),
        lambda x: x.amax(0, keepdim=True).amin(1),
    ),
    (
        "amax-amin-bool",
        [BOOLS],
        lambda x: g.AmaxOp(g.AminOp(x, [1], True).result, [0]),
        lambda x: x.amin(1, keepdim=True).amax(0),
    ),
    ("matmul-i64", [_ints(10, (3, 4)), _ints(11, (2, 4, 5))], g.MatmulOp, torch.matmul),
    ("transpose-bool", [BOOLS], lambda x: g.TransposeOp(x, [1, 0]), lambda x: x.t()),
    (
        "bool-constant",
        [BOOLS],
        lambda x: g.AndOp(x, const(np.array([True, False, True])).result),
        lambda x: x & torch.tensor([True, False, True]),
    ),
]


def _build_all(cases):
    """One function computing every case (ops built with nested builders are
    collected from their operands)."""
    args = [t for case in cases for t in case[1]]
    block = Block(arg_types=[tensor_type_of(t) for t in args])
    values, results = iter(block.args), []
    for _, inputs, build, _ in cases:
        op = build(*[next(values) for _ in inputs])
        pending, seen = [op], []
        while pending:
            o = pending.pop()
            seen.append(o)
            pending += [
                v.owner
                for v in o.operands
                if isinstance(v.owner, g.GraphletOp)
                and v.owner.parent is None
                and v.owner not in seen
            ]
        block.add_ops(reversed(seen))
        results.append(op.results[0])
    block.add_op(func.ReturnOp(*results))
    fn = func.FuncOp.from_region(
        "cases", [a.type for a in block.args], [r.type for r in results], Region(block)
    )
    module = ModuleOp([fn])
    module.verify()
    return compile_tensor_function(module, "cases"), args


@cache
def compiled_exact():
    kernel, args = _build_all(EXACT_CASES)
    return kernel(*args)


@pytest.mark.parametrize("index", range(len(EXACT_CASES)), ids=[c[0] for c in EXACT_CASES])
def test_int_bool_compare_select_cast_ops_match_pytorch(index):
    name, inputs, _, reference = EXACT_CASES[index]
    got, want = compiled_exact()[index], reference(*inputs)
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.is_floating_point and "to-f32" in name:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    else:
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        if want.dtype.is_floating_point:  # zeros keep torch's sign (a NaN's sign means nothing)
            numbers = ~np.isnan(want.numpy())
            np.testing.assert_array_equal(
                np.signbit(got.numpy()[numbers]), np.signbit(want.numpy()[numbers])
            )


@pytest.mark.parametrize(
    "op, reference",
    [(g.FloorDivOp, torch.floor_divide), (g.ModOp, torch.remainder)],
    ids=["floordiv", "remainder"],
)
def test_int_division_by_zero_raises_like_torch_and_python(op, reference):
    a, b = torch.tensor([[5, 6], [7, 8]]), torch.tensor([3, 0])
    kernel = one_op_function(lambda x, y: [op(x, y)], a, b)
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        reference(a, b)
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$") as raised:
        kernel(a, b)
    assert isinstance(raised.value, ZeroDivisionError)
    np.testing.assert_array_equal(kernel(a, b + 1)[0].numpy(), reference(a, b + 1).numpy())


def test_int_ops_run_natively_through_compile_fx():
    def f(a, b, x):
        q = a // b + a % b * (a**2)
        mask = (q > 3) & (x < 0.5)
        return torch.where(mask, x, q.to(torch.float32)), mask.sum(), (a / b).double()

    a, b = torch.arange(-6, 6).reshape(3, 4), torch.tensor([1, -2, 3, 5])
    x = torch.rand(3, 4)
    compiled = compile_fx(f, (a, b, x), mode="native")
    for got, want in zip(compiled(a, b, x), f(a, b, x)):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    with pytest.raises(ZeroDivisionError, match="ZeroDivisionError"):
        compiled(a, torch.tensor([1, 0, 3, 5]), x)


def test_exact_gelu_erf_is_within_an_ulp_of_math_erf():
    """The vectorised erf (`expand-math-approximations`) against libm's `math.erf`, rounded to
    the element type: a dense sweep with tails and the special values."""
    from xdsl.dialects import math as xmath
    from xdsl.dialects import tensor

    from graphlet.lowering.graphlet_to_linalg.common import PARALLEL, generic, indexing_map

    sweep = np.concatenate(
        [
            np.linspace(-7, 7, 140001),
            np.geomspace(1e-30, 7, 30000),
            -np.geomspace(1e-30, 7, 30000),
            [0.0, -0.0, math.inf, -math.inf, math.nan],
        ]
    )
    want = np.array([math.erf(v) for v in sweep])
    for elem, dtype, bound in ((g.f32, np.float32, 1.1), (g.f64, np.float64, 1.5)):
        t = g.TensorType(elem, [sweep.size])
        block = Block(arg_types=[t])
        empty = tensor.EmptyOp([], t)
        erf = generic(
            [block.args[0]],
            empty.tensor,
            [indexing_map(1, [0])] * 2,
            [PARALLEL],
            lambda e, a: e(xmath.ErfOp(a[0])),
        )
        block.add_ops([empty, erf, func.ReturnOp(erf.results[0])])
        kernel = compile_tensor_function(
            ModuleOp([func.FuncOp.from_region("erf", [t], [t], Region(block))]), "erf"
        )
        x = sweep.astype(dtype)
        got = kernel(x)[0]
        exact = np.array([math.erf(float(v)) for v in x])
        finite = np.isfinite(x)
        ulps = np.abs(got[finite] - exact[finite]) / np.spacing(np.abs(exact[finite]).astype(dtype))
        assert ulps.max() <= bound, (dtype, x[finite][ulps.argmax()])
        np.testing.assert_array_equal(got[-5:-1], [0.0, -0.0, 1.0, -1.0])
        assert np.signbit(got[-4]) and math.isnan(got[-1])
    del want


def one_op_function(build, *tensors):
    block = Block(arg_types=[tensor_type_of(t) for t in tensors])
    ops = build(*block.args)
    block.add_ops(ops)
    results = [ops[-1].results[0]] if not isinstance(ops[-1], func.ReturnOp) else []
    if results:
        block.add_op(func.ReturnOp(*results))
    ret = block.last_op
    fn = func.FuncOp.from_region(
        "f", [a.type for a in block.args], [v.type for v in ret.operands], Region(block)
    )
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
        (
            np.zeros((4, 3)),
            r"argument 0 of @f has shape \(4, 3\) and dtype float64; compiled for shape \(3, 4\)",
        ),
        (
            np.zeros((3, 4), np.float32),
            r"argument 0 .* dtype float32; compiled for .* dtype float64",
        ),
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
        np.testing.assert_allclose(backend(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-5)
        assert backend.report().all_native, str(backend.report())
        assert isinstance(compiled(x.numpy()), np.ndarray)


def test_auto_mode_falls_back_to_the_reference_with_a_logged_reason(caplog, monkeypatch):
    from graphlet.lowering.graphlet_to_linalg import elementwise

    monkeypatch.delitem(elementwise.BODIES, g.AddOp)  # an op that does not lower

    def int_add(a, b):
        return a + b

    a = torch.arange(6).reshape(2, 3)
    with caplog.at_level(logging.INFO, logger="graphlet.fx"):
        compiled = compile_fx(int_add, (a, a))
    assert not compiled.native
    assert torch.equal(compiled(a, a), a + a)
    assert any(
        "reference interpreter" in r.message and "graphlet.add" in r.message for r in caplog.records
    )
    with pytest.raises(
        NotImplementedError, match="cannot compile this graph natively.*graphlet.add"
    ):
        compile_fx(int_add, (a, a), mode="native")


def test_new_input_shapes_recompile_natively():
    model, x = make("mlp-4-8-2")
    compiled = compile_fx(model, (x,))
    x3 = torch.randn(3, 4)
    with torch.no_grad():
        np.testing.assert_allclose(compiled(x3).numpy(), model(x3).numpy(), rtol=1e-5, atol=1e-5)
    report = compiled.report()
    assert len(report.graphs) == 2 and report.all_native, str(report)
    assert math.isfinite(float(compiled(x).sum()))
