"""The one index of what graphlet can parse and run: dialects and passes by name.

`graphlet-opt`, the builder API's `Compiler` and the JIT all read these tables, so a
pass registered here is reachable from every entry point. Factories import lazily to
keep start-up fast.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.context import Context
from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.transforms import get_all_passes


def _graphlet_dialect() -> Dialect:
    from graphlet.dialects.graphlet import Graphlet

    return Graphlet


def _pyrt_dialect() -> Dialect:
    from graphlet.dialects.pyrt import Pyrt

    return Pyrt


def _llvm_ext_dialect() -> Dialect:
    from graphlet.dialects.llvm_ext import LLVMExt

    return LLVMExt


GRAPHLET_DIALECTS: dict[str, Callable[[], Dialect]] = {
    "graphlet": _graphlet_dialect,
    "llvm_ext": _llvm_ext_dialect,
    "pyrt": _pyrt_dialect,
}


def _graphlet_optimize() -> type[ModulePass]:
    from graphlet.transforms.graphlet_optimize import GraphletOptimizePass

    return GraphletOptimizePass


def _convert_graphlet_to_arith() -> type[ModulePass]:
    from graphlet.lowering.convert_graphlet_to_arith import ConvertGraphletToArithPass

    return ConvertGraphletToArithPass


def _convert_index_to_i64() -> type[ModulePass]:
    from graphlet.lowering.convert_index_to_i64 import ConvertIndexToI64Pass

    return ConvertIndexToI64Pass


def _convert_scf_while_to_cf() -> type[ModulePass]:
    from graphlet.lowering.convert_scf_while_to_cf import ConvertScfWhileToCfPass

    return ConvertScfWhileToCfPass


def _convert_arith_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.convert_arith_to_llvm import ConvertArithToLLVMPass

    return ConvertArithToLLVMPass


def _convert_math_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.convert_math_to_llvm import ConvertMathToLLVMPass

    return ConvertMathToLLVMPass


def _convert_cf_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.convert_cf_to_llvm import ConvertCfToLLVMPass

    return ConvertCfToLLVMPass


def _convert_func_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.convert_func_to_llvm import ConvertFuncToLLVMPass

    return ConvertFuncToLLVMPass


def _lower_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.lower_to_llvm import LowerToLLVMPass

    return LowerToLLVMPass


def _lower_std_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.lower_to_llvm import LowerStdToLLVMPass

    return LowerStdToLLVMPass


def _convert_guards_to_status() -> type[ModulePass]:
    from graphlet.lowering.convert_guards_to_status import ConvertGuardsToStatusPass

    return ConvertGuardsToStatusPass


def _convert_pyrt_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.convert_pyrt_to_llvm import ConvertPyrtToLlvmPass

    return ConvertPyrtToLlvmPass


def _convert_graphlet_to_linalg() -> type[ModulePass]:
    from graphlet.lowering.convert_graphlet_to_linalg import ConvertGraphletToLinalgPass

    return ConvertGraphletToLinalgPass


def _fuse_elementwise() -> type[ModulePass]:
    from graphlet.transforms.fuse_elementwise import FuseElementwisePass

    return FuseElementwisePass


def _decompose_tensor_ops() -> type[ModulePass]:
    from graphlet.transforms.decompose_tensor_ops import DecomposeTensorOpsPass

    return DecomposeTensorOpsPass


def _graphlet_bufferize() -> type[ModulePass]:
    from graphlet.lowering.graphlet_bufferize import GraphletBufferizePass

    return GraphletBufferizePass


def _convert_linalg_to_blas() -> type[ModulePass]:
    from graphlet.lowering.convert_linalg_to_blas import ConvertLinalgToBlasPass

    return ConvertLinalgToBlasPass


def _convert_memref_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.convert_memref_to_llvm import ConvertMemrefToLLVMPass

    return ConvertMemrefToLLVMPass


def _expand_math_erf() -> type[ModulePass]:
    from graphlet.lowering.expand_math_erf import ExpandMathErfPass

    return ExpandMathErfPass


def _lower_tensors_to_llvm() -> type[ModulePass]:
    from graphlet.lowering.lower_tensors_to_llvm import LowerTensorsToLLVMPass

    return LowerTensorsToLLVMPass


GRAPHLET_PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "graphlet-optimize": _graphlet_optimize,
    "convert-index-to-i64": _convert_index_to_i64,
    "convert-scf-while-to-cf": _convert_scf_while_to_cf,
    "convert-arith-to-llvm": _convert_arith_to_llvm,
    "convert-math-to-llvm": _convert_math_to_llvm,
    "convert-cf-to-llvm": _convert_cf_to_llvm,
    "convert-func-to-llvm": _convert_func_to_llvm,
    "lower-to-llvm": _lower_to_llvm,
    "lower-std-to-llvm": _lower_std_to_llvm,
    "convert-graphlet-to-arith": _convert_graphlet_to_arith,
    "convert-guards-to-status": _convert_guards_to_status,
    "convert-pyrt-to-llvm": _convert_pyrt_to_llvm,
    "convert-graphlet-to-linalg": _convert_graphlet_to_linalg,
    "fuse-elementwise": _fuse_elementwise,
    "decompose-tensor-ops": _decompose_tensor_ops,
    "graphlet-bufferize": _graphlet_bufferize,
    "convert-linalg-to-blas": _convert_linalg_to_blas,
    "expand-math-erf": _expand_math_erf,
    "convert-memref-to-llvm": _convert_memref_to_llvm,
    "lower-tensors-to-llvm": _lower_tensors_to_llvm,
}


def _llvm_target() -> type:
    from graphlet.backend.llvm_ir import GraphletLLVMTarget

    return GraphletLLVMTarget


def _jit_call_target() -> type:
    from graphlet.backend.jit import JitCallTarget

    return JitCallTarget


GRAPHLET_TARGETS: dict[str, Callable[[], type]] = {
    "llvm": _llvm_target,
    "jit-call": _jit_call_target,
}
"""Extra `-t` output targets of graphlet-opt, by name."""


def make_context() -> Context:
    """A context with xDSL's dialects and graphlet's registered (lazily)."""
    from xdsl.universe import Universe

    ctx = Context()
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    for name, factory in GRAPHLET_DIALECTS.items():
        if name not in ctx.registered_dialect_names:
            ctx.register_dialect(name, factory)
    return ctx


def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """xDSL's passes plus graphlet's, graphlet's winning on a name clash."""
    return {**get_all_passes(), **GRAPHLET_PASSES}
