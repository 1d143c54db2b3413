"""NumPy arrays in native code: how they cross the CPython wrapper, the undo log and
the arrays a call owns, and the array runtime library.

An array argument is not copied: the wrapper checks that it is exactly an
`ndarray` of the compiled dtype (its descriptor is NumPy's canonical one for that
dtype), number of dimensions, alignment and (for code that writes it) writeability,
then passes its object, data pointer, lengths and byte strides (`PyArrayObject`:
data at byte 16, nd at 24, dimensions at 32, strides at 40, descr at 56, flags at 64).

A call's arena (on the wrapper's stack, see `graphlet.backend.lists`) has, after the
list fields, an undo log and the arrays the call made:

    struct arena { list *head; i64 bytes;
                   entry *log; i64 log_length; i64 log_capacity;
                   PyObject **owned; i64 owned_length; i64 owned_capacity; }
    struct entry { i8 *address; i64 old_bytes; i64 size; }

Compiled code writes arrays the caller can see in place, recording each element's
old bytes first (`graphlet_array_log`); a call that hands back to Python has its log
replayed backwards (`emit_release(..., undo=True)`), so CPython reruns it on the
arrays as they were. Arrays made by compiled code (`np.empty`, `np.zeros`, ...) are
made by NumPy itself (through `numpy.empty` and friends) and owned by the arena until
the call returns; a returned one is a new reference, so it outlives compiled code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import llvmlite.binding as llvm
import llvmlite.ir as ir
import numpy as np

from graphlet import abi
from graphlet.backend.cpython_wrapper import (
    _BOOL_FROM,
    _FLOAT_FROM,
    _LONG_FROM,
    _OB_TYPE,
    _address,
    _c_api,
    _f64,
    _i1,
    _i32,
    _i64,
    _long,
    _ptr,
    declare_externals,
)

PREFIX = "graphlet_array_"
LOG, LOG_LENGTH, LOG_CAPACITY = abi.ARENA_LOG, abi.ARENA_LOG_LENGTH, abi.ARENA_LOG_CAPACITY
OWNED, OWNED_LENGTH, OWNED_CAPACITY = (
    abi.ARENA_OWNED,
    abi.ARENA_OWNED_LENGTH,
    abi.ARENA_OWNED_CAPACITY,
)
ARENA_FIELDS = abi.ARENA_FIELDS
ENTRY = ir.LiteralStructType([_ptr, _i64, _i64])
ENTRY_BYTES = 24
DATA_OFFSET, ND_OFFSET, DIMS_OFFSET, STRIDES_OFFSET, DESCR_OFFSET, FLAGS_OFFSET = (
    abi.ARRAY_DATA_OFFSET,
    abi.ARRAY_ND_OFFSET,
    abi.ARRAY_DIMS_OFFSET,
    abi.ARRAY_STRIDES_OFFSET,
    abi.ARRAY_DESCR_OFFSET,
    abi.ARRAY_FLAGS_OFFSET,
)
NPY_ALIGNED, NPY_WRITEABLE = 0x0100, 0x0400

DTYPES = ("float64", "float32", "int64", "int32", "bool")
CANONICAL = {name: np.dtype(name) for name in DTYPES}
"""NumPy's descriptor objects for the compiled dtypes (the ones arrays of those
dtypes in native byte order share)."""
STORAGE: dict[str, ir.Type] = {
    "float64": _f64,
    "float32": ir.FloatType(),
    "int64": _i64,
    "int32": _i32,
    "bool": ir.IntType(8),
}
SCALAR_TYPES = {name: CANONICAL[name].type for name in DTYPES}
"""The NumPy scalar type an element of each dtype is read as (`np.float64`, ...)."""

_VECTORCALL = _c_api("PyObject_Vectorcall", _ptr, _ptr, _ptr, _i64, _ptr)
_ERR_CLEAR = _c_api("PyErr_Clear", ir.VoidType())
_INCREF = _c_api("Py_IncRef", ir.VoidType(), _ptr)
_DECREF = _c_api("Py_DecRef", ir.VoidType(), _ptr)
_VOIDPTR_FROM = _c_api("PyLong_FromVoidPtr", _ptr, _ptr)


def _allocator(fill: str, dtype: str) -> Any:
    make = {"empty": np.empty, "zeros": np.zeros, "ones": np.ones}[fill]
    descr = CANONICAL[dtype]

    def allocate(*shape: int) -> np.ndarray:
        return make(shape, descr)

    return allocate


ALLOCATORS = {
    (fill, dtype): _allocator(fill, dtype)
    for fill in ("empty", "zeros", "ones")
    for dtype in DTYPES
}
"""Python callables the runtime calls to make a new array (kept alive by this module)."""


class _Holder:
    """Exposes a view of `owner`'s memory to NumPy; the view's `.base` keeps `owner` alive."""

    def __init__(
        self, owner: np.ndarray, data: int, shape: tuple[int, ...], strides: tuple[int, ...]
    ) -> None:
        self.owner = owner
        self.__array_interface__ = {
            "version": 3,
            "shape": shape,
            "strides": strides,
            "typestr": owner.dtype.str,
            "data": (data, not owner.flags.writeable),
        }


def box_array(owner: np.ndarray, is_view: bool, data: int, *dims_and_strides: int) -> np.ndarray:
    """A view compiled code returns: a new array on `owner`'s memory with the given data
    pointer, lengths and strides (its `.base` is a holder that keeps `owner` alive)."""
    if not is_view:
        return owner
    ndim = len(dims_and_strides) // 2
    shape, strides = dims_and_strides[:ndim], dims_and_strides[ndim:]
    return np.asarray(_Holder(owner, data, shape, strides))


def _const(value: int) -> ir.Constant:
    return ir.Constant(_i64, value)


def arena_field(b: ir.IRBuilder, arena: ir.Value, index: int) -> ir.Value:
    return b.gep(arena, [_const(index)], source_etype=_i64)


def _byte(b: ir.IRBuilder, obj: ir.Value, offset: int, typ: ir.Type) -> ir.Value:
    return b.load(b.gep(obj, [_const(offset)], source_etype=ir.IntType(8)), typ=typ)


def _grow(
    b: ir.IRBuilder, realloc: ir.Value, arena: ir.Value, data: int, capacity: int, size: int
) -> tuple[ir.Value, ir.Value]:
    """Room for one more entry of `size` bytes in the arena's vector at field `data`;
    returns (storage, length) or branches to return 0 (false) when realloc fails."""
    length = b.load(arena_field(b, arena, data + 1), typ=_i64)
    cap = b.load(arena_field(b, arena, capacity), typ=_i64)
    with b.if_then(b.icmp_signed("==", length, cap), likely=False):
        doubled = b.mul(cap, _const(2))
        new_cap = b.select(b.icmp_signed("<", doubled, _const(16)), _const(16), doubled)
        old = b.load(arena_field(b, arena, data), typ=_ptr)
        grown = b.call(realloc, [old, b.mul(new_cap, _const(size))])
        with b.if_then(b.icmp_unsigned("==", grown, ir.Constant(_ptr, None)), likely=False):
            b.ret(ir.Constant(b.function.function_type.return_type, None))
        b.store(grown, arena_field(b, arena, data))
        b.store(new_cap, arena_field(b, arena, capacity))
    storage = b.load(arena_field(b, arena, data), typ=_ptr)
    return storage, length


class _Library:
    def __init__(self) -> None:
        self.module = ir.Module("graphlet_arrays")
        m = self.module
        self.realloc = ir.Function(m, ir.FunctionType(_ptr, [_ptr, _i64]), "realloc")
        self._log()
        for fill in ("empty", "zeros", "ones"):
            for dtype in DTYPES:
                self._new(fill, dtype)
        for dtype in ("float64", "float32"):
            self._pairwise_sum(dtype)

    def function(
        self, name: str, result: ir.Type, *args: ir.Type
    ) -> tuple[ir.Function, ir.IRBuilder]:
        function = ir.Function(self.module, ir.FunctionType(result, args), PREFIX + name)
        return function, ir.IRBuilder(function.append_basic_block("entry"))

    def _log(self) -> None:
        """`log(arena, address, size) -> ok`: record the `size` bytes at `address`."""
        function, b = self.function("log", _i1, _ptr, _ptr, _i64)
        arena, address, size = function.args
        storage, length = _grow(b, self.realloc, arena, LOG, LOG_CAPACITY, ENTRY_BYTES)
        entry = b.gep(storage, [length], source_etype=ENTRY)
        old = b.alloca(_i64)
        b.store(_const(0), old)
        for width, typ in ((1, ir.IntType(8)), (4, _i32), (8, _i64)):
            with b.if_then(b.icmp_signed("==", size, _const(width))):
                b.store(b.load(address, typ=typ), b.bitcast(old, typ.as_pointer()))
        fields = [address, b.load(old, typ=_i64), size]
        for index, value in enumerate(fields):
            b.store(
                value,
                b.gep(entry, [ir.Constant(_i32, 0), ir.Constant(_i32, index)], source_etype=ENTRY),
            )
        b.store(b.add(length, _const(1)), arena_field(b, arena, LOG_LENGTH))
        b.ret(ir.Constant(_i1, 1))

    def _new(self, fill: str, dtype: str) -> None:
        """`new_<fill>_<dtype>(arena, ndim, n0, n1, n2) -> array or NULL`: NumPy makes it;
        the arena owns it."""
        function, b = self.function(f"new_{fill}_{dtype}", _ptr, _ptr, _i64, _i64, _i64, _i64)
        arena, ndim, *dims = function.args
        null = ir.Constant(_ptr, None)
        storage, length = _grow(b, self.realloc, arena, OWNED, OWNED_CAPACITY, 8)
        args = b.alloca(_ptr, 3)
        for axis, dim in enumerate(dims):
            b.store(b.call(_LONG_FROM, [dim]), b.gep(args, [_const(axis)], source_etype=_ptr))
        array = b.call(_VECTORCALL, [_address(ALLOCATORS[(fill, dtype)]), args, ndim, null])
        for axis in range(3):
            with b.if_then(b.icmp_signed(">", ndim, _const(axis))):
                b.call(_DECREF, [b.load(b.gep(args, [_const(axis)], source_etype=_ptr), typ=_ptr)])
        with b.if_then(b.icmp_unsigned("==", array, null), likely=False):
            b.call(_ERR_CLEAR, [])
            b.ret(null)
        b.store(array, b.gep(storage, [length], source_etype=_ptr))
        b.store(b.add(length, _const(1)), arena_field(b, arena, OWNED_LENGTH))
        b.ret(array)

    def _pairwise_sum(self, dtype: str) -> None:
        """`sum_<dtype>(data, n, stride) -> f64`: NumPy's `pairwise_sum` (in
        `loops_utils.h`), accumulating in the element type, the result widened."""
        t = STORAGE[dtype]
        function = ir.Function(
            self.module, ir.FunctionType(t, [_ptr, _i64, _i64]), f"{PREFIX}pairwise_{dtype}"
        )
        data, n, stride = function.args
        b = ir.IRBuilder(function.append_basic_block("entry"))

        def at(i: ir.Value) -> ir.Value:
            return b.load(b.gep(data, [b.mul(i, stride)], source_etype=ir.IntType(8)), typ=t)

        acc = b.alloca(t)
        r = b.alloca(t, 8)
        small = function.append_basic_block("small")
        medium = function.append_basic_block("medium")
        large = function.append_basic_block("large")
        not_small = function.append_basic_block("not_small")
        b.cbranch(b.icmp_signed("<", n, _const(8)), small, not_small)
        b.position_at_end(not_small)
        b.cbranch(b.icmp_signed("<=", n, _const(128)), medium, large)

        from graphlet.backend.lists import loop

        b.position_at_end(small)
        b.store(ir.Constant(t, -0.0), acc)
        loop(b, _const(0), n, lambda i: b.store(b.fadd(b.load(acc, typ=t), at(i)), acc))
        b.ret(b.load(acc, typ=t))

        b.position_at_end(medium)
        for j in range(8):
            b.store(at(_const(j)), b.gep(r, [_const(j)], source_etype=t))
        whole = b.sub(n, b.srem(n, _const(8)))

        def block(i: ir.Value) -> None:
            for j in range(8):
                slot = b.gep(r, [_const(j)], source_etype=t)
                b.store(b.fadd(b.load(slot, typ=t), at(b.add(i, _const(j)))), slot)

        loop_blocks(b, _const(8), whole, 8, block)
        rr = [b.load(b.gep(r, [_const(j)], source_etype=t), typ=t) for j in range(8)]
        res = b.fadd(
            b.fadd(b.fadd(rr[0], rr[1]), b.fadd(rr[2], rr[3])),
            b.fadd(b.fadd(rr[4], rr[5]), b.fadd(rr[6], rr[7])),
        )
        b.store(res, acc)
        loop(b, whole, n, lambda i: b.store(b.fadd(b.load(acc, typ=t), at(i)), acc))
        b.ret(b.load(acc, typ=t))

        b.position_at_end(large)
        half = b.sdiv(n, _const(2))
        half = b.sub(half, b.srem(half, _const(8)))
        first = b.call(function, [data, half, stride])
        rest = b.gep(data, [b.mul(half, stride)], source_etype=ir.IntType(8))
        second = b.call(function, [rest, b.sub(n, half), stride])
        b.ret(b.fadd(first, second))

        outer, ob = self.function(f"sum_{dtype}", _f64, _ptr, _i64, _i64)
        total = ob.fadd(ir.Constant(t, 0.0), ob.call(function, list(outer.args)))
        ob.ret(total if dtype == "float64" else ob.fpext(total, _f64))


def loop_blocks(b: ir.IRBuilder, start: ir.Value, stop: ir.Value, step: int, body: Any) -> None:
    """`for i in range(start, stop, step): body(i)` for a positive constant step."""
    function = b.function
    before = b.block
    test = function.append_basic_block("blocks")
    inside = function.append_basic_block("blocks.body")
    after = function.append_basic_block("blocks.end")
    b.branch(test)
    b.position_at_end(test)
    i = b.phi(_i64)
    i.add_incoming(start, before)
    b.cbranch(b.icmp_signed("<", i, stop), inside, after)
    b.position_at_end(inside)
    body(i)
    i.add_incoming(b.add(i, _const(step)), b.block)
    b.branch(test)
    b.position_at_end(after)


class Runtime:
    def __init__(self) -> None:
        from graphlet.backend.jit import JitEngine

        library = _Library()
        declare_externals(library.module)
        self.engine = JitEngine(str(library.module))
        for function in library.module.functions:
            if function.name.startswith(PREFIX) and not function.is_declaration:
                llvm.add_symbol(function.name, self.engine.address(function.name))


_runtime: Runtime | None = None
_lock = threading.Lock()


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = Runtime()
    return _runtime


def provide_symbols(external_symbols: Iterable[str]) -> None:
    """Load the array runtime if code calling `external_symbols` needs it."""
    if any(name.startswith(PREFIX) for name in external_symbols):
        runtime()


# --------------------------------------------------------------------------- the wrapper's side


def emit_init(b: ir.IRBuilder, arena: ir.Value) -> None:
    for index in range(2, ARENA_FIELDS):
        b.store(_const(0), arena_field(b, arena, index))


def emit_release(b: ir.IRBuilder, arena: ir.Value, undo: bool) -> None:
    """Release what the call's arena holds for arrays: replay the undo log backwards
    when `undo` (the call handed back), then drop it, and the arrays the call made."""
    module = b.module
    free = module.globals.get("free") or ir.Function(
        module, ir.FunctionType(ir.VoidType(), [_ptr]), "free"
    )
    from graphlet.backend.lists import loop

    log = b.load(arena_field(b, arena, LOG), typ=_ptr)
    if undo:
        length = b.load(arena_field(b, arena, LOG_LENGTH), typ=_i64)

        def restore(i: ir.Value) -> None:
            entry = b.gep(log, [i], source_etype=ENTRY)
            parts = [
                b.load(
                    b.gep(entry, [ir.Constant(_i32, 0), ir.Constant(_i32, k)], source_etype=ENTRY),
                    typ=t,
                )
                for k, t in enumerate((_ptr, _i64, _i64))
            ]
            address, old, size = parts
            for width, typ in ((1, ir.IntType(8)), (4, _i32), (8, _i64)):
                with b.if_then(b.icmp_signed("==", size, _const(width))):
                    b.store(b.trunc(old, typ) if width < 8 else old, address)

        loop(b, b.sub(length, _const(1)), _const(-1), restore, step=-1)
    b.call(free, [log])
    owned = b.load(arena_field(b, arena, OWNED), typ=_ptr)
    count = b.load(arena_field(b, arena, OWNED_LENGTH), typ=_i64)
    loop(
        b,
        _const(0),
        count,
        lambda i: b.call(_DECREF, [b.load(b.gep(owned, [i], source_etype=_ptr), typ=_ptr)]),
    )
    b.call(free, [owned])
    emit_init(b, arena)


def check_array(
    b: ir.IRBuilder, check: Any, obj: ir.Value, dtype: str, ndim: int, writeable: bool
) -> list[ir.Value]:
    """Unbox an array argument: [object, data, lengths..., strides...] (no copy)."""
    check(b.icmp_unsigned("==", _byte(b, obj, _OB_TYPE, _ptr), _address(np.ndarray)))
    check(b.icmp_unsigned("==", _byte(b, obj, DESCR_OFFSET, _ptr), _address(CANONICAL[dtype])))
    check(b.icmp_signed("==", _byte(b, obj, ND_OFFSET, _i32), ir.Constant(_i32, ndim)))
    flags = _byte(b, obj, FLAGS_OFFSET, _i32)
    need = NPY_ALIGNED | (NPY_WRITEABLE if writeable else 0)
    want = ir.Constant(_i32, need)
    check(b.icmp_signed("==", b.and_(flags, want), want))
    if not writeable:  # a version for read-only arrays runs only on them
        check(
            b.icmp_signed(
                "==", b.and_(flags, ir.Constant(_i32, NPY_WRITEABLE)), ir.Constant(_i32, 0)
            )
        )
    data = _byte(b, obj, DATA_OFFSET, _ptr)
    dims = _byte(b, obj, DIMS_OFFSET, _ptr)
    strides = _byte(b, obj, STRIDES_OFFSET, _ptr)
    lengths = [b.load(b.gep(dims, [_const(k)], source_etype=_i64), typ=_i64) for k in range(ndim)]
    steps = [b.load(b.gep(strides, [_const(k)], source_etype=_i64), typ=_i64) for k in range(ndim)]
    return [obj, data, *lengths, *steps]


def emit_box_array(b: ir.IRBuilder, slots: list[ir.Value], is_view: bool) -> ir.Value:
    """A new reference to the returned array: the array object itself, or a view made
    by `box_array`; NULL with an exception set if that fails."""
    obj, data, *rest = slots
    null = ir.Constant(_ptr, None)
    if not is_view:
        b.call(_INCREF, [obj])
        return obj
    args = b.alloca(_ptr, len(slots) + 1)
    values = [obj, _address(True), b.call(_VOIDPTR_FROM, [data])]
    values += [b.call(_LONG_FROM, [value]) for value in rest]
    for k, value in enumerate(values):
        b.store(value, b.gep(args, [_const(k)], source_etype=_ptr))
    result = b.call(_VECTORCALL, [_address(box_array), args, _const(len(values)), null])
    for value in values[2:]:
        b.call(_DECREF, [value])
    return result


def emit_box_scalar(b: ir.IRBuilder, dtype: str, value: ir.Value) -> ir.Value:
    """A new reference to the NumPy scalar (`np.float64(x)`, ...) of an element value
    in its compute type (f64, i64 or an i64 slot holding a bool), or NULL."""
    null = ir.Constant(_ptr, None)
    if dtype in ("float64", "float32"):
        base = b.call(_FLOAT_FROM, [value])
    elif dtype == "bool":
        base = b.call(_BOOL_FROM, [b.zext(b.icmp_signed("!=", value, _const(0)), _long)])
    else:
        base = b.call(_LONG_FROM, [value])
    args = b.alloca(_ptr, 1)
    b.store(base, args)
    result = b.call(_VECTORCALL, [_address(SCALAR_TYPES[dtype]), args, _const(1), null])
    b.call(_DECREF, [base])
    return result
