"""LLVM IR -> native code in this process, through llvmlite's MCJIT; or machine code
compiled before, loaded as it is.

`JitEngine(llvm_ir)` parses and verifies the IR, optimizes it with LLVM's new pass
manager for the host CPU (name and features), and code-generates it with MCJIT,
keeping the relocatable object MCJIT produced (`object_code`).
`JitEngine.load(object_code)` links such an object into a new engine: no parsing,
no optimisation, no code generation (about a millisecond). MCJIT takes ownership of
its TargetMachine, and sharing one between engines crashes when an engine is
collected, so every engine gets a fresh one. Function addresses stay valid only
while their engine lives: `JitEngine.function` ties the ctypes function to its
engine, and callers that keep raw addresses must keep the engine.

Stage timings are logged at DEBUG level on the `graphlet.backend` logger. This module
imports no xDSL: loading cached code needs none.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from time import perf_counter
from typing import TYPE_CHECKING, Any

import llvmlite.binding as llvm

from graphlet import abi

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Attribute

logger = logging.getLogger("graphlet.backend")

DEFAULT_OPT_LEVEL = 2
C_INTERFACE_PREFIX = abi.C_INTERFACE_PREFIX

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


def missing_symbols(names: Sequence[str]) -> list[str]:
    """The external functions among `names` that this process cannot resolve."""
    process = ctypes.CDLL(None)
    return [
        name
        for name in names
        if not name.startswith("llvm.")
        and not llvm.address_of_symbol(name)
        and not hasattr(process, name)
    ]


def _is_called(name: str, llvm_ir: str) -> bool:
    """Whether the module refers to `name` beyond its declaration (an unused
    declaration need not resolve: MCJIT never links it)."""
    return len(re.findall(rf'@"?{re.escape(name)}"?(?![\w.$"])', llvm_ir)) > 1


def _check_external_symbols(names: Sequence[str]) -> None:
    """MCJIT does not report a declaration it cannot resolve: the call jumps to
    nowhere. Fail here instead, naming the symbols (after loading graphlet's own
    runtime library if the code calls it)."""
    from graphlet.backend import arrays, lists, regions

    lists.provide_symbols(names)
    arrays.provide_symbols(names)
    regions.provide_symbols(names)
    missing = missing_symbols(names)
    if missing:
        raise LookupError(f"external functions not found in this process: {', '.join(missing)}")


def embeds_addresses(llvm_ir: str) -> bool:
    """Whether code refers to something of this process by address (a constant
    `inttoptr`, as a CPython wrapper of a string constant has): such code must not
    outlive the process."""
    return any(not part.startswith("0 ") for part in llvm_ir.split("inttoptr (i64 ")[1:])


@contextmanager
def _timed(stage: str, timings: dict[str, float]) -> Iterator[None]:
    start = perf_counter()
    yield
    timings[stage] = perf_counter() - start


class JitEngine:
    """Native code for one LLVM module, alive as long as this object is."""

    object_code: bytes
    """The relocatable machine code of the module, as MCJIT generated it."""
    external_symbols: tuple[str, ...]
    """The functions the code calls that the module only declares."""

    def __init__(self, llvm_ir: str, *, opt_level: int = DEFAULT_OPT_LEVEL) -> None:
        if opt_level not in (0, 1, 2, 3):
            raise ValueError(f"opt_level must be 0..3, got {opt_level}")
        self.opt_level = opt_level
        self.timings: dict[str, float] = {}
        _initialize_native_target()
        with _timed("parse+verify", self.timings):
            module = llvm.parse_assembly(llvm_ir)
            module.verify()
            self.external_symbols = tuple(f.name for f in module.functions if f.is_declaration)
            _check_external_symbols([n for n in self.external_symbols if _is_called(n, llvm_ir)])
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
            objects: list[bytes] = []
            self._engine = llvm.create_mcjit_compiler(module, host_target_machine(opt_level))
            self._engine.set_object_cache(lambda _module, data: objects.append(data))
            self._engine.finalize_object()
        self.object_code = objects[0] if objects else b""
        self._module: llvm.ModuleRef | None = module
        logger.debug(
            "jit -O%d: %s",
            opt_level,
            ", ".join(f"{stage} {seconds * 1e3:.1f} ms" for stage, seconds in self.timings.items()),
        )

    @classmethod
    def load(cls, object_code: bytes, external_symbols: Sequence[str] = ()) -> JitEngine:
        """An engine running `object_code` (the `object_code` of an engine for this
        CPU): links it into memory without optimizing or generating code."""
        engine = cls.__new__(cls)
        engine.opt_level = -1
        engine.timings = {}
        engine.object_code = object_code
        engine.external_symbols = tuple(external_symbols)
        with _timed("load", engine.timings):
            _check_external_symbols(engine.external_symbols)
            engine._engine = llvm.create_mcjit_compiler(
                llvm.parse_assembly(""), host_target_machine(0)
            )
            engine._engine.add_object_file(llvm.ObjectFileRef.from_data(object_code))
            engine._engine.finalize_object()
        engine._module = None
        return engine

    @classmethod
    def from_module(cls, module: ModuleOp, *, opt_level: int = DEFAULT_OPT_LEVEL) -> JitEngine:
        """Compiles an llvm-dialect module (the output of `lower-to-llvm`)."""
        from graphlet.backend.llvm_ir import translate_module

        start = perf_counter()
        llvm_ir = str(translate_module(module))
        translate_seconds = perf_counter() - start
        engine = cls(llvm_ir, opt_level=opt_level)
        engine.timings = {"translate": translate_seconds, **engine.timings}
        logger.debug("translate to LLVM IR: %.1f ms", translate_seconds * 1e3)
        return engine

    def address(self, name: str) -> int:
        """The address of function `name`; valid while this engine is alive."""
        address = int(self._engine.get_function_address(name))
        if not address:
            raise KeyError(f"no function named {name!r} in the compiled module")
        return address

    def global_address(self, name: str) -> int:
        """The address of global variable `name`; valid while this engine is alive."""
        address = int(self._engine.get_global_value_address(name))
        if not address:
            raise KeyError(f"no global named {name!r} in the compiled module")
        return address

    def c_interface_address(self, name: str) -> int:
        """The address of `_mlir_ciface_<name>(results*, args...)` (see `graphlet.abi`
        for the slot layout)."""
        return self.address(abi.c_interface_symbol(name))

    def function(self, name: str, restype: type | None, *argtypes: type) -> Any:
        """A ctypes callable for `name`, holding a reference to this engine."""
        prototype = ctypes.CFUNCTYPE(restype, *argtypes)
        callable_ = prototype(self.address(name))
        callable_.engine = self  # type: ignore[attr-defined]
        return callable_

    def call_c_interface(
        self, name: str, result_count: int, *args: ctypes._SimpleCData[Any]
    ) -> list[bytes]:
        """Calls `_mlir_ciface_<name>` with ctypes-typed `args`; returns the raw
        8-byte result slots (decode them with `decode_slot`)."""
        slots = (ctypes.c_uint64 * max(result_count, 1))()
        prototype = ctypes.CFUNCTYPE(None, ctypes.c_void_p, *(type(a) for a in args))
        prototype(self.c_interface_address(name))(ctypes.addressof(slots), *args)
        return [bytes(ctypes.c_uint64(slots[i])) for i in range(result_count)]

    @property
    def optimized_ir(self) -> str:
        if self._module is None:
            raise ValueError("an engine loaded from machine code has no LLVM IR")
        return str(self._module)


def decode_slot(slot: bytes, type_: Attribute | str) -> int | float | bool:
    """The Python value of one C-interface result slot of type `type_` (an MLIR type,
    or its name: "i1", "i64", "f64")."""
    name = type_ if isinstance(type_, str) else _slot_kind(type_)
    if name == "f64":
        return ctypes.c_double.from_buffer_copy(slot).value
    value = int.from_bytes(slot, "little", signed=True)
    return bool(value) if name == "i1" else value


def _slot_kind(type_: Attribute) -> str:
    from xdsl.dialects.builtin import AnyFloat, IntegerType

    if isinstance(type_, IntegerType):
        return "i1" if type_.width.data == 1 else "i64"
    if isinstance(type_, AnyFloat):
        return "f64"
    raise TypeError(f"no C-interface slot decoding for {type_}")


def compile_module(module: ModuleOp, *, opt_level: int = DEFAULT_OPT_LEVEL) -> JitEngine:
    return JitEngine.from_module(module, opt_level=opt_level)
