"""`defer-float-flag-guards`: NumPy's float warnings tested once at the end of a call,
not after every float op.

Where NumPy would warn (a float64 scalar op that overflows, divides by zero or is
invalid) the frontend hands the call back, so that NumPy warns (or raises, under
`np.seterr`) itself: after each op, `if not finite(r): guard(not flags(...))`. That
branch in every iteration keeps LLVM from vectorising and hoisting. In a function
that may safely run twice, the guards marked `pyrt.FLOAT_FLAGS` become a sticky
flag instead (an or-reduction, no branch), and every return tests it once: when it is
set, the call reruns from the start in `@f__exact`, a copy of the function with the
per-op guards as they were, so the warnings and their order are NumPy's:

    ^a: cf.cond_br %nonfinite, ^warn, ^b     ~>   ^a: %s = llvm.load %flag
    ^warn: ...; pyrt.guard %ok, "HandBack"         %t = arith.ori %s, %nonfinite
           {float_flags}; cf.br ^b                 llvm.store %t, %flag; cf.br ^b
    func.return %r                           ~>   cf.cond_br %set, ^rerun, ^return
                                                   ^rerun: func.call @f__exact(args...)

A site that tests a float's finiteness is not tested there but where the float's
chain of float ops ends (`place_tests`): an infinity or NaN survives `+ - *`, a
dividend and `sqrt`, so `s += a[i] * b[i]` tests `s` once, after the loop.

A function may run twice when it has no effect a rerun would repeat: no calls but
the array runtime's allocations (owned by the call's arena until it returns) and sums,
no stores but into arrays it made itself, no region breaks. Its loops must not exit
on a value computed from floats or memory: past a deferred warning the values may be
inf or NaN, and under `np.seterr(all="raise")` CPython would have stopped there. A
guard that raises a Python exception (not `HandBack`) first hands back when the flag
is set, because NumPy's warning comes before that exception. `GRAPHLET_DEFER_FLOAT_FLAGS=0`
turns the pass off. It runs after `guard-native-traps`, on a function's flat CFG.
"""

from __future__ import annotations

import math as _math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects import arith, cf, func, llvm, math
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    i1,
    i64,
)
from xdsl.ir import Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from graphlet import abi
from graphlet.dialects import pyrt
from graphlet.lowering.int_ranges import dominators, natural_loops, reverse_post_order

EXACT_SUFFIX = "__exact"
SWITCH = "GRAPHLET_DEFER_FLOAT_FLAGS"
PTR = llvm.LLVMPointerType()
RERUNNABLE_CALLS = ("graphlet_array_new_", "graphlet_array_sum_")
"""Array runtime calls a rerun may repeat: allocations the call's arena owns, and sums."""


def enabled() -> bool:
    return os.environ.get(SWITCH, "1") != "0"


def _edges(block: Block) -> Iterator[tuple[Block, tuple[SSAValue, ...]]]:
    term = block.last_op
    if isinstance(term, cf.BranchOp):
        yield term.successor, tuple(term.arguments)
    elif isinstance(term, cf.ConditionalBranchOp):
        yield term.then_block, tuple(term.then_arguments)
        yield term.else_block, tuple(term.else_arguments)
    elif term is not None:
        for succ in term.successors:
            yield succ, ()


def _incoming(function: func.FuncOp) -> dict[BlockArgument, list[SSAValue]] | None:
    """Each block argument's incoming values; None for a branch this pass cannot read."""
    incoming: dict[BlockArgument, list[SSAValue]] = {}
    for block in function.body.blocks:
        term = block.last_op
        if term is None or (
            term.successors and not isinstance(term, cf.BranchOp | cf.ConditionalBranchOp)
        ):
            return None
        for succ, values in _edges(block):
            if len(values) != len(succ.args):
                return None
            for arg, value in zip(succ.args, values):
                incoming.setdefault(arg, []).append(value)
    return incoming


def _callee(op: llvm.CallOp) -> str:
    return op.callee.string_value() if op.callee is not None else ""


