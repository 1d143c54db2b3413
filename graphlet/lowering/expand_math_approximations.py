"""`expand-math-approximations`: exp, expm1, log, log1p, tanh and erf inside
`linalg.generic` bodies as branch-free polynomials that LLVM vectorises.

A libm call per element keeps a loop scalar: `tanh` over 10^6 f32 cost ~18 ms
(eager PyTorch, whose kernels use SLEEF's vectorised functions: ~3 ms). The
replacements (`graphlet.lowering.math_approximations`) are within about an ulp,
which PyTorch's own vectorised kernels also are; the measured bounds are in
docs/tensor-lowering.md and asserted by tests/test_math_approximations.py.

Only math ops in a `linalg.generic` body are rewritten, i.e. tensor kernels
(PyTorch's semantics). Scalar code (`@graphlet.jit`) never has one: there,
Python's `math.exp` is the contract and libm stays (`convert-math-to-llvm`).
Types other than f32/f64 are left to libm, as are the other math functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern

from graphlet.lowering.math_approximations import APPROXIMATIONS, FORMATS, FloatEmitter


class ExpandMathInKernel(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        approximation = APPROXIMATIONS.get(type(op))
        if (
            approximation is None
            or op.results[0].type not in FORMATS
            or not isinstance(op.parent_op(), linalg.GenericOp)
        ):
            return
        result = approximation(FloatEmitter(rewriter, op.results[0].type), op.operands[0])
        rewriter.replace(op, [], [result])


@dataclass(frozen=True)
class ExpandMathApproximationsPass(ModulePass):
    name = "expand-math-approximations"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ExpandMathInKernel(), apply_recursively=False).rewrite_module(op)
