"""`graphlet.grad` / `graphlet.value_and_grad` on Python functions of floats (loops
and branches included) and of NumPy arrays, against PyTorch's autograd and central
finite differences; every gradient must have run natively.

Tolerances: against torch (float64), rtol 1e-9 / atol 1e-12 (random programs:
atol 1e-9, their gradients sum many terms); against central differences (step 1e-6
relative), rtol 1e-5 / atol 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphlet

torch = pytest.importorskip("torch")

TORCH = dict(rtol=1e-9, atol=1e-12)
FD = dict(rtol=1e-5, atol=1e-6)


def central_difference(f, args, i):
    h = 1e-6 * max(1.0, abs(args[i]))
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def torch_grads(f, args, argnums):
    tensors = [
        torch.tensor(a, dtype=torch.float64, requires_grad=i in argnums)
        if isinstance(a, float)
        else a
        for i, a in enumerate(args)
    ]
    out = f(*tensors)
    out.backward()
    return out.item(), [tensors[i].grad.item() for i in argnums]


# --------------------------------------------------------------------------- floats


def straight(x, y):
    return x * y + math.sin(x) / y - math.exp(-x * x) * math.log(y)


def straight_t(x, y):
    return x * y + torch.sin(x) / y - torch.exp(-x * x) * torch.log(y)


def horner(x, n):
    s = 0.0
    for i in range(n):
        s = s * x + (i + 1)
    return s


def horner_t(x, n):
    s = torch.zeros((), dtype=torch.float64)
    for i in range(n):
        s = s * x + (i + 1)
    return s


def piecewise(x, y):
    if x > 1.0:
        return x * x * y
    if x > 0.0:
        return math.exp(x) * y
    return -0.5 * x + math.tanh(y)


def piecewise_t(x, y):
    if x.item() > 1.0:
        return x * x * y
    if x.item() > 0.0:
        return torch.exp(x) * y
    return -0.5 * x + torch.tanh(y)


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-13 * a:
        x = 0.5 * (x + a / x)
    return x


def newton_sqrt_t(a):
    x = a
    while abs((x * x - a).item()) > 1e-13 * a.item():
        x = 0.5 * (x + a / x)
    return x


def extremes(x, y):
    return max(x, y) ** 2 + math.tanh(x - y) * min(x, 0.5 * y)


def extremes_t(x, y):
    return torch.maximum(x, y) ** 2 + torch.tanh(x - y) * torch.minimum(x, 0.5 * y)


FLOAT_CASES = [
    (straight, straight_t, (0.7, 1.3), (0, 1)),
    (straight, straight_t, (-1.2, 2.5), (1,)),
    (horner, horner_t, (0.9, 6), (0,)),
    (piecewise, piecewise_t, (1.5, 0.3), (0, 1)),
    (piecewise, piecewise_t, (0.4, 0.3), (0, 1)),
    (piecewise, piecewise_t, (-2.0, 0.3), (0, 1)),
    (newton_sqrt, newton_sqrt_t, (2.0,), (0,)),
    (extremes, extremes_t, (0.3, 1.1), (0, 1)),
    (extremes, extremes_t, (1.7, -0.4), (0, 1)),
]


@pytest.mark.parametrize(
    "f, f_torch, args, argnums",
    FLOAT_CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(FLOAT_CASES)],
)
def test_float_gradients_match_torch_and_finite_differences(f, f_torch, args, argnums):
    vg = graphlet.value_and_grad(f, argnums=argnums)
    value, grads = vg(*args)
    assert value == f(*args)
    want_value, want = torch_grads(f_torch, args, argnums)
    np.testing.assert_allclose(value, want_value, **TORCH)
    np.testing.assert_allclose(grads, want, **TORCH)
    for i, got in zip(argnums, grads):
        np.testing.assert_allclose(got, central_difference(f, args, i), **FD)
    assert vg.native_calls == 1


def test_grad_of_one_argument_is_a_float_and_reuses_the_compile():
    dfdx = graphlet.grad(horner)
    assert isinstance(dfdx(0.5, 4), float)
    for x in (0.1, -0.3, 2.0):
        np.testing.assert_allclose(dfdx(x, 4), central_difference(horner, (x, 4), 0), **FD)
    assert len(dfdx.versions) == 1 and dfdx.native_calls == 4


def test_grad_composes_with_jit():
    jitted = graphlet.jit(straight)
    assert jitted(0.7, 1.3) == straight(0.7, 1.3)
    value, grad = graphlet.value_and_grad(jitted)(0.7, 1.3)
    assert value == straight(0.7, 1.3)
    np.testing.assert_allclose(grad, torch_grads(straight_t, (0.7, 1.3), (0,))[1][0], **TORCH)


def test_grad_by_an_int_argument_is_a_type_error():
    with pytest.raises(
        TypeError, match="argument 1 of horner is int 4: gradients are taken by float"
    ):
        graphlet.grad(horner, argnums=1)(0.5, 4)


def to_int(x):
    return int(x * 2.0)


def test_grad_of_an_int_result_is_an_error():
    with pytest.raises(
        graphlet.AutodiffError, match="to_int returns int: the gradient needs a float"
    ):
        graphlet.grad(to_int)(1.5)


def square(x):
    return x * x


def calls_another(x):
    return square(x) + 1.0


def test_grad_through_calls_inlines_them():
    dfdx = graphlet.grad(calls_another)
    np.testing.assert_allclose(dfdx(1.5), 3.0, **TORCH)
    assert dfdx.native_calls == 1


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def test_grad_through_recursion_names_the_call():
    with pytest.raises(graphlet.AutodiffError, match=r"test_grad\.py:\d+:\d+: error: 'func\.call'"):
        graphlet.grad(power)(1.5, 3)


def test_a_raising_function_raises_pythons_error():
    def reciprocal(x):
        return 1.0 / x

    dfdx = graphlet.grad(reciprocal)
    np.testing.assert_allclose(dfdx(2.0), -0.25, **TORCH)
    with pytest.raises(ZeroDivisionError):
        dfdx(0.0)


INFINITE_SLOPES = [
    (lambda x: math.sqrt(x), torch.sqrt, (0.0,)),
    (lambda x: math.sqrt(x), torch.sqrt, (-0.0,)),
    (lambda x: x**0.5, lambda x: x**0.5, (0.0,)),
    (lambda x: x**-1.0, lambda x: x**-1.0, (math.inf,)),
    (lambda x: math.asin(x), torch.asin, (1.0,)),
    (lambda x: math.acos(x), torch.acos, (-1.0,)),
    (lambda x: math.acosh(x), torch.acosh, (1.0,)),
    (lambda x: math.cbrt(x), lambda x: x ** (1 / 3), (0.0,)),
    (lambda y, x: math.atan2(y, x), torch.atan2, (0.0, 0.0)),
    (lambda x, y: x**y, torch.pow, (0.0, 0.0)),
    (lambda x, y: x % y, torch.remainder, (1.0, 0.1)),
    (lambda x: math.log(x) * 0.0 + x, lambda x: torch.log(x) * 0.0 + x, (math.inf,)),
]


@pytest.mark.parametrize("f, f_torch, args", INFINITE_SLOPES)
def test_infinite_and_undefined_slopes_are_torchs_ieee_answer(f, f_torch, args):
    """Where Python's forward is fine but the slope is infinite or undefined, the
    gradient is torch.autograd's in float64 (inf, NaN), not an ArithmeticError."""
    argnums = tuple(range(len(args)))
    dfdx = graphlet.grad(f, argnums=argnums)
    got = dfdx(*args)
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    want = torch.autograd.grad(f_torch(*tensors), tensors)
    for g_, w in zip(got, want):
        np.testing.assert_array_equal(g_, w.item())
        assert math.copysign(1.0, g_) == math.copysign(1.0, w.item())
    assert dfdx.native_calls == 1


