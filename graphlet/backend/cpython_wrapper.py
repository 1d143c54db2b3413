"""CPython builtin functions that call compiled code with no Python frame and no ctypes.

    from graphlet.backend.cpython_wrapper import make_fast_callable
    add = make_fast_callable(engine, "add", ("i64", "i64"), ("i64",), slow_path)
    add(2, 3)        # unbox, call _mlir_ciface_add, box: ~30 ns instead of ~8 µs
    add(2**70, 1)    # returns slow_path(2**70, 1)

API. `emit_wrapper(module, "add", arg_types, result_types)` adds the wrapper
`graphlet_fastcall_add` of `_mlir_ciface_add` to the llvmlite module being compiled,
so LLVM optimizes both together and the object cache keeps them together;
`CompiledWrapper(engine, "graphlet_fastcall_add", ...)` then makes builtins of it.
The code refers to the C API by symbol (`_c_api`, `_address` of the C API's own
objects) and reads its guards and call counter from globals of its own, so the same
machine code runs in any process; a module that embeds some other object's address
(a string constant, say) is never cached (`graphlet.backend.jit.embeds_addresses`).
`make_fast_callable(engine, name, arg_types, result_types, slow_path, *,
on_status=None, guards=(), absent=<sentinel>, trailing_args=(), arena=False)` builds a
wrapper of `_mlir_ciface_<name>` of an existing `engine` in a module (and engine) of
its own: `compile_wrapper(...)` then `.bind(slow_path, on_status)`. One wrapper can be
bound many times (different slow paths, same code) and `.calls` counts the calls that
reached the target. Types are "i1", "i64", "f64" (or the equal xDSL types) or the
value specs of `graphlet.backend.pyvalues` (tuples, complex, lists, constants).

A call runs natively only when it has exactly the expected positional arguments and no
keywords, each of its spec (a `bool` for i1, an `int` that fits in i64, a `float`,
...), and every guard `(namespace, name, expected)` holds: `namespace[name] is
expected`, or with `expected` being `absent`, the name is missing (one `PyDict_GetItem`
per guard, so a changed global can never run stale code); with `namespace` a function
and `name` its `"__code__"` or `"__defaults__"`, that attribute is `expected`. Then
the target gets a stack result buffer, the unboxed arguments, `trailing_args` as extra
i64s (with `python_depth`, the first is the call depth that leaves the native code as
many levels as CPython's recursion budget) and, with `arena`, the call's list arena (the C interface of `graphlet.abi`). Status 0: the
results are boxed (a tuple for several, None for none). A non-zero status returns
`hand_back(*args)` when the binding has one and the wrapper's hand-back limit is not
reached (`CompiledWrapper.hand_back_directly`; no Python frame in between), else
`on_status(status, *args)` (default: `slow_path(*args)`); anything else returns
`slow_path(*args, **kwargs)` with the call's original arguments, so a Python slow path
raises CPython's TypeError for a bad call. Exceptions propagate (NULL with the error
set).

Lifetime: the builtin's `self` is the tuple (slow_path, on_status, CompiledWrapper,
hand_back, the RecursionError raiser),
and the CompiledWrapper holds its engine, the target's engine, the PyMethodDef, the
guard table and the guard objects it points to. Reference counts are only touched
through C-API functions (objects are immortal in 3.12+). The ob_type and
PyFloatObject.ob_fval offsets come from `__basicsize__` and are checked on a live
object at import; float reads fall back to `PyFloat_AsDouble` if that check fails.
"""

from __future__ import annotations

import ctypes
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import llvmlite.binding as llvm
import llvmlite.ir as ir

from graphlet import abi
from graphlet.backend.jit import JitEngine

METH_KEYWORDS = 0x0002
METH_FASTCALL = 0x0080
WRAPPER_NAME = "graphlet_fastcall"
TYPES = abi.SCALAR_TYPES

if ctypes.sizeof(ctypes.c_void_p) != 8:
    raise ImportError("graphlet's CPython wrappers need a 64-bit CPython")

_api = ctypes.pythonapi
_i1, _i32, _i64 = ir.IntType(1), ir.IntType(32), ir.IntType(64)
_long = ir.IntType(8 * ctypes.sizeof(ctypes.c_long))
_f64, _ptr = ir.DoubleType(), ir.PointerType()
_GUARDS = ir.LiteralStructType([_i64, _ptr])
"""A wrapper's guard table: how many guards, and where their (namespace, name,
expected) pointer triples are."""


