"""`scf.parallel` in upstream MLIR's custom syntax, which xDSL 0.74 lacks (it prints
and parses only the generic form), and `scf.execute_region` printed with its
terminators, as upstream prints it.

`%r = scf.parallel (%i) = (%lb) to (%ub) step (%s) init (%z) -> f64 { ... scf.reduce(%v
: f64) { ... } }`. `Scf` is xDSL's dialect with this op in place of its own; graphlet
registers it under the name `scf`.
"""

from __future__ import annotations

from typing import Self

from xdsl.dialects import scf
from xdsl.dialects.builtin import IndexType
from xdsl.ir import Dialect
from xdsl.irdl import irdl_op_definition, region_def, var_operand_def, var_result_def
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer

from graphlet.dialects.upstream_syntax import replace_ops


@irdl_op_definition
class ParallelOp(scf.ParallelOp):
    """A loop nest whose iterations may run in any order; `scf.reduce` in its body
    combines one value per iteration into each result:
    `scf.parallel (%i) = (%c0) to (%n) step (%c1) { ... }`."""

    name = "scf.parallel"

    lowerBound = var_operand_def(IndexType)
    upperBound = var_operand_def(IndexType)
    step = var_operand_def(IndexType)
    initVals = var_operand_def()
    res = var_result_def()
    body = region_def("single_block")

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        paren = parser.Delimiter.PAREN
        ivs = parser.parse_comma_separated_list(
            paren, lambda: parser.parse_argument(expect_type=False)
        )
        parser.parse_punctuation("=")
        index = IndexType()

        def indices() -> list[UnresolvedOperand]:
            found = parser.parse_comma_separated_list(paren, parser.parse_unresolved_operand)
            if len(found) != len(ivs):
                parser.raise_error(f"expected {len(ivs)} bound(s), one per induction variable")
            return found

        lower = indices()
        parser.parse_keyword("to")
        upper = indices()
        parser.parse_keyword("step")
        steps = indices()
        init: list[UnresolvedOperand] = []
        if parser.parse_optional_keyword("init") is not None:
            init = parser.parse_comma_separated_list(paren, parser.parse_unresolved_operand)
        pos = parser.pos
        types = []
        if parser.parse_optional_punctuation("->") is not None:
            types = parser.parse_optional_comma_separated_list(paren, parser.parse_type) or [
                parser.parse_type()
            ]
        if len(types) != len(init):
            parser.raise_error(f"{len(init)} init value(s) but {len(types)} result type(s)")
        init_values = parser.resolve_operands(init, types, pos)
        body = parser.parse_region([iv.resolve(index) for iv in ivs])
        attrs = parser.parse_optional_attr_dict()
        op = cls(
            [parser.resolve_operand(v, index) for v in lower],
            [parser.resolve_operand(v, index) for v in upper],
            [parser.resolve_operand(v, index) for v in steps],
            body,
            init_values,
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        def values(vs: object) -> None:
            printer.print_string("(")
            printer.print_list(vs, printer.print_ssa_value)  # type: ignore[arg-type]
            printer.print_string(")")

        printer.print_string(" ")
        values(self.body.block.args)
        printer.print_string(" = ")
        values(self.lowerBound)
        printer.print_string(" to ")
        values(self.upperBound)
        printer.print_string(" step ")
        values(self.step)
        if self.initVals:
            printer.print_string(" init ")
            values(self.initVals)
            printer.print_string(" -> ")
            if len(self.res) == 1:
                printer.print_attribute(self.res[0].type)
            else:
                printer.print_string("(")
                printer.print_list([r.type for r in self.res], printer.print_attribute)
                printer.print_string(")")
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)
        printer.print_op_attributes(self.attributes)


Scf: Dialect = replace_ops(scf.Scf, [ParallelOp])


def _print_execute_region(self: scf.ExecuteRegionOp, printer: Printer) -> None:
    """Upstream's form, every terminator printed. xDSL 0.74 omits the terminators of an
    `scf.execute_region` without results, which its parser does not restore: the printed
    IR did not parse back (found by `--verify-roundtrip` on a fuzzed nest), and a
    multi-block region lost its branches."""
    if self.outs:
        printer.print_string(" -> (")
        printer.print_list(self.outs.types, printer.print_attribute)
        printer.print_string(")")
    printer.print_string(" ")
    printer.print_region(self.region, print_entry_block_args=False)
    if self.attributes:
        printer.print_attr_dict(self.attributes)


scf.ExecuteRegionOp.print = _print_execute_region  # type: ignore[method-assign]
"""xDSL's `scf` dialect with the op above in place of its own."""
