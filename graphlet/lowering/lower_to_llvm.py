"""`lower-to-llvm`: the whole way from graphlet/func/arith/math/scf/cf to the llvm dialect.

The order matters: graphlet ops and runtime guards first become arith/cf; scf
becomes cf (its loops introduce `index` arithmetic); then `index` becomes i64,
because the llvm lowerings expect builtin integer types only; then each dialect
goes to llvm, with func last so that it moves finished bodies. No types change
after the index pass, so no unrealized casts appear; reconciling them is kept as
a safety net for front passes that introduce some.

Extend the pipeline at the front by registering a pass named in
`FRONT_PASS_NAMES` in `graphlet/registry.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.convert_scf_to_cf import ConvertScfToCf
from xdsl.transforms.reconcile_unrealized_casts import ReconcileUnrealizedCastsPass

from graphlet.lowering.convert_arith_to_llvm import ConvertArithToLLVMPass
from graphlet.lowering.convert_cf_to_llvm import ConvertCfToLLVMPass
from graphlet.lowering.convert_func_to_llvm import ConvertFuncToLLVMPass
from graphlet.lowering.convert_index_to_i64 import ConvertIndexToI64Pass
from graphlet.lowering.convert_math_to_llvm import ConvertMathToLLVMPass
from graphlet.lowering.convert_scf_while_to_cf import ConvertScfWhileToCfPass

FRONT_PASS_NAMES: tuple[str, ...] = (
    "convert-graphlet-to-arith",
    "convert-guards-to-status",
)
"""Passes run first, in this order, when they are registered (graphlet -> arith)."""

LOWER_TO_LLVM_PASSES: tuple[ModulePass, ...] = (
    ConvertScfWhileToCfPass(),
    ConvertScfToCf(),
    ConvertIndexToI64Pass(),
    ConvertArithToLLVMPass(),
    ConvertMathToLLVMPass(),
    ConvertCfToLLVMPass(),
    ConvertFuncToLLVMPass(),
    ReconcileUnrealizedCastsPass(),
)
"""The standard-dialect part of the pipeline: func/arith/math/scf/cf -> llvm."""


def lower_to_llvm_passes() -> tuple[ModulePass, ...]:
    """The registered front passes followed by `LOWER_TO_LLVM_PASSES`."""
    from graphlet.registry import GRAPHLET_PASSES

    front = tuple(
        GRAPHLET_PASSES[name]()() for name in FRONT_PASS_NAMES if name in GRAPHLET_PASSES
    )
    return front + LOWER_TO_LLVM_PASSES


@dataclass(frozen=True)
class LowerToLLVMPass(ModulePass):
    name = "lower-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for lowering in lower_to_llvm_passes():
            lowering.apply(ctx, op)
