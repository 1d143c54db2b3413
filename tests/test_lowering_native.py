"""func/arith/math/scf/cf -> `lower-std-to-llvm` -> LLVM -> native code, called through
ctypes and the C interface, compared with independent references: Python's
integers wrapped to two's complement, Python floats (IEEE double), NumPy float32,
`math`, and exact rational arithmetic."""

from __future__ import annotations

import ctypes
import math
import os
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from graphlet.backend.jit import JitEngine, decode_slot
from graphlet.lowering.lower_to_llvm import LowerStdToLLVMPass
from graphlet.registry import make_context

FAST = settings(max_examples=40, deadline=None)


def lower(source: str) -> ModuleOp:
    ctx = make_context()
    module = Parser(ctx, source).parse_module()
    LowerStdToLLVMPass().apply(ctx, module)
    module.verify()
    return module


def compile_source(source: str, opt_level: int = 2) -> JitEngine:
    return JitEngine.from_module(lower(source), opt_level=opt_level)


# ---------------------------------------------------------------- integers

WIDTHS = (8, 32, 64)
C_INT = {
    1: ctypes.c_bool,
    8: ctypes.c_int8,
    16: ctypes.c_int16,
    32: ctypes.c_int32,
    64: ctypes.c_int64,
}


def wrap(value: int, width: int) -> int:
    """Two's complement: the signed value of the low `width` bits."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def unsigned(value: int, width: int) -> int:
    return value & ((1 << width) - 1)


def trunc_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


def _signed_div_defined(a: int, b: int, w: int) -> bool:
    return b != 0 and not (a == -(1 << (w - 1)) and b == -1)


# op -> (reference on signed Python ints and width, precondition)
INTEGER_OPS = {
    "addi": (lambda a, b, w: wrap(a + b, w), None),
    "subi": (lambda a, b, w: wrap(a - b, w), None),
    "muli": (lambda a, b, w: wrap(a * b, w), None),
    "divsi": (lambda a, b, w: wrap(trunc_div(a, b), w), _signed_div_defined),
    "divui": (lambda a, b, w: wrap(unsigned(a, w) // unsigned(b, w), w), lambda a, b, w: b != 0),
    "remsi": (lambda a, b, w: wrap(a - b * trunc_div(a, b), w), _signed_div_defined),
    "remui": (lambda a, b, w: wrap(unsigned(a, w) % unsigned(b, w), w), lambda a, b, w: b != 0),
    "andi": (lambda a, b, w: wrap(a & b, w), None),
    "ori": (lambda a, b, w: wrap(a | b, w), None),
    "xori": (lambda a, b, w: wrap(a ^ b, w), None),
    "shli": (lambda a, b, w: wrap(a << b, w), lambda a, b, w: 0 <= b < w),
    "shrsi": (lambda a, b, w: a >> b, lambda a, b, w: 0 <= b < w),
    "shrui": (lambda a, b, w: wrap(unsigned(a, w) >> b, w), lambda a, b, w: 0 <= b < w),
    "minsi": (lambda a, b, w: min(a, b), None),
    "maxsi": (lambda a, b, w: max(a, b), None),
    "minui": (lambda a, b, w: wrap(min(unsigned(a, w), unsigned(b, w)), w), None),
    "maxui": (lambda a, b, w: wrap(max(unsigned(a, w), unsigned(b, w)), w), None),
    "floordivsi": (lambda a, b, w: wrap(a // b, w), _signed_div_defined),
    "ceildivsi": (lambda a, b, w: wrap(-(-a // b), w), _signed_div_defined),
    "ceildivui": (
        lambda a, b, w: wrap(-(-unsigned(a, w) // unsigned(b, w)), w),
        lambda a, b, w: b != 0,
    ),
}

CMPI_PREDICATES = {
    "eq": lambda a, b, w: a == b,
    "ne": lambda a, b, w: a != b,
    "slt": lambda a, b, w: a < b,
    "sle": lambda a, b, w: a <= b,
    "sgt": lambda a, b, w: a > b,
    "sge": lambda a, b, w: a >= b,
    "ult": lambda a, b, w: unsigned(a, w) < unsigned(b, w),
    "ule": lambda a, b, w: unsigned(a, w) <= unsigned(b, w),
    "ugt": lambda a, b, w: unsigned(a, w) > unsigned(b, w),
    "uge": lambda a, b, w: unsigned(a, w) >= unsigned(b, w),
}


def _integer_module() -> str:
    functions = []
    for w in WIDTHS:
        t = f"i{w}"
        for op in INTEGER_OPS:
            functions.append(
                f"func.func @{op}_{t}(%a: {t}, %b: {t}) -> {t} {{\n"
                f"  %r = arith.{op} %a, %b : {t}\n  func.return %r : {t}\n}}"
            )
        for predicate in CMPI_PREDICATES:
            functions.append(
                f"func.func @cmpi_{predicate}_{t}(%a: {t}, %b: {t}) -> i1 {{\n"
                f"  %r = arith.cmpi {predicate}, %a, %b : {t}\n  func.return %r : i1\n}}"
            )
    return "\n".join(functions)


@pytest.fixture(scope="module")
def integer_engine() -> JitEngine:
    return compile_source(_integer_module())


def _edge_values(w: int) -> list[int]:
    low, high = -(1 << (w - 1)), (1 << (w - 1)) - 1
    return [low, low + 1, -7, -2, -1, 0, 1, 2, 3, 7, w - 1, high - 1, high]


def _check_integer_op(engine: JitEngine, name: str, reference, precondition, w: int, pairs) -> None:
    c_type = C_INT[w]
    native = engine.function(name, c_type, c_type, c_type)
    checked = 0
    for a, b in pairs:
        if precondition is not None and not precondition(a, b, w):
            continue
        assert native(a, b) == reference(a, b, w), f"{name}({a}, {b})"
        checked += 1
    return checked


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("op", INTEGER_OPS)
def test_integer_op_on_edge_values(integer_engine: JitEngine, op: str, w: int) -> None:
    reference, precondition = INTEGER_OPS[op]
    edges = _edge_values(w)
    pairs = [(a, b) for a in edges for b in edges]
    assert _check_integer_op(integer_engine, f"{op}_i{w}", reference, precondition, w, pairs) > 0


@pytest.mark.parametrize("w", WIDTHS)
@pytest.mark.parametrize("predicate", CMPI_PREDICATES)
def test_cmpi_on_edge_values(integer_engine: JitEngine, predicate: str, w: int) -> None:
    native = integer_engine.function(f"cmpi_{predicate}_i{w}", ctypes.c_bool, C_INT[w], C_INT[w])
    edges = _edge_values(w)
    for a in edges:
        for b in edges:
            assert native(a, b) == CMPI_PREDICATES[predicate](a, b, w), (predicate, a, b)


@FAST
@given(data=st.data())
def test_integer_ops_random(integer_engine: JitEngine, data: st.DataObject) -> None:
    w = data.draw(st.sampled_from(WIDTHS))
    op = data.draw(st.sampled_from(sorted(INTEGER_OPS)))
    values = st.integers(-(1 << (w - 1)), (1 << (w - 1)) - 1)
    a, b = data.draw(values), data.draw(values)
    if op.startswith("sh"):
        b = data.draw(st.integers(0, w - 1))
    reference, precondition = INTEGER_OPS[op]
    _check_integer_op(integer_engine, f"{op}_i{w}", reference, precondition, w, [(a, b)])


def test_overflow_flags_survive_to_llvm_ir() -> None:
    module = lower(
        "func.func @f(%a: i64, %b: i64) -> i64 {\n"
        "  %r = arith.addi %a, %b overflow<nsw> : i64\n  func.return %r : i64\n}"
    )
    from graphlet.backend.llvm_ir import emit_llvm_ir

    assert "add nsw i64" in emit_llvm_ir(module)


# ---------------------------------------------------------------- floats

SPECIAL_FLOATS = [
    math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -2.5,
    3.0,
    1e300,
    -1e-310,
]


def same_float(actual: float, expected: float) -> bool:
    """Equal including the sign of zero; any NaN equals any NaN."""
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == expected and math.copysign(1, actual) == math.copysign(1, expected)


def ieee_minimum(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return -0.0 if math.copysign(1, a) < 0 or math.copysign(1, b) < 0 else 0.0
    return min(a, b)


def ieee_maximum(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b == 0:
        return 0.0 if math.copysign(1, a) > 0 or math.copysign(1, b) > 0 else -0.0
    return max(a, b)


def minnum(a: float, b: float) -> float:
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return min(a, b)


def maxnum(a: float, b: float) -> float:
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return max(a, b)


FLOAT_OPS = {
    "addf": lambda a, b: a + b,
    "subf": lambda a, b: a - b,
    "mulf": lambda a, b: a * b,
    "divf": lambda a, b: _python_divide(a, b),
    "minimumf": ieee_minimum,
    "maximumf": ieee_maximum,
    "minnumf": minnum,
    "maxnumf": maxnum,
}
SIGNED_ZERO_AGNOSTIC = {"minnumf", "maxnumf"}
"""LLVM's minnum/maxnum may return either zero for (+0.0, -0.0)."""


