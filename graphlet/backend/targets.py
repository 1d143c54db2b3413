"""graphlet-opt's native output target: compile and run the module, print its results."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from xdsl.context import Context
from xdsl.dialects import llvm as llvm_dialect
from xdsl.dialects.builtin import Float32Type, Float64Type, IntegerType, ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from graphlet import abi
from graphlet.backend.jit import DEFAULT_OPT_LEVEL, JitEngine, decode_slot


@dataclass(frozen=True)
class JitCallTarget(Target):
    """`-t 'jit-call{function=f}'`: compiles the llvm-dialect module, calls the
    argument-less `@f` and prints one `result <i>: <value>` line per result. A
    function lowered by graphlet is called through its C interface
    (`_mlir_ciface_f`, which `lower-to-llvm` adds); a plain `llvm.func` returning a
    scalar or nothing is called directly, as `mlir-runner -e f` does. For
    end-to-end FileCheck tests."""

    name = "jit-call"
    function: str = "main"
    opt_level: int = DEFAULT_OPT_LEVEL

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        function = _function(module, self.function)
        if function.function_type.inputs.data:
            raise ValueError(
                f"-t jit-call calls @{self.function} without arguments, but it takes "
                f"{len(function.function_type.inputs.data)}"
            )
        if _function_named(module, abi.c_interface_symbol(self.function)) is None:
            engine = JitEngine.from_module(module, opt_level=self.opt_level)
            values = call_llvm_function(engine, function, [])
        else:
            result_types = _result_types(function)
            engine = JitEngine.from_module(module, opt_level=self.opt_level)
            slots = engine.call_c_interface(self.function, len(result_types))
            values = [decode_slot(slot, t) for slot, t in zip(slots, result_types)]
        for index, value in enumerate(values):
            print(f"result {index}: {value}", file=output)


_INTEGERS: dict[int, type[Any]] = {
    1: ctypes.c_bool,
    8: ctypes.c_int8,
    16: ctypes.c_int16,
    32: ctypes.c_int32,
    64: ctypes.c_int64,
}


def _ctype(type_: Attribute, name: str) -> type[Any] | None:
    """The ctypes type of an argument or result of a plain `llvm.func` (None: void)."""
    if isinstance(type_, llvm_dialect.LLVMVoidType):
        return None
    if isinstance(type_, IntegerType) and type_.width.data in _INTEGERS:
        return _INTEGERS[type_.width.data]
    if isinstance(type_, Float32Type):
        return ctypes.c_float
    if isinstance(type_, Float64Type):
        return ctypes.c_double
    raise ValueError(
        f"@{name} takes or returns {type_}: a plain llvm.func is called with i1, i8, i16, "
        "i32, i64, f32 and f64 values only (lower a func.func with lower-to-llvm for the "
        "C interface)"
    )


def plain_signature(function: llvm_dialect.FuncOp) -> tuple[list[Attribute], Attribute]:
    """The argument types and the result type of a plain `llvm.func` that can be called
    from Python (ValueError, a diagnostic, otherwise)."""
    name = function.sym_name.data
    if function.body.blocks.first is None:
        raise ValueError(f"@{name} is a declaration, not a function")
    if function.function_type.is_variadic:
        raise ValueError(f"@{name} is variadic")
    inputs = list(function.function_type.inputs.data)
    output = function.function_type.output
    for type_ in (*inputs, output):
        _ctype(type_, name)
    return inputs, output


def call_llvm_function(
    engine: JitEngine, function: llvm_dialect.FuncOp, args: Sequence[Any]
) -> list[Any]:
    """Call a plain `llvm.func` of `engine` with Python scalars; its results as a list
    (empty for void)."""
    name = function.sym_name.data
    inputs, output = plain_signature(function)
    argtypes = [c for c in (_ctype(t, name) for t in inputs) if c is not None]
    callable_ = engine.function(name, _ctype(output, name), *argtypes)
    result = callable_(*args)
    return [] if isinstance(output, llvm_dialect.LLVMVoidType) else [result]


def _function_named(module: ModuleOp, name: str) -> llvm_dialect.FuncOp | None:
    for op in module.ops:
        if isinstance(op, llvm_dialect.FuncOp) and op.sym_name.data == name:
            return op
    return None


def _function(module: ModuleOp, name: str) -> llvm_dialect.FuncOp:
    """`llvm.func @name`; a ValueError (a diagnostic) when there is none."""
    function = _function_named(module, name)
    if function is not None:
        if function.body.blocks.first is None:
            raise ValueError(f"-t jit-call: @{name} is a declaration, not a function")
        return function
    functions = [op for op in module.ops if isinstance(op, llvm_dialect.FuncOp)]
    known = ", ".join(f"@{op.sym_name.data}" for op in functions) or "none"
    raise ValueError(
        f"-t jit-call: no llvm.func @{name} (llvm.funcs: {known}; "
        "run -p lower-to-llvm first, choose one with -t 'jit-call{function=NAME}')"
    )


def _result_types(function: llvm_dialect.FuncOp) -> tuple[Attribute, ...]:
    output = function.function_type.output
    if isinstance(output, llvm_dialect.LLVMVoidType):
        return ()
    if isinstance(output, llvm_dialect.LLVMStructType):
        return tuple(output.types.data)
    return (output,)