def test_a_derivative_where_the_forward_raises_raises_pythons_error():
    with pytest.raises(ValueError, match="math domain error"):
        graphlet.grad(lambda x: math.log(x))(0.0)
    with pytest.raises(ValueError, match="math domain error"):
        graphlet.grad(lambda x: math.asin(x))(1.5)
    with pytest.raises(TypeError, match="differentiates Python functions"):
        graphlet.grad(math.sqrt)


# --------------------------------------------------------------------------- arrays


def mlp_loss(x, w1, b1, w2):
    h = np.tanh(x @ w1 + b1)
    return np.mean((h @ w2) ** 2)


def mlp_loss_t(x, w1, b1, w2):
    h = torch.tanh(x @ w1 + b1)
    return ((h @ w2) ** 2).mean()


def cross_entropy(x, w, onehot):
    logits = x @ w
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * onehot, axis=1))


def cross_entropy_t(x, w, onehot):
    return -(torch.log_softmax(x @ w, dim=1) * onehot).sum(1).mean()


def relu_net(x, w):
    return np.sum(np.maximum(x @ w, 0.0) * np.sqrt(np.abs(w).sum()))


def relu_net_t(x, w):
    return (torch.relu(x @ w) * torch.sqrt(w.abs().sum())).sum()


def _arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s) for s in shapes]