def _python_divide(a: float, b: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.float64(a) / np.float64(b))


def _float_cmp(predicate: str, a: float, b: float) -> bool:
    unordered = math.isnan(a) or math.isnan(b)
    relation = {
        "eq": lambda: a == b,
        "gt": lambda: a > b,
        "ge": lambda: a >= b,
        "lt": lambda: a < b,
        "le": lambda: a <= b,
        "ne": lambda: a != b,
    }
    if predicate == "false":
        return False
    if predicate == "true":
        return True
    if predicate == "ord":
        return not unordered
    if predicate == "uno":
        return unordered
    if predicate[0] == "o":
        return not unordered and relation[predicate[1:]]()
    return unordered or relation[predicate[1:]]()


CMPF_PREDICATES = [
    "false",
    "oeq",
    "ogt",
    "oge",
    "olt",
    "ole",
    "one",
    "ord",
    "ueq",
    "ugt",
    "uge",
    "ult",
    "ule",
    "une",
    "uno",
    "true",
]

CASTS = {
    # name: (source type, result type, arith op)
    "sitofp_i64_f64": ("i64", "f64", "sitofp"),
    "sitofp_i8_f32": ("i8", "f32", "sitofp"),
    "uitofp_i64_f64": ("i64", "f64", "uitofp"),
    "uitofp_i32_f32": ("i32", "f32", "uitofp"),
    "fptosi_f64_i64": ("f64", "i64", "fptosi"),
    "fptosi_f64_i32": ("f64", "i32", "fptosi"),
    "fptoui_f64_i64": ("f64", "i64", "fptoui"),
    "fptosi_f32_i16": ("f32", "i16", "fptosi"),
    "extf_f32_f64": ("f32", "f64", "extf"),
    "truncf_f64_f32": ("f64", "f32", "truncf"),
    "bitcast_f64_i64": ("f64", "i64", "bitcast"),
    "bitcast_i32_f32": ("i32", "f32", "bitcast"),
    "extsi_i8_i64": ("i8", "i64", "extsi"),
    "extui_i8_i64": ("i8", "i64", "extui"),
    "trunci_i64_i8": ("i64", "i8", "trunci"),
}