def _constant(value: SSAValue) -> int | None:
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def _fresh_pointers(
    function: func.FuncOp, incoming: dict[BlockArgument, list[SSAValue]]
) -> set[SSAValue]:
    """Pointers into arrays the call made itself: their objects (`graphlet_array_new_*`
    results), data pointers and addresses derived from them, through block arguments."""
    ops = list(function.walk())
    assumed = {
        arg
        for block in list(function.body.blocks)[1:]
        for arg in block.args
        if isinstance(arg.type, llvm.LLVMPointerType)
    }
    while True:
        fresh: set[SSAValue] = set(assumed)
        objects: set[SSAValue] = set()
        changed = True
        while changed:
            changed = False
            for op in ops:
                new: SSAValue | None = None
                if isinstance(op, llvm.CallOp) and _callee(op).startswith("graphlet_array_new_"):
                    new = op.results[0]
                    objects.add(new)
                elif isinstance(op, llvm.GEPOp) and op.ptr in fresh:
                    new = op.result
                elif isinstance(op, llvm.LoadOp) and isinstance(op.ptr.owner, llvm.GEPOp):
                    gep = op.ptr.owner
                    offsets = list(gep.ssa_indices)
                    if (
                        gep.ptr in objects
                        and len(offsets) == 1
                        and _constant(offsets[0]) == abi.ARRAY_DATA_OFFSET
                    ):
                        new = op.dereferenced_value
                if new is not None and new not in fresh:
                    fresh.add(new)
                    changed = True
            for arg in assumed - objects:
                if all(v in objects for v in incoming.get(arg, [])):
                    objects.add(arg)
                    changed = True
        keep = {a for a in assumed if all(v in fresh for v in incoming.get(a, []))}
        if keep == assumed:
            return fresh
        assumed = keep


def rerunnable(function: func.FuncOp, incoming: dict[BlockArgument, list[SSAValue]]) -> bool:
    """Whether running the function again from the start repeats no effect."""
    fresh: set[SSAValue] | None = None
    for op in function.walk():
        if isinstance(op, func.CallOp | pyrt.RegionFrameOp | pyrt.RegionCallOp):
            return False
        if isinstance(op, llvm.CallOp):
            if not _callee(op).startswith(RERUNNABLE_CALLS):
                return False
        elif isinstance(op, llvm.StoreOp):
            if fresh is None:
                fresh = _fresh_pointers(function, incoming)
            if op.ptr not in fresh:
                return False
        elif op.dialect_name() == "llvm" and op.name not in _PURE_LLVM:
            return False
    return True


_PURE_LLVM = frozenset(
    op.name
    for op in (
        llvm.LoadOp,
        llvm.GEPOp,
        llvm.MulOp,
        llvm.AddOp,
        llvm.PtrToIntOp,
        llvm.FPExtOp,
        llvm.FPTruncOp,
        llvm.SExtOp,
        llvm.ZExtOp,
        llvm.TruncOp,
        llvm.ZeroOp,
        llvm.SelectOp,
    )
)


def _float_dependent(
    function: func.FuncOp, incoming: dict[BlockArgument, list[SSAValue]]
) -> set[SSAValue]:
    """Values computed from floats or from memory (which may hold them)."""
    dependent: set[SSAValue] = set()
    ops = list(function.walk())
    changed = True
    while changed:
        changed = False
        for arg, values in incoming.items():
            if arg not in dependent and (
                isinstance(arg.type, AnyFloat) or any(v in dependent for v in values)
            ):
                dependent.add(arg)
                changed = True
        for op in ops:
            tainted = isinstance(op, llvm.LoadOp) or any(
                isinstance(v.type, AnyFloat) or v in dependent for v in op.operands
            )
            if tainted:
                for result in op.results:
                    if result not in dependent:
                        dependent.add(result)
                        changed = True
    return dependent


def loops_exit_on_ints(
    function: func.FuncOp, incoming: dict[BlockArgument, list[SSAValue]]
) -> bool:
    """Whether no loop exit tests a value computed from floats or memory (so a run past a
    deferred warning takes no more iterations than the inputs set)."""
    loops = natural_loops(reverse_post_order(function.body))
    if not loops:
        return True
    dependent = _float_dependent(function, incoming)
    for loop in loops.values():
        for block in loop.blocks:
            term = block.last_op
            if not isinstance(term, cf.ConditionalBranchOp):
                continue
            leaves = any(succ not in loop.blocks for succ in term.successors)
            if leaves and term.cond in dependent:
                return False
    return True


@dataclass
class Site:
    """A deferrable float-flags guard: `^test` branches on `cond` to `^warn` (the
    guard and the flags it tests, nothing else) or to `^join`, where `^warn` goes too."""

    test: Block
    cond: SSAValue
    warn: Block
    join: Block


