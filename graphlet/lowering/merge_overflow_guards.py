"""`merge-overflow-guards`: the hand-back guards of a basic block become one, and a block
that ends in a plain branch to a join hands its guard on to the join.

Every checked int op that can overflow hands back (`pyrt.guard %ok, "HandBack"`), and
each guard is an exit from the block: LLVM merges none of them, and a branch arm with
an exit is not turned into a `select`. Collatz's `m // 2 if m % 2 == 0 else 3 * m + 1`
stays a branch on the parity (mispredicted half the time) because `3 * m + 1` may
hand back. Hand-backs are all alike (the call is redone in CPython), so a hand-back
may be taken later, as long as nothing between can be observed or trap:

    %a, %o1 = pyrt.checked_muli %m, %c3 : i64        %a, %o1 = pyrt.checked_muli %m, %c3
    %ok1 = arith.xori %o1, %true : i1                %ok1 = arith.xori %o1, %true
    pyrt.guard %ok1, "HandBack"                ~>    %b, %o2 = pyrt.checked_addi %a, %c1
    %b, %o2 = pyrt.checked_addi %a, %c1 : i64        %ok2 = arith.xori %o2, %true
    %ok2 = arith.xori %o2, %true : i1                cf.br ^join(%b, %ok1, %ok2 ...)
    pyrt.guard %ok2, "HandBack"                    ^join(%m2, %in1, %in2 ...):
    cf.br ^join(%b ...)                              %ok = <%in1 and %in2>; guard %ok

A guard passes over ops without effects that cannot trap (arith but division by a
value that may be 0 or -1, the checked ops, casts, address arithmetic); not over loads,
stores, calls, such divisions or other guards (other kinds, or marked `float_flags`,
which `defer-float-flag-guards` defers, or `graphlet.bail`). A guard whose condition is a
comparison of constants that holds goes. Guards are joined with `select %a, %b, false`, which LLVM
does not let the poison of a wrapped `nsw` result in `%b` through when `%a` is false.
A block's last guard moves on along a forward `cf.br` to a block with other
predecessors (these pass `true`), never along a back edge. It runs after the
versioning passes, before `guard-native-traps`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func, llvm
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i1
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from graphlet.dialects import pyrt
from graphlet.lowering.int_ranges import reverse_post_order

TRAPPING = (
    arith.DivSIOp,
    arith.DivUIOp,
    arith.RemSIOp,
    arith.RemUIOp,
    arith.FloorDivSIOp,
    arith.CeilDivSIOp,
    arith.CeilDivUIOp,
)
"""arith ops a guard must not pass unless their divisor is a constant other than 0 and
-1: they trap on a zero divisor (or INT_MIN / -1)."""

PASSABLE_LLVM = (
    llvm.GEPOp,
    llvm.PtrToIntOp,
    llvm.IntToPtrOp,
    llvm.ZExtOp,
    llvm.SExtOp,
    llvm.TruncOp,
    llvm.AddOp,
    llvm.SubOp,
    llvm.MulOp,
)
"""llvm ops without effects that cannot trap (address arithmetic: no access)."""


def hand_back(op: Operation) -> bool:
    """Whether `op` is a plain hand-back guard (an overflow check's). A marked one
    (`float_flags`, which `defer-float-flag-guards` finds by its block's shape, or a
    `graphlet.bail`) is another pass's: it is neither merged, moved nor passed."""
    return isinstance(op, pyrt.GuardOp) and op.kind.data == pyrt.HAND_BACK and not op.attributes


def constant_int(value: SSAValue) -> int | None:
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def passable(op: Operation) -> bool:
    """Whether a hand-back may be taken after `op` instead of before it (`op` has no
    effect and cannot trap)."""
    if isinstance(op, TRAPPING):
        return constant_int(op.operands[1]) not in (None, 0, -1)
    if op.name.startswith("arith.") or isinstance(op, pyrt.CheckedIntegerOp):
        return True
    return isinstance(op, PASSABLE_LLVM)


def always_holds(guard: pyrt.GuardOp) -> bool:
    """Whether the guard's condition is `true` or a comparison of constants that holds
    (as `convert-graphlet-to-arith` leaves for a constant divisor)."""
    owner = guard.ok.owner
    if isinstance(owner, arith.CmpiOp):
        lhs, rhs = constant_int(owner.lhs), constant_int(owner.rhs)
        if lhs is None or rhs is None:
            return False
        predicate = arith.CMPI_COMPARISON_OPERATIONS[owner.predicate.value.data]
        return {"eq": lhs == rhs, "ne": lhs != rhs}.get(predicate, False)
    return constant_int(guard.ok) not in (None, 0)


def _both(first: SSAValue, second: SSAValue, before: Operation) -> SSAValue:
    block = before.parent_block()
    assert block is not None
    false = arith.ConstantOp(IntegerAttr(0, i1))
    both = arith.SelectOp(first, second, false)
    block.insert_ops_before([false, both], before)
    return both.result


def merge_in(block: Block) -> int:
    """Join each run of hand-back guards with only passable ops between; how many
    guards went."""
    merged = 0
    pending: pyrt.GuardOp | None = None
    for op in list(block.ops):
        if isinstance(op, pyrt.GuardOp) and always_holds(op):
            block.erase_op(op)
            merged += 1
            continue
        if hand_back(op):
            assert isinstance(op, pyrt.GuardOp)
            if pending is not None:
                op.operands[0] = _both(pending.ok, op.ok, op)
                block.erase_op(pending)
                merged += 1
            pending = op
        elif not passable(op):
            pending = None
    return merged


def _last_guard(block: Block) -> pyrt.GuardOp | None:
    """The block's hand-back guard with only passable ops after it (the terminator
    aside)."""
    op = block.last_op
    assert op is not None
    op = op.prev_op
    while op is not None:
        if hand_back(op):
            assert isinstance(op, pyrt.GuardOp)
            return op
        if not passable(op):
            return None
        op = op.prev_op
    return None


def _with_flag(term: Operation, target: Block, flag: SSAValue) -> Operation:
    """`term` passing `flag` as the last argument of each edge to `target`."""
    if isinstance(term, cf.BranchOp):
        return cf.BranchOp(term.successor, *term.arguments, flag)
    assert isinstance(term, cf.ConditionalBranchOp)
    then_args = [*term.then_arguments, *([flag] if term.then_block is target else [])]
    else_args = [*term.else_arguments, *([flag] if term.else_block is target else [])]
    return cf.ConditionalBranchOp(term.cond, term.then_block, then_args, term.else_block, else_args)


def _replace(term: Operation, new: Operation) -> None:
    new.attributes.update(term.attributes)
    block = term.parent_block()
    assert block is not None
    block.insert_op_before(new, term)
    block.erase_op(term)


def sink_in(function: func.FuncOp) -> int:
    """Merge each block's guards and hand the last on to a join it branches to; how
    many guards went."""
    order = reverse_post_order(function.body)
    position = {block: i for i, block in enumerate(order)}
    preds: dict[Block, list[Block]] = {block: [] for block in function.body.blocks}
    for block in function.body.blocks:
        last = block.last_op
        for succ in set(last.successors) if last is not None else ():
            preds[succ].append(block)
    merged = 0
    for block in order:
        merged += merge_in(block)
        term = block.last_op
        if not isinstance(term, cf.BranchOp):
            continue
        join = term.successor
        sources = preds[join]
        if len(sources) < 2 or any(position.get(p, -1) >= position[join] for p in sources):
            continue  # not a join, or a loop's header (its guard would run every trip)
        if not all(isinstance(p.last_op, cf.BranchOp | cf.ConditionalBranchOp) for p in sources):
            continue
        guard = _last_guard(block)
        if guard is None:
            continue
        flag = join.insert_arg(i1, len(join.args))
        for source in sources:
            last = source.last_op
            assert last is not None
            if source is block:
                passed = guard.ok
            else:
                true = arith.ConstantOp(IntegerAttr(1, i1))
                source.insert_op_before(true, last)
                passed = true.result
            _replace(last, _with_flag(last, join, passed))
        block.erase_op(guard)
        first = join.first_op
        moved = pyrt.GuardOp(flag, pyrt.HAND_BACK)
        if first is None:
            join.add_op(moved)
        else:
            join.insert_op_before(moved, first)
    return merged


@dataclass(frozen=True)
class MergeOverflowGuardsPass(ModulePass):
    name = "merge-overflow-guards"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                sink_in(function)
