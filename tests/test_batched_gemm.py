"""Batched matmul through BLAS (`convert-linalg-to-blas`, "batch_gemm_nn"): one
`cblas_?gemm` per matrix of the batch, inside loops over the batch dims, each
matrix at its offset (0 along a broadcast dim). Checked against NumPy's matmul
(f32: rtol/atol 1e-4, BLAS and NumPy sum K products in different orders; f64:
1e-12), and that the path taken is the one claimed: the lowered module calls
BLAS from 128 columns and 8 rows up, and keeps loops below.
"""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32, f64
from xdsl.ir import Block, Region

from graphlet.dialects import graphlet as g
from graphlet.driver import compile_tensor_function
from graphlet.lowering.convert_linalg_to_blas import GEMM_SYMBOLS
from graphlet.lowering.lower_tensors_to_llvm import lower_tensors_to_llvm_passes
from graphlet.registry import make_context
from graphlet.runtime.tensors import bind_blas

ELEMENTS = {np.float32: f32, np.float64: f64}
TOL = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-12, atol=1e-12)}

# (lhs shape, rhs shape, calls BLAS)
CASES = [
    ((4, 16, 24), (4, 24, 128), True),
    ((2, 3, 8, 5), (3, 5, 130), True),  # rhs broadcast along the first batch dim
    ((9, 32), (2, 3, 32, 128), True),  # a 2-d lhs, broadcast along both
    ((2, 1, 8, 4), (1, 3, 4, 128), True),  # size-1 batch dims on both sides
    ((3, 8, 16), (16, 128), True),  # a 2-d rhs: one GEMM over the flattened rows
    ((4, 16, 24), (4, 24, 64), False),  # narrower than 128 columns: loops
    ((4, 7, 24), (4, 24, 128), False),  # fewer than 8 rows: loops
    ((2, 3, 8, 5), (3, 5, 1), False),
]


def matmul_module(a_shape, b_shape, element) -> ModuleOp:
    types = [TensorType(element, a_shape), TensorType(element, b_shape)]
    block = Block(arg_types=types)
    block.add_op(op := g.MatmulOp(*block.args))
    block.add_op(func.ReturnOp(op.result))
    return ModuleOp([func.FuncOp.from_region("f", types, [op.result.type], Region(block))])


def calls_blas(module: ModuleOp, element) -> bool:
    lowered = module.clone()
    ctx = make_context()
    for lowering in lower_tensors_to_llvm_passes(blas=True):
        lowering.apply(ctx, lowered)
    return f"@{GEMM_SYMBOLS[element]}" in str(lowered)


@pytest.mark.skipif(not bind_blas(), reason="this NumPy bundles no OpenBLAS to call")
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(("a_shape", "b_shape", "blas"), CASES)
def test_batched_matmul_against_numpy(a_shape, b_shape, blas, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    module = matmul_module(a_shape, b_shape, ELEMENTS[dtype])
    assert calls_blas(module, ELEMENTS[dtype]) == blas
    (got,) = compile_tensor_function(module, "f")(a, b)
    np.testing.assert_allclose(got, np.matmul(a, b), **TOL[dtype])


@pytest.mark.skipif(not bind_blas(), reason="this NumPy bundles no OpenBLAS to call")
def test_each_matrix_of_the_batch_is_written_once():
    """beta = 1 accumulates into zeros: a matrix visited twice (a wrong offset)
    would be doubled, one never visited would stay 0."""
    a = np.ones((3, 8, 2), np.float32)
    b = np.stack([np.full((2, 128), i + 1, np.float32) for i in range(3)])
    (got,) = compile_tensor_function(matmul_module(a.shape, b.shape, f32), "f")(a, b)
    np.testing.assert_array_equal(got[:, 0, 0], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(got, np.matmul(a, b))


def test_attention_bmm_runs_natively_through_blas():
    torch = pytest.importorskip("torch")
    if not bind_blas():
        pytest.skip("this NumPy bundles no OpenBLAS to call")
    from graphlet.frontend.fx import compile_fx

    q, k = torch.randn(6, 128, 16), torch.randn(6, 128, 16)
    scores = lambda q, k: torch.softmax(torch.bmm(q, k.transpose(1, 2)), -1)
    compiled = compile_fx(scores, (q, k))
    assert compiled.native, compiled.report()
    assert calls_blas(compiled.module, f32)
    torch.testing.assert_close(compiled(q, k), scores(q, k), rtol=1e-4, atol=1e-5)


def lowered_to_blas(module: ModuleOp) -> str:
    """The module after `convert-linalg-to-blas`: what is left as loops, what calls BLAS."""
    lowered = module.clone()
    ctx = make_context()
    for lowering in lower_tensors_to_llvm_passes(blas=True):
        lowering.apply(ctx, lowered)
        if lowering.name == "convert-linalg-to-blas":
            return str(lowered)
    raise AssertionError("the pipeline has no convert-linalg-to-blas")


def transposed_matmul_module(a_shape, b_shape, transpose_a, transpose_b) -> ModuleOp:
    types = [TensorType(f32, a_shape), TensorType(f32, b_shape)]
    block = Block(arg_types=types)
    operands = []
    for arg, transpose in zip(block.args, (transpose_a, transpose_b)):
        if transpose:
            block.add_op(t := g.TransposeOp(arg, (1, 0)))
            arg = t.results[0]
        operands.append(arg)
    block.add_op(op := g.MatmulOp(*operands))
    block.add_op(func.ReturnOp(op.result))
    return ModuleOp([func.FuncOp.from_region("f", types, [op.result.type], Region(block))])


@pytest.mark.skipif(not bind_blas(), reason="this NumPy bundles no OpenBLAS to call")
@pytest.mark.parametrize(
    ("a_shape", "b_shape", "transposed", "flags"),
    [
        ((64, 10), (64, 256), (True, False), (112, 111)),  # the MLP's weight gradient
        ((64, 10), (256, 64), (True, True), (112, 112)),
        ((5, 3), (5, 7), (True, False), None),  # 3 rows: loops, reading a itself
    ],
)
def test_a_transposed_operand_is_passed_to_blas_with_its_flag_not_copied(
    a_shape, b_shape, transposed, flags
):
    module = transposed_matmul_module(a_shape, b_shape, *transposed)
    text = lowered_to_blas(module)
    if flags is None:
        assert "func.call" not in text
        assert text.count("linalg.generic") == 2, text  # the zero fill and the contraction
    else:
        assert "linalg.generic" not in text, text  # no transpose copy, no fill (beta = 0)
        call = next(line for line in text.splitlines() if "func.call @graphlet_cblas" in line)
        args = call.split("(", 1)[1].split(")")[0].split(", ")
        constants = dict(
            line.strip().split(" = arith.constant ")
            for line in text.splitlines()
            if " = arith.constant " in line
        )
        assert tuple(constants[v] for v in args[1:3]) == tuple(f"{f} : i32" for f in flags)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in (a_shape, b_shape))
    (got,) = compile_tensor_function(module, "f")(a, b)
    want = (a.T if transposed[0] else a) @ (b.T if transposed[1] else b)
    np.testing.assert_allclose(got, want, **TOL[np.float32])
