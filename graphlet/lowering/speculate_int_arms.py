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

Arms that both return qualify too: CPython 3.12+ copies a short shared tail
(`return r + 1`) into each arm, so the arms never meet. Each may keep one plain
hand-back guard (`merge-overflow-guards` leaves one per arm); the selected flag is
guarded once, before one return of the selected values:

    ^a: ...; guard %oka; return %ra                 ...both arms...
    ^b: ...; guard %okb; return %rb          ~>     %ok = arith.select %c, %oka, %okb
                                                    guard %ok; return <select %c, %ra, %rb>

Arms qualify when each has the branch as its one predecessor, branches on to the same
block (or both return), and holds at most `MAX_ARM_OPS` ops that `merge-overflow-guards`
lets a guard pass over, on integers only (a speculated float op could raise a flag
NumPy's warnings read). It runs after `merge-overflow-guards`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, ModuleOp, i1
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from graphlet.dialects import pyrt
from graphlet.lowering.int_ranges import reverse_post_order
from graphlet.lowering.merge_overflow_guards import hand_back, passable

MAX_ARM_OPS = 16
"""Ops per arm at most (constants aside): both arms run, so a long one costs more than a mispredicted
branch saves."""


def _integers(op: Operation) -> bool:
    return all(isinstance(v.type, IntegerType | IndexType) for v in (*op.operands, *op.results))


Exit = cf.BranchOp | func.ReturnOp


def _arm(block: Block, branch: Block, counts: dict[Block, int]) -> Exit | None:
    """The arm's branch on (or return), if the arm can be speculated."""
    term = block.last_op
    if block is branch or counts.get(block) != 1 or not isinstance(term, Exit):
        return None
    ops = list(block.ops)[:-1]
    if sum(not isinstance(op, arith.ConstantOp) for op in ops) > MAX_ARM_OPS:
        return None
    guards = [op for op in ops if isinstance(op, pyrt.GuardOp)]
    if guards and (isinstance(term, cf.BranchOp) or len(guards) > 1 or not hand_back(guards[0])):
        return None
    if not all(passable(op) and _integers(op) for op in ops if op not in guards):
        return None
    return term


def _guard_flag(arm: Block, values: dict[SSAValue, SSAValue]) -> SSAValue | None:
    """The copied condition of a returning arm's guard (None: it has none)."""
    for op in arm.ops:
        if isinstance(op, pyrt.GuardOp):
            return values.get(op.ok, op.ok)
    return None


def _hoist(arm: Block, passed: tuple[SSAValue, ...], before: Operation) -> dict[SSAValue, SSAValue]:
    """The arm's ops copied before `before`, reading what the branch passed; the copy's
    values by the arm's."""
    values: dict[SSAValue, SSAValue] = dict(zip(arm.args, passed, strict=True))
    block = before.parent_block()
    assert block is not None
    for op in list(arm.ops)[:-1]:
        if not isinstance(op, pyrt.GuardOp):
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
        if isinstance(then_term, cf.BranchOp) and isinstance(else_term, cf.BranchOp):
            join = then_term.successor
            if else_term.successor is not join or join in (block, *term.successors):
                continue
        elif not (isinstance(then_term, func.ReturnOp) and isinstance(else_term, func.ReturnOp)):
            continue
        then_values = _hoist(term.then_block, tuple(term.then_arguments), term)
        else_values = _hoist(term.else_block, tuple(term.else_arguments), term)
        results: list[SSAValue] = []
        for a, b in zip(then_term.operands, else_term.operands, strict=True):
            a, b = then_values.get(a, a), else_values.get(b, b)
            if a is b:
                results.append(a)
                continue
            select = arith.SelectOp(term.cond, a, b)
            block.insert_op_before(select, term)
            results.append(select.result)
        exit: Operation
        if isinstance(then_term, cf.BranchOp):
            exit = cf.BranchOp(then_term.successor, *results)
            counts[then_term.successor] -= 1
        else:
            exit = func.ReturnOp(*results)
            _guard_returning(term, then_values, else_values)
        arms = (term.then_block, term.else_block)
        block.insert_op_before(exit, term)
        block.erase_op(term)
        for arm in arms:
            _erase(arm)
        done += 1
    return done


def _guard_returning(
    term: cf.ConditionalBranchOp,
    then_values: dict[SSAValue, SSAValue],
    else_values: dict[SSAValue, SSAValue],
) -> None:
    """One hand-back guard before `term` of the chosen returning arm's flag."""
    then_ok = _guard_flag(term.then_block, then_values)
    else_ok = _guard_flag(term.else_block, else_values)
    if then_ok is None and else_ok is None:
        return
    block = term.parent_block()
    assert block is not None
    if then_ok is None or else_ok is None:
        true = arith.ConstantOp(IntegerAttr(1, i1))
        block.insert_op_before(true, term)
        then_ok = true.result if then_ok is None else then_ok
        else_ok = true.result if else_ok is None else else_ok
    ok = arith.SelectOp(term.cond, then_ok, else_ok)
    block.insert_ops_before([ok, pyrt.GuardOp(ok, pyrt.HAND_BACK)], term)


@dataclass(frozen=True)
class SpeculateIntArmsPass(ModulePass):
    name = "speculate-int-arms"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                speculate_in(function)
