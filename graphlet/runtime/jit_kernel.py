"""The native code of one `@jit` version: LLVM code called through a CPython builtin.

`NativeKernel` calls `_mlir_ciface_<symbol>(results*, args..., depth, arena)` of a
compiled artifact through the builtin function compiled with it
(`graphlet.backend.cpython_wrapper`). Unlike
`graphlet.runtime.native`, which redoes a failed call in the reference interpreter,
a non-zero status here hands the call back to the user's original Python function
(`HandBack`), and the wrapper also checks the version's global guards. The dispatcher
binds the same wrapper as its own call path (`entry`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from graphlet import abi
from graphlet.abi import HandBack as HandBack

_NOTHING = object()


def unbox_result(spec: Any, values: Iterator[Any]) -> Any:
    """The Python value of result `spec` from flat results computed in Python (the
    reference interpreter, the emitted module): `python_memory.box_result`, with
    HandBack for a scalar that does not fit its type."""
    from graphlet.backend.python_memory import ResultDoesNotFit, box_result

    try:
        return box_result(spec, values)
    except ResultDoesNotFit as e:
        raise HandBack(str(e)) from None


class NativeKernel:
    """Native code for one signature. Calling it returns the value or raises `HandBack`;
    `entry` makes the builtin the dispatcher calls directly. The wrapper (compiled
    with the kernel, see `graphlet.backend.cpython_wrapper`) gets the version's global
    guards from `with_guards`, or none if it is used first. `arg_types` and
    `return_type` are value specs ("i1", "i64", "f64", see `graphlet.backend.pyvalues`)."""

    def __init__(self, artifact: Any, symbol: str) -> None:
        self.artifact = artifact
        self.engine = artifact.engine
        self.symbol = symbol
        self.signature: abi.ScalarSignature = artifact.signatures[symbol]
        self.arg_types = self.signature.args
        (self.return_type,) = self.signature.results
        self._guards: tuple[tuple[Any, str, object], ...] = ()
        self._absent: object = _NOTHING
        self._wrapper: Any = None
        self._run: Callable[..., Any] | None = None

    def with_guards(self, guards: Iterable[tuple[Any, str, object]], absent: object) -> None:
        """Check `namespace[name] is expected` (`absent`: no such name; for a function,
        its `__code__` or `__defaults__`) on every call."""
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
        from graphlet.runtime.native import fast_wrapper

        self._wrapper = fast_wrapper(self.engine, self.signature, self._guards, self._absent)
        self._run = self._wrapper.bind(_mismatch, _hand_back)
        return self._run

    @property
    def calls(self) -> int:
        """Calls that reached native code, through any binding."""
        return self._wrapper.calls if self._wrapper is not None else 0

    def entry(
        self,
        slow_path: Callable[..., Any],
        on_status: Callable[..., Any],
        hand_back: Callable[..., Any] | None = None,
    ) -> Any:
        """The builtin the dispatcher installs: a non-zero status calls `hand_back`
        (the user's function) from native code, or `on_status` (see
        `CompiledWrapper.hand_back_directly`)."""
        return self.wrapper.bind(slow_path, on_status, hand_back)

    @property
    def handbacks(self) -> int:
        """Calls whose native code handed back, through any binding."""
        return self._wrapper.handbacks if self._wrapper is not None else 0

    def __call__(self, *args: Any) -> Any:
        return (self._run or self._build())(*args)

    @staticmethod
    def describe(status: int) -> str:
        """Why a call with this status handed back, in words."""
        return abi.explain_status(status)


def _hand_back(status: int, *args: Any) -> Any:
    from graphlet.backend import regions  # light: the dispatcher imports this module

    if regions.is_region_status(status):  # the call ended in CPython after a region break
        return regions.finish(status)
    raise HandBack(NativeKernel.describe(status))


def _mismatch(*args: Any, **kwargs: Any) -> Any:
    raise HandBack("the arguments or guarded globals do not match the compiled version")
