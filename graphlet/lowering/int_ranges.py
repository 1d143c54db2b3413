"""Integer range analysis of a function's CFG (arith, pyrt's checked ops, cf): for each
integer value an interval of the Python ints it can hold, so that checked arithmetic
whose exact result provably fits needs no overflow check (`eliminate-overflow-checks`,
`version-int-loops`).

Intervals are Python ints, so an exact `a * b` is the exact interval; a value of type
`iN` always holds an `iN` value, so every interval is clipped to its type's range.
Loops are natural loops of the CFG. A loop header's argument whose every trip adds a
bounded amount to it (`s += i * i`, `i += step`: its *delta*, found by tracing the
back-edge values to the argument through checked adds and subs and forwarded block
arguments) is bounded by its entry value plus the trip bound times the delta; the trip
bound comes from the header's exit test on such an argument (`i < stop` for a
positive delta). Other header arguments are joined and widened. A `cf.cond_br`
refines the values it forwards by its comparison (`i < stop` on the way into the body).
An argument with `pyrt.ARGUMENT_RANGE` (an array's axis length) starts in its range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from xdsl.dialects import arith, cf, func
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue

from graphlet.dialects import pyrt


@dataclass(frozen=True)
class Interval:
    """The ints `lo..hi` (both included)."""

    lo: int
    hi: int

    def join(self, other: Interval) -> Interval:
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def meet(self, other: Interval) -> Interval | None:
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return Interval(lo, hi) if lo <= hi else None

    def within(self, other: Interval) -> bool:
        return other.lo <= self.lo and self.hi <= other.hi

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __mul__(self, other: Interval) -> Interval:
        corners = [a * b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(corners), max(corners))


@cache
def type_range(t: Attribute) -> Interval | None:
    """The values of an integer type (i1 as 0..1), None for other types."""
    if isinstance(t, IndexType):
        return Interval(-(2**63), 2**63 - 1)
    if isinstance(t, IntegerType):
        width = t.width.data
        if width == 1:
            return Interval(0, 1)
        return Interval(-(2 ** (width - 1)), 2 ** (width - 1) - 1)
    return None


def exact_interval(op: pyrt.CheckedIntegerOp, lhs: Interval, rhs: Interval) -> Interval:
    """The exact (Python) results of a checked op on these operands."""
    if isinstance(op, pyrt.CheckedAddiOp):
        return lhs + rhs
    if isinstance(op, pyrt.CheckedSubiOp):
        return lhs - rhs
    return lhs * rhs


@dataclass
class Loop:
    """A natural loop: its header, its blocks (header included), the blocks that branch
    back to the header (latches) and those that enter it from outside."""

    header: Block
    blocks: set[Block]
    latches: list[Block]
    entries: list[Block]


def successors(block: Block) -> tuple[Block, ...]:
    last = block.last_op
    return tuple(last.successors) if last is not None else ()


def reverse_post_order(region: Region) -> list[Block]:
    """The reachable blocks, each after its dominators."""
    entry = region.blocks.first
    assert entry is not None
    order: list[Block] = []
    seen = {entry}
    stack: list[tuple[Block, int]] = [(entry, 0)]
    while stack:
        block, index = stack.pop()
        succs = successors(block)
        if index < len(succs):
            stack.append((block, index + 1))
            nxt = succs[index]
            if nxt not in seen and nxt.parent is region:
                seen.add(nxt)
                stack.append((nxt, 0))
        else:
            order.append(block)
    order.reverse()
    return order


def dominators(order: list[Block]) -> dict[Block, set[Block]]:
    """Each reachable block's dominators (`order`: reverse post-order)."""
    preds: dict[Block, list[Block]] = {b: [] for b in order}
    for block in order:
        for succ in successors(block):
            if succ in preds:
                preds[succ].append(block)
    everything = set(order)
    doms = {b: set(everything) for b in order}
    doms[order[0]] = {order[0]}
    changed = True
    while changed:
        changed = False
        for block in order[1:]:
            new = set.intersection(*(doms[p] for p in preds[block])) | {block}
            if new != doms[block]:
                doms[block], changed = new, True
    return doms


