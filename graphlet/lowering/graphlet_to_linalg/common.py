"""What every `convert-graphlet-to-linalg` pattern builds with: one-output
`linalg.generic`s on `tensor.empty` destinations, their indexing maps (broadcasting
reads index 0 of a stretched size-1 dimension) and fills. Bodies build with the
`Emitter` shared with `convert-graphlet-to-arith`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import AffineMapAttr, StringAttr, TensorType
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.utils import FastMathFlag
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap

from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter

Body = Callable[[Emitter, Sequence[SSAValue]], SSAValue]
"""A generic's scalar body: builds with the emitter from the block arguments (inputs,
then the output) and returns the value to yield."""
REASSOC = arith.FastMathFlagsAttr([FastMathFlag.REASSOC, FastMathFlag.ALLOW_CONTRACT])
PARALLEL, REDUCTION = IteratorTypeAttr.parallel(), IteratorTypeAttr.reduction()


def broadcast_map(operand_shape: Sequence[int], result_shape: Sequence[int]) -> AffineMap:
    """The indexing map reading a broadcast operand at a point of the result."""
    rank, offset = len(result_shape), len(result_shape) - len(operand_shape)
    exprs = [
        AffineExpr.constant(0)
        if size == 1 and result_shape[offset + k] != 1
        else AffineExpr.dimension(offset + k)
        for k, size in enumerate(operand_shape)
    ]
    return AffineMap(rank, 0, tuple(exprs))


def splat(value: SSAValue) -> float | int | bool | None:
    owner = value.owner
    if isinstance(owner, g.ConstantOp) and g.is_tensor(owner.value.type):
        array = g.array_of(owner.value)
        if array.size and (array == array.flat[0]).all():
            element: float | int | bool = array.flat[0].item()
            return element
    return None


def indexing_map(rank: int, exprs: Sequence[AffineExpr | int]) -> AffineMapAttr:
    """A map of `rank` dims; an int `i` in `exprs` stands for dimension i."""
    return AffineMapAttr(
        AffineMap(
            rank, 0, tuple(AffineExpr.dimension(e) if isinstance(e, int) else e for e in exprs)
        )
    )


def generic(
    inputs: Sequence[SSAValue],
    init: SSAValue,
    maps: Sequence[AffineMapAttr],
    iterators: Sequence[Attribute],
    body: Body,
    library_call: str | None = None,
) -> linalg.GenericOp:
    """A one-output generic; `body` gets the block arguments (inputs, then the output)."""
    block = Block(arg_types=[*(g.element_type(v.type) for v in inputs), g.element_type(init.type)])
    block.add_op(linalg.YieldOp(body(Emitter(block=block), block.args)))
    call = StringAttr(library_call) if library_call else None
    return linalg.GenericOp(
        list(inputs),
        [init],
        Region(block),
        list(maps),
        list(iterators),
        [init.type],
        library_call=call,
    )


def copy(
    inputs: Sequence[SSAValue], init: SSAValue, maps: Sequence[AffineMapAttr]
) -> linalg.GenericOp:
    rank = maps[0].data.num_dims
    return generic(inputs, init, maps, [PARALLEL] * rank, lambda b, a: a[0])


def fill(result_type: TensorType, value: float | int | bool) -> list[Operation]:
    empty = tensor.EmptyOp([], result_type)
    rank = len(result_type.get_shape())
    elem = result_type.get_element_type()
    return [
        empty,
        generic(
            [],
            empty.tensor,
            [indexing_map(rank, range(rank))],
            [PARALLEL] * rank,
            lambda e, a: e.const(value, elem),
        ),
    ]


def float_result(op: Operation) -> TensorType | None:
    t = op.results[0].type
    return (
        t if isinstance(t, TensorType) and t.get_element_type() in g.FLOAT_ELEMENT_TYPES else None
    )


def tensor_result(op: Operation) -> TensorType | None:
    t = op.results[0].type
    return (
        t if isinstance(t, TensorType) and t.get_element_type() in g.TENSOR_ELEMENT_TYPES else None
    )
