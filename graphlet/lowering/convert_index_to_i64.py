"""`convert-index-to-i64`: give every `index` value the 64-bit integer type LLVM uses.

The llvm dialect and its translator know no `index`, so this runs before the
arith/func/cf lowerings. It rewrites op result types, block argument types and
every attribute that mentions `index` (function signatures, `arith.constant`
values, nested types such as `vector<4xindex>`), and resolves `arith.index_cast`,
which becomes nothing, an `arith.extsi` or an `arith.trunci` once `index` is i64.

xDSL's `TypeConversionPattern(recursive=True)` is not used: it loops forever on
`arith.constant 0 : index` because it treats the falsy `IntegerAttr(0)` as "no
conversion" (see the field notes). This pass checks for `None` explicitly.

Ops of the dialects whose operands must be `index` (memref, tensor, linalg, affine,
vector) are refused: lower them first (`convert-memref-to-llvm`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    RankedStructure,
    TensorType,
    VectorType,
    i64,
)
from xdsl.ir import Attribute, Operation, ParametrizedAttribute
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

from graphlet.lowering.legality import ConversionTarget, defines_index_value


class IndexTypeConverter:
    """Maps an attribute to the same attribute with `index` replaced by i64.

    Returns the very same object when nothing changes, so callers compare with
    `is`; results are memoised because the same few types recur everywhere.
    """

    def __init__(self) -> None:
        self._cache: dict[Attribute, Attribute] = {}

    def convert(self, attr: Attribute) -> Attribute:
        if not isinstance(attr, ParametrizedAttribute | ArrayAttr | DictionaryAttr):
            # Not memoised: IntAttr(False) == IntAttr(0), so a cache would hand the
            # bool to an i64 constant (printed `i64 false`, which LLVM rejects).
            return attr
        cached = self._cache.get(attr)
        if cached is None:
            cached = self._convert_uncached(attr)
            self._cache[attr] = cached
        return cached

    def _convert_uncached(self, attr: Attribute) -> Attribute:
        if isinstance(attr, IndexType):
            return i64
        if isinstance(attr, IntegerAttr) and isinstance(attr.type, IndexType):
            return IntegerAttr(attr.value.data, i64)
        if isinstance(attr, DenseIntOrFPElementsAttr):
            new_type = self.convert(attr.type)
            if new_type is attr.type:
                return attr
            assert isinstance(new_type, VectorType | TensorType | MemRefType)
            # index elements, now i64: xDSL's shaped types do not carry that in their type
            ints = cast(RankedStructure[IntegerType], new_type)
            return DenseIntOrFPElementsAttr.from_list(ints, attr.get_values())
        if isinstance(attr, ArrayAttr):
            items = tuple(self.convert(a) for a in attr.data)
            if all(new is old for new, old in zip(items, attr.data)):
                return attr
            return ArrayAttr(items)
        if isinstance(attr, DictionaryAttr):
            entries = {k: self.convert(v) for k, v in attr.data.items()}
            if all(entries[k] is v for k, v in attr.data.items()):
                return attr
            return DictionaryAttr(entries)
        if isinstance(attr, ParametrizedAttribute):
            params = tuple(self.convert(p) for p in attr.parameters)
            if all(new is old for new, old in zip(params, attr.parameters)):
                return attr
            return type(attr).new(params)
        return attr


@dataclass
class IndexToI64Pattern(RewritePattern):
    """Converts one op: its attributes, result types and its blocks' arguments."""

    converter: IndexTypeConverter

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        convert = self.converter.convert
        for region in op.regions:
            for block in region.blocks:
                for arg in block.args:
                    new_type = convert(arg.type)
                    if new_type is not arg.type:
                        rewriter.replace_value_with_new_type(arg, new_type)
        if isinstance(op, arith.IndexCastOp):
            self._lower_index_cast(op, rewriter)
            return
        for name, value in op.properties.items():
            new_value = convert(value)
            if new_value is not value:
                op.properties[name] = new_value
        for name, value in op.attributes.items():
            new_value = convert(value)
            if new_value is not value:
                op.attributes[name] = new_value
        for result in op.results:
            new_type = convert(result.type)
            if new_type is not result.type:
                rewriter.replace_value_with_new_type(result, new_type)

    def _lower_index_cast(self, op: arith.IndexCastOp, rewriter: PatternRewriter) -> None:
        source = self.converter.convert(op.input.type)
        target = self.converter.convert(op.result.type)
        assert isinstance(source, IntegerType) and isinstance(target, IntegerType)
        if source.width.data == target.width.data:
            rewriter.replace(op, [], [op.input])
        elif source.width.data < target.width.data:
            rewriter.replace(op, arith.ExtSIOp(op.input, target))
        else:
            rewriter.replace(op, arith.TruncIOp(op.input, target))


NEEDS_INDEX = frozenset(("memref", "tensor", "linalg", "affine", "vector"))
"""Dialects whose ops take `index` operands only (indices, dimensions)."""


def _advice(op: Operation) -> str | None:
    if op.dialect_name() in NEEDS_INDEX:
        return f"{op.dialect_name()} ops need index operands: lower them first"
    return None


TARGET = ConversionTarget(
    "convert-index-to-i64",
    illegal_dialects=tuple(sorted(NEEDS_INDEX)),
    illegal_if=defines_index_value,
    advice=_advice,
)
"""Any op still on `index`, and the ops the pass would leave with `index` operands
(or, converted, invalid): no later lowering takes them, so they must be gone first."""


@dataclass(frozen=True)
class ConvertIndexToI64Pass(ModulePass):
    name = "convert-index-to-i64"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            IndexToI64Pattern(IndexTypeConverter()), apply_recursively=False
        ).rewrite_module(op)
        TARGET.refuse_leftovers(op)
