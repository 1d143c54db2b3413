"""The status result of a tensor function: which run-time error happened first.

A function with an op that can raise gets one more result, a 0-d i64 tensor holding
the first error's code (`graphlet.TENSOR_ERRORS`, 0 = ok), and the unit attribute
`STATUS_RESULT`; the runtime raises after the call."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects import arith, func, tensor
from xdsl.dialects.builtin import FunctionType, TensorType, UnitAttr, i1, i64
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint

from graphlet.abi import TENSOR_STATUS_ATTRIBUTE
from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter
from graphlet.lowering.graphlet_to_linalg.common import REDUCTION, Body, fill, generic, indexing_map

STATUS_RESULT = TENSOR_STATUS_ATTRIBUTE
"""Unit attribute of a function whose last result is its status (see above)."""


def report_if_any(
    op: Operation, value: SSAValue, test: Body, error: type[Exception], rewriter: PatternRewriter
) -> list[Operation]:
    """Ops computing whether `test` holds for some element of `value`; the function's
    status result becomes `error`'s code when it does (and no earlier error did)."""
    rank = len(g.shape_of(value.type))
    flag = fill(TensorType(i1, []), False)
    any_ = generic(
        [value],
        flag[-1].results[0],
        [indexing_map(rank, range(rank)), indexing_map(rank, [])],
        [REDUCTION] * rank,
        lambda e, a: e(arith.OrIOp(a[1], test(e, [a[0]]))),
    )
    fn = op.parent_op()
    assert isinstance(fn, func.FuncOp)
    ret = fn.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    code = next(c for c, e in g.TENSOR_ERRORS.items() if e is error)
    status_type = TensorType(i64, [])
    empty = tensor.EmptyOp([], status_type)
    earlier = [ret.arguments[-1]] if STATUS_RESULT in fn.attributes else []

    def status(e: Emitter, a: Sequence[SSAValue]) -> SSAValue:
        mine = e.select(a[0], e.int(code), e.int(0))
        return e.select(e.cmpi("ne", a[1], 0), a[1], mine) if earlier else mine

    update = generic(
        [any_.results[0], *earlier],
        empty.tensor,
        [indexing_map(0, [])] * (2 + len(earlier)),
        [],
        status,
    )
    results = [*(ret.arguments[:-1] if earlier else ret.arguments), update.results[0]]
    rewriter.insert([empty, update], InsertPoint.before(ret))
    rewriter.replace(ret, func.ReturnOp(*results))
    fn.function_type = FunctionType.from_lists(
        fn.function_type.inputs.data, [r.type for r in results]
    )
    fn.attributes[STATUS_RESULT] = UnitAttr()
    return [*flag, any_]
