"""Capture, the driver: a symbolic interpreter over decoded bytecode that builds a CFG
of graphlet ops, one function at a time, into one module.

Each bytecode basic block becomes an IR block whose arguments are the values live on
entry, flattened by kind (see `values`). Capture runs twice per function: first to a
fixed point over the *kinds* of those values (type inference: ops are built into
scratch blocks and thrown away), then once more to emit the final blocks with the
inferred signatures. Each instruction goes to its handler in `opcodes.HANDLERS`
(filled by `opcodes`, `calls`, `iteration`, `containers`). Calls to Python functions
capture the callee into the same module and become `func.call`; recursion is typed
by iterating from the base case's return type.

An instruction graphlet cannot compile raises `GraphBreak`; its block then ends in a
bail point (`pyrt.guard false, "HandBack"`) so native code hands the call to CPython.
"""

from __future__ import annotations

import logging
import re
import types
from dataclasses import dataclass, field
from typing import Any

from xdsl.builder import Builder, InsertPoint
from xdsl.dialects import cf, func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Attribute, Block, Region, SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects import pyrt
from graphlet.frontend.bytecode import calls, containers, iteration  # noqa: F401 (handlers)
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import BreakRecord, FunctionNotCompilable, GraphBreak
from graphlet.frontend.bytecode.calls import MISSING, python_function
from graphlet.frontend.bytecode.decode import Instr, block_starts, decode
from graphlet.frontend.bytecode.emit import Emitter
from graphlet.frontend.bytecode.inference import BOTTOM, INT, Poison
from graphlet.frontend.bytecode.opcodes import HANDLERS, Returned, Successor
from graphlet.frontend.bytecode.values import (
    EntryKinds,
    State,
    Value,
    args_for,
    kind_of,
    values_from_args,
)
from graphlet.frontend.guards import Guard

__all__ = [
    "MISSING",
    "CapturedFunction",
    "FunctionCapture",
    "Guard",
    "ModuleCapture",
    "python_function",
]

logger = logging.getLogger("graphlet")

RECURSION_LIMIT = 500
"""Native calls nested deeper than this hand the call back to Python, which then
recurses (or raises RecursionError) itself: native code must never overflow its stack."""

_UNSUPPORTED_FLAGS = {
    0x04: "*args",
    0x08: "**kwargs",
    0x20: "a generator",
    0x80: "a coroutine",
    0x100: "an iterable coroutine",
    0x200: "an async generator",
}


@dataclass
class CapturedFunction:
    """A function compiled for one argument-type signature."""

    fn: types.FunctionType
    symbol: str
    arg_types: tuple[Attribute, ...]
    return_type: Attribute
    func_op: func.FuncOp
    bail_records: list[BreakRecord] = field(default_factory=list)


@dataclass
class BlockOutcome:
    successors: list[tuple[int, State]] = field(default_factory=list)
    returns: list[Value] = field(default_factory=list)
    bail: BreakRecord | None = None


def _symbol_for(fn: types.FunctionType, arg_types: tuple[Attribute, ...], taken: set[str]) -> str:
    base = re.sub(r"\W", "_", fn.__qualname__.replace(".<locals>.", "."))
    sig = "_".join(str(t) for t in arg_types) or "void"
    symbol = f"{base}__{sig}"
    n = 1
    while symbol in taken:
        n += 1
        symbol = f"{base}__{sig}_{n}"
    taken.add(symbol)
    return symbol


class ModuleCapture:
    """Captures a function and, in turn, every Python function it calls, into one module."""

    def __init__(self) -> None:
        self.module = ModuleOp([])
        self.functions: dict[tuple[Any, ...], CapturedFunction] = {}
        self.in_progress: dict[tuple[Any, ...], FunctionCapture] = {}
        self.guards: dict[tuple[int, str], Guard] = {}
        self.symbols: set[str] = set()

    def capture(self, fn: types.FunctionType, arg_types: tuple[Attribute, ...]) -> CapturedFunction:
        """Capture `fn` for `arg_types`, or raise `FunctionNotCompilable`."""
        key = (fn, arg_types)
        if key in self.functions:
            return self.functions[key]
        capture = FunctionCapture(self, fn, arg_types, _symbol_for(fn, arg_types, self.symbols))
        self.in_progress[key] = capture
        try:
            captured = capture.run()
        finally:
            del self.in_progress[key]
        self.functions[key] = captured
        self.module.body.block.add_op(captured.func_op)
        return captured

    def guard(self, namespace: dict, name: str) -> Any:
        """Read a global (or builtin) and remember that the compiled code depends on it."""
        value = namespace.get(name, MISSING)
        self.guards[(id(namespace), name)] = Guard(namespace, name, value)
        return value