def natural_loops(order: list[Block]) -> dict[Block, Loop]:
    """The natural loops by header (back edges: to a block that dominates the source)."""
    doms = dominators(order)
    preds: dict[Block, list[Block]] = {b: [] for b in order}
    for block in order:
        for succ in successors(block):
            if succ in preds and block not in preds[succ]:
                preds[succ].append(block)
    loops: dict[Block, Loop] = {}
    for block in order:
        latches = [p for p in preds[block] if block in doms[p]]
        if not latches:
            continue
        body = {block}
        stack = list(latches)
        while stack:
            b = stack.pop()
            if b not in body:
                body.add(b)
                stack.extend(preds[b])
        entries = [p for p in preds[block] if p not in body]
        loops[block] = Loop(block, body, latches, entries)
    return loops


_NEGATED = {"slt": "sge", "sle": "sgt", "sgt": "sle", "sge": "slt", "eq": "ne", "ne": "eq"}
_MIRRORED = {"slt": "sgt", "sle": "sge", "sgt": "slt", "sge": "sle", "eq": "eq", "ne": "ne"}
_SIGNED_PREDICATES = ("eq", "ne", "slt", "sle", "sgt", "sge")
_UNSIGNED_AS_SIGNED = {"ult": "slt", "ule": "sle", "ugt": "sgt", "uge": "sge"}
"""Unsigned comparisons of non-negative values are the signed ones."""


def refine(x: Interval, predicate: str, y: Interval) -> Interval | None:
    """`x` where `x <predicate> y` holds for some `y` in its interval (None: nowhere)."""
    if predicate == "slt":
        return x.meet(Interval(x.lo, y.hi - 1))
    if predicate == "sle":
        return x.meet(Interval(x.lo, y.hi))
    if predicate == "sgt":
        return x.meet(Interval(y.lo + 1, x.hi))
    if predicate == "sge":
        return x.meet(Interval(y.lo, x.hi))
    if predicate == "eq":
        return x.meet(y)
    if predicate == "ne" and y.lo == y.hi:
        lo = x.lo + 1 if x.lo == y.lo else x.lo
        hi = x.hi - 1 if x.hi == y.lo else x.hi
        return Interval(lo, hi) if lo <= hi else None
    return x


def _floor_div(a: int, b: int) -> int:
    return a // b


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _divide(x: Interval, y: Interval, divide: Callable[[int, int], int]) -> Interval | None:
    """Quotients over the non-zero divisors of `y` (monotone on each sign's part)."""
    parts = [p for p in (y.meet(Interval(y.lo, -1)), y.meet(Interval(1, y.hi))) if p is not None]
    result: Interval | None = None
    for part in parts:
        corners = [divide(a, b) for a in (x.lo, x.hi) for b in (part.lo, part.hi)]
        piece = Interval(min(corners), max(corners))
        result = piece if result is None else result.join(piece)
    return result


def _remainder(x: Interval, y: Interval, floor: bool) -> Interval:
    """`x % y` (Python's floor sign, or C's truncated sign): smaller than the divisor."""
    m = max(abs(y.lo), abs(y.hi)) - 1
    if floor:
        lo = -m if y.lo < 0 else 0
        hi = m if y.hi > 0 else 0
        if x.lo >= 0 and y.lo > 0:
            hi = min(hi, x.hi)
        return Interval(lo, hi)
    if x.lo >= 0:
        return Interval(0, min(m, x.hi))
    if x.hi <= 0:
        return Interval(max(-m, x.lo), 0)
    return Interval(max(-m, x.lo), min(m, x.hi))


def _bits_bound(x: Interval, y: Interval) -> Interval | None:
    """`x | y`, `x ^ y` on non-negative ints: below the next power of two."""
    if x.lo < 0 or y.lo < 0:
        return None
    return Interval(0, (1 << max(x.hi, y.hi).bit_length()) - 1)


def _compare(predicate: str, x: Interval, y: Interval) -> Interval:
    """0..1, or the one answer the intervals decide."""
    always = {
        "slt": x.hi < y.lo,
        "sle": x.hi <= y.lo,
        "sgt": x.lo > y.hi,
        "sge": x.lo >= y.hi,
        "eq": x.lo == x.hi == y.lo == y.hi,
        "ne": x.hi < y.lo or y.hi < x.lo,
    }
    never = {
        "slt": x.lo >= y.hi,
        "sle": x.lo > y.hi,
        "sgt": x.hi <= y.lo,
        "sge": x.hi < y.lo,
        "eq": x.hi < y.lo or y.hi < x.lo,
        "ne": x.lo == x.hi == y.lo == y.hi,
    }
    if always.get(predicate):
        return Interval(1, 1)
    if never.get(predicate):
        return Interval(0, 0)
    return Interval(0, 1)


