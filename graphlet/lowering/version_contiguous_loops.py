"""`version-contiguous-loops`: an innermost loop over array items gets a unit-stride copy,
chosen at its entry when the strides it steps by are the item size.

An array's byte strides are run-time values (any layout compiles), so `a[i, j]` in a
loop over `j` is `data + i * s0 + j * s1` with `s1` unknown: LLVM cannot vectorise the
loads into vector loads. Most arrays are C-contiguous, where `s1` is the item size.
So the loop is cloned; in the copy every stride that multiplies an index varying in
the loop is the item size (a constant), and the loop's entry tests that it is:

    ^pre: ...; cf.br ^head(%init...)
~>  ^pre: ...; cf.br ^check(%init...)
    ^check(%a...): %ok = %s1 == 8 and ...
                   cf.cond_br %ok, ^head_contiguous(%a...), ^head(%a...)

Strides of an outer index (`s0` above) stay as they are. Only innermost loops with
one entry edge are versioned, and only when no value defined in the loop is used
outside it except through block arguments. It runs after `convert-pyarray-to-llvm`
(addresses are `llvm.mul`, `llvm.add` and a byte `llvm.getelementptr`), on a
function's flat CFG.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func, llvm
from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp, f32, f64, i8, i32, i64
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from graphlet.lowering.int_ranges import Loop, natural_loops, reverse_post_order, successors
from graphlet.lowering.version_int_loops import _clone_loop

MAX_LOOPS = 4
"""Loops versioned per function at most (each doubles its loop's code)."""

MAX_LOOP_OPS = 400
_ITEM_SIZES: dict[Attribute, int] = {f64: 8, i64: 8, f32: 4, i32: 4, i8: 1}


def _edges(block: Block) -> list[tuple[Block, tuple[SSAValue, ...]]]:
    term = block.last_op
    if isinstance(term, cf.BranchOp):
        return [(term.successor, tuple(term.arguments))]
    if isinstance(term, cf.ConditionalBranchOp):
        return [
            (term.then_block, tuple(term.then_arguments)),
            (term.else_block, tuple(term.else_arguments)),
        ]
    return [(succ, ()) for succ in successors(block)]


def _invariants(loop: Loop, order: list[Block]) -> dict[SSAValue, SSAValue] | None:
    """The loop's block arguments that are the same in every iteration, each with the
    value outside the loop it equals (None when an edge passes the wrong number of
    values). Optimistic: every header argument is its entry value until an edge in
    the loop passes it something else."""
    (entry,) = loop.entries
    header = loop.header
    incoming: dict[BlockArgument, list[SSAValue]] = {}
    same: dict[SSAValue, SSAValue] = {}
    for block in [entry, *(b for b in order if b in loop.blocks)]:
        for succ, values in _edges(block):
            if succ not in loop.blocks:
                continue
            if len(values) != len(succ.args):
                return None
            for arg, value in zip(succ.args, values):
                if block is entry and succ is header:
                    same[arg] = value
                else:
                    incoming.setdefault(arg, []).append(value)
    changed = True
    while changed:
        changed = False
        for arg, passed in incoming.items():
            if arg.block is header and arg not in same:
                continue
            outside = {_outside(v, same, loop) for v in passed}
            if arg.block is not header and arg not in same and len(outside) == 1:
                (found,) = outside
                if found is not None:
                    same[arg] = found
                    changed = True
            elif arg in same and outside != {same[arg]}:
                del same[arg]
                changed = True
    return same


def _outside(value: SSAValue, same: dict[SSAValue, SSAValue], loop: Loop) -> SSAValue | None:
    if value in same:
        return same[value]
    block = value.owner if isinstance(value.owner, Block) else value.owner.parent_block()
    return value if block not in loop.blocks else None


def _varies(value: SSAValue, same: dict[SSAValue, SSAValue], loop: Loop) -> bool:
    """Whether `value` may differ between iterations (computed from a value that does)."""
    seen: set[SSAValue] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if v in seen or _outside(v, same, loop) is not None:
            continue
        seen.add(v)
        if isinstance(v, BlockArgument):
            return True
        assert isinstance(v.owner, Operation)
        stack.extend(v.owner.operands)
    return False


def _item_size(offset: SSAValue) -> int | None:
    """The item size of the accesses whose byte offset from their data is `offset` (all
    alike), or None when it is used otherwise."""
    sizes: set[int] = set()
    for use in offset.uses:
        op = use.operation
        if isinstance(op, llvm.AddOp):
            size = _item_size(op.res)
        elif isinstance(op, llvm.GEPOp) and use.index == 1 and op.elem_type == i8:
            size = None
            typed = [u.operation for u in op.result.uses]
            if typed and all(isinstance(t, llvm.GEPOp) for t in typed):
                elements = {_ITEM_SIZES.get(t.elem_type) for t in typed if t.elem_type}
                if len(elements) == 1:
                    (size,) = elements
        else:
            size = None
        if size is None:
            return None
        sizes.add(size)
    return sizes.pop() if len(sizes) == 1 else None


def _candidates(
    loop: Loop, order: list[Block], same: dict[SSAValue, SSAValue]
) -> list[tuple[llvm.MulOp, int, int, SSAValue]]:
    """(multiplication, operand position of the stride, item size, the stride's value
    at entry) for each stride that multiplies an index varying in the loop."""
    found = []
    for block in order:
        if block not in loop.blocks:
            continue
        for op in block.ops:
            if not isinstance(op, llvm.MulOp):
                continue
            size = _item_size(op.res)
            if size is None:
                continue
            for position in (1, 0):
                stride, index = op.operands[position], op.operands[1 - position]
                entry = _outside(stride, same, loop)
                if entry is not None and _varies(index, same, loop):
                    found.append((op, position, size, entry))
                    break
    return found


def _defined_outside_only(loop: Loop) -> bool:
    for block in loop.blocks:
        values = [*block.args, *(r for op in block.ops for r in op.results)]
        for value in values:
            if any(use.operation.parent_block() not in loop.blocks for use in value.uses):
                return False
    return True


def version(function: func.FuncOp, loop: Loop, order: list[Block]) -> bool:
    same = _invariants(loop, order)
    if same is None:
        return False
    candidates = _candidates(loop, order, same)
    if not candidates:
        return False
    header = loop.header
    (entry,) = loop.entries
    check = Block(arg_types=[a.type for a in header.args])
    copies = _clone_loop(loop, order, list(function.body.blocks))
    clone_ops = {
        old: new
        for block in order
        if block in loop.blocks
        for old, new in zip(block.ops, copies[block].ops, strict=True)
    }
    tests: list[Operation] = []
    ok: SSAValue | None = None
    tested: set[tuple[SSAValue, int]] = set()
    for mul, position, size, value in candidates:
        new = clone_ops[mul]
        constant = arith.ConstantOp(IntegerAttr(size, i64))
        assert new.parent_block() is not None
        new.parent_block().insert_op_before(constant, new)  # type: ignore[union-attr]
        new.operands[position] = constant.result
        if isinstance(value, BlockArgument) and value.block is header:
            value = check.args[value.index]
        if (value, size) in tested:
            continue
        tested.add((value, size))
        assert isinstance(value.type, IntegerType)
        expected = arith.ConstantOp(IntegerAttr(size, value.type))
        test = arith.CmpiOp(value, expected, "eq")
        tests += [expected, test]
        if ok is None:
            ok = test.result
        else:
            both = arith.AndIOp(ok, test.result)
            tests.append(both)
            ok = both.result
    assert ok is not None
    check.add_ops(tests)
    check.add_op(cf.ConditionalBranchOp(ok, copies[header], check.args, header, check.args))
    function.body.insert_block_after(check, entry)
    term = entry.last_op
    assert term is not None
    for index, succ in enumerate(term.successors):
        if succ is header:
            term.successors[index] = check
    return True


def _innermost(header: Block, loops: dict[Block, Loop]) -> bool:
    loop = loops[header]
    return not any(other is not loop and other.header in loop.blocks for other in loops.values())


def version_loops(function: func.FuncOp) -> int:
    order = reverse_post_order(function.body)
    loops = natural_loops(order)
    count = 0
    for header, loop in list(loops.items()):
        if count >= MAX_LOOPS:
            break
        if not _innermost(header, loops) or len(loop.entries) != 1:
            continue
        if successors(loop.entries[0]).count(header) != 1 or not _defined_outside_only(loop):
            continue
        if sum(len(b.ops) for b in loop.blocks) > MAX_LOOP_OPS:
            continue
        if version(function, loop, order):
            count += 1
    return count


@dataclass(frozen=True)
class VersionContiguousLoopsPass(ModulePass):
    name = "version-contiguous-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                version_loops(function)
