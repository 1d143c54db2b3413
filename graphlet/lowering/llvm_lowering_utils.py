"""Helpers shared by the `convert-*-to-llvm` passes: flags, intrinsic names,
external declarations and located errors."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    AnyFloat,
    IntegerType,
    ModuleOp,
    StringAttr,
    VectorType,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint

from graphlet.locations import lowering_error


def llvm_fastmath(flags: arith.FastMathFlagsAttr) -> llvm.FastMathAttr:
    return llvm.FastMathAttr(flags.data)


def type_suffix(type_: Attribute) -> str:
    """LLVM's overload suffix of an intrinsic: i64, f32, v4f64, ..."""
    if isinstance(type_, VectorType):
        return f"v{type_.get_shape()[0]}{type_suffix(type_.element_type)}"
    if isinstance(type_, IntegerType):
        return f"i{type_.width.data}"
    if isinstance(type_, AnyFloat):
        return f"f{type_.bitwidth}"
    raise ValueError(f"no LLVM intrinsic suffix for type {type_}")


def intrinsic_call(
    name: str,
    operands: Sequence[SSAValue],
    result_type: Attribute,
    *suffix_types: Attribute,
) -> llvm.CallIntrinsicOp:
    """`llvm.call_intrinsic` of `name` mangled with the given types (the result
    type when none are given), e.g. `llvm.smax.i64`."""
    types = suffix_types or (result_type,)
    mangled = ".".join((name, *(type_suffix(t) for t in types)))
    return llvm.CallIntrinsicOp(mangled, operands, [result_type])


def enclosing_module(op: Operation) -> ModuleOp:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, ModuleOp):
        parent = parent.parent_op()
    if parent is None:
        raise lowering_error(op, "is not nested in a builtin.module")
    return parent


def declare_external_function(
    op: Operation,
    rewriter: PatternRewriter,
    name: str,
    function_type: llvm.LLVMFunctionType,
) -> None:
    """Adds `llvm.func @name` (a declaration, resolved by the linker or the JIT
    from the process, e.g. libm) to the module of `op` unless a symbol of that
    name exists already."""
    module = enclosing_module(op)
    for existing in module.body.block.ops:
        if existing.properties.get("sym_name") == StringAttr(name):
            if existing.regions and existing.regions[0].blocks:
                raise lowering_error(
                    op, f"needs the external function @{name}, but the module defines its own"
                )
            return
    declaration = llvm.FuncOp(name, function_type, linkage=llvm.LinkageAttr("external"))
    rewriter.insert(declaration, InsertPoint.at_end(module.body.block))


def split_block_before(op: Operation) -> Block:
    """Moves `op` and everything after it in its block into a new block placed right
    after it, like xDSL's `Block.split_before`, but without its search for the block's
    index in the region, which made passes that split at every guard quadratic."""
    block = op.parent_block()
    assert block is not None and block.parent is not None
    tail: list[Operation] = []
    current: Operation | None = op
    while current is not None:
        tail.append(current)
        current = current.next_op
    for moved in tail:
        block.detach_op(moved)
    rest = Block(tail)
    block.parent.insert_block_after(rest, block)
    return rest
