"""`graphlet.pythonify(f, *args)`: a compiled `@jit` version as one readable Python module.

The module makes the dispatcher's work visible, in sections: the original function,
the guards (each global and code object the version read, with the value it was
compiled for), the argument checks, the native call (ctypes on the version's C
interface symbol, when the live version is loaded in this process), the compiled body
(its IR printed as Python by `graphlet.backend.python_source`, through the driver),
the fallback path and the entry that ties them together. Its `LAST_PATH` says which
path the latest call took ("native", "python", "fallback").

`graphlet.jit(f, pythonify="out.py")` writes the module of each version it compiles;
the file is replaced atomically, and a path that cannot be written is a warning that
names it, never a failed compile.
"""

from __future__ import annotations

import logging
import os
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphlet import abi
from graphlet.frontend import fingerprint
from graphlet.frontend.guards import MISSING, CellGuard, Guard

if TYPE_CHECKING:
    from graphlet.driver.jit import Dispatcher as JitFunction
    from graphlet.driver.jit import Version

logger = logging.getLogger("graphlet")


class PythonifyWarning(UserWarning):
    """The Python source of a compiled version could not be written; the compile stands."""


def section(title: str) -> str:
    bar = "# " + "=" * 76
    return f"\n\n{bar}\n# {title}\n{bar}\n"


def literal(value: Any) -> str:
    """A constant (a number, a NumPy array with its dtype and shape) as source, as the
    printed IR writes it (through the driver)."""
    from graphlet import driver

    return driver.python_literal(value)


def _namespace_expression(spec: list[Any]) -> str:
    if spec == ["globals"]:
        return "G"
    if spec == ["builtins"]:
        return "B"
    return f"module_namespace({spec[1]!r})"


def guard_check(guard: Guard, fn: types.FunctionType, index: int, guards: Any = ()) -> str:
    """One guard (the version's `index`th of `guards`) as a Python expression, with a
    comment saying what it checks."""
    if isinstance(guard, CellGuard):
        return _cell_check(guard, fn, index, guards)
    if guard.attribute:
        if guard.namespace is fn and guard.name == "__code__":
            digest = fingerprint.code_fingerprint(guard.expected)
            return f"code_fingerprint(PY_FUNC.__code__) == {digest!r},  # the compiled code"
        if guard.namespace is fn:
            return f"PY_FUNC.{guard.name} == {guard.expected!r},  # {guard.name}"
        return f"True,  # {guard.describe()}: in the fingerprint of its global"
    try:
        namespace = _namespace_expression(fingerprint.namespace_fingerprint(guard.namespace, fn))
    except fingerprint.Unfingerprintable as e:
        return f"False,  # global {guard.name!r} is in {e}: not checkable from source, so fallback"
    name = repr(guard.name)
    if guard.expected is MISSING:
        return f"{name} not in {namespace},  # global {guard.name!r} is not defined"
    return _value_check(
        f"{namespace}.get({name}, MISSING)", guard.expected, f"global {guard.name!r}", index
    )


def _value_check(subject: str, value: Any, what: str, index: int) -> str:
    """`subject` (an expression) tested against `value`, which the version compiled in:
    a number or string by type and value, a module by name, a builtin or class by where
    it lives, a function by its code, anything else by identity with the live guard's
    object."""
    if isinstance(value, tuple) and _plain(value):
        text = _plain_literal(value)
        return f"same_value({subject}, {text}),  # {what} == {text}"
    try:
        expected = fingerprint.value_fingerprint(value)
    except fingerprint.Unfingerprintable as e:
        return (
            f"{subject} is live_guard_value({index}),  # {what} is {e}: the live version's object"
        )
    kind = expected[0]
    if kind == "absent":
        return f"{subject} is MISSING,  # {what} is not bound"
    if kind == "module":
        return f"{subject} is sys.modules.get({expected[1]!r}),  # {what}: module {expected[1]}"
    if kind == "object":
        return (
            f"{subject} is resolve({expected[1]!r}, {expected[2]!r}),"
            f"  # {what}: {expected[1]}.{expected[2]}"
        )
    if kind in ("jit", "function"):
        return f"fingerprint_of({subject}) == {expected!r},  # {what}: the function as compiled"
    text = literal(value)
    return f"same_value({subject}, {text}),  # {what} == {text}"