C_TYPES = {**{f"i{w}": t for w, t in C_INT.items()}, "f32": ctypes.c_float, "f64": ctypes.c_double}


def _float_module() -> str:
    functions = []
    for t in ("f64", "f32"):
        for op in FLOAT_OPS:
            functions.append(
                f"func.func @{op}_{t}(%a: {t}, %b: {t}) -> {t} {{\n"
                f"  %r = arith.{op} %a, %b : {t}\n  func.return %r : {t}\n}}"
            )
    functions.append(
        "func.func @negf_f64(%a: f64) -> f64 {\n  %r = arith.negf %a : f64\n  func.return %r : f64\n}"
    )
    for predicate in CMPF_PREDICATES:
        functions.append(
            f"func.func @cmpf_{predicate}(%a: f64, %b: f64) -> i1 {{\n"
            f"  %r = arith.cmpf {predicate}, %a, %b : f64\n  func.return %r : i1\n}}"
        )
    for name, (source, result, op) in CASTS.items():
        functions.append(
            f"func.func @{name}(%a: {source}) -> {result} {{\n"
            f"  %r = arith.{op} %a : {source} to {result}\n  func.return %r : {result}\n}}"
        )
    functions.append(
        "func.func @select_f64(%c: i1, %a: f64, %b: f64) -> f64 {\n"
        "  %r = arith.select %c, %a, %b : f64\n  func.return %r : f64\n}"
    )
    return "\n".join(functions)


