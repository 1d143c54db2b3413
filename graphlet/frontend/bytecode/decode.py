"""Decode a function's bytecode into one instruction set for CPython 3.11, 3.12 and 3.13.

The three versions spell the same programs differently (superinstructions such as
`LOAD_FAST_LOAD_FAST`, `RETURN_CONST`, where `LOAD_GLOBAL` puts its NULL, the
`POP_JUMP_FORWARD_IF_*` of 3.11, what `FOR_ITER` skips when a loop ends). Every
difference is settled here, so the abstract interpreter reads one vocabulary:

    LOAD_FAST name      STORE_FAST name    LOAD_CONST value   LOAD_GLOBAL name
    LOAD_ATTR name      LOAD_METHOD name   PUSH_NULL          CALL argc
    BINARY_OP symbol (`+`, or `+=` in place)                  COMPARE_OP symbol  UNARY_NEGATIVE     UNARY_NOT  UNARY_INVERT
    UNARY_POSITIVE      TO_BOOL            POP_TOP            COPY n     SWAP n
    JUMP                POP_JUMP_IF_FALSE/TRUE/NONE/NOT_NONE  JUMP_IF_FALSE/TRUE_OR_POP
    GET_ITER            FOR_ITER           RETURN_VALUE       NOP
    CALL_KW (argc, names): 3.11/3.12's `KW_NAMES` folded into its `CALL`
    CALL_KW argc: 3.13's, the names a tuple on top of the stack
    LOAD_CLOSURE name: a cell for a nested function (3.13 spells it `LOAD_FAST`)

Anything else keeps its CPython name and is a graph break for the interpreter.
Jump targets are indices into the decoded list, not byte offsets.
"""

from __future__ import annotations

import dis
import sys
from dataclasses import dataclass
from types import CodeType
from typing import Any

NULL_BEFORE_CALLABLE = sys.version_info < (3, 13)
"""3.11/3.12 push NULL below the callable; 3.13 pushes it above."""

_IGNORED = {"RESUME", "NOP", "PRECALL", "CACHE", "EXTENDED_ARG", "NOT_TAKEN"}
_JUMPS = {
    "JUMP_FORWARD",
    "JUMP_BACKWARD",
    "JUMP_BACKWARD_NO_INTERRUPT",
    "JUMP",
    "JUMP_NO_INTERRUPT",
}
_CONDITIONAL_JUMPS = {
    "POP_JUMP_IF_FALSE": "POP_JUMP_IF_FALSE",
    "POP_JUMP_IF_TRUE": "POP_JUMP_IF_TRUE",
    "POP_JUMP_IF_NONE": "POP_JUMP_IF_NONE",
    "POP_JUMP_IF_NOT_NONE": "POP_JUMP_IF_NOT_NONE",
    "POP_JUMP_FORWARD_IF_FALSE": "POP_JUMP_IF_FALSE",
    "POP_JUMP_BACKWARD_IF_FALSE": "POP_JUMP_IF_FALSE",
    "POP_JUMP_FORWARD_IF_TRUE": "POP_JUMP_IF_TRUE",
    "POP_JUMP_BACKWARD_IF_TRUE": "POP_JUMP_IF_TRUE",
    "POP_JUMP_FORWARD_IF_NONE": "POP_JUMP_IF_NONE",
    "POP_JUMP_BACKWARD_IF_NONE": "POP_JUMP_IF_NONE",
    "POP_JUMP_FORWARD_IF_NOT_NONE": "POP_JUMP_IF_NOT_NONE",
    "POP_JUMP_BACKWARD_IF_NOT_NONE": "POP_JUMP_IF_NOT_NONE",
    "JUMP_IF_FALSE_OR_POP": "JUMP_IF_FALSE_OR_POP",
    "JUMP_IF_TRUE_OR_POP": "JUMP_IF_TRUE_OR_POP",
}
BRANCHES = {*_CONDITIONAL_JUMPS.values(), "FOR_ITER"}
TERMINATORS = {"JUMP", "RETURN_VALUE", "RAISE_VARARGS", "RERAISE"}


@dataclass(frozen=True, slots=True)
class Instr:
    """One decoded instruction. `opname` is CPython's name, kept for reports."""

    op: str
    arg: Any
    line: int | None
    offset: int
    opname: str
    index: int
    """Position in the decoded list (what jump targets refer to)."""
    target: int | None = None


def _line(ins: dis.Instruction) -> int | None:
    positions = ins.positions
    return positions.lineno if positions is not None else None


def _oparg(ins: dis.Instruction) -> int:
    """The raw argument of an instruction that always has one (`LOAD_GLOBAL`, `KW_NAMES`...)."""
    if ins.arg is None:
        raise ValueError(f"{ins.opname} at offset {ins.offset} has no argument")
    return ins.arg


