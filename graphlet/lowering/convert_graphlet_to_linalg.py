"""`convert-graphlet-to-linalg`: graphlet tensor ops -> `linalg.generic` on tensors.

Every op becomes one or two `linalg.generic`s writing into a `tensor.empty`
destination (destination-passing style, ready for `graphlet-bufferize`):

* elementwise ops on f32/f64/i64/i32/i1, compare, select (`where`) and cast: the
  result's shape, broadcasting in the indexing maps (a stretched size-1 dimension
  reads index 0); a splat constant operand becomes an `arith.constant` in the
  body. Bodies follow each op's `np_operation` (PyTorch's semantics): `maximumf`
  keeps NaN, ints wrap, int operands of float ops are converted first, float to
  int casts give INT_MIN out of range (x86's, NumPy's and torch's answer) instead
  of LLVM's poison.
* int `//` and `%` never divide by 0 or INT_MIN by -1 (UB in LLVM, SIGFPE on x86):
  such divisors are replaced by 1 and the result fixed up; a zero divisor sets the
  function's status result (below), which the runtime raises as torch does.
* sum/amax/amin: a fill with the neutral element, then a generic with reduction
  iterators (not `linalg.reduce`, which `convert-linalg-to-loops` cannot lower).

Status: a function with an op that can raise gets one more result, a 0-d i64
tensor holding the first error's code (`graphlet.TENSOR_ERRORS`, 0 = ok), and the
unit attribute `STATUS_RESULT`. Kernels therefore run to the end (no early exit
inside loops, every buffer freed) and the runtime raises after the call.
* matmul/linear: a fill (zeros, or the broadcast bias), then a contraction. The
  loop order is chosen for LLVM's vectoriser: matmul iterates (m, k, n) so the
  innermost loop walks rows of b and of the result; linear iterates (m, n, k), a
  dot product over contiguous rows of x and w, with `reassoc` so it vectorises.
  2-d matmuls and all linears are tagged (`library_call`) as GEMMs.
* convolution: the input framed in zeros (padding; a transposed convolution's
  stride), then im2col and a GEMM-tagged contraction per (batch, group) where BLAS
  will take it, else a direct loop nest whose inner loops walk an output row.
* transpose/expand/slice/cat: copies whose indexing maps do the data movement.
* index (advanced indexing, embedding, index_select) and gather: a generic over the
  result reading the source with `tensor.extract` at coordinates computed from the
  index tensors; an index out of range sets the status (IndexError or RuntimeError,
  as PyTorch raises) and is read as 0, never out of bounds.
* cumsum/cumprod: a generic with two outputs, the running value (a reduction over
  the scanned dimension) and the result written at every step.

Tensor constants and reshape are left alone (a global and a view, handled by
`graphlet-bufferize`); mean, softmax, log_softmax and layer_norm are expected
decomposed (`decompose-tensor-ops`). Any other graphlet op left over is refused.

The patterns live in `graphlet_to_linalg/` by category, the way torch-mlir splits
TorchToLinalg: `elementwise`, `reduction`, `linear`, `convolution`, `data_movement`, `indexing`, `scan`, with the
shared builders in `common` and the status result in `status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker

from graphlet.dialects import graphlet as g
from graphlet.lowering.graphlet_to_linalg.convolution import ConvolutionToGeneric
from graphlet.lowering.graphlet_to_linalg.data_movement import DataMovementToGeneric
from graphlet.lowering.graphlet_to_linalg.elementwise import ElementwiseToGeneric
from graphlet.lowering.graphlet_to_linalg.indexing import IndexToGeneric
from graphlet.lowering.graphlet_to_linalg.linear import LinearToGeneric, MatmulToGeneric
from graphlet.lowering.graphlet_to_linalg.reduction import ReductionToGeneric
from graphlet.lowering.graphlet_to_linalg.scan import ScanToGeneric
from graphlet.lowering.graphlet_to_linalg.status import STATUS_RESULT
from graphlet.lowering.legality import ConversionTarget
from graphlet.transforms.decompose_tensor_ops import DECOMPOSED_OPS

__all__ = ["STATUS_RESULT", "ConvertGraphletToLinalgPass"]


def _left_to_bufferize(op: Operation) -> bool:
    """Tensor constants (globals) and reshapes (views) are `graphlet-bufferize`'s."""
    return isinstance(op, g.ReshapeOp) or (
        isinstance(op, g.ConstantOp) and isinstance(op.result.type, TensorType)
    )


def _advice(op: Operation) -> str | None:
    if isinstance(op, DECOMPOSED_OPS):
        return "run decompose-tensor-ops first"
    if not any(isinstance(v.type, TensorType) for v in (*op.operands, *op.results)):
        return "it works on scalars, which lower-to-llvm lowers (convert-graphlet-to-arith)"
    return None


TARGET = ConversionTarget(
    "convert-graphlet-to-linalg",
    illegal_dialects=("graphlet",),
    legal_if=_left_to_bufferize,
    advice=_advice,
)


@dataclass(frozen=True)
class ConvertGraphletToLinalgPass(ModulePass):
    name = "convert-graphlet-to-linalg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [
            ElementwiseToGeneric(),
            ReductionToGeneric(),
            MatmulToGeneric(),
            LinearToGeneric(),
            ConvolutionToGeneric(),
            DataMovementToGeneric(),
            IndexToGeneric(),
            ScanToGeneric(),
        ]
        PatternRewriteWalker(
            GreedyRewritePatternApplier(patterns), apply_recursively=False
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
