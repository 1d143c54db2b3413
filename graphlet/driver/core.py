"""`lower`, `compile` and `load`: the one way a graphlet module becomes native code.

    llvm_ir, signatures = lower(module, "lower-to-llvm")      # LLVM IR + ABI
    artifact = compile(module, "lower-tensors-to-llvm", function="f")

`compile` looks the compile up in the on-disk cache of machine code
(`graphlet.driver.cache`): on a hit it loads the object code, running neither xDSL
nor LLVM; on a miss it lowers the module, has LLVM optimize it and generate code,
and stores the object. The key is the module's text by default; a caller that can
name what decides the module without building it (`@jit`: bytecode, argument types,
globals) passes `key=` and may then `load` before it builds anything. The `Artifact`
holds the loaded code, alive as long as it is, and the signatures of its native
functions. Every entry point (`@jit`, `compile_native`, the builder's `Compiler`,
graphlet-run, tensor functions) comes through here, so all optimize and cache the
same way.

Compiling is serialised process-wide (`COMPILE_LOCK`): LLVM's global state (and
llvmlite, which locks each call but not a sequence of them) is not safe to drive from
two threads at once. Running compiled code takes no lock.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any, TypeVar, cast

from graphlet import abi
from graphlet.backend.jit import JitEngine, embeds_addresses
from graphlet.driver import cache as object_cache
from graphlet.driver.options import resolve_options as options_of

if TYPE_CHECKING:
    from xdsl.context import Context
    from xdsl.dialects.builtin import ModuleOp

logger = logging.getLogger("graphlet.driver")

COMPILE_LOCK = threading.RLock()
"""Held while any thread lowers, compiles or loads code (see the module docstring)."""


@dataclass
class CompileCounts:
    """What this process's compiles did: how often LLVM ran, and how often the code
    came from the on-disk cache instead (a worker of a pool should only load)."""

    compiled: int = 0
    loaded: int = 0


COUNTS = CompileCounts()


def compile_counts() -> CompileCounts:
    """A copy of this process's counts so far."""
    return CompileCounts(COUNTS.compiled, COUNTS.loaded)


_Fn = TypeVar("_Fn", bound=Callable[..., Any])


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration: a compile allocates
    IR objects by the hundred thousand, all alive until it ends, so each collection
    would walk them in vain (10-15% of a compile, more the bigger the heap)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _serialised(fn: _Fn) -> _Fn:
    @functools.wraps(fn)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with COMPILE_LOCK, collector_paused():
            return fn(*args, **kwargs)

    return cast(_Fn, locked)


@dataclass
class Artifact:
    """Native code of one module through one pipeline."""

    engine: JitEngine
    signatures: dict[str, abi.Signature]
    pipeline: str
    options: dict[str, Any]
    hit: bool
    """Whether the code was loaded from the cache."""
    timings: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    """What the caller stored with the code (see `compile`)."""

    def describe_timings(self) -> str:
        return ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in self.timings.items())


@_serialised
def lower(
    module: ModuleOp, pipeline: str = "lower-to-llvm", *, ctx: Context | None = None, **options: Any
) -> tuple[str, dict[str, abi.Signature]]:
    """The LLVM IR of `module` (not modified) through `pipeline`, and the signatures
    of its native functions by name. Raises what the passes raise
    (`DiagnosticException`, `VerifyException`) when it cannot be lowered."""
    from graphlet.driver import pipelines
    from graphlet.registry import make_context

    resolved = options_of(pipeline, options)
    llvm_ir, signatures = pipelines.run(module, pipeline, resolved, ctx or make_context(), {})
    return llvm_ir, {s.name: s for s in signatures}


