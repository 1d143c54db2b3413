"""CPython builtins that call a compiled tensor function with no Python frame and no
ctypes: the fast entry of `graphlet.trace_graph`'s versions.

    entry = TensorEntry(address, params, outputs, tree, status=False)
    f = entry.bind(slow_path, on_status)
    f(x, y)     # checks, allocates the outputs, calls the kernel, returns them

The kernel at `address` has the ABI of `graphlet.abi.TensorSignature`: one data
pointer per input, one per output, then (with `status`) a pointer to an i64 status.
`params` says what each argument must be (with `keywords`, the last ones are passed
by those names, in that order: `f(x, eps=1e-5)`):

    ("array", dtype, shape)   exactly an `ndarray` of NumPy's canonical descriptor for
                              `dtype`, of that shape, aligned and C-contiguous: its data
                              pointer is the kernel's next input (not copied)
    ("is", obj)               exactly the object `obj` (None, True, False)
    ("int", value)            an `int` (not a subclass) equal to `value` (fits in 64 bits)
    ("float", value)          a `float` (not a subclass) with the bits of `value`

`outputs` are the kernel's results as `(dtype, shape, scalar)`: an array result is a
new `numpy.empty(shape, dtype)` on every call (made by NumPy's `PyArray_NewFromDescr`,
read from NumPy's C-API table), so no result ever shares memory with another call's;
a `scalar` one is written to the entry's stack and boxed as NumPy's scalar
(`np.float64`, ...: `PyArray_Scalar`, as `array[()]` does). `tree` builds what the
call returns: `("result", j)`, `("input", i)` (argument `i` itself), `("tuple",
[trees])`, `("list", [trees])`, `("dict", [(key, tree)])`, `("const", obj)` (that
object itself, not an array).

`externals` are values the function reads from its globals or closure, checked on
every call as `(namespace, name, param)`: the value of `name` in the dict `namespace`
(or the contents of the cell `namespace`), a missing one taking the slow path; their
arrays are the kernel's inputs after the arguments', and `("input", i)` counts them
after the arguments. A kernel that touches `RELEASE_GIL_BYTES` or more runs with the
GIL released.

A call with other arguments (count, keywords, types, shapes, strides, values) returns
`slow_path(*args, **kwargs)`, so that the caller retraces or copies. A non-zero status
drops the outputs and returns `on_status(status, *args, **kwargs)`. `calls` counts the calls
that reached the kernel; with `last=(address, number)`, each such call also stores
`number` in the int64 at `address` (which version ran last, for the caller). The code
embeds addresses of this process (the kernel, NumPy's descriptors and C API, the
namespaces): it is never cached. The returned builtin's `self` is `(slow_path,
on_status, entry)`; the entry keeps the objects its code points to.
"""

from __future__ import annotations

import ctypes
import importlib
import math
import struct
import types
from collections.abc import Callable, Sequence
from typing import Any

import llvmlite.ir as ir
import numpy as np

from graphlet.backend.arrays import (
    CANONICAL,
    DATA_OFFSET,
    DESCR_OFFSET,
    DIMS_OFFSET,
    FLAGS_OFFSET,
    ND_OFFSET,
    STORAGE,
    emit_box_scalar,
)
from graphlet.backend.cpython_wrapper import (
    _OB_FVAL,
    _OB_TYPE,
    METH_FASTCALL,
    METH_KEYWORDS,
    _address,
    _c_api,
    _f64,
    _FunctionAt,
    _i32,
    _i64,
    _MethodDef,
    _new_function,
    _ptr,
    declare_externals,
)
from graphlet.backend.jit import JitEngine

if _OB_TYPE is None:  # cpython_wrapper refuses to import then
    raise ImportError("graphlet: unexpected PyObject layout (ob_type)")
OB_TYPE: int = _OB_TYPE
SYMBOL = "graphlet_tensor_entry"
NPY_C_CONTIGUOUS, NPY_ALIGNED = 0x0001, 0x0100
RELEASE_GIL_BYTES = 1 << 16
"""Kernels whose inputs and outputs span at least this many bytes run with the GIL
released (as they did through ctypes): other threads run meanwhile, for ~0.1 µs."""
SCALAR_DTYPES = ("float64", "float32", "int64", "bool")
"""The dtypes a scalar result may have (`emit_box_scalar`'s)."""


