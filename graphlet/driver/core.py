"""`lower` and `compile`: the one way a graphlet module becomes native code.

    llvm_ir, signatures = lower(module, "lower-to-llvm")      # LLVM IR + ABI
    artifact = compile(module, "lower-tensors-to-llvm", function="f")

`compile` takes the LLVM IR from the on-disk cache when this module went through
this pipeline with these options before (`graphlet.driver.cache`), else lowers it;
then LLVM optimizes and generates code. The `Artifact` holds the loaded code, alive
as long as it is, and the signatures of its native functions. Every entry point
(`@jit`, `compile_native`, the builder's `Compiler`, graphlet-run, tensor functions)
comes through here, so all optimize and cache the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any

from graphlet import abi
from graphlet.backend.jit import JitEngine

if TYPE_CHECKING:
    from xdsl.context import Context
    from xdsl.dialects.builtin import ModuleOp

logger = logging.getLogger("graphlet.driver")


@dataclass
class Artifact:
    """Native code of one module through one pipeline."""

    engine: JitEngine
    signatures: dict[str, abi.Signature]
    pipeline: str
    options: dict[str, Any]
    hit: bool
    """Whether the compile was served by the cache."""
    timings: dict[str, float] = field(default_factory=dict)

    def describe_timings(self) -> str:
        return ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in self.timings.items())


def lower(
    module: ModuleOp, pipeline: str = "lower-to-llvm", *, ctx: Context | None = None, **options: Any
) -> tuple[str, dict[str, abi.Signature]]:
    """The LLVM IR of `module` (not modified) through `pipeline`, and the signatures
    of its native functions by name. Raises what the passes raise
    (`DiagnosticException`, `VerifyException`) when it cannot be lowered."""
    from graphlet.driver import pipelines
    from graphlet.registry import make_context

    resolved = pipelines.resolve_options(pipeline, options)
    llvm_ir, signatures = pipelines.run(module, pipeline, resolved, ctx or make_context(), {})
    return llvm_ir, {s.name: s for s in signatures}


def compile(
    module: ModuleOp,
    pipeline: str = "lower-to-llvm",
    *,
    ctx: Context | None = None,
    **options: Any,
) -> Artifact:
    """Native code for `module` (not modified) through `pipeline`; see the module
    docstring."""
    from graphlet.driver import pipelines
    from graphlet.driver.cache import cached_lowering
    from graphlet.registry import make_context

    resolved = pipelines.resolve_options(pipeline, options)
    timings: dict[str, float] = {}

    def lower_now() -> tuple[str, dict[str, Any]]:
        llvm_ir, signatures = pipelines.run(
            module, pipeline, resolved, ctx or make_context(), timings
        )
        return llvm_ir, {"signatures": [abi.signature_to_json(s) for s in signatures]}

    start = perf_counter()
    lowering = cached_lowering(module, pipeline, resolved, lower_now)
    if lowering.hit:
        timings["cache"] = perf_counter() - start
    engine = JitEngine(lowering.llvm_ir, opt_level=resolved["opt_level"])
    timings.update(engine.timings)
    signatures = [abi.signature_from_json(s) for s in lowering.metadata["signatures"]]
    artifact = Artifact(
        engine, {s.name: s for s in signatures}, pipeline, resolved, lowering.hit, timings
    )
    logger.debug(
        "COMPILE %s (%s%s): %s",
        ", ".join(artifact.signatures) or "(no functions)",
        pipeline,
        ", cached" if lowering.hit else "",
        artifact.describe_timings(),
    )
    return artifact
