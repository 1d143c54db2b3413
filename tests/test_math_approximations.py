"""The vectorised math of `expand-math-approximations`, against exact references.

Each function runs natively on a sweep (dense over its interesting range, tiny and
huge magnitudes, random bit patterns, thresholds, special values) in a tensor
kernel whose LLVM IR calls no libm function. Errors are in ulps of the exact
result: f32 against float64 NumPy (itself within 2^-29 f32 ulps), f64 against
x86 long double NumPy (64-bit mantissa), erf against math.erf (f32) and mpmath
(f64). The bounds are the measured maxima of docs/tensor-lowering.md rounded up
a little: the test fails if an approximation regresses. Special values
(+-0, +-inf, NaN, overflow and underflow) must be exact, and the sign of zero too.
Then the same functions against PyTorch's own CPU kernels, and the scalar path:
`@graphlet.jit` code keeps calling libm, bit for bit CPython's `math` module,
on inputs where the approximation and libm differ.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from xdsl.dialects import func, tensor
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import ModuleOp, TensorType, f32, f64
from xdsl.ir import Block, Region

import graphlet
from graphlet.backend.llvm_ir import translate_module
from graphlet.driver import compile_tensor_function
from graphlet.lowering.graphlet_to_linalg.common import PARALLEL, generic, indexing_map
from graphlet.lowering.graphlet_to_linalg.elementwise import _sigmoid
from graphlet.lowering.lower_tensors_to_llvm import lower_tensors_to_llvm_passes
from graphlet.registry import make_context

FUNCTIONS = {
    "exp": xmath.ExpOp,
    "expm1": xmath.ExpM1Op,
    "log": xmath.LogOp,
    "log1p": xmath.Log1pOp,
    "tanh": xmath.TanhOp,
    "erf": xmath.ErfOp,
    "sigmoid": None,
}
"""The math ops expanded, and sigmoid (1 / (1 + exp(-x)), as graphlet lowers it)."""

MAX_ULPS = {
    ("exp", np.float32): 0.85,
    ("exp", np.float64): 0.85,
    ("expm1", np.float32): 1.0,
    ("expm1", np.float64): 0.95,
    ("log", np.float32): 0.9,
    ("log", np.float64): 0.85,
    ("log1p", np.float32): 0.85,
    ("log1p", np.float64): 0.85,
    ("tanh", np.float32): 0.95,
    ("tanh", np.float64): 0.9,
    ("erf", np.float32): 0.97,
    ("erf", np.float64): 1.0,
    ("sigmoid", np.float32): 2.4,
    ("sigmoid", np.float64): 2.1,
}
"""Max error against the exact result, in ulps (sigmoid: its three roundings, as in
PyTorch's own kernel; exact below where exp(-x) overflows, see `sweep`)."""

DTYPES = {np.float32: f32, np.float64: f64}
SPAN = {
    "exp": {np.float32: (-110.0, 92.0), np.float64: (-750.0, 712.0)},
    "expm1": {np.float32: (-40.0, 92.0), np.float64: (-60.0, 712.0)},
    "log": {np.float32: (0.0, 4.0), np.float64: (0.0, 4.0)},
    "log1p": {np.float32: (-1.0, 4.0), np.float64: (-1.0, 4.0)},
    "tanh": {np.float32: (-12.0, 12.0), np.float64: (-22.0, 22.0)},
    "erf": {np.float32: (-7.0, 7.0), np.float64: (-7.0, 7.0)},
    "sigmoid": {np.float32: (-88.0, 30.0), np.float64: (-700.0, 50.0)},
}
"""Where each function is not constant in the type (sigmoid: above where exp(-x)
overflows, below which 1 / (1 + inf) flushes to 0, as in PyTorch)."""


def special_values(dtype: type) -> list[float]:
    info = np.finfo(dtype)
    return [
        0.0,
        -0.0,
        math.inf,
        -math.inf,
        math.nan,
        1.0,
        -1.0,
        float(info.max),
        -float(info.max),
        float(info.smallest_normal),
        float(info.smallest_subnormal),
        -float(info.smallest_subnormal),
        # exp: the last finite result and the first inf, the last nonzero and the first 0
        *(
            (88.72283172607421875, 88.72283935546875, -103.97207641601562, -103.97208404541016)
            if dtype == np.float32
            else (709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412)
        ),
    ]


def sweep(name: str, dtype: type, n: int = 200_000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo, hi = SPAN[name][dtype]
    info = np.finfo(dtype)
    bits = rng.integers(0, 1 << (8 * np.dtype(dtype).itemsize), n, dtype=np.uint64)
    random = (
        bits.astype(np.uint32).view(np.float32) if dtype == np.float32 else bits.view(np.float64)
    )
    parts = [
        np.linspace(lo, hi, n),
        np.geomspace(float(info.smallest_subnormal), 10.0, n // 4),
        -np.geomspace(float(info.smallest_subnormal), 10.0, n // 4),
        random[np.isfinite(random)],
    ]
    if name in ("log", "log1p"):
        parts += [
            np.geomspace(1e-30, float(info.max) / 4, n // 4),
            -1 + np.geomspace(1e-30, 1.0, n // 4),
        ]
    if name == "sigmoid":
        parts = [p[p > lo] for p in parts]
    return np.concatenate([*parts, special_values(dtype)]).astype(dtype)


def reference(name: str, x: np.ndarray) -> np.ndarray:
    """The exact result, in float64 (for f32) or long double (for f64)."""
    if x.dtype == np.float32:
        wide = x.astype(np.float64)
        if name == "erf":
            return np.array([math.erf(v) for v in wide])
    else:
        wide = x.astype(np.longdouble)
        if name == "erf":
            mpmath = pytest.importorskip("mpmath", reason="mpmath (dev extra) gives exact erf")
            mpmath.mp.prec = 80
            exact = [np.longdouble(mpmath.nstr(mpmath.erf(float(v)), 25)) for v in x]
            return np.where(x == 0, wide, np.array(exact, np.longdouble))  # mpmath has no -0
    with np.errstate(all="ignore"):
        if name == "sigmoid":
            return 1 / (1 + np.exp(-wide))
        return getattr(np, name)(wide)


def ulp_errors(got: np.ndarray, exact: np.ndarray, dtype: type) -> np.ndarray:
    """|got - exact| in units of the last place of `exact` in `dtype` (denormal
    spacing below the normal range)."""
    info = np.finfo(dtype)
    exact = exact.astype(np.longdouble)
    _, exponent = np.frexp(exact)
    exponent = np.maximum(exponent, info.minexp + 1)
    ulp = np.ldexp(np.longdouble(1), (exponent - 1 - info.nmant).astype(np.int32))
    return np.abs(got.astype(np.longdouble) - exact) / ulp


def kernel_module(names: list[str], elem, size: int) -> ModuleOp:
    """One function applying each named function to its own input."""
    t = TensorType(elem, [size])
    block = Block(arg_types=[t] * len(names))
    results = []
    for name, x in zip(names, block.args):
        empty = tensor.EmptyOp([], t)
        op = FUNCTIONS[name]
        body = (lambda b, a: _sigmoid(b, a[0])) if op is None else (lambda e, a, op=op: e(op(a[0])))
        g = generic([x], empty.tensor, [indexing_map(1, [0])] * 2, [PARALLEL], body)
        block.add_ops([empty, g])
        results.append(g.results[0])
    block.add_op(func.ReturnOp(*results))
    fn = func.FuncOp.from_region("k", [t] * len(names), [t] * len(names), Region(block))
    return ModuleOp([fn])


def run(names: list[str], inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The functions over padded copies of the inputs, natively, in one kernel."""
    size = max(x.size for x in inputs)
    dtype = inputs[0].dtype.type
    padded = [np.resize(x, size) for x in inputs]
    kernel = compile_tensor_function(kernel_module(names, DTYPES[dtype], size), "k")
    return [out[: x.size] for out, x in zip(kernel(*padded), inputs)]


@pytest.fixture(scope="module", params=[np.float32, np.float64], ids=["f32", "f64"])
def results(request):
    dtype = request.param
    names = list(FUNCTIONS)
    inputs = [sweep(name, dtype) for name in names]
    if dtype == np.float64:
        inputs[names.index("erf")] = inputs[names.index("erf")][::25].copy()
    return dtype, dict(zip(names, zip(inputs, run(names, inputs))))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_within_the_stated_ulps_of_the_exact_result(results, name):
    dtype, by_name = results
    x, got = by_name[name]
    exact = reference(name, x)
    with np.errstate(all="ignore"):
        rounded = exact.astype(dtype)
    finite = np.isfinite(rounded) & np.isfinite(x)
    errors = ulp_errors(got[finite], exact[finite], dtype)
    worst = int(errors.argmax())
    assert errors.max() <= MAX_ULPS[name, dtype], (x[finite][worst], got[finite][worst])
    # Where the rounded result is inf or NaN (overflow, poles, NaN inputs, the domain)
    # or 0, the answer is exact, with the sign of zero.
    exactly = ~finite | (rounded == 0)
    same = (got[exactly] == rounded[exactly]) | (
        np.isnan(got[exactly]) & np.isnan(rounded[exactly])
    )
    assert same.all(), (x[exactly][~same][:5], got[exactly][~same][:5])
    zeros = exactly & (rounded == 0)
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(rounded[zeros]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_special_values_are_exact(dtype):
    """Wherever the exact result is representable (exp(0) = 1, log(1) = 0,
    tanh(inf) = 1, ...) or not finite, that is the answer, sign of zero included."""
    names = list(FUNCTIONS)
    x = np.array(special_values(dtype), dtype)
    for name, got in zip(names, run(names, [x] * len(names))):
        exact = reference(name, x)
        with np.errstate(all="ignore"):
            rounded = exact.astype(dtype)
        representable = ~np.isfinite(rounded) | (rounded.astype(exact.dtype) == exact)
        if name == "sigmoid":
            representable &= x > SPAN["sigmoid"][dtype][0]
        want, have = rounded[representable], got[representable]
        assert ((have == want) | (np.isnan(have) & np.isnan(want))).all(), (name, x, got)
        np.testing.assert_array_equal(np.signbit(have[want == 0]), np.signbit(want[want == 0]))


def test_kernels_call_no_libm_function():
    """Every expanded function is arithmetic in the LLVM IR: no libm call, no
    llvm.exp/llvm.log intrinsic (which LLVM turns into a libm call per element)."""
    module = kernel_module([n for n in FUNCTIONS if n != "sigmoid"] + ["sigmoid"], f32, 64)
    ctx = make_context()
    for lowering in lower_tensors_to_llvm_passes():
        lowering.apply(ctx, module)
    ir = str(translate_module(module))
    calls = set(re.findall(r"call [^@]*@\"?([\w.]+)", ir))
    libm = {c for c in calls if not c.startswith("llvm.") and c not in ("aligned_alloc", "free")}
    scalarised = {c for c in calls if re.match(r"llvm\.(exp|log|pow|sin|cos|tan|erf)", c)}
    assert "llvm.fma.f32" in calls and not libm and not scalarised, calls


TORCH_MAX_ULPS = {name: 1 for name in FUNCTIONS} | {"sigmoid": 4}
"""Max distance from PyTorch's CPU result (SLEEF's vectorised functions, within
about an ulp of the exact result themselves), in ulps: neighbours at most, except
sigmoid, whose three roundings (exp, 1 + e, the division) go their own ways."""


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_close_to_pytorch(results, name):
    torch = pytest.importorskip("torch")
    dtype, by_name = results
    x, got = by_name[name]
    torch.set_num_threads(1)
    theirs = getattr(torch, name)(torch.from_numpy(x)).numpy()
    both = np.isfinite(theirs) & np.isfinite(got)
    assert ulp_errors(got[both], theirs[both], dtype).max() <= TORCH_MAX_ULPS[name]
    same = (np.isfinite(theirs) == np.isfinite(got)) & (np.isnan(theirs) == np.isnan(got))
    assert same.all(), (x[~same][:5], got[~same][:5], theirs[~same][:5])


@pytest.mark.parametrize("name", ["exp", "log", "tanh"])
def test_scalar_jit_code_keeps_libm(name):
    """The approximation differs from libm in the last bit on some inputs; on
    exactly those, `@graphlet.jit` code gives CPython's `math` result, natively."""
    x = sweep(name, np.float64, n=20_000)
    x = x[np.isfinite(x) & ((x > 0) if name == "log" else np.abs(x) < 700)]
    (vectorised,) = run([name], [x])
    libm = np.array([getattr(math, name)(v) for v in x])
    differ = x[vectorised != libm]
    assert differ.size > 0, "the sweep must separate the approximation from libm"
    namespace = {"math": math}
    exec(f"def f(x):\n    return math.{name}(x)\n", namespace)
    jitted = graphlet.jit(namespace["f"])
    got = [jitted(float(v)) for v in differ]
    assert jitted.version_for(1.0).native is not None
    assert jitted.version_for(1.0).calls == differ.size
    assert got == [getattr(math, name)(float(v)) for v in differ]
