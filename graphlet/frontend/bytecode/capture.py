"""Capture, the driver: a symbolic interpreter over decoded bytecode that builds a CFG
of graphlet ops, one function at a time, into one module.

Blocks are specialized on kinds (basic-block versioning): an IR block is a bytecode
block entered with given kinds of its live values (`EntryKinds`), and its arguments
are those values flattened (see `values`). When paths meet with different kinds, as
when a local is an int on one path and a float on another, the code after the join
is captured once per combination, so every value has one static kind and Python's
exact result types follow. Past `VERSION_LIMIT` versions of one block, further
entries share a widened version whose differing values are poisoned (using one is
a graph break). A function whose paths return different kinds returns a union: a
tag and the flattened values of every alternative (`ReturnSig`); a caller splits
its path on the tag.

Capture runs in two phases per function: inference visits every reachable block
version (ops are built into scratch blocks and thrown away), then emission builds
the final blocks. Each instruction goes to its handler in `opcodes.HANDLERS` (filled
by `opcodes`, `calls`, `iteration`, `containers`, `numbers`). Calls to Python
functions capture the callee into the same module and become `func.call`;
recursion is typed by iterating from the base case's return kind. An empty list
whose item type is not known yet is fixed by its first append, which restarts
inference (`ListItemTypeFixed`).

An instruction graphlet cannot compile raises `GraphBreak`; its block then ends in a
bail point (`pyrt.guard false, "HandBack"`) so native code hands the call to CPython.
"""

from __future__ import annotations

import bisect
import logging
import re
import types
from dataclasses import dataclass, field
from typing import Any

from xdsl.builder import Builder
from xdsl.dialects import cf, func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    VectorType,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.rewriter import InsertPoint

from graphlet import abi
from graphlet.dialects import graphlet as g
from graphlet.dialects import pyrt
from graphlet.driver.regions import RegionSite
from graphlet.frontend.bytecode import (  # noqa: F401
    arrays,
    calls,
    closures,
    comprehensions,
    containers,
    iteration,
    iterators,
    lists,
    numbers,
    numeric_builtins,
    regions,
    wide_ints,
)
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode.breaks import (
    BreakRecord,
    FunctionNotCompilable,
    GraphBreak,
    construct_of,
)
from graphlet.frontend.bytecode.calls import python_function
from graphlet.frontend.bytecode.decode import Instr, block_starts, decode, live_locals
from graphlet.frontend.bytecode.emit import Emitter
from graphlet.frontend.bytecode.inference import BOTTOM, INT, ListKind, TupleKind
from graphlet.frontend.bytecode.opcodes import HANDLERS, Returned, Successor, Switch
from graphlet.frontend.bytecode.values import (
    LIST_HANDLE,
    EntryKinds,
    ListItemTypeFixed,
    State,
    Value,
    args_for,
    boundary_kind,
    flat_ranges,
    flat_types,
    flatten,
    kind_of,
    shared_iterators,
    unflatten,
    values_from_args,
)
from graphlet.frontend.guards import MISSING, CellGuard, Guard, function_guards
from graphlet.frontend.guards import MISSING as UNBOUND

__all__ = [
    "MISSING",
    "CapturedFunction",
    "FunctionCapture",
    "Guard",
    "ModuleCapture",
    "ReturnSig",
    "python_function",
]

logger = logging.getLogger("graphlet")

RECURSION_LIMIT = abi.NATIVE_DEPTH_LIMIT
"""Native calls nested deeper than this hand the call back to Python, which then
recurses (or raises RecursionError) itself: native code must never overflow its stack.
A call from Python starts below it by CPython's remaining recursion budget."""
VERSION_LIMIT = 16
"""Versions of one bytecode block before further entries share a widened one."""
WIDENED = -1
"""The version number of a block's widened version."""
REFINEMENTS = 16
"""How many times fixing an empty list's item type may restart a function's inference."""

