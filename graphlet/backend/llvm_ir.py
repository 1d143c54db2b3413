"""llvm-dialect module -> LLVM IR (an llvmlite `ir.Module`, or its text).

xDSL's translator (`xdsl.backend.llvm.convert.convert_module`) does the work.
Two gaps are filled here, in this one place:

* the `llvm.fptosi`, `llvm.fptoui` and `llvm.uitofp` ops graphlet adds
  (`dialects/llvm_ext.py`) are translated by wrapping
  xDSL's `convert_op`, which `convert.py` looks up through its module globals;
* the same wrapper translates xDSL's unary/binary `llvm.intr.*` ops itself:
  xDSL declares them unmangled (`llvm.sqrt`), so an f32 and an f64 use in one
  module clash; here they get LLVM's type suffix (`llvm.sqrt.f32`) and keep
  their fast-math flags; so do graphlet's `llvm.intr.smax`/`smin`/`umax`/`umin`/
  `maximum`/`minimum`;
* `llvm.fcmp` keeps its fast-math flags (xDSL's translation drops them);
* `llvm.func` linkage, which xDSL ignores, is applied afterwards so that private
  helpers get internal linkage (LLVM may inline and drop them), and so are the
  function attributes of its `passthrough` array (`["noinline"]`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import llvmlite.ir as ir
import xdsl.backend.llvm.convert as xdsl_llvm_convert
from xdsl.backend.llvm.convert_op import (
    _BINARY_INTRINSIC_MAP,
    _UNARY_INTRINSIC_MAP,
    create_constant,
)
from xdsl.backend.llvm.convert_op import convert_op as xdsl_convert_op
from xdsl.backend.llvm.convert_type import convert_type
from xdsl.context import Context
from xdsl.dialects import llvm
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import Block, Operation, SSAValue
from xdsl.utils.target import Target

from graphlet.dialects import llvm_ext
from graphlet.dialects.upstream_syntax import by_class
from graphlet.locations import lowering_error

_EXTENSION_CASTS: dict[type[Operation], Callable[[ir.IRBuilder], Callable[..., ir.Value]]] = {
    llvm_ext.FPToSIOp: lambda b: b.fptosi,
    llvm_ext.FPToUIOp: lambda b: b.fptoui,
    llvm_ext.UIToFPOp: lambda b: b.uitofp,
}


def _convert_op_with_extensions(
    op: Operation,
    builder: ir.IRBuilder,
    val_map: dict[SSAValue, ir.Value],
    block_map: dict[Block, ir.Block] | None = None,
) -> None:
    if (cast := _EXTENSION_CASTS.get(type(op))) is not None:
        result = op.results[0]
        val_map[result] = cast(builder)(val_map[op.operands[0]], convert_type(result.type))
    elif (
        name := by_class(_UNARY_INTRINSIC_MAP, op)
        or by_class(_BINARY_INTRINSIC_MAP, op)
        or llvm_ext.MIN_MAX_INTRINSICS.get(type(op))
    ) is not None:
        _convert_overloaded_intrinsic(name, op, builder, val_map)
    elif isinstance(op, llvm_ext.FCmpOp):
        _convert_fcmp(op, builder, val_map)
    elif isinstance(op, llvm_ext.PoisonOp):
        val_map[op.res] = ir.Constant(convert_type(op.res.type), ir.Undefined)
    elif isinstance(op, llvm.ConstantOp) and isinstance(op.value, IntegerAttr):
        # int(): a bool value (IntAttr(False) == IntAttr(0)) would print `i64 false`.
        val_map[op.result] = ir.Constant(convert_type(op.result.type), int(op.value.value.data))
    elif type(op) in llvm_ext.XDSL_CLASS:
        _convert_as_xdsl_op(op, builder, val_map, block_map)
    else:
        try:
            xdsl_convert_op(op, builder, val_map, block_map)
        except NotImplementedError as e:
            raise lowering_error(
                op, f"-t llvm cannot translate this op ({e}); lower it to the llvm dialect first"
            ) from None


def _convert_as_xdsl_op(
    op: Operation,
    builder: ir.IRBuilder,
    val_map: dict[SSAValue, ir.Value],
    block_map: dict[Block, ir.Block] | None,
) -> None:
    """graphlet's upstream-syntax llvm ops mean xDSL's op of the same name, whose
    translation looks ops up by their exact class: translate a twin of xDSL's class."""
    if op.properties.get("volatile_") is not None:
        raise lowering_error(op, "-t llvm cannot translate volatile loads and stores")
    properties = {k: v for k, v in op.properties.items() if k != "nontemporal"}
    if isinstance(op, llvm_ext.TruncOp):
        properties["overflowFlags"] = op.overflow_attr()
    twin = llvm_ext.XDSL_CLASS[type(op)].create(
        operands=list(op.operands),
        result_types=[r.type for r in op.results],
        properties=properties,
        attributes=dict(op.attributes),
    )
    try:
        xdsl_convert_op(twin, builder, val_map, block_map)
    finally:
        for mine, theirs in zip(op.results, twin.results):
            if theirs in val_map:
                val_map[mine] = val_map.pop(theirs)
        twin.drop_all_references()


_FLAG_ORDER = ("fast", "nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc")


def _fastmath_flags(fastmath: llvm.FastMathAttr) -> list[str]:
    """The flags in LLVM's order (the attribute holds a set), so the text is stable."""
    names = {f.value for f in fastmath.data}
    return [name for name in _FLAG_ORDER if name in names]


