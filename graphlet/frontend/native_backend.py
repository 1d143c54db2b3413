"""The native execution backend of `graphlet.jit`: LLVM code called through a CPython builtin.

It lowers a clone of the captured module with `lower-to-llvm` (graphlet -> arith ->
llvm, guards -> status results), compiles it with the backend's `JitEngine`, and wraps
`_mlir_ciface_<symbol>(results*, args..., depth)` in a builtin function
(`graphlet.backend.cpython_wrapper`). Unlike `graphlet.runtime.native`, which redoes a
failed call in the reference interpreter, a non-zero status here hands the call back to
the user's original Python function (`HandBack`), and the wrapper also checks the
version's global guards. The dispatcher binds the same wrapper as its own call path
(`entry`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute

from graphlet.dialects.pyrt import KIND_OF_STATUS
from graphlet.frontend.execution import HandBack

_NOTHING = object()


class NativeKernel:
    """Native code for one signature. Calling it returns the value or raises `HandBack`;
    `entry` makes the builtin the dispatcher calls directly. The wrapper (a JIT engine
    of its own) is built by `with_guards`, with the version's global guards compiled
    in, or else on first use, without guards."""

    def __init__(
        self, engine: Any, symbol: str, arg_types: tuple[Attribute, ...], return_type: Attribute
    ) -> None:
        self.engine = engine
        self.symbol = symbol
        self.arg_types = arg_types
        self.return_type = return_type
        self._guards: tuple[tuple[dict, str, object], ...] = ()
        self._absent: object = _NOTHING
        self._wrapper: Any = None
        self._run: Callable[..., Any] | None = None

    def with_guards(self, guards: Iterable[tuple[dict, str, object]], absent: object) -> None:
        """Check `namespace[name] is expected` (`absent`: no such name) on every call."""
        if self._wrapper is not None:
            raise RuntimeError("guards must be set before the kernel's first use")
        self._guards, self._absent = tuple(guards), absent
        self._build()

    @property
    def wrapper(self) -> Any:
        if self._wrapper is None:
            self._build()
        return self._wrapper

    def _build(self) -> Callable[..., Any]:
        from graphlet.backend.cpython_wrapper import compile_wrapper

        self._wrapper = compile_wrapper(
            self.engine,
            self.symbol,
            self.arg_types,
            (self.return_type,),
            guards=self._guards,
            absent=self._absent,
            trailing_args=(0,),  # call depth 0
            arena=True,  # then the call's list arena (graphlet.backend.lists)
        )
        self._run = self._wrapper.bind(_mismatch, _hand_back)
        return self._run

    @property
    def calls(self) -> int:
        """Calls that reached native code, through any binding."""
        return self._wrapper.calls if self._wrapper is not None else 0

    def entry(self, slow_path: Callable[..., Any], on_status: Callable[..., Any]) -> Any:
        return self.wrapper.bind(slow_path, on_status)

    def __call__(self, *args: Any) -> Any:
        return (self._run or self._build())(*args)

    @staticmethod
    def describe(status: int) -> str:
        return KIND_OF_STATUS.get(status, f"status {status}")


def _hand_back(status: int, *args: Any) -> Any:
    raise HandBack(NativeKernel.describe(status))


def _mismatch(*args: Any, **kwargs: Any) -> Any:
    raise HandBack("the arguments or guarded globals do not match the compiled version")


class NativeBackend:
    """Lowers with graphlet's passes and runs LLVM code."""

    name = "native"

    def __init__(self) -> None:
        from graphlet.registry import make_context

        self._ctx = make_context()
        from graphlet.lowering.lower_to_llvm import lower_to_llvm_passes

        self._passes = lower_to_llvm_passes()

    def compile(
        self,
        module: ModuleOp,
        symbol: str,
        arg_types: tuple[Attribute, ...],
        return_type: Attribute,
    ) -> NativeKernel:
        from graphlet.backend.jit import JitEngine

        lowered = module.clone()
        for lowering in self._passes:
            lowering.apply(self._ctx, lowered)
        return NativeKernel(JitEngine.from_module(lowered), symbol, arg_types, return_type)
