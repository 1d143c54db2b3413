"""The dispatcher of `@graphlet.jit`: it calls a function's compiled versions.

The dispatcher is thin: it picks the compiled version for the argument types
(bool, int or float; anything else, or an int past 64 bits, runs in Python), checks
that what the version read is unchanged (its guards: the globals and module
attributes such as `math.floor`, and the `__code__` and `__defaults__` of the
function and of every function it calls), and calls it. A version that hands
a call back (Python would raise, an int overflowed, a bail point was reached) reruns
the plain function from the start, which is safe because compiled code has no side
effects. The fast entry calls the plain function itself, so a handed-back level of a
recursion costs what a CPython level does (on 3.11 the entry also gives back the two
levels calling it took from the recursion budget), and native recursion nests as deep
as CPython's remaining budget allows (up to `abi.NATIVE_DEPTH_CAP`): recursion reaches
CPython's depth either way.

Fast path: each dispatcher is the only instance of its own subclass, whose
`__call__` is a builtin function (see `graphlet.backend.cpython_wrapper`) for the
most recently compiled native versions, chained: each checks its argument types and
its guarded globals in native code and calls its kernel, or passes the call on to the
next one, the last to the Python dispatch above (`Dispatcher._dispatch`). So a call
with a compiled signature runs no Python code, and a changed guarded global or an
unexpected argument always reaches the Python dispatch, which recompiles or falls
back. The chain is rebuilt whenever the set of native versions changes. Debug logging
keeps it (the first call of each version goes through the Python dispatch and is
logged); only `GRAPHLET_DEBUG=3` drops it, so that every call is logged.

Threads: a thread that waited for the dispatcher's lock (held while compiling and
replacing the call path) finds the version another compiled. Every fast entry ever
installed lives as long as the dispatcher, since CPython's type cache can hand a
replaced `__call__` to another thread.

`Dispatcher` does not compile: its subclass (`graphlet.jit_entry.JitFunction`, with
the frontend's `graphlet.frontend.jit.JitCompiler`) keys a call (`_key`) and makes a
version for a key (`_compile_once`).
"""

from __future__ import annotations

import ctypes
import functools
import inspect
import logging
import os
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphlet import debug
from graphlet.abi import INT_MAX as _INT_MAX
from graphlet.abi import INT_MIN as _INT_MIN
from graphlet.abi import HandBack
from graphlet.backend import regions

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

    from graphlet.runtime.jit_backends import ExecutionBackend

logger = logging.getLogger("graphlet")

HANDBACK_LIMIT = 64
"""After this many hand-backs, a version that hands back on most calls runs in Python."""
FAST_CHAIN_LENGTH = 4
"""How many native versions (the most recently compiled) the fast path tries."""


class JitCompileError(TypeError):
    """`@jit(strict=True)` could not compile a call (Numba's `nopython=True` error):
    the message names the function, the argument types and each break's source line,
    instruction and construct."""


@dataclass
class Version:
    """The code for one argument-type signature: native (`native` set) or Python."""

    signature: tuple[type, ...]
    native: Callable[..., Any] | None
    guards: tuple[Any, ...]
    """What it read, each valid while `holds()` (`graphlet.frontend.guards.Guard`)."""
    breaks: list[Any]
    """Its graph breaks (`graphlet.frontend.bytecode.breaks.BreakRecord`)."""
    python_reason: str | None = None
    int_positions: tuple[int, ...] = ()
    has_bail_points: bool = False
    compile_seconds: float = 0.0
    counted_calls: int = 0
    """Native calls made through the Python dispatch, for kernels that do not count."""
    python_handbacks: int = 0
    """Hand-backs native code did not count (an int argument past 64 bits, a backend
    without counters)."""
    module: ModuleOp | None = None
    specs: tuple[tuple[Any, ...], Any] | None = None
    """The value specs of the arguments and of the result (`graphlet.backend.pyvalues`)."""
    symbol: str | None = None
    """The entry function of `module`."""
    kernel: Any = None
    """The native callable, kept after a demotion to Python for its call count."""
    fast: bool = False
    """Whether the native code checks this version's guards itself, so it can be the
    dispatcher's own call path (`_install_fast_path`)."""

    regions: list[Any] = field(default_factory=list)
    """Its region breaks (`graphlet.runtime.regions.RegionSite`): calls that
    run in CPython while the rest of the call stays native."""

    demoted: bool = False
    """Whether it hands back on most calls, so its calls run in Python outright (from
    its fast entry, when it has one: `CompiledWrapper.demote`)."""

    @property
    def calls(self) -> int:
        """Calls that reached native code."""
        return self.counted_calls + getattr(self.kernel, "calls", 0)

    @property
    def handbacks(self) -> int:
        """Calls handed back to Python."""
        return self.python_handbacks + getattr(self.kernel, "handbacks", 0)

    def guards_hold(self) -> bool:
        return all(guard.holds() for guard in self.guards)