@dataclass(frozen=True)
class Comparison:
    """A branch condition read as `lhs <predicate> rhs` (signed)."""

    predicate: str
    lhs: SSAValue
    rhs: SSAValue


class IntRanges:
    """The intervals of one function's integer values; `assume` narrows chosen values
    (`version-int-loops`: what a run-time check at a loop's entry establishes)."""

    MAX_PASSES = 24
    CHANGES_BEFORE_WIDENING = 3
    """A value whose interval changed this often goes to its type's range."""

    def __init__(
        self,
        function: func.FuncOp,
        assume: Mapping[SSAValue, Interval] = {},
        within: tuple[IntRanges, Loop] | None = None,
    ) -> None:
        """`within`: an analysis of the same function and one of its loops: only that
        loop is analysed again, the values outside keep their intervals there (narrowed
        by `assume`)."""
        self.assume = assume
        self.order: list[Block]
        self.loops: dict[Block, Loop]
        self.preds: dict[Block, list[Block]]
        self.ranges: dict[SSAValue, Interval] = {}
        self.deltas: dict[BlockArgument, Interval | None] = {}
        self.trips: dict[Block, int | None] = {}
        self._widened: set[SSAValue] = set()
        self._changes: dict[SSAValue, int] = {}
        self._edges: dict[Block, list[tuple[Block, tuple[SSAValue, ...]]]]
        self._arguments: dict[int, Interval]
        if within is not None:
            base, loop = within
            self.order, self.loops, self.preds = base.order, base.loops, base.preds
            self._edges = base._edges
            self._arguments = base._arguments
            self.ranges.update(base.ranges)
            self.deltas.update(base.deltas)
            self.trips.update(base.trips)
            self.sweep_order = [b for b in self.order if b in loop.blocks]
            for block in self.sweep_order:
                for value in (*block.args, *(r for op in block.ops for r in op.results)):
                    self.ranges.pop(value, None)
            for value, interval in assume.items():
                if value in self.ranges:
                    self.ranges[value] = self.ranges[value].meet(interval) or interval
        else:
            self._edges = {}
            self.order = reverse_post_order(function.body)
            self.loops = natural_loops(self.order)
            self.preds = {b: [] for b in self.order}
            for block in self.order:
                for succ in set(successors(block)):
                    if succ in self.preds:
                        self.preds[succ].append(block)
            self.sweep_order = self.order
        self._arguments = _argument_ranges(function)
        self._solve()

    # ------------------------------------------------------------------ queries

    def of(self, value: SSAValue) -> Interval | None:
        """The value's interval (None: not an integer, or never computed: unreachable)."""
        return self.ranges.get(value)

    def exact(self, op: pyrt.CheckedIntegerOp) -> Interval | None:
        lhs, rhs = self.of(op.lhs), self.of(op.rhs)
        if lhs is None or rhs is None:
            return None
        return exact_interval(op, lhs, rhs)

    def cannot_overflow(self, op: pyrt.CheckedIntegerOp) -> bool:
        """Whether the op's exact result always fits its type."""
        exact = self.exact(op)
        bounds = type_range(op.value.type)
        return exact is not None and bounds is not None and exact.within(bounds)

    def replace(self, old: SSAValue, new: SSAValue, interval: Interval | None = None) -> None:
        """`new` stands for `old` (with `old`'s interval, or `interval`) from now on."""
        found = self.ranges.pop(old, None)
        if interval is not None or found is not None:
            self.ranges[new] = interval or found  # type: ignore[assignment]
        self._edges.clear()  # cached operands may name `old`

    def edges(self, block: Block) -> list[tuple[Block, tuple[SSAValue, ...]]]:
        """The block's successors with the operands its terminator passes each (cached:
        xDSL unpacks a `cf.cond_br`'s operand segments on every access)."""
        found = self._edges.get(block)
        if found is None:
            term = block.last_op
            found = self._edges[block] = branch_edges(term) if term is not None else []
        return found

    # ------------------------------------------------------------------ solving

    def _solve(self) -> None:
        if not self.loops:  # each block after its predecessors: one sweep is the fixed point
            self._sweep()
            return
        for _ in range(self.MAX_PASSES):
            if not self._sweep():
                return
        while self._sweep(widen=True):
            pass

    def _set(self, value: SSAValue, interval: Interval | None, widen: bool) -> bool:
        bounds = type_range(value.type)
        if bounds is None or interval is None:
            return False
        if value in self._widened:
            interval = bounds
        assumed = self.assume.get(value)
        if assumed is not None:
            interval = interval.meet(assumed) or assumed
        interval = interval.meet(bounds) or bounds
        old = self.ranges.get(value)
        if old == interval:
            return False
        if old is not None:
            self._changes[value] = self._changes.get(value, 0) + 1
        if (
            widen or self._changes.get(value, 0) > self.CHANGES_BEFORE_WIDENING
        ) and old is not None:
            self._widened.add(value)
            interval = bounds
            if old == interval:
                return False
        self.ranges[value] = interval
        return True

    def _sweep(self, widen: bool = False) -> bool:
        changed = False
        for block in self.sweep_order:
            if block is self.order[0]:
                for arg in block.args:
                    interval = self._arguments.get(arg.index) or type_range(arg.type)
                    changed |= self._set(arg, interval, widen)
            elif block in self.loops:
                for arg, interval in zip(block.args, self._header_arguments(block), strict=True):
                    changed |= self._set(arg, interval, widen)
            else:
                for index, arg in enumerate(block.args):
                    changed |= self._set(
                        arg, self._incoming(block, index, self.preds[block]), widen
                    )
            for op in block.ops:
                for result, interval in zip(op.results, self._transfer(op), strict=True):
                    changed |= self._set(result, interval, widen)
        return changed

    def _incoming(self, block: Block, index: int, sources: Iterable[Block]) -> Interval | None:
        """The join of what the edges from `sources` pass as the block's argument `index`."""
        result: Interval | None = None
        for source in sources:
            for interval in self._edge_values(source, block, index):
                result = interval if result is None else result.join(interval)
        return result

    def _header_arguments(self, header: Block) -> list[Interval | None]:
        """A loop header's arguments: entry + trips x delta where the delta is known,
        else the join of all incoming edges."""
        loop = self.loops[header]
        for arg in header.args:
            self.deltas[arg] = self._delta(loop, arg)
        trip = self.trips[header] = self._trip_bound(loop)
        intervals: list[Interval | None] = []
        for arg in header.args:
            entry = self._incoming(header, arg.index, loop.entries)
            delta = self.deltas[arg]
            bounds = type_range(arg.type)
            if entry is None or delta is None or bounds is None:
                intervals.append(self._incoming(header, arg.index, self.preds[header]))
            elif delta.lo == delta.hi == 0:
                intervals.append(entry)
            elif trip is not None:
                intervals.append(_advanced(entry, delta, trip))
            elif delta.lo >= 0:
                intervals.append(Interval(entry.lo, bounds.hi))
            elif delta.hi <= 0:
                intervals.append(Interval(bounds.lo, entry.hi))
            else:
                intervals.append(self._incoming(header, arg.index, self.preds[header]))
        return intervals

    def _edge_values(self, source: Block, target: Block, index: int) -> list[Interval]:
        """What `source`'s terminator passes as `target`'s argument `index`, refined by
        the branch condition on that edge (nothing for an edge that cannot be taken)."""
        term = source.last_op
        values: list[Interval] = []
        if isinstance(term, cf.BranchOp):
            interval = self.of(self.edges(source)[0][1][index])
            if interval is not None:
                values.append(interval)
        elif isinstance(term, cf.ConditionalBranchOp):
            comparison = self.comparison(term.cond)
            for (succ, operands), holds in zip(self.edges(source), (True, False), strict=True):
                if succ is not target:
                    continue
                interval = self.of(operands[index])
                if interval is None:
                    continue
                if comparison is not None:
                    interval = self._refined(operands[index], interval, comparison, holds)
                if interval is not None:
                    values.append(interval)
        else:
            bounds = type_range(target.args[index].type)
            if bounds is not None:
                values.append(bounds)
        return values

    def _refined(
        self, value: SSAValue, interval: Interval, comparison: Comparison, holds: bool
    ) -> Interval | None:
        predicate = comparison.predicate if holds else _NEGATED[comparison.predicate]
        if value is comparison.lhs and (other := self.of(comparison.rhs)) is not None:
            return refine(interval, predicate, other)
        if value is comparison.rhs and (other := self.of(comparison.lhs)) is not None:
            return refine(interval, _MIRRORED[predicate], other)
        return interval

    def comparison(self, condition: SSAValue) -> Comparison | None:
        """The signed comparison a branch condition amounts to: through `select`s the
        intervals decide and negations (`xori %c, true`)."""
        negate = False
        for _ in range(8):
            owner = condition.owner
            if isinstance(owner, arith.SelectOp):
                c = self.of(owner.cond)
                if c is None or c.lo != c.hi:
                    return None
                condition = owner.lhs if c.lo else owner.rhs
            elif isinstance(owner, arith.XOrIOp) and self.of(owner.rhs) == Interval(1, 1):
                negate, condition = not negate, owner.lhs
            elif isinstance(owner, arith.CmpiOp):
                predicate = owner.predicate.value.data
                name = arith.CMPI_COMPARISON_OPERATIONS[predicate]
                if name not in _SIGNED_PREDICATES:
                    return None
                return Comparison(_NEGATED[name] if negate else name, owner.lhs, owner.rhs)
            else:
                return None
        return None

    # ------------------------------------------------------------------ loops

    def _delta(self, loop: Loop, arg: BlockArgument) -> Interval | None:
        """What one trip adds to the header argument `arg`: the join over the back edges
        of (back-edge value - arg), traced back through checked adds and subs, adds
        that do not wrap, forwarded block arguments of the loop and inner loops (entry
        offset + their trips x their delta); None when some back-edge value is not of
        that form."""
        memo: dict[SSAValue, Interval | None] = {arg: Interval(0, 0)}
        result: Interval | None = None
        for latch in loop.latches:
            for succ, operands in self.edges(latch):
                if succ is not loop.header:
                    continue
                offset = self._offset(loop, operands[arg.index], memo, 0)
                if offset is None:
                    return None
                result = offset if result is None else result.join(offset)
        return result

    MAX_TRACE_DEPTH = 64

    def _offset(
        self, loop: Loop, value: SSAValue, memo: dict[SSAValue, Interval | None], depth: int
    ) -> Interval | None:
        """`value` - the traced header argument (the memo's seed), or None."""
        if value in memo:
            return memo[value]
        memo[value] = None  # a cycle not through an inner header: not of the form
        if depth > self.MAX_TRACE_DEPTH:
            return None
        result: Interval | None = None
        owner = value.owner
        if isinstance(value, BlockArgument):
            block = value.block
            if block in loop.blocks and block is not loop.header:
                result = self._offset_of_argument(loop, block, value.index, memo, depth)
        elif isinstance(owner, pyrt.CheckedAddiOp | pyrt.CheckedSubiOp) or (
            isinstance(owner, arith.AddiOp | arith.SubiOp) and self._exact(owner)
        ):
            assert isinstance(owner, Operation)
            lhs, rhs = owner.operands
            if owner.parent_block() in loop.blocks:
                subtract = isinstance(owner, pyrt.CheckedSubiOp | arith.SubiOp)
                offset, other = self._offset(loop, lhs, memo, depth + 1), self.of(rhs)
                if offset is None and not subtract:
                    offset, other = self._offset(loop, rhs, memo, depth + 1), self.of(lhs)
                if offset is not None and other is not None:
                    result = offset - other if subtract else offset + other
        memo[value] = result
        return result

    def _offset_of_argument(
        self,
        loop: Loop,
        block: Block,
        index: int,
        memo: dict[SSAValue, Interval | None],
        depth: int,
    ) -> Interval | None:
        inner = self.loops.get(block)
        sources = inner.entries if inner is not None else self.preds[block]
        result: Interval | None = None
        for source in sources:
            if source not in loop.blocks:
                return None
            for succ, operands in self.edges(source):
                if succ is not block:
                    continue
                offset = self._offset(loop, operands[index], memo, depth + 1)
                if offset is None:
                    return None
                result = offset if result is None else result.join(offset)
        if inner is not None and result is not None:
            delta = self.deltas.get(block.args[index])
            trip = self.trips.get(block)
            if delta is None:
                return None
            if delta.lo == delta.hi == 0:
                return result
            return None if trip is None else _advanced(result, delta, trip)
        return result

    def _exact(self, op: arith.AddiOp | arith.SubiOp) -> bool:
        """Whether a wrapping add or sub never wraps (its exact interval fits)."""
        x, y, bounds = self.of(op.lhs), self.of(op.rhs), type_range(op.result.type)
        if x is None or y is None or bounds is None:
            return False
        return (x + y if isinstance(op, arith.AddiOp) else x - y).within(bounds)

    def _trip_bound(self, loop: Loop) -> int | None:
        """At most how many times the back edges run per entry: from the header's exit
        test on an argument that moves by at least 1 each trip towards its bound."""
        term = loop.header.last_op
        if not isinstance(term, cf.ConditionalBranchOp):
            return None
        stays_then = term.then_block in loop.blocks
        if stays_then == (term.else_block in loop.blocks):
            return None
        comparison = self.comparison(term.cond)
        if comparison is None:
            return None
        predicate = comparison.predicate if stays_then else _NEGATED[comparison.predicate]
        iv, bound = comparison.lhs, comparison.rhs
        if not (isinstance(iv, BlockArgument) and iv.block is loop.header):
            iv, bound, predicate = bound, iv, _MIRRORED[predicate]
        if not (isinstance(iv, BlockArgument) and iv.block is loop.header):
            return None
        delta = self.deltas.get(iv)
        entry = self._incoming(loop.header, iv.index, loop.entries)
        limit = self.of(bound)
        if delta is None or entry is None or limit is None:
            return None
        if predicate in ("slt", "sle") and delta.lo >= 1:
            last = limit.hi - 1 if predicate == "slt" else limit.hi
            return max(0, (last - entry.lo) // delta.lo + 1)
        if predicate in ("sgt", "sge") and delta.hi <= -1:
            last = limit.lo + 1 if predicate == "sgt" else limit.lo
            return max(0, (entry.hi - last) // -delta.hi + 1)
        return None

    # ------------------------------------------------------------------ ops

    def _transfer(self, op: Operation) -> list[Interval | None]:
        """The results' intervals; None for all while an integer operand has none yet."""
        if not any(type_range(r.type) is not None for r in op.results):
            return [None] * len(op.results)
        operands = [self.of(v) for v in op.operands]
        if any(i is None and type_range(v.type) is not None for i, v in zip(operands, op.operands)):
            return [None] * len(op.results)
        if isinstance(op, arith.ConstantOp):
            value = op.value
            if isinstance(value, IntegerAttr):
                n = value.value.data
                if op.result.type == IntegerType(1):
                    n = 1 if n else 0
                return [Interval(n, n)]
            return [None]
        if isinstance(op, pyrt.CheckedIntegerOp):
            lhs, rhs = operands
            assert lhs is not None and rhs is not None
            exact = exact_interval(op, lhs, rhs)
            bounds = type_range(op.value.type)
            fits = bounds is not None and exact.within(bounds)
            return [exact, Interval(0, 0) if fits else Interval(0, 1)]
        result = None
        if len(op.results) == 1 and (isinstance(op, arith.SelectOp) or None not in operands):
            result = self._arith(op, operands)
        if result is not None:
            return [result]
        return [type_range(r.type) for r in op.results]

    def _arith(self, op: Operation, operands: list[Interval | None]) -> Interval | None:
        x = operands[0] if operands else None
        y = operands[1] if len(operands) > 1 else None
        if x is None and not isinstance(op, arith.SelectOp):
            return None
        width_bounds = type_range(op.results[0].type) if op.results else None
        if isinstance(op, arith.SelectOp):
            c, a, b = operands
            if c is not None and c.lo == c.hi:
                return a if c.lo else b
            if a is None or b is None:
                return a or b
            assert isinstance(op, arith.SelectOp)
            comparison = self.comparison(op.cond)
            if comparison is not None:  # min, max, abs: each side where it is chosen
                a = self._refined(op.lhs, a, comparison, True)
                b = self._refined(op.rhs, b, comparison, False)
                if a is None or b is None:
                    return a or b
            return a.join(b)
        assert x is not None
        if isinstance(op, arith.AddiOp | arith.SubiOp | arith.MuliOp):
            assert y is not None
            exact = (
                x + y
                if isinstance(op, arith.AddiOp)
                else x - y
                if isinstance(op, arith.SubiOp)
                else x * y
            )
            return exact if width_bounds is not None and exact.within(width_bounds) else None
        if isinstance(op, arith.DivSIOp | arith.FloorDivSIOp):
            assert y is not None
            return _divide(x, y, _trunc_div if isinstance(op, arith.DivSIOp) else _floor_div)
        if isinstance(op, arith.RemSIOp):
            assert y is not None
            return _remainder(x, y, floor=False)
        if isinstance(op, arith.MinSIOp | arith.MaxSIOp):
            assert y is not None
            pick = min if isinstance(op, arith.MinSIOp) else max
            return Interval(pick(x.lo, y.lo), pick(x.hi, y.hi))
        if isinstance(op, arith.CmpiOp):
            assert y is not None
            name = arith.CMPI_COMPARISON_OPERATIONS[op.predicate.value.data]
            if name in _UNSIGNED_AS_SIGNED and x.lo >= 0 and y.lo >= 0:
                name = _UNSIGNED_AS_SIGNED[name]
            return _compare(name, x, y) if name in _SIGNED_PREDICATES else None
        if width_bounds == Interval(0, 1) and isinstance(
            op, arith.AndIOp | arith.OrIOp | arith.XOrIOp
        ):
            assert y is not None
            if x.lo == x.hi and y.lo == y.hi:
                if isinstance(op, arith.AndIOp):
                    return Interval(x.lo & y.lo, x.lo & y.lo)
                bit = x.lo | y.lo if isinstance(op, arith.OrIOp) else x.lo ^ y.lo
                return Interval(bit, bit)
            return None
        if isinstance(op, arith.AndIOp):
            assert y is not None
            if x.lo >= 0 and y.lo >= 0:
                return Interval(0, min(x.hi, y.hi))
            if x.lo >= 0 or y.lo >= 0:
                return Interval(0, x.hi if x.lo >= 0 else y.hi)
            return None
        if isinstance(op, arith.OrIOp | arith.XOrIOp):
            assert y is not None
            return _bits_bound(x, y)
        if isinstance(op, arith.ShLIOp | arith.ShRSIOp):
            assert y is not None
            if y.lo < 0 or y.hi > 63:
                return None
            if isinstance(op, arith.ShRSIOp):
                return Interval(min(x.lo >> y.lo, x.lo >> y.hi), max(x.hi >> y.lo, x.hi >> y.hi))
            if x.lo < 0:
                return None
            shifted = Interval(x.lo << y.lo, x.hi << y.hi)
            return shifted if width_bounds is not None and shifted.within(width_bounds) else None
        if isinstance(op, arith.ExtUIOp | arith.IndexCastOp):
            return x if x.lo >= 0 or isinstance(op, arith.IndexCastOp) else None
        if isinstance(op, arith.ExtSIOp):
            return Interval(-x.hi, -x.lo) if op.operands[0].type == IntegerType(1) else x
        return None


def _advanced(entry: Interval, delta: Interval, trips: int) -> Interval:
    """Where `entry` can get to in at most `trips` steps of `delta` each."""
    return Interval(entry.lo + trips * min(delta.lo, 0), entry.hi + trips * max(delta.hi, 0))


def _argument_ranges(function: func.FuncOp) -> dict[int, Interval]:
    """The arguments whose callers keep them in a range (`pyrt.ARGUMENT_RANGE`)."""
    if function.arg_attrs is None:
        return {}
    ranges: dict[int, Interval] = {}
    for index, attributes in enumerate(function.arg_attrs.data):
        found = pyrt.range_of_argument(attributes)
        if found is not None:
            ranges[index] = Interval(*found)
    return ranges


def branch_edges(term: Operation) -> list[tuple[Block, tuple[SSAValue, ...]]]:
    """A terminator's successors with the operands it passes each."""
    if isinstance(term, cf.BranchOp):
        return [(term.successor, tuple(term.arguments))]
    if isinstance(term, cf.ConditionalBranchOp):
        return [
            (term.then_block, tuple(term.then_arguments)),
            (term.else_block, tuple(term.else_arguments)),
        ]
    return []
