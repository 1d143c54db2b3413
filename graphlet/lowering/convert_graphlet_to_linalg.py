"""`convert-graphlet-to-linalg`: graphlet tensor ops -> `linalg.generic` on tensors.

Every op becomes one or two `linalg.generic`s writing into a `tensor.empty`
destination (destination-passing style, ready for `graphlet-bufferize`):

* elementwise float ops: the result's shape, broadcasting in the indexing maps (a
  stretched size-1 dimension reads index 0); a splat constant operand becomes an
  `arith.constant` in the body. Bodies follow PyTorch (`maximumf` keeps NaN).
* sum/amax/amin: a fill with the neutral element, then a generic with reduction
  iterators (not `linalg.reduce`, which `convert-linalg-to-loops` cannot lower).
* matmul/linear: a fill (zeros, or the broadcast bias), then a contraction. The
  loop order is chosen for LLVM's vectoriser: matmul iterates (m, k, n) so the
  innermost loop walks rows of b and of the result; linear iterates (m, n, k), a
  dot product over contiguous rows of x and w, with `reassoc` so it vectorises.
  2-d matmuls and all linears are tagged (`library_call`) as GEMMs.
* transpose/expand/slice/cat: copies whose indexing maps do the data movement.

reshape is left alone (a view, handled by `graphlet-bufferize`); mean, softmax,
log_softmax and layer_norm are expected decomposed (`decompose-tensor-ops`). Ops
this pass does not know are left alone: the caller checks that none remain.
"""

from __future__ import annotations

import math as pymath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, linalg, math, tensor
from xdsl.dialects.builtin import AffineMapAttr, FloatAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriter, PatternRewriteWalker, RewritePattern

from graphlet.dialects import graphlet as g

GEMM_NN, GEMM_NT = "gemm_nn", "gemm_nt"
"""`library_call` tags of contractions that are one row-major GEMM, C += A B or
C += A B^T (A's leading dims flattened into rows): `convert-linalg-to-blas` may
turn them into BLAS calls."""

Body = Callable[[Block, Sequence[SSAValue]], SSAValue]
REASSOC = arith.FastMathFlagsAttr([arith.FastMathFlag.REASSOC, arith.FastMathFlag.ALLOW_CONTRACT])
PARALLEL, REDUCTION = linalg.IteratorTypeAttr.parallel(), linalg.IteratorTypeAttr.reduction()