def _verified_offset(offset: int, probe: object, ctype: Any, expected: object) -> int | None:
    """`offset` if the field there in `probe` reads `expected` (it does in the usual
    builds; debug or free-threaded builds may differ), else None."""
    return offset if ctype.from_address(id(probe) + offset).value == expected else None


_PROBE = 1.0e300 + 0.5
_ob_type = _verified_offset(object.__basicsize__ - 8, _PROBE, ctypes.c_void_p, id(float))
_OB_FVAL = _verified_offset(float.__basicsize__ - 8, _PROBE, ctypes.c_double, _PROBE)
if _ob_type is None:
    raise ImportError("graphlet: unexpected PyObject layout (ob_type)")
_OB_TYPE: int = _ob_type


def _recursion_budget_offset() -> int | None:
    """The offset in PyThreadState of CPython's remaining recursion budget (3.11's
    `recursion_remaining`, 3.12+'s `py_recursion_remaining`: an int that Python frames
    count down), found on the live thread state; None if no one field behaves so."""
    state = _api.PyThreadState_Get
    state.restype = ctypes.c_void_p
    fields = 64

    def read(levels: int) -> list[int]:
        if levels:
            return read(levels - 1)
        return list((ctypes.c_int * fields).from_address(state())[:])

    shallow, deep = read(0), read(7)
    limit = sys.getrecursionlimit()
    found = [4 * i for i in range(fields) if shallow[i] - deep[i] == 7 and 0 < shallow[i] <= limit]
    return found[0] if len(found) == 1 else None


_BUDGET = _recursion_budget_offset()
_COUNTS_C_CALLS = sys.version_info < (3, 12) and _BUDGET is not None
"""Whether CPython's recursion budget also counts C calls (3.11): then the dispatcher's
entry (calling the instance, then the builtin: two levels) is given back while the
function it hands back to runs, so a handed-back level costs CPython's one. Each such
level nests C frames, which 3.11 does not bound (3.12+ raise RecursionError at their C
recursion limit), so past `HAND_BACK_NESTING` levels a hand-back raises RecursionError
rather than overflow the thread's stack."""
_ENTRY_LEVELS = 2
HAND_BACK_NESTING = 4000
"""Python levels below which a 3.11 hand-back may nest (about 0.7 KiB of C stack each)."""


def _limit_offset() -> int | None:
    """3.11's `recursion_limit`, the int after `recursion_remaining`, if it reads so."""
    if not _COUNTS_C_CALLS:
        return None
    state = _api.PyThreadState_Get
    offset = _BUDGET + 4  # type: ignore[operator]
    value = ctypes.c_int.from_address(state() + offset).value
    return offset if value == sys.getrecursionlimit() else None


_LIMIT = _limit_offset()


def _too_deep(*args: Any) -> Any:
    raise RecursionError(
        "maximum recursion depth exceeded (calls that graphlet handed back to Python nest "
        f"more than {HAND_BACK_NESTING} levels deep, each on the C stack)"
    )


class _FunctionAt(ir.values.FormattedConstant):  # type: ignore[misc]  # untyped llvmlite
    """A C function at a fixed address, for `IRBuilder.call` (code using it is tied to
    this process)."""

    def __init__(self, address: int, function_type: ir.FunctionType) -> None:
        super().__init__(_ptr, f"inttoptr (i64 {address} to ptr)")
        self.function_type = function_type


class _Extern(ir.values.FormattedConstant):  # type: ignore[misc]  # untyped llvmlite
    """A function or object of the process by symbol (the JIT resolves it at load);
    `declare_externals` declares it in the module that uses it."""

    def __init__(self, symbol: str, function_type: ir.FunctionType | None = None) -> None:
        super().__init__(_ptr, f'@"{symbol}"')
        self.symbol = symbol
        self.function_type = function_type


_C_OBJECTS: dict[str, object] = {
    "_Py_TrueStruct": True,
    "_Py_FalseStruct": False,
    "_Py_NoneStruct": None,
    "PyLong_Type": int,
    "PyFloat_Type": float,
    "PyComplex_Type": complex,
    "PyUnicode_Type": str,
    "PyTuple_Type": tuple,
    "PyList_Type": list,
}
"""The C-API objects wrappers compare with, by symbol."""