def _plain(value: Any) -> bool:
    """A number, string, None, or a tuple of such: told apart by type and `repr`."""
    if isinstance(value, tuple):
        return type(value) is tuple and all(map(_plain, value))
    return value is None or type(value) in (bool, int, float, str)


def _plain_literal(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + "".join(f"{_plain_literal(item)}, " for item in value) + ")"
    return literal(value)


def _cell_check(guard: CellGuard, fn: types.FunctionType, index: int, guards: Any) -> str:
    """A closure's free variable, read from its cell: one of the compiled function's
    own (`PY_FUNC.__closure__`), or of a function it calls that is itself a guarded
    global (the guard's `namespace` is the cell)."""
    what = f"free variable {guard.name!r}"
    closure = fn.__closure__ or ()
    if any(cell is guard.namespace for cell in closure):
        position = next(i for i, cell in enumerate(closure) if cell is guard.namespace)
        subject = f"cell_value(PY_FUNC, {position})"
        return _value_check(subject, guard.expected, what, index)
    for other in guards:
        called = getattr(other.expected, "__graphlet_py_func__", other.expected)
        cells = getattr(called, "__closure__", None) or ()
        if (
            isinstance(other, CellGuard)
            or other.attribute
            or not isinstance(called, types.FunctionType)
        ):
            continue
        if not any(cell is guard.namespace for cell in cells):
            continue
        try:
            namespace = _namespace_expression(
                fingerprint.namespace_fingerprint(other.namespace, fn)
            )
        except fingerprint.Unfingerprintable:
            break
        position = next(i for i, cell in enumerate(cells) if cell is guard.namespace)
        subject = f"cell_value({namespace}.get({other.name!r}, MISSING), {position})"
        return _value_check(subject, guard.expected, f"{what} of {called.__qualname__}", index)
    return f"False,  # {what} of a closure no global names: not checkable from source, so fallback"


def argument_check(name: str, key: Any) -> str:
    """The dispatcher's key of one argument (`signature.key_of`) as a Python test."""
    from graphlet.frontend.bytecode.signature import ArrayOf, ListOf, StrValue, TupleOf

    if key is int:
        return f"type({name}) is int and {abi.INT_MIN} <= {name} <= {abi.INT_MAX}"
    if key in (bool, float, complex):
        return f"type({name}) is {key.__name__}"
    if key is type(None):
        return f"{name} is None"
    if isinstance(key, StrValue):
        return f"type({name}) is str and {name} == {key.value!r}"
    if isinstance(key, TupleOf):
        items = [argument_check(f"{name}[{i}]", item) for i, item in enumerate(key.items)]
        return " and ".join([f"type({name}) is tuple", f"len({name}) == {len(items)}", *items])
    if isinstance(key, ListOf) and key.item is None:
        return f"type({name}) is list and not {name}"
    if isinstance(key, ListOf):
        item = argument_check("v", key.item)
        return f"type({name}) is list and all({item} for v in {name})"
    if isinstance(key, ArrayOf):
        return (
            f"type({name}) is np.ndarray and {name}.dtype is np.dtype({key.dtype!r}) "
            f"and {name}.ndim == {key.ndim} and {name}.flags.aligned "
            f"and {name}.flags.writeable is {key.writeable}"
        )
    return "False"  # a key no version is compiled for


def key_literal(key: Any) -> str:
    """A dispatcher key as the source that builds it (`int`, `ListOf(float)`, ...)."""
    from graphlet.frontend.bytecode.signature import ArrayOf, ListOf, StrValue, TupleOf

    if key is type(None):
        return "type(None)"
    if isinstance(key, type):
        return key.__name__
    if isinstance(key, TupleOf):
        return f"TupleOf(({''.join(key_literal(item) + ', ' for item in key.items)}))"
    if isinstance(key, ListOf):
        return f"ListOf({key_literal(key.item) if key.item is not None else None})"
    if isinstance(key, StrValue):
        return f"StrValue({key.value!r})"
    if isinstance(key, ArrayOf):
        return f"ArrayOf({key.dtype!r}, {key.ndim}, {key.writeable})"
    raise TypeError(f"graphlet pythonify: no source for the dispatch key {key!r}")


def _all_specs(specs: tuple[tuple[Any, ...], Any]) -> list[Any]:
    return [*specs[0], specs[1]]


def _uses_memory(spec: Any) -> bool:
    """Whether a value spec holds a list or an array (`python_memory` passes those)."""
    if isinstance(spec, str):
        return False
    if spec[0] in ("list", "array", "npscalar"):
        return True
    return spec[0] in ("tuple", "union") and any(_uses_memory(item) for item in spec[1])


_C_TYPES = {"i1": "ctypes.c_bool", "i64": "ctypes.c_int64", "f64": "ctypes.c_double"}


def _flat_results(spec: Any) -> list[str] | None:
    """The scalar result slots of a result spec, or None for values that are not scalars."""
    if spec in _C_TYPES:
        return [spec]
    if isinstance(spec, tuple) and spec[0] == "tuple" and all(s in _C_TYPES for s in spec[1]):
        return list(spec[1])
    return None


def _native_section(version: Version, params: list[str]) -> str:
    kernel = version.kernel
    signature = getattr(kernel, "signature", None)
    results = _flat_results(signature.results[0]) if signature is not None else None
    if (
        signature is None
        or results is None
        or not all(a in _C_TYPES for a in signature.args)
        or not signature.call_depth
    ):
        args = ", ".join(params)
        return (
            f"def native_call({args}):\n"
            '    """The live version\'s CPython wrapper (its values are not scalars ctypes\n'
            '    passes: it unboxes them itself); NOT_NATIVE when this process has none."""\n'
            '    version = getattr(ORIGINAL, "versions", {}).get(SIGNATURE)\n'
            '    native = getattr(version, "native", None)\n'
            "    if native is None:\n"
            "        return NOT_NATIVE\n"
            "    try:\n"
            f"        return native({args})\n"
            "    except NativeHandBack:\n"
            "        return HAND_BACK\n"
        )
    arg_types = [_C_TYPES[a] for a in signature.args]
    decode = ", ".join(f"decode(slots[{i + 1}], {kind!r})" for i, kind in enumerate(results))
    return f'''NATIVE_SYMBOL = {abi.c_interface_symbol(kernel.symbol)!r}
PROTOTYPE = ctypes.PYFUNCTYPE(
    None, ctypes.c_void_p, {", ".join(arg_types)}, ctypes.c_int64, ctypes.c_void_p
)
"""Called holding the GIL (PYFUNCTYPE, not CFUNCTYPE): the code may make NumPy arrays
through Python's C API."""
{release_arena_source()}

def native_call({", ".join(params)}):
    """`{abi.c_interface_symbol(kernel.symbol)}(results*, args..., depth, arena)` of the
    live version's engine, through ctypes; NOT_NATIVE when this process has none. The
    arena is released on every exit, as the CPython wrapper releases it."""
    version = getattr(ORIGINAL, "versions", {{}}).get(SIGNATURE)
    engine = getattr(getattr(version, "kernel", None), "engine", None)
    if version is None or version.native is None or engine is None:
        return NOT_NATIVE
    slots = (ctypes.c_uint64 * {len(results) + 1})()
    arena = (ctypes.c_void_p * {ARENA_POINTERS})()
    function = PROTOTYPE(engine.address(NATIVE_SYMBOL))
    try:
        function(ctypes.addressof(slots), {", ".join(params)}, {abi.CALL_DEPTH_ARGS[0]}, ctypes.addressof(arena))
    finally:
        release_arena(arena, undo=slots[0] != 0)
    if slots[0] != 0:
        return HAND_BACK  # status {{slots[0]}}: Python computes this call
    return {decode}
'''


def release_arena_source() -> str:
    """`release_arena(arena, undo)`: what the CPython wrapper's `free_arena` does, in
    Python: frees the lists the call made (`graphlet.backend.lists`; the layout in `graphlet.abi`), replays the undo
    log backwards when the call handed back, frees the log and drops the arrays the
    call made (`graphlet.backend.arrays`)."""
    return f'''
LIBC_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(("free", ctypes.CDLL(None)))
PY_DECREF = ctypes.PYFUNCTYPE(None, ctypes.c_void_p)(("Py_DecRef", ctypes.pythonapi))
RESTORE = {{1: ctypes.c_uint8, 4: ctypes.c_uint32, 8: ctypes.c_uint64}}


def release_arena(arena, undo):
    """Frees the arena's lists (each a {abi.LIST_HEADER_BYTES}-byte header: data field {abi.LIST_DATA},
    next field {abi.LIST_NEXT}), restores the logged writes when `undo`, frees the log and
    drops the arrays the call made (fields {abi.ARENA_LOG}.. of the arena)."""
    node = arena[0]
    while node:
        header = (ctypes.c_void_p * {abi.LIST_HEADER_BYTES // 8}).from_address(node)
        following = header[{abi.LIST_NEXT}]
        LIBC_FREE(header[{abi.LIST_DATA}])
        LIBC_FREE(node)
        node = following
    arena[0] = None
    log, length = arena[{abi.ARENA_LOG}], arena[{abi.ARENA_LOG_LENGTH}] or 0
    if undo and log:
        entries = (ctypes.c_uint64 * (3 * length)).from_address(log)
        for i in reversed(range(length)):
            address, old, size = entries[3 * i], entries[3 * i + 1], entries[3 * i + 2]
            RESTORE[size].from_address(address).value = old & ((1 << (8 * size)) - 1)
    LIBC_FREE(log)
    owned, count = arena[{abi.ARENA_OWNED}], arena[{abi.ARENA_OWNED_LENGTH}] or 0
    if owned:
        for array in (ctypes.c_void_p * count).from_address(owned):
            PY_DECREF(array)
    LIBC_FREE(owned)
    for field in range(2, {abi.ARENA_FIELDS}):
        arena[field] = None
'''


RESERVED = frozenset(
    {"arguments_match", "body", "decode", "fallback", "guards_hold", "module_namespace"}
    | {"live_guard_value", "MISSING", "NOT_NATIVE", "HAND_BACK", "LAST_PATH", "ORIGINAL"}
    | {"PY_FUNC", "SIGNATURE", "NATIVE_SYMBOL", "PROTOTYPE"}
    | {"native_call", "resolve", "same_value", "HandBack", "ieee", "trunc_div", "trunc_rem"}
    | {"wrap64", "math", "np", "builtins", "ctypes", "sys", "flatten_value", "unflatten_value"}
    | {"code_fingerprint", "value_fingerprint", "NativeHandBack", "ArrayOf", "ListOf"}
    | {"StrValue", "TupleOf", "release_arena", "LIBC_FREE", "PY_DECREF", "RESTORE"}
    | {"cell_value", "fingerprint_of", "Unfingerprintable"}
)
"""Names the wrapper defines (the printed IR's own are `driver.python_source_names()`):
an entry of such a name gets `_entry` appended."""

ARENA_POINTERS = 16
"""Pointers in the zeroed arena the ctypes call passes (the arena's fields, with room
to spare). A scalar version that makes lists or arrays inside (`list_sieve(n)`) runs
in it, and `release_arena` frees them after the call."""


HELPERS = '''
MISSING = object()
NOT_NATIVE = object()
HAND_BACK = object()
LAST_PATH = None
"""Which path the latest call took: "native", "python" (the body below) or "fallback"."""


def module_namespace(name):
    module = sys.modules.get(name)
    return vars(module) if module is not None else {}


def resolve(module, qualname):
    found = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, MISSING)
    return found


def live_guard_value(index):
    """The object the live version's guard `index` was compiled for: a global that has
    no source form is compared with it (NOT_NATIVE, equal to nothing, without one)."""
    version = getattr(ORIGINAL, "versions", {}).get(SIGNATURE)
    guards = getattr(version, "guards", ())
    return guards[index].expected if index < len(guards) else NOT_NATIVE


def cell_value(function, position):
    """The contents of `function`'s closure cell `position` (MISSING when it is empty,
    or `function` is not the closure the version was compiled from)."""
    function = getattr(function, "__graphlet_py_func__", function)
    closure = getattr(function, "__closure__", None) or ()
    try:
        return closure[position].cell_contents
    except (IndexError, ValueError):
        return MISSING


def fingerprint_of(value):
    """A function's code, defaults and closure as the version compiled them (None for
    anything that is not a function)."""
    try:
        return value_fingerprint(value)
    except Unfingerprintable:
        return None


def same_value(value, expected):
    """Told apart by exact type and `repr` (-0.0 from 0.0, True from 1), item by item."""
    if type(value) is not type(expected):
        return False
    if type(expected) is tuple:
        return len(value) == len(expected) and all(map(same_value, value, expected))
    return repr(value) == repr(expected)


def decode(slot, kind):
    """One 8-byte result slot as the Python value of its IR type."""
    if kind == "f64":
        return ctypes.c_double.from_buffer(ctypes.c_uint64(slot)).value
    value = ctypes.c_int64(slot).value
    return bool(value) if kind == "i1" else value
'''


def entry_name(fn: Callable[..., Any]) -> str:
    """The name of the emitted module's entry for `fn`: its own, or with `_entry`
    appended when the module defines that name already."""
    from graphlet import driver

    name = fn.__name__
    return f"{name}_entry" if name in RESERVED | driver.python_source_names() else name


def version_source(jitted: JitFunction, version: Version) -> str:
    """The Python module of one compiled version of `jitted` (see the module docstring)."""
    from graphlet import driver

    fn = jitted.py_func
    code = fn.__code__
    params = list(code.co_varnames[: code.co_argcount])
    signature_text = ", ".join(
        t.__name__ if isinstance(t, type) else repr(t) for t in version.signature
    )
    title = f"{fn.__qualname__}({signature_text})"
    entry = entry_name(fn)
    body: str | None = None
    symbol: str | None = None
    memory = False
    if version.module is not None and version.symbol is not None:
        memory = version.specs is not None and any(map(_uses_memory, _all_specs(version.specs)))
        body = driver.python_source(version.module, memory=memory)
        symbol = driver.python_name(version.symbol)
    out = [f'"""graphlet pythonify: {title}, from {code.co_filename}:{code.co_firstlineno}.\n']
    out.append(
        'Run it with `exec(source, {"original": f})` (f the `@graphlet.jit` function or the\n'
        f"plain one), or import it: the original is then `{fn.__module__}.{fn.__qualname__}`.\n"
        f"Call `{entry}(...)` as the original; LAST_PATH says which path it took.\n"
        '"""\n'
    )
    out.append(body if body is not None else "import math\n\nimport numpy as np\n")
    out.append("import builtins\nimport ctypes\nimport sys\n\n")
    out.append(
        "from graphlet.frontend.bytecode.signature import ArrayOf, ListOf, StrValue, TupleOf\n"
    )
    out.append("from graphlet.runtime.jit_backends import HandBack as NativeHandBack\n")
    out.append("from graphlet.runtime.jit_backends import flatten_value, unflatten_value\n")
    out.append(
        "from graphlet.frontend.fingerprint import Unfingerprintable, code_fingerprint,"
        " value_fingerprint\n"
    )
    out.append(section("The original function"))
    out.append(
        f'ORIGINAL = globals().get("original") or resolve({fn.__module__!r}, {fn.__qualname__!r})\n'
        'PY_FUNC = getattr(ORIGINAL, "py_func", ORIGINAL)\n'
        f"SIGNATURE = ({''.join(f'{key_literal(t)}, ' for t in version.signature)})\n"
        '"""The dispatcher\'s key of the version (`graphlet.frontend.bytecode.signature`)."""\n'
    )
    out.insert(len(out) - 2, HELPERS)
    out.append(section("Guards: what this version read, with the values it was compiled for"))
    checks = [guard_check(g, fn, i, version.guards) for i, g in enumerate(version.guards)]
    out.append("def guards_hold():\n")
    out.append("    G = PY_FUNC.__globals__\n")
    out.append('    B = G.get("__builtins__", builtins.__dict__)\n')
    out.append("    B = vars(B) if isinstance(B, type(sys)) else B\n")
    out.append("    return all((\n")
    out.extend(f"        {check}\n" for check in checks)
    out.append("    ))\n")
    out.append(section("Argument checks: the types this version was compiled for"))
    arg_checks = [argument_check(p, t) for p, t in zip(params, version.signature)]
    out.append(f"def arguments_match({', '.join(params)}):\n")
    out.append("    return " + (" and ".join(f"({c})" for c in arg_checks) or "True") + "\n")
    out.append(section("Native call: the machine code, through ctypes on its symbol"))
    out.append(
        _native_section(version, params)
        if version.native is not None
        else (
            f"def native_call({', '.join(params)}):\n"
            f"    return NOT_NATIVE  # runs in Python: {version.python_reason}\n"
        )
    )
    out.append(section("Compiled body: the version's IR as Python (above), called with its ABI"))
    out.append(f"def body({', '.join(params)}):\n")
    if symbol is None or version.specs is None:
        out.append(f"    raise HandBack({str(version.python_reason)!r})\n")
    elif memory:
        arg_specs, result_spec = version.specs
        out.append(
            f'    """The values flattened as the ABI passes them ({list(arg_specs)!r}): lists\n'
            "    copied in, arrays by address; then the call depth and the call's arena. The\n"
            f"    result rebuilt from {result_spec!r}; the argument lists written back only\n"
            '    when the call succeeds, the writes to arrays undone when it does not."""\n'
            "    lists = {}\n"
            f"    flat = [v for spec, arg in zip({arg_specs!r}, ({''.join(p + ', ' for p in params)})) "
            "for v in flatten_argument(spec, arg, lists)]\n"
            "    arena = Arena()\n"
            "    try:\n"
            f"        results = {symbol}(*flat, {abi.CALL_DEPTH_ARGS[0]}, arena)\n"
            "        results = results if isinstance(results, tuple) else (results,)\n"
            f"        result = box_result({result_spec!r}, iter(results))\n"
            "    except BaseException:\n"
            "        arena.undo()\n"
            "        raise\n"
            "    reflect(lists)\n"
            "    return result\n"
        )
    else:
        arg_specs, result_spec = version.specs
        out.append(
            f'    """The values flattened as the ABI passes them ({list(arg_specs)!r}), then the\n'
            f'    call depth and no list arena; the result rebuilt from {result_spec!r}."""\n'
            f"    flat = [v for spec, arg in zip({arg_specs!r}, ({''.join(p + ', ' for p in params)})) "
            "for v in flatten_value(spec, arg)]\n"
            f"    results = {symbol}(*flat, {abi.CALL_DEPTH_ARGS[0]}, None)\n"
            "    results = results if isinstance(results, tuple) else (results,)\n"
            f"    return unflatten_value({result_spec!r}, iter(results))\n"
        )
    out.append(section("Fallback path: the original function in CPython"))
    out.append(f"def fallback({', '.join(params)}):\n")
    out.append("    global LAST_PATH\n")
    out.append('    LAST_PATH = "fallback"\n')
    out.append(f"    return PY_FUNC({', '.join(params)})\n")
    out.append(section("Entry: what the dispatcher does on a call"))
    args = ", ".join(params)
    out.append(
        f"def {entry}({args}):\n"
        "    global LAST_PATH\n"
        f"    if not (arguments_match({args}) and guards_hold()):\n"
        f"        return fallback({args})\n"
        f"    result = native_call({args})\n"
        "    if result is HAND_BACK:\n"
        f"        return fallback({args})\n"
        "    if result is not NOT_NATIVE:\n"
        '        LAST_PATH = "native"\n'
        "        return result\n"
        "    try:\n"
        f"        result = body({args})\n"
        "    except Exception:  # HandBack, or an error: CPython redoes the call, as\n"
        f"        return fallback({args})  # native code hands back where Python raises\n"
        '    LAST_PATH = "python"\n'
        "    return result\n"
    )
    return "".join(out)


def write_source(path: str | os.PathLike[str], source: str, what: str) -> bool:
    """Writes `source` to `path` atomically; a path that cannot be written is a
    `PythonifyWarning` naming it and the reason (False), never an exception."""
    from graphlet.driver.cache import write_atomically

    try:
        write_atomically(Path(path), source.encode())
    except OSError as e:
        warnings.warn(
            f"graphlet pythonify: cannot write {what} to {os.fspath(path)!r}: "
            f"{e.strerror or e}; the compiled code is unaffected",
            PythonifyWarning,
            stacklevel=4,
        )
        return False
    logger.debug("PYTHONIFY %s -> %s", what, os.fspath(path))
    return True
