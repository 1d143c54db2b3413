"""`linalg.elementwise`, upstream MLIR's op for elementwise maps, which xDSL 0.74 lacks.

`linalg.elementwise <add> ins(%a, %b : memref<4xf64>, memref<4xf64>) outs(%o :
memref<4xf64>)` applies one scalar operation, named by `#linalg.elementwise_kind<...>`,
at every index (on tensors it returns the result: `-> tensor<4xf64>`). As upstream,
the op keeps its body (the scalar op, built from the kind when parsed) and so is a
structured op like `linalg.generic`, with identity indexing maps unless given
(`indexing_maps = [...]`). `Linalg` is xDSL's dialect plus this op and attribute;
graphlet registers it under the name `linalg`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Self

from xdsl.dialects import arith, linalg, math
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    IntegerType,
    ShapedType,
)
from xdsl.dialects.linalg.abstract_ops import LinalgStructuredOperation
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.linalg.ops import YieldOp
from xdsl.dialects.utils import EnumAttribute
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.irdl import (
    AttrSizedOperandSegments,
    irdl_attr_definition,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum

from graphlet.dialects.upstream_syntax import replace_ops


class ElementwiseKind(StrEnum):
    """Upstream's `ElementwiseKind` cases that graphlet can build a body for."""

    exp = "exp"
    log = "log"
    abs = "abs"
    ceil = "ceil"
    floor = "floor"
    negf = "negf"
    sqrt = "sqrt"
    rsqrt = "rsqrt"
    tanh = "tanh"
    erf = "erf"
    square = "square"
    add = "add"
    sub = "sub"
    mul = "mul"
    div = "div"
    div_unsigned = "div_unsigned"
    max_signed = "max_signed"
    min_signed = "min_signed"
    max_unsigned = "max_unsigned"
    min_unsigned = "min_unsigned"
    powf = "powf"
    select = "select"


