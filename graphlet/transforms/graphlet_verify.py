"""`graphlet-verify`: the checks MLIR's verifier makes and xDSL 0.74's does not.

xDSL accepts IR that upstream MLIR rejects (a use before its definition, a branch
passing two values to a one-argument block, a `memref.get_global` of a missing
symbol, a 96-bit `index` constant, a public declaration, a tensor of tensors); such
IR then breaks lowering with an internal error. `graphlet-opt` runs this check after
parsing and after every pass, so each of these is a located diagnostic instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, cf, func, llvm, memref, scf
from xdsl.dialects.builtin import (
    ArrayAttr,
    ComplexType,
    DictionaryAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    TensorType,
    UnrankedMemRefType,
    UnrankedTensorType,
    VectorType,
)
from xdsl.ir import (
    Attribute,
    Block,
    Operation,
    ParametrizedAttribute,
    SSAValue,
)
from xdsl.passes import ModulePass
from xdsl.traits import IsolatedFromAbove, SymbolTable
from xdsl.utils.exceptions import VerifyException

from graphlet.locations import (
    locate_verify_error,
    location_of,
    redefinition_site,
    structure_error,
)
from graphlet.transforms.dominance import Dominance

_INDEX_MIN, _INDEX_MAX = -(2**63), 2**64 - 1
"""MLIR stores an `index` attribute in 64 bits (signed or unsigned spelling)."""


def verify_module(module: ModuleOp, after: str | None = None) -> None:
    """xDSL's verifier, then `verify_strict`; any failure (xDSL's verifiers also raise
    bare exceptions) is a located `VerifyException` holding the first error of each
    op verified independently (see `independent_errors`), naming the pass `after`
    which the IR broke."""
    try:
        module.verify()
        verify_strict(module)
    except Exception as e:
        errors = independent_errors(module) or [str(locate_verify_error(module, e))]
        suffix = "" if after is None else f" (the IR is invalid after pass {after})"
        raise VerifyException("\n".join(_with_suffix(error, suffix) for error in errors)) from None


def _with_suffix(error: str, suffix: str) -> str:
    first, newline, notes = error.partition("\n")
    return f"{first}{suffix}{newline}{notes}"


_ISOLATED = frozenset({"llvm.func", "llvm.mlir.global"})
"""Ops upstream marks `IsolatedFromAbove` whose xDSL 0.74 definitions do not."""


def _is_unit(op: Operation) -> bool:
    return op.has_trait(IsolatedFromAbove) or op.name in _ISOLATED


def independent_errors(module: ModuleOp) -> list[str]:
    """The first error of each op that MLIR verifies independently, in program order:
    the module itself, each op at the top level of a module, and each
    isolated-from-above op at any depth (MLIR verifies those on their own, so two
    broken functions are two errors, but only the first error inside one). Each error
    is `file:line:col: error: ...`, with its notes on the lines after it."""
    errors: list[str] = []
    units: list[tuple[Operation, bool]] = [(module, True)]
    while units:
        root, alone = units.pop()
        ops, nested = _unit_ops(root, alone)
        error = _first_error(ops)
        if error is not None:
            errors.append(error)
        units.extend(reversed(nested))
    return errors


def _unit_ops(root: Operation, alone: bool) -> tuple[list[Operation], list[tuple[Operation, bool]]]:
    """The ops verified with `root` (in pre-order), and the independent units inside it.
    A module is verified alone; its top-level ops are units of their own."""
    if alone:
        return [root], [(op, False) for op in _children(root)]
    ops: list[Operation] = []
    nested: list[tuple[Operation, bool]] = []
    stack = [root]
    while stack:
        op = stack.pop()
        if op is not root and (_is_unit(op) or isinstance(op, ModuleOp)):
            nested.append((op, isinstance(op, ModuleOp)))
            continue
        ops.append(op)
        stack.extend(reversed(_children(op)))
    return ops, nested


def _children(op: Operation) -> list[Operation]:
    return [child for region in op.regions for block in region.blocks for child in block.ops]


def _first_error(ops: list[Operation]) -> str | None:
    """The error MLIR's order finds first among `ops` (pre-order): xDSL's verifiers
    (nested ops before their parent), block structure, then graphlet's checks."""
    for op in _post_order(ops):
        try:
            op.verify(verify_nested_ops=False)
        except Exception as e:
            return _xdsl_error(op, str(e) or type(e).__name__)
    for op in _post_order(ops):
        if op.regions and (message := structure_error(op)) is not None:
            return _located(op, message)
    return strict_error(ops)


def strict_error(ops: Sequence[Operation]) -> str | None:
    """The first of graphlet's checks that `ops` fail, in MLIR's order: each op's own
    checks (MLIR's op verifiers) over all ops, then dominance, then symbol uses."""
    dominance = Dominance()
    for check in (_local, dominance.operand_diagnostic, _symbol_uses):
        for op in ops:
            found = check(op)
            if found is not None:
                message, notes = found
                return "\n".join([_located(op, f"'{op.name}' op {message}"), *notes])
    return None