def _site(guard: pyrt.GuardOp) -> Site | None:
    warn = guard.parent_block()
    if warn is None:
        return None
    term = warn.last_op
    preds = list(warn.predecessors())
    if not isinstance(term, cf.BranchOp) or term.arguments or len(preds) != 1:
        return None
    (test,) = preds
    branch = test.last_op
    if not (
        isinstance(branch, cf.ConditionalBranchOp)
        and branch.then_block is warn
        and branch.else_block is term.successor
        and not branch.then_arguments
        and not branch.else_arguments
        and branch.else_block is not warn
    ):
        return None
    for op in warn.ops:
        if op is not guard and op is not term and op.dialect_name() not in ("arith", "math"):
            return None
    return Site(test, branch.cond, warn, term.successor)


def _sites(function: func.FuncOp) -> list[Site]:
    sites: list[Site] = []
    for op in function.walk():
        if isinstance(op, pyrt.GuardOp) and pyrt.FLOAT_FLAGS in op.attributes:
            site = _site(op)
            if site is not None:
                sites.append(site)
    return sites


def tested_value(cond: SSAValue) -> SSAValue | None:
    """The float `r` of a site's `not (|r| < inf)` (the frontend's `guard_float_flags`)."""
    owner = cond.owner
    if not (isinstance(owner, arith.XOrIOp) and _constant(owner.rhs) in (1, -1)):
        return None
    test = owner.lhs.owner
    if not (isinstance(test, arith.CmpfOp) and test.predicate.value.data == 4):  # olt
        return None
    absf, inf = test.lhs.owner, test.rhs.owner
    if not (
        isinstance(absf, math.AbsFOp)
        and isinstance(inf, arith.ConstantOp)
        and isinstance(inf.value, FloatAttr)
        and inf.value.value.data == _math.inf
    ):
        return None
    return absf.operand


def defer(function: func.FuncOp, sites: list[Site], exact: str) -> None:
    """Make `sites` set the sticky flag, and every return rerun `@exact` when it is set.
    A site that tests a float's finiteness leaves its test to `place_tests` (at the
    end of the chain of float ops it starts)."""
    rewriter = Rewriter()
    entry = function.body.blocks[0]
    one = arith.ConstantOp(IntegerAttr(1, i64))
    flag = llvm.AllocaOp(one, i1, alignment=1)
    false = arith.ConstantOp(IntegerAttr(0, i1))
    true = arith.ConstantOp(IntegerAttr(1, i1))
    rewriter.insert_op(
        [one, flag, false, true, llvm.StoreOp(false, flag)], InsertPoint.at_start(entry)
    )
    chained: set[SSAValue] = set()
    for site in sites:
        term = site.test.last_op
        assert term is not None
        value = tested_value(site.cond)
        if value is not None:
            chained.add(value)
            rewriter.replace_op(term, cf.BranchOp(site.join))
        else:
            old = llvm.LoadOp(flag, i1)
            new = arith.OrIOp(old, site.cond)
            rewriter.replace_op(term, [old, new, llvm.StoreOp(new, flag), cf.BranchOp(site.join)])
        for op in reversed(list(site.warn.ops)):
            rewriter.erase_op(op)
        function.body.detach_block(site.warn)
        site.warn.erase()
    raising: list[pyrt.GuardOp] = []
    for op in list(function.walk()):
        if isinstance(op, pyrt.GuardOp) and op.kind.data != pyrt.HAND_BACK:
            state = llvm.LoadOp(flag, i1)
            clear = arith.XOrIOp(state, true)
            either = arith.OrIOp(op.ok, clear)
            first = pyrt.GuardOp(either, pyrt.HAND_BACK)
            rewriter.insert_op([state, clear, either, first], InsertPoint.before(op))
            raising.append(first)
    rerun = Block()
    call = func.CallOp(exact, list(entry.args), function.function_type.outputs.data)
    rerun.add_ops([call, func.ReturnOp(*call.results)])
    returns: list[llvm.LoadOp] = []
    for op in list(function.walk()):
        if isinstance(op, func.ReturnOp) and op.parent_block() is not rerun:
            block = op.parent_block()
            assert block is not None
            done = Block()
            function.body.insert_block_after(done, block)
            block.detach_op(op)
            done.add_op(op)
            state = llvm.LoadOp(flag, i1)
            block.add_ops([state, cf.ConditionalBranchOp(state, rerun, [], done, [])])
            returns.append(state)
    if chained:
        place_tests(function, flag.res, true.result, chained, raising, returns)
    function.body.add_block(rerun)


