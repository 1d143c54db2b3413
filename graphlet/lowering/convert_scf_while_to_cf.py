"""`convert-scf-while-to-cf`: `scf.while` to unstructured control flow.

xDSL's `convert-scf-to-cf` lowers `scf.for`, `scf.if` and `scf.index_switch`
but leaves `scf.while` alone; this pass fills that gap the way MLIR's
SCFToControlFlow does:

    ^entry:   ...; cf.br ^before(%init...)
    ^before(%a...):  <before region>; cf.cond_br %c, ^after(%v...), ^exit(%v...)
    ^after(%b...):   <after region>;  cf.br ^before(%yielded...)
    ^exit(%r...):    <ops that followed the loop, using %r as the loop results>

A loop nested in another scf op (`scf.if`, `scf.for`), whose region must stay one
block, cannot be split that way: it is refused (run `convert-scf-to-cf` first).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import cf, scf
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import BlockInsertPoint, InsertPoint

from graphlet.lowering.legality import ConversionTarget


class WhileLowering(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: scf.WhileOp, rewriter: PatternRewriter, /) -> None:
        if _in_single_block_region(op):
            return  # refused by TARGET
        entry_block = op.parent_block()
        assert entry_block is not None
        exit_block = entry_block.split_before(op)
        for index, result_type in enumerate(op.result_types):
            rewriter.insert_block_argument(exit_block, index, result_type)

        before_block = op.before_region.block
        after_block = op.after_region.block
        condition = before_block.last_op
        assert isinstance(condition, scf.ConditionOp)
        yield_op = after_block.last_op
        assert isinstance(yield_op, scf.YieldOp)

        rewriter.replace(
            condition,
            cf.ConditionalBranchOp(
                condition.condition, after_block, condition.args, exit_block, condition.args
            ),
        )
        rewriter.replace(yield_op, cf.BranchOp(before_block, *yield_op.operands))
        rewriter.inline_region(op.before_region, BlockInsertPoint.before(exit_block))
        rewriter.inline_region(op.after_region, BlockInsertPoint.before(exit_block))
        rewriter.insert(cf.BranchOp(before_block, *op.arguments), InsertPoint.at_end(entry_block))
        rewriter.replace(op, [], exit_block.args)


def _in_single_block_region(op: Operation) -> bool:
    parent = op.parent_op()
    return parent is not None and parent.dialect_name() == "scf"


def _advice(op: Operation) -> str | None:
    parent = op.parent_op()
    if _in_single_block_region(op) and parent is not None:
        return f"it is nested in '{parent.name}', whose region must stay one block: run convert-scf-to-cf first"
    return None


TARGET = ConversionTarget("convert-scf-while-to-cf", illegal_ops=(scf.WhileOp,), advice=_advice)


@dataclass(frozen=True)
class ConvertScfWhileToCfPass(ModulePass):
    name = "convert-scf-while-to-cf"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if TARGET.finds_nothing(op):
            return  # its patterns match only the target's ops
        PatternRewriteWalker(WhileLowering(), apply_recursively=False).rewrite_module(op)
        TARGET.refuse_leftovers(op)
