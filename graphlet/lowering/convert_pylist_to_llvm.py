"""`convert-pylist-to-llvm`: native lists to the llvm dialect.

Reading and writing an item and the length are inline loads and stores on the
list header (`graphlet.backend.lists`: length at byte 0, the item pointer at 16,
the dirty flag at 40; bool items are bytes); everything that allocates, moves, searches or
compares items is a call to the list runtime (`graphlet_list_<op>[_<item>]`),
declared here and resolved by the JIT (each op names its function, `RUNTIME`). An
allocating op's `ok` is `list != null`.

    %x = "pylist.get"(%l, %i) : (!llvm.ptr, i64) -> f64
      ~>  %d = llvm.load (gep %l[2] : i64) ; %x = llvm.load (gep %d[%i] : f64)
    %ok = "pylist.append"(%arena, %l, %x) : (!llvm.ptr, !llvm.ptr, f64) -> i1
      ~>  %ok = llvm.call @graphlet_list_append_f64(%arena, %l, %x)

Runs right after `convert-graphlet-to-arith` (item values are arith-level scalars).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp, i1, i8, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from graphlet.dialects import pylist
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import declare_external_function

PTR = llvm.LLVMPointerType()
RUNTIME_PREFIX = "graphlet_list_"
LENGTH_FIELD, DATA_FIELD, DIRTY_FIELD = 0, 2, 5
"""Positions of the header's 8-byte fields."""


def _storage(item: Attribute) -> Attribute:
    return i8 if isinstance(item, IntegerType) and item.width.data == 1 else item


def _field(list_: SSAValue, index: int) -> llvm.GEPOp:
    return llvm.GEPOp(list_, [index], i64)


class RuntimeCallLowering(RewritePattern):
    """Ops whose work is in the runtime library: one call each."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pylist.PylistOp) or op.RUNTIME is None:
            return
        operands = list(op.operands)
        if isinstance(op, pylist.CompareOp):
            code = pylist.COMPARE_PREDICATES.index(op.predicate.data)
            predicate = arith.ConstantOp(IntegerAttr(code, i64))
            rewriter.insert(predicate)
            operands.append(predicate.result)
        if op.SIZED:
            size = arith.ConstantOp(IntegerAttr(pylist.item_size(op.item_type()), i64))
            rewriter.insert(size)
            operands.append(size.result)
        name = op.RUNTIME.format(item=pylist.item_name(op.item_type()))
        allocating = isinstance(op, pylist.Allocating)
        result_type = PTR if allocating else (op.results[0].type if op.results else None)
        symbol = RUNTIME_PREFIX + name
        function_type = llvm.LLVMFunctionType(
            [o.type for o in operands],
            result_type if result_type is not None else llvm.LLVMVoidType(),
        )
        declare_external_function(op, rewriter, symbol, function_type)
        call = llvm.CallOp(symbol, *operands, return_type=result_type)
        if not allocating:
            rewriter.replace(op, call, call.results)
            return
        address = llvm.PtrToIntOp(call.results[0], i64)
        zero = arith.ConstantOp(IntegerAttr(0, i64))
        ok = arith.CmpiOp(address.results[0], zero.result, "ne")
        rewriter.replace(op, [call, address, zero, ok], [call.results[0], ok.result])


class LenLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pylist.LenOp):
            return
        rewriter.replace(op, llvm.LoadOp(op.list_, i64))


def _item_address(list_: SSAValue, index: SSAValue, item: Attribute) -> list[Operation]:
    data_field = _field(list_, DATA_FIELD)
    data = llvm.LoadOp(data_field.result, PTR)
    address = llvm.GEPOp(
        data.dereferenced_value, [llvm.GEP_USE_SSA_VAL], _storage(item), ssa_indices=[index]
    )
    return [data_field, data, address]


def _mark_dirty(list_: SSAValue) -> list[Operation]:
    one = arith.ConstantOp(IntegerAttr(1, i64))
    dirty = _field(list_, DIRTY_FIELD)
    return [one, dirty, llvm.StoreOp(one.result, dirty.result)]


class GetLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pylist.GetOp):
            return
        item = op.result.type
        ops = _item_address(op.list_, op.index, item)
        load = llvm.LoadOp(ops[-1].results[0], _storage(item))
        ops.append(load)
        if _storage(item) != item:
            ops.append(llvm.TruncOp(load.dereferenced_value, i1))
        rewriter.replace(op, ops, [ops[-1].results[0]])


class SetLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pylist.SetOp):
            return
        item = op.value.type
        ops = _item_address(op.list_, op.index, item)
        value = op.value
        if _storage(item) != item:
            widened = llvm.ZExtOp(value, i8)
            ops.append(widened)
            value = widened.res
        ops.append(llvm.StoreOp(value, ops[2].results[0]))
        rewriter.replace(op, [*ops, *_mark_dirty(op.list_)], [])


class ClearLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pylist.ClearOp):
            return
        zero = arith.ConstantOp(IntegerAttr(0, i64))
        store = llvm.StoreOp(zero.result, op.list_)
        rewriter.replace(op, [zero, store, *_mark_dirty(op.list_)], [])


class SameLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pylist.SameOp):
            return
        lhs, rhs = llvm.PtrToIntOp(op.lhs, i64), llvm.PtrToIntOp(op.rhs, i64)
        same = arith.CmpiOp(lhs.results[0], rhs.results[0], "eq")
        rewriter.replace(op, [lhs, rhs, same], [same.result])


PYLIST_TO_LLVM_PATTERNS: tuple[RewritePattern, ...] = (
    RuntimeCallLowering(),
    LenLowering(),
    GetLowering(),
    SetLowering(),
    ClearLowering(),
    SameLowering(),
)

TARGET = ConversionTarget("convert-pylist-to-llvm", illegal_dialects=("pylist",))


@dataclass(frozen=True)
class ConvertPylistToLLVMPass(ModulePass):
    name = "convert-pylist-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if TARGET.finds_nothing(op):
            return  # its patterns match only the target's ops
        PatternRewriteWalker(
            GreedyRewritePatternApplier(list(PYLIST_TO_LLVM_PATTERNS), dce_enabled=False),
            apply_recursively=False,
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
