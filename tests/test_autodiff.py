"""Reverse- and forward-mode autodiff (`graphlet-autodiff`, `graphlet.grad`) against
PyTorch's autograd and central finite differences.

Each op's derivative rule is checked on its own: a one-op function per scalar op
(on hypothesis-drawn points of the op's smooth domain) and one weighted-sum loss over
every tensor op (each op on its own inputs, so each input's gradient is that op's
rule; compiled once, run on hypothesis-seeded input values). Every compiled gradient
must have run natively (no fallback counted; tensor kernels have no fallback).
Tolerances: against torch in float64, rtol 1e-9 / atol 1e-12 (the same formulas,
summed in another order); against central differences (step 1e-6 relative),
rtol 1e-5 / atol 1e-6.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f64
from xdsl.ir import Block, Operation, Region, SSAValue

import graphlet
from graphlet import driver
from graphlet.dialects import graphlet as g
from graphlet.registry import make_context
from graphlet.transforms.graphlet_autodiff import GraphletAutodiffPass

torch = pytest.importorskip("torch")

TORCH = dict(rtol=1e-9, atol=1e-12)
FD = dict(rtol=1e-5, atol=1e-6)


def central_difference(f: Callable[..., float], args: tuple[float, ...], i: int) -> float:
    h = 1e-6 * max(1.0, abs(args[i]))
    up = list(args)
    down = list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


# --------------------------------------------------------------------------- scalar rules

Domain = tuple[float, float]
SCALAR_RULES: list[tuple[type[g.GraphletOp], Callable[..., object], tuple[Domain, ...]]] = [
    (g.AddOp, torch.add, ((-3, 3), (-3, 3))),
    (g.SubOp, torch.sub, ((-3, 3), (-3, 3))),
    (g.MulOp, torch.mul, ((-3, 3), (-3, 3))),
    (g.TrueDivOp, torch.div, ((-3, 3), (0.5, 3))),
    (g.PowOp, torch.pow, ((0.2, 3), (-2, 2))),
    (g.ModOp, torch.remainder, ((-5, 5), (0.5, 3))),
    (g.MinOp, torch.minimum, ((-3, 3), (-3, 3))),
    (g.MaxOp, torch.maximum, ((-3, 3), (-3, 3))),
    (g.NegOp, torch.neg, ((-3, 3),)),
    (g.AbsOp, torch.abs, ((-3, 3),)),
    (g.ExpOp, torch.exp, ((-3, 3),)),
    (g.LogOp, torch.log, ((0.1, 5),)),
    (g.SqrtOp, torch.sqrt, ((0.1, 5),)),
    (g.SinOp, torch.sin, ((-3, 3),)),
    (g.CosOp, torch.cos, ((-3, 3),)),
    (g.TanhOp, torch.tanh, ((-3, 3),)),
    (g.ReluOp, torch.relu, ((-3, 3),)),
    (g.FloorOp, torch.floor, ((-3, 3),)),
    (g.CeilOp, torch.ceil, ((-3, 3),)),
    (g.RoundEvenOp, torch.round, ((-3, 3),)),
    (g.TanOp, torch.tan, ((-1.2, 1.2),)),
    (g.AsinOp, torch.asin, ((-0.9, 0.9),)),
    (g.AcosOp, torch.acos, ((-0.9, 0.9),)),
    (g.AtanOp, torch.atan, ((-3, 3),)),
    (g.SinhOp, torch.sinh, ((-3, 3),)),
    (g.CoshOp, torch.cosh, ((-3, 3),)),
    (g.AsinhOp, torch.asinh, ((-3, 3),)),
    (g.AcoshOp, torch.acosh, ((1.1, 5),)),
    (g.AtanhOp, torch.atanh, ((-0.9, 0.9),)),
    (g.Log2Op, torch.log2, ((0.1, 5),)),
    (g.Log10Op, torch.log10, ((0.1, 5),)),
    (g.Log1pOp, torch.log1p, ((-0.9, 5),)),
    (g.Expm1Op, torch.expm1, ((-3, 3),)),
    (g.Exp2Op, torch.exp2, ((-3, 3),)),
    (g.CbrtOp, lambda x: x ** (1 / 3), ((0.1, 5),)),
    (g.ErfOp, torch.erf, ((-3, 3),)),
    (g.ErfcOp, torch.erfc, ((-3, 3),)),
    (g.Atan2Op, torch.atan2, ((-3, 3), (0.5, 3))),
    (g.FmodOp, torch.fmod, ((-5, 5), (0.5, 3))),
    (g.CopySignOp, torch.copysign, ((0.5, 3), (-3, 3))),
    (g.HypotOp, torch.hypot, ((-3, 3), (0.5, 3))),
]


def _symbol(op_class: type[g.GraphletOp]) -> str:
    """The test function's name (not libm's: `hypot` would clash with the call)."""
    return "d_" + op_class.name.removeprefix("graphlet.")


def _one_op_function(op_class: type[g.GraphletOp], arity: int) -> func.FuncOp:
    block = Block(arg_types=[f64] * arity)
    op = op_class(*block.args)  # type: ignore[call-arg]
    block.add_ops([op, func.ReturnOp(op.results[0])])
    return func.FuncOp.from_region(_symbol(op_class), [f64] * arity, [f64], Region(block))


@pytest.fixture(scope="module")
def scalar_gradient_module() -> ModuleOp:
    """One module with every scalar op's function and its gradient."""
    functions = [_one_op_function(op, len(domains)) for op, _, domains in SCALAR_RULES]
    module = ModuleOp(functions)
    for fn, (_, _, domains) in zip(functions, SCALAR_RULES):
        wrt = tuple(range(len(domains)))
        GraphletAutodiffPass(function=fn.sym_name.data, wrt=wrt).apply(make_context(), module)
    module.verify()
    return module


