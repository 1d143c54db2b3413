"""`convert-pyrt-to-llvm`: checked arithmetic to LLVM's overflow intrinsics.

    %v, %o = pyrt.checked_addi %a, %b : i64
~>  %s = llvm.call_intrinsic "llvm.sadd.with.overflow.i64"(%a, %b) : (i64, i64) -> !llvm.struct<(i64, i1)>
    %v = llvm.extractvalue %s[0] : !llvm.struct<(i64, i1)>
    %o = llvm.extractvalue %s[1] : !llvm.struct<(i64, i1)>

The region ops (`@jit`'s region breaks, docs/jit-region-breaks.md) become an
`llvm.alloca` of the frame and calls of the region runtime's two helpers:

    %ok, %r = "pyrt.region_call"(%frame, %x) <{site = 3 : i64, result_slot = 3 : i64}>
~>  llvm.store %x, slot 2 of %frame;  %s = llvm.call @graphlet_region_call(%frame, 3)
    %ok = %s == 0;  %r = llvm.load slot 3 of %frame

Guards must be gone by now (`convert-guards-to-status`): one left, or any other
pyrt op, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, i1, i32, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet import abi
from graphlet.dialects import pyrt
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import declare_external_function, intrinsic_call
from graphlet.lowering.pattern_dispatch import rewrite_by_op_type


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


def _slot(frame: SSAValue, index: int, ops: list[Operation]) -> SSAValue:
    """The address of slot `index` of a region frame (ops appended to `ops`)."""
    if index == 0:
        return frame
    gep = llvm.GEPOp(frame, [index], i64)
    ops.append(gep)
    return gep.result


class LowerRegionFrame(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: pyrt.RegionFrameOp, rewriter: PatternRewriter, /) -> None:
        count = arith.ConstantOp(IntegerAttr(op.slots.value.data, i64))
        alloca = llvm.AllocaOp(count, i64, alignment=8)
        zero = arith.ConstantOp(IntegerAttr(0, i64))
        ops: list[Operation] = [count, alloca, zero]
        for index in range(abi.REGION_HEADER_SLOTS):
            ops.append(llvm.StoreOp(zero, _slot(alloca.res, index, ops)))
        rewriter.replace(op, ops, [alloca.res])


class LowerRegionCall(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: pyrt.RegionCallOp, rewriter: PatternRewriter, /) -> None:
        ops: list[Operation] = []
        for index, value in enumerate(op.values, start=abi.REGION_HEADER_SLOTS):
            if value.type == i1:
                widened = llvm.ZExtOp(value, i64)
                ops.append(widened)
                value = widened.res
            elif value.type != i64:
                bits = llvm.BitcastOp(value, i64)
                ops.append(bits)
                value = bits.result
            ops.append(llvm.StoreOp(value, _slot(op.frame, index, ops)))
        function_type = llvm.LLVMFunctionType([llvm.LLVMPointerType(), i64], i32)
        declare_external_function(op, rewriter, abi.REGION_CALL_SYMBOL, function_type)
        site = arith.ConstantOp(IntegerAttr(op.site.value.data, i64))
        call = llvm.CallOp(abi.REGION_CALL_SYMBOL, op.frame, site.result, return_type=i32)
        zero = arith.ConstantOp(IntegerAttr(0, i32))
        ok = arith.CmpiOp(call.results[0], zero.result, "eq")
        ops += [site, call, zero, ok]
        results: list[SSAValue] = [ok.result]
        if op.result:
            assert op.result_slot is not None
            (result,) = op.result
            load = llvm.LoadOp(_slot(op.frame, op.result_slot.value.data, ops), i64)
            ops.append(load)
            value = load.dereferenced_value
            if result.type == i1:
                narrowed = llvm.TruncOp(value, i1)
                ops.append(narrowed)
                value = narrowed.res
            elif result.type != i64:
                bits = llvm.BitcastOp(value, result.type)
                ops.append(bits)
                value = bits.result
            results.append(value)
        rewriter.replace(op, ops, results)


class LowerRegionUnwind(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: pyrt.RegionUnwindOp, rewriter: PatternRewriter, /) -> None:
        function_type = llvm.LLVMFunctionType([llvm.LLVMPointerType(), i32], i32)
        declare_external_function(op, rewriter, abi.REGION_UNWIND_SYMBOL, function_type)
        call = llvm.CallOp(abi.REGION_UNWIND_SYMBOL, op.frame, op.status, return_type=i32)
        rewriter.replace(op, call, call.results)


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
        rewrite_by_op_type(
            op,
            [LowerCheckedArith(), LowerRegionFrame(), LowerRegionCall(), LowerRegionUnwind()],
            dce_enabled=True,
        )
        TARGET.refuse_leftovers(op)