_CARRIES: dict[type[Operation], tuple[int, ...]] = {
    arith.AddfOp: (0, 1),
    arith.SubfOp: (0, 1),
    arith.MulfOp: (0, 1),
    arith.DivfOp: (0,),
    arith.NegfOp: (0,),
    math.SqrtOp: (0,),
    arith.ExtFOp: (0,),
    arith.TruncFOp: (0,),
    llvm.FPExtOp: (0,),
    llvm.FPTruncOp: (0,),
}
"""The operands whose infinity or NaN the result keeps: inf - inf, 0 * inf and
inf / inf are NaN, sqrt(-inf) is NaN; only a divisor does not (1 / inf is 0)."""


_ABOVE, _BELOW = (2, 3), (4, 5)
"""`arith.cmpf` predicates: ogt, oge; olt, ole."""


def _bounded(ok: SSAValue) -> set[SSAValue]:
    """The floats that are finite where `ok` holds: `lo <= x and x < hi` (ordered
    comparisons with finite constants; a NaN fails them), as a conversion's guard."""
    both = ok.owner
    if not isinstance(both, arith.AndIOp):
        return set()
    bounds: dict[SSAValue, set[str]] = {}
    for side in (both.lhs.owner, both.rhs.owner):
        if not isinstance(side, arith.CmpfOp):
            return set()
        limit = side.rhs.owner
        if not (
            isinstance(limit, arith.ConstantOp)
            and isinstance(limit.value, FloatAttr)
            and _math.isfinite(limit.value.value.data)
        ):
            return set()
        predicate = side.predicate.value.data
        kind = "above" if predicate in _ABOVE else "below" if predicate in _BELOW else None
        if kind is None:
            return set()
        bounds.setdefault(side.lhs, set()).add(kind)
    return {x for x, kinds in bounds.items() if kinds == {"above", "below"}}


def _step(
    block: Block,
    pending: set[SSAValue],
    chained: set[SSAValue],
    stops: set[Operation],
    seen: dict[Operation, set[SSAValue]] | None = None,
) -> set[SSAValue]:
    """The pending values after `block`'s ops: a chained value joins them, an op that
    carries one replaces it, a guard that bounds one settles it (it is finite past the
    guard), and a return's flag test (in `stops`) settles them all."""
    for op in block.ops:
        if op in stops:
            if seen is not None:
                seen[op] = set(pending)
            if isinstance(op, llvm.LoadOp):
                pending = set()
            continue
        if isinstance(op, pyrt.GuardOp):
            pending = pending - _bounded(op.ok)
        positions = _CARRIES.get(type(op))
        if positions is not None:
            carried = {op.operands[i] for i in positions} & pending
            if carried:
                pending = (pending - carried) | {op.results[0]}
        if op.results and op.results[0] in chained:
            pending = pending | {op.results[0]}
    return pending


