"""`convert-graphlet-to-linalg`: elementwise graphlet tensor ops on floats -> `linalg.generic`.

Each op becomes a `linalg.generic` on tensors over the result's shape, with a
`tensor.empty` destination; broadcasting is in the indexing maps (a stretched size-1
dimension reads index 0). The body is arith/math on the element type, with
PyTorch's meaning (`maximumf` keeps NaN, as torch.relu and torch.maximum do). A
splat constant operand becomes an `arith.constant` inside the body. Ops this pass
does not know are left alone: the caller checks that none remain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, linalg, math, tensor
from xdsl.dialects.builtin import FloatAttr, ModuleOp, TensorType
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.dialects.builtin import AffineMapAttr
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern

from graphlet.dialects import graphlet as g

Body = Callable[[Block, Sequence[SSAValue]], SSAValue]


def _emit(block: Block, op: Operation) -> SSAValue:
    block.add_op(op)
    return op.results[0]


def _zero(block: Block, like: SSAValue) -> SSAValue:
    return _emit(block, arith.ConstantOp(FloatAttr(0.0, like.type)))


def _sigmoid(block: Block, x: SSAValue) -> SSAValue:
    one = _emit(block, arith.ConstantOp(FloatAttr(1.0, x.type)))
    e = _emit(block, math.ExpOp(_emit(block, arith.NegfOp(x))))
    return _emit(block, arith.DivfOp(one, _emit(block, arith.AddfOp(one, e))))


BODIES: dict[type[Operation], Body] = {
    g.AddOp: lambda b, a: _emit(b, arith.AddfOp(*a)),
    g.SubOp: lambda b, a: _emit(b, arith.SubfOp(*a)),
    g.MulOp: lambda b, a: _emit(b, arith.MulfOp(*a)),
    g.TrueDivOp: lambda b, a: _emit(b, arith.DivfOp(*a)),
    g.MaxOp: lambda b, a: _emit(b, arith.MaximumfOp(*a)),
    g.MinOp: lambda b, a: _emit(b, arith.MinimumfOp(*a)),
    g.NegOp: lambda b, a: _emit(b, arith.NegfOp(*a)),
    g.ReluOp: lambda b, a: _emit(b, arith.MaximumfOp(a[0], _zero(b, a[0]))),
    g.ExpOp: lambda b, a: _emit(b, math.ExpOp(*a)),
    g.LogOp: lambda b, a: _emit(b, math.LogOp(*a)),
    g.SqrtOp: lambda b, a: _emit(b, math.SqrtOp(*a)),
    g.TanhOp: lambda b, a: _emit(b, math.TanhOp(*a)),
    g.AbsOp: lambda b, a: _emit(b, math.AbsFOp(*a)),
    g.SigmoidOp: lambda b, a: _sigmoid(b, a[0]),
}
"""Each supported op's scalar body, on float elements."""


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


class ElementwiseToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        body = BODIES.get(type(op))
        if body is None or not isinstance(op.results[0].type, TensorType):
            return
        result_type = op.results[0].type
        elem = result_type.get_element_type()
        if elem not in g.FLOAT_ELEMENT_TYPES or any(g.element_type(o.type) != elem for o in op.operands):
            return
        shape = g.shape_of(result_type)
        inputs = [o for o in op.operands if _splat(o) is None]
        block = Block(arg_types=[elem] * (len(inputs) + 1))
        args, scalars = iter(block.args), []
        for o in op.operands:
            splat = _splat(o)
            scalars.append(next(args) if splat is None else _emit(block, arith.ConstantOp(FloatAttr(splat, elem))))
        block.add_op(linalg.YieldOp(body(block, scalars)))
        maps = [broadcast_map(g.shape_of(o.type), shape) for o in inputs] + [AffineMap.identity(len(shape))]
        empty = tensor.EmptyOp([], result_type)
        generic = linalg.GenericOp(
            inputs, [empty.tensor], Region(block), [AffineMapAttr(m) for m in maps],
            [linalg.IteratorTypeAttr.parallel()] * len(shape), [result_type],
        )
        rewriter.replace_matched_op([empty, generic])


@dataclass(frozen=True)
class ConvertGraphletToLinalgPass(ModulePass):
    name = "convert-graphlet-to-linalg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ElementwiseToGeneric(), apply_recursively=False).rewrite_module(op)
