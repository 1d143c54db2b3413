"""`convert-cf-to-llvm`: cf branches to llvm branches.

* `cf.br` / `cf.cond_br` map one to one, except a `cond_br` whose two successors
  are the same block with different arguments: LLVM would see one predecessor
  edge twice with two phi values, so the else edge goes through a new block.
* `cf.switch` becomes a chain of `icmp eq` + `cond_br` blocks, one per case
  (xDSL's llvm dialect has no `switch`); LLVM turns the chain back into a switch.
* `cf.assert` branches to a cold block that writes "Assertion failed: <msg>"
  to stderr (POSIX `write(2, ...)`) and calls `abort()`: a failed assert ends
  the process, like C's `assert`. Checks that must raise a Python exception
  belong to graphlet's runtime-check ops, not to `cf.assert`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import cf, llvm
from xdsl.dialects.builtin import (
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    i8,
    i32,
    i64,
)
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import (
    declare_external_function,
    enclosing_module,
)
from graphlet.lowering.pattern_dispatch import rewrite_by_op_type

_ICMP_EQ = IntegerAttr(0, 64)


def conditional_branch(
    cond: SSAValue,
    then_block: Block,
    then_args: Sequence[SSAValue],
    else_block: Block,
    else_args: Sequence[SSAValue],
    source: Block,
) -> llvm.CondBrOp:
    """An `llvm.cond_br` ending `source`, splitting the else edge when both edges
    would reach the same block with different arguments."""
    if then_block is else_block and tuple(then_args) != tuple(else_args):
        edge = Block()
        edge.add_op(llvm.BrOp(else_block, *else_args))
        _region_of(source).insert_block_after(edge, source)
        else_block, else_args = edge, ()
    return llvm.CondBrOp(cond, then_block, then_args, else_block, else_args)


def _region_of(block: Block) -> Region:
    region = block.parent_region()
    assert region is not None, "a branch's block is in a region"
    return region


class BranchLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.BranchOp, rewriter: PatternRewriter, /) -> None:
        rewriter.replace(op, llvm.BrOp(op.successor, *op.arguments))


class CondBranchLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.ConditionalBranchOp, rewriter: PatternRewriter, /) -> None:
        source = op.parent_block()
        assert source is not None
        rewriter.replace(
            op,
            conditional_branch(
                op.cond,
                op.then_block,
                op.then_arguments,
                op.else_block,
                op.else_arguments,
                source,
            ),
        )


class SwitchLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.SwitchOp, rewriter: PatternRewriter, /) -> None:
        source = op.parent_block()
        assert source is not None
        flag_type = op.flag.type
        assert isinstance(flag_type, IntegerType | IndexType)
        cases = list(
            zip(
                op.case_values.get_values() if op.case_values else (),
                op.case_blocks,
                op.case_operand,
            )
        )
        if not cases:
            rewriter.replace(op, llvm.BrOp(op.default_block, *op.default_operands))
            return
        test_block = source
        for index, (value, case_block, case_args) in enumerate(cases):
            is_last = index == len(cases) - 1
            if is_last:
                next_block, next_args = op.default_block, tuple(op.default_operands)
            else:
                next_block, next_args = Block(), ()
                _region_of(test_block).insert_block_after(next_block, test_block)
            constant = llvm.ConstantOp(IntegerAttr(value, flag_type), flag_type)
            is_case = llvm.ICmpOp(op.flag, constant.result, _ICMP_EQ)
            branch = conditional_branch(
                is_case.res, case_block, case_args, next_block, next_args, test_block
            )
            new_ops = (constant, is_case, branch)
            if test_block is source:
                rewriter.insert(new_ops, InsertPoint.before(op))
            else:
                rewriter.insert(new_ops, InsertPoint.at_end(test_block))
            test_block = next_block
        rewriter.erase(op)


_WRITE_TYPE = llvm.LLVMFunctionType([i32, llvm.LLVMPointerType(), i64], i64)
_ABORT_TYPE = llvm.LLVMFunctionType([])
_STDERR = 2


class AssertLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.AssertOp, rewriter: PatternRewriter, /) -> None:
        source = op.parent_block()
        assert source is not None
        text = f"Assertion failed: {op.msg.data}\n".encode()
        message = self._message_global(op, rewriter, text)
        declare_external_function(op, rewriter, "write", _WRITE_TYPE)
        declare_external_function(op, rewriter, "abort", _ABORT_TYPE)

        continue_block = source.split_before(op)
        failure_block = Block()
        _region_of(source).add_block(failure_block)
        fd = llvm.ConstantOp(IntegerAttr(_STDERR, i32), i32)
        length = llvm.ConstantOp(IntegerAttr(len(text), i64), i64)
        address = llvm.AddressOfOp(message.sym_name.data, llvm.LLVMPointerType())
        failure_block.add_ops(
            [
                fd,
                length,
                address,
                llvm.CallOp("write", fd, address, length, return_type=i64),
                llvm.CallOp("abort"),
                llvm.UnreachableOp(),
            ]
        )
        rewriter.insert(
            llvm.CondBrOp(op.arg, continue_block, (), failure_block, ()),
            InsertPoint.at_end(source),
        )
        rewriter.erase(op)

    @staticmethod
    def _message_global(op: Operation, rewriter: PatternRewriter, text: bytes) -> llvm.GlobalOp:
        """A constant global holding `text`, shared by asserts with the same text."""
        module = enclosing_module(op)
        name = f"__graphlet_assert_msg_{zlib.crc32(text):08x}"
        for existing in module.body.block.ops:
            if isinstance(existing, llvm.GlobalOp) and existing.sym_name.data == name:
                return existing
        message = llvm.GlobalOp(
            llvm.LLVMArrayType(IntAttr(len(text)), i8),
            name,
            "internal",
            constant=True,
            value=StringAttr(text.decode()),
        )
        rewriter.insert(message, InsertPoint.at_start(module.body.block))
        return message


CF_TO_LLVM_PATTERNS: tuple[RewritePattern, ...] = (
    BranchLowering(),
    CondBranchLowering(),
    SwitchLowering(),
    AssertLowering(),
)

TARGET = ConversionTarget("convert-cf-to-llvm", illegal_dialects=("cf",))


@dataclass(frozen=True)
class ConvertCfToLLVMPass(ModulePass):
    name = "convert-cf-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewrite_by_op_type(op, CF_TO_LLVM_PATTERNS)
        TARGET.refuse_leftovers(op)
