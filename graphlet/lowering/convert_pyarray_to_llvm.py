"""`convert-pyarray-to-llvm`: NumPy arrays to the llvm dialect.

Element addresses are `data + sum(index * stride)` in plain (wrapping, never
trapping) i64 arithmetic and a byte GEP; loads and stores convert between the
storage type and the compute type (float32 <-> f64, int32 <-> i64, bool byte <-> i1);
a logged store first calls `graphlet_array_log` and guards its result (so it runs
before `convert-guards-to-status`). Allocation and pairwise sums are calls to the
array runtime (`graphlet.backend.arrays`); object fields are loads at their offsets.

    %p = "pyarray.element"(%d, %i, %s) ~> %o = llvm.mul %i, %s ; %p = llvm.getelementptr %d[%o] : i8
    %x = "pyarray.load"(%p) {dtype = "float32"} ~> %v = llvm.load %p : f32 ; %x = llvm.fpext %v
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    IntegerAttr,
    ModuleOp,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from graphlet import abi
from graphlet.dialects import pyarray, pyrt
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import declare_external_function

PTR = llvm.LLVMPointerType()
RUNTIME_PREFIX = "graphlet_array_"
DATA_OFFSET, STRIDES_OFFSET = abi.ARRAY_DATA_OFFSET, abi.ARRAY_STRIDES_OFFSET
_STORAGE: dict[str, Attribute] = {
    "float64": f64,
    "float32": f32,
    "int64": i64,
    "int32": i32,
    "bool": i8,
}


def _const(value: int) -> arith.ConstantOp:
    return arith.ConstantOp(IntegerAttr(value, i64))


def _byte_gep(base: SSAValue, offset: SSAValue) -> llvm.GEPOp:
    return llvm.GEPOp(base, [llvm.GEP_USE_SSA_VAL], i8, ssa_indices=[offset])


def _typed(ptr: SSAValue, dtype: str) -> llvm.GEPOp:
    """`ptr` as a pointer to the element's storage type (a no-op GEP: the translation
    to LLVM IR then types the pointer, which typed-pointer builds of llvmlite need)."""
    return llvm.GEPOp(ptr, [0], _STORAGE[dtype])


class ElementLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pyarray.ElementOp):
            return
        terms = list(op.terms)
        ops: list[Operation] = []
        offset: SSAValue | None = None
        for index, stride in zip(terms[::2], terms[1::2]):
            product = llvm.MulOp(index, stride)
            ops.append(product)
            if offset is None:
                offset = product.res
            else:
                total = llvm.AddOp(offset, product.res)
                ops.append(total)
                offset = total.res
        if offset is None:
            rewriter.replace(op, [], [op.data])
            return
        gep = _byte_gep(op.data, offset)
        rewriter.replace(op, [*ops, gep], [gep.result])


class LoadLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pyarray.LoadOp):
            return
        dtype = op.dtype.data
        typed = _typed(op.ptr, dtype)
        load = llvm.LoadOp(typed.result, _STORAGE[dtype])
        ops: list[Operation] = [typed, load]
        value = load.dereferenced_value
        if dtype == "float32":
            ops.append(llvm.FPExtOp(value, f64))
        elif dtype == "int32":
            ops.append(llvm.SExtOp(value, i64))
        elif dtype == "bool":
            ops.append(llvm.TruncOp(value, i1))
        rewriter.replace(op, ops, [ops[-1].results[0]])


class StoreLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pyarray.StoreOp):
            return
        dtype = op.dtype.data
        ops: list[Operation] = []
        if op.logged is not None:
            symbol = RUNTIME_PREFIX + "log"
            declare_external_function(
                op, rewriter, symbol, llvm.LLVMFunctionType([PTR, PTR, i64], i1)
            )
            size = _const(pyarray.item_size(dtype))
            call = llvm.CallOp(symbol, op.arena, op.ptr, size.result, return_type=i1)
            ops += [size, call, pyrt.GuardOp(call.results[0], pyrt.HAND_BACK)]
        value = op.value
        if dtype == "float32":
            narrowed = llvm.FPTruncOp(value, f32)
            ops.append(narrowed)
            value = narrowed.results[0]
        elif dtype == "int32":
            truncated = llvm.TruncOp(value, i32)
            ops.append(truncated)
            value = truncated.results[0]
        elif dtype == "bool":
            widened = llvm.ZExtOp(value, i8)
            ops.append(widened)
            value = widened.res
        typed = _typed(op.ptr, dtype)
        ops += [typed, llvm.StoreOp(value, typed.result)]
        rewriter.replace(op, ops, [])


class NewLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pyarray.NewOp):
            return
        symbol = f"{RUNTIME_PREFIX}new_{op.fill.data}_{op.dtype.data}"
        declare_external_function(
            op, rewriter, symbol, llvm.LLVMFunctionType([PTR, i64, i64, i64, i64], PTR)
        )
        shape = list(op.shape)
        ndim = _const(len(shape))
        padding = [_const(0) for _ in range(3 - len(shape))]
        call = llvm.CallOp(
            symbol,
            op.arena,
            ndim.result,
            *shape,
            *(p.result for p in padding),
            return_type=PTR,
        )
        address = llvm.PtrToIntOp(call.results[0], i64)
        zero = _const(0)
        ok = arith.CmpiOp(address.results[0], zero.result, "ne")
        rewriter.replace(
            op, [ndim, *padding, call, address, zero, ok], [call.results[0], ok.result]
        )


class FieldLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if isinstance(op, pyarray.DataOp):
            at = _const(DATA_OFFSET)
            field = _byte_gep(op.array, at.result)
            rewriter.replace(op, [at, field, llvm.LoadOp(field.result, PTR)])
        elif isinstance(op, pyarray.StrideOp):
            at = _const(STRIDES_OFFSET)
            field = _byte_gep(op.array, at.result)
            strides = llvm.LoadOp(field.result, PTR)
            element = llvm.GEPOp(strides.dereferenced_value, [int(op.axis.data)], i64)
            rewriter.replace(op, [at, field, strides, element, llvm.LoadOp(element.result, i64)])


class SumLowering(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, pyarray.SumOp):
            return
        symbol = f"{RUNTIME_PREFIX}sum_{op.dtype.data}"
        declare_external_function(op, rewriter, symbol, llvm.LLVMFunctionType([PTR, i64, i64], f64))
        rewriter.replace(op, llvm.CallOp(symbol, op.data, op.count, op.stride, return_type=f64))


PYARRAY_TO_LLVM_PATTERNS: tuple[RewritePattern, ...] = (
    ElementLowering(),
    LoadLowering(),
    StoreLowering(),
    NewLowering(),
    FieldLowering(),
    SumLowering(),
)


TARGET = ConversionTarget("convert-pyarray-to-llvm", illegal_dialects=("pyarray",))


@dataclass(frozen=True)
class ConvertPyarrayToLLVMPass(ModulePass):
    name = "convert-pyarray-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if TARGET.finds_nothing(op):
            return  # its patterns match only the target's ops
        PatternRewriteWalker(
            GreedyRewritePatternApplier(list(PYARRAY_TO_LLVM_PATTERNS), dce_enabled=False),
            apply_recursively=False,
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