_FCMP_OPERATORS = {"eq": "==", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "ne": "!="}


def _convert_fcmp(
    op: llvm_ext.FCmpOp, builder: ir.IRBuilder, val_map: dict[SSAValue, ir.Value]
) -> None:
    """xDSL's translation of `llvm.fcmp`, with the fast-math flags."""
    predicate = llvm.FCmpPredicateFlag.from_int(op.predicate.value.data).value
    compare = builder.fcmp_ordered if predicate[0] == "o" else builder.fcmp_unordered
    operator = _FCMP_OPERATORS.get(predicate[1:], predicate)
    flags = _fastmath_flags(op.fastmathFlags)
    val_map[op.res] = compare(operator, val_map[op.lhs], val_map[op.rhs], flags=flags)


def _convert_overloaded_intrinsic(
    name: str, op: Operation, builder: ir.IRBuilder, val_map: dict[SSAValue, ir.Value]
) -> None:
    operands = [val_map[operand] for operand in op.operands]
    result_type = operands[0].type
    function_type = ir.FunctionType(result_type, [o.type for o in operands])
    full_name = f"{name}.{_suffix(result_type)}"
    intrinsic = builder.module.globals.get(full_name) or ir.Function(
        builder.module, function_type, name=full_name
    )
    fastmath = op.properties.get("fastmathFlags")
    flags = _fastmath_flags(fastmath) if isinstance(fastmath, llvm.FastMathAttr) else []
    val_map[op.results[0]] = builder.call(intrinsic, operands, fastmath=flags)


def _suffix(type_: ir.Type) -> str:
    """LLVM's overload suffix, `i64`, `f32`, `v4i32` (xDSL's takes no integer vectors)."""
    if isinstance(type_, ir.VectorType):
        return f"v{type_.count}{_suffix(type_.element)}"
    return str(type_.intrinsic_name)


# the name convert.py imports from convert_op.py, not one it exports: patched so that
# xDSL's module converter reaches graphlet's ops
xdsl_llvm_convert.convert_op = _convert_op_with_extensions  # type: ignore[attr-defined]


def translate_module(
    module: ModuleOp, *, target_triple: str | None = None, data_layout: str = ""
) -> ir.Module:
    """The llvmlite module of an llvm-dialect module (host triple by default)."""
    for op in module.ops:
        if isinstance(op, llvm.GlobalOp):
            _check_global(op)
        elif not isinstance(op, llvm.FuncOp):
            # xDSL's translation would raise an unlocated NotImplementedError.
            raise lowering_error(
                op,
                "-t llvm translates only llvm.func and llvm.mlir.global at module level; "
                "lower this op to the llvm dialect inside a function first",
            )
    llvm_module = xdsl_llvm_convert.convert_module(
        module, fallback_target_triple=target_triple, data_layout=data_layout
    )
    for op in module.ops:
        if isinstance(op, llvm.GlobalOp) and op.body.blocks:
            llvm_module.get_global(op.sym_name.data).initializer = _initializer(op)
        if isinstance(op, llvm.FuncOp) and op.body.blocks:
            linkage = op.linkage.linkage.data
            function = llvm_module.get_global(op.sym_name.data)
            if linkage != "external":
                function.linkage = linkage
            for attribute in op.passthrough.data if op.passthrough is not None else ():
                if not isinstance(attribute, StringAttr):
                    raise lowering_error(
                        op, "-t llvm translates only passthrough attributes without a value"
                    )
                function.attributes.add(attribute.data)
    return llvm_module


def _check_global(op: llvm.GlobalOp) -> None:
    """What xDSL's translation of a global would drop without a word."""
    thread_local = op.thread_local_ is not None or (
        isinstance(op, llvm_ext.GlobalOp) and op.tls() != 0
    )
    if thread_local:
        raise lowering_error(op, "-t llvm cannot translate a thread-local global")
    if op.properties.get("externally_initialized") is not None:
        raise lowering_error(op, "-t llvm cannot translate an externally initialized global")


def _initializer(op: llvm.GlobalOp) -> ir.Constant:
    """The constant an initializer region returns (upstream's `llvm.mlir.global @g() :
    i32 { ... llvm.return %c : i32 }`), when it is one constant, zero or undef."""
    block = op.body.blocks.first
    assert block is not None
    returned = block.last_op
    value = returned.operands[0].owner if returned and returned.operands else None
    llvm_type = convert_type(op.global_type)
    if isinstance(value, llvm.ConstantOp):
        return create_constant(op.global_type, value.value)
    if isinstance(value, llvm.ZeroOp):
        return ir.Constant(llvm_type, None)
    if isinstance(value, llvm.UndefOp | llvm_ext.PoisonOp):
        return ir.Constant(llvm_type, ir.Undefined)
    raise lowering_error(
        op, "-t llvm translates an initializer region only when it returns a constant"
    )


def emit_llvm_ir(module: ModuleOp) -> str:
    """LLVM IR text of an llvm-dialect module."""
    return str(translate_module(module))


@dataclass(frozen=True)
class GraphletLLVMTarget(Target):
    """`-t llvm`: xDSL's LLVM IR printer plus the llvm ops graphlet adds, and linkage."""

    name = "llvm"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        print(emit_llvm_ir(module), file=output)