def _bind_c_objects() -> dict[int, str]:
    """The symbols of `_C_OBJECTS` that this process exports (checked to be the objects
    they name), made resolvable by the JIT; by the object's address."""
    symbols = {}
    for name, obj in _C_OBJECTS.items():
        try:
            address = ctypes.addressof(ctypes.c_char.in_dll(_api, name))
        except ValueError:
            continue
        if address == id(obj):
            llvm.add_symbol(name, address)
            symbols[id(obj)] = name
    return symbols


_OBJECT_SYMBOLS = _bind_c_objects()


def _c_api(name: str, result: ir.Type, *args: ir.Type) -> _Extern:
    """C-API function `name`, made resolvable by the JIT under its own name (also in
    processes whose libpython exports no dynamic symbols)."""
    llvm.add_symbol(name, ctypes.cast(getattr(_api, name), ctypes.c_void_p).value)
    return _Extern(name, ir.FunctionType(result, args))


def _address(obj: object) -> ir.Constant:
    """A pointer to `obj`: by symbol for the C API's own objects, else its address."""
    symbol = _OBJECT_SYMBOLS.get(id(obj))
    if symbol is not None:
        return _Extern(symbol)
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
_FUNCTION_CODE = _c_api("PyFunction_GetCode", _ptr, _ptr)
_FUNCTION_DEFAULTS = _c_api("PyFunction_GetDefaults", _ptr, _ptr)
_INCREF = _c_api("Py_IncRef", ir.VoidType(), _ptr)
_DECREF = _c_api("Py_DecRef", ir.VoidType(), _ptr)
_VECTORCALL = _c_api("PyObject_Vectorcall", _ptr, _ptr, _ptr, _i64, _ptr)
_THREAD_STATE = _c_api("PyThreadState_Get", _ptr)


def _operands(instruction: ir.Instruction) -> Iterable[Any]:
    yield from instruction.operands
    if isinstance(instruction, ir.PhiInstr):
        yield from (value for value, _ in instruction.incomings)


def declare_externals(module: ir.Module) -> None:
    """Declares in `module` every `_Extern` its functions use and it does not define."""
    for function in list(module.functions):
        for block in function.blocks:
            for instruction in block.instructions:
                for operand in _operands(instruction):
                    if not isinstance(operand, _Extern):
                        continue
                    if operand.symbol in module.globals:
                        continue
                    if operand.function_type is not None:
                        ir.Function(module, operand.function_type, operand.symbol)
                    else:
                        ir.GlobalVariable(module, ir.IntType(8), operand.symbol)


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
_FUNCTION_ATTRIBUTES = {"__code__": 1, "__defaults__": 2}
"""A guard on a function's attribute has, in place of its name's address, the number
of the attribute (no object lives at such an address)."""


def _type_name(t: Any) -> Any:
    if isinstance(t, tuple):  # a structured value spec (see graphlet.backend.pyvalues)
        from graphlet.backend.pyvalues import validate

        return validate(t)
    name = t if isinstance(t, str) else str(t)
    if name not in TYPES:
        raise TypeError(f"no fast-call conversion for {t} (supported: {', '.join(TYPES)})")
    return name


def fastcall_symbol(name: str) -> str:
    """The symbol of the wrapper `emit_wrapper` adds for function `name`."""
    return f"{WRAPPER_NAME}_{name}"


