"""cumsum/cumprod -> one generic with two outputs: the running value (the input's
shape without the scanned dimension, filled with the neutral element) and the result.

The scanned dimension is a reduction iterator: the running value is a reduction
output, read and written at every step, and the result is written at every point
with the value so far. Loops run in order (`convert-linalg-to-loops` nests them
d0, d1, ...), so for each position of the other dimensions the running value sees
the scanned dimension in increasing order, as PyTorch's kernel does. Floats
accumulate in f64, with no reassociation (the sums are PyTorch's, bit for bit).
"""

from __future__ import annotations

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import AnyFloat, TensorType, f64, i1, i32, i64
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter
from graphlet.lowering.graphlet_to_linalg.common import PARALLEL, REDUCTION, fill, indexing_map


def _accumulate(e: Emitter, op: g.ScanOp, x: SSAValue, running: SSAValue) -> SSAValue:
    if x.type == i1:
        x = e(arith.ExtUIOp(x, i64))
    elif x.type == i32:
        x = e(arith.ExtSIOp(x, i64))
    elif isinstance(x.type, AnyFloat) and x.type != f64:
        x = e(arith.ExtFOp(x, f64))
    float_ = isinstance(x.type, AnyFloat)
    if isinstance(op, g.CumsumOp):
        return e((arith.AddfOp if float_ else arith.AddiOp)(running, x))
    return e((arith.MulfOp if float_ else arith.MuliOp)(running, x))


class ScanToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, g.ScanOp):
            return
        result_type = op.result.type
        assert isinstance(result_type, TensorType)
        shape = g.shape_of(result_type)
        rank, dim = len(shape), op.static_args()["dim"]
        elem = result_type.get_element_type()
        acc = f64 if isinstance(elem, AnyFloat) else i64
        others = [d for d in range(rank) if d != dim]
        running = fill(TensorType(acc, [shape[d] for d in others]), op.NEUTRAL)
        empty = tensor.EmptyOp([], result_type)

        block = Block(arg_types=[g.element_type(op.input.type), acc, elem])
        e = Emitter(block=block)
        value = _accumulate(e, op, block.args[0], block.args[1])
        out = e(arith.TruncFOp(value, elem)) if elem != acc else value
        block.add_op(linalg.YieldOp(value, out))
        scan = linalg.GenericOp(
            [op.input],
            [running[-1].results[0], empty.tensor],
            Region(block),
            [
                indexing_map(rank, range(rank)),
                indexing_map(rank, others),
                indexing_map(rank, range(rank)),
            ],
            [REDUCTION if d == dim else PARALLEL for d in range(rank)],
            [running[-1].results[0].type, result_type],
        )
        rewriter.replace(op, [*running, empty, scan], [scan.results[1]])
