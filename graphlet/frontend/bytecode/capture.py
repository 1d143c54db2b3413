"""Capture: a symbolic interpreter over decoded bytecode that builds a CFG of graphlet ops.

Each bytecode basic block becomes an IR block whose arguments are the scalar locals
and stack slots live on entry (a `for` loop's range iterator travels as four
arguments: next value, stop, step, descending). Capture runs twice per function:
first to a fixed point over the *kinds* of those values (type inference: ops are
built into scratch blocks and thrown away), then once more to emit the final blocks
with the inferred signatures. Calls to Python functions capture the callee into the
same module and become `func.call`; recursion is typed by iterating from the base
case's return type.

An instruction graphlet cannot compile raises `GraphBreak`; its block then ends in a
bail point (`pyrt.guard false, "HandBack"`) so native code hands the call to CPython.
"""

from __future__ import annotations

import builtins
import logging
import math
import re
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xdsl.builder import Builder, InsertPoint
from xdsl.dialects import cf, func
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from graphlet.dialects import graphlet as g
from graphlet.dialects import pyrt
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import BreakRecord, FunctionNotCompilable, GraphBreak
from graphlet.frontend.bytecode.decode import NULL_BEFORE_CALLABLE, Instr, block_starts, decode
from graphlet.frontend.bytecode.inference import BOOL, BOTTOM, FLOAT, INT, NULL, Known, Poison

logger = logging.getLogger("graphlet")

MISSING = object()
RECURSION_LIMIT = 500
"""Native calls nested deeper than this hand the call back to Python, which then
recurses (or raises RecursionError) itself: native code must never overflow its stack."""
EXACT_FLOAT_INT = 2**53
"""Ints up to this magnitude convert to float exactly, so comparing them with a
float after conversion is Python's exact comparison."""

_UNSUPPORTED_FLAGS = {
    0x04: "*args",
    0x08: "**kwargs",
    0x20: "a generator",
    0x80: "a coroutine",
    0x100: "an iterable coroutine",
    0x200: "an async generator",
}


@dataclass(frozen=True)
class Guard:
    """A compiled version stays valid while `namespace[name]` is still `expected`."""

    namespace: dict
    name: str
    expected: Any

    def holds(self) -> bool:
        return self.namespace.get(self.name, MISSING) is self.expected

    def describe(self) -> str:
        return f"global {self.name!r}"


@dataclass(frozen=True)
class RangeValue:
    """`range(start, stop, step)` between its call and `GET_ITER`."""

    start: SSAValue
    stop: SSAValue
    step: SSAValue


@dataclass(frozen=True)
class RangeIter:
    """A range iterator on the stack of a `for` loop."""

    next: SSAValue
    stop: SSAValue
    step: SSAValue
    descending: SSAValue

    def values(self) -> list[SSAValue]:
        return [self.next, self.stop, self.step, self.descending]


@dataclass(frozen=True)
class TupleValue:
    """A tuple built on the stack, only for unpacking (`a, b = b, a + b`)."""

    items: tuple[Any, ...]


RANGE_ITER_TYPES = [INT, INT, INT, BOOL]

Value = SSAValue | Known | Poison | RangeIter | RangeValue | object


def kind_of(value: Value) -> inf.Kind:
    if isinstance(value, SSAValue):
        return value.type
    if isinstance(value, RangeIter):
        return inf.RANGE_ITER
    if isinstance(value, RangeValue):
        return Poison("a range object is kept across a branch")
    if isinstance(value, TupleValue):
        return Poison("a tuple is kept across a branch")
    return value  # type: ignore[return-value]


def _is_scalar_kind(kind: inf.Kind) -> bool:
    return kind in inf.SCALARS


def _arg_types(kind: inf.Kind) -> list[Attribute]:
    if _is_scalar_kind(kind):
        return [kind]  # type: ignore[list-item]
    if kind is inf.RANGE_ITER:
        return RANGE_ITER_TYPES
    return []


