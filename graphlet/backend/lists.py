"""Native lists: their layout, the call arena that owns them, and their runtime library.

A native list is a 48-byte header, allocated in the call's arena:

    struct list { i64 length; i64 capacity; item *data; PyObject *origin;
                  struct list *next; i64 dirty; }
    struct arena { struct list *head; i64 bytes; }

Items are stored unboxed: bool as i8, int as i64, float as double. `origin` is the
Python list the native list reflects (an argument) or was boxed into (a result);
`dirty` says whether compiled code changed it. Every list of a call is linked into
the call's arena (on the CPython wrapper's stack), and the wrapper frees them all
when the call returns, whatever its status. An arena holds at most `ARENA_BUDGET`
bytes; an allocation past it fails, and compiled code hands the call back to
Python (which never sees a partial effect, see below).

Argument lists are copied in by `unbox_<item>` (failing, so the wrapper takes its
slow path, when an item has another type or an int does not fit in 64 bits) and
written back by `reflect_<item>` only when the call succeeds: the same effect on
the caller's list as CPython's, and none at all when the call hands back (CPython
then reruns it from the start). Items that did not change keep their objects.
Results are boxed by `box_<item>` (a list boxed twice is one object).

The runtime library is LLVM IR built here, compiled once per process, its functions
registered as symbols (`llvm.add_symbol`) so that code lowered by
`convert-pylist-to-llvm` calls them by name; `provide_symbols` loads it when a
module declares one of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import llvmlite.binding as llvm
import llvmlite.ir as ir

from graphlet import abi
from graphlet.backend.cpython_wrapper import (
    _BOOL_FROM,
    _FLOAT_FROM,
    _LONG_AS,
    _LONG_FROM,
    _OB_FVAL,
    _OB_TYPE,
    _address,
    _c_api,
    _Extern,
    _f64,
    _i1,
    _i32,
    _i64,
    _long,
    _ptr,
    declare_externals,
)

PREFIX = "graphlet_list_"
ARENA_BUDGET = 1 << 30
"""Bytes of list storage one call may hold before it hands back to Python."""
HEADER = ir.LiteralStructType([_i64, _i64, _ptr, _ptr, _ptr, _i64])
LENGTH, CAPACITY, DATA, ORIGIN, NEXT, DIRTY = (
    abi.LIST_LENGTH,
    abi.LIST_CAPACITY,
    abi.LIST_DATA,
    abi.LIST_ORIGIN,
    abi.LIST_NEXT,
    abi.LIST_DIRTY,
)
HEADER_BYTES = abi.LIST_HEADER_BYTES
ARENA = ir.LiteralStructType([_ptr, _i64])
ARENA_BYTES = 16

ITEMS = ("i1", "i64", "f64")
STORAGE = {"i1": ir.IntType(8), "i64": _i64, "f64": _f64}
VALUE = {"i1": _i1, "i64": _i64, "f64": _f64}
SIZE = {"i1": 1, "i64": 8, "f64": 8}

_LIST_NEW = _c_api("PyList_New", _ptr, _i64)
_LIST_SIZE = _c_api("PyList_Size", _i64, _ptr)
_LIST_GET = _c_api("PyList_GetItem", _ptr, _ptr, _i64)
_LIST_SET = _c_api("PyList_SetItem", _i32, _ptr, _i64, _ptr)
_LIST_SET_SLICE = _c_api("PyList_SetSlice", _i32, _ptr, _i64, _i64, _ptr)
_LIST_APPEND = _c_api("PyList_Append", _i32, _ptr, _ptr)
_FLOAT_AS = _c_api("PyFloat_AsDouble", _f64, _ptr)
_INCREF = _c_api("Py_IncRef", ir.VoidType(), _ptr)
_DECREF = _c_api("Py_DecRef", ir.VoidType(), _ptr)


def _const(value: int) -> ir.Constant:
    return ir.Constant(_i64, value)


def field(b: ir.IRBuilder, header: ir.Value, index: int) -> ir.Value:
    """A pointer to field `index` of a list header."""
    return b.gep(header, [ir.Constant(_i32, 0), ir.Constant(_i32, index)], source_etype=HEADER)


def load_field(b: ir.IRBuilder, header: ir.Value, index: int) -> ir.Value:
    return b.load(field(b, header, index), typ=_ptr if index in (DATA, ORIGIN, NEXT) else _i64)


def loop(b: ir.IRBuilder, start: ir.Value, stop: ir.Value, body: Any, step: int = 1) -> None:
    """`for i in range(start, stop, step): body(i)` (step +1 or -1), at `b`."""
    function = b.function
    before = b.block
    test = function.append_basic_block("loop")
    inside = function.append_basic_block("loop.body")
    after = function.append_basic_block("loop.end")
    b.branch(test)
    b.position_at_end(test)
    i = b.phi(_i64)
    i.add_incoming(start, before)
    b.cbranch(b.icmp_signed("<" if step > 0 else ">", i, stop), inside, after)
    b.position_at_end(inside)
    body(i)
    i.add_incoming(b.add(i, _const(step)), b.block)
    b.branch(test)
    b.position_at_end(after)


def emit_free_arena(b: ir.IRBuilder, arena: ir.Value) -> None:
    """Free every list of `arena` (inline, with libc's `free`, so that code with no
    lists needs no runtime library)."""
    module = b.module
    free = module.globals.get("free") or ir.Function(
        module, ir.FunctionType(ir.VoidType(), [_ptr]), "free"
    )
    function = b.function
    head = b.gep(arena, [_const(0)], source_etype=_ptr)
    first = b.load(head, typ=_ptr)
    before = b.block
    test = function.append_basic_block("free.test")
    body = function.append_basic_block("free.body")
    done = function.append_basic_block("free.done")
    b.branch(test)
    b.position_at_end(test)
    node = b.phi(_ptr)
    node.add_incoming(first, before)
    b.cbranch(b.icmp_unsigned("==", node, ir.Constant(_ptr, None)), done, body)
    b.position_at_end(body)
    following = load_field(b, node, NEXT)
    b.call(free, [load_field(b, node, DATA)])
    b.call(free, [node])
    node.add_incoming(following, body)
    b.branch(test)
    b.position_at_end(done)
    b.store(ir.Constant(_ptr, None), head)


class _Library:
    """Builds the runtime's LLVM module (see the module docstring)."""

    def __init__(self) -> None:
        self.module = ir.Module("graphlet_lists")
        m = self.module
        self.malloc = ir.Function(m, ir.FunctionType(_ptr, [_i64]), "malloc")
        self.realloc = ir.Function(m, ir.FunctionType(_ptr, [_ptr, _i64]), "realloc")
        self.free = ir.Function(m, ir.FunctionType(ir.VoidType(), [_ptr]), "free")
        self.memmove = ir.Function(m, ir.FunctionType(_ptr, [_ptr, _ptr, _i64]), "memmove")
        self.new = self._new()
        self.reserve = self._reserve()
        self._extend()
        self._splice()
        self._concat()
        self._repeat()
        self._range()
        for item in ITEMS:
            self._append(item)
            self._insert(item)
            self._pop(item)
            self._slice(item)
            self._find(item)
            self._count(item)
            self._reverse(item)
            self._compare(item)
            self._unbox(item)
            self._box(item)
            self._reflect(item)

    def function(
        self, name: str, result: ir.Type, *args: ir.Type
    ) -> tuple[ir.Function, ir.IRBuilder]:
        function = ir.Function(self.module, ir.FunctionType(result, args), PREFIX + name)
        return function, ir.IRBuilder(function.append_basic_block("entry"))

    def item_pointer(
        self, b: ir.IRBuilder, header: ir.Value, index: ir.Value, item: str
    ) -> ir.Value:
        return b.gep(load_field(b, header, DATA), [index], source_etype=STORAGE[item])

    def load_item(self, b: ir.IRBuilder, header: ir.Value, index: ir.Value, item: str) -> ir.Value:
        value = b.load(self.item_pointer(b, header, index, item), typ=STORAGE[item])
        return b.trunc(value, _i1) if item == "i1" else value

    def store_item(
        self, b: ir.IRBuilder, header: ir.Value, index: ir.Value, value: ir.Value, item: str
    ) -> None:
        stored = b.zext(value, STORAGE["i1"]) if item == "i1" else value
        b.store(stored, self.item_pointer(b, header, index, item))

    def mark_dirty(self, b: ir.IRBuilder, header: ir.Value) -> None:
        b.store(_const(1), field(b, header, DIRTY))

    # ------------------------------------------------------------------ allocation

    def _new(self) -> ir.Function:
        """`new(arena, capacity, item_size) -> list or NULL`: an empty list."""
        function, b = self.function("new", _ptr, _ptr, _i64, _i64)
        arena, capacity, size = function.args
        null = ir.Constant(_ptr, None)
        with b.if_then(
            b.icmp_signed(">", capacity, b.sdiv(_const(ARENA_BUDGET), size)), likely=False
        ):
            b.ret(null)
        capacity = b.select(b.icmp_signed("<", capacity, _const(4)), _const(4), capacity)
        data_bytes = b.mul(capacity, size)
        used = b.gep(arena, [ir.Constant(_i32, 0), ir.Constant(_i32, 1)], source_etype=ARENA)
        total = b.add(b.load(used, typ=_i64), b.add(data_bytes, _const(HEADER_BYTES)))
        with b.if_then(b.icmp_signed(">", total, _const(ARENA_BUDGET)), likely=False):
            b.ret(null)
        header = b.call(self.malloc, [_const(HEADER_BYTES)])
        data = b.call(self.malloc, [data_bytes])
        failed = b.or_(b.icmp_unsigned("==", header, null), b.icmp_unsigned("==", data, null))
        with b.if_then(failed, likely=False):
            b.call(self.free, [header])
            b.call(self.free, [data])
            b.ret(null)
        head = b.gep(arena, [ir.Constant(_i32, 0), ir.Constant(_i32, 0)], source_etype=ARENA)
        b.store(_const(0), field(b, header, LENGTH))
        b.store(capacity, field(b, header, CAPACITY))
        b.store(data, field(b, header, DATA))
        b.store(null, field(b, header, ORIGIN))
        b.store(b.load(head, typ=_ptr), field(b, header, NEXT))
        b.store(_const(1), field(b, header, DIRTY))
        b.store(header, head)
        b.store(total, used)
        b.ret(header)
        return function

    def _reserve(self) -> ir.Function:
        """`reserve(arena, list, n, item_size) -> ok`: room for `n` items (CPython's
        growth pattern: n + n/8 + 6)."""
        function, b = self.function("reserve", _i1, _ptr, _ptr, _i64, _i64)
        arena, header, n, size = function.args
        capacity = load_field(b, header, CAPACITY)
        with b.if_then(b.icmp_signed("<=", n, capacity)):
            b.ret(ir.Constant(_i1, 1))
        with b.if_then(b.icmp_signed(">", n, b.sdiv(_const(ARENA_BUDGET), size)), likely=False):
            b.ret(ir.Constant(_i1, 0))
        grown = b.add(b.add(n, b.ashr(n, _const(3))), _const(6))
        used = b.gep(arena, [ir.Constant(_i32, 0), ir.Constant(_i32, 1)], source_etype=ARENA)
        total = b.add(b.load(used, typ=_i64), b.mul(b.sub(grown, capacity), size))
        with b.if_then(b.icmp_signed(">", total, _const(ARENA_BUDGET)), likely=False):
            b.ret(ir.Constant(_i1, 0))
        data = b.call(self.realloc, [load_field(b, header, DATA), b.mul(grown, size)])
        with b.if_then(b.icmp_unsigned("==", data, ir.Constant(_ptr, None)), likely=False):
            b.ret(ir.Constant(_i1, 0))
        b.store(data, field(b, header, DATA))
        b.store(grown, field(b, header, CAPACITY))
        b.store(total, used)
        b.ret(ir.Constant(_i1, 1))
        return function

    # ------------------------------------------------------------------ operations

    def _append(self, item: str) -> None:
        """`append_<item>(arena, list, value) -> ok`."""
        function, b = self.function(f"append_{item}", _i1, _ptr, _ptr, VALUE[item])
        arena, header, value = function.args
        n = load_field(b, header, LENGTH)
        grown = b.call(self.reserve, [arena, header, b.add(n, _const(1)), _const(SIZE[item])])
        with b.if_then(b.not_(grown), likely=False):
            b.ret(ir.Constant(_i1, 0))
        self.store_item(b, header, n, value, item)
        b.store(b.add(n, _const(1)), field(b, header, LENGTH))
        self.mark_dirty(b, header)
        b.ret(ir.Constant(_i1, 1))

    def _insert(self, item: str) -> None:
        """`insert_<item>(arena, list, index, value) -> ok`, the index clamped as
        `list.insert` does."""
        function, b = self.function(f"insert_{item}", _i1, _ptr, _ptr, _i64, VALUE[item])
        arena, header, index, value = function.args
        n = load_field(b, header, LENGTH)
        size = _const(SIZE[item])
        shifted = b.select(b.icmp_signed("<", index, _const(0)), b.add(index, n), index)
        clamped = b.select(b.icmp_signed("<", shifted, _const(0)), _const(0), shifted)
        position = b.select(b.icmp_signed(">", clamped, n), n, clamped)
        grown = b.call(self.reserve, [arena, header, b.add(n, _const(1)), size])
        with b.if_then(b.not_(grown), likely=False):
            b.ret(ir.Constant(_i1, 0))
        source = self.item_pointer(b, header, position, item)
        target = self.item_pointer(b, header, b.add(position, _const(1)), item)
        b.call(self.memmove, [target, source, b.mul(b.sub(n, position), size)])
        self.store_item(b, header, position, value, item)
        b.store(b.add(n, _const(1)), field(b, header, LENGTH))
        self.mark_dirty(b, header)
        b.ret(ir.Constant(_i1, 1))

    def _pop(self, item: str) -> None:
        """`pop_<item>(list, index) -> item`: remove and return the item at a valid index."""
        function, b = self.function(f"pop_{item}", VALUE[item], _ptr, _i64)
        header, index = function.args
        n = load_field(b, header, LENGTH)
        value = self.load_item(b, header, index, item)
        target = self.item_pointer(b, header, index, item)
        source = self.item_pointer(b, header, b.add(index, _const(1)), item)
        count = b.sub(b.sub(n, index), _const(1))
        b.call(self.memmove, [target, source, b.mul(count, _const(SIZE[item]))])
        b.store(b.sub(n, _const(1)), field(b, header, LENGTH))
        self.mark_dirty(b, header)
        b.ret(value)

    def _extend(self) -> None:
        """`extend(arena, list, other, item_size) -> ok` (other may be list itself)."""
        function, b = self.function("extend", _i1, _ptr, _ptr, _ptr, _i64)
        arena, header, other, size = function.args
        n = load_field(b, header, LENGTH)
        m = load_field(b, other, LENGTH)
        grown = b.call(self.reserve, [arena, header, b.add(n, m), size])
        with b.if_then(b.not_(grown), likely=False):
            b.ret(ir.Constant(_i1, 0))
        target = b.gep(load_field(b, header, DATA), [b.mul(n, size)], source_etype=ir.IntType(8))
        b.call(self.memmove, [target, load_field(b, other, DATA), b.mul(m, size)])
        b.store(b.add(n, m), field(b, header, LENGTH))
        self.mark_dirty(b, header)
        b.ret(ir.Constant(_i1, 1))

    def _splice(self) -> None:
        """`splice(arena, list, start, count, other, item_size) -> ok`: replace the
        `count` items at `start` by the items of `other` (not `list` itself)."""
        function, b = self.function("splice", _i1, _ptr, _ptr, _i64, _i64, _ptr, _i64)
        arena, header, start, count, other, size = function.args
        n = load_field(b, header, LENGTH)
        m = load_field(b, other, LENGTH)
        total = b.add(b.sub(n, count), m)
        grown = b.call(self.reserve, [arena, header, total, size])
        with b.if_then(b.not_(grown), likely=False):
            b.ret(ir.Constant(_i1, 0))
        data = load_field(b, header, DATA)

        def at(index: ir.Value) -> ir.Value:
            return b.gep(data, [b.mul(index, size)], source_etype=ir.IntType(8))

        tail = b.add(start, count)
        b.call(self.memmove, [at(b.add(start, m)), at(tail), b.mul(b.sub(n, tail), size)])
        b.call(self.memmove, [at(start), load_field(b, other, DATA), b.mul(m, size)])
        b.store(total, field(b, header, LENGTH))
        self.mark_dirty(b, header)
        b.ret(ir.Constant(_i1, 1))

    def _concat(self) -> None:
        """`concat(arena, a, b, item_size) -> new list or NULL`."""
        function, b = self.function("concat", _ptr, _ptr, _ptr, _ptr, _i64)
        arena, first, second, size = function.args
        n, m = load_field(b, first, LENGTH), load_field(b, second, LENGTH)
        result = b.call(self.new, [arena, b.add(n, m), size])
        with b.if_then(b.icmp_unsigned("==", result, ir.Constant(_ptr, None)), likely=False):
            b.ret(result)
        data = load_field(b, result, DATA)
        b.call(self.memmove, [data, load_field(b, first, DATA), b.mul(n, size)])
        tail = b.gep(data, [b.mul(n, size)], source_etype=ir.IntType(8))
        b.call(self.memmove, [tail, load_field(b, second, DATA), b.mul(m, size)])
        b.store(b.add(n, m), field(b, result, LENGTH))
        b.ret(result)

    def _repeat(self) -> None:
        """`repeat(arena, list, times, item_size) -> new list or NULL` (`xs * n`)."""
        function, b = self.function("repeat", _ptr, _ptr, _ptr, _i64, _i64)
        arena, header, times, size = function.args
        null = ir.Constant(_ptr, None)
        n = load_field(b, header, LENGTH)
        times = b.select(b.icmp_signed("<", times, _const(0)), _const(0), times)
        limit = b.sdiv(
            _const(ARENA_BUDGET), b.select(b.icmp_signed(">", n, _const(0)), n, _const(1))
        )
        with b.if_then(b.icmp_signed(">", times, limit), likely=False):
            b.ret(null)
        total = b.mul(n, times)
        result = b.call(self.new, [arena, total, size])
        with b.if_then(b.icmp_unsigned("==", result, null), likely=False):
            b.ret(result)
        data, source = load_field(b, result, DATA), load_field(b, header, DATA)
        chunk = b.mul(n, size)

        def copy(k: ir.Value) -> None:
            target = b.gep(data, [b.mul(k, chunk)], source_etype=ir.IntType(8))
            b.call(self.memmove, [target, source, chunk])

        loop(b, _const(0), times, copy)
        b.store(total, field(b, result, LENGTH))
        b.ret(result)

    def _range(self) -> None:
        """`range(arena, start, step, count) -> new list of ints or NULL`."""
        function, b = self.function("range", _ptr, _ptr, _i64, _i64, _i64)
        arena, start, step, count = function.args
        result = b.call(self.new, [arena, count, _const(8)])
        with b.if_then(b.icmp_unsigned("==", result, ir.Constant(_ptr, None)), likely=False):
            b.ret(result)
        loop(
            b,
            _const(0),
            count,
            lambda k: self.store_item(b, result, k, b.add(start, b.mul(k, step)), "i64"),
        )
        b.store(count, field(b, result, LENGTH))
        b.ret(result)

    def _slice(self, item: str) -> None:
        """`slice_<item>(arena, list, start, step, count) -> new list or NULL`, for
        normalized bounds (`slice.indices` then the slice length)."""
        function, b = self.function(f"slice_{item}", _ptr, _ptr, _ptr, _i64, _i64, _i64)
        arena, header, start, step, count = function.args
        result = b.call(self.new, [arena, count, _const(SIZE[item])])
        with b.if_then(b.icmp_unsigned("==", result, ir.Constant(_ptr, None)), likely=False):
            b.ret(result)

        def copy(k: ir.Value) -> None:
            value = self.load_item(b, header, b.add(start, b.mul(k, step)), item)
            self.store_item(b, result, k, value, item)

        loop(b, _const(0), count, copy)
        b.store(count, field(b, result, LENGTH))
        b.ret(result)

    def _equal(self, b: ir.IRBuilder, a: ir.Value, c: ir.Value, item: str) -> ir.Value:
        if item == "f64":
            return b.fcmp_ordered("==", a, c)
        return b.icmp_signed("==", a, c)

    def _compare(self, item: str) -> None:
        """`compare_<item>(a, b, predicate) -> 0, 1 or 2`: `list_richcompare`. Lists
        of different lengths are unequal without looking at items; otherwise the
        first pair of items that differ decides, and if none does, the lengths.
        Items are told apart as `PyObject_RichCompareBool` does, with an identity
        shortcut: two NaNs are equal if they are one object, which native items
        cannot tell, so a pair of NaNs answers 2 (undecided). `predicate` is the
        position in `pylist.COMPARE_PREDICATES` (eq ne lt le gt ge)."""
        function, b = self.function(f"compare_{item}", _i64, _ptr, _ptr, _i64)
        first, second, predicate = function.args
        n, m = load_field(b, first, LENGTH), load_field(b, second, LENGTH)
        is_equality = b.icmp_unsigned("<", predicate, _const(2))
        with b.if_then(b.and_(is_equality, b.icmp_signed("!=", n, m))):
            b.ret(b.zext(b.icmp_signed("==", predicate, _const(1)), _i64))

        def decide(x: ir.Value, y: ir.Value, fcmp: Any, icmp: Any) -> ir.Value:
            """The answer of `x <predicate> y`, as 0 or 1."""
            answers = [
                fcmp(symbol, x, y) if fcmp else icmp(symbol, x, y)
                for symbol in ("==", "!=", "<", "<=", ">", ">=")
            ]
            answer = answers[-1]
            for code in range(len(answers) - 2, -1, -1):
                answer = b.select(
                    b.icmp_signed("==", predicate, _const(code)), answers[code], answer
                )
            return b.zext(answer, _i64)

        def step(i: ir.Value) -> None:
            x = self.load_item(b, first, i, item)
            y = self.load_item(b, second, i, item)
            if item == "f64":
                both_nan = b.and_(b.fcmp_unordered("uno", x, x), b.fcmp_unordered("uno", y, y))
                with b.if_then(both_nan, likely=False):
                    b.ret(_const(2))
                differ = b.fcmp_unordered("!=", x, y)
                ordered = b.fcmp_ordered
                with b.if_then(differ):
                    # `!=` on the differing pair is true even for one NaN (unordered).
                    answer = decide(x, y, ordered, None)
                    b.ret(b.select(b.icmp_signed("==", predicate, _const(1)), _const(1), answer))
            else:
                compare = b.icmp_unsigned if item == "i1" else b.icmp_signed
                with b.if_then(compare("!=", x, y)):
                    b.ret(decide(x, y, None, compare))

        loop(b, _const(0), b.select(b.icmp_signed("<", n, m), n, m), step)
        b.ret(decide(n, m, None, b.icmp_signed))

    def _find(self, item: str) -> None:
        """`find_<item>(list, value, start, stop) -> index or -1` (the first equal item)."""
        function, b = self.function(f"find_{item}", _i64, _ptr, VALUE[item], _i64, _i64)
        header, value, start, stop = function.args
        n = load_field(b, header, LENGTH)
        stop = b.select(b.icmp_signed("<", stop, n), stop, n)

        def test(i: ir.Value) -> None:
            found = self._equal(b, self.load_item(b, header, i, item), value, item)
            with b.if_then(found):
                b.ret(i)

        loop(b, start, stop, test)
        b.ret(_const(-1))

    def _count(self, item: str) -> None:
        """`count_<item>(list, value) -> how many items equal value`."""
        function, b = self.function(f"count_{item}", _i64, _ptr, VALUE[item])
        header, value = function.args
        total = b.alloca(_i64)
        b.store(_const(0), total)

        def add(i: ir.Value) -> None:
            found = self._equal(b, self.load_item(b, header, i, item), value, item)
            b.store(b.add(b.load(total, typ=_i64), b.zext(found, _i64)), total)

        loop(b, _const(0), load_field(b, header, LENGTH), add)
        b.ret(b.load(total, typ=_i64))

    def _reverse(self, item: str) -> None:
        """`reverse_<item>(list)`: in place."""
        function, b = self.function(f"reverse_{item}", ir.VoidType(), _ptr)
        (header,) = function.args
        n = load_field(b, header, LENGTH)

        def swap(i: ir.Value) -> None:
            j = b.sub(b.sub(n, _const(1)), i)
            left = self.load_item(b, header, i, item)
            self.store_item(b, header, i, self.load_item(b, header, j, item), item)
            self.store_item(b, header, j, left, item)

        loop(b, _const(0), b.sdiv(n, _const(2)), swap)
        self.mark_dirty(b, header)
        b.ret_void()

    # ------------------------------------------------------------------ Python lists

    def _from_python(self, b: ir.IRBuilder, obj: ir.Value, item: str, fail: Any) -> ir.Value:
        """The native value of a Python item, calling `fail()` (which returns) if it
        has another type or does not fit."""
        if item == "i1":
            is_true = b.icmp_unsigned("==", obj, _address(True))
            with b.if_then(
                b.not_(b.or_(is_true, b.icmp_unsigned("==", obj, _address(False)))), likely=False
            ):
                fail()
            return is_true
        type_ = b.load(b.gep(obj, [_const(_OB_TYPE)], source_etype=ir.IntType(8)), typ=_ptr)
        expected = int if item == "i64" else float
        with b.if_then(b.icmp_unsigned("!=", type_, _address(expected)), likely=False):
            fail()
        if item == "i64":
            overflow = b.alloca(_i32)
            value = b.call(_LONG_AS, [obj, overflow])
            with b.if_then(
                b.icmp_signed("!=", b.load(overflow, typ=_i32), ir.Constant(_i32, 0)), likely=False
            ):
                fail()
            return value
        if _OB_FVAL is not None:
            return b.load(b.gep(obj, [_const(_OB_FVAL)], source_etype=ir.IntType(8)), typ=_f64)
        return b.call(_FLOAT_AS, [obj])

    def _to_python(self, b: ir.IRBuilder, value: ir.Value, item: str) -> ir.Value:
        if item == "i1":
            return b.call(_BOOL_FROM, [b.zext(value, _long)])
        if item == "i64":
            return b.call(_LONG_FROM, [value])
        return b.call(_FLOAT_FROM, [value])

    def _unbox(self, item: str) -> None:
        """`unbox_<item>(arena, obj) -> list or NULL`: a native copy of a Python list
        whose items all have exactly the item type."""
        function, b = self.function(f"unbox_{item}", _ptr, _ptr, _ptr)
        arena, obj = function.args
        null = ir.Constant(_ptr, None)
        type_ = b.load(b.gep(obj, [_const(_OB_TYPE)], source_etype=ir.IntType(8)), typ=_ptr)
        with b.if_then(b.icmp_unsigned("!=", type_, _address(list)), likely=False):
            b.ret(null)
        n = b.call(_LIST_SIZE, [obj])
        header = b.call(self.new, [arena, n, _const(SIZE[item])])
        with b.if_then(b.icmp_unsigned("==", header, null), likely=False):
            b.ret(null)

        def read(i: ir.Value) -> None:
            value = self._from_python(b, b.call(_LIST_GET, [obj, i]), item, lambda: b.ret(null))
            self.store_item(b, header, i, value, item)

        loop(b, _const(0), n, read)
        b.store(n, field(b, header, LENGTH))
        b.store(obj, field(b, header, ORIGIN))
        b.store(_const(0), field(b, header, DIRTY))
        b.ret(header)

    def _box(self, item: str) -> None:
        """`box_<item>(list) -> new reference or NULL`: the Python list (the one it
        came from or was boxed into before, or a new one)."""
        function, b = self.function(f"box_{item}", _ptr, _ptr)
        (header,) = function.args
        null = ir.Constant(_ptr, None)
        origin = load_field(b, header, ORIGIN)
        with b.if_then(b.icmp_unsigned("!=", origin, null)):
            b.call(_INCREF, [origin])
            b.ret(origin)
        n = load_field(b, header, LENGTH)
        obj = b.call(_LIST_NEW, [n])
        with b.if_then(b.icmp_unsigned("==", obj, null), likely=False):
            b.ret(null)

        def write(i: ir.Value) -> None:
            boxed = self._to_python(b, self.load_item(b, header, i, item), item)
            with b.if_then(b.icmp_unsigned("==", boxed, null), likely=False):
                b.call(_DECREF, [obj])
                b.ret(null)
            b.call(_LIST_SET, [obj, i, boxed])

        loop(b, _const(0), n, write)
        b.store(obj, field(b, header, ORIGIN))
        b.ret(obj)

    def _same(self, b: ir.IRBuilder, obj: ir.Value, value: ir.Value, item: str) -> ir.Value:
        """Whether the Python item `obj` already is `value` (then it is kept)."""
        if item == "i1":
            expected = b.select(value, _address(True), _address(False))
            return b.icmp_unsigned("==", obj, expected)
        type_ = b.load(b.gep(obj, [_const(_OB_TYPE)], source_etype=ir.IntType(8)), typ=_ptr)
        function = b.function
        before = b.block
        check = function.append_basic_block("same.value")
        done = function.append_basic_block("same.done")
        right_type = b.icmp_unsigned("==", type_, _address(int if item == "i64" else float))
        b.cbranch(right_type, check, done)
        b.position_at_end(check)
        if item == "i64":
            overflow = b.alloca(_i32)
            current = b.call(_LONG_AS, [obj, overflow])
            fits = b.icmp_signed("==", b.load(overflow, typ=_i32), ir.Constant(_i32, 0))
            equal = b.and_(fits, b.icmp_signed("==", current, value))
        else:
            current = b.call(_FLOAT_AS, [obj])
            equal = b.icmp_unsigned("==", b.bitcast(current, _i64), b.bitcast(value, _i64))
        checked = b.block
        b.branch(done)
        b.position_at_end(done)
        result = b.phi(_i1)
        result.add_incoming(ir.Constant(_i1, 0), before)
        result.add_incoming(equal, checked)
        return result

    def _reflect(self, item: str) -> None:
        """`reflect_<item>(list) -> 0, or -1 with an exception set`: write a changed
        native list back into the Python list it came from."""
        function, b = self.function(f"reflect_{item}", _i32, _ptr)
        (header,) = function.args
        null = ir.Constant(_ptr, None)
        failed = ir.Constant(_i32, -1)
        with b.if_then(b.icmp_signed("==", load_field(b, header, DIRTY), _const(0))):
            b.ret(ir.Constant(_i32, 0))
        obj = load_field(b, header, ORIGIN)
        old = b.call(_LIST_SIZE, [obj])
        n = load_field(b, header, LENGTH)
        common = b.select(b.icmp_signed("<", n, old), n, old)

        def update(i: ir.Value) -> None:
            value = self.load_item(b, header, i, item)
            same = self._same(b, b.call(_LIST_GET, [obj, i]), value, item)
            with b.if_then(b.not_(same)):
                boxed = self._to_python(b, value, item)
                with b.if_then(b.icmp_unsigned("==", boxed, null), likely=False):
                    b.ret(failed)
                b.call(_LIST_SET, [obj, i, boxed])

        loop(b, _const(0), common, update)
        with b.if_then(b.icmp_signed("<", n, old)):
            cut = b.call(_LIST_SET_SLICE, [obj, n, old, null])
            with b.if_then(b.icmp_signed("<", cut, ir.Constant(_i32, 0)), likely=False):
                b.ret(failed)

        def append(i: ir.Value) -> None:
            boxed = self._to_python(b, self.load_item(b, header, i, item), item)
            with b.if_then(b.icmp_unsigned("==", boxed, null), likely=False):
                b.ret(failed)
            status = b.call(_LIST_APPEND, [obj, boxed])
            b.call(_DECREF, [boxed])
            with b.if_then(b.icmp_signed("<", status, ir.Constant(_i32, 0)), likely=False):
                b.ret(failed)

        loop(b, old, n, append)
        b.store(_const(0), field(b, header, DIRTY))
        b.ret(ir.Constant(_i32, 0))


