"""`convert-arith-to-llvm`: arith ops to llvm dialect ops on the same types.

Types are not converted (builtin integers, floats and 1-D vectors are LLVM types
already), so no casts appear; `index` must be gone (run `convert-index-to-i64`).
Overflow flags (nsw/nuw) and fast-math flags are kept where the llvm op has
them. Choices where arith and LLVM differ:

* `minimumf`/`maximumf` (NaN-propagating, -0.0 < +0.0) become `llvm.intr.minimum`/
  `maximum`; `minnumf`/`maxnumf` (a NaN operand is ignored) become
  `llvm.intr.minnum`/`maxnum`; `minsi`/`maxsi`/`minui`/`maxui` become
  `llvm.intr.smin`/`smax`/`umin`/`umax`, as upstream lowers them.
* `remf` becomes `llvm.frem` (C's `fmod`).
* `cmpf false`/`true` become constants (LLVM's `fcmp false` is not translated).
* `floordivsi`, `ceildivsi`, `ceildivui` expand to div/rem and a correction.
* `fptosi`, `fptoui`, `uitofp` become the `llvm` ops graphlet adds (`dialects/llvm_ext.py`).
* `index_cast` is not handled here: `convert-index-to-i64` resolves it.

Any other arith op (e.g. `addui_extended`) is refused with a located error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    VectorType,
    i1,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet.dialects import arith_ext, llvm_ext
from graphlet.dialects.llvm_ext import upstream
from graphlet.dialects.upstream_syntax import by_class
from graphlet.locations import lowering_error
from graphlet.lowering.legality import INDEX_ADVICE, ConversionTarget, has_index_type
from graphlet.lowering.llvm_lowering_utils import llvm_fastmath
from graphlet.lowering.pattern_dispatch import rewrite_by_op_type

_OVERFLOW_BITS = {arith.IntegerOverflowFlag.NSW: 1, arith.IntegerOverflowFlag.NUW: 2}


def _check_llvm_type(op: Operation, type_: Attribute) -> None:
    element = type_.element_type if isinstance(type_, VectorType) else type_
    if isinstance(element, IndexType):
        raise lowering_error(op, INDEX_ADVICE)
    if isinstance(type_, VectorType) and type_.get_num_dims() != 1:
        raise lowering_error(op, f"only 1-D vectors lower to llvm, got {type_}")


class ConstantLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.ConstantOp, rewriter: PatternRewriter, /) -> None:
        type_ = op.result.type
        _check_llvm_type(op, type_)
        if not isinstance(op.value, IntegerAttr | FloatAttr | DenseIntOrFPElementsAttr):
            raise lowering_error(op, f"cannot lower constant {op.value}")
        rewriter.replace(op, llvm.ConstantOp(op.value, type_))


_INTEGER_OVERFLOW_OPS: dict[type[Operation], type[llvm.ArithmeticBinOpOverflow]] = {
    arith.AddiOp: llvm.AddOp,
    arith.SubiOp: llvm.SubOp,
    arith.MuliOp: llvm.MulOp,
    arith.ShLIOp: llvm.ShlOp,
}

_INTEGER_PLAIN_OPS: dict[type[Operation], Callable[[SSAValue, SSAValue], Operation]] = {
    arith.DivSIOp: llvm.SDivOp,
    arith.DivUIOp: llvm.UDivOp,
    arith.RemSIOp: llvm.SRemOp,
    arith.RemUIOp: llvm.URemOp,
    arith.AndIOp: llvm.AndOp,
    arith.OrIOp: llvm.OrOp,
    arith.XOrIOp: llvm.XOrOp,
    arith.ShRSIOp: llvm.AShrOp,
    arith.ShRUIOp: llvm.LShrOp,
}


class IntegerBinaryLowering(RewritePattern):
    """The integer ops that are one LLVM instruction each."""

    op_types = (*_INTEGER_OVERFLOW_OPS, *_INTEGER_PLAIN_OPS)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (overflow_op := _INTEGER_OVERFLOW_OPS.get(type(op))) is not None:
            assert isinstance(op, arith.SignlessIntegerBinaryOperationWithOverflow)
            _check_llvm_type(op, op.result.type)
            bits = sum(_OVERFLOW_BITS[f] for f in op.overflow_flags.data)
            rewriter.replace(op, overflow_op(op.lhs, op.rhs, overflow=IntegerAttr(bits, 32)))
        elif (plain_op := _INTEGER_PLAIN_OPS.get(type(op))) is not None:
            assert isinstance(op, arith.SignlessIntegerBinaryOperation)
            _check_llvm_type(op, op.result.type)
            rewriter.replace(op, plain_op(op.lhs, op.rhs))


_FLOAT_OPS: dict[type[Operation], type[llvm.AbstractFloatArithOp]] = {
    arith.AddfOp: upstream(llvm.FAddOp),
    arith.SubfOp: upstream(llvm.FSubOp),
    arith.MulfOp: upstream(llvm.FMulOp),
    arith.DivfOp: upstream(llvm.FDivOp),
    arith_ext.RemFOp: upstream(llvm.FRemOp),
}


class FloatBinaryLowering(RewritePattern):
    op_types = tuple(_FLOAT_OPS)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (float_op := _FLOAT_OPS.get(type(op))) is not None:
            assert isinstance(op, arith.FloatingPointLikeBinaryOperation)
            rewriter.replace(op, float_op(op.lhs, op.rhs, llvm_fastmath(op.fastmath)))


class NegfLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.NegfOp, rewriter: PatternRewriter, /) -> None:
        rewriter.replace(op, upstream(llvm.FNegOp)(op.operand, llvm_fastmath(op.fastmath)))


class CmpiLowering(RewritePattern):
    """arith and llvm number the integer predicates identically."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CmpiOp, rewriter: PatternRewriter, /) -> None:
        _check_llvm_type(op, op.lhs.type)
        predicate = IntegerAttr(op.predicate.value.data, 64)
        rewriter.replace(op, llvm.ICmpOp(op.lhs, op.rhs, predicate))