@pytest.fixture(scope="module")
def scalar_gradients(scalar_gradient_module):
    """The module of `scalar_gradient_module`, compiled once."""
    return driver.compile_native(scalar_gradient_module)


def _smooth_at(op: type[g.GraphletOp], args: tuple[float, ...]) -> bool:
    """Whether the op is differentiable at `args` with some room for the difference."""
    if op in (g.FloorOp, g.CeilOp):
        return abs(args[0] - round(args[0])) > 1e-3
    if op is g.RoundEvenOp:
        return abs(args[0] - math.floor(args[0]) - 0.5) > 1e-3
    if op in (g.ModOp, g.FmodOp):
        q = args[0] / args[1]
        return abs(q - round(q)) > 1e-3
    if op in (g.MinOp, g.MaxOp):
        return abs(args[0] - args[1]) > 1e-3
    if op in (g.AbsOp, g.ReluOp):
        return abs(args[0]) > 1e-3
    if op is g.CopySignOp:
        return abs(args[1]) > 1e-3
    return True


@pytest.mark.parametrize(
    "case", SCALAR_RULES, ids=[op.name.removeprefix("graphlet.") for op, _, _ in SCALAR_RULES]
)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_scalar_rule_matches_torch_and_finite_differences(case, data, scalar_gradients):
    op, reference, domains = case
    args = tuple(
        data.draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False)) for lo, hi in domains
    )
    name = _symbol(op)
    native = scalar_gradients[f"{name}_grad"]
    value, *grads = native(*args)
    forward = scalar_gradients[name]
    assert value == forward(*args)
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = reference(*tensors)
    out.backward()
    for i, t in enumerate(tensors):
        want = 0.0 if t.grad is None else t.grad.item()
        np.testing.assert_allclose(grads[i], want, **TORCH, err_msg=f"{name} by arg {i}")
        if _smooth_at(op, args):
            fd = central_difference(forward, args, i)
            np.testing.assert_allclose(grads[i], fd, **FD, err_msg=f"{name} by arg {i}")
    assert native.fallbacks == 0 and native.calls > 0


# --------------------------------------------------------------------------- edge points

EDGES = (0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan)
"""Where derivatives become infinite or undefined: PyTorch computes them in IEEE
floats (sqrt's at 0 is inf, atan2's at (0, 0) is 0), and so must the rules, while
the forward keeps Python's meaning."""


def _cbrt(x):
    """math.cbrt in torch (no torch.cbrt): a power of |x| with x's sign, by branch."""
    return x ** (1 / 3) if not x.item() < 0 else -((-x) ** (1 / 3))


EDGE_REFERENCES = {g.CbrtOp: _cbrt}


