"""CPython builtin functions that call compiled code with no Python frame and no ctypes.

    from graphlet.backend.cpython_wrapper import make_fast_callable
    add = make_fast_callable(engine, "add", ("i64", "i64"), ("i64",), slow_path)
    add(2, 3)        # unbox, call _mlir_ciface_add, box: ~30 ns instead of ~8 µs
    add(2**70, 1)    # returns slow_path(2**70, 1)

API. `make_fast_callable(engine, name, arg_types, result_types, slow_path, *,
on_status=None, guards=(), absent=<sentinel>, trailing_args=())` returns a builtin
function calling `_mlir_ciface_<name>` of `engine`. It is `compile_wrapper(...)` (a
`CompiledWrapper`: the native code, in a `JitEngine` of its own) then
`.bind(slow_path, on_status)`; one wrapper can be bound many times (different slow
paths, same code) and `.calls` counts the calls that reached the target. Types are
"i1", "i64", "f64" or the equal xDSL types.

A call runs natively only when it has exactly the expected positional arguments and no
keywords, each exactly a `bool` (i1), an `int` that fits in i64 (i64) or a `float`
(f64), and every guard `(namespace, name, expected)` holds: `namespace[name] is
expected`, or with `expected` being `absent`, the name is missing (one `PyDict_GetItem`
per guard, so a changed global can never run stale code). Then the target gets a
stack result buffer, the unboxed arguments and `trailing_args` as extra i64s (the C
interface of `convert-func-to-llvm`). Status 0: the results are boxed (a tuple for
several, None for none). A non-zero status returns `on_status(status, *args)`
(default: `slow_path(*args)`); anything else returns `slow_path(*args, **kwargs)` with
the call's original arguments, so a Python slow path raises CPython's TypeError for a
bad call. Exceptions propagate (NULL with the error set).

Lifetime: the builtin's `self` is the tuple (slow_path, on_status, CompiledWrapper),
and the CompiledWrapper holds its engine, the target's engine, the PyMethodDef and
the guard objects whose addresses the code embeds. Reference counts are only touched
through C-API functions (objects are immortal in 3.12+). The ob_type and
PyFloatObject.ob_fval offsets come from `__basicsize__` and are checked on a live
object at import; float reads fall back to `PyFloat_AsDouble` if that check fails.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import llvmlite.ir as ir

from graphlet.backend.jit import JitEngine

METH_KEYWORDS = 0x0002
METH_FASTCALL = 0x0080
WRAPPER_NAME = "graphlet_fastcall"
TYPES = ("i1", "i64", "f64")

if ctypes.sizeof(ctypes.c_void_p) != 8:
    raise ImportError("graphlet's CPython wrappers need a 64-bit CPython")

_api = ctypes.pythonapi
_i1, _i32, _i64 = ir.IntType(1), ir.IntType(32), ir.IntType(64)
_long = ir.IntType(8 * ctypes.sizeof(ctypes.c_long))
_f64, _ptr = ir.DoubleType(), ir.PointerType()


def _verified_offset(offset: int, probe: object, ctype: type, expected: object) -> int | None:
    """`offset` if the field there in `probe` reads `expected` (it does in the usual
    builds; debug or free-threaded builds may differ), else None."""
    return offset if ctype.from_address(id(probe) + offset).value == expected else None


_PROBE = 1.0e300 + 0.5
_OB_TYPE = _verified_offset(object.__basicsize__ - 8, _PROBE, ctypes.c_void_p, id(float))
_OB_FVAL = _verified_offset(float.__basicsize__ - 8, _PROBE, ctypes.c_double, _PROBE)
if _OB_TYPE is None:
    raise ImportError("graphlet: unexpected PyObject layout (ob_type)")


class _FunctionAt(ir.values.FormattedConstant):
    """A C function at a fixed address, for `IRBuilder.call`."""

    def __init__(self, address: int, function_type: ir.FunctionType) -> None:
        super().__init__(_ptr, f"inttoptr (i64 {address} to ptr)")
        self.function_type = function_type


def _c_api(name: str, result: ir.Type, *args: ir.Type) -> _FunctionAt:
    address = ctypes.cast(getattr(_api, name), ctypes.c_void_p).value
    return _FunctionAt(address, ir.FunctionType(result, args))


def _address(obj: object) -> ir.Constant:
    return ir.Constant(_i64, id(obj)).inttoptr(_ptr)


_LONG_AS = _c_api("PyLong_AsLongLongAndOverflow", _i64, _ptr, _ptr)
_FLOAT_AS = _c_api("PyFloat_AsDouble", _f64, _ptr)
_LONG_FROM = _c_api("PyLong_FromLongLong", _ptr, _i64)
_FLOAT_FROM = _c_api("PyFloat_FromDouble", _ptr, _f64)
_BOOL_FROM = _c_api("PyBool_FromLong", _ptr, _long)
_TUPLE_NEW = _c_api("PyTuple_New", _ptr, _i64)
_TUPLE_SET = _c_api("PyTuple_SetItem", _i32, _ptr, _i64, _ptr)
_TUPLE_GET = _c_api("PyTuple_GetItem", _ptr, _ptr, _i64)
_DICT_GET = _c_api("PyDict_GetItem", _ptr, _ptr, _ptr)
_INCREF = _c_api("Py_IncRef", ir.VoidType(), _ptr)
_DECREF = _c_api("Py_DecRef", ir.VoidType(), _ptr)
_VECTORCALL = _c_api("PyObject_Vectorcall", _ptr, _ptr, _ptr, _i64, _ptr)


class _MethodDef(ctypes.Structure):
    _fields_ = [
        ("ml_name", ctypes.c_char_p),
        ("ml_meth", ctypes.c_void_p),
        ("ml_flags", ctypes.c_int),
        ("ml_doc", ctypes.c_char_p),
    ]


_new_function = _api.PyCFunction_NewEx
_new_function.argtypes = [ctypes.POINTER(_MethodDef), ctypes.py_object, ctypes.c_void_p]
_new_function.restype = ctypes.py_object

_ABSENT = object()


def _type_name(t: Any) -> Any:
    if isinstance(t, tuple):  # a structured value spec (see graphlet.backend.pyvalues)
        from graphlet.backend.pyvalues import validate

        return validate(t)
    name = t if isinstance(t, str) else str(t)
    if name not in TYPES:
        raise TypeError(f"no fast-call conversion for {t} (supported: {', '.join(TYPES)})")
    return name


class CompiledWrapper:
    """The native code of one wrapper. `bind` makes builtin functions of it; `calls`
    counts the calls that reached the target (whatever their status)."""

    def __init__(
        self,
        address: int,
        arg_types: Sequence[Any],
        result_types: Sequence[Any],
        *,
        keep_alive: object,
        guards: Iterable[tuple[dict, str, object]] = (),
        absent: object = _ABSENT,
        trailing_args: Sequence[int] = (),
        arena: bool = False,
        name: str = WRAPPER_NAME,
        doc: str | None = None,
    ) -> None:
        self.arg_types = tuple(map(_type_name, arg_types))
        self.result_types = tuple(map(_type_name, result_types))
        self.guards = tuple(
            (ns, key, _ABSENT if value is absent else value) for ns, key, value in guards
        )
        for namespace, key, _ in self.guards:
            if type(namespace) is not dict or type(key) is not str:
                raise TypeError("fast-call guards need plain dicts and str keys")
        self.keep_alive = keep_alive
        self._counter = ctypes.c_int64(0)
        llvm_ir = str(
            _wrapper_module(
                address,
                self.arg_types,
                self.result_types,
                self.guards,
                tuple(trailing_args),
                ctypes.addressof(self._counter),
                arena,
            )
        )
        self.engine = JitEngine(llvm_ir)
        self._method = _MethodDef(
            name.encode(),
            self.engine.address(WRAPPER_NAME),
            METH_FASTCALL | METH_KEYWORDS,
            doc.encode() if doc else None,
        )

    @property
    def calls(self) -> int:
        return self._counter.value

    def bind(
        self, slow_path: Callable[..., Any], on_status: Callable[..., Any] | None = None
    ) -> Any:
        """A builtin function running this wrapper; see the module docstring."""
        if on_status is None:
            on_status = _drop_status(slow_path)
        return _new_function(ctypes.byref(self._method), (slow_path, on_status, self), None)


def _drop_status(slow_path: Callable[..., Any]) -> Callable[..., Any]:
    def on_status(status: int, *args: Any) -> Any:
        return slow_path(*args)

    return on_status


def compile_wrapper(
    engine: JitEngine,
    name: str,
    arg_types: Sequence[Any],
    result_types: Sequence[Any],
    **options: Any,
) -> CompiledWrapper:
    """A wrapper for `_mlir_ciface_<name>` of `engine` (kept alive by the wrapper)."""
    return CompiledWrapper(
        engine.c_interface_address(name),
        arg_types,
        result_types,
        keep_alive=engine,
        name=name,
        **options,
    )


def make_fast_callable(
    engine: JitEngine,
    name: str,
    arg_types: Sequence[Any],
    result_types: Sequence[Any],
    slow_path: Callable[..., Any],
    *,
    on_status: Callable[..., Any] | None = None,
    **options: Any,
) -> Any:
    """A builtin function calling `_mlir_ciface_<name>` of `engine`; see the module docstring."""
    return compile_wrapper(engine, name, arg_types, result_types, **options).bind(
        slow_path, on_status
    )


def _wrapper_module(
    target: int,
    arg_types: tuple[str, ...],
    result_types: tuple[str, ...],
    guards: tuple[tuple[dict, str, object], ...],
    trailing: tuple[int, ...],
    counter: int,
    arena: bool = False,
) -> ir.Module:
    """`PyObject *graphlet_fastcall(self, args, nargs, kwnames)`: unbox, check the
    guards, count, call, box; any mismatch goes to the slow path. Structured values
    (tuples, lists, complex, ...) are unboxed and boxed by `pyvalues`; with `arena`,
    the target also gets a pointer to the call's list arena (freed on every exit)
    and argument lists are written back when the call succeeds."""
    from graphlet.backend import arrays, lists, pyvalues

    module = ir.Module()
    function = ir.Function(module, ir.FunctionType(_ptr, (_ptr, _ptr, _i64, _ptr)), WRAPPER_NAME)
    self_, args, nargs, kwnames = function.args
    b = ir.IRBuilder(function.append_basic_block("entry"))
    slow = function.append_basic_block("slow")

    def check(ok: ir.Value) -> None:
        """Continue in a new block when `ok`, else take the slow path."""
        next_block = function.append_basic_block()
        b.cbranch(ok, next_block, slow)
        b.position_at_end(next_block)

    slot_total = sum(pyvalues.slot_count(kind) for kind in result_types)
    results = b.alloca(_i64, 1 + slot_total)
    overflow = b.alloca(_i32)
    status_args = b.alloca(_ptr, 1 + len(arg_types))
    # struct arena {head, bytes, then the array fields of graphlet.backend.arrays}
    arena_slot = b.alloca(_ptr, arrays.ARENA_FIELDS) if arena else None
    if arena_slot is not None:
        for field in range(2):
            b.store(
                ir.Constant(_ptr, None),
                b.gep(arena_slot, [ir.Constant(_i64, field)], source_etype=_ptr),
            )
        arrays.emit_init(b, arena_slot)

    def free_arena(undo: bool = False) -> None:
        if arena_slot is not None:
            lists.emit_free_arena(b, arena_slot)
            arrays.emit_release(b, arena_slot, undo)

    check(
        b.and_(
            b.icmp_signed("==", nargs, ir.Constant(_i64, len(arg_types))),
            b.icmp_unsigned("==", kwnames, ir.Constant(_ptr, None)),
        )
    )

    def unbox_scalar(kind: str, arg: ir.Value) -> ir.Value:
        if kind == "i1":
            is_true = b.icmp_unsigned("==", arg, _address(True))
            check(b.or_(is_true, b.icmp_unsigned("==", arg, _address(False))))
            return is_true
        type_ = b.load(
            b.gep(arg, [ir.Constant(_i64, _OB_TYPE)], source_etype=ir.IntType(8)), typ=_ptr
        )
        check(b.icmp_unsigned("==", type_, _address(int if kind == "i64" else float)))
        if kind == "i64":
            value = b.call(_LONG_AS, [arg, overflow])
            check(b.icmp_signed("==", b.load(overflow, typ=_i32), ir.Constant(_i32, 0)))
            return value
        if _OB_FVAL is not None:
            return b.load(
                b.gep(arg, [ir.Constant(_i64, _OB_FVAL)], source_etype=ir.IntType(8)), typ=_f64
            )
        return b.call(_FLOAT_AS, [arg])

    unboxer = pyvalues.Unboxer(b, check, unbox_scalar, arena_slot)
    values = []
    for index, kind in enumerate(arg_types):
        arg = b.load(b.gep(args, [ir.Constant(_i64, index)], source_etype=_ptr), typ=_ptr)
        values += unboxer.unbox(kind, arg)
    for namespace, key, expected in guards:
        found = b.call(_DICT_GET, [_address(namespace), _address(key)])
        check(
            b.icmp_unsigned(
                "==", found, ir.Constant(_ptr, None) if expected is _ABSENT else _address(expected)
            )
        )

    calls = ir.Constant(_i64, counter).inttoptr(_ptr)
    b.store(b.add(b.load(calls, typ=_i64), ir.Constant(_i64, 1)), calls)
    extra = [arena_slot] if arena_slot is not None else []
    target_type = ir.FunctionType(
        ir.VoidType(),
        [_ptr, *(v.type for v in values), *[_i64] * len(trailing), *(e.type for e in extra)],
    )
    b.call(
        _FunctionAt(target, target_type),
        [results, *values, *(ir.Constant(_i64, v) for v in trailing), *extra],
    )

    def slot(index: int, type_: ir.Type) -> ir.Value:
        return b.load(b.gep(results, [ir.Constant(_i64, index)], source_etype=_i64), typ=type_)

    status = slot(0, _i64)
    failed = function.append_basic_block("failed")
    ok = function.append_basic_block("ok")
    b.cbranch(b.icmp_signed("==", status, ir.Constant(_i64, 0)), ok, failed)

    b.position_at_end(ok)
    for _, native, item in unboxer.lists:
        reflected = b.call(lists.runtime().reflect(item), [native])
        with b.if_then(b.icmp_signed("!=", reflected, ir.Constant(_i32, 0)), likely=False):
            free_arena()
            b.ret(ir.Constant(_ptr, None))
    boxer = pyvalues.Boxer(b, slot)
    boxed = []
    index = 1
    for kind in result_types:
        boxed.append(boxer.box(kind, index))
        index += pyvalues.slot_count(kind)
    free_arena()
    _return_boxed(function, b, boxed)

    b.position_at_end(failed)
    free_arena(undo=True)
    status_object = b.call(_LONG_FROM, [status])
    with b.if_then(b.icmp_unsigned("==", status_object, ir.Constant(_ptr, None)), likely=False):
        b.ret(ir.Constant(_ptr, None))
    b.store(status_object, status_args)
    for index in range(len(arg_types)):
        arg = b.load(b.gep(args, [ir.Constant(_i64, index)], source_etype=_ptr), typ=_ptr)
        b.store(arg, b.gep(status_args, [ir.Constant(_i64, index + 1)], source_etype=_ptr))
    on_status = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 1)])
    count = ir.Constant(_i64, 1 + len(arg_types))
    result = b.call(_VECTORCALL, [on_status, status_args, count, ir.Constant(_ptr, None)])
    b.call(_DECREF, [status_object])
    b.ret(result)

    b.position_at_end(slow)
    free_arena()
    slow_path = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 0)])
    b.ret(b.call(_VECTORCALL, [slow_path, args, nargs, kwnames]))
    return module


def _return_boxed(function: ir.Function, b: ir.IRBuilder, boxed: list[ir.Value]) -> None:
    """Returns None, the one result or a tuple of them; NULL (with the boxing call's
    MemoryError set) if any allocation failed, dropping the others."""
    null = ir.Constant(_ptr, None)
    if not boxed:
        b.call(_INCREF, [_address(None)])
        b.ret(_address(None))
        return
    if len(boxed) == 1:
        b.ret(boxed[0])
        return
    tuple_ = b.call(_TUPLE_NEW, [ir.Constant(_i64, len(boxed))])
    failed = b.icmp_unsigned("==", tuple_, null)
    for item in boxed:
        failed = b.or_(failed, b.icmp_unsigned("==", item, null))
    with b.if_then(failed, likely=False):
        for item in (tuple_, *boxed):
            b.call(_DECREF, [item])
        b.ret(null)
    for index, item in enumerate(boxed):
        b.call(_TUPLE_SET, [tuple_, ir.Constant(_i64, index), item])
    b.ret(tuple_)
