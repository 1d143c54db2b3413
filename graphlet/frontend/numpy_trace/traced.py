"""`graphlet.trace_graph`: run a NumPy function once on proxies, keep what its outputs
need, compile that, and call the native code from then on.

Each version of the function is specialised to its inputs' shapes and dtypes (and
to the values of its Python-number arguments): those are its guards, and a call
that fails them traces again. A native run whose int division meets a zero
divisor (NumPy answers 0 and warns, the kernel reports it) is redone by the
original function, so the answer is always NumPy's.

Fast path: each traced function is the only instance of its own subclass, whose
`__call__` is a chain of native entries (`TensorFunction.entry`, built on
`graphlet.backend.tensor_entry`) of its newest versions: each checks its arguments
(every array's type, dtype, shape and C-contiguity, every number's value) in native
code, allocates fresh outputs, calls the kernel and builds the result, or passes the
call on to the next entry; the last passes it to the Python dispatch (`_call`), which
retraces, copies non-contiguous arrays, and handles keywords, nested arguments and
globals. So a call that matches a version runs no Python code.
"""

from __future__ import annotations

import ctypes
import functools
import linecache
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects import graphlet as g
from graphlet.driver import tensor_error
from graphlet.frontend.numpy_trace.emit import Emitter, traced_element
from graphlet.frontend.numpy_trace.graph import connect, to_mermaid
from graphlet.frontend.numpy_trace.proxy import (
    Binding,
    Call,
    Recorder,
    TraceError,
    Tracked,
    bindings,
    generator_states,
    wrapped_numpy,
)

if TYPE_CHECKING:
    from graphlet.driver import TensorFunction

log = logging.getLogger("graphlet.trace_graph")

FUNCTION = "forward"
FAST_CHAIN_LENGTH = 4
"""How many of the newest versions have their native entry in `__call__`."""

Rebuild = Callable[[Sequence[np.ndarray], Sequence[Any]], Any]
"""Builds a version's outputs from the kernel's results and the argument leaves."""


@dataclass(frozen=True)
class Result:
    """An output leaf: kernel result `index` (a NumPy scalar when NumPy gave one)."""

    index: int
    scalar: bool


@dataclass(frozen=True)
class Input:
    """An output leaf: argument leaf `index` (an input array), returned as it came in."""

    index: int


@dataclass(frozen=True)
class Constant:
    """An output leaf that does not depend on the inputs' values."""

    value: Any


@dataclass
class Version:
    """One trace: its guards' key, its graph, its kernel, how to rebuild the outputs."""

    key: tuple[Any, ...]
    number: int
    """Its index in `TracedFunction.order`."""
    module: ModuleOp
    calls: list[Call]
    kept: list[Call]
    dropped: list[Call]
    input_ids: list[int]
    output_ids: list[int]
    array_leaves: list[int]
    """The argument leaves that are arrays, in kernel argument order."""
    output_tree: Any
    rebuild: Rebuild
    kernel: TensorFunction | None = None
    entry: Any = None
    """The kernel's `TensorEntry`, when the version's arguments and outputs fit one."""
    native_calls: int = 0
    """Native runs through the Python dispatch (`entry.calls` counts the others)."""
    direct: Any = None
    """The entry bound for the Python dispatch's calls that copied strided arrays (when
    no output is an input, which the copies would replace); its slow path is ctypes."""
    entry_statuses: int = 0
    """Calls of `entry` whose kernel reported a status (redone by NumPy)."""
    numpy_calls: int = 0
    numpy_reasons: set[str] = field(default_factory=set)

    @property
    def native(self) -> int:
        """Calls that ran natively, whichever way they came."""
        entry = self.entry.calls - self.entry_statuses if self.entry is not None else 0
        return self.native_calls + entry


def _flatten(tree: Any) -> Iterator[Any]:
    if isinstance(tree, tuple | list):
        for t in tree:
            yield from _flatten(t)
    elif isinstance(tree, dict):
        for t in tree.values():
            yield from _flatten(t)
    else:
        yield tree


def _structure(tree: Any) -> Any:
    """The containers of `tree` (keywords by name, in order), its leaves left out: part
    of the guards, so that `f(b=y, a=x)` or `f((x, y))` is not run as `f(x, y)`."""
    if isinstance(tree, tuple | list):
        return (type(tree).__name__, tuple(_structure(t) for t in tree))
    if isinstance(tree, dict):
        return ("dict", tuple((k, _structure(v)) for k, v in tree.items()))
    return None


