"""LLVM instructions that xDSL 0.74's `llvm` dialect lacks, under upstream MLIR's names,
and xDSL's ops whose syntax differs from upstream's, with upstream's.

Each op means exactly the LLVM instruction of the same name and prints as upstream
MLIR's `llvm` dialect does, so what graphlet-opt prints parses in `mlir-opt`. xDSL
resolves `llvm.*` names only in the dialect called `llvm`, so `LLVM` below is xDSL's
dialect plus these ops, and graphlet registers it in xDSL's place. The backend
(`graphlet/backend/llvm_ir.py`) translates them next to xDSL's own llvm ops.

Upstream spells fast-math flags `llvm.fadd %a, %b fastmath<fast> : f64` (xDSL: an
attribute-dictionary entry, which upstream's strict properties reject; on `llvm.fcmp`
xDSL drops them) and a load's or store's properties `llvm.load %p <alignment = 8>`.
The ops below are xDSL's with upstream's syntax; xDSL's spelling still parses.
`XDSL_CLASS` maps each to the xDSL class it stands for, whose meaning it has.
"""

from __future__ import annotations

from typing import Self, TypeVar

from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    I1,
    IntegerAttr,
    IntegerType,
    SignlessIntegerConstraint,
    UnitAttr,
    VectorType,
    i64,
)
from xdsl.dialects.llvm import ATOMIC_ORDERING_KEYWORDS, FastMathAttr, GenericCastOp
from xdsl.ir import Attribute, Operation
from xdsl.irdl import (
    IRDLOperation,
    OptPropertyDef,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
)
from xdsl.irdl.constraints import AttrConstraint, RangeLengthConstraint, RangeOf, SingleOf
from xdsl.parser import Parser
from xdsl.printer import Printer

from graphlet.dialects.upstream_syntax import replace_ops


@irdl_op_definition
class FPToSIOp(GenericCastOp):
    """Float to signed integer, rounding toward zero; poison when out of range.

    `%i = llvm.fptosi %x : f64 to i64`
    """

    name = "llvm.fptosi"


@irdl_op_definition
class FPToUIOp(GenericCastOp):
    """Float to unsigned integer, rounding toward zero; poison when out of range.

    `%i = llvm.fptoui %x : f64 to i64`
    """

    name = "llvm.fptoui"


@irdl_op_definition
class UIToFPOp(GenericCastOp):
    """Unsigned integer to float, rounding to nearest.

    `%x = llvm.uitofp %i : i64 to f64`
    """

    name = "llvm.uitofp"


_FASTMATH = "(`fastmath` `` $fastmathFlags^)?"


def _single(constraint: object) -> AttrConstraint:
    """The element constraint of a single operand's or result's range constraint."""
    if isinstance(constraint, SingleOf):
        return constraint.constr
    assert isinstance(constraint, RangeLengthConstraint)
    assert isinstance(constraint.constraint, RangeOf)
    return constraint.constraint.constr


def _with_syntax(base: type[IRDLOperation], assembly_format: str) -> type[IRDLOperation]:
    """xDSL's op `base` with upstream's `assembly_format` (same operands, results and
    properties; xDSL's attribute-dictionary spelling of the properties still parses)."""
    definition = base.get_irdl_definition()
    fields: dict[str, object] = {
        "name": base.name,
        "assembly_format": assembly_format,
        "__doc__": f"`{base.name}` in upstream MLIR's syntax ({assembly_format}).",
        "__module__": __name__,
        # xDSL's format-generated parse and print, which the new format replaces
        "print": Operation.print,
        "parse": Operation.__dict__["parse"],
    }
    for name, operand in definition.operands:
        fields[name] = operand_def(_single(operand.constr))
    for name, result in definition.results:
        fields[name] = result_def(_single(result.constr))
    for name, prop in definition.properties.items():
        if isinstance(prop, OptPropertyDef):
            fields[name] = opt_prop_def(prop.constr, default_value=prop.default_value)
        else:
            fields[name] = prop_def(prop.constr, default_value=prop.default_value)
    return irdl_op_definition(type(base.__name__, (base,), fields))