@irdl_attr_definition
class ElementwiseKindAttr(EnumAttribute[ElementwiseKind]):
    """`#linalg.elementwise_kind<add>`."""

    name = "linalg.elementwise_kind"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> ElementwiseKind:
        with parser.in_angle_brackets():
            return super().parse_parameter(parser)

    def print_parameter(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            super().print_parameter(printer)


Build = Callable[[Sequence[SSAValue]], list[Operation]]


def _unary(op: Callable[[SSAValue], Operation]) -> Build:
    return lambda a: [op(a[0])]


def _binary(op: Callable[[SSAValue, SSAValue], Operation]) -> Build:
    return lambda a: [op(a[0], a[1])]


def _square(op: Callable[[SSAValue, SSAValue], Operation]) -> Build:
    return lambda a: [op(a[0], a[0])]


_FLOAT: dict[ElementwiseKind, Build] = {
    ElementwiseKind.exp: _unary(math.ExpOp),
    ElementwiseKind.log: _unary(math.LogOp),
    ElementwiseKind.abs: _unary(math.AbsFOp),
    ElementwiseKind.ceil: _unary(math.CeilOp),
    ElementwiseKind.floor: _unary(math.FloorOp),
    ElementwiseKind.negf: _unary(arith.NegfOp),
    ElementwiseKind.sqrt: _unary(math.SqrtOp),
    ElementwiseKind.rsqrt: _unary(math.RsqrtOp),
    ElementwiseKind.tanh: _unary(math.TanhOp),
    ElementwiseKind.erf: _unary(math.ErfOp),
    ElementwiseKind.square: _square(arith.MulfOp),
    ElementwiseKind.add: _binary(arith.AddfOp),
    ElementwiseKind.sub: _binary(arith.SubfOp),
    ElementwiseKind.mul: _binary(arith.MulfOp),
    ElementwiseKind.div: _binary(arith.DivfOp),
    ElementwiseKind.max_signed: _binary(arith.MaximumfOp),
    ElementwiseKind.min_signed: _binary(arith.MinimumfOp),
    ElementwiseKind.powf: _binary(math.PowFOp),
}
"""The body of each kind on floats, as upstream builds it."""

_INTEGER: dict[ElementwiseKind, Build] = {
    ElementwiseKind.square: _square(arith.MuliOp),
    ElementwiseKind.add: _binary(arith.AddiOp),
    ElementwiseKind.sub: _binary(arith.SubiOp),
    ElementwiseKind.mul: _binary(arith.MuliOp),
    ElementwiseKind.div: _binary(arith.DivSIOp),
    ElementwiseKind.div_unsigned: _binary(arith.DivUIOp),
    ElementwiseKind.max_signed: _binary(arith.MaxSIOp),
    ElementwiseKind.min_signed: _binary(arith.MinSIOp),
    ElementwiseKind.max_unsigned: _binary(arith.MaxUIOp),
    ElementwiseKind.min_unsigned: _binary(arith.MinUIOp),
}
"""The body of each kind on integers."""

_ARITY = {ElementwiseKind.select: 3} | {
    k: 2
    for k in (
        ElementwiseKind.add,
        ElementwiseKind.sub,
        ElementwiseKind.mul,
        ElementwiseKind.div,
        ElementwiseKind.div_unsigned,
        ElementwiseKind.max_signed,
        ElementwiseKind.min_signed,
        ElementwiseKind.max_unsigned,
        ElementwiseKind.min_unsigned,
        ElementwiseKind.powf,
    )
}
"""Inputs per kind (1 when absent)."""


def element_type(t: Attribute) -> Attribute:
    return t.get_element_type() if isinstance(t, ShapedType) else t  # type: ignore[attr-defined]


def build_body(kind: ElementwiseKind, inputs: list[Attribute], output: Attribute) -> Block:
    """The scalar body of `kind` on elements of `inputs`, yielding one `output`
    element; a ValueError naming what does not fit."""
    if len(inputs) != _ARITY.get(kind, 1):
        raise ValueError(f"<{kind}> takes {_ARITY.get(kind, 1)} input(s), got {len(inputs)}")
    block = Block(arg_types=[*inputs, output])
    args = list(block.args[: len(inputs)])
    if kind == ElementwiseKind.select:
        ops: list[Operation] = [arith.SelectOp(args[0], args[1], args[2])]
    else:
        table = _INTEGER if isinstance(output, IntegerType) else _FLOAT
        if kind not in table:
            raise ValueError(f"<{kind}> is not defined on {output}")
        ops = table[kind](args)
    if ops[-1].results[0].type != output:
        raise ValueError(f"<{kind}> on {inputs} gives {ops[-1].results[0].type}, not {output}")
    block.add_ops([*ops, YieldOp(ops[-1].results[0])])
    return block


@irdl_op_definition
class ElementwiseOp(LinalgStructuredOperation):
    """One scalar op at every index of its operands:
    `linalg.elementwise <exp> ins(%a : memref<4xf64>) outs(%o : memref<4xf64>)`."""

    name = "linalg.elementwise"

    kind = prop_def(ElementwiseKindAttr)
    indexing_maps = opt_prop_def(ArrayAttr[AffineMapAttr])

    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def get_indexing_maps(self) -> ArrayAttr[AffineMapAttr]:
        if self.indexing_maps is not None:
            return self.indexing_maps
        return self._identity_maps()

    def _identity_maps(self) -> ArrayAttr[AffineMapAttr]:
        """Upstream's default: every operand indexed as the loop nest."""
        identity = AffineMapAttr(AffineMap.identity(self._rank()))
        return ArrayAttr([identity] * (len(self.inputs) + len(self.outputs)))

    def get_iterator_types(self) -> ArrayAttr[IteratorTypeAttr]:
        return ArrayAttr([IteratorTypeAttr.parallel()] * self._rank())

    def _rank(self) -> int:
        out = self.outputs[0].type
        assert isinstance(out, ShapedType)
        return len(out.get_shape())

    def verify_(self) -> None:
        if len(self.outputs) != 1:
            raise VerifyException("linalg.elementwise takes one output")
        if len(self.inputs) != _ARITY.get(self.kind.data, 1):
            raise VerifyException(
                f"<{self.kind.data}> takes {_ARITY.get(self.kind.data, 1)} input(s), "
                f"got {len(self.inputs)}"
            )

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        kind = ElementwiseKindAttr.new(ElementwiseKindAttr.parse_parameter(parser))
        maps = None
        if parser.parse_optional_keyword("indexing_maps") is not None:
            parser.parse_punctuation("=")
            maps = parser.parse_attribute()
        operands: list[Sequence[SSAValue]] = []
        for keyword in ("ins", "outs"):
            values: Sequence[SSAValue] = []
            if parser.parse_optional_keyword(keyword) is not None:
                parser.parse_punctuation("(")
                names = parser.parse_comma_separated_list(
                    parser.Delimiter.NONE, parser.parse_unresolved_operand
                )
                parser.parse_punctuation(":")
                types = parser.parse_comma_separated_list(parser.Delimiter.NONE, parser.parse_type)
                parser.parse_punctuation(")")
                values = parser.resolve_operands(names, types, parser.pos)
            operands.append(values)
        result_types: list[Attribute] = []
        if parser.parse_optional_punctuation("->") is not None:
            result_types = parser.parse_optional_comma_separated_list(
                parser.Delimiter.PAREN, parser.parse_type
            ) or [parser.parse_type()]
        attrs = parser.parse_optional_attr_dict()
        inputs, outputs = operands
        if len(outputs) != 1:
            parser.raise_error("linalg.elementwise takes one output")
        try:
            body = build_body(
                kind.data,
                [element_type(v.type) for v in inputs],
                element_type(outputs[0].type),
            )
        except ValueError as e:
            parser.raise_error(str(e))
        op = cls.build(
            operands=[inputs, outputs],
            result_types=[result_types],
            properties={"kind": kind, "indexing_maps": maps},
            regions=[Region(body)],
            attributes=attrs,
        )
        if op.indexing_maps is None:  # upstream stores the default, and needs it
            op.indexing_maps = op._identity_maps()
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        self.kind.print_parameter(printer)
        if self.indexing_maps not in (None, self._identity_maps()):
            printer.print_string(" indexing_maps = ")
            printer.print_attribute(self.indexing_maps)
        for keyword, values in (("ins", self.inputs), ("outs", self.outputs)):
            if values:
                printer.print_string(f" {keyword}(")
                printer.print_list(values, printer.print_ssa_value)
                printer.print_string(" : ")
                printer.print_list(values.types, printer.print_attribute)
                printer.print_string(")")
        if self.res:
            printer.print_string(" -> ")
            printer.print_list(self.res.types, printer.print_attribute)
        printer.print_op_attributes(self.attributes)


Linalg: Dialect = replace_ops(linalg.Linalg, [ElementwiseOp], [ElementwiseKindAttr])
"""xDSL's `linalg` dialect plus `linalg.elementwise` and its kind attribute."""