def _unflatten(tree: Any, leaves: Iterator[Any]) -> Any:
    if isinstance(tree, tuple | list):
        return type(tree)(_unflatten(t, leaves) for t in tree)
    if isinstance(tree, dict):
        return {k: _unflatten(v, leaves) for k, v in tree.items()}
    return next(leaves)


_CONTAINERS = (tuple, list, dict)


class _Nested(Exception):
    """Arguments with containers or keywords: flattened first (the slower path)."""


def _guard(leaf: Any) -> tuple[Any, ...]:
    """What a version is specialised to: an array's shape and dtype, a number's value
    (by `repr`, so that NaN matches itself and -0.0 differs from 0.0)."""
    if type(leaf) is np.ndarray:
        return (leaf.shape, leaf.dtype)
    if type(leaf) in (bool, int, str) or leaf is None:
        return (type(leaf), leaf)
    if isinstance(leaf, float | complex | np.generic | int):
        return (type(leaf), repr(leaf))
    if type(leaf) in _CONTAINERS:
        raise _Nested
    raise TraceError(
        f"an argument is a {type(leaf).__name__}: trace_graph takes NumPy arrays, "
        "numbers and tuples, lists or dicts of them"
    )


_KERNEL_ERRORS = tuple(g.TENSOR_ERRORS.values())
"""What a kernel reports (an int division by zero, where NumPy answers 0; an index
out of range, where NumPy raises its own IndexError): the original function redoes
the call, so the answer or the exception is NumPy's."""


def _outside_guard(value: Any) -> tuple[Any, ...]:
    """A global's or closure variable's guard: never raises (it may be rebound to
    anything between calls; only arrays and numbers are followed)."""
    try:
        return _guard(value)
    except (TraceError, _Nested):
        return ("unguarded", type(value))


