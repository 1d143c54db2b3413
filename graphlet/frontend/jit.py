"""The compiling half of `@graphlet.jit`: a version of a function for an argument
signature, captured from its bytecode (`graphlet.frontend.bytecode`) and compiled
by the driver's execution backend (`graphlet.driver.jit`), or run in Python with the
reasons why. `JitCompiler` is mixed into the runtime's dispatcher
(`graphlet.runtime.dispatch.Dispatcher`) by `graphlet.jit_entry.JitFunction`.

Compiling is serialised (the dispatcher's lock, then the driver's `COMPILE_LOCK`).
`@graphlet.jit(cache=True)` (as Numba's) keeps each native version's machine code in
the on-disk cache (`graphlet.driver.cache`), keyed by the function's code and argument
types, with its guarded globals recorded by value (`graphlet.frontend.fingerprint`):
a new process that finds it runs no capture, no xDSL and no LLVM. Importing this
module loads nothing of the compiler: that happens on the first call.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import types
import warnings
from typing import TYPE_CHECKING, Any

from graphlet.frontend.bytecode.breaks import BreakRecord, FunctionNotCompilable
from graphlet.frontend.bytecode.signature import signature_of
from graphlet.frontend.guards import MISSING as _MISSING
from graphlet.frontend.guards import Guard

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

    from graphlet.driver.jit import Dispatcher, ExecutionBackend, Version

    _Base = Dispatcher
else:
    _Base = object

logger = logging.getLogger("graphlet")


class GraphletCompileWarning(UserWarning):
    """graphlet failed inside the compiler; the call ran in Python."""


class JitCompiler(_Base):
    """What makes a dispatcher's versions: its `backend`, `_key` and `_compile_once`."""

    @property
    def backend(self) -> ExecutionBackend:
        if self._backend is None:
            from graphlet.driver.jit import default_backend

            self._backend = default_backend()
        return self._backend

    def _key(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return signature_of(args)

    def _compile_once(self, args: tuple[Any, ...]) -> Version:
        """The valid version for `args`, compiled by one thread at a time: a thread that
        waited for the lock finds the version another one compiled."""
        from graphlet.driver.core import COMPILE_LOCK  # capture is not thread-safe either

        with self._lock, COMPILE_LOCK:
            version = self._versions.get(self._key(args))
            if version is None or (version.guards and not version.guards_hold()):
                version = self._compile(args, version)
            return version

    def _compile(self, args: tuple[Any, ...], stale: Version | None) -> Version:
        signature = self._key(args)
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
            limit = self.handback_limit if version.has_bail_points else 1 << 62
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

        what = f"{self.py_func.__qualname__}{self._signature_text(version.signature)}"
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
        from graphlet.driver.jit import Version

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
            self._signature_text(signature),
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
        return f"jit {fn.__module__}.{fn.__qualname__}{self._signature_text(signature)}"

    def _cached_version(self, signature: tuple[type, ...], start: float) -> Version | None:
        """The version of `signature` from the on-disk cache, if its code is there and
        every global it read still has the value compiled in."""
        from graphlet.driver.jit import Version
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
            self._signature_text(signature),
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
        from graphlet.driver.jit import Version

        fn = self.py_func
        line = _failing_line(module) or fn.__code__.co_firstlineno
        dump = _dump_ir(module, fn.__name__)
        message = (
            f"graphlet: internal compiler error while {stage} {fn.__qualname__} "
            f"({fn.__code__.co_filename}:{line}) for{self._signature_text(signature)}: "
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