@pytest.fixture(scope="module")
def float_engine() -> JitEngine:
    return compile_source(_float_module())


@pytest.mark.parametrize("op", FLOAT_OPS)
def test_float_op_special_values_f64(float_engine: JitEngine, op: str) -> None:
    native = float_engine.function(f"{op}_f64", ctypes.c_double, ctypes.c_double, ctypes.c_double)
    for a in SPECIAL_FLOATS:
        for b in SPECIAL_FLOATS:
            expected = FLOAT_OPS[op](a, b)
            actual = native(a, b)
            if op in SIGNED_ZERO_AGNOSTIC and expected == 0:
                assert actual == 0, (op, a, b, actual)
            else:
                assert same_float(actual, expected), (op, a, b, actual, expected)


def test_minimum_and_minnum_differ_exactly_where_documented(float_engine: JitEngine) -> None:
    f = ctypes.c_double
    minimum = float_engine.function("minimumf_f64", f, f, f)
    minnum_ = float_engine.function("minnumf_f64", f, f, f)
    maximum = float_engine.function("maximumf_f64", f, f, f)
    assert math.isnan(minimum(math.nan, 1.0)) and minnum_(math.nan, 1.0) == 1.0
    assert math.isnan(minimum(1.0, math.nan)) and minnum_(1.0, math.nan) == 1.0
    assert math.copysign(1, minimum(0.0, -0.0)) == -1 and math.copysign(1, minimum(-0.0, 0.0)) == -1
    assert math.copysign(1, maximum(-0.0, 0.0)) == 1 and math.copysign(1, maximum(0.0, -0.0)) == 1


@FAST
@given(
    a=st.floats(width=32, allow_nan=True, allow_infinity=True),
    b=st.floats(width=32, allow_nan=True, allow_infinity=True),
    op=st.sampled_from(sorted(FLOAT_OPS)),
)
def test_float_ops_f32_match_numpy_float32(
    float_engine: JitEngine, a: float, b: float, op: str
) -> None:
    native = float_engine.function(f"{op}_f32", ctypes.c_float, ctypes.c_float, ctypes.c_float)
    with np.errstate(all="ignore"):
        x, y = np.float32(a), np.float32(b)
        expected = {
            "addf": lambda: x + y,
            "subf": lambda: x - y,
            "mulf": lambda: x * y,
            "divf": lambda: x / y,
            "minimumf": lambda: np.float32(ieee_minimum(a, b)),
            "maximumf": lambda: np.float32(ieee_maximum(a, b)),
            "minnumf": lambda: np.fmin(x, y),
            "maxnumf": lambda: np.fmax(x, y),
        }[op]()
    actual = native(a, b)
    if op in SIGNED_ZERO_AGNOSTIC and expected == 0:
        assert actual == 0
    else:
        assert same_float(actual, float(expected)), (op, a, b, actual, expected)


def test_negf_flips_sign_of_zero_and_nan_stays_nan(float_engine: JitEngine) -> None:
    negf = float_engine.function("negf_f64", ctypes.c_double, ctypes.c_double)
    for x in SPECIAL_FLOATS:
        expected = math.nan if math.isnan(x) else -x
        assert same_float(negf(x), expected), x


@pytest.mark.parametrize("predicate", CMPF_PREDICATES)
def test_cmpf_ordered_and_unordered_predicates(float_engine: JitEngine, predicate: str) -> None:
    native = float_engine.function(
        f"cmpf_{predicate}", ctypes.c_bool, ctypes.c_double, ctypes.c_double
    )
    for a in SPECIAL_FLOATS:
        for b in SPECIAL_FLOATS:
            assert native(a, b) == _float_cmp(predicate, a, b), (predicate, a, b)