def _post_order(ops: list[Operation]) -> Iterator[Operation]:
    """`ops` (a pre-order list) with each op after the ops nested in it."""
    members = set(ops)
    done: list[Operation] = []
    stack: list[tuple[Operation, bool]] = [
        (op, False) for op in reversed(ops) if op.parent_op() not in members
    ]
    while stack:
        op, expanded = stack.pop()
        if expanded:
            done.append(op)
            continue
        stack.append((op, True))
        children = [c for c in _children(op) if c in members]
        stack.extend((c, False) for c in reversed(children))
    return iter(done)


def _xdsl_error(op: Operation, message: str) -> str:
    if _LOCATED.match(message):
        return message
    site = redefinition_site(op, message)
    error = _located(site, message)
    if site is not op:
        symbol = site.properties.get("sym_name") or site.attributes.get("sym_name")
        first = next(
            (
                other
                for other in _children(op)
                if other is not site
                and symbol in (other.properties.get("sym_name"), other.attributes.get("sym_name"))
            ),
            None,
        )
        where = location_of(first)
        if where is not None:
            error += f"\n{where}: note: see existing symbol definition here"
    return error


_LOCATED = re.compile(r"[^\n]*:\d+:\d+: error: ")


def _located(op: Operation, message: str) -> str:
    where = location_of(op)
    return f"{where}: error: {message}" if where else message


def verify_strict(module: Operation) -> None:
    """Raise a located `VerifyException` at the first op MLIR's verifier would reject."""
    error = strict_error(list(module.walk()))
    if error is not None:
        raise VerifyException(error)


def _local(op: Operation) -> tuple[str, list[str]] | None:
    for message in (
        _successors(op),
        _yields(op),
        _declaration(op),
        _return_parent(op),
        _attributes(op),
        _types(op),
    ):
        if message is not None:
            return message, []
    return None


def _symbol_uses(op: Operation) -> tuple[str, list[str]] | None:
    message = _symbols(op)
    return None if message is None else (message, [])


@dataclass(frozen=True)
class _Edge:
    block: Block
    operands: Sequence[SSAValue]


def _edges(op: Operation) -> Iterator[_Edge] | None:
    """The operands each successor of a known branch op receives."""
    if isinstance(op, cf.BranchOp | llvm.BrOp):
        return iter([_Edge(op.successor, op.arguments)])
    if isinstance(op, cf.ConditionalBranchOp | llvm.CondBrOp):
        return iter(
            [_Edge(op.then_block, op.then_arguments), _Edge(op.else_block, op.else_arguments)]
        )
    if isinstance(op, cf.SwitchOp):
        edges = [_Edge(op.default_block, op.default_operands)]
        start = 0
        sizes = op.case_operand_segments.get_values()
        for block, size in zip(op.case_blocks, sizes):
            edges.append(_Edge(block, op.case_operands[start : start + size]))
            start += size
        return iter(edges)
    return None


def _successors(op: Operation) -> str | None:
    if not op.successors:
        return None
    region = op.parent_region()
    for successor in op.successors:
        if successor.parent is not region:
            return "branches to a block of another region"
        if region is not None and successor is region.blocks.first:
            return "branches to the entry block of its region, which may not have predecessors"
    edges = _edges(op)
    if edges is None:
        return None
    for i, edge in enumerate(edges):
        arguments = edge.block.args
        if len(edge.operands) != len(arguments):
            return (
                f"passes {len(edge.operands)} operand(s) to successor #{i}, "
                f"which has {len(arguments)} argument(s)"
            )
        for j, (value, argument) in enumerate(zip(edge.operands, arguments)):
            if value.type != argument.type:
                return (
                    f"passes a {value.type} as argument #{j} of successor #{i}, "
                    f"which has type {argument.type}"
                )
    return None


def _yields(op: Operation) -> str | None:
    """xDSL 0.74 inserts an empty `scf.yield` in an `scf.if` region left without one,
    and does not check it against the op's results (MLIR does)."""
    if not isinstance(op, scf.YieldOp):
        return None
    parent = op.parent_op()
    if isinstance(parent, scf.WhileOp):
        first = parent.before_region.blocks.first
        expected = [a.type for a in first.args] if first is not None else []
    elif isinstance(parent, scf.IfOp | scf.ForOp | scf.IndexSwitchOp):
        expected = [r.type for r in parent.results]
    else:
        return None
    given = [v.type for v in op.operands]
    if given != expected:
        shown = ", ".join(map(str, expected)) or "nothing"
        return f"yields {len(given)} value(s) where '{parent.name}' expects {shown}"
    return None


