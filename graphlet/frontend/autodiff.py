"""`graphlet.grad` and `graphlet.value_and_grad`: gradients of Python functions,
compiled natively through the `graphlet-autodiff` pass.

    dfdx = graphlet.grad(f)                     # df/d(first argument)
    value, (dx, dy) = graphlet.value_and_grad(f, argnums=(0, 1))(x, y)

A function of Python floats is captured by the bytecode frontend (the `@jit`
one: loops and branches included, the pass carries tangents through them; the Python
functions it calls are inlined, recursive ones are an error), a
function of NumPy arrays by the tracer (`trace_graph`: straight-line, reverse mode).
Each new signature (argument types; arrays' shapes and dtypes; the values of the
Python numbers passed beside arrays) compiles once. The gradient always runs as
native code: there is no Python fallback that could compute it, so what cannot be
compiled raises `AutodiffError` naming the line, and a native call that would raise
(a division by zero) re-runs the function in Python to raise Python's own error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException

__all__ = ["AutodiffError", "GradFunction", "grad", "value_and_grad"]


class AutodiffError(ValueError):
    """A function graphlet cannot differentiate: where, and why."""


@dataclass
class _Version:
    call: Callable[..., Any]
    module: ModuleOp
    native_calls: Callable[[], int]
    guards: tuple[Any, ...] = ()
    """What the capture read (globals, the functions' code): changed, it compiles again."""

    def valid(self) -> bool:
        return all(guard.holds() for guard in self.guards)


class GradFunction:
    """The gradient (with `with_value`, the value too) of `fn` by the arguments in
    `argnums`; call it like `fn`."""

    def __init__(self, fn: Callable[..., Any], argnums: int | Sequence[int], with_value: bool):
        self.fn: Callable[..., Any] = getattr(fn, "py_func", fn)  # a @graphlet.jit function
        if not hasattr(self.fn, "__code__"):
            raise TypeError(
                f"graphlet.grad differentiates Python functions, got {fn!r}: wrap it "
                "(`lambda x: math.sqrt(x)`)"
            )
        self.single = isinstance(argnums, int)
        self.argnums: tuple[int, ...] = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        if not self.argnums or len(set(self.argnums)) != len(self.argnums):
            raise ValueError(f"argnums must name distinct arguments, got {argnums!r}")
        self.with_value = with_value
        self.versions: dict[tuple[Any, ...], _Version] = {}
        self._tensor_calls = 0

    @property
    def __name__(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))

    def __call__(self, *args: Any) -> Any:
        for i in self.argnums:
            if not 0 <= i < len(args):
                raise TypeError(f"{self.__name__} got {len(args)} arguments, argnums has {i}")
        key = _key(args)
        version = self.versions.get(key)
        if version is None or not version.valid():
            version = self.versions[key] = self._compile(args)
        value, grads = version.call(*args)
        result = grads[0] if self.single else tuple(grads)
        return (value, result) if self.with_value else result

    @property
    def native_calls(self) -> int:
        """How many calls ran native code (all of them did, or raised)."""
        return sum(v.native_calls() for v in self.versions.values())

    def ir(self, *args: Any) -> str:
        """The IR compiled for these arguments (the function and its gradient)."""
        key = _key(args)
        if key not in self.versions:
            self.versions[key] = self._compile(args)
        return str(self.versions[key].module)

    def _compile(self, args: tuple[Any, ...]) -> _Version:
        if any(isinstance(a, np.ndarray) for a in args):
            return self._compile_arrays(args)
        return self._compile_scalars(args)

    # ---------------------------------------------------------------- floats

    def _compile_scalars(self, args: tuple[Any, ...]) -> _Version:
        from graphlet.abi import HandBack
        from graphlet.driver.jit import default_backend
        from graphlet.frontend.bytecode import inference as inf
        from graphlet.frontend.bytecode.breaks import FunctionNotCompilable
        from graphlet.frontend.bytecode.capture import ModuleCapture
        from graphlet.frontend.bytecode.signature import (
            arg_specs,
            kinds_of_signature,
            signature_of,
        )

        for i in self.argnums:
            if type(args[i]) is not float:
                raise TypeError(
                    f"graphlet.grad: argument {i} of {self.__name__} is "
                    f"{type(args[i]).__name__} {args[i]!r}: gradients are taken by float "
                    "arguments only"
                )
        kinds = kinds_of_signature(signature_of(args))
        if isinstance(kinds, str):
            raise AutodiffError(f"graphlet.grad: {self.__name__}: {kinds}")
        unit = ModuleCapture()
        unit.guard_function(self.fn)  # type: ignore[arg-type]
        try:
            captured = unit.capture(self.fn, kinds)  # type: ignore[arg-type]
        except FunctionNotCompilable as e:
            raise AutodiffError(_breaks(self.__name__, e.records)) from None
        if captured.bail_records:
            raise AutodiffError(_breaks(self.__name__, captured.bail_records))
        if captured.returns.alternatives != (inf.FLOAT,):
            raise AutodiffError(
                f"graphlet.grad: {self.__name__} returns {captured.returns.describe()}: "
                "the gradient needs a float result"
            )
        symbol = f"{captured.symbol}_grad"
        _differentiate(
            unit.module, captured.symbol, self.argnums, symbol, self.with_value, inline=True
        )
        grads = ("tuple", ("f64",) * len(self.argnums))
        results = ("tuple", ("f64", grads)) if self.with_value else grads
        kernel = default_backend().compile(unit.module, symbol, arg_specs(captured), results)
        with_value = self.with_value
        fn = self.fn

        def call(*call_args: Any) -> Any:
            try:
                return kernel(*call_args) if with_value else (None, kernel(*call_args))
            except HandBack as e:
                fn(*call_args)  # Python's own error, if the function raises
                raise ArithmeticError(
                    f"graphlet.grad: the derivative of {self.__name__} at {call_args} cannot "
                    f"be computed in floats ({e})"
                ) from None

        calls = lambda: int(getattr(kernel, "calls", 0))  # noqa: E731
        return _Version(call, unit.module, calls, tuple(unit.guards.values()))

    # ---------------------------------------------------------------- arrays

    def _compile_arrays(self, args: tuple[Any, ...]) -> _Version:
        from graphlet import driver
        from graphlet.frontend.numpy_trace.graph import connect
        from graphlet.frontend.numpy_trace.proxy import Recorder, Tracked, wrapped_numpy
        from graphlet.frontend.numpy_trace.traced import FUNCTION, _build

        arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
        for i in self.argnums:
            if i not in arrays or args[i].dtype.kind != "f":
                what = args[i].dtype if i in arrays else type(args[i]).__name__
                raise TypeError(
                    f"graphlet.grad: argument {i} of {self.__name__} is {what}: with arrays, "
                    "gradients are taken by float arrays only"
                )
        recorder = Recorder()
        proxies = [recorder.input(a) if isinstance(a, np.ndarray) else a for a in args]
        with wrapped_numpy():
            result = self.fn(*proxies)
        if not isinstance(result, Tracked) or result.id in recorder.inputs:
            raise AutodiffError(
                f"graphlet.grad: {self.__name__} must return an array computed from its "
                f"arguments, got {type(result).__name__}"
            )
        value = recorder.values[result.id]
        if value.dtype.kind != "f" or value.size != 1:
            raise AutodiffError(
                f"graphlet.grad: {self.__name__} returns a {value.dtype} array of shape "
                f"{value.shape}: the gradient needs a float scalar (sum or mean it first)"
            )
        kept, _ = connect(recorder.calls, [result.id])
        module = _build(recorder, kept, [result.id])
        symbol = f"{FUNCTION}_grad"
        wrt = tuple(arrays.index(i) for i in self.argnums)
        _differentiate(module, FUNCTION, wrt, symbol, self.with_value)
        kernel = driver.compile_tensor_function(module, symbol)
        scalar = result.id in recorder.scalars
        with_value = self.with_value

        def call(*call_args: Any) -> Any:
            inputs = [np.ascontiguousarray(call_args[i]) for i in arrays]
            outs = kernel.call_guarded(*inputs)
            self._tensor_calls += 1
            if not with_value:
                return None, outs
            head = outs[0][()] if scalar else outs[0]
            return head, outs[1:]

        return _Version(call, module, lambda: self._tensor_calls)