def _python_defined(op: type[g.GraphletOp], args: tuple[float, ...]) -> bool:
    """Whether CPython's forward gives a float here (else the gradient raises its error)."""
    try:
        return type(op.py_operation(*args)) is float
    except (ArithmeticError, ValueError):
        return False


def _same_float(got: float, want: float) -> bool:
    """Equal as IEEE values: NaN matches NaN, infinities and zeros keep their sign,
    finite values agree to `TORCH`'s tolerance."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if want == 0.0 or math.isinf(want):
        return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
    return math.isclose(got, want, rel_tol=TORCH["rtol"], abs_tol=TORCH["atol"])


@pytest.mark.parametrize(
    "case", SCALAR_RULES, ids=[op.name.removeprefix("graphlet.") for op, _, _ in SCALAR_RULES]
)
def test_scalar_rule_at_edge_points_is_torchs_ieee_answer(
    case, scalar_gradients, scalar_gradient_module
):
    """At 0, -0.0, +-1, +-inf and NaN (every combination, for two operands) where
    Python's forward is defined: the gradient is torch.autograd's in float64, inf and
    NaN included, natively and in the interpreter (the fallback's executor)."""
    from graphlet.runtime.interpreter import interpret

    op, reference, domains = case
    reference = EDGE_REFERENCES.get(op, reference)
    name = _symbol(op)
    native = scalar_gradients[f"{name}_grad"]
    before = native.fallbacks
    points = [a for a in itertools.product(EDGES, repeat=len(domains)) if _python_defined(op, a)]
    assert points
    for args in points:
        value, *grads = native(*args)
        assert _same_float(value, op.py_operation(*args)), (name, args, value)
        _, *interpreted = interpret(scalar_gradient_module, f"{name}_grad", args)
        tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        want = torch.autograd.grad(reference(*tensors), tensors, allow_unused=True)
        for i, t in enumerate(want):
            expected = 0.0 if t is None else t.item()
            assert _same_float(grads[i], expected), (name, args, i, grads[i], expected)
            assert _same_float(interpreted[i], expected), (name, args, i, interpreted[i])
    assert native.fallbacks == before


def _python_hypot(x, y):
    return math.hypot(x, y)


def test_math_hypot_gradient_at_edge_points_is_torch_hypots() -> None:
    """`graphlet.grad` of `math.hypot` (CPython's algorithm, compiled) at the finite
    and NaN edge points is torch.hypot's `x / result`: NaN at (0, 0) and wherever a
    coordinate is NaN. Zero gradients are compared by value: the algorithm's `abs`
    drops the sign torch's `-0.0 / r` keeps. (An infinite result keeps |x|'s
    derivative: see `intrinsics.hypot`.)"""
    vg = graphlet.value_and_grad(_python_hypot, argnums=(0, 1))
    finite = [e for e in EDGES if not math.isinf(e)]
    points = list(itertools.product(finite, repeat=2))
    for args in points:
        value, grads = vg(*args)
        assert _same_float(value, math.hypot(*args)), (args, value)
        tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        want = torch.autograd.grad(torch.hypot(*tensors), tensors)
        for i, t in enumerate(want):
            expected = t.item()
            same = grads[i] == expected == 0.0 or _same_float(grads[i], expected)
            assert same, (args, i, grads[i], expected)
    assert vg.native_calls == len(points)


# --------------------------------------------------------------------------- tensor rules


class _Builder:
    """A function over named tensor inputs whose loss is a weighted sum of terms."""

    def __init__(self, inputs: dict[str, np.ndarray]) -> None:
        self.names = list(inputs)
        self.arrays = inputs
        types = [TensorType(g.element_type_of_dtype(a.dtype), a.shape) for a in inputs.values()]
        self.block = Block(arg_types=types)
        self.args = dict(zip(self.names, self.block.args))
        self.loss: SSAValue | None = None
        self.rng = np.random.default_rng(7)
        self.weights: list[np.ndarray] = []

    def __call__(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def const(self, value: np.ndarray | float, dtype: type | np.dtype = np.float64) -> SSAValue:
        return self(g.ConstantOp.from_array(np.asarray(value, dtype)))

    def term(self, y: SSAValue) -> None:
        """loss += sum(y * r), r a fixed random weight of y's shape."""
        shape = g.shape_of(y.type)
        r = self.rng.uniform(0.5, 1.5, shape).astype(g.np_dtype(y.type))
        self.weights.append(r)
        weighted = self(g.MulOp(y, self.const(r, r.dtype)))
        total = self(g.SumOp(weighted, list(range(len(shape))))) if shape else weighted
        self.loss = total if self.loss is None else self(g.AddOp(self.loss, total))

    def module(self) -> ModuleOp:
        assert self.loss is not None
        self.block.add_op(func.ReturnOp(self.loss))
        types = [a.type for a in self.block.args]
        fn = func.FuncOp.from_region("loss", types, [self.loss.type], Region(self.block))
        return ModuleOp([fn])


def _tensor_cases(b: _Builder, t: dict[str, object]) -> list[object]:
    """Each op once in IR (through `b`) and in torch (on `t`): the torch terms."""
    a = b.args
    s = []

    def both(ir: SSAValue, ref: object) -> None:
        b.term(ir)
        s.append(ref)

    both(b(g.AddOp(a["x"], a["row"])), t["x"] + t["row"])
    both(b(g.SubOp(a["x2"], a["col"])), t["x2"] - t["col"])
    both(b(g.MulOp(a["x3"], a["row2"])), t["x3"] * t["row2"])
    both(b(g.TrueDivOp(a["x4"], a["pos_row"])), t["x4"] / t["pos_row"])
    both(b(g.MaxOp(a["m1"], a["m2"])), torch.maximum(t["m1"], t["m2"]))
    both(b(g.MinOp(a["m3"], a["m4"])), torch.minimum(t["m3"], t["m4"]))
    both(b(g.NegOp(a["u1"])), -t["u1"])
    both(b(g.ExpOp(a["u2"])), torch.exp(t["u2"]))
    both(b(g.LogOp(a["p1"])), torch.log(t["p1"]))
    both(b(g.SqrtOp(a["p2"])), torch.sqrt(t["p2"]))
    both(b(g.TanhOp(a["u3"])), torch.tanh(t["u3"]))
    both(b(g.SigmoidOp(a["u4"])), torch.sigmoid(t["u4"]))
    both(b(g.ReluOp(a["u5"])), torch.relu(t["u5"]))
    both(b(g.AbsOp(a["u6"])), torch.abs(t["u6"]))
    both(b(g.PowOp(a["p3"], b.const(3.0))), t["p3"] ** 3.0)
    both(b(g.MatmulOp(a["x5"], a["w"])), t["x5"] @ t["w"])
    both(b(g.MatmulOp(a["batch"], a["w2"])), t["batch"] @ t["w2"])
    both(b(g.MatmulOp(a["vec"], a["w3"])), t["vec"] @ t["w3"])
    both(b(g.MatmulOp(a["w4"], a["vec2"])), t["w4"] @ t["vec2"])
    both(
        b(g.LinearOp(a["x6"], a["lw"], a["lb"])),
        torch.nn.functional.linear(t["x6"], t["lw"], t["lb"]),
    )
    both(b(g.SumOp(a["r1"], [1])), t["r1"].sum(1))
    both(b(g.MeanOp(a["r2"], [0], keepdim=True)), t["r2"].mean(0, keepdim=True))
    both(b(g.AmaxOp(a["r3"], [1])), t["r3"].amax(1))
    both(b(g.TransposeOp(a["r4"], [1, 0])), t["r4"].permute(1, 0))
    both(b(g.ReshapeOp(a["r5"], [3, 2])), t["r5"].reshape(3, 2))
    both(b(g.ExpandOp(a["row3"], [4, 3])), t["row3"].expand(4, 3))
    both(b(g.SoftmaxOp(a["s1"], 1)), torch.softmax(t["s1"], 1))
    both(b(g.LogSoftmaxOp(a["s2"], 0)), torch.log_softmax(t["s2"], 0))
    both(b(g.GeluOp(a["s3"])), torch.nn.functional.gelu(t["s3"]))
    both(b(g.GeluOp(a["s4"], "tanh")), torch.nn.functional.gelu(t["s4"], approximate="tanh"))
    both(b(g.CatOp([a["c1"], a["c2"]], 0)), torch.cat([t["c1"], t["c2"]], 0))
    both(
        b(g.LayerNormOp(a["ln_x"], a["ln_w"], a["ln_b"], 1, 1e-5)),
        torch.nn.functional.layer_norm(t["ln_x"], (4,), t["ln_w"], t["ln_b"], 1e-5),
    )
    both(
        b(g.LayerNormOp(a["ln2_x"], a["ln2_w"], a["ln2_b"], 2, 1e-3)),
        torch.nn.functional.layer_norm(t["ln2_x"], (2, 3), t["ln2_w"], t["ln2_b"], 1e-3),
    )
    cond = b.const(np.array([[True, False, True], [False, True, True]]), np.bool_)
    both(
        b(g.SelectOp(cond, a["q1"], a["q2"])),
        torch.where(torch.tensor([[True, False, True], [False, True, True]]), t["q1"], t["q2"]),
    )
    return s


def _tensor_inputs(seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {
        "x": (2, 3), "row": (3,), "x2": (2, 3), "col": (2, 1), "x3": (2, 3), "row2": (1, 3),
        "x4": (2, 3), "m1": (2, 3), "m2": (2, 3), "m3": (2, 3), "m4": (2, 3),
        "u1": (2, 3), "u2": (2, 3), "u3": (2, 3), "u4": (2, 3), "u5": (2, 3), "u6": (2, 3),
        "x5": (2, 3), "w": (3, 4), "batch": (2, 2, 3), "w2": (3, 4), "vec": (3,), "w3": (3, 4),
        "w4": (4, 3), "vec2": (3,), "x6": (2, 3), "lw": (4, 3), "lb": (4,),
        "r1": (2, 3), "r2": (2, 3), "r3": (2, 3), "r4": (2, 3), "r5": (2, 3), "row3": (1, 3),
        "s1": (2, 3), "s2": (2, 3), "s3": (2, 3), "s4": (2, 3), "c1": (2, 3), "c2": (1, 3),
        "q1": (2, 3), "q2": (1, 3), "ln_x": (3, 4), "ln_w": (4,), "ln_b": (4,),
        "ln2_x": (2, 2, 3), "ln2_w": (2, 3), "ln2_b": (2, 3),
    }  # fmt: skip
    inputs = {name: rng.uniform(-2, 2, shape) for name, shape in shapes.items()}
    for name in ("pos_row", "p1", "p2", "p3"):
        inputs[name] = rng.uniform(0.5, 2, (3,) if name == "pos_row" else (2, 3))
    for name in ("u5", "u6"):  # away from relu's and abs's kink
        inputs[name] = np.where(np.abs(inputs[name]) < 0.1, 0.5, inputs[name])
    return inputs


@pytest.fixture(scope="module")
def tensor_gradient():
    """The weighted loss over every tensor op and its gradient, compiled once: the
    input values are the kernel's arguments, so each drawn example reuses it."""
    b = _Builder(_tensor_inputs())
    _tensor_cases(b, {n: torch.tensor(v) for n, v in b.arrays.items()})
    module = b.module()
    GraphletAutodiffPass(function="loss", wrt=tuple(range(len(b.names)))).apply(
        make_context(), module
    )
    return b.names, driver.compile_tensor_function(module, "loss_grad")


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_tensor_rules_match_torch_autograd(seed, tensor_gradient):
    names, kernel = tensor_gradient
    inputs = _tensor_inputs(seed)
    b = _Builder(inputs)  # the same terms and weights, for torch's side
    tensors = {n: torch.tensor(v, requires_grad=True) for n, v in inputs.items()}
    terms = _tensor_cases(b, tensors)
    value, *grads = kernel(*[inputs[n] for n in names])
    loss = sum(
        (term * torch.tensor(r)).sum()
        for term, r in zip(terms, b.weights)  # type: ignore[operator]
    )
    loss.backward()  # type: ignore[union-attr]
    np.testing.assert_allclose(value, loss.item(), rtol=1e-12)  # type: ignore[union-attr]
    for name, grad in zip(names, grads):
        want = tensors[name].grad
        assert want is not None, name
        assert grad.shape == tuple(want.shape), name
        np.testing.assert_allclose(grad, want.numpy(), **TORCH, err_msg=name)


def test_tensor_rule_matches_finite_differences(tensor_gradient):
    """A few entries of each input's gradient by central differences of the loss."""
    names, kernel = tensor_gradient
    inputs = _tensor_inputs(11)
    _, *grads = kernel(*[inputs[n] for n in names])
    rng = np.random.default_rng(0)
    for k, name in enumerate(names):
        for _ in range(2):
            index = tuple(int(rng.integers(0, n)) for n in inputs[name].shape)
            h = 1e-6
            up = [v.copy() for v in (inputs[n] for n in names)]
            down = [v.copy() for v in up]
            up[k][index] += h
            down[k][index] -= h
            fd = (kernel(*up)[0] - kernel(*down)[0]) / (2 * h)
            np.testing.assert_allclose(grads[k][index], fd, **FD, err_msg=f"{name}{index}")


def test_tensor_rules_in_float32():
    """f32 gradients stay f32 (tolerance rtol 1e-5 / atol 1e-6 against torch's f32)."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (4, 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 2)).astype(np.float32)
    bias = rng.uniform(-1, 1, (2,)).astype(np.float32)

    def f(x, w, bias):
        return np.mean(np.tanh(x @ w + bias) ** 2)

    value, (gw, gb) = graphlet.value_and_grad(f, argnums=(1, 2))(x, w, bias)
    tw, tb = (torch.tensor(v, requires_grad=True) for v in (w, bias))
    out = (torch.tanh(torch.tensor(x) @ tw + tb) ** 2).mean()
    out.backward()
    assert gw.dtype == np.float32 and gb.dtype == np.float32
    np.testing.assert_allclose(value, out.item(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_the_pass_refuses_an_argument_named_twice():
    from xdsl.utils.exceptions import DiagnosticException

    module = ModuleOp([_one_op_function(g.MulOp, 2)])
    with pytest.raises(DiagnosticException, match=r"wrt names an argument twice: \[0, 0\]"):
        GraphletAutodiffPass(wrt=(0, 0)).apply(make_context(), module)


def test_a_loop_in_one_block_gets_forward_mode():
    """A block branching to itself is not straight-line: tangents, not a reverse sweep."""
    from xdsl.dialects import cf

    block = Block(arg_types=[f64])
    loop = Block(arg_types=[f64])
    done = Block()
    x = block.args[0]
    block.add_op(cf.BranchOp(loop, x))
    y = g.MulOp(loop.args[0], x)
    below = g.CmpOp("lt", y.result, g.ConstantOp.from_value(100.0).result)
    const = below.rhs.owner
    loop.add_ops(
        [y, const, below, cf.ConditionalBranchOp(below.result, loop, [y.result], done, [])]
    )
    done.add_op(func.ReturnOp(y.result))
    fn = func.FuncOp.from_region("power_past", [f64], [f64], Region([block, loop, done]))
    module = ModuleOp([fn])
    GraphletAutodiffPass().apply(make_context(), module)
    module.verify()
    native = driver.compile_native(module)["power_past_grad"]
    value, grad = native(3.0)  # 3 ** 5 = 243: d/dx x ** 5 = 5 x ** 4
    assert value == 243.0 and grad == 5 * 3.0**4 and native.fallbacks == 0


SCF_WHILE = """
func.func @grow(%x: f64) -> f64 {
  %limit = graphlet.constant 1.000000e+02 : f64
  %r = scf.while (%s = %x) : (f64) -> f64 {
    %c = graphlet.cmp lt, %s, %limit : f64
    scf.condition(%c) %s : f64
  } do {
  ^bb0(%t: f64):
    %n = graphlet.mul %t, %x : f64
    scf.yield %n : f64
  }
  func.return %r : f64
}
"""


def test_an_scf_while_loop_is_differentiated_natively():
    from xdsl.parser import Parser

    ctx = make_context()
    module = Parser(ctx, SCF_WHILE).parse_module()
    GraphletAutodiffPass().apply(ctx, module)
    module.verify()
    native = driver.compile_native(module)["grow_grad"]
    for x in (3.0, 1.5, 7.0):
        k = 1
        while x**k < 100:
            k += 1
        value, grad = native(x)
        np.testing.assert_allclose(value, x**k, rtol=1e-15)
        np.testing.assert_allclose(grad, k * x ** (k - 1), rtol=1e-14)
    assert native.fallbacks == 0
