"""memref ops printed and parsed in upstream MLIR's syntax.

xDSL 0.74 prints `memref.alloc() {alignment = 64 : i64}`, which upstream MLIR (strict
properties) rejects, and has no custom form for `memref.global` or `memref.cast` (nor
upstream's check that a cast's types are compatible). The ops here are
xDSL's with upstream's syntax; xDSL's spelling still parses, so older files and
generic-form files keep working. `Memref` is xDSL's dialect with them in place of
xDSL's own; graphlet registers it under the name `memref`.
"""

from __future__ import annotations

from typing import Self

from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    I64,
    DenseIntOrFPElementsAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    StringAttr,
    SymbolNameConstraint,
    TensorType,
    UnitAttr,
    UnrankedMemRefType,
    i64,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    base,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.bitwise_casts import is_power_of_two
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects.upstream_syntax import replace_ops


def _print_alignment(printer: Printer, alignment: IntegerAttr | None) -> None:
    if alignment is not None:
        printer.print_string(f" alignment = {alignment.value.data}")


def _parse_alignment(parser: Parser, attrs: dict[str, Attribute]) -> IntegerAttr | None:
    """`alignment = 64` (upstream) or an `alignment` entry of the attribute dictionary
    (xDSL 0.74's spelling, which `attrs` holds after this call returns)."""
    if parser.parse_optional_keyword("alignment") is not None:
        parser.parse_punctuation("=")
        return IntegerAttr(parser.parse_integer(allow_boolean=False), i64)
    return None


class _AllocLike:
    """`memref.alloc(%n)[%s] alignment = 64 : memref<?xf64>`."""

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        sizes = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, parser.parse_unresolved_operand
        )
        symbols = parser.parse_optional_comma_separated_list(
            parser.Delimiter.SQUARE, parser.parse_unresolved_operand
        )
        alignment = _parse_alignment(parser, {})
        attrs = parser.parse_optional_attr_dict()
        if alignment is None:
            found = attrs.pop("alignment", None)
            if found is not None and not isinstance(found, IntegerAttr):
                parser.raise_error(f"alignment must be an integer, got {found}")
            alignment = found
        parser.parse_punctuation(":")
        result_type = parser.parse_type()
        index = IndexType()
        op = cls.build(  # type: ignore[attr-defined]
            operands=[
                [parser.resolve_operand(s, index) for s in sizes],
                [parser.resolve_operand(s, index) for s in symbols or ()],
            ],
            result_types=[result_type],
            properties={"alignment": alignment},
            attributes=attrs,
        )
        return op  # type: ignore[no-any-return]

    def print(self, printer: Printer) -> None:
        op: memref.AllocOp | memref.AllocaOp = self  # type: ignore[assignment]
        printer.print_string("(")
        printer.print_list(op.dynamic_sizes, printer.print_ssa_value)
        printer.print_string(")")
        if op.symbol_operands:
            printer.print_string("[")
            printer.print_list(op.symbol_operands, printer.print_ssa_value)
            printer.print_string("]")
        _print_alignment(printer, op.alignment)
        printer.print_op_attributes(op.attributes)
        printer.print_string(" : ")
        printer.print_attribute(op.memref.type)


@irdl_op_definition
class AllocOp(_AllocLike, memref.AllocOp):
    """A heap buffer: `%m = memref.alloc() alignment = 64 : memref<4xf64>`."""

    name = "memref.alloc"

    dynamic_sizes = var_operand_def(IndexType)
    symbol_operands = var_operand_def(IndexType)
    memref = result_def(MemRefType)
    alignment = opt_prop_def(IntegerAttr)


@irdl_op_definition
class AllocaOp(_AllocLike, memref.AllocaOp):
    """A stack buffer: `%m = memref.alloca() alignment = 16 : memref<4xf64>`."""

    name = "memref.alloca"
    assembly_format = None  # type: ignore[assignment]  # xDSL's puts the alignment in the attribute dictionary

    dynamic_sizes = var_operand_def(IndexType)
    symbol_operands = var_operand_def(IndexType)
    memref = result_def(MemRefType)
    alignment = opt_prop_def(IntegerAttr)


