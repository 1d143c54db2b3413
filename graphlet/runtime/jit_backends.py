"""How `graphlet.jit` runs a captured module, besides native code: the execution
backend protocol and the interpreter backend.

Captured functions take a trailing i64 call depth (0 from Python) and the call's
list arena (a pointer, see `graphlet.backend.lists`). Arguments and the result are
described by value specs (`graphlet.backend.pyvalues`: "i64", ("tuple", ...), ...).
A backend's callable returns the function's value or raises `HandBack` when the
compiled code cannot give CPython's answer (Python would raise, an int does not fit
in 64 bits, a bail point was reached); the dispatcher then runs the plain function.

`interpreter` runs the captured IR through the reference interpreter (exact, slow:
for debugging and for platforms without LLVM); `native`, the default, is the driver's
(`graphlet.driver.jit`, which picks between them: `GRAPHLET_BACKEND=interpreter`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from graphlet import abi
from graphlet.abi import HandBack as HandBack
from graphlet.runtime.jit_kernel import unbox_result

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp


class ExecutionBackend(Protocol):
    name: str

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Any, ...],
        return_type: Any,
    ) -> Callable[..., Any]: ...


def flatten_value(spec: Any, value: Any) -> list[Any]:
    """The flat arguments of a Python value described by `spec`."""
    if isinstance(spec, str):
        return [value]
    kind = spec[0]
    if kind == "complex":
        return [value.real, value.imag]
    if kind == "const":
        return []
    if kind == "tuple":
        return [flat for item, v in zip(spec[1], value) for flat in flatten_value(item, v)]
    raise NotImplementedError(f"the interpreter backend does not run {kind} values")


def unflatten_value(spec: Any, values: Iterator[Any]) -> Any:
    """The Python value described by `spec` from the flat results; HandBack for a
    scalar that does not fit its type (`graphlet.runtime.jit_kernel.unbox_result`)."""
    return unbox_result(spec, values)


def _has_lists(spec: Any) -> bool:
    if isinstance(spec, str):
        return False
    if spec[0] == "list":
        return True
    return spec[0] in ("tuple", "union") and any(_has_lists(item) for item in spec[1])


_MEMORY = ("pylist.", "pyarray.")
"""The dialects of native lists and arrays, which the reference interpreter has no
implementations of."""


class InterpreterBackend:
    """Runs captured graphlet IR with the reference interpreter (scalars, tuples,
    complex numbers and compile-time constants; not lists)."""

    name = "interpreter"

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Any, ...],
        return_type: Any,
    ) -> Callable[..., Any]:
        from graphlet.dialects.graphlet import UnrepresentableResult
        from graphlet.dialects.pyrt import GuardFailure
        from graphlet.runtime.interpreter import make_interpreter

        if any(_has_lists(spec) for spec in (*arg_types, return_type)):
            raise NotImplementedError("the interpreter backend does not run lists")
        memory = next((op.name for op in module.walk() if op.name.startswith(_MEMORY)), None)
        if memory is not None:  # a list or array made inside the call
            raise NotImplementedError(f"the interpreter backend does not run {memory}")
        interpreter = make_interpreter(module)

        def call(*args: Any) -> Any:
            flat = [v for spec, arg in zip(arg_types, args) for v in flatten_value(spec, arg)]
            try:
                results = interpreter.call_op(symbol, (*flat, *abi.CALL_DEPTH_ARGS, None))
            except (GuardFailure, ArithmeticError, ValueError, UnrepresentableResult) as e:
                raise HandBack(str(e)) from None
            return unflatten_value(return_type, iter(results))

        return call