def _numpy_api(index: int) -> int | None:
    """Entry `index` of NumPy's C-API table (`PyArray_API`), if the table reads as
    NumPy's (its entry 2 is `ndarray`); else None."""
    try:
        multiarray = importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # NumPy 1.x
        multiarray = importlib.import_module("numpy.core._multiarray_umath")
    capsule = getattr(multiarray, "_ARRAY_API", None)
    if capsule is None:
        return None
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    table = (ctypes.c_void_p * (index + 1)).from_address(get_pointer(capsule, None))
    return table[index] if table[2] == id(np.ndarray) else None


_NEW_FROM_DESCR_ADDRESS = _numpy_api(94)
"""`PyArray_NewFromDescr(type, descr, nd, dims, strides, data, flags, obj)` (it steals
`descr`): what `numpy.empty` calls, without parsing its arguments."""
_NEW_FROM_DESCR_TYPE = ir.FunctionType(_ptr, [_ptr, _ptr, _i32, _ptr, _ptr, _ptr, _i32, _ptr])
_SCALAR_ADDRESS = _numpy_api(60)
"""`PyArray_Scalar(data, descr, base)`: the NumPy scalar `array[()]` returns."""
_SCALAR_TYPE = ir.FunctionType(_ptr, [_ptr, _ptr, _ptr])
_VECTORCALL = _c_api("PyObject_Vectorcall", _ptr, _ptr, _ptr, _i64, _ptr)
_LONG_AS = _c_api("PyLong_AsLongLongAndOverflow", _i64, _ptr, _ptr)
_LONG_FROM = _c_api("PyLong_FromLongLong", _ptr, _i64)
_TUPLE_NEW = _c_api("PyTuple_New", _ptr, _i64)
_TUPLE_SET = _c_api("PyTuple_SetItem", _i32, _ptr, _i64, _ptr)
_TUPLE_GET = _c_api("PyTuple_GetItem", _ptr, _ptr, _i64)
_DICT_GET = _c_api("PyDict_GetItem", _ptr, _ptr, _ptr)
_CELL_GET = _c_api("PyCell_Get", _ptr, _ptr)
_DICT_NEW = _c_api("PyDict_New", _ptr)
_TUPLE_SIZE = _c_api("PyTuple_Size", _i64, _ptr)
_UNICODE_COMPARE = _c_api("PyUnicode_Compare", _i32, _ptr, _ptr)
_DICT_SET = _c_api("PyDict_SetItem", _i32, _ptr, _ptr, _ptr)
_SAVE_THREAD = _c_api("PyEval_SaveThread", _ptr)
_RESTORE_THREAD = _c_api("PyEval_RestoreThread", ir.VoidType(), _ptr)
_LIST_NEW = _c_api("PyList_New", _ptr, _i64)
_LIST_SET = _c_api("PyList_SetItem", _i32, _ptr, _i64, _ptr)
_INCREF = _c_api("Py_IncRef", ir.VoidType(), _ptr)
_DECREF = _c_api("Py_DecRef", ir.VoidType(), _ptr)

Param = tuple[Any, ...]
Output = tuple[str, tuple[int, ...], bool]


def _const(value: int) -> ir.Constant:
    return ir.Constant(_i64, value)


def _field(b: ir.IRBuilder, obj: ir.Value, offset: int, typ: ir.Type) -> ir.Value:
    return b.load(b.gep(obj, [_const(offset)], source_etype=ir.IntType(8)), typ=typ)