@dataclass
class EntryKinds:
    """The kinds of the locals and stack slots on entry to a block."""

    locals: dict[str, inf.Kind]
    stack: list[inf.Kind]

    def arg_types(self) -> list[Attribute]:
        types_: list[Attribute] = []
        for name in sorted(self.locals):
            types_ += _arg_types(self.locals[name])
        for kind in self.stack:
            types_ += _arg_types(kind)
        return types_

    def join(self, other: EntryKinds) -> EntryKinds:
        names = set(self.locals) | set(other.locals)
        merged: dict[str, inf.Kind] = {}
        for name in names:
            if name in self.locals and name in other.locals:
                merged[name] = inf.join(self.locals[name], other.locals[name], f"local {name!r}")
            else:
                merged[name] = inf.maybe_unbound(name)
        stack = [
            inf.join(a, b, "a stack value") for a, b in zip(self.stack, other.stack, strict=True)
        ]
        return EntryKinds(merged, stack)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, EntryKinds)
            and self.locals == other.locals
            and self.stack == other.stack
        )


@dataclass
class State:
    """The abstract machine state while interpreting one block."""

    locals: dict[str, Value]
    stack: list[Value]

    def kinds(self) -> EntryKinds:
        return EntryKinds(
            {name: kind_of(v) for name, v in self.locals.items()},
            [kind_of(v) for v in self.stack],
        )

    def copy(self) -> State:
        return State(dict(self.locals), list(self.stack))

    def pop(self) -> Value:
        return self.stack.pop()


def _values_from_args(kinds: EntryKinds, block: Block) -> State:
    args = iter(block.args)

    def take(kind: inf.Kind) -> Value:
        if _is_scalar_kind(kind):
            return next(args)
        if kind is inf.RANGE_ITER:
            return RangeIter(next(args), next(args), next(args), next(args))
        return kind

    state = State({}, [])
    for name in sorted(kinds.locals):
        state.locals[name] = take(kinds.locals[name])
    state.stack = [take(k) for k in kinds.stack]
    return state


def _args_for(kinds: EntryKinds, state: State) -> list[SSAValue]:
    """The branch operands that carry `state` into a block entered with `kinds`."""

    def give(kind: inf.Kind, value: Value) -> list[SSAValue]:
        if _is_scalar_kind(kind):
            if not isinstance(value, SSAValue) or value.type != kind:
                raise GraphBreak(
                    "could not infer the type of a recursive call's result",
                    whole_function=True,
                )
            return [value]
        if kind is inf.RANGE_ITER:
            assert isinstance(value, RangeIter)
            return value.values()
        return []

    operands: list[SSAValue] = []
    for name in sorted(kinds.locals):
        operands += give(kinds.locals[name], state.locals.get(name))
    for kind, value in zip(kinds.stack, state.stack, strict=True):
        operands += give(kind, value)
    return operands


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


_MATH_UNARY: dict[Callable, type[g.UnaryOp]] = {
    math.sqrt: g.SqrtOp,
    math.exp: g.ExpOp,
    math.log: g.LogOp,
    math.sin: g.SinOp,
    math.cos: g.CosOp,
    math.tanh: g.TanhOp,
}
"""`math` functions with a graphlet op: int or float in, float out."""

_BUILTINS = {
    *_MATH_UNARY,
    math.floor,
    math.ceil,
    math.fabs,
    math.isnan,
    math.isinf,
    math.isfinite,
    abs,
    min,
    max,
    int,
    float,
    bool,
    pow,
}
"""The callables `_builtin_call` compiles (for some argument counts)."""


def python_function(obj: Any) -> types.FunctionType | None:
    """The plain Python function behind `obj` (itself, or a `graphlet.jit` wrapper's)."""
    wrapped = getattr(obj, "__graphlet_py_func__", None)
    if isinstance(wrapped, types.FunctionType):
        return wrapped
    if isinstance(obj, types.FunctionType):
        return obj
    return None


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


