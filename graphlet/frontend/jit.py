"""`@graphlet.jit`: compile a Python function from its bytecode on first call.

    @graphlet.jit
    def f(n): ...

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
CPython's depth either way. `graphlet.explain(f, *args)` reports every graph break of that signature.

Fast path: each dispatcher is the only instance of its own subclass, whose
`__call__` is a builtin function (see `graphlet.backend.cpython_wrapper`) for the
most recently compiled native versions, chained: each checks its argument types and
its guarded globals in native code and calls its kernel, or passes the call on to the
next one, the last to the Python dispatch above (`JitFunction._dispatch`). So a call
with a compiled signature runs no Python code, and a changed guarded global or an
unexpected argument always reaches the Python dispatch, which recompiles or falls
back. The chain is rebuilt whenever the set of native versions changes. Debug logging
keeps it (the first call of each version goes through the Python dispatch and is
logged); only `GRAPHLET_DEBUG=3` drops it, so that every call is logged.

Threads: compiling is serialised (the dispatcher's lock, then the driver's
`COMPILE_LOCK`); a thread that waited finds the version another compiled. Every fast
entry ever installed lives as long as the dispatcher, since CPython's type cache can
hand a replaced `__call__` to another thread.

`@graphlet.jit(cache=True)` (as Numba's) keeps each native version's machine code in
the on-disk cache (`graphlet.driver.cache`), keyed by the function's code and argument
types, with its guarded globals recorded by value (`graphlet.frontend.fingerprint`):
a new process that finds it runs no capture, no xDSL and no LLVM. Importing this
module and decorating load nothing of the compiler: that happens on the first call.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import inspect
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphlet import abi, debug
from graphlet.frontend.bytecode.breaks import BreakRecord, FunctionNotCompilable
from graphlet.frontend.bytecode.signature import signature_of
from graphlet.frontend.execution import ExecutionBackend, HandBack, default_backend
from graphlet.frontend.guards import MISSING as _MISSING
from graphlet.frontend.guards import Guard

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

logger = logging.getLogger("graphlet")

_INT_MIN, _INT_MAX = abi.INT_MIN, abi.INT_MAX
HANDBACK_LIMIT = 64
"""After this many hand-backs, a version that hands back on most calls runs in Python."""
FAST_CHAIN_LENGTH = 4
"""How many native versions (the most recently compiled) the fast path tries."""


class GraphletCompileWarning(UserWarning):
    """graphlet failed inside the compiler; the call ran in Python."""


class JitCompileError(TypeError):
    """`@jit(strict=True)` could not compile a call (Numba's `nopython=True` error):
    the message names the function, the argument types and each break's source line,
    instruction and construct."""


@dataclass
class Version:
    """The code for one argument-type signature: native (`native` set) or Python."""

    signature: tuple[type, ...]
    native: Callable[..., Any] | None
    guards: tuple[Guard, ...]
    breaks: list[BreakRecord]
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
    """Its region breaks (`graphlet.frontend.bytecode.regions.RegionSite`): calls that
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


class JitFunction:
    """The callable `graphlet.jit` returns: dispatch by argument types to compiled versions."""

    def __new__(cls, *args: Any, **kwargs: Any) -> JitFunction:
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

    @property
    def backend(self) -> ExecutionBackend:
        if self._backend is None:
            self._backend = default_backend()
        return self._backend

    def __repr__(self) -> str:
        return f"<graphlet.jit {self.py_func.__qualname__}>"

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
        version = self._versions.get(signature_of(args))
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
                "EXEC native %s%s", self.py_func.__qualname__, _signature_text(version.signature)
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
        breaks: list[BreakRecord],
        signature: tuple[type, ...] = (),
    ) -> JitCompileError:
        name = f"{self.py_func.__qualname__}{_signature_text(signature)}"
        lines = [f"graphlet.jit(strict=True): {name} cannot be compiled"]
        lines += [f"  {record}" for record in breaks]
        if not breaks:
            code = self.py_func.__code__
            lines.append(f"  {code.co_filename}:{code.co_firstlineno}: {reason}")
        return JitCompileError("\n".join(lines))

    def _on_status(self, version: Version, status: int, *args: Any) -> Any:
        """A fast call's native code handed the call back, and its entry did not call
        the function itself (debug logging, or time to consider demoting it)."""
        if version.regions and region_runtime().is_region_status(status):
            return region_runtime().finish(status)
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
            and version.handbacks >= HANDBACK_LIMIT
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

    # ------------------------------------------------------------------ compiling

    def _compile_once(self, args: tuple[Any, ...]) -> Version:
        """The valid version for `args`, compiled by one thread at a time: a thread that
        waited for the lock finds the version another one compiled."""
        from graphlet.driver.core import COMPILE_LOCK  # capture is not thread-safe either

        with self._lock, COMPILE_LOCK:
            version = self._versions.get(signature_of(args))
            if version is None or (version.guards and not version.guards_hold()):
                version = self._compile(args, version)
            return version

    def _compile(self, args: tuple[Any, ...], stale: Version | None) -> Version:
        signature = signature_of(args)
        name = self.py_func.__qualname__
        if stale is not None:
            changed = next((guard for guard in stale.guards if not guard.holds()), None)
            logger.debug(
                "COMPILE %s: %s changed, recompiling",
                name,
                changed.describe() if changed else "a global",
            )
        from graphlet.driver.core import collector_paused

        with collector_paused():  # capture and compile: see `collector_paused`
            version = self._build_version(signature)
        if hasattr(version.kernel, "wrapper"):
            limit = HANDBACK_LIMIT if version.has_bail_points else 1 << 62
            if version.regions or logger.isEnabledFor(logging.DEBUG):
                limit = 0  # every hand-back through `_on_status` (which logs it, or ends a region)
            version.kernel.wrapper.hand_back_directly(limit, self._clock)
        if stale is not None:
            self._retired_calls += stale.calls
        self._versions.pop(signature, None)  # the newest version goes last
        self._versions[signature] = version
        self._install_fast_path()
        if self.pythonify is not None:
            self._write_source(version)
        return version

    def _write_source(self, version: Version) -> None:
        """Writes the version's Python source to `pythonify`; a failure is a warning."""
        from graphlet.frontend.pythonify import PythonifyWarning, version_source, write_source

        what = f"{self.py_func.__qualname__}{_signature_text(version.signature)}"
        try:
            source = version_source(self, version)
        except Exception as e:  # an op the Python back end cannot print
            warnings.warn(
                f"graphlet pythonify: no Python source for {what}: {e}",
                PythonifyWarning,
                stacklevel=5,
            )
            return
        assert self.pythonify is not None
        write_source(self.pythonify, source, what)

    def _build_version(self, signature: tuple[type, ...]) -> Version:
        fn = self.py_func
        name = fn.__qualname__
        start = time.perf_counter()
        if self._caching:  # only compilable signatures were stored
            try:
                cached = self._cached_version(signature, start)
            except Exception as e:  # a cache that cannot be read only costs a compile
                logger.debug("COMPILE %s: cache lookup failed (%s: %s)", name, type(e).__name__, e)
                cached = None
            if cached is not None:
                return cached
        from graphlet.frontend.bytecode.signature import kinds_of_signature

        kinds = kinds_of_signature(signature, self._versions)
        if isinstance(kinds, str):
            reason = kinds
            record = BreakRecord(
                name, fn.__code__.co_filename, fn.__code__.co_firstlineno, "-", reason
            )
            logger.debug("FALLBACK %s: %s", name, reason)
            return Version(signature, None, (), [record], reason)
        from graphlet.frontend.bytecode.capture import ModuleCapture
        from graphlet.frontend.bytecode.signature import arg_specs, result_spec

        unit = ModuleCapture(regions=self.regions)
        unit.guard_function(fn)
        try:
            captured = unit.capture(fn, kinds)
            if captured.region_sites and _calls_itself(unit.module, captured.symbol):
                # a native level under a region break could not resume: no regions
                _unregister(captured.region_sites)
                unit = ModuleCapture()
                unit.guard_function(fn)
                captured = unit.capture(fn, kinds)
        except FunctionNotCompilable as e:
            for record in e.records:
                logger.debug("FALLBACK %s runs in Python: %s", name, record)
            return Version(
                signature, None, tuple(unit.guards.values()), e.records, e.records[0].reason
            )
        except Exception as e:  # an internal error: report it, run in Python
            return self._internal_error(signature, unit.module, e, "capturing")
        guards = tuple(unit.guards.values())
        bails = [r for c in unit.functions.values() for r in c.bail_records]
        logger.debug(
            "COMPILE %s%s: %d functions, %d bail points",
            name,
            _signature_text(signature),
            len(unit.functions),
            len(bails),
        )
        try:
            specs = arg_specs(captured), result_spec(captured)
            if self._caching and not captured.region_sites:  # site numbers are this process's
                native = self._compile_cached(
                    signature, unit.module, captured.symbol, specs, guards, bails
                )
            else:
                native = self.backend.compile(unit.module, captured.symbol, *specs)
            fast = _prepare_fast_entry(native, guards) and not (self.strict and bails)
        except Exception as e:  # an internal error: report it, run in Python
            return self._internal_error(signature, unit.module, e, "lowering")
        seconds = time.perf_counter() - start
        logger.debug(
            "COMPILE %s done in %.1f ms (%s backend)", name, seconds * 1e3, self.backend.name
        )
        for site in captured.region_sites:
            site.guards, site.clock = guards, self._clock
        return Version(
            signature,
            native,
            guards,
            bails,
            int_positions=tuple(i for i, t in enumerate(signature) if t is int),
            has_bail_points=bool(bails),
            compile_seconds=seconds,
            module=unit.module,
            specs=specs,
            symbol=captured.symbol,
            kernel=native,
            fast=fast,
            regions=list(captured.region_sites),
        )

    @property
    def _caching(self) -> bool:
        return self.cache and hasattr(self.backend, "load")

    def _identity(self, signature: tuple[type, ...]) -> str:
        fn = self.py_func
        return f"jit {fn.__module__}.{fn.__qualname__}{_signature_text(signature)}"

    def _cached_version(self, signature: tuple[type, ...], start: float) -> Version | None:
        """The version of `signature` from the on-disk cache, if its code is there and
        every global it read still has the value compiled in."""
        from graphlet.frontend import fingerprint

        fn = self.py_func
        restored: list[tuple[Guard, ...]] = []

        def guards_hold(metadata: dict[str, Any]) -> str | None:
            guards, why = fingerprint.restore_guards(metadata["guards"], fn)
            restored.append(guards)
            return why

        key = fingerprint.jit_key(fn, signature)
        loaded = self.backend.load(key, self._identity(signature), guards_hold)  # type: ignore[attr-defined]
        if loaded is None:
            return None
        native, metadata = loaded
        guards = restored[-1]
        breaks = [BreakRecord(*record) for record in metadata["breaks"]]
        seconds = time.perf_counter() - start
        logger.debug(
            "COMPILE %s%s: loaded from the cache in %.1f ms",
            fn.__qualname__,
            _signature_text(signature),
            seconds * 1e3,
        )
        return Version(
            signature,
            native,
            guards,
            breaks,
            int_positions=tuple(i for i, t in enumerate(signature) if t is int),
            has_bail_points=bool(breaks),
            compile_seconds=seconds,
            kernel=native,
            fast=_prepare_fast_entry(native, guards) and not (self.strict and breaks),
        )

    def _compile_cached(
        self,
        signature: tuple[type, ...],
        module: ModuleOp,
        symbol: str,
        specs: tuple[tuple[Any, ...], Any],
        guards: tuple[Guard, ...],
        bails: list[BreakRecord],
    ) -> Any:
        """Compiles through the backend, storing the code with what it depends on (or
        not storing it, when a guarded global cannot be recognised in another process)."""
        from graphlet.frontend import fingerprint

        fn = self.py_func
        try:
            metadata: dict[str, Any] | None = {
                "guards": fingerprint.guard_fingerprints(guards, fn),
                "breaks": [list(vars(record).values()) for record in bails],
            }
        except fingerprint.Unfingerprintable as e:
            logger.debug("COMPILE %s: not cached, a guarded global is %s", fn.__qualname__, e)
            metadata = None
        return self.backend.compile(  # type: ignore[call-arg]
            module,
            symbol,
            *specs,
            cache_key=fingerprint.jit_key(fn, signature) if metadata is not None else None,
            identity=self._identity(signature),
            metadata=metadata,
        )

    def _internal_error(
        self, signature: tuple[type, ...], module: ModuleOp, error: Exception, stage: str
    ) -> Version:
        fn = self.py_func
        line = _failing_line(module) or fn.__code__.co_firstlineno
        dump = _dump_ir(module, fn.__name__)
        message = (
            f"graphlet: internal compiler error while {stage} {fn.__qualname__} "
            f"({fn.__code__.co_filename}:{line}) for{_signature_text(signature)}: "
            f"{type(error).__name__}: {error}\n"
            f"  the captured IR is in {dump}; replay with: graphlet-opt {dump} -p lower-to-llvm -t llvm\n"
            f"  the call runs in Python."
        )
        warnings.warn(message, GraphletCompileWarning, stacklevel=4)
        logger.debug("FALLBACK %s", message)
        record = BreakRecord(
            fn.__qualname__, fn.__code__.co_filename, line, "-", f"internal compiler error: {error}"
        )
        return Version(signature, None, (), [record], record.reason)

    # ------------------------------------------------------------------ introspection

    def version_for(self, *args: Any) -> Version | None:
        return self._versions.get(signature_of(args))

    @property
    def versions(self) -> dict[tuple[type, ...], Version]:
        return dict(self._versions)


