"""Native execution of graphlet modules, with CPython's answers guaranteed.

    from graphlet.runtime.native import compile_native
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
function; the JIT engine lives as long as any of its functions. `COMPILE`, `EXEC`
and `FALLBACK` are logged at DEBUG level on the `graphlet.runtime` logger.
"""

from __future__ import annotations

import ctypes
import logging
import operator
from collections.abc import Callable, Iterator
from time import perf_counter
from typing import Any

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter
from xdsl.ir import Attribute

from graphlet.dialects import graphlet as g
from graphlet.dialects.pyrt import KIND_OF_STATUS

logger = logging.getLogger("graphlet.runtime")

_C_TYPES: dict[Attribute, type] = {
    g.BOOL: ctypes.c_bool,
    g.INT: ctypes.c_int64,
    g.FLOAT: ctypes.c_double,
}
_PY_NAMES = {g.BOOL: "bool", g.INT: "int", g.FLOAT: "float"}


def _argument_converter(t: Attribute, fname: str, position: int) -> Callable[[Any], Any]:
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
        if not g.INT_MIN <= x <= g.INT_MAX:
            raise _TooBig
        return x

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

    return {g.INT: to_int, g.FLOAT: to_float, g.BOOL: to_bool}[t]


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

    def __new__(cls, *args: Any, **kwargs: Any) -> NativeFunction:
        own_class = type(
            cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
        return super().__new__(own_class)

    def __init__(
        self,
        owner: NativeModule,
        name: str,
        arg_types: tuple[Attribute, ...],
        result_types: tuple[Attribute, ...],
    ) -> None:
        from graphlet.backend.cpython_wrapper import make_fast_callable

        self.owner = owner  # keeps the JIT engine alive
        self.name = name
        self.arg_types = arg_types
        self.result_types = result_types
        self._arity = len(arg_types)
        self._converters = [_argument_converter(t, name, i + 1) for i, t in enumerate(arg_types)]
        self._native = make_fast_callable(
            owner.engine, name, arg_types, result_types, self._slow_call, on_status=self._on_status
        )
        type(self).__call__ = self._native

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
            return self.owner._fallback(self, args, "an int argument does not fit in i64")
        logger.debug("EXEC %s%r (converted arguments)", self.name, tuple(values))
        return self._native(*values)

    def _on_status(self, status: int, *args: Any) -> Any:
        return self.owner._fallback(self, args, KIND_OF_STATUS.get(status, f"status {status}"))


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
    attributes or items. Holds the JIT engine and the original module (for
    fallbacks); functions keep it alive."""

    def __init__(self, original: ModuleOp, engine: Any, signatures: dict[str, tuple]) -> None:
        self.original = original
        self.engine = engine
        self._interpreter: Interpreter | None = None
        self.functions: dict[str, NativeFunction] = {
            name: NativeFunction(self, name, args, results)
            for name, (args, results) in signatures.items()
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
        values = tuple(
            bool(v) if t == g.BOOL else v for v, t in zip(results, function.result_types)
        )
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


def native_signatures(module: ModuleOp) -> dict[str, tuple]:
    """(argument types, result types) of the functions that can be called natively:
    public, with a body, scalar (i1/i64/f64) arguments and results."""
    signatures = {}
    for op in module.ops:
        if not isinstance(op, func.FuncOp) or op.is_declaration:
            continue
        if op.sym_visibility is not None and op.sym_visibility.data != "public":
            continue
        args, results = op.function_type.inputs.data, op.function_type.outputs.data
        if all(t in _C_TYPES for t in (*args, *results)):
            signatures[op.sym_name.data] = (tuple(args), tuple(results))
    return signatures


def compile_native(
    module: ModuleOp, *, opt_level: int = 2, optimize: bool = True, ctx: Context | None = None
) -> NativeModule:
    """Compile `module` (graphlet/func/arith/scf/cf ops; not modified) to native code,
    taking its LLVM IR from the on-disk cache when it was lowered before. Raises
    what the passes raise (`DiagnosticException`, `VerifyException`) when the
    module cannot be lowered."""
    from graphlet.backend.cache import cached_lowering
    from graphlet.backend.jit import JitEngine
    from graphlet.backend.llvm_ir import translate_module
    from graphlet.lowering.lower_to_llvm import LowerToLLVMPass
    from graphlet.registry import make_context
    from graphlet.transforms.graphlet_optimize import GraphletOptimizePass

    ctx = ctx or make_context()
    timings: dict[str, float] = {}
    original = module.clone()

    def lower() -> tuple[str, dict[str, Any]]:
        start = perf_counter()
        lowered = module.clone()
        if optimize:
            GraphletOptimizePass().apply(ctx, lowered)
        timings["optimize"] = perf_counter() - start
        start = perf_counter()
        LowerToLLVMPass().apply(ctx, lowered)
        lowered.verify()
        timings["lower"] = perf_counter() - start
        start = perf_counter()
        llvm_ir = str(translate_module(lowered))
        timings["translate"] = perf_counter() - start
        return llvm_ir, {}

    start = perf_counter()
    lowering = cached_lowering(
        original, "lower-to-llvm", {"optimize": optimize, "opt_level": opt_level}, lower
    )
    if lowering.hit:
        timings["cache"] = perf_counter() - start
    start = perf_counter()
    engine = JitEngine(lowering.llvm_ir, opt_level=opt_level)
    timings["jit"] = perf_counter() - start
    native = NativeModule(original, engine, native_signatures(original))
    if logger.isEnabledFor(logging.DEBUG):
        stages = {**timings, **{f"jit.{k}": v for k, v in engine.timings.items()}}
        logger.debug(
            "COMPILE %s: %s",
            ", ".join(native.functions) or "(no functions)",
            ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in stages.items()),
        )
    return native


def compile_native_source(text: str, filename: str = "<string>", **options: Any) -> NativeModule:
    """`compile_native` of IR text (graphlet's textual format)."""
    from graphlet.registry import make_context
    from graphlet.tools.diagnostics import LocatingParser

    ctx = make_context()
    module = LocatingParser(ctx, text, filename).parse_module()
    module.verify()
    return compile_native(module, ctx=ctx, **options)


def compile_graph_function(module: ModuleOp, name: str) -> NativeFunction:
    """The native callable of function `name` of `module` (what the builder's
    `Compiler(target="native")` attaches to a graph); it keeps its engine alive."""
    native = compile_native(module)
    if name not in native.functions:
        raise ValueError(
            f"@{name} cannot be called natively: only public functions with i1/i64/f64 "
            "arguments and results can"
        )
    return native.functions[name]
