"""LLVM IR -> native code in this process, through llvmlite's MCJIT.

`JitEngine` parses and verifies the IR, optimizes it with LLVM's new pass
manager for the host CPU (name and features), and code-generates it with MCJIT.
MCJIT takes ownership of its TargetMachine, and sharing one between engines
crashes when an engine is collected, so every engine gets a fresh one. Function
addresses stay valid only while their engine lives: `JitEngine.function` ties
the ctypes function to its engine, and callers that keep raw addresses must keep
the engine.

Stage timings are logged at DEBUG level on the `graphlet.backend` logger.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter
from typing import IO

import llvmlite.binding as llvm
from xdsl.context import Context
from xdsl.dialects import llvm as llvm_dialect
from xdsl.dialects.builtin import AnyFloat, IntegerType, ModuleOp
from xdsl.ir import Attribute
from xdsl.utils.target import Target

from graphlet.backend.llvm_ir import translate_module

logger = logging.getLogger("graphlet.backend")

DEFAULT_OPT_LEVEL = 2
C_INTERFACE_PREFIX = "_mlir_ciface_"

_native_initialized = False


def _initialize_native_target() -> None:
    global _native_initialized
    if not _native_initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _native_initialized = True


def host_target_machine(opt_level: int) -> llvm.TargetMachine:
    """A new TargetMachine for this CPU, with all its features enabled."""
    _initialize_native_target()
    target = llvm.Target.from_triple(llvm.get_process_triple())
    return target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=opt_level,
        codemodel="jitdefault",
        jit=True,
    )


def _check_external_symbols(module: llvm.ModuleRef) -> None:
    """MCJIT does not report a declaration it cannot resolve: the call jumps to
    nowhere. Fail here instead, naming the symbols (after loading graphlet's own
    runtime library if the module calls it)."""
    from graphlet.backend import arrays, lists

    lists.provide_symbols(module)
    arrays.provide_symbols(module)
    process = ctypes.CDLL(None)
    missing = [
        f.name
        for f in module.functions
        if f.is_declaration
        and not f.name.startswith("llvm.")
        and not llvm.address_of_symbol(f.name)
        and not hasattr(process, f.name)
    ]
    if missing:
        raise LookupError(f"external functions not found in this process: {', '.join(missing)}")


@contextmanager
def _timed(stage: str, timings: dict[str, float]) -> Iterator[None]:
    start = perf_counter()
    yield
    timings[stage] = perf_counter() - start


class JitEngine:
    """Native code for one LLVM module, alive as long as this object is."""

    def __init__(self, llvm_ir: str, *, opt_level: int = DEFAULT_OPT_LEVEL) -> None:
        if opt_level not in (0, 1, 2, 3):
            raise ValueError(f"opt_level must be 0..3, got {opt_level}")
        self.opt_level = opt_level
        self.timings: dict[str, float] = {}
        _initialize_native_target()
        with _timed("parse+verify", self.timings):
            module = llvm.parse_assembly(llvm_ir)
            module.verify()
            _check_external_symbols(module)
        with _timed("optimize", self.timings):
            optimizing_machine = host_target_machine(opt_level)
            module.triple = llvm.get_process_triple()
            module.data_layout = str(optimizing_machine.target_data)
            if opt_level > 0:
                tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
                tuning.slp_vectorization = opt_level >= 2
                pass_builder = llvm.create_pass_builder(optimizing_machine, tuning)
                pass_builder.getModulePassManager().run(module, pass_builder)
        with _timed("codegen", self.timings):
            self._engine = llvm.create_mcjit_compiler(module, host_target_machine(opt_level))
            self._engine.finalize_object()
        self._module = module
        logger.debug(
            "jit -O%d: %s",
            opt_level,
            ", ".join(f"{stage} {seconds * 1e3:.1f} ms" for stage, seconds in self.timings.items()),
        )

    @classmethod
    def from_module(cls, module: ModuleOp, *, opt_level: int = DEFAULT_OPT_LEVEL) -> JitEngine:
        """Compiles an llvm-dialect module (the output of `lower-to-llvm`)."""
        start = perf_counter()
        llvm_ir = str(translate_module(module))
        translate_seconds = perf_counter() - start
        engine = cls(llvm_ir, opt_level=opt_level)
        engine.timings = {"translate": translate_seconds, **engine.timings}
        logger.debug("translate to LLVM IR: %.1f ms", translate_seconds * 1e3)
        return engine

    def address(self, name: str) -> int:
        """The address of function `name`; valid while this engine is alive."""
        address = self._engine.get_function_address(name)
        if not address:
            raise KeyError(f"no function named {name!r} in the compiled module")
        return address

    def c_interface_address(self, name: str) -> int:
        """The address of `_mlir_ciface_<name>(results*, args...)` (see
        `convert-func-to-llvm` for the slot layout)."""
        return self.address(C_INTERFACE_PREFIX + name)

    def function(self, name: str, restype: type | None, *argtypes: type) -> ctypes._CFuncPtr:
        """A ctypes callable for `name`, holding a reference to this engine."""
        prototype = ctypes.CFUNCTYPE(restype, *argtypes)
        callable_ = prototype(self.address(name))
        callable_.engine = self
        return callable_

    def call_c_interface(
        self, name: str, result_count: int, *args: ctypes._SimpleCData
    ) -> list[bytes]:
        """Calls `_mlir_ciface_<name>` with ctypes-typed `args`; returns the raw
        8-byte result slots (decode them with `decode_slot`)."""
        slots = (ctypes.c_uint64 * max(result_count, 1))()
        prototype = ctypes.CFUNCTYPE(None, ctypes.c_void_p, *(type(a) for a in args))
        prototype(self.c_interface_address(name))(ctypes.addressof(slots), *args)
        return [bytes(ctypes.c_uint64(slots[i])) for i in range(result_count)]

    @property
    def optimized_ir(self) -> str:
        return str(self._module)


def decode_slot(slot: bytes, type_: Attribute) -> int | float | bool:
    """The Python value of one C-interface result slot of MLIR type `type_`."""
    if isinstance(type_, IntegerType):
        value = int.from_bytes(slot, "little", signed=True)
        return bool(value) if type_.width.data == 1 else value
    if isinstance(type_, AnyFloat):
        return ctypes.c_double.from_buffer_copy(slot).value
    raise TypeError(f"no C-interface slot decoding for {type_}")


def compile_module(module: ModuleOp, *, opt_level: int = DEFAULT_OPT_LEVEL) -> JitEngine:
    return JitEngine.from_module(module, opt_level=opt_level)


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
    for op in module.ops:
        if isinstance(op, llvm_dialect.FuncOp) and op.sym_name.data == name:
            output = op.function_type.output
            if isinstance(output, llvm_dialect.LLVMVoidType):
                return ()
            if isinstance(output, llvm_dialect.LLVMStructType):
                return tuple(output.types.data)
            return (output,)
    raise KeyError(f"no llvm.func named {name!r}")
