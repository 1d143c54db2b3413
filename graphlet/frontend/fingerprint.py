"""What a compiled `@jit` version depends on, in a form that outlives the process.

The cache key of a version (`jit_key`) is the function's code (bytecode, constants,
names, line table, defaults: everything capture reads) and its argument types. The
globals it read are its guards; they are stored with the code as fingerprints
(`guard_fingerprints`) and checked against the globals of the process that loads it
(`restore_guards`): a number by type and value, a module by name, a function by its
code, a builtin by where it lives. A global with no such fingerprint makes the
version uncacheable; one that changed makes the lookup a miss that names it. Needs
no xDSL: a hit must not load it.
"""

from __future__ import annotations

import builtins
import hashlib
import sys
import types
from collections.abc import Iterable, Sequence
from typing import Any

from graphlet.frontend.guards import MISSING, CellGuard, Guard, function_guards

Fingerprint = list[Any]


class Unfingerprintable(Exception):
    """A value whose identity across processes cannot be told: do not cache."""


def code_fingerprint(code: types.CodeType) -> str:
    """A digest of everything in `code` (nested code objects included)."""
    digest = hashlib.sha256()
    for part in _code_parts(code):
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _code_parts(code: types.CodeType) -> Iterable[Any]:
    yield from (
        code.co_code,
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags,
        code.co_filename,
        code.co_qualname,
        code.co_firstlineno,
        code.co_linetable,
        code.co_exceptiontable,
    )
    for constant in code.co_consts:
        yield _constant(constant)


def _constant(value: Any) -> Any:
    if isinstance(value, types.CodeType):
        return ("code", code_fingerprint(value))
    if isinstance(value, tuple | frozenset):
        items = [_constant(v) for v in value]
        return (
            type(value).__name__,
            sorted(map(repr, items)) if isinstance(value, frozenset) else items,
        )
    return (type(value).__name__, repr(value))


def function_fingerprint(fn: types.FunctionType) -> Fingerprint:
    """Code, defaults and closure of `fn` (its globals are guarded separately)."""
    closure = [value_fingerprint(cell.cell_contents) for cell in fn.__closure__ or ()]
    defaults = [value_fingerprint(v) for v in fn.__defaults__ or ()]
    keyword_defaults = {k: value_fingerprint(v) for k, v in (fn.__kwdefaults__ or {}).items()}
    return [code_fingerprint(fn.__code__), defaults, keyword_defaults, closure]


def value_fingerprint(value: Any) -> Fingerprint:
    """How the value of a guarded global is recognised in another process."""
    if value is MISSING:
        return ["absent"]
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return [type(value).__name__, repr(value)]
    if isinstance(value, types.ModuleType):
        if sys.modules.get(value.__name__) is not value:
            raise Unfingerprintable(f"module {value.__name__} is not imported under its name")
        return ["module", value.__name__]
    wrapped = getattr(value, "__graphlet_py_func__", None)
    if isinstance(wrapped, types.FunctionType):
        return ["jit", *function_fingerprint(wrapped)]
    if isinstance(value, types.FunctionType):
        return ["function", *function_fingerprint(value)]
    if isinstance(value, types.BuiltinFunctionType | type):
        module = getattr(value, "__module__", None) or "builtins"
        qualname = getattr(value, "__qualname__", "")
        if _resolve(module, qualname) is value:
            return ["object", module, qualname]
    raise Unfingerprintable(f"a {type(value).__name__}")


def _resolve(module: str, qualname: str) -> Any:
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, MISSING)
    return found


def namespace_fingerprint(namespace: dict[str, Any], fn: types.FunctionType) -> Fingerprint:
    """Where a guarded namespace is found again: `fn`'s own globals, the builtins, or
    an imported module's globals."""
    if namespace is fn.__globals__:
        return ["globals"]
    if namespace is builtins.__dict__ or namespace is _builtins_of(fn):
        return ["builtins"]
    name = namespace.get("__name__")
    module = sys.modules.get(name) if isinstance(name, str) else None
    if module is not None and module.__dict__ is namespace:
        return ["module", name]
    raise Unfingerprintable("a namespace that is no module's")


def _builtins_of(fn: types.FunctionType) -> dict[str, Any]:
    found = fn.__globals__.get("__builtins__", builtins.__dict__)
    return found.__dict__ if isinstance(found, types.ModuleType) else found


def _namespace(spec: Fingerprint, fn: types.FunctionType) -> dict[str, Any] | None:
    if spec == ["globals"]:
        return fn.__globals__
    if spec == ["builtins"]:
        return _builtins_of(fn)
    module = sys.modules.get(spec[1]) if spec[0] == "module" else None
    return module.__dict__ if module is not None else None


def _values(before: Fingerprint, now: Fingerprint | None) -> str:
    """` (4 -> 5)` for plain values, else nothing."""
    plain = ("bool", "int", "float", "str", "NoneType", "absent")
    if now is None or before[0] not in plain or now[0] not in plain:
        return ""
    return f" ({' '.join(before[1:]) or 'absent'} -> {' '.join(now[1:]) or 'absent'})"


def jit_key(fn: types.FunctionType, signature: Sequence[type]) -> dict[str, Any]:
    """The cache-key parts of one version of `fn` (its guards are checked apart)."""
    return {
        "source": "jit",
        "function": f"{fn.__module__}.{fn.__qualname__}",
        "code": function_fingerprint(fn),
        "signature": [repr(key) for key in signature],
    }


def guard_fingerprints(guards: Iterable[Guard], fn: types.FunctionType) -> list[Fingerprint]:
    """The global guards as [namespace, name, value] fingerprints; raises
    `Unfingerprintable`. (Attribute guards are not stored: a function's fingerprint
    holds its code and defaults, and `restore_guards` guards them again.) A closure's
    cells live in this process only: a version that read one is not stored."""
    if any(isinstance(g, CellGuard) for g in guards):
        raise Unfingerprintable("a closure's free variable")
    return [
        [namespace_fingerprint(g.namespace, fn), g.name, value_fingerprint(g.expected)]
        for g in guards
        if not g.attribute
    ]


def restore_guards(
    stored: list[Fingerprint], fn: types.FunctionType
) -> tuple[tuple[Guard, ...], str | None]:
    """The stored guards as guards on this process's globals, or why they do not hold
    (the first global whose value differs from the one compiled in)."""
    guards = function_guards(fn)
    for namespace_spec, name, expected in stored:
        namespace = _namespace(namespace_spec, fn)
        if namespace is None:
            return (), f"the namespace of global {name!r} ({namespace_spec}) is not loaded"
        value = namespace.get(name, MISSING)
        try:
            current = value_fingerprint(value)
        except Unfingerprintable:
            current = None
        if current != expected:
            return (), f"global {name!r} changed{_values(expected, current)}"
        guards.append(Guard(namespace, name, value))
        called = getattr(value, "__graphlet_py_func__", value)
        if isinstance(called, types.FunctionType):
            guards += function_guards(called)
    return tuple(guards), None