def _expand(ins: dis.Instruction) -> list[tuple[str, Any]]:
    """The normalized instruction(s) for one CPython instruction."""
    name, argval = ins.opname, ins.argval
    if name in ("LOAD_FAST", "LOAD_FAST_CHECK"):
        return [("LOAD_FAST", argval)]
    if name == "LOAD_FAST_LOAD_FAST":
        return [("LOAD_FAST", argval[0]), ("LOAD_FAST", argval[1])]
    if name == "STORE_FAST_LOAD_FAST":
        return [("STORE_FAST", argval[0]), ("LOAD_FAST", argval[1])]
    if name == "STORE_FAST_STORE_FAST":
        return [("STORE_FAST", argval[0]), ("STORE_FAST", argval[1])]
    if name == "RETURN_CONST":
        return [("LOAD_CONST", argval), ("RETURN_VALUE", None)]
    if name == "LOAD_GLOBAL":
        if not _oparg(ins) & 1:
            return [("LOAD_GLOBAL", argval)]
        if NULL_BEFORE_CALLABLE:
            return [("PUSH_NULL", None), ("LOAD_GLOBAL", argval)]
        return [("LOAD_GLOBAL", argval), ("PUSH_NULL", None)]
    if name == "LOAD_ATTR":
        method = sys.version_info >= (3, 12) and _oparg(ins) & 1
        return [("LOAD_METHOD" if method else "LOAD_ATTR", argval)]
    if name == "BINARY_OP":
        return [("BINARY_OP", ins.argrepr)]  # "+", or "+=" in place
    if name == "COMPARE_OP":
        return [("COMPARE_OP", argval)]
    if name == "CALL_INTRINSIC_1" and ins.argrepr == "INTRINSIC_UNARY_POSITIVE":
        return [("UNARY_POSITIVE", None)]
    if name in _IGNORED:
        return [("NOP", None)]
    if name in _JUMPS:
        return [("JUMP", argval)]
    if name in _CONDITIONAL_JUMPS:
        return [(_CONDITIONAL_JUMPS[name], argval)]
    return [(name, argval)]


def decode(code: CodeType) -> list[Instr]:
    """The normalized instruction list of `code`, jump targets resolved to indices."""
    raw = list(dis.get_instructions(code))
    decoded: list[tuple[str, Any, dis.Instruction]] = []
    index_of_offset: dict[int, int] = {}
    keywords: tuple[str, ...] | None = None
    cells = {*code.co_cellvars, *code.co_freevars}
    for ins in raw:
        index_of_offset[ins.offset] = len(decoded)
        if ins.opname == "KW_NAMES":  # 3.11/3.12: names for the next CALL
            keywords = ins.argval if isinstance(ins.argval, tuple) else code.co_consts[_oparg(ins)]
            decoded.append(("NOP", None, ins))
            continue
        if ins.opname == "CALL" and keywords is not None:
            decoded.append(("CALL_KW", (ins.argval, keywords), ins))
            keywords = None
            continue
        for op, arg in _expand(ins):
            if op == "LOAD_FAST" and arg in cells:  # the cell itself, never its contents
                op = "LOAD_CLOSURE"
            decoded.append((op, arg, ins))
    by_offset = {ins.offset: ins for ins in raw}
    result: list[Instr] = []
    for index, (op, arg, ins) in enumerate(decoded):
        target = None
        if op == "JUMP" or op in BRANCHES:
            target_offset = ins.argval
            if op == "FOR_ITER":
                target_offset = _past_end_for(raw, by_offset, target_offset)
            target = index_of_offset[target_offset]
            arg = None
        result.append(Instr(op, arg, _line(ins), ins.offset, ins.opname, index, target))
    return result


def _past_end_for(
    raw: list[dis.Instruction], by_offset: dict[int, dis.Instruction], offset: int
) -> int:
    """Where an exhausted `FOR_ITER` resumes: 3.12 skips the `END_FOR` it targets,
    3.13 skips `END_FOR` and the `POP_TOP` after it; 3.11 targets the exit directly."""
    if by_offset[offset].opname != "END_FOR":
        return offset
    position = next(i for i, ins in enumerate(raw) if ins.offset == offset)
    skip = 2 if sys.version_info >= (3, 13) else 1
    return raw[position + skip].offset


def block_starts(instrs: list[Instr]) -> list[int]:
    """Indices that begin a basic block: the entry, jump targets, and what follows a
    branch or a terminator."""
    starts = {0}
    for i, ins in enumerate(instrs):
        if ins.target is not None:
            starts.add(ins.target)
        if (ins.op in BRANCHES or ins.op in TERMINATORS or ins.op == "YIELD_VALUE") and i + 1 < len(
            instrs
        ):  # (a generator expression's consumer may leave its loop at a yield)
            starts.add(i + 1)
    return sorted(starts)


_NO_FALLTHROUGH = {"JUMP", "RETURN_VALUE", "RAISE_VARARGS", "RERAISE"}


def live_locals(instrs: list[Instr]) -> list[frozenset[str]]:
    """The locals live on entry to each instruction (read later on some path before
    being stored): capture keeps only those across blocks, so a dead local neither
    costs a block argument nor splits a block into versions."""
    uses: list[frozenset[str]] = []
    defs: list[frozenset[str]] = []
    successors: list[list[int]] = []
    for i, ins in enumerate(instrs):
        reads = ins.op in ("LOAD_FAST", "LOAD_FAST_AND_CLEAR")  # (the latter saves it)
        uses.append(frozenset([ins.arg]) if reads else frozenset())
        defs.append(
            frozenset([ins.arg])
            if ins.op in ("STORE_FAST", "DELETE_FAST", "LOAD_FAST_AND_CLEAR")
            else frozenset()
        )
        following = [] if ins.op in _NO_FALLTHROUGH or i + 1 == len(instrs) else [i + 1]
        if ins.target is not None:
            following.append(ins.target)
        successors.append(following)
    live = [frozenset[str]() for _ in instrs]
    changed = True
    while changed:
        changed = False
        for i in range(len(instrs) - 1, -1, -1):
            out = frozenset().union(*(live[s] for s in successors[i]))
            new = uses[i] | (out - defs[i])
            if new != live[i]:
                live[i] = new
                changed = True
    return live
