"""`convert-guards-to-status`: `pyrt.guard` to a status-returning calling convention.

Native code cannot raise Python exceptions, so every function with a body gets a
leading `i32` status result (0 = ok, else `pyrt.STATUS_CODES[kind]`): a failing
guard branches to a block returning its code (other results zero), and a call
returns early with its callee's non-zero status. Public functions get
`llvm.emit_c_interface`, so `convert-func-to-llvm` emits the
`_mlir_ciface_<name>(results*, args...)` wrapper the runtime calls.

    pyrt.guard %ok, "ValueError"     ~>   cf.cond_br %ok, ^continue, ^fail(%c2 : i32)

In a function with a region frame (`pyrt.region_frame`, `@jit`'s region breaks)
the failing block returns `pyrt.region_unwind`'s status instead, which may be the
rest of the call run in CPython.

Runs after scf/cf lowering: a guard must sit directly in a `func.func`'s CFG; any
other guard is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func, llvm
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    FunctionType,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    UnitAttr,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from graphlet.abi import C_INTERFACE_ATTRIBUTE as C_INTERFACE
from graphlet.dialects import pyrt
from graphlet.locations import lowering_error
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import split_block_before


def zero_of(t: Attribute) -> Operation:
    if isinstance(t, IntegerType | IndexType):
        return arith.ConstantOp(IntegerAttr(0, t))
    if isinstance(t, AnyFloat):
        return arith.ConstantOp(FloatAttr(0.0, t))
    return llvm.ZeroOp(result_types=[t])


class FunctionToStatus(RewritePattern):
    """Rewrites one function: signature, returns, guards and calls."""

    def __init__(self, with_status: frozenset[str]) -> None:
        self.with_status = with_status
        """Names of the functions (with bodies) that return a status."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter, /) -> None:
        if op.is_declaration:
            return
        results = op.function_type.outputs.data
        op.function_type = FunctionType.from_lists(op.function_type.inputs.data, (i32, *results))
        if op.sym_visibility is None or op.sym_visibility.data == "public":
            op.attributes[C_INTERFACE] = UnitAttr()

        fail = Block(arg_types=[i32])
        zeros = [zero_of(t) for t in results]
        status: SSAValue = fail.args[0]
        frame = next((f for f in op.walk() if isinstance(f, pyrt.RegionFrameOp)), None)
        if frame is not None:  # a failure after a region break resumes in CPython
            unwind = pyrt.RegionUnwindOp(frame, status)
            fail.add_op(unwind)
            status = unwind.result
        fail.add_ops([*zeros, func.ReturnOp(status, *(z.results[0] for z in zeros))])
        ok = arith.ConstantOp(IntegerAttr(0, i32))
        rewriter.insert(ok, InsertPoint.at_start(op.body.blocks[0]))
        used_fail = False

        # Last op first: each split then moves only the ops after its guard, which
        # keeps the pass linear in the function's size.
        for inner in reversed(list(op.walk())):
            if (
                isinstance(inner, pyrt.GuardOp | func.CallOp | func.ReturnOp)
                and inner.parent_op() is not op
            ):
                raise lowering_error(
                    inner, "must sit in the function's CFG: run convert-scf-to-cf first"
                )
            if isinstance(inner, func.ReturnOp):
                rewriter.replace(inner, func.ReturnOp(ok.result, *inner.operands))
            elif isinstance(inner, pyrt.GuardOp):
                code = arith.ConstantOp(IntegerAttr(pyrt.STATUS_CODES[inner.kind.data], i32))
                _branch_after(inner, rewriter, inner.ok, fail, code.result, [code])
                used_fail = True
            elif isinstance(inner, func.CallOp) and inner.callee.string_value() in self.with_status:
                call = func.CallOp(inner.callee, inner.arguments, [i32, *inner.result_types])
                rewriter.replace(inner, call, call.results[1:])
                is_ok = arith.CmpiOp(call.results[0], ok.result, "eq")
                _branch_after(call, rewriter, is_ok.result, fail, call.results[0], [is_ok])
                used_fail = True
        if used_fail:
            op.body.add_block(fail)


def _branch_after(
    op: Operation,
    rewriter: PatternRewriter,
    ok: SSAValue,
    fail: Block,
    code: SSAValue,
    new_ops: list[Operation],
) -> None:
    """Ends `op`'s block after `op` with `cond_br ok, ^rest, ^fail(code)`; a guard
    itself is replaced by the branch."""
    block = op.parent_block()
    assert block is not None and op.next_op is not None
    rest = split_block_before(op.next_op)
    branch = cf.ConditionalBranchOp(ok, rest, [], fail, [code])
    if isinstance(op, pyrt.GuardOp):
        rewriter.replace(op, [*new_ops, branch], [])
    else:
        block.add_ops([*new_ops, branch])


TARGET = ConversionTarget(
    "convert-guards-to-status",
    illegal_ops=(pyrt.GuardOp,),
    advice=lambda op: "a guard must sit in the CFG of a func.func",
)


@dataclass(frozen=True)
class ConvertGuardsToStatusPass(ModulePass):
    name = "convert-guards-to-status"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        with_status = frozenset(
            f.sym_name.data
            for f in op.body.block.ops
            if isinstance(f, func.FuncOp) and not f.is_declaration
        )
        PatternRewriteWalker(
            FunctionToStatus(with_status), apply_recursively=False, walk_regions_first=False
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