class TracedFunction:
    """A NumPy function compiled from its trace; call it like the original."""

    def __new__(cls, *args: Any, **kwargs: Any) -> TracedFunction:
        """An instance of a class of its own, whose `__call__` can then be the native
        entries' chain (builtins in a class are not bound to the instance)."""
        own_class = type(
            cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
        return super().__new__(own_class)

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.versions: dict[tuple[Any, ...], Version] = {}
        self.order: list[Version] = []
        """The versions in the order they were traced."""
        self._last = ctypes.c_int64(-1)
        """The number of the version the latest call ran (native entries store it)."""
        self._entries: list[Any] = []
        """Every chain ever installed: another thread may be about to call an old one."""
        self.externals: list[Binding] = [
            b for b in bindings(fn) if isinstance(b.get(), np.ndarray | bool | int | float)
        ]
        """Arrays and numbers `fn` reads from its closure or globals, read again at each
        call: an array is an input (the one bound to the name then), a number a guard."""

    @property
    def last(self) -> Version | None:
        """The version the latest call ran."""
        number = self._last.value
        return self.order[number] if number >= 0 else None

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        """The Python dispatch: guards, a retrace when none matches, the call."""
        leaves: Sequence[Any] = args
        try:
            if kwargs:
                raise _Nested
            key = tuple([(a.shape, a.dtype) if type(a) is np.ndarray else _guard(a) for a in args])
        except _Nested:
            leaves = list(_flatten((args, kwargs)))
            key = (_structure((args, kwargs)), *map(_guard, leaves))
        if self.externals:
            outside = [b.get() for b in self.externals]
            leaves = [*leaves, *outside]
            key += tuple(map(_outside_guard, outside))
        version = self.versions.get(key)
        if version is None:
            version = self._trace(args, kwargs, leaves, key)
        self._last.value = version.number
        return self._run(version, args, kwargs, leaves)

    __call__ = _call

    # ---- inspection

    def _version(self) -> Version:
        last = self.last
        if last is None:
            raise ValueError("the function has not been traced yet")
        return last

    @property
    def graph(self) -> str:
        """The graphlet IR of the latest version."""
        return str(self._version().module)

    @property
    def dropped(self) -> list[str]:
        """The calls the outputs do not depend on, with their source lines."""
        return [str(c) for c in self._version().dropped]

    @property
    def calls(self) -> list[str]:
        """Every logged call of the latest trace, in order, with the ids of its inputs
        and outputs (the inputs are %1, %2, ... in argument order)."""
        return [c.logged() for c in self._version().calls]

    @property
    def native(self) -> bool:
        """Whether every call so far ran native code (none was redone in NumPy)."""
        return all(v.numpy_calls == 0 for v in self.versions.values())

    def stats(self) -> dict[str, int]:
        """Traces made, calls run natively, calls redone by the original function."""
        return {
            "traces": len(self.versions),
            "native": sum(v.native for v in self.versions.values()),
            "numpy": sum(v.numpy_calls for v in self.versions.values()),
        }

    @property
    def numpy_reasons(self) -> list[str]:
        """Why calls were redone by the original function (`stats()["numpy"]`)."""
        return sorted({r for v in self.versions.values() for r in v.numpy_reasons})

    def to_mermaid(self) -> str:
        v = self._version()
        return to_mermaid(v.kept, v.input_ids, v.output_ids)

    # ---- tracing

    def _trace(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        leaves: Sequence[Any],
        key: tuple[Any, ...],
    ) -> Version:
        if self.versions:
            log.info("graphlet.trace_graph: retracing %s for %s", _name(self.fn), key)
        recorder = Recorder()
        proxies = [recorder.input(x) if isinstance(x, np.ndarray) else x for x in leaves]
        array_leaves = [i for i, x in enumerate(leaves) if isinstance(x, np.ndarray)]
        traced_args, traced_kwargs = _unflatten((args, kwargs), iter(proxies))
        states = generator_states(self.fn)
        outside = leaves[len(leaves) - len(self.externals) :]
        externals = [(b, v) for b, v in zip(self.externals, outside) if type(v) is np.ndarray]
        arrays = [
            p
            for p, v in zip(proxies[len(leaves) - len(outside) :], outside)
            if type(v) is np.ndarray
        ]
        try:
            for (binding, _), proxy in zip(externals, arrays):
                binding.set(proxy)
            with wrapped_numpy():
                result = self.fn(*traced_args, **traced_kwargs)
        except TraceError:
            raise
        except Exception as e:
            for binding, value in externals:
                binding.set(value)
            self.fn(*args, **kwargs)  # the function's own error on plain arrays, if it has one
            raise TraceError(
                f"{_user_line(e, self.fn)}: {type(e).__name__}: {e} (raised on a traced "
                "array but not on a plain one: a library graphlet does not trace?)"
            ) from e
        finally:
            for binding, value in externals:
                binding.set(value)
        if generator_states(self.fn) != states:
            changed = [k for k, v in generator_states(self.fn).items() if states.get(k) != v]
            raise TraceError(
                f"{_name(self.fn)} draws random numbers ({', '.join(changed)}): they would be "
                "frozen into the graph; draw them outside and pass them in as an argument"
            )
        output_ids: list[int] = []
        tree = self._output_tree(result, recorder, output_ids, array_leaves)
        kept, dropped = connect(recorder.calls, output_ids)
        for call in dropped:
            log.debug("graphlet.trace_graph: dropped %s", call)
        module = _build(recorder, kept, output_ids)
        version = Version(
            key, len(self.order), module, recorder.calls, kept, dropped, recorder.inputs, output_ids,
            array_leaves, tree, _rebuilder(tree),
        )  # fmt: skip
        if output_ids:
            from graphlet import driver

            version.kernel = driver.compile_tensor_function(module, FUNCTION)
            if all(type(a) not in _CONTAINERS for a in (*args, *kwargs.values())):
                version.entry = self._entry(version, len(args) + len(kwargs), list(kwargs), leaves)
            flat = version.entry is not None and not kwargs and not self.externals
            if flat and not _has_input(tree):
                version.direct = version.entry.bind(
                    functools.partial(self._run_positional, version),
                    functools.partial(self._on_status, version),
                )
        self.versions[key] = version
        self.order.append(version)
        self._install_entries()
        return version

    def _entry(
        self, version: Version, count: int, keywords: list[str], leaves: Sequence[Any]
    ) -> Any:
        """The version's native entry for calls of `count` arguments, the last passed
        by the names `keywords`, or None when its call needs Python: nested arguments,
        a number other than a bool, an int or a float (as an argument or a global), an
        output that is a constant array."""
        if version.kernel is None or len(leaves) != count + len(self.externals):
            return None
        params = []
        for value in leaves:
            param = _entry_param(value)
            if param is None:
                return None
            params.append(param)
        outside = params[count:]
        externals = [(b.namespace, b.name, p) for b, p in zip(self.externals, outside)]
        params = params[:count]
        scalars = [False] * len(version.output_ids)
        tree = _entry_tree(version.output_tree, scalars)
        if tree is None:
            return None
        last = (ctypes.addressof(self._last), version.number)
        return version.kernel.entry(params, scalars, tree, last, externals, keywords)

    def _install_entries(self) -> None:
        """Makes `__call__` the chain of the newest versions' entries, ending in `_call`."""
        own_class = type(self)
        chain = [v for v in reversed(self.order) if v.entry is not None][:FAST_CHAIN_LENGTH]
        if not chain:
            return
        call: Any = self._call
        for version in reversed(chain):
            call = version.entry.bind(call, functools.partial(self._on_status, version))
        self._entries.append(call)
        own_class.__call__ = call  # type: ignore[method-assign]

    def _run_positional(self, version: Version, *args: Any) -> Any:
        return self._run_ctypes(version, args, {}, args)

    def _on_status(self, version: Version, status: int, *args: Any, **kwargs: Any) -> Any:
        """A native entry's kernel reported `status`: NumPy's answer, as in `_run`."""
        error = tensor_error(status)
        if not isinstance(error, _KERNEL_ERRORS):
            raise error
        self._last.value = version.number
        version.entry_statuses += 1
        version.numpy_calls += 1
        version.numpy_reasons.add(f"the kernel reported {type(error).__name__}")
        return self.fn(*args, **kwargs)

    def _output_tree(
        self, value: Any, recorder: Recorder, output_ids: list[int], array_leaves: list[int]
    ) -> Any:
        if isinstance(value, Tracked):
            if value.id in recorder.inputs:
                return Input(array_leaves[recorder.inputs.index(value.id)])
            if value.id not in output_ids:
                output_ids.append(value.id)
            return Result(output_ids.index(value.id), value.id in recorder.scalars)
        if isinstance(value, tuple | list):
            return type(value)(
                self._output_tree(v, recorder, output_ids, array_leaves) for v in value
            )
        if isinstance(value, dict):
            return {
                k: self._output_tree(v, recorder, output_ids, array_leaves)
                for k, v in value.items()
            }
        if isinstance(value, np.ndarray):
            return Constant(value.copy())
        return Constant(value)

    # ---- calling

    def _run(
        self,
        version: Version,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        leaves: Sequence[Any],
    ) -> Any:
        if version.direct is not None and not kwargs:
            contiguous = [np.ascontiguousarray(a) if type(a) is np.ndarray else a for a in args]
            return version.direct(*contiguous)
        return self._run_ctypes(version, args, kwargs, leaves)

    def _run_ctypes(
        self,
        version: Version,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        leaves: Sequence[Any],
    ) -> Any:
        """The kernel through ctypes (`TensorFunction.call_guarded`), the outputs rebuilt
        in Python."""
        results: Sequence[np.ndarray] = []
        if version.kernel is not None:
            arrays = [np.ascontiguousarray(leaves[i]) for i in version.array_leaves]
            try:
                results = version.kernel.call_guarded(*arrays)
            except _KERNEL_ERRORS as e:
                version.numpy_calls += 1
                version.numpy_reasons.add(f"the kernel reported {type(e).__name__}")
                return self.fn(*args, **kwargs)
        version.native_calls += 1
        return version.rebuild(results, leaves)


def _has_input(tree: Any) -> bool:
    if isinstance(tree, Input):
        return True
    if isinstance(tree, tuple | list):
        return any(_has_input(t) for t in tree)
    if isinstance(tree, dict):
        return any(_has_input(t) for t in tree.values())
    return False


def _entry_param(value: Any) -> tuple[Any, ...] | None:
    """What a native entry checks `value` by (the guard `_guard` makes of it), or None."""
    if type(value) is np.ndarray:
        return ("array", value.dtype.name, value.shape)
    if value is None or type(value) is bool:
        return ("is", value)
    if type(value) is int and -(2**63) <= value < 2**63:
        return ("int", value)
    if type(value) is float:
        return ("float", value)
    return None


def _entry_tree(tree: Any, scalars: list[bool]) -> Any:
    """`tree` in `tensor_entry`'s terms (marking the scalar results), or None."""
    if isinstance(tree, Result):
        scalars[tree.index] = tree.scalar
        return ("result", tree.index)
    if isinstance(tree, Input):
        return ("input", tree.index)
    if isinstance(tree, Constant):
        return None if isinstance(tree.value, np.ndarray) else ("const", tree.value)
    if type(tree) in (tuple, list):
        children = [_entry_tree(t, scalars) for t in tree]
        if any(c is None for c in children):
            return None
        return ("tuple" if type(tree) is tuple else "list", children)
    if type(tree) is dict:
        items = [(k, _entry_tree(t, scalars)) for k, t in tree.items()]
        if any(c is None for _, c in items):
            return None
        return ("dict", items)
    return None


def _rebuilder(tree: Any) -> Rebuild:
    """The function that builds the outputs from the kernel's results and the argument
    leaves, made once per version (walking the tree on every call costs microseconds)."""
    if isinstance(tree, Result):
        i = tree.index
        if tree.scalar:
            return lambda results, leaves: results[i][()]
        return lambda results, leaves: results[i]
    if isinstance(tree, Input):
        j = tree.index
        return lambda results, leaves: leaves[j]
    if isinstance(tree, Constant):
        value = tree.value
        if isinstance(value, np.ndarray):
            return lambda results, leaves: value.copy()
        return lambda results, leaves: value
    if isinstance(tree, tuple | list):
        parts = [_rebuilder(t) for t in tree]
        kind = type(tree)
        return lambda results, leaves: kind([p(results, leaves) for p in parts])
    assert isinstance(tree, dict)
    items = [(k, _rebuilder(v)) for k, v in tree.items()]
    return lambda results, leaves: {k: p(results, leaves) for k, p in items}


def _build(recorder: Recorder, kept: list[Call], output_ids: list[int]) -> ModuleOp:
    """`func.func @forward(inputs...) -> outputs...` of the kept calls, optimized."""
    types = []
    for n, i in enumerate(recorder.inputs):
        value = recorder.values[i]
        try:
            types.append(TensorType(traced_element(value.dtype), value.shape))
        except TypeError:
            raise TraceError(
                f"input {n} has dtype {value.dtype}: graphlet traces arrays of float32, "
                "float64, int64 and bool"
            ) from None
    block = Block(arg_types=types)
    emitter = Emitter(block)
    emitter.values.update(zip(recorder.inputs, block.args))
    for call in kept:
        emitter.call(call)
    results = [emitter.values[i] for i in output_ids]
    emitter.builder.insert(func.ReturnOp(*results))
    fn = func.FuncOp.from_region(
        FUNCTION, [a.type for a in block.args], [r.type for r in results], Region(block)
    )
    module = ModuleOp([fn])
    try:
        module.verify()
    except VerifyException as e:
        raise TraceError(f"graphlet built an invalid graph: {e}") from None
    from graphlet.registry import all_passes, make_context

    all_passes()["graphlet-optimize"]()().apply(make_context(), module)
    return module


def _user_line(error: BaseException, fn: Callable[..., Any]) -> str:
    """`file:line: code` of the line of `fn` (or else of its file) the error passed through."""
    code = getattr(fn, "__code__", None)
    found: list[tuple[bool, str]] = []
    tb = error.__traceback__
    while tb is not None:
        frame_code = tb.tb_frame.f_code
        if code is not None and frame_code.co_filename == code.co_filename:
            text = linecache.getline(frame_code.co_filename, tb.tb_lineno).strip()
            where = f"{os.path.basename(frame_code.co_filename)}:{tb.tb_lineno}: {text}"
            found.append((frame_code is code, where))
        tb = tb.tb_next
    in_fn = [w for own, w in found if own]
    return (in_fn or [w for _, w in found] or ["<unknown>"])[-1]


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", repr(fn))


def trace_graph(
    fn: Callable[..., Any], args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
) -> TracedFunction:
    """Trace `fn` on example arguments and compile what its outputs depend on.

    The result is called like `fn`; each call checks the guards (shapes, dtypes,
    Python numbers) and traces again when they differ. Raises `TraceError`, naming
    the source line, for what a graph cannot express."""
    traced = TracedFunction(fn)
    traced(*args, **(kwargs or {}))
    return traced
