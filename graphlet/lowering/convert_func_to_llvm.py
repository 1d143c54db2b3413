"""`convert-func-to-llvm`: functions, calls and returns to the llvm dialect.

A `func.func` with several results returns an `!llvm.struct<(...)>` of them;
calls unpack it with `llvm.extractvalue`. A body-less `func.func` becomes an
external declaration; a private function with a body gets internal linkage.
Argument attributes (`llvm.noalias`, ...) and a `passthrough` array of LLVM function
attributes (`["noinline"]`, as upstream's) carry over to the `llvm.func`.

C interface contract (used by graphlet's runtime through ctypes). For every
`func.func @f` carrying the unit attribute `llvm.emit_c_interface`, the pass
adds

    llvm.func @_mlir_ciface_f(%results: !llvm.ptr, <the arguments of @f>)

returning void. It calls `@f` and writes result i into the 8-byte slot at
`results + 8 * i`: integers narrower than 64 bits sign-extended to i64 (except
i1, zero-extended to 0/1), i64 as is, f16/f32 widened to double, f64 and pointers
as is. The
caller owns the buffer (8 bytes per result; it may be NULL when there are no
results). Argument types are passed unchanged, so scalar C types apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import (
    AnyFloat,
    ArrayAttr,
    DenseArrayBase,
    Float64Type,
    IntegerType,
    ModuleOp,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet.abi import C_INTERFACE_ATTRIBUTE, C_INTERFACE_PREFIX
from graphlet.locations import lowering_error
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.pattern_dispatch import rewrite_by_op_type


def llvm_return_type(result_types: tuple[Attribute, ...]) -> Attribute:
    if not result_types:
        return llvm.LLVMVoidType()
    if len(result_types) == 1:
        return result_types[0]
    return llvm.LLVMStructType.from_type_list(result_types)


def _position(index: int) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [index])


class FuncLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter, /) -> None:
        inputs = op.function_type.inputs.data
        outputs = op.function_type.outputs.data
        for t in (*inputs, *outputs):
            if not llvm.is_compatible_type(t):
                raise lowering_error(
                    op,
                    f"convert-func-to-llvm cannot lower this op: a {t} argument or result "
                    "has no LLVM type (memrefs and tensors go through lower-tensors-to-llvm)",
                )
        function_type = llvm.LLVMFunctionType(inputs, llvm_return_type(outputs))
        has_body = bool(op.body.blocks)
        is_private = op.sym_visibility is not None and op.sym_visibility.data == "private"
        linkage = "internal" if has_body and is_private else "external"
        body = rewriter.move_region_contents_to_new_regions(op.body)
        new_func = llvm.FuncOp(
            op.sym_name.data,
            function_type,
            linkage=llvm.LinkageAttr(linkage),
            body=body,
        )
        new_func.location = op.location  # errors in the body keep naming the source
        if op.arg_attrs is not None:
            new_func.arg_attrs = op.arg_attrs
        if isinstance(passthrough := op.attributes.get("passthrough"), ArrayAttr):
            new_func.passthrough = passthrough
        new_ops: list[Operation] = [new_func]
        if C_INTERFACE_ATTRIBUTE in op.attributes:
            argument_names = [a.name_hint for a in body.blocks[0].args] if has_body else []
            new_ops.append(_c_interface_wrapper(op, function_type, outputs, argument_names))
        rewriter.replace(op, new_ops, [])


def _c_interface_wrapper(
    op: func.FuncOp,
    function_type: llvm.LLVMFunctionType,
    outputs: tuple[Attribute, ...],
    argument_names: list[str | None],
) -> llvm.FuncOp:
    """`_mlir_ciface_<name>(ptr results, args...)`: see the module docstring."""
    name = op.sym_name.data
    pointer = llvm.LLVMPointerType()
    block = Block(arg_types=[pointer, *function_type.inputs.data])
    results_buffer, *args = block.args
    results_buffer.name_hint = "results"
    for arg, hint in zip(args, argument_names):
        arg.name_hint = hint
    call = llvm.CallOp(
        name,
        *args,
        return_type=None if not outputs else function_type.output,
    )
    block.add_op(call)
    for index, result_type in enumerate(outputs):
        if len(outputs) == 1:
            value: SSAValue = call.results[0]
        else:
            extract = llvm.ExtractValueOp(_position(index), call.results[0], result_type)
            block.add_op(extract)
            value = extract.res
        widened = _widen_to_slot(op, value, result_type)
        block.add_ops(widened)
        stored = widened[-1].results[0] if widened else value
        slot: SSAValue = results_buffer
        if index != 0:
            gep = llvm.GEPOp(results_buffer, [index], i64)
            block.add_op(gep)
            slot = gep.result
        block.add_op(llvm.StoreOp(stored, slot))
    block.add_op(llvm.ReturnOp())
    return llvm.FuncOp(
        C_INTERFACE_PREFIX + name,
        llvm.LLVMFunctionType([pointer, *function_type.inputs.data]),
        linkage=llvm.LinkageAttr("external"),
        body=Region(block),
    )


def _widen_to_slot(op: Operation, value: SSAValue, type_: Attribute) -> list[Operation]:
    """The ops turning a result into its 8-byte slot value (none if already i64/f64)."""
    if isinstance(type_, IntegerType) and type_.width.data <= 64:
        if type_.width.data == 64:
            return []
        if type_.width.data == 1:
            return [llvm.ZExtOp(value, i64)]
        return [llvm.SExtOp(value, i64)]
    if isinstance(type_, Float64Type | llvm.LLVMPointerType):
        return []
    if isinstance(type_, AnyFloat) and type_.bitwidth < 64:
        return [llvm.FPExtOp(value, Float64Type())]
    raise lowering_error(op, f"C interface: result type {type_} does not fit an 8-byte slot")


class ReturnLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.ReturnOp, rewriter: PatternRewriter, /) -> None:
        values = op.arguments
        if len(values) <= 1:
            rewriter.replace(op, llvm.ReturnOp(values[0] if values else None))
            return
        struct_type = llvm_return_type(tuple(v.type for v in values))
        undef = llvm.UndefOp(struct_type)
        ops: list[Operation] = [undef]
        aggregate: SSAValue = undef.res
        for index, value in enumerate(values):
            insert = llvm.InsertValueOp(_position(index), aggregate, value)
            ops.append(insert)
            aggregate = insert.res
        ops.append(llvm.ReturnOp(aggregate))
        rewriter.replace(op, ops)


class CallLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.CallOp, rewriter: PatternRewriter, /) -> None:
        result_types = op.result_types
        return_type = llvm_return_type(tuple(result_types))
        call = llvm.CallOp(
            op.callee,
            *op.arguments,
            return_type=None if not result_types else return_type,
        )
        if len(result_types) <= 1:
            rewriter.replace(op, call)
            return
        extracts = [
            llvm.ExtractValueOp(_position(index), call.results[0], type_)
            for index, type_ in enumerate(result_types)
        ]
        rewriter.replace(op, [call, *extracts], [e.res for e in extracts])


FUNC_TO_LLVM_PATTERNS: tuple[RewritePattern, ...] = (
    FuncLowering(),
    ReturnLowering(),
    CallLowering(),
)

TARGET = ConversionTarget("convert-func-to-llvm", illegal_dialects=("func",))


@dataclass(frozen=True)
class ConvertFuncToLLVMPass(ModulePass):
    name = "convert-func-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewrite_by_op_type(op, FUNC_TO_LLVM_PATTERNS)
        TARGET.refuse_leftovers(op)