_UNSUPPORTED_FLAGS = {
    0x04: "*args",
    0x08: "**kwargs",
    0x20: "a generator",
    0x80: "a coroutine",
    0x100: "an iterable coroutine",
    0x200: "an async generator",
}

BlockKey = tuple[int, int]
"""(bytecode index of the block's first instruction, version number)."""


@dataclass(frozen=True)
class ReturnSig:
    """What a function returns: one kind, or a union of several (`alternatives`).
    A union's results are an i64 tag (the alternative's position), then the
    flattened values of each alternative in turn (zeros for the others)."""

    alternatives: tuple[inf.Kind, ...]

    @property
    def is_union(self) -> bool:
        return len(self.alternatives) > 1

    def result_types(self) -> list[Attribute]:
        types_ = [t for kind in self.alternatives for t in flat_types(kind)]
        return [INT, *types_] if self.is_union else types_

    def describe(self) -> str:
        return " or ".join(inf.describe(kind) for kind in self.alternatives)


@dataclass
class CapturedFunction:
    """A function compiled for one signature of argument kinds."""

    fn: types.FunctionType
    symbol: str
    param_kinds: tuple[inf.Kind, ...]
    """The kinds of the parameters, with the item types of empty lists fixed."""
    returns: ReturnSig
    func_op: func.FuncOp
    bail_records: list[BreakRecord] = field(default_factory=list)
    region_sites: list[RegionSite] = field(default_factory=list)

    @property
    def arg_types(self) -> tuple[inf.Kind, ...]:
        return self.param_kinds

    @property
    def return_type(self) -> Any:
        """The single return kind, or the `ReturnSig` of a union."""
        return self.returns.alternatives[0] if not self.returns.is_union else self.returns


@dataclass
class BlockOutcome:
    successors: list[tuple[int, State]] = field(default_factory=list)
    returns: list[Value] = field(default_factory=list)
    bail: BreakRecord | None = None


def mangle(kind: inf.Kind) -> str:
    """A short name of a kind for symbols: `i64`, `t2_i64_f64`, `l_f64`, `c`, `none`."""
    if kind in inf.SCALARS:
        return str(kind)
    if isinstance(kind, TupleKind):
        return "_".join([f"t{len(kind.items)}", *(mangle(item) for item in kind.items)])
    if isinstance(kind, ListKind):
        return f"l_{kind.elem if kind.elem is not None else 'empty'}"
    if kind is inf.COMPLEX:
        return "c"
    if isinstance(kind, inf.ArrayKind):
        return f"a{kind.ndim}_{kind.dtype}{'' if kind.writeable else '_ro'}"
    if isinstance(kind, inf.NpScalarKind):
        return f"np_{kind.dtype}"
    if inf.is_none(kind):
        return "none"
    if isinstance(kind, inf.Known) and type(kind.obj) is str:
        return "s"
    return "k"


def _symbol_for(fn: types.FunctionType, kinds: tuple[inf.Kind, ...], taken: set[str]) -> str:
    base = re.sub(r"\W", "_", fn.__qualname__.replace(".<locals>.", "."))
    sig = "_".join(mangle(kind) for kind in kinds) or "void"
    symbol = f"{base}__{sig}"
    n = 1
    while symbol in taken:
        n += 1
        symbol = f"{base}__{sig}_{n}"
    taken.add(symbol)
    return symbol


