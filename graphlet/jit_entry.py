"""`@graphlet.jit`: compile a Python function from its bytecode on first call.

    @graphlet.jit
    def f(n): ...

`JitFunction` is the runtime's dispatcher (`graphlet.runtime.dispatch`: calls a
version, the fast path, hand-backs) with the frontend's compiler of versions
(`graphlet.frontend.jit`: capture, then the driver). `graphlet.explain(f, *args)`
reports every graph break of that signature; `graphlet.pythonify(f, *args)` writes
a version as Python. Importing this module and decorating load nothing of the
compiler: that happens on the first call.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphlet.frontend.jit import GraphletCompileWarning, JitCompiler
from graphlet.runtime.dispatch import (
    FAST_CHAIN_LENGTH,
    HANDBACK_LIMIT,
    Dispatcher,
    JitCompileError,
    Version,
    signature_text,
)

if TYPE_CHECKING:
    from graphlet.runtime.jit_backends import ExecutionBackend

__all__ = [
    "FAST_CHAIN_LENGTH",
    "HANDBACK_LIMIT",
    "Explanation",
    "GraphletCompileWarning",
    "JitCompileError",
    "JitFunction",
    "Version",
    "explain",
    "jit",
    "pythonify",
]


class JitFunction(JitCompiler, Dispatcher):
    """The callable `graphlet.jit` returns: dispatch by argument types to compiled versions."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled by reference, as Numba's dispatchers are: the module and name it is
        found under (a process that unpickles it imports the module and gets the same
        dispatcher), or, when it is not reachable so (a nested function, `__main__`
        under a cluster), its Python function by value, which cloudpickle can write.
        Never machine code: a new process compiles, or loads from the on-disk cache
        when `cache=True`."""
        fn = self.py_func
        if _find(fn.__module__, fn.__qualname__) is self:
            return _jit_by_reference, (fn.__module__, fn.__qualname__)
        return _jit_by_value, (fn, self._options())

    def _options(self) -> dict[str, Any]:
        return {
            "backend": self._backend,
            "cache": self.cache,
            "strict": self.strict,
            "fastmath": self.fastmath,
            "regions": self.regions,
            "pythonify": self.pythonify,
        }


def _find(module: str, qualname: str) -> Any:
    """The object `module.qualname` names, or None."""
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return found


def _jit_by_reference(module: str, qualname: str) -> JitFunction:
    importlib.import_module(module)
    found = _find(module, qualname)
    if not isinstance(found, JitFunction):
        raise pickle.UnpicklingError(
            f"graphlet.jit: {module}.{qualname} is not a jitted function in this process"
        )
    return found


def _jit_by_value(fn: types.FunctionType, options: dict[str, Any]) -> JitFunction:
    return JitFunction(fn, options.pop("backend"), **options)


def jit(
    fn: Callable[..., Any] | None = None,
    *,
    backend: ExecutionBackend | None = None,
    cache: bool = False,
    strict: bool = False,
    fastmath: bool | set[str] = False,
    regions: bool = False,
    pythonify: str | os.PathLike[str] | None = None,
) -> Any:
    """`@graphlet.jit`, `@graphlet.jit(cache=True, strict=True, backend=...)` or
    `graphlet.jit(fn)`.

    `pythonify="out.py"` writes each version it compiles as a readable Python module
    (`graphlet.pythonify`), replacing the file atomically; a path that cannot be
    written is a `PythonifyWarning`, and the compiled code is used all the same.

    `strict=True` is Numba's `nopython=True`: a call that would run in Python (a graph
    break, an argument type or a keyword-only parameter that is not compiled) raises
    `JitCompileError` naming the source line, instruction and construct of each break,
    at the first call of that signature. A compiled call may still hand back to
    CPython where its answer is CPython's and not a machine's: an int that leaves 64
    bits, an exception CPython raises (`ZeroDivisionError`, `IndexError`, ...).

    `fastmath=` is accepted for Numba's spelling and changes nothing: the scalar path's
    contract is Python's exact float results (`x * y + z` is two roundings, `x ** 0.5`
    is libm's `pow`), which LLVM's fast-math flags would break.

    `regions=True` (`graphlet.capture.region_jit`) makes graph breaks region breaks
    where that is sound: a `print` or an unknown call at a statement boundary runs in
    CPython and the compiled code carries on (docs/jit-region-breaks.md)."""
    if fn is None:
        return lambda f: jit(
            f,
            backend=backend,
            cache=cache,
            strict=strict,
            fastmath=fastmath,
            regions=regions,
            pythonify=pythonify,
        )
    if isinstance(fn, JitFunction):
        return fn
    return JitFunction(
        fn,  # type: ignore[arg-type]  # checked: a TypeError names what it got
        backend,
        cache=cache,
        strict=strict,
        fastmath=fastmath,
        regions=regions,
        pythonify=pythonify,
    )


# --------------------------------------------------------------------------- explain


@dataclass
class ExplainedBreak:
    line: int | None
    filename: str
    function: str
    opname: str
    reason: str
    fell_back: bool
    """Whether the call handed back to Python (a function that runs in Python always
    does; for a bail point, whether this call reached one or otherwise handed back)."""


@dataclass
class RegionReport:
    """A region break of a version: its place, what it calls, and how often (over all
    calls of the version) that call ran and the rest of the call resumed in CPython."""

    filename: str
    line: int | None
    function: str
    target: str
    calls: int
    resumed: int

    def __str__(self) -> str:
        text = (
            f"region break at {self.filename}:{self.line} in {self.function}: "
            f"{self.calls} calls to {self.target} ran in CPython, the rest natively"
        )
        if self.resumed:
            text += f" ({self.resumed} calls resumed in CPython after it)"
        return text


@dataclass
class Explanation:
    """What `graphlet.explain` found for one call."""

    function: str
    signature: tuple[type, ...]
    mode: str
    breaks: list[ExplainedBreak] = field(default_factory=list)
    fell_back: bool = False
    result: Any = None
    regions: list[RegionReport] = field(default_factory=list)
    why: str | None = None
    """Why this call ran in Python, when its compiled code handed it back."""
    raised: str | None = None
    """The exception the call raised (`ValueError: math domain error`), if any."""

    def __repr__(self) -> str:
        """The report itself, so `graphlet.explain(f, x)` at a REPL prints it."""
        return str(self)

    def __str__(self) -> str:
        lines = [f"{self.function}{signature_text(self.signature)}: {self.mode}"]
        ran = "fell back to Python" if self.fell_back else "ran in native code"
        lines.append(
            f"  this call {ran}" + (f": {self.why}" if self.fell_back and self.why else "")
        )
        if self.raised is not None:
            lines.append(f"  it raised {self.raised}")
        if not self.breaks and not self.regions:
            lines.append("  no graph breaks")
        lines += [f"  {region}" for region in self.regions]
        for b in self.breaks:
            where = f"{b.filename}:{b.line}"
            lines.append(f"  break at {where} in {b.function}: {b.opname}: {b.reason}")
        return "\n".join(lines)


def explain(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Explanation:
    """Compile `fn` for these arguments, call it once, and report every graph break:
    its source line, opcode, reason, whether the call fell back to Python and why, and
    the exception it raised (reported, not raised: the report is what is asked for)."""
    jitted = fn if isinstance(fn, JitFunction) else jit(fn)
    bound = jitted._bind(args, kwargs) if kwargs or len(args) != jitted._argcount else args
    signature = jitted._key(bound) if bound is not None else None  # before lists change
    jitted.last_hand_back = None
    result, raised = None, None
    try:  # the Python dispatch, which records why a call hands back
        result = jitted._dispatch(*args, **kwargs)
    except Exception as e:
        raised = f"{type(e).__name__}: {e}"
    version = jitted._versions.get(signature) if signature is not None else None
    if version is None:
        reason = "keyword-only parameters run in Python"
        return Explanation(
            jitted.py_func.__qualname__,
            (),
            f"runs in Python ({reason})",
            [],
            True,
            result,
            raised=raised,
        )
    fell_back = version.native is None or jitted.last_call_handed_back
    if version.native is None:
        mode = f"runs in Python ({version.python_reason})"
    elif version.has_bail_points:
        mode = "compiled, with bail points that hand the call back to Python"
    elif version.regions:
        mode = "compiled, with region breaks that run one call in CPython"
    else:
        mode = "compiled"
    breaks = [
        ExplainedBreak(r.line, r.filename, r.function, r.opname, r.reason, fell_back)
        for r in version.breaks
    ]
    regions = [
        RegionReport(
            site.fn.__code__.co_filename,
            site.line,
            site.fn.__qualname__,
            site.target_name,
            site.calls,
            site.resumed,
        )
        for site in version.regions
    ]
    why = jitted.last_hand_back if version.native is not None else None
    return Explanation(
        jitted.py_func.__qualname__,
        version.signature,
        mode,
        breaks,
        fell_back,
        result,
        regions,
        why=why,
        raised=raised,
    )


def pythonify(fn: Callable[..., Any], *args: Any) -> str:
    """The Python source of `fn`'s `@jit` version for these arguments (compiled now
    if it was not yet; `fn` is not called)."""
    from graphlet.frontend.pythonify import version_source

    jitted: JitFunction = fn if isinstance(fn, JitFunction) else jit(fn)
    bound = jitted._bind(args, {}) if len(args) != jitted._argcount else tuple(args)
    if bound is None:
        raise TypeError(
            f"graphlet.pythonify: {jitted.py_func.__qualname__} has keyword-only parameters, "
            "which run in Python"
        )
    version = jitted.version_for(*bound)
    if version is None or (version.guards and not version.guards_hold()):
        version = jitted._compile_once(bound)
    return version_source(jitted, version)