def _cast_reference(name: str, x):
    source, result, op = CASTS[name]
    width = int(result[1:])
    if op == "sitofp":
        return float(np.float32(x)) if result == "f32" else float(x)
    if op == "uitofp":
        u = unsigned(x, int(source[1:]))
        return float(np.float32(u)) if result == "f32" else float(u)
    if op in ("fptosi", "fptoui"):
        return wrap(math.trunc(x), width)
    if op == "extf":
        return x
    if op == "truncf":
        with np.errstate(all="ignore"):
            return float(np.float32(x))
    if op == "bitcast" and source == "f64":
        return struct.unpack("<q", struct.pack("<d", x))[0]
    if op == "bitcast":
        return struct.unpack("<f", struct.pack("<i", x))[0]
    if op == "extsi":
        return x
    if op == "extui":
        return unsigned(x, 8)
    if op == "trunci":
        return wrap(x, width)
    raise AssertionError(name)


CAST_INPUTS = {
    "i64": [-(1 << 63), -(1 << 53) - 1, -1, 0, 1, (1 << 53) + 1, (1 << 63) - 1],
    "i32": [-(1 << 31), -1, 0, 1, 16777217, (1 << 31) - 1],
    "i8": [-128, -1, 0, 1, 127],
    # in range for every fptosi/fptoui target above (out of range is poison)
    "f64": [-0.0, 0.0, 0.99, 1.5, -1.5, 2.5, 100.75, -32768.9, 32767.9],
    "f32": [-0.0, 0.5, -1.75, 3.0, 32767.0, -32768.0],
}


@pytest.mark.parametrize("name", CASTS)
def test_casts(float_engine: JitEngine, name: str) -> None:
    source, result, op = CASTS[name]
    native = float_engine.function(name, C_TYPES[result], C_TYPES[source])
    inputs = CAST_INPUTS[source]
    if op == "fptoui":
        inputs = [x for x in inputs if x > -1] + [2.0**63 + 2048.0, 2.0**64 - 2048.0]
    if op == "fptosi" and result == "i64":
        inputs = inputs + [-(2.0**63), 2.0**63 - 1024.0]
    if name in ("truncf_f64_f32", "bitcast_f64_i64"):
        inputs = inputs + [math.inf, 1e300, 1 / 3, math.pi]
    for x in inputs:
        expected = _cast_reference(name, x)
        actual = native(x)
        if op == "fptoui":
            actual = unsigned(actual, 64)
            expected = unsigned(expected, 64)
        if isinstance(expected, float):
            assert same_float(actual, expected), (name, x, actual, expected)
        else:
            assert actual == expected, (name, x, actual, expected)


def test_select(float_engine: JitEngine) -> None:
    select = float_engine.function(
        "select_f64", ctypes.c_double, ctypes.c_bool, ctypes.c_double, ctypes.c_double
    )
    assert select(True, 1.5, -2.0) == 1.5 and select(False, 1.5, -2.0) == -2.0


# ---------------------------------------------------------------- math

UNARY_MATH = {
    "sqrt": math.sqrt,
    "exp": math.exp,
    "exp2": lambda x: 2.0**x,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "log1p": math.log1p,
    "expm1": math.expm1,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "erf": math.erf,
    "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "absf": abs,
    "floor": math.floor,
    "ceil": math.ceil,
    "trunc": math.trunc,
    "roundeven": round,
    "rsqrt": lambda x: 1 / math.sqrt(x),
    "round": lambda x: math.copysign(math.floor(abs(x) + Fraction(1, 2)), x),
    "atanh": math.atanh,
    "asinh": math.asinh,
}
EXACT_MATH = {"sqrt", "absf", "floor", "ceil", "trunc", "roundeven", "round"}


def _math_module() -> str:
    functions = [
        f"func.func @math_{op}(%x: f64) -> f64 {{\n  %r = math.{op} %x : f64\n  func.return %r : f64\n}}"
        for op in UNARY_MATH
    ]
    functions += [
        f"func.func @math_{op}(%x: f64, %y: f64) -> f64 {{\n  %r = math.{op} %x, %y : f64\n  func.return %r : f64\n}}"
        for op in ("powf", "atan2", "copysign")
    ]
    functions += [
        "func.func @fma(%x: f64, %y: f64, %z: f64) -> f64 {\n"
        "  %r = math.fma %x, %y, %z : f64\n  func.return %r : f64\n}",
        "func.func @fpowi(%x: f64, %n: i32) -> f64 {\n"
        "  %r = math.fpowi %x, %n : f64, i32\n  func.return %r : f64\n}",
        "func.func @tanh_f32(%x: f32) -> f32 {\n  %r = math.tanh %x : f32\n  func.return %r : f32\n}",
    ]
    functions += [
        f"func.func @{op}(%i: i32) -> i32 {{\n  %r = math.{op} %i : i32\n  func.return %r : i32\n}}"
        for op in ("absi", "ctlz", "cttz", "ctpop")
    ]
    return "\n".join(functions)