ARRAY_CASES = [
    (mlp_loss, mlp_loss_t, _arrays(0, (8, 4), (4, 5), (5,), (5, 3)), (1, 2, 3)),
    (mlp_loss, mlp_loss_t, _arrays(1, (8, 4), (4, 5), (5,), (5, 3)), (0,)),
    (
        cross_entropy,
        cross_entropy_t,
        [*_arrays(2, (6, 4), (4, 3)), np.eye(3)[[0, 2, 1, 1, 0, 2]]],
        (0, 1),
    ),
    (relu_net, relu_net_t, _arrays(3, (5, 4), (4, 6)), (0, 1)),
]


@pytest.mark.parametrize(
    "f, f_torch, args, argnums",
    ARRAY_CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(ARRAY_CASES)],
)
def test_array_gradients_match_torch(f, f_torch, args, argnums):
    vg = graphlet.value_and_grad(f, argnums=argnums)
    value, grads = vg(*args)
    tensors = [torch.tensor(a, requires_grad=i in argnums) for i, a in enumerate(args)]
    out = f_torch(*tensors)
    out.backward()
    np.testing.assert_allclose(value, out.item(), **TORCH)
    for i, got in zip(argnums, grads):
        assert got.shape == args[i].shape and got.dtype == args[i].dtype
        np.testing.assert_allclose(got, tensors[i].grad.numpy(), **TORCH)
    assert vg.native_calls == 1


def test_array_gradient_matches_finite_differences():
    x, w1, b1, w2 = _arrays(4, (3, 2), (2, 4), (4,), (4, 1))
    gw1 = graphlet.grad(mlp_loss, argnums=1)(x, w1, b1, w2)
    for index in [(0, 0), (1, 3), (0, 2)]:
        h = 1e-6
        up, down = w1.copy(), w1.copy()
        up[index] += h
        down[index] -= h
        fd = (mlp_loss(x, up, b1, w2) - mlp_loss(x, down, b1, w2)) / (2 * h)
        np.testing.assert_allclose(gw1[index], fd, **FD)


def test_array_gradient_needs_a_scalar():
    with pytest.raises(graphlet.AutodiffError, match="the gradient needs a float scalar"):
        graphlet.grad(lambda x: np.tanh(x))(np.ones(3))


def test_array_gradient_by_an_int_array_is_a_type_error():
    with pytest.raises(TypeError, match="argument 0 of .* is int64"):
        graphlet.grad(lambda x: np.sum(x * 2.0))(np.arange(3))


def through_a_list(x):
    pair = [x, 2.0 * x]
    return pair[0] * pair[1]