class ModuleCapture:
    """Captures a function and, in turn, every Python function it calls, into one module.
    With `regions`, the first function captured may have region breaks (`regions`)."""

    def __init__(self, *, regions: bool = False) -> None:
        self.regions = regions
        self.module = ModuleOp([])
        self.functions: dict[tuple[Any, ...], CapturedFunction] = {}
        self.in_progress: dict[tuple[Any, ...], FunctionCapture] = {}
        self.guards: dict[tuple[int, str], Guard] = {}
        self.symbols: set[str] = set()
        self.nested_functions: dict[tuple[Any, ...], types.FunctionType] = {}
        """The functions of nested code objects (`closures.nested_function`)."""
        self.call_sites: dict[types.FunctionType, tuple[str, str, int | None]] = {}
        """Functions graphlet wrote (`sum(it)` runs as `sum(x for x in it)`): the user's
        function, file and line of the call each stands for, where their breaks are."""
        self.consumers: dict[types.FunctionType, Any] = {}
        """The functions that run a generator expression's code as its consumer's loop
        (`comprehensions.Consumer`)."""

    def capture(self, fn: types.FunctionType, kinds: tuple[inf.Kind, ...]) -> CapturedFunction:
        """Capture `fn` for arguments of `kinds`, or raise `FunctionNotCompilable`."""
        key = (fn, kinds)
        if key in self.functions:
            return self.functions[key]
        capture = FunctionCapture(self, fn, kinds, _symbol_for(fn, kinds, self.symbols))
        code = fn.__code__
        capture.regions = (
            self.regions
            and not self.functions
            and not self.in_progress
            and not (code.co_cellvars or code.co_freevars)  # a resumed call has no cells
        ) and regions.enabled_for(kinds, code)
        self.in_progress[key] = capture
        try:
            captured = capture.run()
        finally:
            del self.in_progress[key]
        self.functions[key] = captured
        self.module.body.block.add_op(captured.func_op)
        return captured

    def guard(self, namespace: dict[str, Any], name: str) -> Any:
        """Read a global (or builtin) and remember that the compiled code depends on it."""
        value = namespace.get(name, MISSING)
        self.guards[(id(namespace), name)] = Guard(namespace, name, value)
        return value

    def guard_cell(self, cell: types.CellType, name: str) -> Any:
        """Read a closure's free variable `name` and remember that the compiled code
        depends on it (`UNBOUND` when the cell is empty)."""
        try:
            value = cell.cell_contents
        except ValueError:
            value = UNBOUND
        self.guards[(id(cell), "cell_contents")] = CellGuard(cell, name, value)
        return value

    def guard_function(self, fn: types.FunctionType) -> None:
        """Remember that the compiled code depends on `fn`'s code and defaults."""
        for guard in function_guards(fn):
            self.guards[(id(fn), guard.name)] = guard


def _with_sites(kind: inf.Kind, site: tuple[Any, ...]) -> inf.Kind:
    """`kind` with every empty list of unknown item type marked by where it is
    (`site`, then its position in enclosing tuples)."""
    if isinstance(kind, ListKind) and kind.elem is None and kind.site is None:
        return ListKind(None, site)
    if isinstance(kind, TupleKind):
        return TupleKind(tuple(_with_sites(item, (*site, i)) for i, item in enumerate(kind.items)))
    return kind


def _sites(kind: inf.Kind) -> list[Any]:
    if isinstance(kind, ListKind) and kind.elem is None:
        return [kind.site]
    if isinstance(kind, TupleKind):
        return [site for item in kind.items for site in _sites(item)]
    return []


def fix_sites(kind: inf.Kind, fixed: dict[Any, Attribute]) -> inf.Kind:
    """`kind` with the empty lists whose site has a fixed item type given that type."""
    if isinstance(kind, ListKind) and kind.elem is None and kind.site in fixed:
        return ListKind(fixed[kind.site])
    if isinstance(kind, TupleKind):
        return TupleKind(tuple(fix_sites(item, fixed) for item in kind.items))
    return kind


