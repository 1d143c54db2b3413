"""arith ops in upstream MLIR's current form, where xDSL 0.74's lags behind.

Upstream's `arith.remf` (the remainder of a truncating division, C's `fmod`, which
LLVM's `frem` computes) is missing from xDSL 0.74: `RemFOp`. Upstream's `arith.trunci`
carries overflow flags (`arith.trunci %x overflow<nsw> : i64 to i32`: the result is
poison when the dropped bits are not all copies of the sign bit (`nsw`) or not all zero
(`nuw`)); xDSL's has none: `TruncIOp` is xDSL's with them. `Arith` is xDSL's dialect
with both; graphlet registers it under the name `arith`.
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.arith import IntegerOverflowAttr
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Dialect, Operation
from xdsl.irdl import irdl_op_definition, operand_def, prop_def, result_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects.upstream_syntax import replace_ops


@irdl_op_definition
class TruncIOp(arith.TruncIOp):
    """Integer truncation, optionally asserting it loses nothing:
    `%y = arith.trunci %x overflow<nsw> : i64 to i32`."""

    name = "arith.trunci"

    input = operand_def(IntegerType)
    result = result_def(IntegerType)
    overflow_flags = prop_def(
        IntegerOverflowAttr,
        default_value=IntegerOverflowAttr("none"),
        prop_name="overflowFlags",
    )

    assembly_format = (
        "$input (`overflow` `` $overflowFlags^)? attr-dict `:` type($input) `to` type($result)"
    )
    print = Operation.print  # xDSL's format-generated ones, which the format above replaces
    parse = Operation.__dict__["parse"]

    def verify_(self) -> None:
        # not super(): xDSL's decorated verify_ checks xDSL's definition, without flags
        source, target = self.input.type, self.result.type
        assert isinstance(source, IntegerType) and isinstance(target, IntegerType)
        if not target.width.data < source.width.data:
            raise VerifyException("Destination bit-width must be smaller than the input bit-width")


@irdl_op_definition
class RemFOp(arith.FloatingPointLikeBinaryOperation):
    """`%r = arith.remf %a, %b : f64`: `a - b * trunc(a / b)`, exactly (C's `fmod`);
    NaN when `a` is infinite or `b` is zero."""

    name = "arith.remf"

    traits = traits_def(Pure())


Arith: Dialect = replace_ops(arith.Arith, [TruncIOp, RemFOp])
"""xDSL's `arith` dialect with the ops above in place of its own (or added)."""