def test_a_value_stored_in_a_list_is_an_error_not_a_wrong_gradient():
    with pytest.raises(graphlet.AutodiffError, match=r"test_grad\.py:\d+:\d+: error: 'pylist\."):
        graphlet.grad(through_a_list)(1.5)


def test_tuples_carry_gradients():
    def pick(x, y):
        pair = (x * y, x + y)
        return pair[0] - pair[1]

    np.testing.assert_allclose(graphlet.grad(pick, argnums=(0, 1))(1.5, 0.5), (-0.5, 0.5), **TORCH)


def running_total(x):
    return np.sum(np.cumsum(x))


def test_an_array_op_without_a_rule_names_its_line():
    with pytest.raises(
        graphlet.AutodiffError,
        match=r"test_grad\.py:\d+:0: error: 'graphlet\.cumsum': has no derivative rule",
    ):
        graphlet.grad(running_total)(np.ones(3))


SCALE = 2.0


def scaled(x):
    return SCALE * x * x


def test_a_changed_global_compiles_again():
    global SCALE
    dfdx = graphlet.grad(scaled)
    assert dfdx(1.5) == 6.0
    SCALE = 3.0
    try:
        assert dfdx(1.5) == 9.0
    finally:
        SCALE = 2.0


# --------------------------------------------------------------------------- random programs

UNARY = {
    "math.sin": "torch.sin",
    "math.cos": "torch.cos",
    "math.tanh": "torch.tanh",
    "math.exp": "torch.exp",
}
BINARY = ("+", "-", "*")


def _expression(draw, depth):
    """Python source over x and y, and the same expression in torch."""
    choice = draw(st.integers(0, 3 if depth > 0 else 1))
    if choice == 0:
        name = draw(st.sampled_from(["x", "y"]))
        return name, name
    if choice == 1:
        c = draw(st.sampled_from([0.5, 1.5, 2.0, -0.75]))
        return repr(c), repr(c)
    if choice == 2:
        fn = draw(st.sampled_from(sorted(UNARY)))
        py, pt = _expression(draw, depth - 1)
        torch_arg = f"torch.as_tensor(0.5 * ({pt}), dtype=torch.float64)"
        return f"{fn}(0.5 * ({py}))", f"{UNARY[fn]}({torch_arg})"
    op = draw(st.sampled_from(BINARY))
    a_py, a_pt = _expression(draw, depth - 1)
    b_py, b_pt = _expression(draw, depth - 1)
    return f"({a_py} {op} {b_py})", f"({a_pt} {op} {b_pt})"


@st.composite
def programs(draw):
    py, pt = _expression(draw, 4)
    loop = draw(st.booleans())
    body = f"s = s * 0.5 + {py}" if loop else f"s = {py}"
    torch_body = f"s = s * 0.5 + {pt}" if loop else f"s = {pt}"
    header = "    for _ in range(3):\n        " if loop else "    "
    source = f"def f(x, y):\n    s = 0.0\n{header}{body}\n    return s + x * y\n"
    torch_source = (
        f"def f(x, y):\n    s = torch.zeros((), dtype=torch.float64)\n{header}{torch_body}\n"
        "    return s + x * y\n"
    )
    return source, torch_source


@settings(max_examples=8, deadline=None)
@given(program=programs(), x=st.floats(-2, 2), y=st.floats(-2, 2))
def test_random_programs_match_torch(program, x, y):
    source, torch_source = program
    scope: dict = {"math": math}
    exec(compile(source, "<generated>", "exec"), scope)
    torch_scope: dict = {"torch": torch}
    exec(compile(torch_source, "<generated-torch>", "exec"), torch_scope)
    vg = graphlet.value_and_grad(scope["f"], argnums=(0, 1))
    value, grads = vg(x, y)
    want_value, want = torch_grads(torch_scope["f"], (x, y), (0, 1))
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-12, err_msg=source)
    np.testing.assert_allclose(grads, want, rtol=1e-9, atol=1e-9, err_msg=source)
    assert vg.native_calls == 1
