"""The execution backends of `graphlet.jit`, as the frontend takes them: the native
backend (the driver compiles a captured module (`lower-to-llvm`, like every scalar entry point, with the entry's CPython
wrapper: arguments and result as value specs, `graphlet.backend.pyvalues`, then the
call depth and the list arena), the runtime's `NativeKernel` (handed back by the
driver) calls it. With a cache key, the compile is
kept in the driver's on-disk cache (the dispatcher calls `load` first), and `load`
takes it from there), the runtime's interpreter backend, and `default_backend`, the
choice between them. The runtime's dispatcher (`graphlet.runtime.dispatch`) is handed
on here for the frontend's half of `@jit`, which compiles its versions."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from graphlet import abi
from graphlet.runtime.dispatch import Dispatcher as Dispatcher
from graphlet.runtime.dispatch import Version as Version
from graphlet.runtime.jit_backends import ExecutionBackend as ExecutionBackend
from graphlet.runtime.jit_backends import InterpreterBackend as InterpreterBackend

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

    from graphlet.driver import NativeKernel

PIPELINE = "lower-to-llvm"
OPTIONS: dict[str, Any] = {"wrappers": ()}
"""Only the captured entry gets a CPython wrapper, described by `entries`."""


class NativeBackend:
    """Lowers with graphlet's passes and runs LLVM code."""

    name = "native"

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Any, ...],
        return_type: Any,
        *,
        cache_key: Mapping[str, Any] | None = None,
        identity: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> NativeKernel:
        from graphlet import driver

        artifact = driver.compile(
            module,
            PIPELINE,
            cache=cache_key is not None,
            key=cache_key,
            identity=identity,
            metadata={"symbol": symbol, **(metadata or {})},
            look_up=False,
            entries=[
                abi.ScalarSignature(
                    symbol,
                    tuple(arg_types),
                    (return_type,),
                    call_depth=True,
                    arena=True,
                    fastcall=True,
                )
            ],
            **OPTIONS,
        )
        return driver.native_kernel(artifact, symbol)

    def load(
        self,
        cache_key: Mapping[str, Any],
        identity: str,
        validate: Callable[[dict[str, Any]], str | None],
    ) -> tuple[NativeKernel, dict[str, Any]] | None:
        """The kernel `compile` stored under `cache_key` and its metadata, if
        `validate(metadata)` accepts them (returns None)."""
        from graphlet import driver

        artifact = driver.load(PIPELINE, cache_key, identity=identity, validate=validate, **OPTIONS)
        if artifact is None:
            return None
        return driver.native_kernel(artifact, artifact.metadata["symbol"]), artifact.metadata


def default_backend() -> ExecutionBackend:
    """`GRAPHLET_BACKEND` if set, else native code."""
    if os.environ.get("GRAPHLET_BACKEND", "") == "interpreter":
        return InterpreterBackend()
    return NativeBackend()