@pytest.fixture(scope="module")
def math_engine() -> JitEngine:
    return compile_source(_math_module())


def _in_domain(op: str, x: float) -> bool:
    if op in ("log", "log2", "log10", "sqrt", "rsqrt"):
        return x > 0
    if op == "log1p":
        return x > -1
    if op in ("asin", "acos"):
        return -1 <= x <= 1
    if op == "atanh":
        return -1 < x < 1
    if op in ("exp", "exp2", "sinh", "cosh", "expm1"):
        return abs(x) < 700
    return True


@pytest.mark.parametrize("op", UNARY_MATH)
def test_unary_math(math_engine: JitEngine, op: str) -> None:
    native = math_engine.function(f"math_{op}", ctypes.c_double, ctypes.c_double)
    for x in [-3.7, -2.5, -1.0, -0.5, -0.25, 0.0, 0.3, 0.5, 1.0, 1.5, 2.5, 3.5, 10.0, 123.456]:
        if not _in_domain(op, x):
            continue
        expected = float(UNARY_MATH[op](x))
        if op in EXACT_MATH:
            assert native(x) == expected, (op, x)
        else:
            assert native(x) == pytest.approx(expected, rel=1e-13, abs=1e-300), (op, x)


def test_binary_and_ternary_math(math_engine: JitEngine) -> None:
    d = ctypes.c_double
    powf = math_engine.function("math_powf", d, d, d)
    atan2 = math_engine.function("math_atan2", d, d, d)
    copysign = math_engine.function("math_copysign", d, d, d)
    fma = math_engine.function("fma", d, d, d, d)
    fpowi = math_engine.function("fpowi", d, d, ctypes.c_int32)
    for x, y in [(2.0, 10.0), (1.5, -2.5), (9.0, 0.5), (-3.0, 3.0)]:
        assert powf(x, y) == pytest.approx(x**y, rel=1e-15)
        assert atan2(x, y) == pytest.approx(math.atan2(x, y), rel=1e-15)
        assert same_float(copysign(x, -y), math.copysign(x, -y))
    for n in (-3, 0, 1, 2, 7):
        assert fpowi(1.5, n) == pytest.approx(1.5**n, rel=1e-14)
    # fma rounds once: 0.1 * 10 - 1 is exactly the rounding error of 0.1.
    for a, b, c in [(0.1, 10.0, -1.0), (1 / 3, 3.0, -1.0), (1e308, 10.0, -math.inf)]:
        exact = Fraction(a) * Fraction(b) + Fraction(c) if math.isfinite(c) else c
        assert same_float(fma(a, b, c), float(exact)), (a, b, c)


def test_libm_f32_variant(math_engine: JitEngine) -> None:
    tanh_f32 = math_engine.function("tanh_f32", ctypes.c_float, ctypes.c_float)
    assert tanh_f32(0.5) == pytest.approx(float(np.tanh(np.float32(0.5))), rel=1e-6)


@pytest.mark.parametrize("i", [-(1 << 31), -5, -1, 0, 1, 6, 1 << 20, (1 << 31) - 1])
def test_integer_math(math_engine: JitEngine, i: int) -> None:
    c32 = ctypes.c_int32
    u = unsigned(i, 32)
    assert math_engine.function("absi", c32, c32)(i) == wrap(abs(i), 32)
    assert math_engine.function("ctlz", c32, c32)(i) == 32 - u.bit_length()
    assert math_engine.function("cttz", c32, c32)(i) == (
        32 if u == 0 else (u & -u).bit_length() - 1
    )
    assert math_engine.function("ctpop", c32, c32)(i) == bin(u).count("1")


# ---------------------------------------------------------------- control flow, calls, index

