"""The named pipelines: how a graphlet module becomes LLVM IR, and what it then offers.

    lower-to-llvm           scalar functions (`@jit`, `compile_native`, the builder's
                            `Compiler`, graphlet-run): graphlet-optimize (option
                            `optimize`), then the `lower-to-llvm` passes; LLVM -O2;
                            a CPython wrapper per public function (option
                            `wrappers`: None for all, or the names), compiled with it;
                            or, for `@jit`, the entries its caller describes
    lower-tensors-to-llvm   tensor functions (`compile_fx`, `torch.compile`): the
                            `lower-tensors-to-llvm` passes (option `blas`); LLVM -O3

Every pipeline has the option `opt_level` (LLVM's). A pipeline also names the
module's native functions and their signatures (`graphlet.abi`), read off the module
before and after lowering, so the runtime never needs to look inside the passes.
`GRAPHLET_DEBUG=2` logs the IR after every pass (logger `graphlet.driver`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import llvmlite.ir as ir
from xdsl.context import Context
from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute
from xdsl.passes import ModulePass

from graphlet import abi, debug
from graphlet.dialects import graphlet as g
from graphlet.driver.options import DEFAULTS
from graphlet.driver.options import resolve_options as resolve_options

logger = logging.getLogger("graphlet.driver")

_SCALAR_NAMES: dict[Attribute, str] = {g.BOOL: "i1", g.INT: "i64", g.FLOAT: "f64"}


@dataclass(frozen=True)
class Pipeline:
    name: str
    defaults: Mapping[str, Any]
    passes: Callable[[Mapping[str, Any]], Sequence[ModulePass]]
    signatures: Callable[[ModuleOp, ModuleOp, Mapping[str, Any]], list[abi.Signature]]
    """The native functions, from the module before and after lowering."""
    finish: Callable[[ir.Module, list[abi.Signature], Mapping[str, Any]], None] = field(
        default=lambda module, signatures, options: None
    )
    """Completes the LLVM IR: attributes xDSL's translation cannot express, wrappers."""


def _scalar_passes(options: Mapping[str, Any]) -> Sequence[ModulePass]:
    from graphlet.lowering.lower_to_llvm import lower_to_llvm_passes
    from graphlet.transforms.graphlet_optimize import GraphletOptimizePass

    optimize: tuple[ModulePass, ...] = (GraphletOptimizePass(),) if options["optimize"] else ()
    return (*optimize, *lower_to_llvm_passes())


def scalar_signatures(
    module: ModuleOp, lowered: ModuleOp | None = None, options: Mapping[str, Any] | None = None
) -> list[abi.Signature]:
    """The functions that can be called natively: public, with a body, scalar
    (i1/i64/f64) arguments and results; with the options, whether each has its
    CPython wrapper."""
    wrapped = (options or {"wrappers": ()})["wrappers"]
    signatures: list[abi.Signature] = []
    for op in _public_functions(module):
        args, results = op.function_type.inputs.data, op.function_type.outputs.data
        if all(t in _SCALAR_NAMES for t in (*args, *results)):
            name = op.sym_name.data
            signatures.append(
                abi.ScalarSignature(
                    name,
                    tuple(_SCALAR_NAMES[t] for t in args),
                    tuple(_SCALAR_NAMES[t] for t in results),
                    fastcall=wrapped is None or name in wrapped,
                )
            )
    return signatures


def _emit_wrappers(
    module: ir.Module, signatures: list[abi.Signature], options: Mapping[str, Any]
) -> None:
    from graphlet.backend.cpython_wrapper import emit_wrapper

    for signature in signatures:
        if isinstance(signature, abi.ScalarSignature) and signature.fastcall:
            emit_wrapper(
                module,
                signature.name,
                signature.args,
                signature.results,
                trailing_args=abi.CALL_DEPTH_ARGS if signature.call_depth else (),
                python_depth=signature.call_depth,
                arena=signature.arena,
            )


def _tensor_passes(options: Mapping[str, Any]) -> Sequence[ModulePass]:
    from graphlet.lowering.lower_tensors_to_llvm import lower_tensors_to_llvm_passes

    return lower_tensors_to_llvm_passes(options["blas"], options["function"] or "")