def region_runtime() -> Any:
    from graphlet.driver import regions

    return regions


def _calls_itself(module: ModuleOp, symbol: str) -> bool:
    """Whether some function of `module` calls `symbol` natively."""
    from xdsl.dialects import func

    return any(
        isinstance(op, func.CallOp) and op.callee.root_reference.data == symbol
        for op in module.walk()
    )


def _unregister(sites: list[Any]) -> None:
    for site in sites:
        region_runtime().unregister(site.number)


def _prepare_fast_entry(native: Any, guards: tuple[Guard, ...]) -> bool:
    """Compiles `guards` into a kernel that offers a fast entry; False when it has none
    or a guard is on something other than a plain dict or a function (the Python
    dispatch checks those)."""
    if not hasattr(native, "with_guards") or any(
        type(guard.namespace) is not (types.FunctionType if guard.attribute else dict)
        for guard in guards
    ):
        return False
    native.with_guards(
        ((guard.namespace, guard.name, guard.expected) for guard in guards), _MISSING
    )
    return True


def _signature_text(signature: tuple[type, ...]) -> str:
    return "(" + ", ".join(t.__name__ for t in signature) + ")"


def _failing_line(module: ModuleOp) -> int | None:
    """The user's source line of the first op that fails verification, if any."""
    from xdsl.dialects.builtin import FileLineColLoc

    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except Exception:
            loc = op.location
            if isinstance(loc, FileLineColLoc):
                return loc.line.data
    return None


def _dump_ir(module: ModuleOp, stem: str) -> str:
    directory = os.path.join(tempfile.gettempdir(), "graphlet-dumps")
    os.makedirs(directory, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=f"{stem}-", suffix=".mlir", dir=directory)
    with os.fdopen(handle, "w") as out:
        try:
            out.write(str(module))
        except Exception as e:  # the IR itself may be what is broken
            out.write(f"// could not print the module: {e}\n")
    return path


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
        lines = [f"{self.function}{_signature_text(self.signature)}: {self.mode}"]
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
    signature = signature_of(bound) if bound is not None else None  # before lists change
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