def _differentiate(
    module: ModuleOp,
    function: str,
    wrt: tuple[int, ...],
    name: str,
    values: bool,
    inline: bool = False,
) -> None:
    """Add `@name`, the gradient of `@function` (its calls inlined first: the pass
    differentiates within one function), with `@function`'s result first when
    `values`, then fold and drop what it does not use (the tensor pipeline does not
    run `graphlet-optimize` itself): without the value, the forward ops only it
    needed go too."""
    from graphlet.registry import all_passes, make_context

    autodiff = all_passes()["graphlet-autodiff"]()
    if inline:
        all_passes()["inline-functions"]()().apply(make_context(), module)
    try:
        autodiff(function=function, wrt=wrt, grad_name=name, values=values).apply(  # type: ignore[call-arg]
            make_context(), module
        )
    except DiagnosticException as e:
        raise AutodiffError(f"graphlet.grad: {e}") from None
    all_passes()["graphlet-optimize"]()().apply(make_context(), module)


def _breaks(name: str, records: Sequence[Any]) -> str:
    lines = [f"graphlet.grad: {name} cannot be compiled whole, so it cannot be differentiated:"]
    lines += [f"  {record}" for record in records]
    return "\n".join(lines)


def _key(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A compile's key: scalar types alone; with arrays, shapes, dtypes and the
    numbers' values (the tracer folds them in)."""
    if not any(isinstance(a, np.ndarray) for a in args):
        return tuple(type(a) for a in args)
    return tuple(
        ("array", a.shape, a.dtype.str) if isinstance(a, np.ndarray) else (type(a), repr(a))
        for a in args
    )


def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> GradFunction:
    """The gradient of `fn` (a float result) by argument `argnums` (a float, or a
    tuple of them for a tuple of indices), as native code."""
    return GradFunction(fn, argnums, with_value=False)


def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> GradFunction:
    """`(fn(*args), grad(fn, argnums)(*args))`, from one native call."""
    return GradFunction(fn, argnums, with_value=True)