class CompiledWrapper:
    """A wrapper in `engine` (see `emit_wrapper`). `bind` makes builtin functions of
    it; `calls` counts the calls that reached the target (whatever their status).
    Its guards are set here, once: one CompiledWrapper per wrapper in an engine."""

    def __init__(
        self,
        engine: JitEngine,
        symbol: str,
        arg_types: Sequence[Any],
        result_types: Sequence[Any],
        *,
        keep_alive: object = None,
        guards: Iterable[tuple[Any, str, object]] = (),
        absent: object = _ABSENT,
        name: str | None = None,
        doc: str | None = None,
    ) -> None:
        self.arg_types = tuple(map(_type_name, arg_types))
        self.result_types = tuple(map(_type_name, result_types))
        self.guards = tuple(
            (ns, key, _ABSENT if value is absent else value) for ns, key, value in guards
        )
        for namespace, key, _ in self.guards:
            dict_guard = type(namespace) is dict and type(key) is str
            if not dict_guard and not (
                type(namespace) is types.FunctionType and key in _FUNCTION_ATTRIBUTES
            ):
                raise TypeError(
                    "fast-call guards need plain dicts and str keys, or a function's "
                    "__code__ or __defaults__"
                )
        claimed = engine.__dict__.setdefault("_claimed_wrappers", set())
        if symbol in claimed:
            raise RuntimeError(f"{symbol} of this engine already has its CompiledWrapper")
        claimed.add(symbol)
        self.engine = engine
        self.keep_alive = keep_alive
        self._symbol = symbol
        self._clock: Any = None
        self._counter = ctypes.c_int64.from_address(engine.global_address(f"{symbol}.calls"))
        self._guard_table = (ctypes.c_void_p * max(3 * len(self.guards), 1))(
            *(
                _guard_word(namespace, x)
                for triple in self.guards
                for namespace, x in zip((triple[0],) * 3, triple)
            )
        )
        table = engine.global_address(f"{symbol}.guards")
        ctypes.c_int64.from_address(table).value = len(self.guards)
        ctypes.c_void_p.from_address(table + 8).value = ctypes.addressof(self._guard_table)
        self._method = _MethodDef(
            (name or symbol).encode(),
            engine.address(symbol),
            METH_FASTCALL | METH_KEYWORDS,
            doc.encode() if doc else None,
        )

    @property
    def calls(self) -> int:
        return self._counter.value

    @property
    def handbacks(self) -> int:
        """Calls whose native code returned a non-zero status."""
        return int(self._int_global("handbacks").value)

    def hand_back_directly(self, limit: int, clock: Any) -> None:
        """Bindings with a `hand_back` call it for the first `limit - 1` hand-backs
        without `on_status`; every call bumps `clock[0]` and a hand-back sets
        `clock[1] = clock[0]` (a ctypes array of two int64, kept alive here)."""
        self._int_global("handback_limit").value = limit
        self._clock = clock
        address = self.engine.global_address(f"{self._symbol}.clock")
        ctypes.c_void_p.from_address(address).value = ctypes.addressof(clock)

    def demote(self) -> None:
        """From now on every call goes straight to `hand_back` (after the checks)."""
        self._int_global("demoted").value = 1

    def _int_global(self, name: str) -> Any:
        return ctypes.c_int64.from_address(self.engine.global_address(f"{self._symbol}.{name}"))

    def bind(
        self,
        slow_path: Callable[..., Any],
        on_status: Callable[..., Any] | None = None,
        hand_back: Callable[..., Any] | None = None,
    ) -> Any:
        """A builtin function running this wrapper; see the module docstring."""
        if on_status is None:
            on_status = _drop_status(slow_path)
        state = (slow_path, on_status, self, hand_back, _too_deep)
        return _new_function(ctypes.byref(self._method), state, None)


def _guard_word(namespace: object, x: object) -> int | None:
    """One pointer of a guard table: an object's address, NULL for `_ABSENT`, a
    function attribute's number (see `_FUNCTION_ATTRIBUTES`)."""
    if x is _ABSENT:
        return None
    if type(namespace) is types.FunctionType and type(x) is str:
        return _FUNCTION_ATTRIBUTES[x]
    if type(namespace) is types.FunctionType and x is None:
        return None  # no defaults: PyFunction_GetDefaults returns NULL
    return id(x)


def _drop_status(slow_path: Callable[..., Any]) -> Callable[..., Any]:
    def on_status(status: int, *args: Any) -> Any:
        return slow_path(*args)

    return on_status


