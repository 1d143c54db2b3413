"""Each op's Python spelling means what its `py_operation` computes, and the lookups
the frontends use find every declared spelling.

The reference is CPython itself: the operator symbol is evaluated as Python source
(`eval("a // b")`), each declared function is called; both are compared with the op's
`py_operation` on edge cases (zeros of both signs, NaN, infinities, INT_MIN), raising
the same exception type where Python raises.
"""

from __future__ import annotations

import itertools
import math
import operator
import struct
from typing import Any

import pytest

from graphlet.dialects import graphlet as g

INTS = [0, 1, -1, 2, -7, 13, 2**62, -(2**63)]
FLOATS = [0.0, -0.0, 1.5, -2.25, 7.0, math.inf, -math.inf, math.nan]
BOOLS = [False, True]
SAMPLES = {g.BOOL: BOOLS, g.INT: INTS, g.FLOAT: FLOATS}

SPELLED = [op for op in (*g.OPS, *g.TENSOR_OPS) if op.PY_SYMBOL or op.PY_FUNCTIONS]


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        result = fn(*args)
    except Exception as e:
        return "raises", type(e)
    if isinstance(result, float):
        return type(result).__name__, struct.pack("<d", result)  # -0.0 and NaN exactly
    return type(result).__name__, result


def _operand_samples(op: type[g.GraphletOp], arity: int) -> list[tuple[Any, ...]]:
    types = [t for t in op.ALLOWED_TYPES if t in SAMPLES]
    cases = []
    for t in types:
        values = SAMPLES[t]
        for args in itertools.product(values, repeat=arity):
            if op is g.PowOp and t == g.INT and args[1] > 64:
                continue  # a result past 2**64 bits that Python computes slowly
            if op is g.ShlOp and args[1] > 64:
                continue
            cases.append(args)
    return cases


@pytest.mark.parametrize("op", [op for op in SPELLED if op.PY_SYMBOL], ids=lambda op: op.name)
def test_operator_symbol_means_py_operation(op: type[g.GraphletOp]) -> None:
    arity = 2 if issubclass(op, g.BinaryOp) else 1
    source = f"a {op.PY_SYMBOL} b" if arity == 2 else f"{op.PY_SYMBOL}a"
    samples = _operand_samples(op, arity)
    assert samples
    for args in samples:
        env = dict(zip("ab", args))
        spelled = _outcome(lambda: eval(source, {}, env))
        assert spelled == _outcome(op.py_operation, *args), (source, args)


@pytest.mark.parametrize("op", [op for op in g.OPS if op.PY_FUNCTIONS], ids=lambda op: op.name)
def test_python_functions_mean_py_operation(op: type[g.GraphletOp]) -> None:
    arity = 2 if issubclass(op, g.BinaryOp) else 1
    for fn in op.PY_FUNCTIONS:
        for args in _operand_samples(op, arity):
            assert _outcome(fn, *args) == _outcome(op.py_operation, *args), (fn, args)


def test_matmul_is_python_at_operator() -> None:
    np = pytest.importorskip("numpy")
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    assert g.op_for_python_function(operator.matmul) is g.MatmulOp
    assert (eval("a @ b") == g.MatmulOp.np_operation(a, b)).all()


@pytest.mark.parametrize("symbol", list(g.PREDICATE_OF_SYMBOL))
def test_comparison_symbols_and_their_swapped_form(symbol: str) -> None:
    predicate = g.predicate_for_symbol(symbol)
    assert predicate is not None
    swapped = g.swapped_predicate(predicate)
    for t in (g.INT, g.FLOAT, g.BOOL):
        for a, b in itertools.product(SAMPLES[t], repeat=2):
            want = eval(f"a {symbol} b", {}, {"a": a, "b": b})
            assert g.CmpOp.py_operation(predicate, a, b) is want
            assert g.CmpOp.py_operation(swapped, b, a) is want


def test_lookups_find_each_declared_spelling() -> None:
    assert g.binary_op_for_symbol("+") is g.AddOp
    assert g.binary_op_for_symbol("//=") is g.FloorDivOp  # the in-place form
    assert g.binary_op_for_symbol("-") is g.SubOp
    assert g.unary_op_for_symbol("-") is g.NegOp
    assert g.binary_op_for_symbol("<") is None
    assert g.binary_op_for_symbol("@") is None  # matmul is a tensor op, not a BinaryOp
    assert g.op_for_python_function(math.exp) is g.ExpOp
    assert g.op_for_python_function(abs) is g.AbsOp
    assert g.op_for_python_function(math.floor) is None  # floor then int(): not FloorOp
    assert g.op_for_python_function(print) is None
    for name in ("add", "Tensor.add", "aten.add", "aten.add.Tensor", "aten.add.Scalar"):
        assert g.op_for_torch_name(name) is g.AddOp, name
    assert g.op_for_torch_name("aten._softmax.default") is g.SoftmaxOp
    assert g.op_for_torch_name("aten.softmax.int") is g.SoftmaxOp
    assert g.op_for_torch_name("mm") is g.MatmulOp
    assert g.op_for_torch_name("conv2d") is None
    assert g.op_for_torch_name("aten.lt.Tensor") is None
    assert g.predicate_for_torch_name("aten.lt.Tensor") == "lt"
    assert g.predicate_for_torch_name("Tensor.ge") == "ge"
    assert g.predicate_for_torch_name("add") is None
    for op in (*g.OPS, *g.TENSOR_OPS):
        for name in op.TORCH_NAMES:
            assert g.op_for_torch_name(name) is op
        if op.PY_SYMBOL and issubclass(op, g.BinaryOp):
            assert g.binary_op_for_symbol(op.PY_SYMBOL) is op


def test_a_spelling_claimed_twice_is_refused() -> None:
    class Twin(g.AddOp):
        pass

    with pytest.raises(ValueError, match="'\\+' is claimed by both graphlet.add"):
        g.Spellings.of([g.AddOp, Twin])


def test_builder_aliases_derive_from_the_ops() -> None:
    from graphlet.frontend.builder import OP_ALIASES

    assert OP_ALIASES["//"] == "floordiv"
    assert OP_ALIASES["div"] == "truediv"
    assert OP_ALIASES["where"] == "select"
    for alias, name in OP_ALIASES.items():
        op = g.BINARY_OPS.get(name) or g.UNARY_OPS.get(name) or g.SelectOp
        assert alias == op.PY_SYMBOL or alias in op.TORCH_NAMES


def test_one_scalar_type_table() -> None:
    for t, py in g.PYTHON_TYPES.items():
        assert g.python_type(t) is py
        assert g.ir_type(py) == t
    assert g.ir_type(True) == g.BOOL  # bool before int
    assert set(g.NP_DTYPES) == set(g.TENSOR_ELEMENT_TYPES) == set(g.TORCH_DTYPE_NAMES)