@_serialised
def compile(
    module: ModuleOp,
    pipeline: str = "lower-to-llvm",
    *,
    ctx: Context | None = None,
    cache: bool = True,
    key: Mapping[str, Any] | None = None,
    identity: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    look_up: bool = True,
    entries: Sequence[abi.Signature] | None = None,
    **options: Any,
) -> Artifact:
    """Native code for `module` (not modified) through `pipeline` with `options`.

    `cache=False` neither reads nor writes the cache (nor does `GRAPHLET_CACHE=0`).
    `key` replaces the module's text in the cache key (the caller vouches that it
    decides the module); `identity` names the compile in cache messages; `metadata`
    (JSON) is stored with the code and comes back in `Artifact.metadata`;
    `look_up=False` only stores (the caller's `load` missed already); `entries`
    describe the native functions instead of the pipeline's reading of the module
    (see `pipelines.run`). Code that embeds an address of this process is not stored."""
    from graphlet.driver import pipelines
    from graphlet.registry import make_context

    resolved = options_of(pipeline, options)
    use_cache = cache and _cache_on()
    timings: dict[str, float] = {}
    if use_cache:
        start = perf_counter()
        parts = object_cache.key_parts(key or module_source(module), pipeline, resolved)
        name = identity or _identity(pipeline, module)
        digest = object_cache.digest(parts)
        entry = object_cache.lookup(name, parts)[1] if look_up else None
        if entry is not None:
            artifact = _from_entry(entry, pipeline, resolved, start)
            if artifact is not None:
                return artifact
    llvm_ir, signatures = pipelines.run(
        module, pipeline, resolved, ctx or make_context(), timings, entries
    )
    engine = JitEngine(llvm_ir, opt_level=resolved["opt_level"])
    COUNTS.compiled += 1
    timings.update(engine.timings)
    artifact = Artifact(
        engine,
        {s.name: s for s in signatures},
        pipeline,
        resolved,
        hit=False,
        timings=timings,
        metadata=dict(metadata or {}),
    )
    if use_cache and embeds_addresses(llvm_ir):
        logging.getLogger("graphlet.cache").debug(
            "not storing %s: its code embeds addresses of this process", name
        )
    elif use_cache:
        stored = {
            "signatures": [abi.signature_to_json(s) for s in signatures],
            "external_symbols": list(engine.external_symbols),
            "caller": artifact.metadata,
        }
        object_cache.store(digest, object_cache.Entry(engine.object_code, stored), name, parts)
    logger.debug("COMPILE %s (%s): %s", _names(artifact), pipeline, artifact.describe_timings())
    return artifact


@_serialised
def load(
    pipeline: str,
    key: Mapping[str, Any],
    *,
    identity: str,
    validate: Callable[[dict[str, Any]], str | None] | None = None,
    **options: Any,
) -> Artifact | None:
    """The cached code of the compile `compile(..., key=key, **options)` stored, or
    None (a miss, logged with its reason). `validate(metadata)` may refuse an entry by
    returning why (e.g. a guarded global changed since). Needs neither xDSL nor LLVM's
    optimizer."""
    if not _cache_on():
        return None
    resolved = options_of(pipeline, options)
    start = perf_counter()

    def validate_caller(stored: dict[str, Any]) -> str | None:
        return validate(stored.get("caller", {})) if validate is not None else None

    _, entry = object_cache.lookup(
        identity, object_cache.key_parts(key, pipeline, resolved), validate_caller
    )
    return None if entry is None else _from_entry(entry, pipeline, resolved, start)


def _from_entry(
    entry: object_cache.Entry, pipeline: str, options: dict[str, Any], start: float
) -> Artifact | None:
    """The artifact of a cache entry, or None (logged) when its code cannot be loaded
    here (a symbol it calls is missing)."""
    try:
        signatures = [abi.signature_from_json(s) for s in entry.metadata["signatures"]]
        if any(isinstance(s, abi.ScalarSignature) and s.fastcall for s in signatures):
            import graphlet.backend.cpython_wrapper  # noqa: F401  (binds the C API's symbols)
        looked_up = perf_counter() - start
        engine = JitEngine.load(entry.payload, entry.metadata["external_symbols"])
    except (KeyError, TypeError, ValueError, LookupError, RuntimeError) as e:
        logging.getLogger("graphlet.cache").debug("cached code not loadable, recompiling: %s", e)
        return None
    COUNTS.loaded += 1
    artifact = Artifact(
        engine,
        {s.name: s for s in signatures},
        pipeline,
        options,
        hit=True,
        timings={"cache": looked_up, **engine.timings},
        metadata=dict(entry.metadata.get("caller", {})),
    )
    logger.debug(
        "COMPILE %s (%s, cached): %s", _names(artifact), pipeline, artifact.describe_timings()
    )
    return artifact


def _cache_on() -> bool:
    return object_cache.enabled()


def module_source(module: ModuleOp) -> dict[str, str]:
    """The cache-key part naming a module: a digest of its text."""
    return {"module": hashlib.sha256(str(module).encode()).hexdigest()}


def _identity(pipeline: str, module: ModuleOp) -> str:
    from xdsl.dialects import func

    names = sorted(op.sym_name.data for op in module.ops if isinstance(op, func.FuncOp))
    return f"{pipeline} {' '.join('@' + n for n in names) or '(empty module)'}"


def _names(artifact: Artifact) -> str:
    return ", ".join(artifact.signatures) or "(no functions)"