_BINARY = f"$lhs `,` $rhs {_FASTMATH} attr-dict `:` type($lhs)"
_INTRINSIC = f"`(` operands `)` {_FASTMATH} attr-dict `:` functional-type(operands, results)"
_FLOAT_OPS = [
    *(_with_syntax(op, _BINARY) for op in (llvm.FAddOp, llvm.FSubOp, llvm.FMulOp, llvm.FDivOp)),
    _with_syntax(llvm.FRemOp, _BINARY),
    _with_syntax(llvm.FNegOp, f"$arg {_FASTMATH} attr-dict `:` type($arg)"),
    _with_syntax(
        llvm.SelectOp,
        f"$cond `,` $lhs `,` $rhs {_FASTMATH} attr-dict `:` type($cond) `,` type($res)",
    ),
    *(
        _with_syntax(op, _INTRINSIC)
        for op in llvm.LLVM.operations
        if isinstance(op, type)
        and issubclass(op, IRDLOperation)
        and op.name.startswith("llvm.intr.")
        and getattr(op, "assembly_format", None)
        == "`(` operands `)` attr-dict `:` functional-type(operands, results)"
        and "fastmathFlags" in op.get_irdl_definition().properties
    ),
]


def _print_prop_dict(printer: Printer, entries: dict[str, Attribute | None]) -> None:
    """Upstream's `<alignment = 8, nontemporal>`: integers without their type, unit
    properties by name; nothing when no entry is set."""
    shown = [
        name if isinstance(value, UnitAttr) else f"{name} = {value.value.data}"  # type: ignore[attr-defined]
        for name, value in entries.items()
        if value is not None
    ]
    if shown:
        printer.print_string(f" <{', '.join(shown)}>")


def _parse_prop_dict(parser: Parser, known: tuple[str, ...]) -> dict[str, Attribute]:
    """`<alignment = 8, nontemporal>` (upstream) and, after it, an attribute dictionary
    that may hold the same entries (xDSL 0.74's spelling): the properties found."""
    found: dict[str, Attribute] = {}
    if parser.parse_optional_punctuation("<") is not None:

        def entry() -> None:
            name = parser.parse_identifier(" in a property dictionary")
            if name not in known:
                parser.raise_error(f"unknown property '{name}' (expected one of {known})")
            if parser.parse_optional_punctuation("=") is not None:
                found[name] = IntegerAttr(parser.parse_integer(allow_boolean=False), i64)
            else:
                found[name] = UnitAttr()

        parser.parse_comma_separated_list(parser.Delimiter.NONE, entry)
        parser.parse_punctuation(">")
    return found


def _parse_ordering(parser: Parser) -> int:
    if parser.parse_optional_keyword("atomic") is None:
        return 0
    keyword = parser.parse_identifier()
    for value, name in ATOMIC_ORDERING_KEYWORDS.items():
        if name == keyword:
            return value
    parser.raise_error(f"unknown atomic ordering '{keyword}'")


_LOAD_STORE_PROPS = ("alignment", "nontemporal")
"""What upstream prints in a load's or store's `<...>`."""


def _split(
    attrs: dict[str, Attribute], props: dict[str, Attribute], known: tuple[str, ...]
) -> None:
    for name in known:
        if name in attrs:
            props[name] = attrs.pop(name)