class FunctionCapture(Emitter):
    """The two-phase capture of one function for one signature."""

    def __init__(
        self,
        unit: ModuleCapture,
        fn: types.FunctionType,
        arg_types: tuple[Attribute, ...],
        symbol: str,
    ) -> None:
        self.unit = unit
        self.fn = fn
        self.code = fn.__code__
        self.arg_types = arg_types
        self.symbol = symbol
        self.assumed_return: Attribute | None = None
        self.needs_return_type = False
        self.filename = self.code.co_filename
        self.instrs: list[Instr] = []
        self.starts: list[int] = []
        self.emitting = False
        self.builder: Builder | None = None
        self.current: Instr | None = None
        self.inferred_bails: dict[int, BreakRecord] = {}
        self.next_depth: SSAValue = Block(arg_types=[INT]).args[0]
        """The call depth passed to callees (every captured function takes its own
        depth as a trailing i64 argument)."""

    # ------------------------------------------------------------------ driver

    def _whole_function_break(
        self, reason: str, line: int | None = None, opname: str = "-"
    ) -> FunctionNotCompilable:
        return FunctionNotCompilable([self._record(reason, line, opname)])

    def _record(self, reason: str, line: int | None, opname: str) -> BreakRecord:
        return BreakRecord(self.fn.__qualname__, self.filename, line, opname, reason)

    def _check_function(self) -> None:
        code = self.code
        first_line = code.co_firstlineno
        for flag, what in _UNSUPPORTED_FLAGS.items():
            if code.co_flags & flag:
                raise self._whole_function_break(f"the function takes or is {what}", first_line)
        if code.co_kwonlyargcount:
            raise self._whole_function_break("keyword-only parameters", first_line)
        if code.co_cellvars or code.co_freevars:
            raise self._whole_function_break(
                "closures (nested functions or free variables)", first_line
            )
        if code.co_exceptiontable:
            raise self._whole_function_break("try/except, with or a comprehension", first_line)
        if len(self.arg_types) != code.co_argcount:
            raise self._whole_function_break(
                f"called with {len(self.arg_types)} arguments, takes {code.co_argcount}", first_line
            )

    def run(self) -> CapturedFunction:
        self._check_function()
        self.instrs = decode(self.code)
        self.starts = block_starts(self.instrs)
        entry = EntryKinds({self.code.co_varnames[i]: t for i, t in enumerate(self.arg_types)}, [])
        try:
            for _ in range(4):
                kinds, return_kind = self._infer(entry)
                if return_kind is None or return_kind == self.assumed_return:
                    break
                self.assumed_return = return_kind
                if not self.needs_return_type:
                    break
            if return_kind is None and self.inferred_bails:
                raise FunctionNotCompilable(
                    [self.inferred_bails[k] for k in sorted(self.inferred_bails)]
                )
            if return_kind is None or return_kind != self.assumed_return:
                raise GraphBreak(
                    "no path returns a number without leaving compiled code", whole_function=True
                )
            return self._emit(entry, kinds)
        except GraphBreak as e:
            current = self.current
            raise FunctionNotCompilable(
                [
                    e.record
                    or self._record(
                        e.reason,
                        current.line if current else self.code.co_firstlineno,
                        current.opname if current else "-",
                    )
                ]
            ) from None

    def _block_end(self, start: int) -> int:
        position = self.starts.index(start)
        return self.starts[position + 1] if position + 1 < len(self.starts) else len(self.instrs)

    def _infer(self, entry: EntryKinds) -> tuple[dict[int, EntryKinds], Attribute | None]:
        """Fixed point of the block entry kinds; also the joined return kind."""
        kinds: dict[int, EntryKinds] = {0: entry}
        self.inferred_bails: dict[int, BreakRecord] = {}
        worklist = {0}
        return_kind: inf.Kind = BOTTOM
        while worklist:
            start = min(worklist)
            worklist.remove(start)
            block = Block(arg_types=kinds[start].arg_types())
            outcome = self._run_block(start, kinds[start], block, None)
            if outcome.bail is not None:
                self.inferred_bails[start] = outcome.bail
            else:
                self.inferred_bails.pop(start, None)
            for value in outcome.returns:
                return_kind = inf.join(return_kind, kind_of(value), "the return value")
            for target, state in outcome.successors:
                new = state.kinds()
                old = kinds.get(target)
                merged = new if old is None else old.join(new)
                if old is None or merged != old:
                    kinds[target] = merged
                    worklist.add(target)
        if isinstance(return_kind, Poison):
            raise GraphBreak(return_kind.reason, whole_function=True)
        if return_kind is BOTTOM:
            return kinds, None
        return kinds, return_kind  # type: ignore[return-value]

    def _emit(self, entry: EntryKinds, kinds: dict[int, EntryKinds]) -> CapturedFunction:
        self.emitting = True
        blocks = {start: Block(arg_types=k.arg_types()) for start, k in sorted(kinds.items())}
        func_entry = Block(arg_types=[*self.arg_types, INT])
        parameters = State(dict(zip(self.code.co_varnames, func_entry.args)), [])
        self.builder = Builder(InsertPoint.at_end(func_entry))
        self.current = None
        depth = func_entry.args[-1]
        self.guard(self.result(g.CmpOp("lt", depth, self.const(RECURSION_LIMIT))))
        self.next_depth = self.result(g.AddOp(depth, self.const(1)))
        func_entry.add_op(cf.BranchOp(blocks[0], *args_for(kinds[0], parameters)))
        assert self.assumed_return is not None
        func_op = func.FuncOp(
            self.symbol,
            ([*self.arg_types, INT], [self.assumed_return]),
            Region([func_entry, *blocks.values()]),
        )
        bails: list[BreakRecord] = []
        for start, block in blocks.items():
            outcome = self._run_block(start, kinds[start], block, (blocks, kinds))
            if outcome.bail is not None:
                bails.append(outcome.bail)
        if not self._some_return_reachable(kinds, blocks, bails):
            raise FunctionNotCompilable(bails)
        return CapturedFunction(
            self.fn, self.symbol, self.arg_types, self.assumed_return, func_op, bails
        )

    @staticmethod
    def _some_return_reachable(
        kinds: dict[int, EntryKinds], blocks: dict[int, Block], bails: list[BreakRecord]
    ) -> bool:
        """Whether some call can finish in native code (a block ending in a real
        `func.return` rather than a bail)."""
        for block in blocks.values():
            last = block.last_op
            if isinstance(last, func.ReturnOp) and not any(
                isinstance(op, pyrt.GuardOp) and op.attributes.get("graphlet.bail")
                for op in block.ops
            ):
                return True
        return False

    def _run_block(
        self,
        start: int,
        kinds: EntryKinds,
        block: Block,
        emit: tuple[dict[int, Block], dict[int, EntryKinds]] | None,
    ) -> BlockOutcome:
        self.builder = Builder(InsertPoint.at_end(block))
        state = values_from_args(kinds, block)
        outcome = BlockOutcome()
        end = self._block_end(start)
        index = start
        try:
            while index < end:
                ins = self.instrs[index]
                self.current = ins
                if emit is not None:
                    self._log_capture(ins)
                handler = HANDLERS.get(ins.op)
                if handler is None:
                    raise GraphBreak(f"{ins.opname} is not supported")
                flow = handler(self, ins, state)
                if isinstance(flow, Returned):
                    outcome.returns.append(flow.value)
                    if emit is not None:
                        self.insert(func.ReturnOp(flow.value))  # type: ignore[arg-type]
                    return outcome
                if flow is not None:
                    self._branch(flow, emit)
                    outcome.successors = [(t, s) for t, s, _ in flow]
                    return outcome
                index += 1
            successors = [(end, state, None)]
            self._branch(successors, emit)
            outcome.successors = [(end, state)]
            return outcome
        except GraphBreak as e:
            if e.whole_function:
                raise
            assert self.current is not None
            record = self._record(e.reason, self.current.line, self.current.opname)
            outcome.successors, outcome.returns, outcome.bail = [], [], record
            if emit is not None:
                self._bail(record)
            return outcome

    def _bail(self, record: BreakRecord) -> None:
        """End the block in a bail point: native code hands the call back to Python."""
        guard = pyrt.GuardOp(self.const(False), pyrt.HAND_BACK)
        guard.attributes["graphlet.bail"] = StringAttr(record.reason)
        self.insert(guard)
        assert self.assumed_return is not None
        dummy = g.python_type(self.assumed_return)(0)
        self.insert(func.ReturnOp(self.const(dummy)))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "CAPTURE break at %s: %s: %s", record.where(), record.opname, record.reason
            )

    def _branch(
        self,
        successors: list[Successor],
        emit: tuple[dict[int, Block], dict[int, EntryKinds]] | None,
    ) -> None:
        """Emit the terminator for one or two successors (the first is taken when the
        condition, carried by the second, is true)."""
        if emit is None:
            return
        blocks, kinds = emit
        if len(successors) == 1:
            target, state, _ = successors[0]
            self.insert(cf.BranchOp(blocks[target], *args_for(kinds[target], state)))
            return
        (then_target, then_state, _), (else_target, else_state, cond) = successors
        then_args = args_for(kinds[then_target], then_state)
        else_args = args_for(kinds[else_target], else_state)
        if then_target == else_target and then_args == else_args:
            self.insert(cf.BranchOp(blocks[then_target], *then_args))
            return
        assert cond is not None
        self.insert(
            cf.ConditionalBranchOp(
                cond, blocks[then_target], then_args, blocks[else_target], else_args
            )
        )

    def _log_capture(self, ins: Instr) -> None:
        if ins.op not in ("NOP", "PUSH_NULL") and logger.isEnabledFor(logging.DEBUG):
            arg = "" if ins.arg is None else f" {ins.arg}"
            logger.debug("CAPTURE op %s%s at %s:%s", ins.opname, arg, self.filename, ins.line)