def place_tests(
    function: func.FuncOp,
    flag: SSAValue,
    true: SSAValue,
    chained: set[SSAValue],
    raising: list[pyrt.GuardOp],
    returns: list[llvm.LoadOp],
) -> None:
    """Test the `chained` floats where their chains end, not after every op.

    A value is *pending* from its op until a test of it or of a value its infinity or
    NaN reaches (`_CARRIES`): `s + a*b` carries both `s` and `a*b`, and through a loop's
    block argument a sum carries every earlier term. Every pending value is tested
    (the flag set when one is not finite) before each return's flag test, in each
    raising guard's hand-back test (NumPy's warning comes first), and at the end of a
    block where it would go out of scope: so the flag is set before any exit exactly
    when the per-op tests would have set it, and the exact rerun decides the rest."""
    order = reverse_post_order(function.body)
    doms = dominators(order)
    stops: set[Operation] = {*raising, *returns}

    def home(value: SSAValue) -> Block | None:
        owner = value.owner
        return owner if isinstance(owner, Block) else owner.parent_block()

    def available(value: SSAValue, succ: Block) -> bool:
        owner = value.owner
        at = owner if isinstance(owner, Block) else owner.parent_block()
        return at is not succ and at in doms.get(succ, ())

    def flow(
        block: Block, pending: set[SSAValue]
    ) -> tuple[set[SSAValue], list[tuple[Block, set[SSAValue]]]]:
        """The values tested at the end of `block` (an edge loses them), and the
        pending values each successor receives: the arguments it passes them as, or
        the values themselves where they are still in scope."""
        edges = list(_edges(block))
        lost = {
            v
            for v in pending
            if any(v not in values and not available(v, succ) for succ, values in edges)
        }
        pending = pending - lost
        return lost, [
            (
                succ,
                {arg for arg, v in zip(succ.args, values) if v in pending}
                | {v for v in pending if v not in values and available(v, succ)},
            )
            for succ, values in edges
        ]

    entering: dict[Block, set[SSAValue]] = {b: set() for b in order}
    changed = True
    while changed:
        changed = False
        for block in order:
            _, out = flow(block, _step(block, entering[block], chained, stops))
            for succ, received in out:
                if succ in entering and not received <= entering[succ]:
                    entering[succ] |= received
                    changed = True
    numbering: dict[SSAValue, int] = {}
    for block in order:
        for arg in block.args:
            numbering[arg] = len(numbering)
        for op in block.ops:
            for result in op.results:
                numbering[result] = len(numbering)
    rewriter = Rewriter()
    for block in order:
        seen: dict[Operation, set[SSAValue]] = {}
        lost, _ = flow(block, _step(block, entering[block], chained, stops, seen))
        for stop, pending in seen.items():
            if not pending:
                continue
            ops, nonfinite = _nonfinite(sorted(pending, key=numbering.__getitem__))
            if isinstance(stop, pyrt.GuardOp):
                ok = stop.ok.owner
                assert isinstance(ok, arith.OrIOp)
                clear = arith.XOrIOp(nonfinite, true)
                unflagged = arith.OrIOp(ok.lhs, clear)
                both = arith.AndIOp(stop.ok, unflagged)
                rewriter.insert_op([*ops, clear, unflagged, both], InsertPoint.before(stop))
                stop.operands[0] = both.result
            else:
                rewriter.insert_op([*ops, *_set_flag(flag, nonfinite)], InsertPoint.before(stop))
        if lost:
            term = block.last_op
            assert term is not None
            ops, nonfinite = _nonfinite(sorted(lost, key=numbering.__getitem__))
            rewriter.insert_op([*ops, *_set_flag(flag, nonfinite)], InsertPoint.before(term))


def _nonfinite(values: list[SSAValue]) -> tuple[list[Operation], SSAValue]:
    """Ops computing whether any of `values` is infinite or NaN."""
    ops: list[Operation] = []
    result: SSAValue | None = None
    for value in values:
        inf = arith.ConstantOp(FloatAttr(_math.inf, cast(AnyFloat, value.type)))
        absf = math.AbsFOp(value)
        test = arith.CmpfOp(absf, inf, "uge")
        ops += [inf, absf, test]
        if result is None:
            result = test.result
        else:
            either = arith.OrIOp(result, test)
            ops.append(either)
            result = either.result
    assert result is not None
    return ops, result


def _set_flag(flag: SSAValue, nonfinite: SSAValue) -> list[Operation]:
    old = llvm.LoadOp(flag, i1)
    new = arith.OrIOp(old, nonfinite)
    return [old, new, llvm.StoreOp(new, flag)]


def defer_function(module: ModuleOp, function: func.FuncOp, names: set[str]) -> bool:
    """Defer the function's float-flags guards if it may run twice; whether it did."""
    sites = _sites(function)
    exact = function.sym_name.data + EXACT_SUFFIX
    if not sites or exact in names:
        return False
    incoming = _incoming(function)
    if incoming is None or not rerunnable(function, incoming):
        return False
    if not loops_exit_on_ints(function, incoming):
        return False
    copy = function.clone()
    copy.sym_name = StringAttr(exact)
    copy.sym_visibility = StringAttr("private")
    module.body.block.insert_op_after(copy, function)
    names.add(exact)
    defer(function, sites, exact)
    return True


@dataclass(frozen=True)
class DeferFloatFlagGuardsPass(ModulePass):
    name = "defer-float-flag-guards"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not enabled():
            return
        functions = [
            f for f in op.body.block.ops if isinstance(f, func.FuncOp) and not f.is_declaration
        ]
        names = {f.sym_name.data for f in op.body.block.ops if isinstance(f, func.FuncOp)}
        for function in functions:
            defer_function(op, function, names)