def _tensor_signatures(
    original: ModuleOp, lowered: ModuleOp, options: Mapping[str, Any]
) -> list[abi.Signature]:
    """Each public tensor function; its status pointer, when some op can raise, is
    the one argument past its inputs and outputs."""
    arities = {
        op.sym_name.data: len(op.function_type.inputs.data)
        for op in lowered.ops
        if isinstance(op, llvm.FuncOp)
    }
    signatures: list[abi.Signature] = []
    for op in _public_functions(original):
        inputs, outputs = op.function_type.inputs.data, op.function_type.outputs.data
        if not all(isinstance(t, TensorType) for t in (*inputs, *outputs)):
            continue
        extra = arities[op.sym_name.data] - len(inputs) - len(outputs)
        if extra not in (0, 1):
            raise AssertionError(
                f"@{op.sym_name.data}: lowered to {arities[op.sym_name.data]} arguments, "
                f"expected {len(inputs) + len(outputs)} or one more"
            )
        signatures.append(
            abi.TensorSignature(
                op.sym_name.data,
                tuple(_tensor_spec(t) for t in inputs),
                tuple(_tensor_spec(t) for t in outputs),
                status=extra == 1,
            )
        )
    return signatures


def _tensor_spec(t: Attribute) -> abi.TensorSpec:
    return abi.TensorSpec(g.shape_of(t), g.np_dtype(t).name)


def _mark_noalias(
    module: ir.Module, signatures: list[abi.Signature], options: Mapping[str, Any]
) -> None:
    """Inputs are only read and outputs are fresh allocations, so the entry's
    pointers never alias (see `graphlet.runtime.tensors`)."""
    for arg in module.get_global(options["function"]).args:
        arg.add_attribute("noalias")


def _public_functions(module: ModuleOp) -> list[func.FuncOp]:
    return [
        op
        for op in module.ops
        if isinstance(op, func.FuncOp)
        and not op.is_declaration
        and (op.sym_visibility is None or op.sym_visibility.data == "public")
    ]


PIPELINES: dict[str, Pipeline] = {
    "lower-to-llvm": Pipeline(
        "lower-to-llvm",
        DEFAULTS["lower-to-llvm"],
        _scalar_passes,
        scalar_signatures,
        _emit_wrappers,
    ),
    "lower-tensors-to-llvm": Pipeline(
        "lower-tensors-to-llvm",
        DEFAULTS["lower-tensors-to-llvm"],
        _tensor_passes,
        _tensor_signatures,
        _mark_noalias,
    ),
}


def verifying() -> bool:
    """Whether the lowered module is verified before it becomes LLVM IR: under
    `GRAPHLET_VERIFY=1` (the test suite sets it) or `GRAPHLET_DEBUG`. xDSL's verifier
    costs as much as a third of the lowering, quadratic in a function's blocks (each
    block's terminator counts the region's blocks), and LLVM verifies the IR it is
    given in any case, so a lowering bug is still an error, only a less located one."""
    forced = os.environ.get("GRAPHLET_VERIFY")
    if forced is not None:
        return forced != "0"
    return debug.level() >= debug.EVENTS


def run(
    module: ModuleOp,
    pipeline: str,
    options: Mapping[str, Any],
    ctx: Context,
    timings: dict[str, float],
    entries: Sequence[abi.Signature] | None = None,
) -> tuple[str, list[abi.Signature]]:
    """LLVM IR of a clone of `module` through `pipeline` (options resolved), and its
    native functions: `entries` when the caller describes them (`@jit`, whose
    functions take more than their Python arguments), else the pipeline's reading of
    the module. Records the `lower` and `translate` times."""
    from graphlet.backend.llvm_ir import translate_module

    spec = PIPELINES[pipeline]
    start = perf_counter()
    lowered = module.clone()
    dump = debug.level() >= 2 and logger.isEnabledFor(logging.DEBUG)
    if dump:
        logger.debug("IR before %s:\n%s", pipeline, lowered)
    for lowering in spec.passes(options):
        lowering.apply(ctx, lowered)
        if dump:
            logger.debug("IR after %s:\n%s", lowering.name, lowered)
    if verifying():
        lowered.verify()
    timings["lower"] = perf_counter() - start
    start = perf_counter()
    signatures = list(entries) if entries is not None else spec.signatures(module, lowered, options)
    llvm_module = translate_module(lowered)
    spec.finish(llvm_module, signatures, options)
    llvm_ir = str(llvm_module)
    timings["translate"] = perf_counter() - start
    if dump:
        logger.debug("LLVM IR of %s:\n%s", pipeline, llvm_ir)
    return llvm_ir, signatures