class Runtime:
    """The compiled runtime library: addresses of its functions, registered as symbols."""

    def __init__(self) -> None:
        from graphlet.backend.jit import JitEngine

        library = _Library()
        declare_externals(library.module)
        self.engine = JitEngine(str(library.module))
        self.types: dict[str, ir.FunctionType] = {}
        for function in library.module.functions:
            if function.name.startswith(PREFIX):
                llvm.add_symbol(function.name, self.engine.address(function.name))
                self.types[function.name] = function.function_type

    def function(self, name: str) -> _Extern:
        """A callable constant for `IRBuilder.call` in another module (the wrapper),
        by symbol: code calling it can be cached."""
        full = PREFIX + name
        return _Extern(full, self.types[full])

    def unbox(self, item: str) -> _Extern:
        return self.function(f"unbox_{item}")

    def box(self, item: str) -> _Extern:
        return self.function(f"box_{item}")

    def reflect(self, item: str) -> _Extern:
        return self.function(f"reflect_{item}")


_runtime: Runtime | None = None
_lock = threading.Lock()


def runtime() -> Runtime:
    """The runtime library, compiled on first use."""
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = Runtime()
    return _runtime


def provide_symbols(external_symbols: Iterable[str]) -> None:
    """Load the runtime library if code calling `external_symbols` needs one of its
    functions."""
    if any(name.startswith(PREFIX) for name in external_symbols):
        runtime()
