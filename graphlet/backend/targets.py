"""graphlet-opt's native output target: compile and run the module, print its results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects import llvm as llvm_dialect
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from graphlet.backend.jit import DEFAULT_OPT_LEVEL, JitEngine, decode_slot


@dataclass(frozen=True)
class JitCallTarget(Target):
    """`-t 'jit-call{function=f}'`: compiles the llvm-dialect module, calls the
    argument-less `@f` through its C interface (so `@f` needs
    `llvm.emit_c_interface`) and prints one `result <i>: <value>` line per
    result. For end-to-end FileCheck tests."""

    name = "jit-call"
    function: str = "main"
    opt_level: int = DEFAULT_OPT_LEVEL

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        result_types = _result_types(module, self.function)
        engine = JitEngine.from_module(module, opt_level=self.opt_level)
        slots = engine.call_c_interface(self.function, len(result_types))
        for index, (slot, type_) in enumerate(zip(slots, result_types)):
            print(f"result {index}: {decode_slot(slot, type_)}", file=output)


def _result_types(module: ModuleOp, name: str) -> tuple[Attribute, ...]:
    """The result types of `@name`; a ValueError (a diagnostic) when there is no such
    argument-less llvm.func."""
    functions = [op for op in module.ops if isinstance(op, llvm_dialect.FuncOp)]
    for op in functions:
        if op.sym_name.data == name:
            if op.function_type.inputs.data:
                raise ValueError(
                    f"-t jit-call calls @{name} without arguments, but it takes "
                    f"{len(op.function_type.inputs.data)}"
                )
            if op.body.blocks.first is None:
                raise ValueError(f"-t jit-call: @{name} is a declaration, not a function")
            output = op.function_type.output
            if isinstance(output, llvm_dialect.LLVMVoidType):
                return ()
            if isinstance(output, llvm_dialect.LLVMStructType):
                return tuple(output.types.data)
            return (output,)
    known = ", ".join(f"@{op.sym_name.data}" for op in functions) or "none"
    raise ValueError(
        f"-t jit-call: no llvm.func @{name} (llvm.funcs: {known}; "
        "run -p lower-to-llvm first, choose one with -t 'jit-call{function=NAME}')"
    )
