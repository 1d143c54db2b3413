"""`version-bounds-checks`: a loop's array bounds checks of `counter + constant` become one
test at its entry, from the counter's range, in a copy of the loop without them.

`a[j + 1]` in `for j in range(start, stop)` checks `0 <= j + 1 < len(a)` (after
wrapping a negative index) in every iteration; each check is an exit from the loop,
and LLVM vectorises no loop with more than one. In the iterations that run, `j` goes
from `start` to `stop - 1`, so every such check holds when `start + c >= 0` and
`stop + c <= len(a)`. The loop is cloned; the copy has no such check (and no wrapping),
and the loop's entry tests those bounds (the checked loop runs otherwise):

    ^pre: ...; cf.br ^head(%init...)
~>  ^pre: ...; cf.br ^check(%init...)
    ^check(%a...): %ok = %start >= -1 and %stop <= %n - 1 and ...
                   cf.cond_br %ok, ^head_unchecked(%a...), ^head(%a...)

The counter is a header argument that starts at `start`, grows by 1 each iteration and
is compared `slt` with a loop-invariant `stop` by the header's exit branch (the
frontend's `range` loop, `select %descending, sgt, slt` with `%descending` false
included). A check is `cmpi ult (select (idx < 0) (idx + n) idx), n` guarded with
`HandBack`, `n` invariant, in a block of the loop other than the header. Only innermost
loops with one entry edge are versioned, and only when no value defined in the loop is
used outside it except through block arguments. It runs after `eliminate-overflow-checks`
on a function's flat CFG (`counter + 1` is then a plain `nsw` add).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from graphlet.dialects import pyrt
from graphlet.lowering.int_ranges import Loop
from graphlet.lowering.loop_versioning import LoopCopy, edges, version_innermost_loops, version_loop

MAX_LOOPS = 4
MAX_LOOP_OPS = 400
MAX_OFFSET = 1 << 20
"""Offsets `c` of `counter + c` at most this large (the entry test computes `n - c`)."""


def _canonical(loop: Loop, order: list[Block]) -> dict[SSAValue, SSAValue] | None:
    """Each block argument of the loop that is, in every iteration, a copy of one value:
    a header argument of the same iteration, or (for an invariant) its value outside."""
    (entry,) = loop.entries
    header = loop.header
    incoming: dict[BlockArgument, list[SSAValue]] = {}
    entry_values: dict[BlockArgument, SSAValue] = {}
    for block in [entry, *(b for b in order if b in loop.blocks)]:
        for succ, values in edges(block):
            if succ not in loop.blocks:
                continue
            if len(values) != len(succ.args):
                return None
            for arg, value in zip(succ.args, values):
                if block is entry and succ is header:
                    entry_values[arg] = value
                else:
                    incoming.setdefault(arg, []).append(value)

    def resolve(value: SSAValue, same: dict[SSAValue, SSAValue]) -> SSAValue:
        return same.get(value, value)

    invariant = set(entry_values)  # optimistic, pruned below
    while True:
        same: dict[SSAValue, SSAValue] = {a: entry_values[a] for a in invariant}
        changed = True
        while changed:
            changed = False
            for arg, passed in incoming.items():
                if arg.block is header or arg in same:
                    continue
                found = {resolve(v, same) for v in passed}
                if len(found) == 1:
                    same[arg] = found.pop()
                    changed = True
        keep = {
            a for a in invariant if all(resolve(v, same) is same[a] for v in incoming.get(a, []))
        }
        if keep == invariant:
            return same
        invariant = keep


def _constant(value: SSAValue) -> int | None:
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def _inside(value: SSAValue, loop: Loop) -> bool:
    block = value.owner if isinstance(value.owner, Block) else value.owner.parent_block()
    return block in loop.blocks


@dataclass
class Counter:
    arg: BlockArgument
    start: SSAValue
    stop: SSAValue


def _counter(loop: Loop, same: dict[SSAValue, SSAValue]) -> Counter | None:
    """The header argument that counts `start, start + 1, ...` while `< stop`."""
    header = loop.header
    term = header.last_op
    if not isinstance(term, cf.ConditionalBranchOp):
        return None
    if term.then_block not in loop.blocks or term.else_block in loop.blocks:
        return None
    cond = term.cond.owner
    if isinstance(cond, arith.SelectOp):
        if _constant(same.get(cond.cond, cond.cond)) != 0:
            return None
        cond = cond.rhs.owner
    if not (isinstance(cond, arith.CmpiOp) and cond.predicate.value.data == 2):  # slt
        return None
    arg, stop = cond.lhs, same.get(cond.rhs, cond.rhs)
    if not isinstance(arg, BlockArgument) or arg.block is not header or arg in same:
        return None
    if _inside(stop, loop):
        return None
    (entry,) = loop.entries
    start: SSAValue | None = None
    for block in [entry, *loop.latches]:
        for succ, values in edges(block):
            if succ is not header:
                continue
            value = values[arg.index]
            if block is entry:
                start = value
                continue
            step = value.owner
            if not (isinstance(step, arith.AddiOp) and _nsw(step)):
                return None
            operands = [same.get(v, v) for v in step.operands]
            if not (arg in operands and any(_constant(v) == 1 for v in operands)):
                return None
    if start is None:
        return None
    return Counter(arg, start, stop)


def _nsw(op: arith.AddiOp | arith.SubiOp) -> bool:
    return arith.IntegerOverflowFlag.NSW in op.overflow_flags.data


@dataclass
class Check:
    guard: pyrt.GuardOp
    select: arith.SelectOp
    index: SSAValue
    offset: int
    length: SSAValue


def _check(
    guard: pyrt.GuardOp, counter: Counter, loop: Loop, same: dict[SSAValue, SSAValue]
) -> Check | None:
    test = guard.ok.owner
    if guard.kind.data != pyrt.HAND_BACK or not isinstance(test, arith.CmpiOp):
        return None
    if test.predicate.value.data != 6:  # ult
        return None
    select, length = test.lhs.owner, same.get(test.rhs, test.rhs)
    if not isinstance(select, arith.SelectOp) or _inside(length, loop):
        return None
    negative, wrapped, index = select.cond.owner, select.lhs.owner, select.rhs
    if not (
        isinstance(negative, arith.CmpiOp)
        and negative.predicate.value.data == 2
        and negative.lhs is index
        and _constant(negative.rhs) == 0
        and isinstance(wrapped, arith.AddiOp)
        and wrapped.lhs is index
        and same.get(wrapped.rhs, wrapped.rhs) is length
    ):
        return None
    offset = 0
    base = same.get(index, index)
    owner = base.owner
    if isinstance(owner, arith.AddiOp | arith.SubiOp) and _nsw(owner):
        amount = _constant(same.get(owner.rhs, owner.rhs))
        if amount is None:
            return None
        offset = amount if isinstance(owner, arith.AddiOp) else -amount
        base = same.get(owner.lhs, owner.lhs)
    if base is not counter.arg or abs(offset) > MAX_OFFSET:
        return None
    return Check(guard, select, index, offset, length)


def version(function: func.FuncOp, loop: Loop, order: list[Block]) -> bool:
    same = _canonical(loop, order)
    if same is None:
        return False
    counter = _counter(loop, same)
    if counter is None:
        return False
    checks = [
        check
        for block in order
        if block in loop.blocks and block is not loop.header
        for op in block.ops
        if isinstance(op, pyrt.GuardOp) and (check := _check(op, counter, loop, same)) is not None
    ]
    if not checks:
        return False

    def test(copy: LoopCopy) -> tuple[list[Operation], list[SSAValue]]:
        """The copy's checks go; the entry tests the counter's first and last values."""
        clone_ops = copy.ops()
        start = copy.at_entry(counter.arg)
        tests: list[Operation] = []
        conditions: list[SSAValue] = []
        seen: set[tuple[SSAValue, int]] = set()
        for check in checks:
            select, guard = clone_ops[check.select], clone_ops[check.guard]
            select.results[0].replace_all_uses_with(select.operands[2])
            Rewriter().erase_op(guard)
            if (check.length, check.offset) in seen:
                continue
            seen.add((check.length, check.offset))
            low = arith.ConstantOp(IntegerAttr(-check.offset, i64))
            offset = arith.ConstantOp(IntegerAttr(check.offset, i64))
            limit = arith.SubiOp(copy.at_entry(check.length), offset)
            above = arith.CmpiOp(start, low, "sge")
            below = arith.CmpiOp(copy.at_entry(counter.stop), limit, "sle")
            tests += [low, offset, limit, above, below]
            conditions += [above.result, below.result]
        return tests, conditions

    version_loop(function, loop, order, test)
    return True


def version_loops(function: func.FuncOp) -> int:
    return version_innermost_loops(function, version, MAX_LOOPS, MAX_LOOP_OPS)


@dataclass(frozen=True)
class VersionBoundsChecksPass(ModulePass):
    name = "version-bounds-checks"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                version_loops(function)