PROGRAMS = """
func.func @gcd(%a: i64, %b: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %r:2 = scf.while (%x = %a, %y = %b) : (i64, i64) -> (i64, i64) {
    %more = arith.cmpi ne, %y, %c0 : i64
    scf.condition(%more) %x, %y : i64, i64
  } do {
  ^bb0(%x: i64, %y: i64):
    %m = arith.remsi %x, %y : i64
    scf.yield %y, %m : i64, i64
  }
  %abs = math.absi %r#0 : i64
  func.return %abs : i64
}

func.func @strided_sum(%lo: index, %hi: index, %step: index) -> index {
  %c0 = arith.constant 0 : index
  %s = scf.for %i = %lo to %hi step %step iter_args(%acc = %c0) -> (index) {
    %sq = arith.muli %i, %i : index
    %a = arith.addi %acc, %sq : index
    scf.yield %a : index
  }
  func.return %s : index
}

func.func @triangle(%n: index) -> i64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (i64) {
    %inner = scf.for %j = %c0 to %i step %c1 iter_args(%b = %acc) -> (i64) {
      %b1 = arith.addi %b, %one : i64
      scf.yield %b1 : i64
    }
    scf.yield %inner : i64
  }
  func.return %t : i64
}

func.func @fib(%n: i64) -> i64 {
  %c2 = arith.constant 2 : i64
  %c1 = arith.constant 1 : i64
  %small = arith.cmpi slt, %n, %c2 : i64
  %r = scf.if %small -> (i64) {
    scf.yield %n : i64
  } else {
    %n1 = arith.subi %n, %c1 : i64
    %n2 = arith.subi %n, %c2 : i64
    %f1 = func.call @fib(%n1) : (i64) -> i64
    %f2 = func.call @fib(%n2) : (i64) -> i64
    %s = arith.addi %f1, %f2 : i64
    scf.yield %s : i64
  }
  func.return %r : i64
}

func.func @classify(%k: index) -> i64 {
  %r = scf.index_switch %k -> i64
  case 0 {
    %a = arith.constant 100 : i64
    scf.yield %a : i64
  }
  case 5 {
    %b = arith.constant 500 : i64
    scf.yield %b : i64
  }
  default {
    %c = arith.constant -1 : i64
    scf.yield %c : i64
  }
  func.return %r : i64
}

func.func @pick_same_block(%c: i1, %a: i64, %b: i64) -> i64 {
  cf.cond_br %c, ^join(%a : i64), ^join(%b : i64)
^join(%r: i64):
  func.return %r : i64
}

func.func @switch_cf(%flag: i32, %a: i64) -> i64 {
  cf.switch %flag : i32, [
    default: ^default(%a : i64),
    -3: ^minus_three,
    7: ^default(%a : i64)
  ]
^minus_three:
  %c3 = arith.constant 3 : i64
  func.return %c3 : i64
^default(%v: i64):
  func.return %v : i64
}

func.func private @divmod(%a: i64, %b: i64) -> (i64, i64) {
  %q = arith.floordivsi %a, %b : i64
  %p = arith.muli %q, %b : i64
  %r = arith.subi %a, %p : i64
  func.return %q, %r : i64, i64
}

func.func @divmod_info(%a: i64, %b: i64, %x: f32) -> (i64, i64, i1, i32, f32, f64) attributes {llvm.emit_c_interface} {
  %q, %r = func.call @divmod(%a, %b) : (i64, i64) -> (i64, i64)
  %c0 = arith.constant 0 : i64
  %exact = arith.cmpi eq, %r, %c0 : i64
  %q32 = arith.trunci %q : i64 to i32
  %d = arith.extf %x : f32 to f64
  func.return %q, %r, %exact, %q32, %x, %d : i64, i64, i1, i32, f32, f64
}

func.func @index_math(%n: index) -> (index, i32) attributes {llvm.emit_c_interface} {
  %c3 = arith.constant 3 : index
  %m = arith.muli %n, %c3 : index
  %d = arith.divsi %m, %c3 : index
  %neg = arith.subi %d, %m : index
  %i = arith.index_cast %neg : index to i32
  func.return %neg, %i : index, i32
}
"""


@pytest.fixture(scope="module")
def programs() -> JitEngine:
    return compile_source(PROGRAMS)


