"""`lower-tensors-to-llvm`: graphlet tensor functions all the way to the llvm dialect.

    decompose-tensor-ops        softmax, layer_norm, mean -> reductions + elementwise
    convert-graphlet-to-linalg  graphlet tensor ops -> linalg.generic on tensors
    fuse-elementwise            elementwise chains -> one generic
    graphlet-bufferize          tensors -> memrefs, results -> out-params
    convert-linalg-to-blas      (blas=true) f32/f64 matmuls -> cblas_?gemm calls
    expand-math-approximations  exp/log/tanh/erf/... in generics -> polynomials that vectorise
    convert-linalg-to-loops     generics -> scf.for nests of memref.load/store
    fuse-sibling-loops          loops over the same rows -> one loop (softmax: rows stay in L1)
    lower-affine                the affine.apply of broadcast/slice/cat maps -> arith
    outline-loop-nests          each loop nest -> a noinline function (LLVM's time is
                                superlinear in a function's size; equal nests shared)
    convert-memref-to-llvm      memrefs -> bare pointers, GEP + load/store, malloc/free
    lower-std-to-llvm           scf/cf/index/arith/math/func -> llvm (the scalar lowering)

The result is a module of `llvm.func`s taking one pointer per input, then one per
output, and returning nothing: see `graphlet.runtime.tensors` for the caller's
side. The scalar lowering is `lower-std-to-llvm` (no `pyrt` guards: a kernel that
can raise reports it in a status result instead, see `convert-graphlet-to-linalg`). A module with an op no stage lowers fails with that op's
name (bufferization refuses unknown tensor ops).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.convert_linalg_to_loops import ConvertLinalgToLoopsPass
from xdsl.transforms.lower_affine import LowerAffinePass

from graphlet.lowering.convert_graphlet_to_linalg import ConvertGraphletToLinalgPass
from graphlet.lowering.convert_linalg_to_blas import ConvertLinalgToBlasPass
from graphlet.lowering.convert_memref_to_llvm import ConvertMemrefToLLVMPass
from graphlet.lowering.expand_math_approximations import ExpandMathApproximationsPass
from graphlet.lowering.graphlet_bufferize import GraphletBufferizePass
from graphlet.lowering.lower_to_llvm import LOWER_TO_LLVM_PASSES
from graphlet.transforms.decompose_tensor_ops import DecomposeTensorOpsPass
from graphlet.transforms.fuse_elementwise import FuseElementwisePass
from graphlet.transforms.fuse_sibling_loops import FuseSiblingLoopsPass
from graphlet.transforms.outline_loop_nests import OutlineLoopNestsPass


def lower_tensors_to_llvm_passes(blas: bool = True, entry: str = "") -> tuple[ModulePass, ...]:
    """The passes; `entry` names the function of the tensor ABI (its memref
    arguments never overlap)."""
    return (
        DecomposeTensorOpsPass(),
        ConvertGraphletToLinalgPass(),
        FuseElementwisePass(),
        GraphletBufferizePass(),
        *((ConvertLinalgToBlasPass(),) if blas else ()),
        ExpandMathApproximationsPass(),
        ConvertLinalgToLoopsPass(),
        FuseSiblingLoopsPass(),
        LowerAffinePass(),
        OutlineLoopNestsPass(entry=entry),
        ConvertMemrefToLLVMPass(),
        *LOWER_TO_LLVM_PASSES,
    )


@dataclass(frozen=True)
class LowerTensorsToLLVMPass(ModulePass):
    name = "lower-tensors-to-llvm"

    blas: bool = True
    """Call BLAS for matmul/linear (see `convert-linalg-to-blas` for why)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for lowering in lower_tensors_to_llvm_passes(self.blas):
            lowering.apply(ctx, op)
