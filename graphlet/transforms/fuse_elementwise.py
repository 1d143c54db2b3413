"""`fuse-elementwise`: fuse a parallel `linalg.generic` into its only consumer.

When a generic (all loops parallel, identity output map, one result) feeds exactly
one other parallel generic, the consumer reads the producer's inputs directly and
runs the producer's body inline, so a chain `relu(a*b+c)*0.5` becomes one loop nest
and no intermediate tensor exists. Broadcasts compose through the indexing maps:
the producer's input j is read at `map_j(consumer_map(point))`.

A producer whose body reads its own loop indices (a gather) fuses only into a
consumer reading it through an identity map, where those indices are the same.
A reduction consumer (`sum((x - mean) ** 2)`) takes its producer the same way when it
reads every producer element exactly once (an identity map), so the reduction runs
over the producer's inputs with no intermediate tensor and nothing is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import AffineMapAttr, ModuleOp
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorType
from xdsl.ir import Block, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)


def _fusible(op: linalg.GenericOp) -> bool:
    maps = [m.data for m in op.indexing_maps.data]
    return (
        len(op.outputs) == 1
        and len(op.res) == 1
        and all(t.data == IteratorType.PARALLEL for t in op.iterator_types.data)
        and maps[-1] == AffineMap.identity(maps[-1].num_dims)
    )


def _reads_each_element_once(op: linalg.GenericOp, index: int) -> bool:
    read = op.indexing_maps.data[index].data
    return len(op.outputs) == 1 and len(op.res) == 1 and read == AffineMap.identity(read.num_dims)


def _reads_own_position(op: linalg.GenericOp) -> bool:
    """Whether the body reads its loop indices (`linalg.index`: a gather's
    coordinates), which mean the consumer's only where it reads through an identity."""
    return any(isinstance(inner, linalg.IndexOp) for inner in op.body.walk())


def _fused_maps(op: linalg.GenericOp, index: int, producer: linalg.GenericOp) -> list[AffineMap]:
    """The fused generic's indexing maps: the producer's inputs read through the
    consumer's map of input `index`, then the consumer's other inputs and output."""
    maps = [m.data for m in op.indexing_maps.data]
    read = maps[index]
    producer_maps = [m.data for m in producer.indexing_maps.data][:-1]
    return [
        *maps[:index],
        *(m.compose(read) for m in producer_maps),
        *maps[index + 1 : len(op.inputs)],
        maps[-1],
    ]


def _loops_stay_bounded(maps: list[AffineMap]) -> bool:
    """Whether every loop is still some operand's plain dimension, so its bound is
    that operand's size (a reduction over a slice, `x[:, 1:].sum(1)`, reads the
    reduced loop only at an offset: fusing it would leave that loop unbounded)."""
    results = [r for m in maps for r in m.results]
    return AffineMap(maps[-1].num_dims, 0, tuple(results)).inverse_permutation() is not None


class FuseProducerIntoConsumer(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: linalg.GenericOp, rewriter: PatternRewriter) -> None:
        consumer_is_elementwise = _fusible(op)
        for index, operand in enumerate(op.inputs):
            producer = operand.owner
            if not (
                isinstance(producer, linalg.GenericOp)
                and _fusible(producer)
                and producer.res[0].has_one_use()
                and not producer.body.block.args[-1].uses
            ):
                continue
            if _reads_own_position(producer) and not _reads_each_element_once(op, index):
                continue
            if (
                consumer_is_elementwise or _reads_each_element_once(op, index)
            ) and _loops_stay_bounded(_fused_maps(op, index, producer)):
                self.fuse(op, index, producer, rewriter)
                return

    @staticmethod
    def fuse(
        op: linalg.GenericOp, index: int, producer: linalg.GenericOp, rewriter: PatternRewriter
    ) -> None:
        n = len(op.inputs)
        maps = [m.data for m in op.indexing_maps.data]
        inputs = [*op.inputs[:index], *producer.inputs, *op.inputs[index + 1 :]]
        new_maps = _fused_maps(op, index, producer)[:-1]
        old_args, inner_args = op.body.block.args, producer.body.block.args
        block = Block(
            arg_types=[
                *(a.type for a in old_args[:index]),
                *(a.type for a in inner_args[:-1]),
                *(a.type for a in old_args[index + 1 : n]),
                old_args[-1].type,
            ]
        )
        new_args = list(block.args)
        k = len(producer.inputs)
        mapping: dict[SSAValue, SSAValue] = dict(zip(inner_args[:-1], new_args[index : index + k]))
        produced: SSAValue | None = None
        for inner in producer.body.block.ops:
            if isinstance(inner, linalg.YieldOp):
                produced = mapping.get(inner.operands[0], inner.operands[0])
            else:
                block.add_op(inner.clone(mapping))
        assert produced is not None
        outer = [*old_args[:index], *old_args[index + 1 : n], old_args[-1]]
        kept = [*new_args[:index], *new_args[index + k :]]
        outer_mapping: dict[SSAValue, SSAValue] = dict(zip(outer, kept))
        outer_mapping[old_args[index]] = produced
        for inner in op.body.block.ops:
            block.add_op(inner.clone(outer_mapping))
        fused = linalg.GenericOp(
            inputs,
            list(op.outputs),
            Region(block),
            [AffineMapAttr(m) for m in [*new_maps, maps[-1]]],
            list(op.iterator_types.data),
            [r.type for r in op.res],
        )
        rewriter.replace(op, fused)
        rewriter.erase(producer)


@dataclass(frozen=True)
class FuseElementwisePass(ModulePass):
    name = "fuse-elementwise"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(FuseProducerIntoConsumer()).rewrite_module(op)