@FAST
@given(a=st.integers(-(10**12), 10**12), b=st.integers(-(10**12), 10**12))
def test_gcd_scf_while(programs: JitEngine, a: int, b: int) -> None:
    gcd = programs.function("gcd", ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
    assert gcd(a, b) == math.gcd(a, b)


@pytest.mark.parametrize(
    ("lo", "hi", "step"), [(0, 10, 1), (3, 100, 7), (5, 5, 1), (10, 3, 2), (-4, 9, 3)]
)
def test_strided_sum_scf_for_on_index(programs: JitEngine, lo: int, hi: int, step: int) -> None:
    native = programs.function(
        "strided_sum", ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64
    )
    assert native(lo, hi, step) == sum(i * i for i in range(lo, hi, step))


def test_nested_loops_calls_and_branches(programs: JitEngine) -> None:
    i64 = ctypes.c_int64
    assert programs.function("triangle", i64, i64)(50) == 50 * 49 // 2
    fib = programs.function("fib", i64, i64)
    expected = [0, 1]
    while len(expected) < 25:
        expected.append(expected[-1] + expected[-2])
    assert [fib(n) for n in range(25)] == expected
    classify = programs.function("classify", i64, i64)
    assert [classify(k) for k in (0, 1, 5, 6, -1)] == [100, -1, 500, -1, -1]
    pick = programs.function("pick_same_block", i64, ctypes.c_bool, i64, i64)
    assert pick(True, 11, 22) == 11 and pick(False, 11, 22) == 22
    switch = programs.function("switch_cf", i64, ctypes.c_int32, i64)
    assert [switch(f, 9) for f in (-3, 7, 0, 3)] == [3, 9, 9, 9]


@pytest.mark.parametrize(
    ("a", "b", "x"), [(17, 5, 0.1), (-17, 5, -2.5), (20, -4, 3.0), (-(2**40) - 3, 2**33 + 1, -0.0)]
)
def test_c_interface_slots(programs: JitEngine, a: int, b: int, x: float) -> None:
    from xdsl.dialects.builtin import f32, f64, i1, i32, i64

    slots = programs.call_c_interface(
        "divmod_info", 6, ctypes.c_int64(a), ctypes.c_int64(b), ctypes.c_float(x)
    )
    q, r = divmod(a, b)
    x32 = float(np.float32(x))
    assert [decode_slot(s, t) for s, t in zip(slots, (i64, i64, i1, i32, f32, f64))] == [
        q,
        r,
        r == 0,
        wrap(q, 32),
        x32,
        x32,
    ]
    # The convention itself: i1 is 0/1, i32 is sign-extended, f32 is stored as a double.
    assert int.from_bytes(slots[2], "little") == int(r == 0)
    assert int.from_bytes(slots[3], "little", signed=True) == wrap(q, 32)
    assert struct.unpack("<d", slots[4])[0] == x32


def test_index_arithmetic_is_64_bit(programs: JitEngine) -> None:
    from xdsl.dialects.builtin import i32, i64

    n = 2**40 + 5
    slots = programs.call_c_interface("index_math", 2, ctypes.c_int64(n))
    assert decode_slot(slots[0], i64) == -2 * n
    assert decode_slot(slots[1], i32) == wrap(-2 * n, 32)


def test_every_opt_level_computes_the_same(programs: JitEngine) -> None:
    module_source = PROGRAMS
    for level in (0, 1, 3):
        engine = compile_source(module_source, opt_level=level)
        gcd = engine.function("gcd", ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
        assert gcd(1071, 462) == 21


def test_failed_assert_aborts_with_its_message() -> None:
    script = (
        "import ctypes\n"
        "from tests.test_lowering_native import compile_source\n"
        "engine = compile_source('''func.func @check(%x: i64) -> i64 {\n"
        "  %c0 = arith.constant 0 : i64\n"
        "  %ok = arith.cmpi sgt, %x, %c0 : i64\n"
        '  cf.assert %ok, "x must be positive"\n'
        "  func.return %x : i64\n}''')\n"
        "check = engine.function('check', ctypes.c_int64, ctypes.c_int64)\n"
        "print(check(5), flush=True)\n"
        "check(-1)\n"
        "print('not reached', flush=True)\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert completed.stdout == "5\n"
    assert "Assertion failed: x must be positive" in completed.stderr
    assert completed.returncode < 0  # killed by SIGABRT


def test_missing_function_is_a_key_error(programs: JitEngine) -> None:
    with pytest.raises(KeyError, match="no_such_function"):
        programs.address("no_such_function")
