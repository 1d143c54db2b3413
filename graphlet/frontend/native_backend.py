"""The native execution backend of `graphlet.jit`: LLVM code called through ctypes.

A stopgap until `graphlet.runtime.native` lands: it lowers a clone of the captured
module (graphlet -> arith -> llvm, guards -> status results), compiles it with the
backend's `JitEngine`, and calls `_mlir_ciface_<symbol>(results*, args..., depth)`.
Slot 0 of the results is the status (0 = ok, else Python would raise or the answer
does not fit): the callable then raises `HandBack`. When the runtime module exists
its compiler is used instead.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable
from typing import Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute
from xdsl.passes import ModulePass

from graphlet.dialects import graphlet as g
from graphlet.dialects.pyrt import KIND_OF_STATUS
from graphlet.frontend.execution import HandBack

_C_TYPES: dict[Attribute, type] = {g.BOOL: ctypes.c_bool, g.INT: ctypes.c_int64, g.FLOAT: ctypes.c_double}


def _lowering_passes() -> list[ModulePass]:
    from graphlet.lowering.convert_guards_to_status import ConvertGuardsToStatusPass
    from graphlet.lowering.convert_pyrt_to_llvm import ConvertPyrtToLlvmPass
    from graphlet.lowering.lower_to_llvm import LOWER_TO_LLVM_PASSES
    from graphlet.registry import GRAPHLET_PASSES

    to_arith = GRAPHLET_PASSES["convert-graphlet-to-arith"]()()
    scf_to_cf, rest = LOWER_TO_LLVM_PASSES[:2], LOWER_TO_LLVM_PASSES[2:]
    return [to_arith, *scf_to_cf, ConvertGuardsToStatusPass(), ConvertPyrtToLlvmPass(), *rest]


class NativeBackend:
    """Lowers with graphlet's passes and runs LLVM code."""

    name = "native"

    def __init__(self) -> None:
        from graphlet.registry import make_context

        self._ctx = make_context()
        self._passes = _lowering_passes()

    def compile(
        self, module: ModuleOp, symbol: str, arg_types: tuple[Attribute, ...], return_type: Attribute
    ) -> Callable[..., Any]:
        from graphlet.backend.jit import JitEngine

        lowered = module.clone()
        for lowering in self._passes:
            lowering.apply(self._ctx, lowered)
        engine = JitEngine.from_module(lowered)
        # PYFUNCTYPE keeps the GIL: the kernels are short and it saves a release per call.
        prototype = ctypes.PYFUNCTYPE(None, ctypes.c_void_p, *(_C_TYPES[t] for t in arg_types), ctypes.c_int64)
        native = prototype(engine.c_interface_address(symbol))
        native.engine = engine
        layout = struct.Struct("<qd" if return_type == g.FLOAT else "<qq")
        as_bool = return_type == g.BOOL

        def call(*args: Any) -> Any:
            slots = ctypes.create_string_buffer(16)
            native(slots, *args, 0)
            status, value = layout.unpack(slots.raw)
            if status:
                raise HandBack(KIND_OF_STATUS.get(status, f"status {status}"))
            return bool(value) if as_bool else value

        call.engine = engine  # type: ignore[attr-defined]
        return call
