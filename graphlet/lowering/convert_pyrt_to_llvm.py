"""`convert-pyrt-to-llvm`: checked arithmetic to LLVM's overflow intrinsics.

    %v, %o = pyrt.checked_addi %a, %b : i64
~>  %s = llvm.call_intrinsic "llvm.sadd.with.overflow.i64"(%a, %b) : (i64, i64) -> !llvm.struct<(i64, i1)>
    %v = llvm.extractvalue %s[0] : !llvm.struct<(i64, i1)>
    %o = llvm.extractvalue %s[1] : !llvm.struct<(i64, i1)>

Guards must be gone by now (`convert-guards-to-status`): one left, or any other
pyrt op, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import llvm
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, i1, i64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet.dialects import pyrt
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import intrinsic_call


class LowerCheckedArith(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: pyrt.CheckedIntegerOp, rewriter: PatternRewriter, /) -> None:
        t = op.value.type
        pair = llvm.LLVMStructType.from_type_list([t, i1])
        call = intrinsic_call(op.LLVM_INTRINSIC, [op.lhs, op.rhs], pair, t)
        value, overflow = (
            llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [i]), call.results[0], rt)
            for i, rt in enumerate((t, i1))
        )
        rewriter.replace(op, [call, value, overflow], [value.res, overflow.res])


TARGET = ConversionTarget(
    "convert-pyrt-to-llvm",
    illegal_dialects=("pyrt",),
    advice=lambda op: (
        "run convert-guards-to-status first" if isinstance(op, pyrt.GuardOp) else None
    ),
)


@dataclass(frozen=True)
class ConvertPyrtToLlvmPass(ModulePass):
    name = "convert-pyrt-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([LowerCheckedArith()]), apply_recursively=False
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