_CMPF_FALSE, _CMPF_TRUE = 0, 15


class CmpfLowering(RewritePattern):
    """arith and llvm number the float predicates identically."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CmpfOp, rewriter: PatternRewriter, /) -> None:
        predicate = op.predicate.value.data
        if predicate in (_CMPF_FALSE, _CMPF_TRUE):
            if isinstance(op.lhs.type, VectorType):
                raise lowering_error(op, "constant predicates on vectors are not supported")
            value = IntegerAttr(int(predicate == _CMPF_TRUE), i1)
            rewriter.replace(op, llvm.ConstantOp(value, i1))
            return
        new_op = upstream(llvm.FCmpOp)(op.lhs, op.rhs, IntegerAttr(predicate, 64))
        new_op.fastmathFlags = llvm_fastmath(op.fastmath)
        rewriter.replace(op, new_op)


class SelectLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.SelectOp, rewriter: PatternRewriter, /) -> None:
        rewriter.replace(op, llvm.SelectOp(op.cond, op.lhs, op.rhs))


_CAST_OPS: dict[type[Operation], type[Operation]] = {
    arith.ExtSIOp: llvm.SExtOp,
    arith.ExtUIOp: llvm.ZExtOp,
    arith.TruncIOp: llvm.TruncOp,
    arith.SIToFPOp: llvm.SIToFPOp,
    arith.UIToFPOp: llvm_ext.UIToFPOp,
    arith.FPToSIOp: llvm_ext.FPToSIOp,
    arith.FPToUIOp: llvm_ext.FPToUIOp,
    arith.ExtFOp: llvm.FPExtOp,
    arith.TruncFOp: llvm.FPTruncOp,
    arith.BitcastOp: llvm.BitcastOp,
}


class CastLowering(RewritePattern):
    op_types = tuple(_CAST_OPS)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (cast_op := by_class(_CAST_OPS, op)) is not None:
            _check_llvm_type(op, op.operands[0].type)
            _check_llvm_type(op, op.results[0].type)
            new_op = cast_op(op.operands[0], op.results[0].type)
            if isinstance(op, arith_ext.TruncIOp) and op.overflow_flags.data:
                bits = sum(_OVERFLOW_BITS[f] for f in op.overflow_flags.data)
                new_op.overflowFlags = llvm.OverflowAttr.from_int(bits)
            rewriter.replace(op, new_op)


_MIN_MAX_OPS: dict[type[Operation], type[Operation]] = {
    arith.MinSIOp: llvm_ext.SMinOp,
    arith.MaxSIOp: llvm_ext.SMaxOp,
    arith.MinUIOp: llvm_ext.UMinOp,
    arith.MaxUIOp: llvm_ext.UMaxOp,
    arith.MinimumfOp: llvm_ext.MinimumOp,
    arith.MaximumfOp: llvm_ext.MaximumOp,
}


class MinMaxLowering(RewritePattern):
    op_types = (arith.MinnumfOp, arith.MaxnumfOp, *_MIN_MAX_OPS)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if isinstance(op, arith.MinnumfOp):
            rewriter.replace(
                op, upstream(llvm.VectorFMinOp)(op.lhs, op.rhs, llvm_fastmath(op.fastmath))
            )
        elif isinstance(op, arith.MaxnumfOp):
            rewriter.replace(
                op, upstream(llvm.VectorFMaxOp)(op.lhs, op.rhs, llvm_fastmath(op.fastmath))
            )
        elif (min_max := _MIN_MAX_OPS.get(type(op))) is not None:
            _check_llvm_type(op, op.results[0].type)
            fastmath = op.properties.get("fastmath")
            properties = (
                {"fastmathFlags": llvm_fastmath(fastmath)}
                if isinstance(fastmath, arith.FastMathFlagsAttr)
                else {}
            )
            new_op = min_max.create(
                operands=list(op.operands),
                result_types=[op.results[0].type],
                properties=properties,
            )
            rewriter.replace(op, new_op)


def _icmp(predicate: str) -> IntegerAttr[IntegerType]:
    return IntegerAttr(llvm.ICmpPredicateFlag(predicate).to_int(), 64)


def _scalar_integer(op: Operation, type_: Attribute) -> IntegerType:
    """`type_`, which must be a scalar integer: the expansions below are scalar."""
    _check_llvm_type(op, type_)
    if not isinstance(type_, IntegerType):
        raise lowering_error(op, f"is expanded for scalar integers only, got {type_}")
    return type_


class FloorDivSILowering(RewritePattern):
    """q = a / b; q - 1 when the remainder is non-zero and has b's opposite sign."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.FloorDivSIOp, rewriter: PatternRewriter, /) -> None:
        type_ = _scalar_integer(op, op.result.type)
        rewriter.replace(op, _signed_rounding_division(op.lhs, op.rhs, type_, "slt"))


