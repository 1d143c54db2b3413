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
from xdsl.dialects import arith, func, llvm
from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp, f32, f64, i8, i32, i64
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from graphlet.lowering.int_ranges import Loop
from graphlet.lowering.loop_versioning import LoopCopy, edges, version_innermost_loops, version_loop

MAX_LOOPS = 4
"""Loops versioned per function at most (each doubles its loop's code)."""

MAX_LOOP_OPS = 400
_ITEM_SIZES: dict[Attribute, int] = {f64: 8, i64: 8, f32: 4, i32: 4, i8: 1}


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
        for succ, values in edges(block):
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


def version(function: func.FuncOp, loop: Loop, order: list[Block]) -> bool:
    same = _invariants(loop, order)
    if same is None:
        return False
    candidates = _candidates(loop, order, same)
    if not candidates:
        return False

    def test(copy: LoopCopy) -> tuple[list[Operation], list[SSAValue]]:
        """Strides of the copy become item sizes; the entry tests that they are."""
        clone_ops = copy.ops()
        tests: list[Operation] = []
        conditions: list[SSAValue] = []
        tested: set[tuple[SSAValue, int]] = set()
        for mul, position, size, value in candidates:
            new = clone_ops[mul]
            constant = arith.ConstantOp(IntegerAttr(size, i64))
            assert new.parent_block() is not None
            new.parent_block().insert_op_before(constant, new)  # type: ignore[union-attr]
            new.operands[position] = constant.result
            value = copy.at_entry(value)
            if (value, size) in tested:
                continue
            tested.add((value, size))
            assert isinstance(value.type, IntegerType)
            expected = arith.ConstantOp(IntegerAttr(size, value.type))
            equal = arith.CmpiOp(value, expected, "eq")
            tests += [expected, equal]
            conditions.append(equal.result)
        return tests, conditions

    version_loop(function, loop, order, test)
    return True


def version_loops(function: func.FuncOp) -> int:
    return version_innermost_loops(function, version, MAX_LOOPS, MAX_LOOP_OPS)


@dataclass(frozen=True)
class VersionContiguousLoopsPass(ModulePass):
    name = "version-contiguous-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.ops:
            if isinstance(function, func.FuncOp) and not function.is_declaration:
                version_loops(function)
