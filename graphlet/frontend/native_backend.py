"""The native execution backend of `graphlet.jit`: the driver compiles a captured
module (`lower-to-llvm`, like every scalar entry point), the runtime's `NativeKernel`
calls it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphlet import abi
from graphlet.runtime.jit_kernel import NativeKernel

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Attribute


class NativeBackend:
    """Lowers with graphlet's passes and runs LLVM code."""

    name = "native"

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Attribute, ...],
        return_type: Attribute,
    ) -> NativeKernel:
        from graphlet import driver

        artifact = driver.compile(module, "lower-to-llvm")
        signature = artifact.signatures[symbol]
        assert isinstance(signature, abi.ScalarSignature)
        return NativeKernel(
            artifact, symbol, signature.args[: len(arg_types)], signature.results[0]
        )
