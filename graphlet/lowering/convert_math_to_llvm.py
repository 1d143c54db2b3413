"""`convert-math-to-llvm`: math ops to LLVM intrinsics or libm calls.

Three routes, chosen per op:

* an `llvm.intr.*` op of xDSL's llvm dialect (sqrt, exp, log, sin, fabs, fma, ...);
* `llvm.call_intrinsic` for LLVM intrinsics xDSL has no op for (round, trunc,
  abs, ctlz, ...);
* a call to the C math library (`tanh`, `atan2`, `erf`, ... or the `f`-suffixed
  f32 variant), declared as an external `llvm.func` that the JIT resolves in the
  running process. These accept scalar f32/f64 only.

`math.rsqrt` becomes `1.0 / sqrt(x)`, `math.fpowi` becomes `pow(x, (double)n)`.
`math.ipowi` is refused, as is any math
op not listed here. Fast-math flags are dropped on `fma` and on ops lowered to
calls because xDSL's translator rejects them there.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm, math
from xdsl.dialects.builtin import (
    AnyFloat,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    VectorType,
    i1,
)
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet.dialects.llvm_ext import upstream
from graphlet.locations import lowering_error
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import (
    declare_external_function,
    intrinsic_call,
    llvm_fastmath,
)
from graphlet.lowering.pattern_dispatch import rewrite_by_op_type

_LLVM_INTRINSIC_OPS: dict[type[Operation], type[Operation]] = {
    math.AbsFOp: upstream(llvm.FAbsOp),
    math.CeilOp: upstream(llvm.FCeilOp),
    math.FloorOp: upstream(llvm.FFloorOp),
    math.SqrtOp: upstream(llvm.FSqrtOp),
    math.ExpOp: upstream(llvm.FExpOp),
    math.Exp2Op: upstream(llvm.FExp2Op),
    math.LogOp: upstream(llvm.FLogOp),
    math.Log2Op: upstream(llvm.FLog2Op),
    math.SinOp: upstream(llvm.FSinOp),
    math.CosOp: upstream(llvm.FCosOp),
    math.PowFOp: upstream(llvm.FPowOp),
    math.CopySignOp: upstream(llvm.FCopySignOp),
}


class LLVMIntrinsicOpLowering(RewritePattern):
    """Ops with a counterpart among xDSL's `llvm.intr.*` ops."""

    op_types = tuple(_LLVM_INTRINSIC_OPS)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (intrinsic_op := _LLVM_INTRINSIC_OPS.get(type(op))) is None:
            return
        fastmath = op.properties["fastmath"]
        assert isinstance(fastmath, arith.FastMathFlagsAttr)
        new_op = intrinsic_op.create(
            operands=list(op.operands),
            result_types=[op.results[0].type],
            properties={"fastmathFlags": llvm_fastmath(fastmath)},
        )
        rewriter.replace(op, new_op)


class FmaLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.FmaOp, rewriter: PatternRewriter, /) -> None:
        rewriter.replace(op, upstream(llvm.FMAOp)(op.a, op.b, op.c))


_CALL_INTRINSICS: dict[type[Operation], str] = {
    math.RoundOp: "llvm.round",
    math.RoundEvenOp: "llvm.roundeven",
    math.TruncOp: "llvm.trunc",
    math.CtPopOp: "llvm.ctpop",
}

_CALL_INTRINSICS_WITH_POISON_FLAG: dict[type[Operation], str] = {
    math.AbsIOp: "llvm.abs",
    math.CountLeadingZerosOp: "llvm.ctlz",
    math.CountTrailingZerosOp: "llvm.cttz",
}
"""Intrinsics with a trailing `i1` "is poison" flag (abs of INT_MIN, ctlz of 0):
passed false, so those inputs give INT_MIN and the bit width as in arith."""