@irdl_op_definition
class GlobalOp(memref.GlobalOp):
    """A named buffer: `memref.global "private" constant @c : memref<2xf64> =
    dense<[1.0, 2.0]> alignment = 64`; `= uninitialized` for one without a value,
    no `=` for a declaration; no visibility string means public."""

    name = "memref.global"

    sym_name = prop_def(SymbolNameConstraint())
    sym_visibility = opt_prop_def(StringAttr)  # type: ignore[assignment]
    type = prop_def(MemRefType)
    initial_value = opt_prop_def(UnitAttr | DenseIntOrFPElementsAttr)  # type: ignore[assignment, arg-type]
    constant = opt_prop_def(UnitAttr)
    alignment = opt_prop_def(IntegerAttr[I64])

    @staticmethod
    def get(
        sym_name: StringAttr,
        sym_type: Attribute,
        initial_value: Attribute,
        sym_visibility: StringAttr | None = None,
        constant: UnitAttr | None = None,
        alignment: int | IntegerAttr | None = None,
    ) -> GlobalOp:
        """xDSL's `memref.GlobalOp.get`, building this class."""
        return GlobalOp.build(
            properties={
                "sym_name": sym_name,
                "type": sym_type,
                "initial_value": initial_value,
                "sym_visibility": sym_visibility or StringAttr("private"),
                "constant": constant,
                "alignment": IntegerAttr(alignment, i64)
                if isinstance(alignment, int)
                else alignment,
            }
        )

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        visibility = parser.parse_optional_str_literal()
        constant = UnitAttr() if parser.parse_optional_keyword("constant") else None
        name = parser.parse_symbol_name()
        parser.parse_punctuation(":")
        buffer_type = parser.parse_type()
        if not isinstance(buffer_type, MemRefType):
            parser.raise_error(f"memref.global needs a memref type, got {buffer_type}")
        initial_value: Attribute | None = None
        if parser.parse_optional_punctuation("=") is not None:
            if parser.parse_optional_keyword("uninitialized") is not None:
                initial_value = UnitAttr()
            else:
                parser.parse_keyword("dense", " or `uninitialized` as a global's value")
                tensor_type = TensorType(buffer_type.element_type, buffer_type.get_shape())
                initial_value = parser.parse_dense_int_or_fp_elements_attr(tensor_type)
        alignment = _parse_alignment(parser, {})
        attrs = parser.parse_optional_attr_dict()
        if alignment is None and "alignment" in attrs:
            alignment = attrs.pop("alignment")  # type: ignore[assignment]
        return cls.build(
            properties={
                "sym_name": name,
                "sym_visibility": None if visibility is None else StringAttr(visibility),
                "type": buffer_type,
                "initial_value": initial_value,
                "constant": constant,
                "alignment": alignment,
            },
            attributes=attrs,
        )

    def print(self, printer: Printer) -> None:
        if self.sym_visibility is not None and self.sym_visibility.data != "public":
            printer.print_string(" ")
            printer.print_string_literal(self.sym_visibility.data)
        if self.constant is not None:
            printer.print_string(" constant")
        printer.print_string(f" @{self.sym_name.data} : ")
        printer.print_attribute(self.type)
        value = self.initial_value
        if isinstance(value, UnitAttr):
            printer.print_string(" = uninitialized")
        elif isinstance(value, DenseIntOrFPElementsAttr):
            printer.print_string(" = ")
            value.print_without_type(printer)
        _print_alignment(printer, self.alignment)
        printer.print_op_attributes(self.attributes)

    def verify_(self) -> None:
        # not super(): xDSL's decorated verify_ checks xDSL's definition, which
        # requires a visibility and a value
        if self.alignment is not None and not is_power_of_two(self.alignment.value.data):
            raise VerifyException(f"alignment {self.alignment.value.data} is not a power of 2")
        value = self.initial_value
        if isinstance(value, DenseIntOrFPElementsAttr) and (
            value.get_shape() != self.type.get_shape()
            or value.get_element_type() != self.type.element_type
        ):
            raise VerifyException(
                f"initial value of type {value.type} does not match the global's {self.type}"
            )


@irdl_op_definition
class CastOp(memref.CastOp):
    """`%c = memref.cast %m : memref<4xf32> to memref<?xf32>`, upstream's syntax, and
    upstream's check that the two types can be cast to each other."""

    name = "memref.cast"

    source = operand_def(base(MemRefType) | base(UnrankedMemRefType))
    dest = result_def(base(MemRefType) | base(UnrankedMemRefType))

    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"

    def verify_(self) -> None:
        why = _cast_incompatibility(self.source.type, self.dest.type)
        if why is not None:
            raise VerifyException(
                f"operand type {self.source.type} and result type {self.dest.type} "
                f"are cast incompatible: {why}"
            )


def _cast_incompatibility(a: Attribute, b: Attribute) -> str | None:
    """Why `memref.cast` cannot turn `a` into `b` (MLIR's `areCastCompatible`), or None."""
    assert isinstance(a, MemRefType | UnrankedMemRefType)
    assert isinstance(b, MemRefType | UnrankedMemRefType)
    if a == b:
        return None  # MLIR's cast interface accepts a cast to the same type
    if isinstance(a, UnrankedMemRefType) and isinstance(b, UnrankedMemRefType):
        return "both are unranked"
    if a.element_type != b.element_type:
        return "the element types differ"
    if a.memory_space != b.memory_space:
        return "the memory spaces differ"
    if not (isinstance(a, MemRefType) and isinstance(b, MemRefType)):
        return None
    if a.get_num_dims() != b.get_num_dims():
        return "the ranks differ"
    for x, y in zip(a.get_shape(), b.get_shape()):
        if x != DYNAMIC_INDEX and y != DYNAMIC_INDEX and x != y:
            return "a static dimension differs"
    if a.layout == b.layout:
        return None
    a_strides, b_strides = a.get_strides(), b.get_strides()
    if a_strides is None or b_strides is None:
        return "a layout is not strided"
    a_offset, b_offset = a.get_offset(), b.get_offset()
    if a_offset is not None and b_offset is not None and a_offset != b_offset:
        return "the static offsets differ"
    for p, q in zip(a_strides, b_strides):
        if p is not None and q is not None and p != q:
            return "a static stride differs"
    return None


Memref: Dialect = replace_ops(memref.MemRef, [AllocOp, AllocaOp, GlobalOp, CastOp])
"""xDSL's `memref` dialect with the ops above in place of its own."""