def check_params(params: Sequence[Param], outputs: Sequence[Output], tree: Any) -> None:
    """TypeError unless the entry can be built for these (see the module docstring);
    `params` are the positional arguments' and then the externals'."""
    for param in params:
        kind = param[0]
        if kind == "array":
            if param[1] not in CANONICAL:
                raise TypeError(f"no fast entry for arrays of {param[1]}")
        elif kind == "is":
            if param[1] not in (None, True, False):
                raise TypeError("an identity guard is for None, True or False")
        elif kind == "int":
            if type(param[1]) is not int or not -(2**63) <= param[1] < 2**63:
                raise TypeError(f"an int guard needs a 64-bit int, got {param[1]!r}")
        elif kind == "float":
            if type(param[1]) is not float or _OB_FVAL is None:
                raise TypeError(f"no float guard for {param[1]!r}")
        else:
            raise TypeError(f"not an entry parameter: {param!r}")
    for dtype, shape, scalar in outputs:
        if dtype not in CANONICAL or (scalar and (dtype not in SCALAR_DTYPES or shape != ())):
            raise TypeError(f"no fast entry for results of {dtype} {shape}")

    def walk(node: Any) -> None:
        kind, value = node
        if kind == "result" and 0 <= value < len(outputs):
            return
        if kind == "input" and 0 <= value < len(params) and params[value][0] == "array":
            return
        if kind in ("tuple", "list"):
            for child in value:
                walk(child)
            return
        if kind == "dict":
            for key, child in value:
                hash(key)
                walk(child)
            return
        if kind == "const" and not isinstance(value, np.ndarray):
            return
        raise TypeError(f"not an entry result: {node!r}")

    walk(tree)


