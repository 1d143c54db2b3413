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
    AnyFloatConstr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    SignlessIntegerConstraint,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    UnitAttr,
    VectorType,
    i64,
)
from xdsl.dialects.llvm import ATOMIC_ORDERING_KEYWORDS, FastMathAttr, GenericCastOp
from xdsl.ir import Attribute, Operation, Region, TypedAttribute
from xdsl.irdl import (
    IRDLOperation,
    OptPropertyDef,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.irdl.constraints import (
    AttrConstraint,
    RangeLengthConstraint,
    RangeOf,
    SingleOf,
    VarConstraint,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import NoMemoryEffect, Pure
from xdsl.utils.exceptions import VerifyException

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

_INTEGERS = SignlessIntegerConstraint | VectorType.constr(SignlessIntegerConstraint)
_FLOATS = AnyFloatConstr | VectorType.constr(AnyFloatConstr)


def _min_max(
    class_name: str, name: str, summary: str, elements: AttrConstraint
) -> type[IRDLOperation]:
    """`%r = llvm.intr.NAME(%a, %b) : (T, T) -> T`, the LLVM intrinsic of that name;
    the float ones take fast-math flags (`fastmath<nnan>` after the operands)."""
    floats = elements is _FLOATS
    fields: dict[str, object] = {
        "name": f"llvm.intr.{name}",
        "__doc__": f"{summary}: `llvm.{name}`.",
        "__module__": __name__,
        "a": operand_def(VarConstraint("T", elements)),
        "b": operand_def(VarConstraint("T", elements)),
        "res": result_def(VarConstraint("T", elements)),
        "traits": traits_def(Pure()),
        "assembly_format": (
            f"`(` operands `)` {_FASTMATH if floats else ''} attr-dict "
            "`:` functional-type(operands, results)"
        ),
    }
    if floats:
        fields["fastmathFlags"] = prop_def(FastMathAttr, default_value=FastMathAttr(None))
    return irdl_op_definition(type(class_name, (IRDLOperation,), fields))


SMaxOp = _min_max("SMaxOp", "smax", "The larger as signed integers", _INTEGERS)
SMinOp = _min_max("SMinOp", "smin", "The smaller as signed integers", _INTEGERS)
UMaxOp = _min_max("UMaxOp", "umax", "The larger as unsigned integers", _INTEGERS)
UMinOp = _min_max("UMinOp", "umin", "The smaller as unsigned integers", _INTEGERS)
MaximumOp = _min_max(
    "MaximumOp", "maximum", "The larger float, NaN if either is, +0.0 above -0.0", _FLOATS
)
MinimumOp = _min_max(
    "MinimumOp", "minimum", "The smaller float, NaN if either is, -0.0 below +0.0", _FLOATS
)

MIN_MAX_INTRINSICS: dict[type[Operation], str] = {
    op: op.name.replace(".intr.", ".")
    for op in (SMaxOp, SMinOp, UMaxOp, UMinOp, MaximumOp, MinimumOp)
}
"""Each min/max op and the LLVM intrinsic it stands for (before type mangling)."""


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


_LINKAGE = llvm._LINKAGE_OPTIONS  # pyright: ignore[reportPrivateUsage]

_LOAD_STORE_PROPS = ("alignment", "nontemporal")
"""What upstream prints in a load's or store's `<...>`."""


def _split(
    attrs: dict[str, Attribute], props: dict[str, Attribute], known: tuple[str, ...]
) -> None:
    for name in known:
        if name in attrs:
            props[name] = attrs.pop(name)


def _parse_access(parser: Parser) -> tuple[int, dict[str, Attribute], dict[str, Attribute]]:
    """What follows a load's or store's operands: `atomic <ordering>`, then `<alignment
    = 8, nontemporal>` and an attribute dictionary (either may hold those properties):
    the ordering, the properties and the other attributes."""
    ordering = _parse_ordering(parser)
    props = _parse_prop_dict(parser, _LOAD_STORE_PROPS)
    attrs = parser.parse_optional_attr_dict()
    _split(attrs, props, _LOAD_STORE_PROPS)
    return ordering, props, attrs


def _print_access(printer: Printer, op: LoadOp | StoreOp, ordering: int) -> None:
    """The ordering, properties and attributes `_parse_access` reads."""
    if ordering != 0:
        printer.print_string(f" atomic {ATOMIC_ORDERING_KEYWORDS[ordering]}")
    _print_prop_dict(printer, {"alignment": op.alignment, "nontemporal": op.nontemporal})
    printer.print_op_attributes(op.attributes)


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
        ordering, props, attrs = _parse_access(parser)
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
        _print_access(printer, self, self.ordering.value.data)
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
        ordering, props, attrs = _parse_access(parser)
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
        _print_access(printer, self, self.ordering.value.data if self.ordering is not None else 0)
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


@irdl_op_definition
class ZeroOp(llvm.ZeroOp):
    """`%z = llvm.mlir.zero : f64`: upstream takes any LLVM-compatible type, xDSL 0.74
    only its llvm types (struct, pointer, array)."""

    name = "llvm.mlir.zero"

    res = result_def()
    # xDSL's format-generated parse and print, which its assembly_format rebuilds
    print = Operation.print
    parse = Operation.__dict__["parse"]

    def verify_(self) -> None:
        """Only this class's definition (xDSL's decorated `verify_` checks xDSL's)."""


@irdl_op_definition
class PoisonOp(IRDLOperation):
    """A poison value, `%p = llvm.mlir.poison : f64`; translated as `undef`, which
    refines poison (llvmlite 0.50 has no poison constant)."""

    name = "llvm.mlir.poison"

    assembly_format = "attr-dict `:` type($res)"

    res = result_def()

    traits = traits_def(NoMemoryEffect())


TLS_MODES = ("", "thread_local", "localdynamic", "initialexec", "localexec")
"""Upstream's `tls_mode` values: 0 is not thread-local, 1 prints as a bare `thread_local`,
the others as `thread_local(<mode>)`."""


@irdl_op_definition
class GlobalOp(llvm.GlobalOp):
    """`llvm.mlir.global internal thread_local(initialexec) constant @g(0 : i64) : i64`,
    with upstream's properties (`tls_mode`, `externally_initialized`, `comdat`) in the
    generic form; xDSL 0.74 knows only a unit `thread_local_`, which still parses."""

    name = "llvm.mlir.global"

    global_type = prop_def()
    constant = opt_prop_def(UnitAttr)
    sym_name = prop_def(SymbolNameConstraint())
    linkage = prop_def(llvm.LinkageAttr)
    dso_local = opt_prop_def(UnitAttr)
    thread_local_ = opt_prop_def(UnitAttr)
    tls_mode = opt_prop_def(IntegerAttr)
    externally_initialized = opt_prop_def(UnitAttr)
    comdat = opt_prop_def(SymbolRefAttr)
    visibility_ = opt_prop_def(IntegerAttr[IntegerType])
    value = opt_prop_def()
    alignment = opt_prop_def(IntegerAttr)
    addr_space = prop_def(IntegerAttr)
    unnamed_addr = opt_prop_def(IntegerAttr)
    section = opt_prop_def(StringAttr)
    body = region_def()

    def tls(self) -> int:
        """The thread-local mode: 0 when the global is not thread-local."""
        if self.tls_mode is not None:
            return self.tls_mode.value.data
        return 1 if self.thread_local_ is not None else 0

    def verify_(self) -> None:
        if not 0 <= self.tls() < len(TLS_MODES):
            raise VerifyException(f"tls_mode {self.tls()} is not one of 0..{len(TLS_MODES) - 1}")
        if self.value is not None and self.body.blocks:
            raise VerifyException("cannot have both a value and an initializer region")

    @classmethod
    def parse(cls, parser: Parser) -> Self:
        linkage = parser.parse_optional_keyword_in(_LINKAGE) or "external"
        properties: dict[str, Attribute] = {"linkage": llvm.LinkageAttr(linkage)}
        if parser.parse_optional_keyword("thread_local") is not None:
            mode = 1
            if parser.parse_optional_punctuation("(") is not None:
                keyword = parser.parse_identifier(" (a thread-local mode)")
                if keyword not in TLS_MODES[2:]:
                    parser.raise_error(f"unknown thread-local mode '{keyword}'")
                mode = TLS_MODES.index(keyword)
                parser.parse_punctuation(")")
            properties["tls_mode"] = IntegerAttr(mode, i64)
        unnamed = parser.parse_optional_keyword_in(llvm.UNNAMED_ADDR_KEY_BY_KEYWORD)
        if unnamed is not None:
            properties["unnamed_addr"] = IntegerAttr(llvm.UNNAMED_ADDR_KEY_BY_KEYWORD[unnamed], i64)
        if parser.parse_optional_keyword("constant") is not None:
            properties["constant"] = UnitAttr()
        properties["sym_name"] = StringAttr(parser.parse_symbol_name().data)
        parser.parse_punctuation("(")
        value = None
        if parser.parse_optional_punctuation(")") is None:
            value = parser.parse_attribute()
            properties["value"] = value
            parser.parse_punctuation(")")
        attrs = parser.parse_optional_attr_dict()
        if parser.parse_optional_punctuation(":") is not None:
            properties["global_type"] = parser.parse_type()
        elif isinstance(value, StringAttr):
            properties["global_type"] = llvm.LLVMArrayType(IntAttr(len(value.data)), IntegerType(8))
        elif isinstance(value, TypedAttribute):
            properties["global_type"] = value.get_type()
        else:
            parser.raise_error("expected `:` followed by global type")
        properties["addr_space"] = attrs.pop("addr_space", IntegerAttr(0, 32))
        for name in cls.get_irdl_definition().properties:
            if name in attrs and name not in properties:
                properties[name] = attrs.pop(name)
        body = parser.parse_optional_region() or Region()
        return cls.create(properties=properties, attributes=attrs, regions=[body])

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.linkage.linkage.data}")
        if mode := self.tls():
            printer.print_string(
                " thread_local" if mode == 1 else f" thread_local({TLS_MODES[mode]})"
            )
        if self.unnamed_addr is not None and (
            keyword := llvm.UNNAMED_ADDR_KEYWORD_BY_KEY.get(self.unnamed_addr.value.data)
        ):
            printer.print_string(f" {keyword}")
        if self.constant is not None:
            printer.print_string(" constant")
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string("(")
        if self.value is not None:
            printer.print_attribute(self.value)
        printer.print_string(")")
        shown = ("global_type", "sym_name", "linkage", "constant", "thread_local_", "tls_mode")
        # upstream's generic form spells the default visibility `visibility_ = 0`, its
        # pretty form nothing (the entry would be a second, conflicting one)
        default = (
            () if self.visibility_ is None or self.visibility_.value.data else ("visibility_",)
        )
        printer.print_op_attributes(
            {k: v for k, v in (self.properties | self.attributes).items() if k not in default},
            reserved_attr_names=(*shown, "unnamed_addr", "value"),
        )
        printer.print_string(" : ")
        printer.print_attribute(self.global_type)
        if self.body.blocks:
            printer.print_string(" ")
            printer.print_region(self.body)


UPSTREAM_SYNTAX: list[type[Operation]] = [
    *_FLOAT_OPS,
    LoadOp,
    StoreOp,
    FCmpOp,
    TruncOp,
    GlobalOp,
    ZeroOp,
]
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


LLVM = replace_ops(
    llvm.LLVM,
    [*UPSTREAM_SYNTAX, FPToSIOp, FPToUIOp, UIToFPOp, PoisonOp, *MIN_MAX_INTRINSICS],
)
"""xDSL's `llvm` dialect with the instructions and upstream-syntax ops above."""
