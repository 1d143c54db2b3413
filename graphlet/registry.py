"""The one index of what graphlet can parse and run: dialects and passes by name.

`graphlet-opt`, the builder API's `Compiler` and the JIT all read these tables, so a
pass registered here is reachable from every entry point. Factories import lazily to
keep start-up fast.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from xdsl.context import Context
from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.transforms import get_all_passes

import graphlet.deep_ir  # noqa: F401  # linear-depth walks and verifiers


def _lazy(path: str) -> Callable[[], Any]:
    """A factory importing `module:attribute` on first use (keeps start-up fast)."""
    module, attribute = path.split(":")

    def load() -> Any:
        return getattr(importlib.import_module(module), attribute)

    return load


GRAPHLET_DIALECTS: dict[str, Callable[[], Dialect]] = {
    "graphlet": _lazy("graphlet.dialects.graphlet:Graphlet"),
    "llvm": _lazy("graphlet.dialects.llvm_ext:LLVM"),
    "memref": _lazy("graphlet.dialects.memref_ext:Memref"),
    "arith": _lazy("graphlet.dialects.arith_ext:Arith"),
    "scf": _lazy("graphlet.dialects.scf_ext:Scf"),
    "linalg": _lazy("graphlet.dialects.linalg_ext:Linalg"),
    "pyrt": _lazy("graphlet.dialects.pyrt:Pyrt"),
    "pylist": _lazy("graphlet.dialects.pylist:Pylist"),
    "pyarray": _lazy("graphlet.dialects.pyarray:Pyarray"),
}

_PASS_CLASSES = {
    "graphlet-verify": "graphlet.transforms.graphlet_verify:GraphletVerifyPass",
    "graphlet-optimize": "graphlet.transforms.graphlet_optimize:GraphletOptimizePass",
    "graphlet-cse": "graphlet.transforms.graphlet_cse:GraphletCSEPass",
    "inline-functions": "graphlet.transforms.inline_functions:InlineFunctionsPass",
    "graphlet-autodiff": "graphlet.transforms.graphlet_autodiff:GraphletAutodiffPass",
    "decompose-tensor-ops": "graphlet.transforms.decompose_tensor_ops:DecomposeTensorOpsPass",
    "fuse-elementwise": "graphlet.transforms.fuse_elementwise:FuseElementwisePass",
    "fuse-sibling-loops": "graphlet.transforms.fuse_sibling_loops:FuseSiblingLoopsPass",
    "outline-loop-nests": "graphlet.transforms.outline_loop_nests:OutlineLoopNestsPass",
    "sink-into-successors": "graphlet.transforms.sink_into_successors:SinkIntoSuccessorsPass",
    "convert-graphlet-to-arith": "graphlet.lowering.convert_graphlet_to_arith:ConvertGraphletToArithPass",
    "convert-scf-while-to-cf": "graphlet.lowering.convert_scf_while_to_cf:ConvertScfWhileToCfPass",
    "eliminate-overflow-checks": "graphlet.lowering.eliminate_overflow_checks:EliminateOverflowChecksPass",
    "version-int-loops": "graphlet.lowering.version_int_loops:VersionIntLoopsPass",
    "version-bounds-checks": "graphlet.lowering.version_bounds_checks:VersionBoundsChecksPass",
    "version-contiguous-loops": "graphlet.lowering.version_contiguous_loops:VersionContiguousLoopsPass",
    "merge-overflow-guards": "graphlet.lowering.merge_overflow_guards:MergeOverflowGuardsPass",
    "speculate-int-arms": "graphlet.lowering.speculate_int_arms:SpeculateIntArmsPass",
    "guard-native-traps": "graphlet.lowering.guard_native_traps:GuardNativeTrapsPass",
    "defer-float-flag-guards": "graphlet.lowering.defer_float_flag_guards:DeferFloatFlagGuardsPass",
    "convert-guards-to-status": "graphlet.lowering.convert_guards_to_status:ConvertGuardsToStatusPass",
    "convert-pyrt-to-llvm": "graphlet.lowering.convert_pyrt_to_llvm:ConvertPyrtToLlvmPass",
    "convert-pylist-to-llvm": "graphlet.lowering.convert_pylist_to_llvm:ConvertPylistToLLVMPass",
    "convert-pyarray-to-llvm": "graphlet.lowering.convert_pyarray_to_llvm:ConvertPyarrayToLLVMPass",
    "convert-index-to-i64": "graphlet.lowering.convert_index_to_i64:ConvertIndexToI64Pass",
    "convert-arith-to-llvm": "graphlet.lowering.convert_arith_to_llvm:ConvertArithToLLVMPass",
    "convert-math-to-llvm": "graphlet.lowering.convert_math_to_llvm:ConvertMathToLLVMPass",
    "convert-cf-to-llvm": "graphlet.lowering.convert_cf_to_llvm:ConvertCfToLLVMPass",
    "convert-func-to-llvm": "graphlet.lowering.convert_func_to_llvm:ConvertFuncToLLVMPass",
    "lower-to-llvm": "graphlet.lowering.lower_to_llvm:LowerToLLVMPass",
    "lower-std-to-llvm": "graphlet.lowering.lower_to_llvm:LowerStdToLLVMPass",
    "convert-graphlet-to-linalg": "graphlet.lowering.convert_graphlet_to_linalg:ConvertGraphletToLinalgPass",
    "graphlet-bufferize": "graphlet.lowering.graphlet_bufferize:GraphletBufferizePass",
    "convert-linalg-to-blas": "graphlet.lowering.convert_linalg_to_blas:ConvertLinalgToBlasPass",
    "expand-math-approximations": "graphlet.lowering.expand_math_approximations:ExpandMathApproximationsPass",
    "convert-memref-to-llvm": "graphlet.lowering.convert_memref_to_llvm:ConvertMemrefToLLVMPass",
    "lower-tensors-to-llvm": "graphlet.lowering.lower_tensors_to_llvm:LowerTensorsToLLVMPass",
}

GRAPHLET_PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    name: _lazy(path) for name, path in _PASS_CLASSES.items()
}

GRAPHLET_TARGETS: dict[str, Callable[[], type]] = {
    "llvm": _lazy("graphlet.backend.llvm_ir:GraphletLLVMTarget"),
    "jit-call": _lazy("graphlet.backend.targets:JitCallTarget"),
    "python": _lazy("graphlet.backend.python_source:PythonTarget"),
}
"""Extra `-t` output targets of graphlet-opt, by name."""


def make_context() -> Context:
    """A context with xDSL's dialects and graphlet's registered (lazily)."""
    ctx = Context()
    for name, factory in all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx


@functools.cache
def all_dialects() -> Mapping[str, Callable[[], Dialect]]:
    """xDSL's dialects plus graphlet's, graphlet's winning on a name clash (`llvm`).

    Cached: xDSL reads its entry points on every call (~25 ms, per compile)."""
    from xdsl.universe import Universe

    return MappingProxyType({**Universe.get_multiverse().all_dialects, **GRAPHLET_DIALECTS})


def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """xDSL's passes plus graphlet's, graphlet's winning on a name clash."""
    return {**get_all_passes(), **GRAPHLET_PASSES}
