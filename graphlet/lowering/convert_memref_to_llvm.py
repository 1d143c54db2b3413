"""`convert-memref-to-llvm`: static, row-major memrefs -> bare `!llvm.ptr`s.

Shapes are static and layouts row-major (what `graphlet-bufferize` produces), so a
memref is just its aligned data pointer: function arguments and call operands of
memref type become `!llvm.ptr` (the bare-pointer ABI; the runtime checks shapes
before the call). Accesses become

    %lin = (i0 * s1 + i1) * s2 + i2            (index arithmetic, nsw)
    %p   = llvm.getelementptr inbounds %base[%lin] : elem
    llvm.load %p / llvm.store %v, %p

so LLVM sees typed, in-bounds address arithmetic it can analyse and vectorise,
unlike xDSL's ptrtoint/add/inttoptr. An `i1` element is a byte in memory (NumPy's
and torch's bool), loaded as i8 and truncated, stored zero-extended: LLVM
scalarises memory accesses of `i1` itself, and vectorises those of i8. Loads and
stores carry no `alignment`: LLVM's default is the element's natural alignment,
which is what they have, and xDSL 0.74 prints the attribute in a syntax upstream
MLIR no longer parses. `alloc` calls `aligned_alloc` (size
rounded up to the alignment), `dealloc` calls `free`, `alloca` is
`llvm.alloca`, globals become LLVM globals, a `reinterpret_cast` is the pointer
moved by its offset. Values keep their memref type through
`builtin.unrealized_conversion_cast`s while the pass runs, so each access still
knows its shape; `reconcile-unrealized-casts` removes the pairs afterwards.
Indices stay `index` (run `convert-index-to-i64` later).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, llvm, memref
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FixedBitwidthType,
    FunctionType,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    TensorType,
    UnrealizedConversionCastOp,
    i1,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from graphlet.locations import lowering_error
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import declare_external_function
from graphlet.lowering.pattern_dispatch import rewrite_by_op_type

PTR = llvm.LLVMPointerType()
BYTE = IntegerType(8)


def _storage(element: Attribute) -> Attribute:
    """The in-memory type of an element: bools are bytes."""
    return BYTE if element == i1 else element


NSW = arith.IntegerOverflowAttr([arith.IntegerOverflowFlag.NSW])


def _bytes(op: Operation, element: Attribute) -> int:
    """The size of an element in memory (an i1 is a byte)."""
    if isinstance(element, IndexType):
        return 8  # index is i64 once lowered
    if not isinstance(element, FixedBitwidthType):
        raise lowering_error(op, f"no size in memory for elements of type {element}")
    return element.size


def _convert_type(t: Attribute) -> Attribute:
    return PTR if isinstance(t, MemRefType) else t


def _pointer(value: SSAValue, rewriter: PatternRewriter) -> SSAValue:
    """The `!llvm.ptr` of a memref value (looking through a ptr->memref cast)."""
    owner = value.owner
    if isinstance(owner, UnrealizedConversionCastOp) and owner.inputs[0].type == PTR:
        return owner.inputs[0]
    cast = _cast(value, PTR)
    rewriter.insert(cast)
    return cast.results[0]


def _cast(value: SSAValue, t: Attribute) -> UnrealizedConversionCastOp:
    """The cast that keeps a value's other type (a pointer's memref) while the pass runs."""
    return UnrealizedConversionCastOp(operands=[[value]], result_types=[[t]])


def _i64(value: int) -> arith.ConstantOp:
    return arith.ConstantOp(IntegerAttr(value, i64))


def _address(op: memref.LoadOp | memref.StoreOp, rewriter: PatternRewriter) -> SSAValue:
    t = op.memref.type
    if not isinstance(t, MemRefType) or not t.layout.__class__.__name__ == "NoneAttr":
        raise lowering_error(op, f"only row-major memrefs lower to llvm, got {t}")
    base = _pointer(op.memref, rewriter)
    if not op.indices:
        return base
    shape = t.get_shape()
    linear = op.indices[0]
    for size, index in zip(shape[1:], op.indices[1:]):
        size_op = arith.ConstantOp(IntegerAttr(size, IndexType()))
        mul = arith.MuliOp(linear, size_op, overflow=NSW)
        add = arith.AddiOp(mul, index, overflow=NSW)
        rewriter.insert([size_op, mul, add])
        linear = add.result
    cast = arith.IndexCastOp(linear, i64)
    gep = llvm.GEPOp(
        base,
        [llvm.GEP_USE_SSA_VAL],
        _storage(t.get_element_type()),
        ssa_indices=[cast.result],
        inbounds=True,
    )
    rewriter.insert([cast, gep])
    return gep.result


class LoadLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.LoadOp, rewriter: PatternRewriter) -> None:
        element = op.res.type
        load = llvm.LoadOp(_address(op, rewriter), _storage(element))
        rewriter.replace(
            op, [load, llvm.TruncOp(load.dereferenced_value, i1)] if element == i1 else load
        )


class StoreLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.StoreOp, rewriter: PatternRewriter) -> None:
        element = op.value.type
        value: list[Operation] = [llvm.ZExtOp(op.value, BYTE)] if element == i1 else []
        stored = value[0].results[0] if value else op.value
        rewriter.replace(op, [*value, llvm.StoreOp(stored, _address(op, rewriter))])


class AllocLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.AllocOp, rewriter: PatternRewriter) -> None:
        t = op.memref.type
        if op.dynamic_sizes:
            raise lowering_error(op, "dynamic shapes are not supported")
        alignment = op.alignment.value.data if op.alignment is not None else 16
        size = math.prod(t.get_shape()) * _bytes(op, t.get_element_type())
        size = max(alignment, -(-size // alignment) * alignment)
        declare_external_function(
            op, rewriter, "aligned_alloc", llvm.LLVMFunctionType([i64, i64], PTR)
        )
        ops: list[Operation] = [a := _i64(alignment), s := _i64(size)]
        ops.append(call := llvm.CallOp("aligned_alloc", a.result, s.result, return_type=PTR))
        ops.append(_cast(call.results[0], t))
        rewriter.replace(op, ops)


class AllocaLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.AllocaOp, rewriter: PatternRewriter) -> None:
        t = op.memref.type
        count = _i64(math.prod(t.get_shape()))
        alloca = llvm.AllocaOp(count, t.get_element_type())
        rewriter.replace(op, [count, alloca, _cast(alloca.res, t)])


class DeallocLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.DeallocOp, rewriter: PatternRewriter) -> None:
        declare_external_function(op, rewriter, "free", llvm.LLVMFunctionType([PTR]))
        rewriter.replace(op, llvm.CallOp("free", _pointer(op.memref, rewriter)))


class GlobalLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.GlobalOp, rewriter: PatternRewriter) -> None:
        t = op.type
        count, element = math.prod(t.get_shape()), t.get_element_type()
        initial = op.initial_value
        if not isinstance(initial, DenseIntOrFPElementsAttr) or len(initial.get_values()) != count:
            raise lowering_error(op, "only globals with a full dense initial value lower to llvm")
        value: DenseIntOrFPElementsAttr = initial
        if element == i1:
            value = DenseIntOrFPElementsAttr.from_list(
                TensorType(BYTE, [count]), [int(v) for v in initial.get_values()]
            )
        array = llvm.LLVMArrayType(IntAttr(count), _storage(element))
        alignment = op.alignment.value.data if op.alignment is not None else None
        rewriter.replace(
            op,
            llvm.GlobalOp(
                array,
                op.sym_name,
                "internal",
                constant=op.constant is not None,
                value=value,
                alignment=alignment,
            ),
        )


class GetGlobalLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.GetGlobalOp, rewriter: PatternRewriter) -> None:
        address = llvm.AddressOfOp(op.name_.root_reference, PTR)
        rewriter.replace(op, [address, _cast(address.result, op.memref.type)])


class ReinterpretCastLowering(RewritePattern):
    """A view at an element offset (static or dynamic) is the pointer moved by it."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.ReinterpretCastOp, rewriter: PatternRewriter) -> None:
        if len(op.static_offsets.get_values()) != 1:
            raise lowering_error(op, "only 1-offset views of row-major memrefs lower to llvm")
        source = op.source.type
        if not isinstance(source, MemRefType):
            raise lowering_error(op, f"the source of a view must be a memref, got {source}")
        base = _pointer(op.source, rewriter)
        offset: SSAValue
        if op.offsets:
            cast = arith.IndexCastOp(op.offsets[0], i64)
            rewriter.insert(cast)
            offset = cast.result
        elif (static := op.static_offsets.get_values()[0]) != 0:
            constant = _i64(static)
            rewriter.insert(constant)
            offset = constant.result
        else:
            rewriter.replace(op, _cast(base, op.result.type))
            return
        element = _storage(source.get_element_type())
        gep = llvm.GEPOp(base, [llvm.GEP_USE_SSA_VAL], element, ssa_indices=[offset], inbounds=True)
        rewriter.replace(op, [gep, _cast(gep.result, op.result.type)])