class CeilDivSILowering(RewritePattern):
    """q = a / b; q + 1 when the remainder is non-zero and has b's sign."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CeilDivSIOp, rewriter: PatternRewriter, /) -> None:
        type_ = _scalar_integer(op, op.result.type)
        rewriter.replace(op, _signed_rounding_division(op.lhs, op.rhs, type_, "sge"))


def _signed_rounding_division(
    lhs: SSAValue, rhs: SSAValue, type_: IntegerType, sign_test: str
) -> list[Operation]:
    """Adjusts a truncating division by one toward -inf ("slt") or +inf ("sge")."""
    quotient = llvm.SDivOp(lhs, rhs)
    remainder = llvm.SRemOp(lhs, rhs)
    zero = llvm.ConstantOp(IntegerAttr(0, type_), type_)
    step = llvm.ConstantOp(IntegerAttr(-1 if sign_test == "slt" else 1, type_), type_)
    inexact = llvm.ICmpOp(remainder.res, zero.result, _icmp("ne"))
    signs = llvm.XOrOp(remainder.res, rhs)
    sign_matches = llvm.ICmpOp(signs.res, zero.result, _icmp(sign_test))
    adjust = llvm.AndOp(inexact.res, sign_matches.res)
    adjusted = llvm.AddOp(quotient.res, step.result)
    select = llvm.SelectOp(adjust.res, adjusted.res, quotient.res)
    return [quotient, remainder, zero, step, inexact, signs, sign_matches, adjust, adjusted, select]


class CeilDivUILowering(RewritePattern):
    """q = a / b, plus one when the remainder is non-zero."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CeilDivUIOp, rewriter: PatternRewriter, /) -> None:
        type_ = _scalar_integer(op, op.result.type)
        quotient = llvm.UDivOp(op.lhs, op.rhs)
        remainder = llvm.URemOp(op.lhs, op.rhs)
        zero = llvm.ConstantOp(IntegerAttr(0, type_), type_)
        inexact = llvm.ICmpOp(remainder.res, zero.result, _icmp("ne"))
        increment = llvm.ZExtOp(inexact.res, type_)
        rewriter.replace(
            op,
            [
                quotient,
                remainder,
                zero,
                inexact,
                increment,
                llvm.AddOp(quotient.res, increment.res),
            ],
        )


ARITH_TO_LLVM_PATTERNS: tuple[RewritePattern, ...] = (
    ConstantLowering(),
    IntegerBinaryLowering(),
    FloatBinaryLowering(),
    CmpiLowering(),
    CmpfLowering(),
    SelectLowering(),
    CastLowering(),
    MinMaxLowering(),
    NegfLowering(),
    FloorDivSILowering(),
    CeilDivSILowering(),
    CeilDivUILowering(),
)

TARGET = ConversionTarget(
    "convert-arith-to-llvm",
    illegal_dialects=("arith",),
    advice=lambda op: INDEX_ADVICE if has_index_type(op) else None,
)


@dataclass(frozen=True)
class ConvertArithToLLVMPass(ModulePass):
    name = "convert-arith-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewrite_by_op_type(op, ARITH_TO_LLVM_PATTERNS)
        TARGET.refuse_leftovers(op)