def compile_wrapper(
    engine: JitEngine,
    name: str,
    arg_types: Sequence[Any],
    result_types: Sequence[Any],
    *,
    trailing_args: Sequence[int] = (),
    python_depth: bool = False,
    arena: bool = False,
    **options: Any,
) -> CompiledWrapper:
    """A wrapper for `_mlir_ciface_<name>` of `engine` (kept alive by the wrapper), in
    an engine of its own."""
    module = ir.Module()
    emit_wrapper(
        module,
        engine.c_interface_address(name),
        arg_types,
        result_types,
        trailing_args=trailing_args,
        python_depth=python_depth,
        arena=arena,
        symbol=WRAPPER_NAME,
    )
    own = JitEngine(str(module))
    return CompiledWrapper(
        own, WRAPPER_NAME, arg_types, result_types, keep_alive=engine, name=name, **options
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


def emit_wrapper(
    module: ir.Module,
    target: str | int,
    arg_types: Sequence[Any],
    result_types: Sequence[Any],
    *,
    trailing_args: Sequence[int] = (),
    python_depth: bool = False,
    arena: bool = False,
    symbol: str | None = None,
) -> str:
    """Adds `PyObject *<symbol>(self, args, nargs, kwnames)` to `module`: unbox, check
    the guards, count, call `target`, box; any mismatch goes to the slow path.
    `target` is a function name (its `_mlir_ciface_` wrapper is called, from this
    module or declared) or an address. Structured values (tuples, lists, complex, ...)
    are unboxed and boxed by `pyvalues`; with `arena`, the target also gets a pointer
    to the call's list arena (freed on every exit) and argument lists are written back
    when the call succeeds. The symbol defaults to `fastcall_symbol(target)`; its
    globals `<symbol>.calls` and `<symbol>.guards` are the call counter and the guard
    table `CompiledWrapper` fills in. Returns the symbol."""
    from graphlet.backend import arrays, lists, pyvalues
    from graphlet.backend.python_memory import slot_count

    arg_kinds = tuple(map(_type_name, arg_types))
    result_kinds = tuple(map(_type_name, result_types))
    trailing = tuple(trailing_args)
    if symbol is None:
        if not isinstance(target, str):
            raise TypeError("a wrapper of an address needs a symbol")
        symbol = fastcall_symbol(target)
    counter = ir.GlobalVariable(module, _i64, f"{symbol}.calls")
    counter.initializer = ir.Constant(_i64, 0)
    guard_table = ir.GlobalVariable(module, _GUARDS, f"{symbol}.guards")
    guard_table.initializer = ir.Constant(_GUARDS, None)
    handbacks, handback_limit, demoted = (
        _global_i64(module, f"{symbol}.{name}")
        for name in ("handbacks", "handback_limit", "demoted")
    )
    clock = ir.GlobalVariable(module, _ptr, f"{symbol}.clock")
    clock.initializer = ir.Constant(_ptr, None)

    function = ir.Function(module, ir.FunctionType(_ptr, (_ptr, _ptr, _i64, _ptr)), symbol)
    self_, args, nargs, kwnames = function.args
    b = ir.IRBuilder(function.append_basic_block("entry"))
    slow = function.append_basic_block("slow")

    def check(ok: ir.Value) -> None:
        next_block = function.append_basic_block()
        b.cbranch(ok, next_block, slow)
        b.position_at_end(next_block)

    slot_total = sum(slot_count(kind) for kind in result_kinds)
    results = b.alloca(_i64, 1 + slot_total)
    overflow = b.alloca(_i32)
    status_args = b.alloca(_ptr, 1 + len(arg_kinds))
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
            b.icmp_signed("==", nargs, ir.Constant(_i64, len(arg_kinds))),
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
    for index, kind in enumerate(arg_kinds):
        arg = b.load(b.gep(args, [ir.Constant(_i64, index)], source_etype=_ptr), typ=_ptr)
        values += unboxer.unbox(kind, arg)
    _check_guards(function, b, guard_table, slow)

    clock_cells = b.load(clock, typ=_ptr)
    with b.if_then(b.icmp_unsigned("!=", clock_cells, ir.Constant(_ptr, None))):
        b.store(b.add(b.load(clock_cells, typ=_i64), ir.Constant(_i64, 1)), clock_cells)
    direct = function.append_basic_block("hand_back")
    run = function.append_basic_block("run")
    skip = function.append_basic_block("demoted")
    is_demoted = b.icmp_signed("!=", b.load(demoted, typ=_i64), ir.Constant(_i64, 0))
    b.cbranch(is_demoted, skip, run)
    b.position_at_end(skip)
    free_arena()
    b.branch(direct)
    b.position_at_end(run)
    b.store(b.add(b.load(counter, typ=_i64), ir.Constant(_i64, 1)), counter)
    extra = [arena_slot] if arena_slot is not None else []
    trailing_values: list[ir.Value] = [ir.Constant(_i64, v) for v in trailing]
    if python_depth and trailing and _BUDGET is not None:
        trailing_values[0] = _start_depth(b)
    call_args = [results, *values, *trailing_values, *extra]
    target_type = ir.FunctionType(ir.VoidType(), [a.type for a in call_args])
    callee: Any
    if isinstance(target, str):
        name = abi.c_interface_symbol(target)
        callee = module.globals.get(name) or _Extern(name, target_type)
    else:
        callee = _FunctionAt(target, target_type)
    b.call(callee, call_args)

    def slot(index: int, type_: ir.Type) -> ir.Value:
        return b.load(b.gep(results, [ir.Constant(_i64, index)], source_etype=_i64), typ=type_)

    status = slot(abi.STATUS_SLOT, _i64)
    failed = function.append_basic_block("failed")
    ok = function.append_basic_block("ok")
    b.cbranch(b.icmp_signed("==", status, ir.Constant(_i64, abi.OK)), ok, failed)

    b.position_at_end(ok)
    for _, native, item in unboxer.lists:
        reflected = b.call(lists.runtime().reflect(item), [native])
        with b.if_then(b.icmp_signed("!=", reflected, ir.Constant(_i32, 0)), likely=False):
            free_arena()
            b.ret(ir.Constant(_ptr, None))
    boxer = pyvalues.Boxer(b, slot)
    boxed = []
    index = abi.STATUS_SLOT + 1
    for kind in result_kinds:
        boxed.append(boxer.box(kind, index))
        index += slot_count(kind)
    free_arena()
    _return_boxed(b, boxed)

    b.position_at_end(failed)
    free_arena(undo=True)
    count = b.add(b.load(handbacks, typ=_i64), ir.Constant(_i64, 1))
    b.store(count, handbacks)
    to_python = function.append_basic_block("on_status")
    hand_back = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 3)])
    in_python = b.or_(
        b.icmp_unsigned("==", hand_back, _address(None)),
        b.icmp_signed(">=", count, b.load(handback_limit, typ=_i64)),
    )
    b.cbranch(in_python, to_python, direct)

    b.position_at_end(direct)
    _call_hand_back(b, self_, args, nargs, clock)

    b.position_at_end(to_python)
    status_object = b.call(_LONG_FROM, [status])
    with b.if_then(b.icmp_unsigned("==", status_object, ir.Constant(_ptr, None)), likely=False):
        b.ret(ir.Constant(_ptr, None))
    b.store(status_object, status_args)
    for index in range(len(arg_kinds)):
        arg = b.load(b.gep(args, [ir.Constant(_i64, index)], source_etype=_ptr), typ=_ptr)
        b.store(arg, b.gep(status_args, [ir.Constant(_i64, index + 1)], source_etype=_ptr))
    on_status = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 1)])
    count = ir.Constant(_i64, 1 + len(arg_kinds))
    null = ir.Constant(_ptr, None)
    result = b.call(_VECTORCALL, [on_status, status_args, count, null])
    b.call(_DECREF, [status_object])
    b.ret(result)

    b.position_at_end(slow)
    free_arena()
    slow_path = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 0)])
    b.ret(b.call(_VECTORCALL, [slow_path, args, nargs, kwnames]))
    declare_externals(module)
    return symbol


