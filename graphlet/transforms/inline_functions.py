"""`inline-functions`: replace each `func.call` of a function defined in the module by
the callee's body.

The call's block is split at the call; the callee's blocks are cloned in between,
entered by a `cf.br` with the call's operands, and each `func.return` becomes a
`cf.br` to the rest of the caller with the returned values. Callees that reach
themselves through calls (recursion) and declarations stay calls. `graphlet-autodiff`
differentiates inside one function, so `graphlet.grad` inlines first.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import cf, func
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

INLINE_LIMIT = 1000
"""Calls inlined into one function at most (a guard against exponential growth)."""


def _callee(call: func.CallOp) -> str:
    return call.callee.root_reference.data


def _callees(fn: func.FuncOp) -> set[str]:
    return {_callee(op) for op in fn.walk() if isinstance(op, func.CallOp)}


def _recursive(table: dict[str, func.FuncOp]) -> set[str]:
    """The functions that reach themselves through calls."""
    reach = {name: _callees(fn) & set(table) for name, fn in table.items()}
    changed = True
    while changed:
        changed = False
        for seen in reach.values():
            more = set().union(*(reach[c] for c in seen)) - seen
            if more:
                seen |= more
                changed = True
    return {name for name, seen in reach.items() if name in seen}


def inline_call(call: func.CallOp, callee: func.FuncOp) -> None:
    """Replace `call` (directly in a function's region) by `callee`'s blocks."""
    block = call.parent_block()
    assert block is not None and block.parent is not None
    region = block.parent
    rest = block.split_before(call, arg_types=[r.type for r in call.results])
    for result, arg in zip(call.results, rest.args):
        result.replace_all_uses_with(arg)
    arguments = list(call.arguments)
    rest.erase_op(call)
    body = callee.body.clone()
    blocks = list(body.blocks)
    for b in blocks:
        body.detach_block(b)
        ret = b.last_op
        if isinstance(ret, func.ReturnOp):
            branch = cf.BranchOp(rest, *ret.operands)
            branch.location = ret.location
            b.insert_op_before(branch, ret)
            b.erase_op(ret)
    region.insert_block_before(blocks, rest)
    block.add_op(cf.BranchOp(blocks[0], *arguments))


@dataclass(frozen=True)
class InlineFunctionsPass(ModulePass):
    name = "inline-functions"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        table = {f.sym_name.data: f for f in op.ops if isinstance(f, func.FuncOp) and f.body.blocks}
        recursive = _recursive(table)
        for caller in table.values():
            for _ in range(INLINE_LIMIT):
                call = next(
                    (
                        c
                        for c in caller.walk()
                        if isinstance(c, func.CallOp)
                        and c.parent_op() is caller
                        and _callee(c) in table
                        and _callee(c) not in recursive
                    ),
                    None,
                )
                if call is None:
                    break
                inline_call(call, table[_callee(call)])