@irdl_op_definition
class LoadOp(llvm.LoadOp):
    """`%v = llvm.load volatile %p <alignment = 8, nontemporal> : !llvm.ptr -> f64`."""

    name = "llvm.load"

    ptr = operand_def(llvm.LLVMPointerType)
    alignment = opt_prop_def(IntegerAttr)
    ordering = prop_def(IntegerAttr, default_value=IntegerAttr(0, i64))
    volatile_ = opt_prop_def(UnitAttr)
    nontemporal = opt_prop_def(UnitAttr)
    dereferenced_value = result_def()

    def verify_(self) -> None:
        """Only this class's definition (xDSL's decorated `verify_` checks xDSL's,
        which lacks `volatile_` and `nontemporal`)."""

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        volatile = parser.parse_optional_keyword("volatile") is not None
        ptr = parser.parse_unresolved_operand()
        ordering = _parse_ordering(parser)
        props = _parse_prop_dict(parser, _LOAD_STORE_PROPS)
        attrs = parser.parse_optional_attr_dict()
        _split(attrs, props, _LOAD_STORE_PROPS)
        parser.parse_punctuation(":")
        ptr_type = parser.parse_type()
        parser.parse_punctuation("->")
        result_type = parser.parse_type()
        props["ordering"] = IntegerAttr(ordering, i64)
        if volatile:
            props["volatile_"] = UnitAttr()
        return cls.build(
            operands=[parser.resolve_operand(ptr, ptr_type)],
            result_types=[result_type],
            properties=props,
            attributes=attrs,
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" volatile " if self.volatile_ is not None else " ")
        printer.print_ssa_value(self.ptr)
        if (ordering := self.ordering.value.data) != 0:
            printer.print_string(f" atomic {ATOMIC_ORDERING_KEYWORDS[ordering]}")
        _print_prop_dict(printer, {"alignment": self.alignment, "nontemporal": self.nontemporal})
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.ptr.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.dereferenced_value.type)


@irdl_op_definition
class StoreOp(llvm.StoreOp):
    """`llvm.store volatile %v, %p <alignment = 8, nontemporal> : f64, !llvm.ptr`."""

    name = "llvm.store"

    value = operand_def()
    ptr = operand_def(llvm.LLVMPointerType)
    alignment = opt_prop_def(IntegerAttr)
    ordering = opt_prop_def(IntegerAttr)
    volatile_ = opt_prop_def(UnitAttr)
    nontemporal = opt_prop_def(UnitAttr)

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        volatile = parser.parse_optional_keyword("volatile") is not None
        value = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        ptr = parser.parse_unresolved_operand()
        ordering = _parse_ordering(parser)
        props = _parse_prop_dict(parser, _LOAD_STORE_PROPS)
        attrs = parser.parse_optional_attr_dict()
        _split(attrs, props, _LOAD_STORE_PROPS)
        parser.parse_punctuation(":")
        value_type = parser.parse_type()
        parser.parse_punctuation(",")
        ptr_type = parser.parse_type()
        if ordering:
            props["ordering"] = IntegerAttr(ordering, i64)
        if volatile:
            props["volatile_"] = UnitAttr()
        return cls.build(
            operands=[
                parser.resolve_operand(value, value_type),
                parser.resolve_operand(ptr, ptr_type),
            ],
            properties=props,
            attributes=attrs,
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" volatile " if self.volatile_ is not None else " ")
        printer.print_ssa_value(self.value)
        printer.print_string(", ")
        printer.print_ssa_value(self.ptr)
        if self.ordering is not None and (ordering := self.ordering.value.data) != 0:
            printer.print_string(f" atomic {ATOMIC_ORDERING_KEYWORDS[ordering]}")
        _print_prop_dict(printer, {"alignment": self.alignment, "nontemporal": self.nontemporal})
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.value.type)
        printer.print_string(", ")
        printer.print_attribute(self.ptr.type)


