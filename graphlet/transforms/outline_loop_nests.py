"""`outline-loop-nests`: each top-level loop nest of a function with several becomes
a private, never-inlined function that the function calls.

LLVM's optimisation and code generation time grow faster than linearly in a
function's size, and a lowered model is one function of hundreds of loop nests; so
is xDSL's `convert-scf-to-cf`, which splits the block at each loop, moving every op
after it (densenet121: 43 s of CPU). Outlined, each function holds one nest, LLVM
optimises many small functions instead, and nests that are the same op for op (the
same layer shape again: the blocks of a ResNet stage, every ReLU of one size) are
one function, optimised and compiled once.

A nest's operands defined outside it become the function's arguments, in order of
first use, except `arith.constant`s, which are cloned in: loop bounds and strides stay
constants LLVM can unroll and vectorise by. A memref argument is marked
`llvm.noalias` when its buffer (through views) is an allocation or global of its own
or an argument of the function named by `entry` (the tensor ABI's entry, whose
inputs and fresh outputs never overlap), and no other memref argument of the call
views the same buffer; nests differing only in that marking are not shared.
The functions carry `passthrough = ["noinline"]`, which `convert-func-to-llvm` and the
LLVM IR emitter carry to LLVM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnitAttr,
)
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from graphlet.transforms.fuse_sibling_loops import _buffer

logger = logging.getLogger("graphlet.transforms")

NOALIAS = "llvm.noalias"
PASSTHROUGH = "passthrough"


def _free_values(nest: scf.ForOp) -> list[SSAValue]:
    """The values `nest` uses that are defined outside it, in order of first use."""
    inside: set[SSAValue] = set()
    free: dict[SSAValue, None] = {}
    for op in nest.walk():
        for region in op.regions:
            for block in region.blocks:
                inside.update(block.args)
        for operand in op.operands:
            if operand not in inside:
                free[operand] = None
        inside.update(op.results)
    return list(free)


def _distinct_buffer(buffer: SSAValue, entry: func.FuncOp, arguments: bool) -> Any:
    """What identifies the memory `buffer` is, when nothing else can overlap it."""
    owner = buffer.owner
    if isinstance(owner, memref.AllocOp | memref.AllocaOp):
        return buffer
    if isinstance(owner, memref.GetGlobalOp):
        return ("global", owner.name_.string_value())
    if arguments and isinstance(buffer, BlockArgument) and owner is entry.body.blocks.first:
        return buffer
    return None


def _noalias(arguments: list[SSAValue], entry: func.FuncOp, noalias_arguments: bool) -> list[bool]:
    """Per argument, whether it may be marked `llvm.noalias` (see the module docstring)."""
    buffers = [
        _distinct_buffer(_buffer(a), entry, noalias_arguments)
        if isinstance(a.type, MemRefType)
        else None
        for a in arguments
    ]
    roots = [_buffer(a) if isinstance(a.type, MemRefType) else None for a in arguments]
    return [b is not None and sum(r is roots[i] for r in roots) == 1 for i, b in enumerate(buffers)]


def _structure(op: Operation, numbers: dict[SSAValue, int], out: list[Any]) -> None:
    """Appends what decides `op` up to renaming of its values (for sharing)."""
    out.append(
        (
            op.name,
            tuple(numbers.get(v, -1) for v in op.operands),
            tuple(r.type for r in op.results),
            tuple(op.properties.items()),
            tuple(op.attributes.items()),
            len(op.regions),
        )
    )
    for r in op.results:
        numbers[r] = len(numbers)
    for region in op.regions:
        for block in region.blocks:
            out.append(tuple(a.type for a in block.args))
            for a in block.args:
                numbers[a] = len(numbers)
            for inner in block.ops:
                _structure(inner, numbers, out)


def _outline(
    nest: scf.ForOp, entry: func.FuncOp, noalias_arguments: bool
) -> tuple[func.FuncOp, list[SSAValue], tuple[Any, ...]]:
    """`nest` moved into a new function, the values to call it with, and its key."""
    free = _free_values(nest)
    constants = [v for v in free if isinstance(v.owner, arith.ConstantOp)]
    arguments = [v for v in free if not isinstance(v.owner, arith.ConstantOp)]
    noalias = _noalias(arguments, entry, noalias_arguments)
    block = Block(arg_types=[a.type for a in arguments])
    mapping: dict[SSAValue, SSAValue] = dict(zip(arguments, block.args))
    for value in constants:
        assert isinstance(value.owner, arith.ConstantOp)
        clone = value.owner.clone()
        block.add_op(clone)
        mapping[value] = clone.result
    parent = nest.parent_block()
    assert parent is not None
    block.add_op(parent.detach_op(nest))
    for op in nest.walk():
        for i, operand in enumerate(op.operands):
            if (new := mapping.get(operand)) is not None:
                op.operands[i] = new
    block.add_op(func.ReturnOp())
    outlined = func.FuncOp(
        "outlined",
        ([a.type for a in arguments], []),
        Region(block),
        visibility="private",
        arg_attrs=ArrayAttr([DictionaryAttr({NOALIAS: UnitAttr()} if n else {}) for n in noalias]),
    )
    outlined.attributes[PASSTHROUGH] = ArrayAttr([StringAttr("noinline")])
    numbers: dict[SSAValue, int] = {a: i for i, a in enumerate(block.args)}
    structure: list[Any] = [tuple(a.type for a in arguments), tuple(noalias)]
    for op in block.ops:
        _structure(op, numbers, structure)
    return outlined, arguments, tuple(structure)


@dataclass(frozen=True)
class OutlineLoopNestsPass(ModulePass):
    name = "outline-loop-nests"

    entry: str = ""
    """The function whose memref arguments never overlap (the tensor ABI's)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        shared: dict[tuple[Any, ...], str] = {}
        taken = {o.sym_name.data for o in op.ops if isinstance(o, func.FuncOp)}
        outlined = 0
        for entry in [o for o in op.ops if isinstance(o, func.FuncOp) and o.body.blocks]:
            if PASSTHROUGH in entry.attributes:
                continue
            for block in entry.body.blocks:
                nests = [o for o in block.ops if isinstance(o, scf.ForOp) and not o.results]
                if len(nests) < 2:
                    continue
                for nest in nests:
                    self._replace(nest, entry, op, shared, taken)
                outlined += len(nests)
        logger.debug("outline-loop-nests: %d nests, %d functions", outlined, len(shared))

    def _replace(
        self,
        nest: scf.ForOp,
        entry: func.FuncOp,
        module: ModuleOp,
        shared: dict[tuple[Any, ...], str],
        taken: set[str],
    ) -> None:
        anchor = nest.next_op
        parent = nest.parent_block()
        assert parent is not None
        outlined, arguments, key = _outline(nest, entry, entry.sym_name.data == self.entry)
        name = shared.get(key, "")
        if not name:
            index = len(shared)
            name = f"{entry.sym_name.data}_nest{index}"
            while name in taken:
                index += 1
                name = f"{entry.sym_name.data}_nest{index}"
            taken.add(name)
            shared[key] = name
            outlined.sym_name = StringAttr(name)
            module.body.block.add_op(outlined)
        else:
            outlined.erase(drop_references=True)
        call = func.CallOp(name, arguments, [])
        point = InsertPoint.before(anchor) if anchor is not None else InsertPoint.at_end(parent)
        Rewriter.insert_op(call, point)