class FuncSignatureLowering(RewritePattern):
    """Memref arguments become pointers, cast back to their memref at entry."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter) -> None:
        inputs, outputs = op.function_type.inputs.data, op.function_type.outputs.data
        if not any(isinstance(t, MemRefType) for t in (*inputs, *outputs)):
            return
        if any(isinstance(t, MemRefType) for t in outputs):
            raise lowering_error(op, "memref results are not supported (bufferize to out-params)")
        op.function_type = FunctionType.from_lists([_convert_type(t) for t in inputs], outputs)
        if not op.body.blocks:
            return
        entry = op.body.blocks[0]
        for index, arg in enumerate(list(entry.args)):
            if isinstance(arg.type, MemRefType):
                pointer = entry.insert_arg(PTR, index)
                pointer.name_hint = arg.name_hint
                cast = _cast(pointer, arg.type)
                rewriter.insert(cast, InsertPoint.at_start(entry))
                arg.replace_all_uses_with(cast.results[0])
                entry.erase_arg(arg)


class CallLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.CallOp, rewriter: PatternRewriter) -> None:
        if not any(isinstance(a.type, MemRefType) for a in op.arguments):
            return
        args = [
            _pointer(a, rewriter) if isinstance(a.type, MemRefType) else a for a in op.arguments
        ]
        rewriter.replace(op, func.CallOp(op.callee, args, op.result_types))


TARGET = ConversionTarget("convert-memref-to-llvm", illegal_dialects=("memref",))


@dataclass(frozen=True)
class ConvertMemrefToLLVMPass(ModulePass):
    name = "convert-memref-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [
            FuncSignatureLowering(),
            CallLowering(),
            LoadLowering(),
            StoreLowering(),
            AllocLowering(),
            AllocaLowering(),
            DeallocLowering(),
            GlobalLowering(),
            GetGlobalLowering(),
            ReinterpretCastLowering(),
        ]
        rewrite_by_op_type(op, patterns, dce_enabled=True)
        TARGET.refuse_leftovers(op)