class FunctionCapture:
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
        self.guard(self._insert(g.CmpOp("lt", depth, self.const(RECURSION_LIMIT))).results[0])
        self.next_depth = self._insert(g.AddOp(depth, self.const(1))).results[0]
        func_entry.add_op(cf.BranchOp(blocks[0], *_args_for(kinds[0], parameters)))
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

    # ------------------------------------------------------------------ building ops

    def _insert(self, op: Operation) -> Operation:
        line = self.current.line if self.current else None
        if line is not None:
            op.location = FileLineColLoc(StringAttr(self.filename), IntAttr(line), IntAttr(0))
        assert self.builder is not None
        return self.builder.insert(op)

    def const(self, value: Any) -> SSAValue:
        return self._insert(g.ConstantOp.from_value(value)).results[0]

    def cast(self, value: SSAValue, to: Attribute) -> SSAValue:
        if value.type == to:
            return value
        if to == BOOL:
            return self.truth(value)
        return self._insert(g.CastOp(value, to)).results[0]

    def truth(self, value: SSAValue) -> SSAValue:
        """`bool(value)`: NaN is true, as in Python."""
        if value.type == BOOL:
            return value
        zero = self.const(0.0 if value.type == FLOAT else 0)
        return self._insert(g.CmpOp("ne", value, zero)).results[0]

    def guard(self, ok: SSAValue, kind: str = pyrt.HAND_BACK) -> None:
        self._insert(pyrt.GuardOp(ok, kind))

    def exact_float(self, value: SSAValue) -> SSAValue:
        """An int as a float, guarded to convert exactly (for Python's exact int/float
        comparison); past 2**53 the call is handed back to Python."""
        value = self.cast(value, INT)
        owner = value.owner
        if isinstance(owner, g.ConstantOp):
            number = g.from_attr(owner.value)
            if abs(number) <= EXACT_FLOAT_INT:
                return self.const(float(number))
        low = self._insert(g.CmpOp("ge", value, self.const(-EXACT_FLOAT_INT))).results[0]
        high = self._insert(g.CmpOp("le", value, self.const(EXACT_FLOAT_INT))).results[0]
        self.guard(self._insert(g.AndOp(low, high)).results[0])
        return self.cast(value, FLOAT)

    def binary(self, symbol: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        op_class, operand_type = inf.binary_rule(symbol, lhs.type, rhs.type)
        return self._insert(
            op_class(self.cast(lhs, operand_type), self.cast(rhs, operand_type))
        ).results[0]

    def compare(self, symbol: str, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        predicate = inf.COMPARISONS[symbol]
        common = inf.comparison_type(lhs.type, rhs.type)
        if common is None:
            lhs = self.exact_float(lhs) if lhs.type != FLOAT else lhs
            rhs = self.exact_float(rhs) if rhs.type != FLOAT else rhs
        else:
            lhs, rhs = self.cast(lhs, common), self.cast(rhs, common)
        return self._insert(g.CmpOp(predicate, lhs, rhs)).results[0]

    # ------------------------------------------------------------------ the interpreter

    def _run_block(
        self,
        start: int,
        kinds: EntryKinds,
        block: Block,
        emit: tuple[dict[int, Block], dict[int, EntryKinds]] | None,
    ) -> BlockOutcome:
        self.builder = Builder(InsertPoint.at_end(block))
        state = _values_from_args(kinds, block)
        outcome = BlockOutcome()
        end = self._block_end(start)
        index = start
        try:
            while index < end:
                ins = self.instrs[index]
                self.current = ins
                if emit is not None:
                    self._log_capture(ins)
                successors = self._step(ins, index, state, outcome)
                if successors is not None:
                    self._branch(successors, emit)
                    outcome.successors = [(t, s) for t, s, _ in successors]
                    return outcome
                if outcome.returns:
                    if emit is not None:
                        self._insert(func.ReturnOp(outcome.returns[-1]))  # type: ignore[arg-type]
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
        self._insert(guard)
        assert self.assumed_return is not None
        dummy = g.python_type(self.assumed_return)(0)
        self._insert(func.ReturnOp(self.const(dummy)))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "CAPTURE break at %s: %s: %s", record.where(), record.opname, record.reason
            )

    def _branch(
        self,
        successors: list[tuple[int, State, SSAValue | None]],
        emit: tuple[dict[int, Block], dict[int, EntryKinds]] | None,
    ) -> None:
        """Emit the terminator for one or two successors (the first is taken when the
        condition, carried by the second, is true)."""
        if emit is None:
            return
        blocks, kinds = emit
        if len(successors) == 1:
            target, state, _ = successors[0]
            self._insert(cf.BranchOp(blocks[target], *_args_for(kinds[target], state)))
            return
        (then_target, then_state, _), (else_target, else_state, cond) = successors
        then_args = _args_for(kinds[then_target], then_state)
        else_args = _args_for(kinds[else_target], else_state)
        if then_target == else_target and then_args == else_args:
            self._insert(cf.BranchOp(blocks[then_target], *then_args))
            return
        assert cond is not None
        self._insert(
            cf.ConditionalBranchOp(
                cond, blocks[then_target], then_args, blocks[else_target], else_args
            )
        )

    def _log_capture(self, ins: Instr) -> None:
        if ins.op not in ("NOP", "PUSH_NULL") and logger.isEnabledFor(logging.DEBUG):
            arg = "" if ins.arg is None else f" {ins.arg}"
            logger.debug("CAPTURE op %s%s at %s:%s", ins.opname, arg, self.filename, ins.line)

    def _static_truth(self, value: Value) -> bool | None:
        if isinstance(value, Known):
            obj = value.obj
            if obj is None or isinstance(
                obj, str | bytes | tuple | types.ModuleType | types.FunctionType
            ):
                return bool(obj)
            raise GraphBreak(f"truth value of a {type(obj).__name__}")
        if isinstance(value, SSAValue) and isinstance(value.owner, g.ConstantOp):
            return bool(g.from_attr(value.owner.value))
        return None

    def _condition(self, value: Value) -> SSAValue | bool | None:
        """An i1 for a branch on `value`, a bool if it is known now, None for BOTTOM."""
        if value is BOTTOM:
            return None
        static = self._static_truth(value)
        if static is not None:
            return static
        return self.truth(self._scalar(value))

    def _scalar(self, value: Value) -> SSAValue:
        if isinstance(value, SSAValue):
            return value
        if isinstance(value, Poison):
            raise GraphBreak(value.reason)
        raise GraphBreak(f"a {inf.kind_name(value)} is not a number graphlet compiles")

    def _step(
        self, ins: Instr, index: int, state: State, outcome: BlockOutcome
    ) -> list[tuple[int, State, SSAValue | None]] | None:
        """Interpret one instruction; return the successors if it ends the block."""
        op, stack = ins.op, state.stack
        if op == "NOP":
            return None
        if op == "LOAD_FAST":
            value = state.locals.get(ins.arg)
            if value is None:
                raise GraphBreak(f"local {ins.arg!r} is unbound (UnboundLocalError)")
            if isinstance(value, Poison):
                raise GraphBreak(value.reason)
            stack.append(value)
        elif op == "STORE_FAST":
            value = state.pop()
            if isinstance(value, RangeValue | TupleValue):
                raise GraphBreak(
                    f"a {type(value).__name__.removesuffix('Value').lower()} stored in a variable"
                )
            state.locals[ins.arg] = value
        elif op == "LOAD_CONST":
            stack.append(self._constant(ins.arg))
        elif op == "LOAD_GLOBAL":
            stack.append(self._global(ins.arg))
        elif op == "PUSH_NULL":
            stack.append(NULL)
        elif op in ("LOAD_ATTR", "LOAD_METHOD"):
            attribute = self._attribute(state.pop(), ins.arg)
            if op == "LOAD_METHOD":
                stack.extend([NULL, attribute] if NULL_BEFORE_CALLABLE else [attribute, NULL])
            else:
                stack.append(attribute)
        elif op == "CALL":
            args = [state.pop() for _ in range(ins.arg)][::-1]
            second, first = state.pop(), state.pop()
            if NULL_BEFORE_CALLABLE:
                callee, self_arg = (second, NULL) if first is NULL else (first, second)
            else:
                callee, self_arg = first, second
            if self_arg is not NULL:
                args.insert(0, self_arg)
            stack.append(self._call(callee, args))
        elif op == "BINARY_OP":
            rhs, lhs = state.pop(), state.pop()
            stack.append(self._lifted(lambda a, b: self.binary(ins.arg, a, b), lhs, rhs))
        elif op == "COMPARE_OP":
            rhs, lhs = state.pop(), state.pop()
            if ins.arg not in inf.COMPARISONS:
                raise GraphBreak(f"comparison {ins.arg!r} is not supported")
            stack.append(self._lifted(lambda a, b: self.compare(ins.arg, a, b), lhs, rhs))
        elif op == "UNARY_NEGATIVE":
            stack.append(self._lifted(self._negate, state.pop()))
        elif op == "UNARY_POSITIVE":
            stack.append(
                self._lifted(lambda v: self.cast(v, inf.arithmetic_type(v.type)), state.pop())
            )
        elif op == "UNARY_INVERT":
            stack.append(self._lifted(self._invert, state.pop()))
        elif op in ("UNARY_NOT", "TO_BOOL"):
            value = state.pop()
            truth = self._condition(value)
            if truth is None:
                stack.append(BOTTOM)
            elif isinstance(truth, bool):
                stack.append(self.const(truth != (op == "UNARY_NOT")))
            elif op == "UNARY_NOT":
                stack.append(self._insert(g.XorOp(truth, self.const(True))).results[0])
            else:
                stack.append(truth)
        elif op == "POP_TOP":
            state.pop()
        elif op == "COPY":
            stack.append(stack[-ins.arg])
        elif op == "SWAP":
            stack[-1], stack[-ins.arg] = stack[-ins.arg], stack[-1]
        elif op == "BUILD_TUPLE":
            items = [state.pop() for _ in range(ins.arg)][::-1]
            stack.append(TupleValue(tuple(items)))
        elif op == "UNPACK_SEQUENCE":
            stack.extend(reversed(self._unpack(state.pop(), ins.arg)))
        elif op == "GET_ITER":
            stack.append(self._iterate(state.pop()))
        elif op == "FOR_ITER":
            return self._for_iter(ins, index, state)
        elif op == "JUMP":
            return [(ins.target, state, None)]
        elif op in (
            "POP_JUMP_IF_FALSE",
            "POP_JUMP_IF_TRUE",
            "JUMP_IF_FALSE_OR_POP",
            "JUMP_IF_TRUE_OR_POP",
        ):
            return self._conditional_jump(ins, index, state)
        elif op in ("POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE"):
            value = state.pop()
            is_none = isinstance(value, Known) and value.obj is None
            jump = is_none == (op == "POP_JUMP_IF_NONE")
            return [(ins.target if jump else index + 1, state, None)]
        elif op == "RETURN_VALUE":
            value = state.pop()
            if value is not BOTTOM:
                value = self._scalar(value)
            if self.emitting:
                if value is BOTTOM:
                    raise GraphBreak(
                        "could not infer the type of a recursive call's result", whole_function=True
                    )
                if value.type != self.assumed_return:  # type: ignore[union-attr]
                    raise GraphBreak("the return type differs between paths", whole_function=True)
            outcome.returns.append(value)
        else:
            raise GraphBreak(f"{ins.opname} is not supported")
        return None

    def _unpack(self, value: Value, count: int) -> list[Value]:
        if isinstance(value, TupleValue):
            items: list[Value] = list(value.items)
        elif isinstance(value, Known) and isinstance(value.obj, tuple):
            items = [self._constant(item) for item in value.obj]
        else:
            raise GraphBreak(f"unpacking a {inf.kind_name(kind_of(value))}")
        if len(items) != count:
            raise GraphBreak(f"unpacking {len(items)} values into {count} names raises ValueError")
        return items

    def _lifted(self, build: Callable[..., SSAValue], *operands: Value) -> Value:
        """Apply `build` to scalar operands; an unknown recursive result stays unknown."""
        if any(v is BOTTOM for v in operands):
            return BOTTOM
        return build(*(self._scalar(v) for v in operands))

    def _negate(self, value: SSAValue) -> SSAValue:
        return self._insert(g.NegOp(self.cast(value, inf.arithmetic_type(value.type)))).results[0]

    def _invert(self, value: SSAValue) -> SSAValue:
        if value.type == FLOAT:
            raise GraphBreak("'~' on a float raises TypeError")
        if value.type == BOOL and sys.version_info >= (3, 12):
            raise GraphBreak("'~' on a bool emits a DeprecationWarning")
        return self._insert(g.XorOp(self.cast(value, INT), self.const(-1))).results[0]

    def _conditional_jump(
        self, ins: Instr, index: int, state: State
    ) -> list[tuple[int, State, SSAValue | None]]:
        keeps_on_jump = ins.op.endswith("_OR_POP")
        value = state.stack[-1] if keeps_on_jump else state.pop()
        jump_when = ins.op in ("POP_JUMP_IF_TRUE", "JUMP_IF_TRUE_OR_POP")
        jump_state = state
        fall_state = state.copy()
        if keeps_on_jump:
            fall_state.pop()
        truth = self._condition(value)
        if isinstance(truth, bool):
            return (
                [(ins.target, jump_state, None)]
                if truth == jump_when
                else [(index + 1, fall_state, None)]
            )
        if truth is None:
            return [(ins.target, jump_state, None), (index + 1, fall_state, None)]
        if jump_when:
            return [(ins.target, jump_state, None), (index + 1, fall_state, truth)]
        return [(index + 1, fall_state, None), (ins.target, jump_state, truth)]

    # ------------------------------------------------------------------ names, calls, ranges

    def _constant(self, value: Any) -> Value:
        if isinstance(value, bool | float) or (isinstance(value, int) and g.fits(value, INT)):
            return self.const(value)
        if isinstance(value, int):
            raise GraphBreak(f"the constant {value} does not fit in 64 bits")
        return Known(value)

    def _global(self, name: str) -> Value:
        globals_ = self.fn.__globals__
        value = self.unit.guard(globals_, name)
        if value is MISSING:
            builtins_ns = globals_.get("__builtins__", builtins.__dict__)
            if isinstance(builtins_ns, types.ModuleType):
                builtins_ns = builtins_ns.__dict__
            value = self.unit.guard(builtins_ns, name)
        if value is MISSING:
            raise GraphBreak(f"name {name!r} is not defined")
        if isinstance(value, bool | int | float):
            return self._constant(value)
        return Known(value)

    def _attribute(self, owner: Value, name: str) -> Value:
        if isinstance(owner, Known) and owner.obj is math:
            value = getattr(math, name, MISSING)
            if value is MISSING:
                raise GraphBreak(f"module 'math' has no attribute {name!r}")
            if isinstance(value, float):
                return self.const(value)
            return Known(value)
        raise GraphBreak(f"attribute access .{name} on a {inf.kind_name(kind_of(owner))}")

    def _call(self, callee: Value, args: list[Value]) -> Value:
        if not isinstance(callee, Known):
            raise GraphBreak(f"calling a {inf.kind_name(kind_of(callee))}")
        target = callee.obj
        name = getattr(target, "__qualname__", repr(target))
        if target is range:
            return self._range(args)
        fn = python_function(target)
        if fn is None and target not in _BUILTINS:
            raise GraphBreak(f"call to {name} is not supported")
        if any(isinstance(a, Known) for a in args):
            raise GraphBreak(f"call to {name} with a non-numeric argument")
        if any(a is BOTTOM for a in args):
            return BOTTOM
        scalars = [self._scalar(a) for a in args]
        if fn is not None:
            return self._call_python(fn, scalars)
        builtin = self._builtin_call(target, scalars)
        if builtin is None:
            raise GraphBreak(f"{name}() with {len(scalars)} arguments is not supported")
        return builtin

    def _builtin_call(self, target: Any, args: list[SSAValue]) -> SSAValue | None:
        arity = len(args)
        if target in _MATH_UNARY and arity == 1:
            return self._insert(
                _MATH_UNARY[target](self.cast(args[0], inf.arithmetic_type(args[0].type)))
            ).results[0]
        if target in (math.floor, math.ceil) and arity == 1:
            value = self.cast(args[0], inf.arithmetic_type(args[0].type))
            if value.type == INT:
                return value
            rounded = self._insert(
                (g.FloorOp if target is math.floor else g.CeilOp)(value)
            ).results[0]
            return self.cast(rounded, INT)
        if target is math.fabs and arity == 1:
            return self._insert(g.AbsOp(self.cast(args[0], FLOAT))).results[0]
        if target in (math.isnan, math.isinf, math.isfinite) and arity == 1:
            return self._float_class(target, args[0])
        if target is abs and arity == 1:
            return self._insert(
                g.AbsOp(self.cast(args[0], inf.arithmetic_type(args[0].type)))
            ).results[0]
        if target in (min, max) and arity >= 2:
            return self._min_max(target, args)
        if target in (int, float, bool) and arity == 1:
            return self.cast(args[0], g.ir_type(target))
        if target is pow and arity == 2:
            return self.binary("**", args[0], args[1])
        return None

    def _float_class(self, target: Callable, value: SSAValue) -> SSAValue:
        if value.type != FLOAT:
            return self.const(target is math.isfinite)
        if target is math.isnan:
            return self._insert(g.CmpOp("ne", value, value)).results[0]
        magnitude = self._insert(g.AbsOp(value)).results[0]
        predicate = "eq" if target is math.isinf else "lt"
        return self._insert(g.CmpOp(predicate, magnitude, self.const(math.inf))).results[0]

    def _min_max(self, target: Callable, args: list[SSAValue]) -> SSAValue:
        kinds = {a.type for a in args}
        if len(kinds) != 1:
            raise GraphBreak(
                f"{target.__name__}() of mixed types: the result's type depends on the values"
            )
        op_class = g.MinOp if target is min else g.MaxOp
        t = args[0].type
        result = self.cast(args[0], inf.arithmetic_type(t))
        for arg in args[1:]:
            result = self._insert(op_class(result, self.cast(arg, inf.arithmetic_type(t)))).results[
                0
            ]
        if t == BOOL:
            return self._insert(g.CmpOp("ne", result, self.const(0))).results[0]
        return result

    def _call_python(self, fn: types.FunctionType, args: list[SSAValue]) -> Value:
        code = fn.__code__
        if len(args) < code.co_argcount and fn.__defaults__:
            missing = code.co_argcount - len(args)
            defaults = (
                fn.__defaults__[len(fn.__defaults__) - missing :]
                if missing <= len(fn.__defaults__)
                else ()
            )
            for default in defaults:
                value = self._constant(default)
                if not isinstance(value, SSAValue):
                    raise GraphBreak(f"call to {fn.__qualname__}: a non-numeric default argument")
                args.append(value)
        arg_types = tuple(a.type for a in args)
        key = (fn, arg_types)
        in_progress = self.unit.in_progress.get(key)
        if in_progress is not None:
            if in_progress.assumed_return is None:
                in_progress.needs_return_type = True
                return BOTTOM
            symbol, return_type = in_progress.symbol, in_progress.assumed_return
        else:
            try:
                callee = self.unit.capture(fn, arg_types)
            except FunctionNotCompilable as e:
                reason = e.records[0].reason if e.records else "not compilable"
                raise GraphBreak(
                    f"call to {fn.__qualname__}, which runs in Python: {reason}"
                ) from None
            symbol, return_type = callee.symbol, callee.return_type
        return self._insert(func.CallOp(symbol, [*args, self.next_depth], [return_type])).results[0]

    def _range(self, args: list[Value]) -> Value:
        if not 1 <= len(args) <= 3:
            raise GraphBreak(f"range() with {len(args)} arguments")
        if any(a is BOTTOM for a in args):
            return BOTTOM
        values = [self._scalar(a) for a in args]
        if any(v.type == FLOAT for v in values):
            raise GraphBreak("range() of a float raises TypeError")
        values = [self.cast(v, INT) for v in values]
        if len(values) == 1:
            return RangeValue(self.const(0), values[0], self.const(1))
        if len(values) == 2:
            return RangeValue(values[0], values[1], self.const(1))
        return RangeValue(*values)

    def _iterate(self, value: Value) -> Value:
        if not isinstance(value, RangeValue):
            raise GraphBreak(
                f"iterating over a {inf.kind_name(kind_of(value))} (only range() is compiled)"
            )
        step = value.step
        owner = step.owner
        if isinstance(owner, g.ConstantOp):
            step_value = g.from_attr(owner.value)
            if step_value == 0:
                raise GraphBreak("range() arg 3 must not be zero (ValueError)")
            descending = self.const(step_value < 0)
        else:
            self.guard(self._insert(g.CmpOp("ne", step, self.const(0))).results[0], "ValueError")
            descending = self._insert(g.CmpOp("lt", step, self.const(0))).results[0]
        return RangeIter(value.start, value.stop, step, descending)

    def _for_iter(
        self, ins: Instr, index: int, state: State
    ) -> list[tuple[int, State, SSAValue | None]]:
        iterator = state.stack[-1]
        if not isinstance(iterator, RangeIter):
            raise GraphBreak("FOR_ITER over something other than range()")
        current = iterator.next
        below = self._insert(g.CmpOp("lt", current, iterator.stop)).results[0]
        above = self._insert(g.CmpOp("gt", current, iterator.stop)).results[0]
        has_next = self._insert(g.SelectOp(iterator.descending, above, below)).results[0]
        advanced = self._insert(g.AddOp(current, iterator.step)).results[0]
        body = state.copy()
        body.stack[-1] = RangeIter(advanced, iterator.stop, iterator.step, iterator.descending)
        body.stack.append(current)
        done = state.copy()
        done.pop()
        assert ins.target is not None
        return [(index + 1, body, None), (ins.target, done, has_next)]
