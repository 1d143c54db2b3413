"""`speculate-int-arms`: a two-way branch whose arms only compute ints and meet again
becomes both arms computed, and a `select` of their results.

`m // 2 if m % 2 == 0 else 3 * m + 1` branches on the parity, which a CPU predicts
badly. LLVM would compute both arms and select (a `cmov`), but not when an arm has
`llvm.*.with.overflow` calls: it prices them too high. Once `merge-overflow-guards`
has moved the arms' hand-back guards to where they meet, the arms have no effect and
cannot trap, so both can run:

    cf.cond_br %even, ^a(%m), ^b(%m)               %h = arith.divsi %m, %c2
  ^a(%x): %h = arith.divsi %x, %c2          ~>     %t, %o = pyrt.checked_muli %m, %c3
          cf.br ^join(%h, %true)                   %r = arith.select %even, %h, %t
  ^b(%y): %t, %o = pyrt.checked_muli %y, %c3       %k = arith.select %even, %true, %ok
          cf.br ^join(%t, %ok)                     cf.br ^join(%r, %k)

Arms qualify when each has the branch as its one predecessor, branches on to the same
block, and holds at most `MAX_ARM_OPS` ops that `merge-overflow-guards` lets a guard
pass over, on integers only (a speculated float op could raise a flag NumPy's warnings
read). It runs after `merge-overflow-guards`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func
from xdsl.dialects.builtin import IndexType, IntegerType, ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from graphlet.lowering.int_ranges import reverse_post_order
from graphlet.lowering.merge_overflow_guards import passable

MAX_ARM_OPS = 16
"""Ops per arm at most (constants aside): both arms run, so a long one costs more than a mispredicted
branch saves."""


def _integers(op: Operation) -> bool:
    return all(isinstance(v.type, IntegerType | IndexType) for v in (*op.operands, *op.results))


def _arm(block: Block, branch: Block, counts: dict[Block, int]) -> cf.BranchOp | None:
    """The arm's branch on, if the arm can be speculated."""
    term = block.last_op
    if block is branch or counts.get(block) != 1 or not isinstance(term, cf.BranchOp):
        return None
    ops = list(block.ops)[:-1]
    if sum(not isinstance(op, arith.ConstantOp) for op in ops) > MAX_ARM_OPS:
        return None
    if not all(passable(op) and _integers(op) for op in ops):
        return None
    return term


def _hoist(arm: Block, passed: tuple[SSAValue, ...], before: Operation) -> dict[SSAValue, SSAValue]:
    """The arm's ops copied before `before`, reading what the branch passed; the copy's
    values by the arm's."""
    values: dict[SSAValue, SSAValue] = dict(zip(arm.args, passed, strict=True))
    block = before.parent_block()
    assert block is not None
    for op in list(arm.ops)[:-1]:
        block.insert_op_before(op.clone(values), before)
    return values


def _erase(block: Block) -> None:
    for op in reversed(list(block.ops)):
        block.erase_op(op, safe_erase=False)
    region = block.parent
    assert region is not None
    region.erase_block(block, safe_erase=False)


def speculate_in(function: func.FuncOp) -> int:
    """Speculate each two-armed branch that can be, inner ones first; how many were."""
    counts: dict[Block, int] = {}
    for block in function.body.blocks:
        last = block.last_op
        for succ in last.successors if last is not None else ():
            counts[succ] = counts.get(succ, 0) + 1
    done = 0
    for block in reversed(reverse_post_order(function.body)):
        term = block.last_op
        if not isinstance(term, cf.ConditionalBranchOp) or term.then_block is term.else_block:
            continue
        then_term = _arm(term.then_block, block, counts)
        else_term = _arm(term.else_block, block, counts)
        if then_term is None or else_term is None:
            continue
        join = then_term.successor
        if else_term.successor is not join or join in (block, term.then_block, term.else_block):
            continue
        then_values = _hoist(term.then_block, tuple(term.then_arguments), term)
        else_values = _hoist(term.else_block, tuple(term.else_arguments), term)
        results: list[SSAValue] = []
        for a, b in zip(then_term.arguments, else_term.arguments, strict=True):
            a, b = then_values.get(a, a), else_values.get(b, b)
            if a is b:
                results.append(a)
                continue
            select = arith.SelectOp(term.cond, a, b)
            block.insert_op_before(select, term)
            results.append(select.result)
        arms = (term.then_block, term.else_block)
        block.insert_op_before(cf.BranchOp(join, *results), term)
        block.erase_op(term)
        for arm in arms:
            _erase(arm)
        counts[join] -= 1
        done += 1
    return done


@dataclass(frozen=True)
class SpeculateIntArmsPass(ModulePass):
    name = "speculate-int-arms"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                speculate_in(function)
