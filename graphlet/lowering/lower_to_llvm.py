"""`lower-to-llvm`: the whole way from graphlet/func/arith/math/scf/cf to the llvm dialect.

The order matters: graphlet ops first become arith/math/scf plus pyrt checks;
scf becomes cf (its loops introduce `index` arithmetic); checked int ops that
provably fit become plain ones (`eliminate-overflow-checks`), and loops whose checks
hold for small inputs get an unchecked copy (`version-int-loops`), loops over arrays
a copy without the bounds checks of `counter + constant` (`version-bounds-checks`)
and a unit-stride copy (`version-contiguous-loops`); a block's hand-back guards
become one, handed on to the join it branches to (`merge-overflow-guards`), and
two-armed branches of int arithmetic become selects (`speculate-int-arms`); what native code would
trap on gets a guard (`guard-native-traps`); NumPy's float warnings are tested once per
call where a rerun is safe (`defer-float-flag-guards`); guards then become
status results, which changes every function's signature (a leading i32 status,
see `convert-guards-to-status`); then `index` becomes i64,
because the llvm lowerings expect builtin integer types only; then each dialect
goes to llvm, with func last so that it moves finished bodies. No types change
after the index pass, so no unrealized casts appear; reconciling them is kept as
a safety net for front passes that introduce some.
`lower-std-to-llvm` is the same pipeline without graphlet's passes, for plain
modules whose calling convention must stay as written.
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
from graphlet.lowering.convert_graphlet_to_arith import ConvertGraphletToArithPass
from graphlet.lowering.convert_guards_to_status import ConvertGuardsToStatusPass
from graphlet.lowering.convert_index_to_i64 import ConvertIndexToI64Pass
from graphlet.lowering.convert_math_to_llvm import ConvertMathToLLVMPass
from graphlet.lowering.convert_pyarray_to_llvm import ConvertPyarrayToLLVMPass
from graphlet.lowering.convert_pylist_to_llvm import ConvertPylistToLLVMPass
from graphlet.lowering.convert_pyrt_to_llvm import ConvertPyrtToLlvmPass
from graphlet.lowering.convert_scf_while_to_cf import ConvertScfWhileToCfPass
from graphlet.lowering.defer_float_flag_guards import DeferFloatFlagGuardsPass
from graphlet.lowering.eliminate_overflow_checks import EliminateOverflowChecksPass
from graphlet.lowering.guard_native_traps import GuardNativeTrapsPass
from graphlet.lowering.merge_overflow_guards import MergeOverflowGuardsPass
from graphlet.lowering.speculate_int_arms import SpeculateIntArmsPass
from graphlet.lowering.version_bounds_checks import VersionBoundsChecksPass
from graphlet.lowering.version_contiguous_loops import VersionContiguousLoopsPass
from graphlet.lowering.version_int_loops import VersionIntLoopsPass
from graphlet.transforms.sink_into_successors import SinkIntoSuccessorsPass

STRUCTURED_TO_CFG: tuple[ModulePass, ...] = (ConvertScfWhileToCfPass(), ConvertScfToCf())
"""scf loops and branches -> cf blocks (their loops introduce `index` arithmetic)."""

CFG_TO_LLVM: tuple[ModulePass, ...] = (
    ConvertIndexToI64Pass(),
    ConvertArithToLLVMPass(),
    ConvertMathToLLVMPass(),
    ConvertCfToLLVMPass(),
    ConvertFuncToLLVMPass(),
    ReconcileUnrealizedCastsPass(),
)
"""index -> i64 first (the llvm lowerings take builtin integers only), func last so
that it moves finished bodies."""

LOWER_TO_LLVM_PASSES: tuple[ModulePass, ...] = STRUCTURED_TO_CFG + CFG_TO_LLVM
"""`lower-std-to-llvm`: plain func/arith/math/scf/cf -> llvm, signatures unchanged."""


def lower_to_llvm_passes() -> tuple[ModulePass, ...]:
    """`lower-to-llvm`: graphlet ops become arith/math/scf plus pyrt checks, native
    lists (`pylist`) loads, stores and runtime calls; once the
    CFG is flat, guards become status results (a leading i32 on every function) and
    checked arithmetic becomes LLVM's overflow intrinsics; then the standard part."""
    return (
        SinkIntoSuccessorsPass(),
        ConvertGraphletToArithPass(),
        ConvertPylistToLLVMPass(),
        ConvertPyarrayToLLVMPass(),
        *STRUCTURED_TO_CFG,
        EliminateOverflowChecksPass(),
        VersionIntLoopsPass(),
        VersionBoundsChecksPass(),
        VersionContiguousLoopsPass(),
        MergeOverflowGuardsPass(),
        SpeculateIntArmsPass(),
        GuardNativeTrapsPass(),
        DeferFloatFlagGuardsPass(),
        ConvertGuardsToStatusPass(),
        ConvertPyrtToLlvmPass(),
        *CFG_TO_LLVM,
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
