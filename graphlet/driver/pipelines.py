"""The named pipelines: how a graphlet module becomes LLVM IR, and what it then offers.

    lower-to-llvm           scalar functions (`@jit`, `compile_native`, the builder's
                            `Compiler`, graphlet-run): graphlet-optimize (option
                            `optimize`), then the `lower-to-llvm` passes; LLVM -O2;
                            a CPython wrapper per public function (option
                            `wrappers`: None for all, or the names), compiled with it;
                            `call_depth`: the functions take `@jit`'s trailing depth
    lower-tensors-to-llvm   tensor functions (`compile_fx`, `torch.compile`): the
                            `lower-tensors-to-llvm` passes (option `blas`); LLVM -O3

Every pipeline has the option `opt_level` (LLVM's). A pipeline also names the
module's native functions and their signatures (`graphlet.abi`), read off the module
before and after lowering, so the runtime never needs to look inside the passes.
`GRAPHLET_DEBUG=2` logs the IR after every pass (logger `graphlet.driver`).
"""

from __future__ import annotations

import logging
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
    CPython wrapper and takes the call depth."""
    options = options or {"wrappers": (), "call_depth": False}
    wrapped, depth = options["wrappers"], options["call_depth"]
    signatures: list[abi.Signature] = []
    for op in _public_functions(module):
        args, results = op.function_type.inputs.data, op.function_type.outputs.data
        if depth:
            args = args[:-1]
        if all(t in _SCALAR_NAMES for t in (*args, *results)):
            name = op.sym_name.data
            signatures.append(
                abi.ScalarSignature(
                    name,
                    tuple(_SCALAR_NAMES[t] for t in args),
                    tuple(_SCALAR_NAMES[t] for t in results),
                    call_depth=depth,
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
            )


def _tensor_passes(options: Mapping[str, Any]) -> Sequence[ModulePass]:
    from graphlet.lowering.lower_tensors_to_llvm import lower_tensors_to_llvm_passes

    return lower_tensors_to_llvm_passes(options["blas"])


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


def _default_blas() -> bool:
    from graphlet.backend.blas import bind_blas

    return bind_blas()


PIPELINES: dict[str, Pipeline] = {
    "lower-to-llvm": Pipeline(
        "lower-to-llvm",
        {"optimize": True, "opt_level": 2, "wrappers": None, "call_depth": False},
        _scalar_passes,
        scalar_signatures,
        _emit_wrappers,
    ),
    "lower-tensors-to-llvm": Pipeline(
        "lower-tensors-to-llvm",
        {"blas": _default_blas, "opt_level": 3, "function": None},
        _tensor_passes,
        _tensor_signatures,
        _mark_noalias,
    ),
}


def resolve_options(pipeline: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The pipeline's options with its defaults filled in (callable defaults are
    evaluated now); unknown names raise."""
    try:
        defaults = PIPELINES[pipeline].defaults
    except KeyError:
        raise ValueError(
            f"unknown pipeline {pipeline!r}; choose one of {', '.join(PIPELINES)}"
        ) from None
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise TypeError(f"pipeline {pipeline!r} has no option {', '.join(unknown)}")
    resolved = {**defaults, **options}
    resolved = {k: v() if callable(v) else v for k, v in resolved.items()}
    if isinstance(resolved.get("wrappers"), list | tuple | set | frozenset):
        resolved["wrappers"] = sorted(resolved["wrappers"])
    return resolved


def run(
    module: ModuleOp,
    pipeline: str,
    options: Mapping[str, Any],
    ctx: Context,
    timings: dict[str, float],
) -> tuple[str, list[abi.Signature]]:
    """LLVM IR of a clone of `module` through `pipeline` (options resolved), and its
    native functions. Records the `lower` and `translate` times."""
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
    lowered.verify()
    timings["lower"] = perf_counter() - start
    start = perf_counter()
    signatures = spec.signatures(module, lowered, options)
    llvm_module = translate_module(lowered)
    spec.finish(llvm_module, signatures, options)
    llvm_ir = str(llvm_module)
    timings["translate"] = perf_counter() - start
    if dump:
        logger.debug("LLVM IR of %s:\n%s", pipeline, llvm_ir)
    return llvm_ir, signatures