@irdl_op_definition
class FCmpOp(llvm.FCmpOp):
    """`%b = llvm.fcmp "olt" %x, %y fastmath<nnan> : f64` (xDSL 0.74 drops the flags)."""

    name = "llvm.fcmp"

    lhs = operand_def(llvm.FCmpOp.T)
    rhs = operand_def(llvm.FCmpOp.T)
    res = result_def(I1)
    predicate = prop_def(IntegerAttr)
    fastmathFlags = prop_def(FastMathAttr, default_value=FastMathAttr(None))

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        predicate = parser.parse_str_literal()
        if predicate not in {str(f) for f in llvm.FCmpPredicateFlag}:
            parser.raise_error(f"unknown fcmp predicate '{predicate}'")
        lhs = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        rhs = parser.parse_unresolved_operand()
        fastmath = FastMathAttr(None)
        if parser.parse_optional_keyword("fastmath") is not None:
            fastmath = FastMathAttr.new(FastMathAttr.parse_parameter(parser))
        attrs = parser.parse_optional_attr_dict()
        if "fastmathFlags" in attrs:
            fastmath = attrs.pop("fastmathFlags")  # type: ignore[assignment]
        parser.parse_punctuation(":")
        operand_type = parser.parse_type()
        lhs_value, rhs_value = parser.resolve_operands(
            [lhs, rhs], [operand_type, operand_type], parser.pos
        )
        flag = llvm.FCmpPredicateFlag(predicate)
        return cls.build(
            operands=[lhs_value, rhs_value],
            result_types=[IntegerType(1)],
            properties={
                "predicate": IntegerAttr(flag.to_int(), i64),
                "fastmathFlags": fastmath,
            },
            attributes=attrs,
        )

    def print(self, printer: Printer) -> None:
        flag = llvm.FCmpPredicateFlag.from_int(self.predicate.value.data)
        printer.print_string(f' "{flag}" ')
        printer.print_ssa_value(self.lhs)
        printer.print_string(", ")
        printer.print_ssa_value(self.rhs)
        if self.fastmathFlags != FastMathAttr(None):
            printer.print_string(" fastmath")
            self.fastmathFlags.print_parameter(printer)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.lhs.type)


@irdl_op_definition
class TruncOp(llvm.TruncOp):
    """`%y = llvm.trunc %x overflow<nsw> : i64 to i32`; upstream's generic form spells
    the flags as an integer (`<{overflowFlags = 1 : i32}>`), xDSL's as an attribute
    (`#llvm.overflow<nsw>`): both parse, `overflow_attr` reads either."""

    name = "llvm.trunc"

    arg = operand_def(SignlessIntegerConstraint | VectorType.constr(SignlessIntegerConstraint))
    res = result_def(SignlessIntegerConstraint | VectorType.constr(SignlessIntegerConstraint))
    overflowFlags = opt_prop_def(llvm.OverflowAttr | IntegerAttr)  # type: ignore[arg-type]

    def verify_(self) -> None:
        """Only this class's definition (xDSL's decorated `verify_` checks xDSL's,
        which takes no integer flags); `verify` still checks the widths."""

    def overflow_attr(self) -> llvm.OverflowAttr:
        flags = self.overflowFlags
        if isinstance(flags, IntegerAttr):
            return llvm.OverflowAttr.from_int(flags.value.data)
        return flags if flags is not None else llvm.OverflowAttr(None)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.arg)
        if self.overflow_attr().data:
            self.overflow_attr().print(printer)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.arg.type)
        printer.print_string(" to ")
        printer.print_attribute(self.res.type)


UPSTREAM_SYNTAX: list[type[Operation]] = [*_FLOAT_OPS, LoadOp, StoreOp, FCmpOp, TruncOp]
"""graphlet's ops that stand for xDSL's ops of the same name, in upstream's syntax."""

XDSL_CLASS: dict[type[Operation], type[Operation]] = {
    op: next(c for c in op.__mro__[1:] if getattr(c, "name", None) == op.name)
    for op in UPSTREAM_SYNTAX
}
"""The xDSL class each op of `UPSTREAM_SYNTAX` stands for."""

BY_NAME: dict[str, type[Operation]] = {op.name: op for op in UPSTREAM_SYNTAX}
"""graphlet's class for an llvm op name, where it has one (else xDSL's is right)."""

_Op = TypeVar("_Op", bound=Operation)


def upstream(op_class: type[_Op]) -> type[_Op]:
    """graphlet's class for xDSL's llvm op class, printing as upstream does (for ops
    that carry fast-math flags or alignments), else the class itself."""
    return BY_NAME.get(op_class.name, op_class)  # type: ignore[return-value]


LLVM = replace_ops(llvm.LLVM, [*UPSTREAM_SYNTAX, FPToSIOp, FPToUIOp, UIToFPOp])
"""xDSL's `llvm` dialect with the instructions and upstream-syntax ops above."""
