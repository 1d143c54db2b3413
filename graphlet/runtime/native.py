"""Native execution of graphlet modules, with CPython's answers guaranteed.

    from graphlet.driver import compile_native
    native = compile_native(module)      # graphlet-optimize -> lower-to-llvm -> LLVM JIT
    native.sum_to(100)                   # or native["sum_to"](100); -> 4950
    native.f(2**62, 4)                   # overflow: redone in Python -> 18446744073709551616
    native.f(1, 0)                       # ZeroDivisionError: integer division or modulo by zero

Every public `func.func` whose arguments and results are `i1`/`i64`/`f64` becomes a
`NativeFunction`: call it with Python scalars (`bool`, `int`, `float`; an `int` is
accepted for an `f64`), get a value, a tuple (several results) or None (none).
Native code returns a status (see `convert-guards-to-status`); when it is non-zero
(Python would raise, or the answer does not fit 64 bits), or when an int argument
does not fit in i64, the call is redone by the reference interpreter on the module
*as given* (before any pass), so the caller sees CPython's exception and message, or
CPython's big int. The ctypes prototype and result buffer are built once per
function; the compiled code lives as long as any of its functions. `EXEC` and
`FALLBACK` are logged at DEBUG level on the `graphlet.runtime` logger (`COMPILE` on
`graphlet.driver`).
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Iterator
from time import perf_counter
from typing import TYPE_CHECKING, Any

from graphlet import abi

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.interpreter import Interpreter

logger = logging.getLogger("graphlet.runtime")

_PY_NAMES = {name: t.__name__ for name, t in abi.PYTHON_TYPES.items()}


def _argument_converter(t: str, fname: str, position: int) -> Callable[[Any], Any]:
    """A function turning a Python argument into the value native code takes; raises
    TypeError as CPython does for a wrong type, and `_TooBig` for an int past i64."""
    where = f"{fname}() argument {position}"

    def to_int(x: Any) -> int:
        if type(x) is not int:
            if isinstance(x, float):
                raise TypeError(f"{where} must be int, not float")
            try:
                x = operator.index(x)  # bool, numpy ints
            except TypeError:
                raise TypeError(f"{where} must be int, not {type(x).__name__}") from None
            x = int(x)
        if not abi.INT_MIN <= x <= abi.INT_MAX:
            raise _TooBig
        return int(x)

    def to_float(x: Any) -> float:
        if type(x) is float:
            return x
        if isinstance(x, float | int):  # float(2**1100) raises OverflowError, as in Python
            return float(x)
        raise TypeError(f"{where} must be real number, not {type(x).__name__}")

    def to_bool(x: Any) -> bool:
        if type(x) is bool:
            return x
        if type(x).__name__ == "bool_":  # numpy.bool_
            return bool(x)
        raise TypeError(f"{where} must be bool, not {type(x).__name__}")

    return {"i64": to_int, "f64": to_float, "i1": to_bool}[t]


class _TooBig(Exception):
    """An int argument past i64: only Python can run the call."""


class NativeFunction:
    """One compiled function: `f(*args)` runs natively, falling back to the
    reference interpreter for Python's exceptions and big ints.

    Each instance has a class of its own whose `__call__` is the builtin from
    `graphlet.backend.cpython_wrapper`: exactly-typed calls go from the caller straight
    into native code (no Python frame, no ctypes). Everything else reaches `_slow_call`:
    CPython's TypeError for a bad call, conversions (an int for an f64), ints past
    64 bits; a non-zero status reaches `_on_status`, which redoes the call in Python."""

    __call__: Callable[..., Any]
    """The bound builtin, set on the instance's own class by `__init__`."""

    def __new__(cls, *args: Any, **kwargs: Any) -> NativeFunction:
        own_class = type(
            cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
        return super().__new__(own_class)

    def __init__(self, owner: NativeModule, signature: abi.ScalarSignature) -> None:
        self.owner = owner  # keeps the compiled code alive
        self.name = name = signature.name
        self.arg_types = signature.args
        self.result_types = signature.results
        self._arity = len(self.arg_types)
        self._converters = [
            _argument_converter(t, name, i + 1) for i, t in enumerate(self.arg_types)
        ]
        self._fallbacks = 0
        self._wrapper = fast_wrapper(owner.artifact.engine, signature)
        self._native = self._wrapper.bind(self._slow_call, self._on_status)
        type(self).__call__ = self._native  # type: ignore[method-assign]

    @property
    def calls(self) -> int:
        """Calls that reached native code (whatever their status)."""
        calls: int = self._wrapper.calls
        return calls

    @property
    def fallbacks(self) -> int:
        """Calls redone in Python: a non-zero status, or an int argument past i64."""
        return self._fallbacks

    def __repr__(self) -> str:
        args = ", ".join(_PY_NAMES[t] for t in self.arg_types)
        results = ", ".join(_PY_NAMES[t] for t in self.result_types)
        return f"<native function {self.name}({args}) -> ({results})>"

    def _slow_call(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"{self.name}() takes no keyword arguments")
        if len(args) != self._arity:
            raise TypeError(_arity_message(self.name, self._arity, len(args)))
        try:
            values = [convert(a) for convert, a in zip(self._converters, args)]
        except _TooBig:
            self._fallbacks += 1
            return self.owner._fallback(self, args, "an int argument does not fit in i64")
        logger.debug("EXEC %s%r (converted arguments)", self.name, tuple(values))
        return self._native(*values)

    def _on_status(self, status: int, *args: Any) -> Any:
        self._fallbacks += 1
        return self.owner._fallback(self, args, abi.describe_status(status))


def fast_wrapper(
    engine: Any,
    signature: abi.ScalarSignature,
    guards: Any = (),
    absent: object = None,
) -> Any:
    """The `CompiledWrapper` of `signature`'s function: the one compiled with it
    (`signature.fastcall`), or else one compiled now."""
    from graphlet.backend import cpython_wrapper

    options: dict[str, Any] = {"guards": guards}
    if absent is not None:
        options["absent"] = absent
    if signature.fastcall:
        return cpython_wrapper.CompiledWrapper(
            engine,
            cpython_wrapper.fastcall_symbol(signature.name),
            signature.args,
            signature.results,
            name=signature.name,
            **options,
        )
    trailing = abi.CALL_DEPTH_ARGS if signature.call_depth else ()
    return cpython_wrapper.compile_wrapper(
        engine,
        signature.name,
        signature.args,
        signature.results,
        trailing_args=trailing,
        python_depth=signature.call_depth,
        arena=signature.arena,
        **options,
    )


def _arity_message(name: str, expected: int, given: int) -> str:
    """CPython's wording for a plain function with positional parameters."""
    if given < expected:
        missing = expected - given
        return (
            f"{name}() missing {missing} required positional argument{'s' if missing > 1 else ''}"
        )
    plural = "s" if expected != 1 else ""
    return (
        f"{name}() takes {expected} positional argument{plural} but {given} "
        f"{'was' if given == 1 else 'were'} given"
    )


class NativeModule:
    """A module compiled to native code: `.functions` by name, also reachable as
    attributes or items. Holds the compiled code (a `graphlet.driver.Artifact`) and
    the original module (for fallbacks); functions keep it alive."""

    def __init__(self, original: ModuleOp, artifact: Any) -> None:
        self.original = original
        self.artifact = artifact
        self.engine = artifact.engine
        self._interpreter: Interpreter | None = None
        self.functions: dict[str, NativeFunction] = {
            s.name: NativeFunction(self, s)
            for s in artifact.signatures.values()
            if isinstance(s, abi.ScalarSignature)
        }

    def __getitem__(self, name: str) -> NativeFunction:
        try:
            return self.functions[name]
        except KeyError:
            known = ", ".join(sorted(self.functions)) or "none"
            raise KeyError(f"no native function {name!r} (compiled: {known})") from None

    def __getattr__(self, name: str) -> NativeFunction:
        if name.startswith("_") or name in ("functions", "original", "engine"):
            raise AttributeError(name)
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(f"no native function {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.functions)

    def interpret(self, name: str, args: tuple[Any, ...] | list[Any]) -> Any:
        """The reference interpreter's answer for `name(*args)`, shaped like a native
        call's (value, tuple or None); raises what CPython raises."""
        from graphlet.runtime.interpreter import make_interpreter

        if self._interpreter is None:
            self._interpreter = make_interpreter(self.original)
        function = self[name]
        try:
            results = self._interpreter.call_op(name, tuple(args))
        except Exception as e:  # CPython's own exception: drop the interpreter's frames
            raise e.with_traceback(None) from None
        values = tuple(bool(v) if t == "i1" else v for v, t in zip(results, function.result_types))
        if not values:
            return None
        return values[0] if len(values) == 1 else values

    def _fallback(self, function: NativeFunction, args: Any, reason: str) -> Any:
        start = perf_counter()
        try:
            return self.interpret(function.name, tuple(args))
        finally:
            logger.debug(
                "FALLBACK %s%r (%s): interpreted in %.1f ms",
                function.name,
                tuple(args),
                reason,
                (perf_counter() - start) * 1e3,
            )
