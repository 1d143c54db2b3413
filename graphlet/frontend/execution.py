"""Execution backends for `graphlet.jit`: how a captured module becomes a callable.

Captured functions take a trailing i64 call depth (0 from Python). A backend's
callable returns the function's value or raises `HandBack` when the
compiled code cannot give CPython's answer (Python would raise, an int does not fit
in 64 bits, a bail point was reached); the dispatcher then runs the plain function.

`native` (the default when the native backend is importable) has the driver
compile with `lower-to-llvm` and runs LLVM code; `interpreter` runs the captured IR through the
reference interpreter (exact, slow: for debugging and for platforms without LLVM).
`GRAPHLET_BACKEND=interpreter` selects it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from graphlet.runtime.jit_kernel import HandBack as HandBack

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Attribute


class ExecutionBackend(Protocol):
    name: str

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Attribute, ...],
        return_type: Attribute,
    ) -> Callable[..., Any]: ...


class InterpreterBackend:
    """Runs captured graphlet IR with the reference interpreter."""

    name = "interpreter"

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Attribute, ...],
        return_type: Attribute,
    ) -> Callable[..., Any]:
        from graphlet.dialects import graphlet as g
        from graphlet.dialects.pyrt import GuardFailure
        from graphlet.runtime.interpreter import make_interpreter

        interpreter = make_interpreter(module)

        def call(*args: Any) -> Any:
            try:
                (result,) = interpreter.call_op(symbol, (*args, 0))
            except (GuardFailure, ArithmeticError, ValueError) as e:
                raise HandBack(str(e)) from None
            if not g.fits(result, return_type):
                raise HandBack(f"result {result!r} does not fit {return_type}")
            return result

        return call


def default_backend() -> ExecutionBackend:
    """`GRAPHLET_BACKEND` if set, else native code when the native runtime exists."""
    choice = os.environ.get("GRAPHLET_BACKEND", "")
    if choice == "interpreter":
        return InterpreterBackend()
    try:
        from graphlet.frontend.native_backend import NativeBackend
    except ImportError:
        if choice == "native":
            raise
        return InterpreterBackend()
    return NativeBackend()
