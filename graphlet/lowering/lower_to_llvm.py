"""`lower-to-llvm`: the whole way from graphlet/func/arith/math/scf/cf to the llvm dialect.

The order matters: graphlet ops first become arith/math/scf plus pyrt checks;
scf becomes cf (its loops introduce `index` arithmetic); guards then become
status results, which changes every function's signature (a leading i32 status,
see `convert-guards-to-status`); then `index` becomes i64,
because the llvm lowerings expect builtin integer types only; then each dialect
goes to llvm, with func last so that it moves finished bodies. No types change
after the index pass, so no unrealized casts appear; reconciling them is kept as
a safety net for front passes that introduce some.

graphlet's passes join when registered under a name listed in
`BEFORE_CFG_PASS_NAMES` / `AFTER_CFG_PASS_NAMES`; `lower-std-to-llvm` is the
same pipeline without them, for plain modules.
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
"""The standard-dialect part (`lower-std-to-llvm`): func/arith/math/scf/cf -> llvm.
The first `CFG_PASS_COUNT` passes turn structured control flow into a CFG."""

CFG_PASS_COUNT = 2

BEFORE_CFG_PASS_NAMES: tuple[str, ...] = ("convert-graphlet-to-arith",)
"""Run first, when registered: graphlet ops -> arith/math/scf + pyrt checks."""

AFTER_CFG_PASS_NAMES: tuple[str, ...] = ("convert-guards-to-status", "convert-pyrt-to-llvm")
"""Run right after the CFG exists, when registered: guards need a flat CFG and
turn into status results; pyrt's checked arithmetic goes to LLVM intrinsics."""


def _registered(names: tuple[str, ...]) -> tuple[ModulePass, ...]:
    from graphlet.registry import GRAPHLET_PASSES

    return tuple(GRAPHLET_PASSES[name]()() for name in names if name in GRAPHLET_PASSES)


def lower_to_llvm_passes() -> tuple[ModulePass, ...]:
    """The whole `lower-to-llvm` sequence, graphlet's passes spliced into
    `LOWER_TO_LLVM_PASSES`."""
    return (
        *_registered(BEFORE_CFG_PASS_NAMES),
        *LOWER_TO_LLVM_PASSES[:CFG_PASS_COUNT],
        *_registered(AFTER_CFG_PASS_NAMES),
        *LOWER_TO_LLVM_PASSES[CFG_PASS_COUNT:],
    )


@dataclass(frozen=True)
class LowerToLLVMPass(ModulePass):
    name = "lower-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for lowering in lower_to_llvm_passes():
            lowering.apply(ctx, op)


@dataclass(frozen=True)
class LowerStdToLLVMPass(ModulePass):
    """`lower-to-llvm` without graphlet's passes: plain func/arith/math/scf/cf
    modules keep their calling convention (no status result)."""

    name = "lower-std-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for lowering in LOWER_TO_LLVM_PASSES:
            lowering.apply(ctx, op)