class Dispatcher:
    """Dispatch by argument types to compiled versions, or to the plain function."""

    handback_limit = HANDBACK_LIMIT

    def __new__(cls, *args: Any, **kwargs: Any) -> Dispatcher:
        """An instance of a class of its own, whose `__call__` can then be this
        dispatcher's builtin entry (builtins in a class are not bound to the instance)."""
        own_class = type(
            cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
        return super().__new__(own_class)

    def __init__(
        self,
        fn: types.FunctionType,
        backend: ExecutionBackend | None = None,
        *,
        cache: bool = False,
        strict: bool = False,
        fastmath: bool | set[str] = False,
        regions: bool = False,
        pythonify: str | os.PathLike[str] | None = None,
    ) -> None:
        if not isinstance(fn, types.FunctionType):
            raise TypeError(f"graphlet.jit needs a Python function, got {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        self.__graphlet_py_func__ = fn
        self.py_func = fn
        self.cache = cache
        """Whether native versions are kept in (and taken from) the on-disk cache."""
        self.strict = strict
        """Whether a call that would run in Python (a graph break, an argument type that
        is not compiled) raises `JitCompileError` instead."""
        self.fastmath = fastmath
        """Accepted for Numba's spelling and ignored: see `jit`."""
        self.regions = regions
        """Whether a graph break may be a region break: that call runs in CPython and
        the compiled code carries on (docs/jit-region-breaks.md)."""
        self.pythonify = pythonify
        """Where each compiled version's Python source is written (`graphlet.pythonify`)."""
        self._backend = backend
        self._argcount = fn.__code__.co_argcount
        self._versions: dict[tuple[type, ...], Version] = {}
        self._retired_calls = 0
        self.last_hand_back: str | None = None
        """Why the latest call that reached Python's dispatch handed back (calls that
        hand back from a fast entry leave it as it was; `explain` dispatches in Python)."""
        self._clock = (ctypes.c_int64 * 2)(1, 0)
        """[calls so far, the count when the latest hand-back finished]: bumped by native
        code too (`CompiledWrapper.hand_back_directly`), for `last_call_handed_back`."""
        self._lock = threading.RLock()
        """Serialises compiling and replacing the call path (other threads keep calling)."""
        self._entries: list[Any] = []
        """Every fast entry ever installed: CPython's type cache may still hand one to
        another thread after it is replaced, so none is freed before the dispatcher."""

    def __repr__(self) -> str:
        return f"<graphlet.jit {self.py_func.__qualname__}>"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return types.MethodType(self, instance)

    # ------------------------------------------------------------------ calling

    @property
    def last_call_handed_back(self) -> bool:
        """Whether the latest native call (or a call whose ints did not fit) handed
        back to Python; from a clock native code keeps, as fast calls run no Python code."""
        return bool(self._clock[1] == self._clock[0])

    def _native_calls(self) -> int:
        versions = list(self._versions.values())  # other threads may be compiling
        return self._retired_calls + sum(version.calls for version in versions)

    def _dispatch(self, *args: Any, **kwargs: Any) -> Any:
        """The Python call path: binds arguments, compiles, checks guards, falls back."""
        if kwargs or len(args) != self._argcount:
            bound = self._bind(args, kwargs)
            if bound is None:
                if self.strict:
                    raise self._strict_error("keyword-only parameters are not compiled", [])
                return self.py_func(*args, **kwargs)
            args = bound
        version = self._versions.get(self._key(args))
        if version is None or (version.guards and not version.guards_hold()):
            version = self._compile_once(args)
        native = version.native
        if self.strict and (native is None or version.has_bail_points):
            raise self._strict_error(version.python_reason, version.breaks, version.signature)
        if native is None:
            return self.py_func(*args)
        for position in version.int_positions:
            if not _INT_MIN <= args[position] <= _INT_MAX:
                return self._python_call(args, version, "an int argument does not fit in 64 bits")
        counting = hasattr(native, "calls")
        if not counting:  # a kernel that does not count its calls
            version.counted_calls += 1
            self._clock[0] += 1
        try:
            result = native(*args)
        except HandBack as e:
            why = f"native code handed the call back: {e}"
            return self._python_call(args, version, why, counted=counting)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "EXEC native %s%s", self.py_func.__qualname__, signature_text(version.signature)
            )
        return result

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
        """Positional arguments with defaults applied, or None when some must stay
        keywords (keyword-only parameters: such functions run in Python). A bad call
        raises CPython's own TypeError, by calling the plain function (its arguments
        are bound before any of its code runs)."""
        try:
            bound = inspect.signature(self.py_func).bind(*args, **kwargs)
        except TypeError:
            self.py_func(*args, **kwargs)
            raise
        bound.apply_defaults()
        if bound.kwargs:
            return None
        return tuple(bound.args)

    __call__ = _dispatch

    def _strict_error(
        self,
        reason: str | None,
        breaks: list[Any],
        signature: tuple[type, ...] = (),
    ) -> JitCompileError:
        name = f"{self.py_func.__qualname__}{signature_text(signature)}"
        lines = [f"graphlet.jit(strict=True): {name} cannot be compiled"]
        lines += [f"  {record}" for record in breaks]
        if not breaks:
            code = self.py_func.__code__
            lines.append(f"  {code.co_filename}:{code.co_firstlineno}: {reason}")
        return JitCompileError("\n".join(lines))

    def _on_status(self, version: Version, status: int, *args: Any) -> Any:
        """A fast call's native code handed the call back, and its entry did not call
        the function itself (debug logging, or time to consider demoting it)."""
        if version.regions and regions.is_region_status(status):
            return regions.finish(status)
        why = f"native code handed the call back: {version.kernel.describe(status)}"
        return self._python_call(args, version, why, counted=True)

    def _python_call(
        self, args: tuple[Any, ...], version: Version, why: str, *, counted: bool = False
    ) -> Any:
        """Runs the plain function for a call compiled code handed back (`counted`: its
        native code counted the hand-back already)."""
        self.last_hand_back = why
        if not counted:
            version.python_handbacks += 1
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("FALLBACK %s: %s; running it in Python", self.py_func.__qualname__, why)
        if (
            version.has_bail_points
            and version.handbacks >= self.handback_limit
            and version.handbacks * 2 > version.calls
        ):
            self._demote(version)
        self._clock[0] += 1
        try:
            return self.py_func(*args)
        finally:
            self._clock[1] = self._clock[0]

    def _demote(self, version: Version) -> None:
        version.native = None
        version.demoted = True
        version.python_reason = (
            f"hands back to Python on most calls ({version.handbacks} of {version.calls})"
        )
        if version.fast:
            version.kernel.wrapper.demote()
        self._install_fast_path()

    def _install_fast_path(self) -> None:
        """Makes this dispatcher's `__call__` the chain of fast entries of its newest
        native versions (see the module docstring), or the Python dispatch. The entry
        it replaces stays alive (`_entries`): other threads may be about to call it."""
        with self._lock:
            own_class = type(self)
            chain = [
                v
                for v in reversed(list(self._versions.values()))
                if v.fast and (v.native or v.demoted)
            ][:FAST_CHAIN_LENGTH]
            if not chain or debug.level() >= debug.CALLS:
                if "__call__" in own_class.__dict__:
                    del own_class.__call__
                return
            entry = self._dispatch
            for version in reversed(chain):
                entry = version.kernel.entry(
                    entry, functools.partial(self._on_status, version), self.py_func
                )
            self._entries.append(entry)
            own_class.__call__ = entry  # type: ignore[method-assign]

    def _key(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The signature a call's arguments are dispatched by."""
        raise NotImplementedError

    def _compile_once(self, args: tuple[Any, ...]) -> Version:
        """The valid version for `args`, compiled now if there is none."""
        raise NotImplementedError

    # ------------------------------------------------------------------ introspection

    def version_for(self, *args: Any) -> Version | None:
        return self._versions.get(self._key(args))

    @property
    def versions(self) -> dict[tuple[type, ...], Version]:
        return dict(self._versions)

    @staticmethod
    def _signature_text(signature: tuple[type, ...]) -> str:
        return signature_text(signature)


def signature_text(signature: tuple[type, ...]) -> str:
    return "(" + ", ".join(t.__name__ for t in signature) + ")"