class CallIntrinsicLowering(RewritePattern):
    op_types = (*_CALL_INTRINSICS, *_CALL_INTRINSICS_WITH_POISON_FLAG)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (name := _CALL_INTRINSICS.get(type(op))) is not None:
            rewriter.replace(op, intrinsic_call(name, list(op.operands), op.results[0].type))
        elif (name := _CALL_INTRINSICS_WITH_POISON_FLAG.get(type(op))) is not None:
            no_poison = llvm.ConstantOp(IntegerAttr(0, i1), i1)
            operands = [*op.operands, no_poison.result]
            call = intrinsic_call(name, operands, op.results[0].type)
            rewriter.replace(op, [no_poison, call])


class FPowILowering(RewritePattern):
    """`x ** n` as `llvm.pow(x, sitofp n)`: `llvm.powi` would become a call to
    compiler-rt's `__powidf2`, which the JIT cannot find in the process."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.FPowIOp, rewriter: PatternRewriter, /) -> None:
        exponent = llvm.SIToFPOp(op.rhs, op.result.type)
        power = upstream(llvm.FPowOp)(op.lhs, exponent.result, llvm_fastmath(op.fastmath))
        rewriter.replace(op, [exponent, power])


class RsqrtLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.RsqrtOp, rewriter: PatternRewriter, /) -> None:
        type_ = op.result.type
        if isinstance(type_, VectorType):
            raise lowering_error(op, "vector rsqrt is not supported")
        assert isinstance(type_, AnyFloat), f"math.rsqrt of {type_}"
        fastmath = llvm_fastmath(op.fastmath)
        one = llvm.ConstantOp(FloatAttr(1.0, type_), type_)
        root = upstream(llvm.FSqrtOp).create(
            operands=[op.operand], result_types=[type_], properties={"fastmathFlags": fastmath}
        )
        rewriter.replace(op, [one, root, upstream(llvm.FDivOp)(one, root, fastmath)])


_LIBM_FUNCTIONS: dict[type[Operation], str] = {
    math.TanOp: "tan",
    math.TanhOp: "tanh",
    math.SinhOp: "sinh",
    math.CoshOp: "cosh",
    math.AsinOp: "asin",
    math.AcosOp: "acos",
    math.AtanOp: "atan",
    math.Atan2Op: "atan2",
    math.AsinhOp: "asinh",
    math.AcoshOp: "acosh",
    math.AtanhOp: "atanh",
    math.ErfOp: "erf",
    math.Log10Op: "log10",
    math.Log1pOp: "log1p",
    math.ExpM1Op: "expm1",
    math.CbrtOp: "cbrt",
}


class LibmCallLowering(RewritePattern):
    op_types = tuple(_LIBM_FUNCTIONS)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (base_name := _LIBM_FUNCTIONS.get(type(op))) is None:
            return
        type_ = op.results[0].type
        if isinstance(type_, Float64Type):
            name = base_name
        elif isinstance(type_, Float32Type):
            name = base_name + "f"
        else:
            raise lowering_error(op, f"libm call needs a scalar f32 or f64, got {type_}")
        function_type = llvm.LLVMFunctionType([type_] * len(op.operands), type_)
        declare_external_function(op, rewriter, name, function_type)
        rewriter.replace(op, llvm.CallOp(name, *op.operands, return_type=type_))


MATH_TO_LLVM_PATTERNS: tuple[RewritePattern, ...] = (
    LLVMIntrinsicOpLowering(),
    LibmCallLowering(),
    CallIntrinsicLowering(),
    FmaLowering(),
    FPowILowering(),
    RsqrtLowering(),
)

TARGET = ConversionTarget("convert-math-to-llvm", illegal_dialects=("math",))


@dataclass(frozen=True)
class ConvertMathToLLVMPass(ModulePass):
    name = "convert-math-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if TARGET.finds_nothing(op):
            return  # its patterns match only the target's ops
        rewrite_by_op_type(op, MATH_TO_LLVM_PATTERNS)
        TARGET.refuse_leftovers(op)