def _emit(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def _const(block: Block, value: float, type_: Attribute) -> SSAValue:
    return _emit(block, arith.ConstantOp(FloatAttr(value, type_)))


def _sigmoid(block: Block, x: SSAValue) -> SSAValue:
    one = _const(block, 1.0, x.type)
    e = _emit(block, math.ExpOp(_emit(block, arith.NegfOp(x))))
    return _emit(block, arith.DivfOp(one, _emit(block, arith.AddfOp(one, e))))


def _gelu(block: Block, x: SSAValue, approximate: str) -> SSAValue:
    """x/2 (1 + erf(x/sqrt 2)), or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    t = x.type
    if approximate == "tanh":
        cube = _emit(block, arith.MulfOp(_emit(block, arith.MulfOp(x, x)), x))
        inner = _emit(block, arith.AddfOp(x, _emit(block, arith.MulfOp(_const(block, 0.044715, t), cube))))
        y = _emit(block, math.TanhOp(_emit(block, arith.MulfOp(_const(block, pymath.sqrt(2 / pymath.pi), t), inner))))
    else:
        y = _emit(block, math.ErfOp(_emit(block, arith.MulfOp(x, _const(block, pymath.sqrt(0.5), t)))))
    half_x = _emit(block, arith.MulfOp(_const(block, 0.5, t), x))
    return _emit(block, arith.MulfOp(half_x, _emit(block, arith.AddfOp(_const(block, 1.0, t), y))))


BODIES: dict[type[Operation], Body] = {
    g.AddOp: lambda b, a: _emit(b, arith.AddfOp(*a)),
    g.SubOp: lambda b, a: _emit(b, arith.SubfOp(*a)),
    g.MulOp: lambda b, a: _emit(b, arith.MulfOp(*a)),
    g.TrueDivOp: lambda b, a: _emit(b, arith.DivfOp(*a)),
    g.MaxOp: lambda b, a: _emit(b, arith.MaximumfOp(*a)),
    g.MinOp: lambda b, a: _emit(b, arith.MinimumfOp(*a)),
    g.NegOp: lambda b, a: _emit(b, arith.NegfOp(*a)),
    g.ReluOp: lambda b, a: _emit(b, arith.MaximumfOp(a[0], _const(b, 0.0, a[0].type))),
    g.ExpOp: lambda b, a: _emit(b, math.ExpOp(*a)),
    g.LogOp: lambda b, a: _emit(b, math.LogOp(*a)),
    g.SqrtOp: lambda b, a: _emit(b, math.SqrtOp(*a)),
    g.TanhOp: lambda b, a: _emit(b, math.TanhOp(*a)),
    g.SinOp: lambda b, a: _emit(b, math.SinOp(*a)),
    g.CosOp: lambda b, a: _emit(b, math.CosOp(*a)),
    g.AbsOp: lambda b, a: _emit(b, math.AbsFOp(*a)),
    g.FloorOp: lambda b, a: _emit(b, math.FloorOp(*a)),
    g.CeilOp: lambda b, a: _emit(b, math.CeilOp(*a)),
    g.SigmoidOp: lambda b, a: _sigmoid(b, a[0]),
}
"""Each elementwise op's scalar body, on float elements."""


def _body_of(op: Operation) -> Body | None:
    if isinstance(op, g.GeluOp):
        approximate = op.approximate.data
        return lambda b, a: _gelu(b, a[0], approximate)
    return BODIES.get(type(op))


def broadcast_map(operand_shape: Sequence[int], result_shape: Sequence[int]) -> AffineMap:
    """The indexing map reading a broadcast operand at a point of the result."""
    rank, offset = len(result_shape), len(result_shape) - len(operand_shape)
    exprs = [
        AffineExpr.constant(0) if size == 1 and result_shape[offset + k] != 1 else AffineExpr.dimension(offset + k)
        for k, size in enumerate(operand_shape)
    ]
    return AffineMap(rank, 0, tuple(exprs))


def _splat(value: SSAValue) -> float | None:
    owner = value.owner
    if isinstance(owner, g.ConstantOp) and g.is_tensor(owner.value.type):
        array = g.array_of(owner.value)
        if array.size and (array == array.flat[0]).all():
            return float(array.flat[0])
    return None


def _map(rank: int, exprs: Sequence[AffineExpr | int]) -> AffineMapAttr:
    """A map of `rank` dims; an int `i` in `exprs` stands for dimension i."""
    return AffineMapAttr(AffineMap(rank, 0, tuple(AffineExpr.dimension(e) if isinstance(e, int) else e for e in exprs)))


def generic(
    inputs: Sequence[SSAValue], init: SSAValue, maps: Sequence[AffineMapAttr], iterators: Sequence[Attribute],
    body: Callable[[Block, Sequence[SSAValue]], SSAValue], library_call: str | None = None,
) -> linalg.GenericOp:
    """A one-output generic; `body` gets the block arguments (inputs, then the output)."""
    block = Block(arg_types=[*(g.element_type(v.type) for v in inputs), g.element_type(init.type)])
    block.add_op(linalg.YieldOp(body(block, block.args)))
    call = StringAttr(library_call) if library_call else None
    return linalg.GenericOp(list(inputs), [init], Region(block), list(maps), list(iterators), [init.type], library_call=call)


def _copy(inputs: Sequence[SSAValue], init: SSAValue, maps: Sequence[AffineMapAttr]) -> linalg.GenericOp:
    rank = maps[0].data.num_dims
    return generic(inputs, init, maps, [PARALLEL] * rank, lambda b, a: a[0])


def _fill(result_type: TensorType, value: float) -> list[Operation]:
    empty = tensor.EmptyOp([], result_type)
    rank = len(result_type.get_shape())
    elem = result_type.get_element_type()
    return [empty, generic([], empty.tensor, [_map(rank, range(rank))], [PARALLEL] * rank, lambda b, a: _const(b, value, elem))]


def _float_result(op: Operation) -> TensorType | None:
    t = op.results[0].type
    return t if isinstance(t, TensorType) and t.get_element_type() in g.FLOAT_ELEMENT_TYPES else None


class ElementwiseToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        body = _body_of(op)
        result_type = _float_result(op) if body is not None else None
        if result_type is None or any(g.element_type(o.type) != result_type.get_element_type() for o in op.operands):
            return
        shape, elem = g.shape_of(result_type), result_type.get_element_type()
        inputs = [o for o in op.operands if _splat(o) is None]

        def build(block: Block, args: Sequence[SSAValue]) -> SSAValue:
            it = iter(args)
            scalars = [next(it) if (s := _splat(o)) is None else _const(block, s, elem) for o in op.operands]
            return body(block, scalars)

        maps = [AffineMapAttr(broadcast_map(g.shape_of(o.type), shape)) for o in inputs]
        empty = tensor.EmptyOp([], result_type)
        rank = len(shape)
        rewriter.replace(op, [empty, generic(inputs, empty.tensor, [*maps, _map(rank, range(rank))], [PARALLEL] * rank, build)])


_REDUCTIONS: dict[type[Operation], tuple[float, Callable[[Block, Sequence[SSAValue]], SSAValue]]] = {
    g.SumOp: (0.0, lambda b, a: _emit(b, arith.AddfOp(a[1], a[0], REASSOC))),
    g.AmaxOp: (-pymath.inf, lambda b, a: _emit(b, arith.MaximumfOp(a[1], a[0]))),
    g.AminOp: (pymath.inf, lambda b, a: _emit(b, arith.MinimumfOp(a[1], a[0]))),
}


class ReductionToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if type(op) not in _REDUCTIONS or (result_type := _float_result(op)) is None:
            return
        neutral, body = _REDUCTIONS[type(op)]
        static = op.static_args()
        rank = len(g.shape_of(op.input.type))
        out = [AffineExpr.constant(0) if d in static["dims"] else d for d in range(rank) if static["keepdim"] or d not in static["dims"]]
        iterators = [REDUCTION if d in static["dims"] else PARALLEL for d in range(rank)]
        init = _fill(result_type, neutral)
        reduce = generic([op.input], init[-1].results[0], [_map(rank, range(rank)), _map(rank, out)], iterators, body)
        rewriter.replace(op, [*init, reduce])


def _contraction(body_flags: arith.FastMathFlagsAttr | None) -> Callable[[Block, Sequence[SSAValue]], SSAValue]:
    def body(b: Block, a: Sequence[SSAValue]) -> SSAValue:
        return _emit(b, arith.AddfOp(a[2], _emit(b, arith.MulfOp(a[0], a[1], body_flags)), body_flags))

    return body


class MatmulToGeneric(RewritePattern):
    """Domain (batch..., m, k, n); m and n absent for a 1-d operand."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.MatmulOp) or (result_type := _float_result(op)) is None:
            return
        a, b = g.shape_of(op.lhs.type), g.shape_of(op.rhs.type)
        out_shape = g.shape_of(result_type)
        nb = len(out_shape) - (len(a) > 1) - (len(b) > 1)
        has_m, has_n = len(a) > 1, len(b) > 1
        m, k, n = nb, nb + has_m, nb + has_m + 1
        rank = n + has_n

        def batch(shape: Sequence[int]) -> list[AffineExpr | int]:
            own = shape[:-2] if len(shape) > 1 else ()
            return [AffineExpr.constant(0) if s == 1 and out_shape[nb - len(own) + i] != 1 else nb - len(own) + i for i, s in enumerate(own)]

        lhs = [*batch(a), *([m] if has_m else []), k]
        rhs = [*batch(b), k, *([n] if has_n else [])] if len(b) > 1 else [k]
        res = [*range(nb), *([m] if has_m else []), *([n] if has_n else [])]
        iterators = [PARALLEL] * rank
        iterators[k] = REDUCTION
        init = _fill(result_type, 0.0)
        gemm = GEMM_NN if len(a) == len(b) == 2 else None
        maps = [_map(rank, lhs), _map(rank, rhs), _map(rank, res)]
        mm = generic([op.lhs, op.rhs], init[-1].results[0], maps, iterators, _contraction(None), gemm)
        rewriter.replace(op, [*init, mm])


class LinearToGeneric(RewritePattern):
    """Domain (lead..., n, k): y[..., n] = bias[n] + sum_k x[..., k] w[n, k]."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.LinearOp) or (result_type := _float_result(op)) is None:
            return
        out_shape = g.shape_of(result_type)
        lead, rank = len(out_shape) - 1, len(out_shape) + 1
        if op.bias is None:
            init = _fill(result_type, 0.0)
        else:
            empty = tensor.EmptyOp([], result_type)
            bias_map = AffineMapAttr(broadcast_map(g.shape_of(op.bias.type), out_shape))
            init = [empty, _copy([op.bias], empty.tensor, [bias_map, _map(lead + 1, range(lead + 1))])]
        maps = [_map(rank, [*range(lead), lead + 1]), _map(rank, [lead, lead + 1]), _map(rank, range(lead + 1))]
        iterators = [*[PARALLEL] * (lead + 1), REDUCTION]
        y = generic([op.input, op.weight], init[-1].results[0], maps, iterators, _contraction(REASSOC), GEMM_NT)
        rewriter.replace(op, [*init, y])


def _partial(dim: int, start: int, step: int, size: int, count: int) -> AffineExpr:
    """`dim * step + start`, reading `count` of an operand dimension of `size`.
    A plain `d` covering part of a dimension is spelled `d % count`: linalg takes
    a plain dim to span its whole operand dimension (loop bounds come from it)."""
    expr = AffineExpr.dimension(dim) * step + start
    if isinstance(expr, AffineDimExpr) and count != size:
        return expr % count
    return expr


def _moved(op: Operation) -> tuple[list[AffineExpr | int], int] | None:
    """The input map of a data-movement op (over the result's dims), or None."""
    rank = len(g.shape_of(op.results[0].type))
    if isinstance(op, g.TransposeOp):
        perm = op.static_args()["perm"]
        return [perm.index(j) for j in range(rank)], rank
    if isinstance(op, g.ExpandOp):
        return list(broadcast_map(g.shape_of(op.input.type), g.shape_of(op.result.type)).results), rank
    if isinstance(op, g.SliceOp):
        s = op.static_args()
        return [_partial(d, st, k, n, m) for d, (st, k, n, m) in enumerate(
            zip(s["starts"], s["steps"], g.shape_of(op.input.type), g.shape_of(op.result.type))
        )], rank
    return None


class DataMovementToGeneric(RewritePattern):
    """transpose/expand/slice as a copy reading through a map; cat as one copy
    per operand into its offset in a shared destination."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.CatOp | g.TransposeOp | g.ExpandOp | g.SliceOp):
            return
        result_type = op.results[0].type
        rank = len(g.shape_of(result_type))
        if isinstance(op, g.CatOp):
            dim = op.static_args()["dim"]
            ops: list[Operation] = [empty := tensor.EmptyOp([], result_type)]
            dest, offset = empty.tensor, 0
            for x in op.inputs:
                # `% size` keeps offset 0 from simplifying to a plain dim, which the
                # verifier would require to span the whole destination.
                shifted = AffineExpr.dimension(dim) + offset if offset else AffineExpr.dimension(dim) % g.shape_of(result_type)[dim]
                out = [shifted if d == dim else d for d in range(rank)]
                ops.append(_copy([x], dest, [_map(rank, range(rank)), _map(rank, out)]))
                dest, offset = ops[-1].results[0], offset + g.shape_of(x.type)[dim]
            rewriter.replace(op, ops)
        elif (moved := _moved(op)) is not None:
            empty = tensor.EmptyOp([], result_type)
            rewriter.replace(op, [empty, _copy([op.operands[0]], empty.tensor, [_map(rank, moved[0]), _map(rank, range(rank))])])


@dataclass(frozen=True)
class ConvertGraphletToLinalgPass(ModulePass):
    name = "convert-graphlet-to-linalg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [ElementwiseToGeneric(), ReductionToGeneric(), MatmulToGeneric(), LinearToGeneric(), DataMovementToGeneric()]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns), apply_recursively=False).rewrite_module(op)