def _check_guards(
    function: ir.Function, b: ir.IRBuilder, guard_table: ir.GlobalVariable, slow: ir.Block
) -> None:
    """`for i < count: if PyDict_GetItem(ns[i], name[i]) != expected[i]: slow` over
    the wrapper's guard table (expected NULL: the name must be missing); a function
    attribute's guard reads `PyFunction_GetCode` or `PyFunction_GetDefaults` instead."""
    zero, one, three = (ir.Constant(_i64, v) for v in (0, 1, 3))
    count = b.load(b.gep(guard_table, [zero, ir.Constant(_i32, 0)]), typ=_i64)
    table = b.load(b.gep(guard_table, [zero, ir.Constant(_i32, 1)]), typ=_ptr)
    before = b.block
    header = function.append_basic_block("guards")
    body = function.append_basic_block("guard")
    done = function.append_basic_block("guarded")
    b.branch(header)
    b.position_at_end(header)
    index = b.phi(_i64)
    index.add_incoming(zero, before)
    b.cbranch(b.icmp_signed("<", index, count), body, done)
    b.position_at_end(body)
    base = b.mul(index, three)

    def entry(offset: int) -> ir.Value:
        position = b.add(base, ir.Constant(_i64, offset))
        return b.load(b.gep(table, [position], source_etype=_ptr), typ=_ptr)

    namespace, name, expected = entry(0), entry(1), entry(2)
    number = b.ptrtoint(name, _i64)
    code, defaults, lookup, compare = (
        function.append_basic_block(n) for n in ("code", "defaults", "lookup", "compare")
    )
    b.switch(number, lookup).add_case(ir.Constant(_i64, _FUNCTION_ATTRIBUTES["__code__"]), code)
    b.block.terminator.add_case(ir.Constant(_i64, _FUNCTION_ATTRIBUTES["__defaults__"]), defaults)
    found = []
    for block, getter, args in (
        (code, _FUNCTION_CODE, [namespace]),
        (defaults, _FUNCTION_DEFAULTS, [namespace]),
        (lookup, _DICT_GET, [namespace, name]),
    ):
        b.position_at_end(block)
        found.append((b.call(getter, args), block))
        b.branch(compare)
    b.position_at_end(compare)
    value = b.phi(_ptr)
    for incoming, block in found:
        value.add_incoming(incoming, block)
    following = b.add(index, one)
    index.add_incoming(following, compare)
    b.cbranch(b.icmp_unsigned("==", value, expected), header, slow)
    b.position_at_end(done)