class TensorEntry:
    """The compiled entry (see the module docstring); `bind` makes builtins of it."""

    def __init__(
        self,
        address: int,
        params: Sequence[Param],
        outputs: Sequence[Output],
        tree: Any,
        *,
        status: bool = False,
        last: tuple[int, int] | None = None,
        externals: Sequence[tuple[Any, str, Param]] = (),
        keywords: Sequence[str] = (),
        keep_alive: object = None,
    ) -> None:
        self.keywords = tuple(keywords)
        if len(self.keywords) > len(params) or not all(type(k) is str for k in self.keywords):
            raise TypeError(f"keywords {keywords!r} are not names of the last parameters")
        self.externals = tuple(externals)
        for namespace, name, _ in self.externals:
            if not (type(namespace) is dict and type(name) is str) and not isinstance(
                namespace, types.CellType
            ):
                raise TypeError("an external is a str key of a dict, or a cell")
        self._every_param = [*params, *(p for _, _, p in self.externals)]
        check_params(self._every_param, outputs, tree)
        self.params, self.outputs, self.tree = tuple(params), tuple(outputs), tree
        self.keep_alive = keep_alive
        self._constants = _constants(tree)
        """The objects the code returns or uses as keys (by address: kept here)."""
        self._shapes = [tuple(shape) for _, shape, _ in outputs]
        """The shape tuples the code passes to `numpy.empty` (by address: kept here)."""
        module = ir.Module()
        self._emit(module, address, status, last)
        declare_externals(module)
        self.engine = JitEngine(str(module), opt_level=1)
        self._counter = ctypes.c_int64.from_address(self.engine.global_address(f"{SYMBOL}.calls"))
        self._method = _MethodDef(
            SYMBOL.encode(), self.engine.address(SYMBOL), METH_FASTCALL | METH_KEYWORDS, None
        )

    @property
    def calls(self) -> int:
        return int(self._counter.value)

    def touched_bytes(self) -> int:
        """The bytes of the kernel's array inputs and outputs."""
        arrays = [(p[1], p[2]) for p in self._every_param if p[0] == "array"]
        arrays += [(dtype, shape) for dtype, shape, _ in self.outputs]
        return sum(CANONICAL[dtype].itemsize * math.prod(shape) for dtype, shape in arrays)

    def bind(self, slow_path: Callable[..., Any], on_status: Callable[..., Any]) -> Any:
        """A builtin function running this entry."""
        return _new_function(ctypes.byref(self._method), (slow_path, on_status, self), None)

    def _emit(
        self, module: ir.Module, address: int, status: bool, last: tuple[int, int] | None
    ) -> None:
        counter = ir.GlobalVariable(module, _i64, f"{SYMBOL}.calls")
        counter.initializer = _const(0)
        function = ir.Function(module, ir.FunctionType(_ptr, (_ptr, _ptr, _i64, _ptr)), SYMBOL)
        self_, args, nargs, kwnames = function.args
        b = ir.IRBuilder(function.append_basic_block("entry"))
        slow = function.append_basic_block("slow")
        null = ir.Constant(_ptr, None)

        def check(ok: ir.Value) -> None:
            following = function.append_basic_block()
            b.cbranch(ok, following, slow)
            b.position_at_end(following)

        positional = len(self.params) - len(self.keywords)
        check(b.icmp_signed("==", nargs, _const(positional)))
        if not self.keywords:
            check(b.icmp_unsigned("==", kwnames, null))
        else:
            check(b.icmp_unsigned("!=", kwnames, null))
            size = b.call(_TUPLE_SIZE, [kwnames])
            check(b.icmp_signed("==", size, _const(len(self.keywords))))
            for index, keyword in enumerate(self.keywords):
                name = b.call(_TUPLE_GET, [kwnames, _const(index)])
                equal = b.call(_UNICODE_COMPARE, [name, _address(keyword)])
                check(b.icmp_signed("==", equal, ir.Constant(_i32, 0)))
        arg_values, pointers, external_values = self._check_arguments(b, check, args)

        made: list[ir.Value] = list(external_values)
        """The new references every exit from here on drops: the externals' values, the
        result arrays allocated so far."""

        def fail_if_null(value: ir.Value, also: Sequence[ir.Value] = ()) -> None:
            with b.if_then(b.icmp_unsigned("==", value, null), likely=False):
                for obj in (*also, *made):
                    b.call(_DECREF, [obj])
                b.ret(null)

        call_args = b.alloca(_ptr, 2)
        result_pointers = []
        objects: dict[int, ir.Value] = {}
        scalar_slots: dict[int, ir.Value] = {}
        for j, ((dtype, _, scalar), shape) in enumerate(zip(self.outputs, self._shapes)):
            if scalar:
                scalar_slots[j] = b.alloca(_i64)
                result_pointers.append(scalar_slots[j])
                continue
            array = self._allocate(b, module, j, dtype, shape, call_args)
            fail_if_null(array)
            made.append(array)
            objects[j] = array
            result_pointers.append(_field(b, array, DATA_OFFSET, _ptr))
        status_slot = None
        if status:
            status_slot = b.alloca(_i64)
            b.store(_const(0), status_slot)
        b.store(b.add(b.load(counter, typ=_i64), _const(1)), counter)
        if last is not None:
            cell, number = last
            b.store(_const(number), _const(cell).inttoptr(_ptr))
        kernel_args = [*pointers, *result_pointers, *([status_slot] if status_slot else [])]
        kernel_type = ir.FunctionType(ir.VoidType(), [_ptr] * len(kernel_args))
        if self.touched_bytes() >= RELEASE_GIL_BYTES:
            thread_state = b.call(_SAVE_THREAD, [])
            b.call(_FunctionAt(address, kernel_type), kernel_args)
            b.call(_RESTORE_THREAD, [thread_state])
        else:
            b.call(_FunctionAt(address, kernel_type), kernel_args)
        if status_slot is not None:
            code = b.load(status_slot, typ=_i64)
            with b.if_then(b.icmp_signed("!=", code, _const(0)), likely=False):
                for obj in made:
                    b.call(_DECREF, [obj])
                self._on_status(b, self_, args, nargs, kwnames, code)

        def build(node: Any, open_: list[ir.Value]) -> ir.Value:
            kind, value = node
            if kind == "input":
                b.call(_INCREF, [arg_values[value]])
                return arg_values[value]
            if kind == "result":
                if value in objects:
                    b.call(_INCREF, [objects[value]])
                    return objects[value]
                boxed = self._box_scalar(b, self.outputs[value][0], scalar_slots[value])
                fail_if_null(boxed, open_)
                return boxed
            if kind == "const":
                b.call(_INCREF, [_address(value)])
                return _address(value)
            if kind == "dict":
                container = b.call(_DICT_NEW, [])
                fail_if_null(container, open_)
                for key, child in value:
                    item = build(child, [container, *open_])
                    stored = b.call(_DICT_SET, [container, _address(key), item])
                    b.call(_DECREF, [item])  # PyDict_SetItem does not steal it
                    failed = b.icmp_signed("!=", stored, ir.Constant(_i32, 0))
                    with b.if_then(failed, likely=False):
                        for obj in (container, *open_, *made):
                            b.call(_DECREF, [obj])
                        b.ret(null)
                return container
            new, set_item = (_TUPLE_NEW, _TUPLE_SET) if kind == "tuple" else (_LIST_NEW, _LIST_SET)
            container = b.call(new, [_const(len(value))])
            fail_if_null(container, open_)
            for index, child in enumerate(value):
                item = build(child, [container, *open_])
                b.call(set_item, [container, _const(index), item])
            return container

        result = build(self.tree, [])
        for obj in made:
            b.call(_DECREF, [obj])
        b.ret(result)

        b.position_at_end(slow)
        slow_path = b.call(_TUPLE_GET, [self_, _const(0)])
        b.ret(b.call(_VECTORCALL, [slow_path, args, nargs, kwnames]))

    def _check_arguments(
        self, b: ir.IRBuilder, check: Callable[[ir.Value], None], args: ir.Value
    ) -> tuple[list[ir.Value], list[ir.Value], list[ir.Value]]:
        """Checks the arguments and the externals; returns every value (the arguments',
        then the externals'), the kernel's input pointers, and the externals' values
        (new references from here on)."""
        null = ir.Constant(_ptr, None)
        overflow = b.alloca(_i32)
        values = [
            b.load(b.gep(args, [_const(i)], source_etype=_ptr), typ=_ptr)
            for i in range(len(self.params))
        ]
        pointers: list[ir.Value] = []
        for arg, param in zip(values, self.params):
            self._check_param(b, check, arg, param, pointers, overflow)
        external_values = []
        for namespace, name, param in self.externals:
            if type(namespace) is dict:
                value = b.call(_DICT_GET, [_address(namespace), _address(name)])
                check(b.icmp_unsigned("!=", value, null))
            else:
                value = b.call(_CELL_GET, [_address(namespace)])
                check(b.icmp_unsigned("!=", value, null))
                b.call(_DECREF, [value])  # borrowed, as from the dict, until the incref below
            self._check_param(b, check, value, param, pointers, overflow)
            external_values.append(value)
        for value in external_values:  # held until the call returns
            b.call(_INCREF, [value])
        return [*values, *external_values], pointers, external_values

    def _box_scalar(self, b: ir.IRBuilder, dtype: str, slot: ir.Value) -> ir.Value:
        """The NumPy scalar of the element at `slot` (NULL with an exception set)."""
        if _SCALAR_ADDRESS is not None:
            scalar = _FunctionAt(_SCALAR_ADDRESS, _SCALAR_TYPE)
            return b.call(scalar, [slot, _address(CANONICAL[dtype]), ir.Constant(_ptr, None)])
        loaded = b.load(slot, typ=STORAGE[dtype])
        if dtype == "float32":
            loaded = b.fpext(loaded, _f64)
        elif dtype == "bool":
            loaded = b.zext(loaded, _i64)
        return emit_box_scalar(b, dtype, loaded)

    def _check_param(
        self,
        b: ir.IRBuilder,
        check: Any,
        obj: ir.Value,
        param: Param,
        pointers: list[ir.Value],
        overflow: ir.Value,
    ) -> None:
        """Checks `obj` against `param`; an array's data pointer goes to `pointers`."""
        kind = param[0]
        if kind == "array":
            pointers.append(self._check_array(b, check, obj, param[1], param[2]))
        elif kind == "is":
            check(b.icmp_unsigned("==", obj, _address(param[1])))
        else:
            python_type = int if kind == "int" else float
            type_ = _field(b, obj, OB_TYPE, _ptr)
            check(b.icmp_unsigned("==", type_, _address(python_type)))
            if kind == "int":
                value = b.call(_LONG_AS, [obj, overflow])
                check(b.icmp_signed("==", b.load(overflow, typ=_i32), ir.Constant(_i32, 0)))
                check(b.icmp_signed("==", value, _const(param[1])))
            else:
                bits = struct.unpack("<q", struct.pack("<d", param[1]))[0]
                assert _OB_FVAL is not None
                check(b.icmp_signed("==", _field(b, obj, _OB_FVAL, _i64), _const(bits)))

    def _allocate(
        self,
        b: ir.IRBuilder,
        module: ir.Module,
        index: int,
        dtype: str,
        shape: tuple[int, ...],
        call_args: ir.Value,
    ) -> ir.Value:
        """A new uninitialised C-ordered array (NULL with an exception set on failure)."""
        null = ir.Constant(_ptr, None)
        descr = _address(CANONICAL[dtype])
        if _NEW_FROM_DESCR_ADDRESS is None:
            b.store(_address(shape), call_args)
            b.store(descr, b.gep(call_args, [_const(1)], source_etype=_ptr))
            return b.call(_VECTORCALL, [_address(np.empty), call_args, _const(2), null])
        dims_type = ir.ArrayType(_i64, max(len(shape), 1))
        dims = ir.GlobalVariable(module, dims_type, f"{SYMBOL}.shape{index}")
        dims.initializer = ir.Constant(dims_type, list(shape) or [0])
        dims.global_constant = True
        b.call(_INCREF, [descr])
        new = _FunctionAt(_NEW_FROM_DESCR_ADDRESS, _NEW_FROM_DESCR_TYPE)
        zero = ir.Constant(_i32, 0)
        array_type = _address(np.ndarray)
        rank = ir.Constant(_i32, len(shape))
        return b.call(new, [array_type, descr, rank, dims, null, null, zero, null])

    def _check_array(
        self, b: ir.IRBuilder, check: Any, obj: ir.Value, dtype: str, shape: Sequence[int]
    ) -> ir.Value:
        """The data pointer of `obj`, after checking it is the array the kernel takes."""
        check(b.icmp_unsigned("==", _field(b, obj, OB_TYPE, _ptr), _address(np.ndarray)))
        check(b.icmp_unsigned("==", _field(b, obj, DESCR_OFFSET, _ptr), _address(CANONICAL[dtype])))
        check(b.icmp_signed("==", _field(b, obj, ND_OFFSET, _i32), ir.Constant(_i32, len(shape))))
        want = ir.Constant(_i32, NPY_C_CONTIGUOUS | NPY_ALIGNED)
        check(b.icmp_signed("==", b.and_(_field(b, obj, FLAGS_OFFSET, _i32), want), want))
        if shape:
            dims = _field(b, obj, DIMS_OFFSET, _ptr)
            for k, length in enumerate(shape):
                got = b.load(b.gep(dims, [_const(k)], source_etype=_i64), typ=_i64)
                check(b.icmp_signed("==", got, _const(length)))
        return _field(b, obj, DATA_OFFSET, _ptr)

    def _on_status(
        self,
        b: ir.IRBuilder,
        self_: ir.Value,
        args: ir.Value,
        nargs: ir.Value,
        kwnames: ir.Value,
        code: ir.Value,
    ) -> None:
        """`return on_status(status, *args, **kwargs)`."""
        null = ir.Constant(_ptr, None)
        status_object = b.call(_LONG_FROM, [code])
        with b.if_then(b.icmp_unsigned("==", status_object, null), likely=False):
            b.ret(null)
        count = len(self.params)
        call_args = b.alloca(_ptr, 1 + count)
        b.store(status_object, call_args)
        for i in range(count):
            arg = b.load(b.gep(args, [_const(i)], source_etype=_ptr), typ=_ptr)
            b.store(arg, b.gep(call_args, [_const(i + 1)], source_etype=_ptr))
        on_status = b.call(_TUPLE_GET, [self_, _const(1)])
        passed = b.add(nargs, _const(1))
        result = b.call(_VECTORCALL, [on_status, call_args, passed, kwnames])
        b.call(_DECREF, [status_object])
        b.ret(result)


def _constants(tree: Any) -> list[Any]:
    kind, value = tree
    if kind == "const":
        return [value]
    if kind in ("tuple", "list"):
        return [c for child in value for c in _constants(child)]
    if kind == "dict":
        return [c for key, child in value for c in (key, *_constants(child))]
    return []