class FunctionCapture(Emitter):
    """The two-phase capture of one function for one signature."""

    def __init__(
        self,
        unit: ModuleCapture,
        fn: types.FunctionType,
        kinds: tuple[inf.Kind, ...],
        symbol: str,
    ) -> None:
        self.unit = unit
        self.fn = fn
        self.code = fn.__code__
        self.free_params = fn in unit.nested_functions.values()
        """Whether `fn` is a nested function made in compiled code, whose free variables
        come as parameters after its own (see `closures`)."""
        self.consumer = unit.consumers.get(fn)
        """For a generator expression's code, the consumer whose loop it is (its yield
        feeds the consumer's accumulator; see `comprehensions`)."""
        self.param_names = (
            self.code.co_varnames[: self.code.co_argcount]
            + (self.consumer.params if self.consumer is not None else ())
            + (self.code.co_freevars if self.free_params else ())
        )
        self.written_free = closures.written_free(self.code) if self.free_params else ()
        """The free variables it assigns (`nonlocal`): returned after its result, and
        written back into the caller's cells (`closures.call_writing`)."""
        self.given_kinds = tuple(_with_sites(k, ("param", symbol, i)) for i, k in enumerate(kinds))
        self.symbol = symbol
        self.assumed_return: ReturnSig | None = None
        self.needs_return_type = False
        self.filename = self.code.co_filename
        self.instrs: list[Instr] = []
        self.starts: list[int] = []
        self.live: list[frozenset[str]] = []
        self.emitting = False
        self.builder: Builder | None = None
        self.current: Instr | None = None
        self.inferred_bails: dict[BlockKey, BreakRecord] = {}
        self.regions = False
        """Whether graph breaks may be region breaks (`regions.region_call`)."""
        self.region_used = False
        self.region_sites: list[RegionSite] = []
        self.region_slots = 0
        self.region_frame: SSAValue | None = None
        self.list_sites: dict[Any, Attribute] = {}
        """Item types of empty lists fixed by an append, by the list's site."""
        self.versions: dict[int, list[EntryKinds]] = {}
        self.widened: dict[int, EntryKinds] = {}
        placeholder = Block(arg_types=[INT, LIST_HANDLE])
        self.next_depth: SSAValue = placeholder.args[0]
        """The call depth passed to callees (every captured function takes its own
        depth as a trailing i64 argument)."""
        self.arena: SSAValue = placeholder.args[1]
        """Where native lists are allocated: every captured function takes the call's
        arena as its last argument (see docs/jit-values.md)."""

    def owns_site(self, site: Any) -> bool:
        """Whether this capture may fix the item type of an empty list made at `site`
        (one it built, or one passed in as a parameter)."""
        if site is None:
            return False
        if site[1] == self.symbol:
            return True
        return any(site in _sites(kind) for kind in self.given_kinds)

    @property
    def param_kinds(self) -> tuple[inf.Kind, ...]:
        return tuple(fix_sites(k, self.list_sites) for k in self.given_kinds)

    # ------------------------------------------------------------------ driver

    def _whole_function_break(
        self, reason: str, line: int | None = None, opname: str = "-"
    ) -> FunctionNotCompilable:
        return FunctionNotCompilable([self._record(reason, line, opname)])

    def _record(self, reason: str, line: int | None, opname: str) -> BreakRecord:
        site = self.unit.call_sites.get(self.fn)
        if site is not None:  # graphlet's own code: the break is at the user's call
            return BreakRecord(site[0], site[1], site[2], "CALL", reason)
        return BreakRecord(self.fn.__qualname__, self.filename, line, opname, reason)

    def _check_function(self) -> None:
        code = self.code
        first_line = code.co_firstlineno
        for flag, what in _UNSUPPORTED_FLAGS.items():
            if code.co_flags & flag and not (flag == 0x20 and self.consumer is not None):
                raise self._whole_function_break(f"the function takes or is {what}", first_line)
        if code.co_kwonlyargcount:
            raise self._whole_function_break("keyword-only parameters", first_line)
        if code.co_exceptiontable and not comprehensions.cleanup_only(code):
            raise self._whole_function_break("try/except or with", first_line)
        if len(self.given_kinds) != len(self.param_names):
            raise self._whole_function_break(
                f"called with {len(self.given_kinds)} arguments, takes {code.co_argcount}",
                first_line,
            )

    def _entry(self) -> EntryKinds:
        names = self.param_names
        return EntryKinds(
            {names[i]: kind for i, kind in enumerate(self.param_kinds) if names[i] in self.live[0]},
            [],
        )

    def run(self) -> CapturedFunction:
        self._check_function()
        self.instrs = decode(self.code)
        self.starts = block_starts(self.instrs)
        shared = (
            frozenset(self.code.co_cellvars)
            | frozenset(self.code.co_freevars if self.free_params else ())
            | frozenset(self.consumer.locals if self.consumer is not None else ())
        )  # a call of a nested function may read them anywhere; a consumer's state
        self.live = [live | shared for live in live_locals(self.instrs)]
        try:
            returns = self._infer_with_refinements()
            if returns is None and self.inferred_bails:
                raise FunctionNotCompilable(
                    [self.inferred_bails[k] for k in sorted(self.inferred_bails)]
                )
            if returns is None or returns != self.assumed_return:
                raise GraphBreak(
                    "no path returns without leaving compiled code", whole_function=True
                )
            return self._emit()
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

    def _infer_with_refinements(self) -> ReturnSig | None:
        """Inference to a fixed point: of the return kinds of recursive calls, and of
        the item types of empty lists (each fixed type restarts inference)."""
        for _ in range(REFINEMENTS):
            try:
                return self._infer_return()
            except ListItemTypeFixed as fixed:
                if fixed.site in self.list_sites:
                    raise GraphBreak(
                        "an empty list gets items of different types", whole_function=True
                    ) from None
                self.list_sites[fixed.site] = fixed.elem
                self.assumed_return = None
                self.needs_return_type = False
        raise GraphBreak("too many empty lists whose item type changes", whole_function=True)

    def _infer_return(self) -> ReturnSig | None:
        returns: ReturnSig | None = None
        for _ in range(4):
            returns = self._infer()
            if returns is None or returns == self.assumed_return:
                break
            self.assumed_return = returns
            if not self.needs_return_type:
                break
        return returns

    def _block_end(self, start: int) -> int:
        position = bisect.bisect_right(self.starts, start)
        return self.starts[position] if position < len(self.starts) else len(self.instrs)

    def _entry_kinds(self, target: int, state: State) -> EntryKinds:
        live = self.live[target] if target < len(self.live) else frozenset()
        values = {name: v for name, v in state.locals.items() if name in live}
        shared = shared_iterators([*values.values(), *state.stack])
        return EntryKinds(
            {name: boundary_kind(v, shared) for name, v in values.items()},
            [boundary_kind(v, shared) for v in state.stack],
        )

    def _route(self, target: int, kinds: EntryKinds, create: bool) -> tuple[BlockKey, bool]:
        """The block version entered with `kinds` at `target`, and (when `create`)
        whether it is new or its kinds widened, so it must be (re)visited."""
        exact = self.versions.setdefault(target, [])
        for version, known in enumerate(exact):
            if known == kinds:
                return (target, version), False
        if create and len(exact) < VERSION_LIMIT:
            exact.append(kinds)
            return (target, len(exact) - 1), True
        old = self.widened.get(target)
        if not create:
            assert old is not None, "emission reached a block inference did not"
            return (target, WIDENED), False
        new = kinds if old is None else old.join(kinds)
        self.widened[target] = new
        return (target, WIDENED), old is None or new != old

    def _kinds_of(self, key: BlockKey) -> EntryKinds:
        start, version = key
        return self.widened[start] if version == WIDENED else self.versions[start][version]

    def _infer(self) -> ReturnSig | None:
        """Visit every reachable block version; the kinds returned, in the order met."""
        self.versions, self.widened = {}, {}
        self.inferred_bails = {}
        entry_key, _ = self._route(0, self._entry(), create=True)
        worklist = {entry_key}
        returned: list[inf.Kind] = []
        while worklist:
            key = min(worklist)
            worklist.remove(key)
            kinds = self._kinds_of(key)
            block = Block(arg_types=kinds.arg_types())
            outcome = self._run_block(key, kinds, block, None)
            if outcome.bail is not None:
                self.inferred_bails[key] = outcome.bail
            else:
                self.inferred_bails.pop(key, None)
            for value in outcome.returns:
                kind = kind_of(value)
                if kind is not BOTTOM and kind not in returned:
                    returned.append(kind)
            for target, state in outcome.successors:
                target_key, visit = self._route(target, self._entry_kinds(target, state), True)
                if visit:
                    worklist.add(target_key)
        if not returned:
            return None
        return ReturnSig(tuple(returned))

    def _emit(self) -> CapturedFunction:
        self.emitting = True
        keys = [
            (start, v) for start in sorted(self.versions) for v in range(len(self.versions[start]))
        ]
        keys += [(start, WIDENED) for start in sorted(self.widened)]
        blocks = {key: Block(arg_types=self._kinds_of(key).arg_types()) for key in keys}
        param_kinds = self.param_kinds
        param_types = [t for kind in param_kinds for t in flat_types(kind)]
        func_entry = Block(arg_types=[*param_types, INT, LIST_HANDLE])
        args = iter(func_entry.args)
        names = self.param_names
        parameters = State({names[i]: unflatten(k, args) for i, k in enumerate(param_kinds)}, [])
        depth, self.arena = func_entry.args[-2], func_entry.args[-1]
        self.builder = Builder(InsertPoint.at_end(func_entry))
        self.current = None
        frame_op = pyrt.RegionFrameOp(0) if self.region_used else None
        if frame_op is not None:
            self.region_frame = self.result(frame_op)
        self.guard(self.result(g.CmpOp("lt", depth, self.const(RECURSION_LIMIT))))
        self.next_depth = self.result(g.AddOp(depth, self.const(1)))
        entry = self._entry()
        entry_key, _ = self._route(0, entry, create=False)
        func_entry.add_op(cf.BranchOp(blocks[entry_key], *args_for(entry, parameters)))
        assert self.assumed_return is not None
        func_op = func.FuncOp(
            self.symbol,
            ([*param_types, INT, LIST_HANDLE], self.assumed_return.result_types()),
            Region([func_entry, *blocks.values()]),
        )
        ranges = [r for kind in param_kinds for r in flat_ranges(kind)]
        if any(ranges):  # array lengths: the range analysis starts them non-negative
            func_op.arg_attrs = ArrayAttr(
                [DictionaryAttr({}) if r is None else pyrt.argument_range(*r) for r in ranges]
                + [DictionaryAttr({})] * 2
            )
        bails: list[BreakRecord] = []
        for key, block in blocks.items():
            outcome = self._run_block(key, self._kinds_of(key), block, blocks)
            if outcome.bail is not None:
                bails.append(outcome.bail)
        if not self._some_return_reachable(blocks):
            raise FunctionNotCompilable(bails)
        if frame_op is not None:
            frame_op.slots = IntegerAttr(max(self.region_slots, abi.REGION_HEADER_SLOTS), i64)
        return CapturedFunction(
            self.fn,
            self.symbol,
            param_kinds,
            self.assumed_return,
            func_op,
            bails,
            self.region_sites,
        )

    @staticmethod
    def _some_return_reachable(blocks: dict[BlockKey, Block]) -> bool:
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
        key: BlockKey,
        kinds: EntryKinds,
        block: Block,
        emit: dict[BlockKey, Block] | None,
    ) -> BlockOutcome:
        self.builder = Builder(InsertPoint.at_end(block))
        state = values_from_args(kinds, iter(block.args))
        outcome = BlockOutcome()
        start = key[0]
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
                    raise GraphBreak(f"not compiled: {construct_of(ins.opname)}")
                flow = handler(self, ins, state)
                if isinstance(flow, Returned):
                    outcome.returns.append(flow.value)
                    if emit is not None:
                        self.insert(func.ReturnOp(*self._return_operands(flow.value)))
                    return outcome
                if isinstance(flow, Switch):
                    self._switch(flow, emit)
                    outcome.successors = list(flow.successors)
                    return outcome
                if flow is not None:
                    self._branch(flow, emit)
                    outcome.successors = [(t, s) for t, s, _ in flow]
                    return outcome
                index += 1
            successors: list[Successor] = [(end, state, None)]
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

    def _return_operands(self, value: Value) -> list[SSAValue]:
        """The results that return `value`: its flattened values, or for a union the
        tag of its alternative, then each alternative's values (zeros but its own)."""
        sig = self.assumed_return
        assert sig is not None
        kind = kind_of(value)
        if kind not in sig.alternatives:
            raise GraphBreak("the return type differs between paths", whole_function=True)
        if not sig.is_union:
            return flatten(kind, value)
        operands = [self.const(sig.alternatives.index(kind))]
        for alternative in sig.alternatives:
            if alternative == kind:
                operands += flatten(kind, value)
            else:
                operands += [self.zero(t) for t in flat_types(alternative)]
        return operands

    def _bail(self, record: BreakRecord) -> None:
        """End the block in a bail point: native code hands the call back to Python."""
        guard = pyrt.GuardOp(self.const(False), pyrt.HAND_BACK)
        guard.attributes["graphlet.bail"] = StringAttr(record.reason)
        self.insert(guard)
        assert self.assumed_return is not None
        self.insert(func.ReturnOp(*(self.zero(t) for t in self.assumed_return.result_types())))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "CAPTURE break at %s: %s: %s", record.where(), record.opname, record.reason
            )

    def _target(
        self, target: int, state: State, blocks: dict[BlockKey, Block]
    ) -> tuple[Block, list[SSAValue]]:
        kinds = self._entry_kinds(target, state)
        key, _ = self._route(target, kinds, create=False)
        return blocks[key], args_for(self._kinds_of(key), state)

    def _branch(
        self,
        successors: list[Successor],
        emit: dict[BlockKey, Block] | None,
    ) -> None:
        """Emit the terminator for one or two successors (the first is taken when the
        condition, carried by the second, is true)."""
        if emit is None:
            return
        if len(successors) == 1:
            target, state, _ = successors[0]
            block, args = self._target(target, state, emit)
            self.insert(cf.BranchOp(block, *args))
            return
        (then_target, then_state, _), (else_target, else_state, cond) = successors
        then_block, then_args = self._target(then_target, then_state, emit)
        else_block, else_args = self._target(else_target, else_state, emit)
        if then_block is else_block and then_args == else_args:
            self.insert(cf.BranchOp(then_block, *then_args))
            return
        assert cond is not None
        self.insert(cf.ConditionalBranchOp(cond, then_block, then_args, else_block, else_args))

    def _switch(self, flow: Switch, emit: dict[BlockKey, Block] | None) -> None:
        if emit is None:
            return
        targets = [self._target(t, s, emit) for t, s in flow.successors]
        (default_block, default_args), cases = targets[-1], targets[:-1]
        self.insert(
            cf.SwitchOp(
                flow.selector,
                default_block,
                default_args,
                DenseIntOrFPElementsAttr.from_list(
                    VectorType(i64, [len(cases)]), list(range(len(cases)))
                ),
                [block for block, _ in cases],
                [args for _, args in cases],
            )
        )

    def _log_capture(self, ins: Instr) -> None:
        if ins.op not in ("NOP", "PUSH_NULL") and logger.isEnabledFor(logging.DEBUG):
            arg = "" if ins.arg is None else f" {ins.arg}"
            logger.debug("CAPTURE op %s%s at %s:%s", ins.opname, arg, self.filename, ins.line)