def _global_i64(module: ir.Module, name: str) -> ir.GlobalVariable:
    variable = ir.GlobalVariable(module, _i64, name)
    variable.initializer = ir.Constant(_i64, 0)
    return variable


def _budget_field(b: ir.IRBuilder) -> ir.Value:
    """A pointer to this thread's remaining recursion budget (an int)."""
    state = b.call(_THREAD_STATE, [])
    return b.gep(state, [ir.Constant(_i64, _BUDGET)], source_etype=ir.IntType(8))


def _start_depth(b: ir.IRBuilder) -> ir.Value:
    """`NATIVE_DEPTH_LIMIT - levels`: a call may nest as many native levels as CPython's
    recursion budget would allow Python frames (less two), at most `NATIVE_DEPTH_CAP`."""
    remaining = b.sext(b.load(_budget_field(b), typ=_i32), _i64)
    levels = b.sub(remaining, ir.Constant(_i64, 2))
    cap, zero = ir.Constant(_i64, abi.NATIVE_DEPTH_CAP), ir.Constant(_i64, 0)
    levels = b.select(b.icmp_signed("<", levels, cap), levels, cap)
    levels = b.select(b.icmp_signed("<", levels, zero), zero, levels)
    return b.sub(ir.Constant(_i64, abi.NATIVE_DEPTH_LIMIT), levels)


def _call_hand_back(
    b: ir.IRBuilder, self_: ir.Value, args: ir.Value, nargs: ir.Value, clock: ir.Value
) -> None:
    """Returns `hand_back(*args)` (the user's function), called from here so a handed-
    back level adds no Python frame; where CPython's budget counts C calls, the
    dispatcher's entry levels are given back meanwhile. Then marks the call as handed
    back (`stamp = clock`)."""
    hand_back = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 3)])
    budget = _budget_field(b) if _COUNTS_C_CALLS else None
    levels = ir.Constant(_i32, _ENTRY_LEVELS)
    if budget is not None and _LIMIT is not None:
        state = b.call(_THREAD_STATE, [])
        limit = b.gep(state, [ir.Constant(_i64, _LIMIT)], source_etype=ir.IntType(8))
        depth = b.sub(b.load(limit, typ=_i32), b.load(budget, typ=_i32))
        with b.if_then(b.icmp_signed(">", depth, ir.Constant(_i32, HAND_BACK_NESTING))):
            too_deep = b.call(_TUPLE_GET, [self_, ir.Constant(_i64, 4)])
            b.ret(b.call(_VECTORCALL, [too_deep, args, nargs, ir.Constant(_ptr, None)]))
    if budget is not None:
        b.store(b.add(b.load(budget, typ=_i32), levels), budget)
    result = b.call(_VECTORCALL, [hand_back, args, nargs, ir.Constant(_ptr, None)])
    if budget is not None:
        budget = _budget_field(b)  # the same thread, so the same state
        b.store(b.sub(b.load(budget, typ=_i32), levels), budget)
    cells = b.load(clock, typ=_ptr)
    with b.if_then(b.icmp_unsigned("!=", cells, ir.Constant(_ptr, None))):
        stamp = b.gep(cells, [ir.Constant(_i64, 1)], source_etype=_i64)
        b.store(b.load(cells, typ=_i64), stamp)
    b.ret(result)


def _return_boxed(b: ir.IRBuilder, boxed: list[ir.Value]) -> None:
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