def _symbols(op: Operation) -> str | None:
    if isinstance(op, memref.GetGlobalOp):
        target = SymbolTable.lookup_symbol(op, op.name_)
        if not isinstance(target, memref.GlobalOp):
            return f"'{op.name_}' does not reference a memref.global"
        if target.type != op.memref.type:
            return f"result type {op.memref.type} does not match the type {target.type} of global {op.name_}"
    elif isinstance(op, llvm.AddressOfOp):
        target = SymbolTable.lookup_symbol(op, op.global_name)
        if not isinstance(target, llvm.GlobalOp | llvm.FuncOp):
            return f"'{op.global_name}' does not reference an llvm.mlir.global or llvm.func"
    elif (
        isinstance(op, llvm.CallOp)
        and op.callee is not None
        and not isinstance(SymbolTable.lookup_symbol(op, op.callee), llvm.FuncOp)
    ):
        return f"'{op.callee}' does not reference an llvm.func"
    return None


def _return_parent(op: Operation) -> str | None:
    """xDSL 0.74's `llvm.return` may sit in a `func.func`, whose lowering then leaves it
    returning the wrong type (MLIR: an `llvm.func` or a global's initializer region), or
    return another type than its `llvm.func`'s, which llvmlite then rejects."""
    if not isinstance(op, llvm.ReturnOp):
        return None
    parent = op.parent_op()
    if isinstance(parent, llvm.GlobalOp):
        if op.arg is None or op.arg.type != parent.global_type:
            return f"must return one value of the global's type {parent.global_type}"
    elif not isinstance(parent, llvm.FuncOp):
        return "expects parent op 'llvm.func' or 'llvm.mlir.global'"
    else:  # upstream's messages; xDSL 0.74 checks neither count nor type
        output = parent.function_type.output
        if isinstance(output, llvm.LLVMVoidType):
            return None if op.arg is None else "expected no operands"
        if op.arg is None:
            return "expected 1 operand"
        if op.arg.type != output:
            return "mismatching result types"
    return None


def _declaration(op: Operation) -> str | None:
    if isinstance(op, func.FuncOp) and not op.body.blocks:
        visibility = op.sym_visibility.data if op.sym_visibility is not None else "public"
        if visibility == "public":
            return f"@{op.sym_name.data} is a declaration, which cannot be public (write func.func private)"
    return None


def _attributes(op: Operation) -> str | None:
    for name, attribute in (*op.properties.items(), *op.attributes.items()):
        for inner in _nested_attributes(attribute):
            if isinstance(inner, IntegerAttr) and isinstance(inner.type, IndexType):
                value = inner.value.data
                if not _INDEX_MIN <= value <= _INDEX_MAX:
                    return (
                        f"attribute '{name}' holds {value}, which does not fit the 64 bits of index"
                    )
    return None


def _nested_attributes(attribute: Attribute) -> Iterator[Attribute]:
    yield attribute
    if isinstance(attribute, ArrayAttr):
        for element in attribute.data:
            yield from _nested_attributes(element)
    elif isinstance(attribute, DictionaryAttr):
        for element in attribute.data.values():
            yield from _nested_attributes(element)


def _types(op: Operation) -> str | None:
    values: list[SSAValue] = [*op.results]
    for region in op.regions:
        for block in region.blocks:
            values.extend(block.args)
    for value in values:
        message = _element_type_error(value.type)
        if message is not None:
            return message
    for attribute in op.properties.values():
        if isinstance(attribute, builtin.FunctionType):
            for t in (*attribute.inputs.data, *attribute.outputs.data):
                message = _element_type_error(t)
                if message is not None:
                    return message
    return None


_SCALAR = (IntegerType, IndexType, builtin.AnyFloat)


def _element_type_error(t: Attribute) -> str | None:
    """Why type `t` (or a type inside it) is not a valid builtin type, as MLIR judges."""
    if isinstance(t, TensorType | UnrankedTensorType):
        element = t.element_type
        if _is_builtin(element) and not isinstance(element, (*_SCALAR, ComplexType, VectorType)):
            return f"has type {t}: a tensor's elements cannot be {element}"
    elif isinstance(t, MemRefType | UnrankedMemRefType):
        element = t.element_type
        if _is_builtin(element) and not isinstance(
            element, (*_SCALAR, ComplexType, VectorType, MemRefType)
        ):
            return f"has type {t}: a memref's elements cannot be {element}"
    elif isinstance(t, VectorType) and not isinstance(t.element_type, _SCALAR):
        return f"has type {t}: a vector's elements must be integers, indices or floats"
    if isinstance(t, ParametrizedAttribute):
        for parameter in t.parameters:
            if isinstance(parameter, ParametrizedAttribute):
                message = _element_type_error(parameter)
                if message is not None:
                    return message
    return None


def _is_builtin(t: Attribute) -> bool:
    return type(t).__module__ == builtin.__name__


@dataclass(frozen=True)
class GraphletVerifyPass(ModulePass):
    """MLIR's checks that xDSL's verifier lacks: dominance, successor operands,
    symbol uses, declarations, index ranges, element types."""

    name = "graphlet-verify"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        verify_strict(op)
