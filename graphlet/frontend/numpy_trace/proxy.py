"""Logging NumPy calls: the tracked-array proxy and the recorder behind it.

A `Tracked` stands for one array value while the user's function runs once. NumPy
hands every ufunc and every public function that meets one to the proxy
(`__array_ufunc__`, `__array_function__`); the recorder computes the real result on
the real arrays, logs the call with the ids of its inputs and outputs and the user's
source line, and wraps the result in a new proxy. What NumPy's protocols do not
cover is wrapped for the duration of a trace: the array constructors
(`np.asarray` and friends, which would otherwise read the data) and `numpy.random`
(whose values would be frozen into the graph). Everything that turns array data
into a Python value (`bool`, `float`, iteration over elements, an unknown library)
raises a `TraceError` naming the line.
"""

from __future__ import annotations

import linecache
import os
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class TraceError(TypeError):
    """Code that `trace_graph` cannot turn into a graph, with the line that does it."""


_HERE = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


def source_line() -> str:
    """`file:line: code` of the innermost frame outside the tracer and NumPy."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith((_HERE, _NUMPY)) and "<__array_function__" not in filename:
            code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            where = f"{os.path.basename(filename)}:{frame.f_lineno}"
            return f"{where}: {code}" if code else where
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


@dataclass(frozen=True)
class Ref:
    """A tracked array among a call's arguments."""

    id: int


@dataclass
class Call:
    """One logged call: what ran, on which values, producing which ids, and where."""

    index: int
    name: str
    """`numpy.add`, `numpy.sum`, `ndarray.__getitem__`, ..."""
    target: Any
    """The ufunc or function, or the name of a proxy operation (`getitem`, `astype`)."""
    method: str
    """A ufunc's method (`__call__`, `reduce`); empty otherwise."""
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    outputs: tuple[int, ...]
    results: tuple[np.ndarray, ...]
    """The real results of the eager run (their dtypes and shapes type the graph)."""
    line: str

    @property
    def inputs(self) -> list[int]:
        return [r.id for r in _refs((self.args, self.kwargs))]

    def __str__(self) -> str:
        return f"{self.name} at {self.line}"

    def logged(self) -> str:
        """`%4 = numpy.add(%1, %2)  # line`: the call with its input and output ids."""
        outputs = ", ".join(f"%{i}" for i in self.outputs)
        inputs = ", ".join(f"%{i}" for i in dict.fromkeys(self.inputs))
        return f"{outputs or '()'} = {self.name}({inputs})  # {self.line}"


def _refs(tree: Any) -> Iterator[Ref]:
    if isinstance(tree, Ref):
        yield tree
    elif isinstance(tree, tuple | list):
        for t in tree:
            yield from _refs(t)
    elif isinstance(tree, dict):
        for t in tree.values():
            yield from _refs(t)


_METADATA_FUNCTIONS = frozenset(
    {"shape", "ndim", "size", "result_type", "iscomplexobj", "isrealobj", "min_scalar_type"}
)
"""NumPy functions whose Python result depends only on shapes and dtypes (guarded)."""


@dataclass
class Recorder:
    """The log of one trace: every call, the real value of every id, the inputs."""

    calls: list[Call] = field(default_factory=list)
    values: dict[int, np.ndarray] = field(default_factory=dict)
    scalars: set[int] = field(default_factory=set)
    """Ids whose NumPy result was a scalar (`np.float64`), not a 0-d array."""
    inputs: list[int] = field(default_factory=list)
    live: weakref.WeakValueDictionary[int, Tracked] = field(
        default_factory=weakref.WeakValueDictionary
    )
    """The proxies still alive, by object id (what an in-place write could alias)."""
    next_id: int = 0

    def track(self, value: Any) -> Tracked:
        self.next_id += 1
        array = np.asarray(value)
        self.values[self.next_id] = array
        if isinstance(value, np.generic):
            self.scalars.add(self.next_id)
        proxy = Tracked(self, self.next_id, array)
        self.live[id(proxy)] = proxy
        return proxy

    def input(self, value: np.ndarray) -> Tracked:
        proxy = self.track(value)
        self.inputs.append(proxy.id)
        return proxy

    # ---- logging

    def record(
        self,
        name: str,
        target: Any,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        run: Callable[..., Any],
    ) -> Any:
        """Run `run` on the real values of `args`/`kwargs`, log the call, wrap its results."""
        line = source_line()
        real_args, real_kwargs = _real((args, kwargs))
        result = run(*real_args, **real_kwargs)
        outputs: list[int] = []

        def wrap(value: Any) -> Any:
            if isinstance(value, np.ndarray | np.generic):
                proxy = self.track(value)
                outputs.append(proxy.id)
                return proxy
            if isinstance(value, tuple | list) and any(
                isinstance(v, np.ndarray | np.generic) for v in value
            ):
                return type(value)(wrap(v) for v in value)
            if getattr(target, "__name__", None) in _METADATA_FUNCTIONS:
                return value
            raise TraceError(
                f"{line}: {name} returns a Python {type(value).__name__} computed from array "
                "data, which the graph cannot follow (keep it an array)"
            )

        wrapped = wrap(result)
        self.calls.append(
            Call(
                len(self.calls),
                name,
                target,
                method,
                _logged(args),
                _logged(kwargs),
                tuple(outputs),
                tuple(self.values[i] for i in outputs),
                line,
            )
        )
        return wrapped

    def ufunc(
        self, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if "out" in kwargs:
            name = ufunc.__name__
            raise TraceError(
                f"{source_line()}: numpy.{name}(..., out=...) writes into an array; "
                f"write `y = numpy.{name}(...)` instead"
            )
        owner = "numpy." if getattr(np, ufunc.__name__, None) is ufunc else ""
        name = f"{owner}{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        return self.record(name, ufunc, method, inputs, kwargs, getattr(ufunc, method))

    def function(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        module = getattr(func, "__module__", "") or ""
        if not module.startswith("numpy"):
            raise TraceError(f"{source_line()}: {module}.{func.__name__} is not a NumPy function")
        if "out" in kwargs and kwargs["out"] is not None:
            raise TraceError(f"{source_line()}: numpy.{func.__name__}(..., out=...) is not traced")
        public = module if not any(p.startswith("_") for p in module.split(".")) else "numpy"
        return self.record(f"{public}.{func.__name__}", func, "", args, kwargs, func)

    def inplace(self, target: Tracked, ufunc: np.ufunc, other: Any) -> Tracked:
        """`a += b`: the new value of `a` is a call of its own; `a` stands for it from now on."""
        self.check_writable(target, f"`{ufunc.__name__}` in place")
        line = source_line()
        real = _real(other)
        ufunc(target.value, real, out=target.value)
        self.calls.append(
            Call(
                len(self.calls),
                f"numpy.{ufunc.__name__} (in place)",
                ufunc,
                "inplace",
                (Ref(target.id), _logged(other)),
                {},
                (self._rebind(target),),
                (target.value,),
                line,
            )
        )
        return target

    def setitem(self, target: Tracked, key: Any, value: Any) -> None:
        """`a[key] = v` on an array the function created: a new value of `a`."""
        self.check_writable(target, "item assignment")
        line = source_line()
        real_key, real_value = _real((key, value))
        target.value[real_key] = real_value
        self.calls.append(
            Call(
                len(self.calls),
                "ndarray.__setitem__",
                "setitem",
                "",
                (Ref(target.id), _logged(key), _logged(value)),
                {},
                (self._rebind(target),),
                (target.value,),
                line,
            )
        )

    def _rebind(self, target: Tracked) -> int:
        old = target.id
        self.next_id += 1
        target.id = self.next_id
        self.values[target.id] = target.value
        if old in self.scalars:
            self.scalars.add(target.id)
        return target.id

    def check_writable(self, target: Tracked, what: str) -> None:
        """Only arrays the function created, with no live view of them, may change in
        place: the graph has values, not memory, and cannot follow aliasing."""
        line = source_line()
        for i in self.inputs:
            if np.may_share_memory(target.value, self.values[i]):
                raise TraceError(
                    f"{line}: {what} writes into an input array (an argument, a global or "
                    "a view of one); the compiled function never changes them: copy it first"
                )
        for other in list(self.live.values()):
            if other is not target and np.may_share_memory(target.value, other.value):
                raise TraceError(
                    f"{line}: {what} writes into an array that another array views; "
                    "the graph cannot follow aliasing: copy it first"
                )


def _real(tree: Any) -> Any:
    """The real values behind proxies."""
    if isinstance(tree, Tracked):
        return tree.value
    if isinstance(tree, tuple | list):
        return type(tree)(_real(t) for t in tree)
    if isinstance(tree, dict):
        return {k: _real(v) for k, v in tree.items()}
    return tree


def _logged(tree: Any) -> Any:
    """Arguments as logged: proxies become `Ref`s, constant arrays are copied (the
    function may change them later)."""
    if isinstance(tree, Tracked):
        return Ref(tree.id)
    if isinstance(tree, np.ndarray):
        return tree.copy()
    if isinstance(tree, tuple | list):
        return type(tree)(_logged(t) for t in tree)
    if isinstance(tree, dict):
        return {k: _logged(v) for k, v in tree.items()}
    return tree


def _binary(ufunc: np.ufunc) -> tuple[Callable[..., Any], Callable[..., Any]]:
    return (lambda self, other: ufunc(self, other)), (lambda self, other: ufunc(other, self))


def _inplace(ufunc: np.ufunc) -> Callable[..., Any]:
    return lambda self, other: self.recorder.inplace(self, ufunc, other)


def _via(func: Callable[..., Any]) -> Callable[..., Any]:
    return lambda self, *args, **kwargs: func(self, *args, **kwargs)


class Tracked:
    """An array value inside a trace: NumPy dispatches everything done to it here."""

    __slots__ = ("__weakref__", "id", "recorder", "value")
    __array_priority__ = 1000

    def __init__(self, recorder: Recorder, id: int, value: np.ndarray) -> None:
        self.recorder = recorder
        self.id = id
        self.value = value

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return self.recorder.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return self.recorder.function(func, args, kwargs)

    # ---- metadata: Python values the shape and dtype guards make constant

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def size(self) -> int:
        return self.value.size

    @property
    def itemsize(self) -> int:
        return self.value.itemsize

    @property
    def T(self) -> Any:
        return np.transpose(self)

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self.value)):
            yield self[i]

    def __repr__(self) -> str:
        return f"<traced array shape={self.value.shape} dtype={self.value.dtype}>"

    # ---- the data itself: not available while tracing

    def _leaves(self, what: str) -> TraceError:
        return TraceError(
            f"{source_line()}: {what} reads an array's value while tracing; the graph "
            "cannot depend on it (data-dependent Python control flow or a library "
            "graphlet does not trace): use numpy.where, or leave it out of the traced function"
        )

    def __bool__(self) -> bool:
        raise self._leaves("bool()")

    def __float__(self) -> float:
        raise self._leaves("float()")

    def __int__(self) -> int:
        raise self._leaves("int()")

    def __index__(self) -> int:
        raise self._leaves("use as an index")

    def __complex__(self) -> complex:
        raise self._leaves("complex()")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise self._leaves("conversion to a plain array")

    def item(self, *args: Any) -> Any:
        raise self._leaves(".item()")

    def tolist(self) -> Any:
        raise self._leaves(".tolist()")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise TraceError(f"{source_line()}: ndarray.{name} is not traced")

    # ---- indexing, casts and in-place writes

    def __getitem__(self, key: Any) -> Any:
        return self.recorder.record(
            "ndarray.__getitem__", "getitem", "", (self, key), {}, lambda a, k: a[k]
        )

    def __setitem__(self, key: Any, value: Any) -> None:
        self.recorder.setitem(self, key, value)

    def astype(self, dtype: Any, casting: str = "unsafe", copy: bool = True) -> Any:
        return self.recorder.record(
            "ndarray.astype",
            "astype",
            "",
            (self,),
            {"dtype": np.dtype(dtype), "casting": casting},
            lambda a, dtype, casting: a.astype(dtype, casting=casting),
        )

    def reshape(self, *shape: Any, order: str = "C") -> Any:
        new = shape[0] if len(shape) == 1 else shape
        return np.reshape(self, new, order=order)  # type: ignore[call-overload]

    def transpose(self, *axes: Any) -> Any:
        perm = axes[0] if len(axes) == 1 else (axes or None)
        return np.transpose(self, perm)

    def flatten(self) -> Any:
        return np.ravel(self)

    sum = _via(np.sum)
    prod = _via(np.prod)
    mean = _via(np.mean)
    max = _via(np.max)
    min = _via(np.min)
    argmax = _via(np.argmax)
    argmin = _via(np.argmin)
    ravel = _via(np.ravel)
    squeeze = _via(np.squeeze)
    swapaxes = _via(np.swapaxes)
    clip = _via(np.clip)
    dot = _via(np.dot)
    copy = _via(np.copy)
    round = _via(np.round)
    std = _via(np.std)
    cumprod = _via(np.cumprod)
    var = _via(np.var)
    cumsum = _via(np.cumsum)
    all = _via(np.all)
    any = _via(np.any)

    __add__, __radd__ = _binary(np.add)
    __sub__, __rsub__ = _binary(np.subtract)
    __mul__, __rmul__ = _binary(np.multiply)
    __truediv__, __rtruediv__ = _binary(np.true_divide)
    __floordiv__, __rfloordiv__ = _binary(np.floor_divide)
    __mod__, __rmod__ = _binary(np.remainder)
    __pow__, __rpow__ = _binary(np.power)
    __matmul__, __rmatmul__ = _binary(np.matmul)
    __and__, __rand__ = _binary(np.bitwise_and)
    __or__, __ror__ = _binary(np.bitwise_or)
    __xor__, __rxor__ = _binary(np.bitwise_xor)
    __lt__ = _binary(np.less)[0]
    __le__ = _binary(np.less_equal)[0]
    __gt__ = _binary(np.greater)[0]
    __ge__ = _binary(np.greater_equal)[0]
    __eq__ = _binary(np.equal)[0]
    __ne__ = _binary(np.not_equal)[0]
    __hash__ = None  # type: ignore[assignment]
    __iadd__ = _inplace(np.add)
    __isub__ = _inplace(np.subtract)
    __imul__ = _inplace(np.multiply)
    __itruediv__ = _inplace(np.true_divide)
    __ifloordiv__ = _inplace(np.floor_divide)
    __imod__ = _inplace(np.remainder)
    __ipow__ = _inplace(np.power)
    __iand__ = _inplace(np.bitwise_and)
    __ior__ = _inplace(np.bitwise_or)
    __ixor__ = _inplace(np.bitwise_xor)

    def __neg__(self) -> Any:
        return np.negative(self)

    def __pos__(self) -> Any:
        return np.positive(self)

    def __abs__(self) -> Any:
        return np.absolute(self)

    def __invert__(self) -> Any:
        return np.invert(self)


_CONSTRUCTORS = ("asarray", "asanyarray", "array", "ascontiguousarray")


def _constructor(original: Callable[..., Any]) -> Callable[..., Any]:
    """`np.asarray(x)` of a proxy is the proxy (cast when a dtype is given); anything
    else is the original's."""

    def construct(obj: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(obj, Tracked):
            if dtype is None or np.dtype(dtype) == obj.value.dtype:
                return obj
            return obj.astype(dtype)
        return original(obj, dtype, *args, **kwargs)

    return construct


def _random_refusal(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise TraceError(
            f"{source_line()}: numpy.random.{name}: random numbers would be frozen into the "
            "graph; draw them outside and pass them in as an argument"
        )

    return refuse


@contextmanager
def wrapped_numpy() -> Iterator[None]:
    """Wrap what NumPy's dispatch does not cover, for the duration of one trace."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for name in _CONSTRUCTORS:
            saved.append((np, name, getattr(np, name)))
            setattr(np, name, _constructor(getattr(np, name)))
        for name in dir(np.random):
            obj = getattr(np.random, name)
            if not name.startswith("_") and callable(obj):
                saved.append((np.random, name, obj))
                setattr(np.random, name, _random_refusal(name))
        yield
    finally:
        for module, name, obj in reversed(saved):
            setattr(module, name, obj)


@dataclass(frozen=True)
class Binding:
    """A name `fn` reads from its closure or its module's globals."""

    name: str
    namespace: Any
    """The closure cell, or the globals dict."""

    def get(self) -> Any:
        if isinstance(self.namespace, dict):
            return self.namespace.get(self.name)
        return self.namespace.cell_contents

    def set(self, value: Any) -> None:
        if isinstance(self.namespace, dict):
            self.namespace[self.name] = value
        else:
            self.namespace.cell_contents = value


def bindings(fn: Callable[..., Any]) -> list[Binding]:
    """The closure variables and globals `fn`'s own code reads (not its helpers')."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    cells = zip(code.co_freevars, getattr(fn, "__closure__", None) or ())
    found = [Binding(n, c) for n, c in cells]
    namespace = getattr(fn, "__globals__", {})
    return found + [Binding(n, namespace) for n in code.co_names if n in namespace]


def generator_states(fn: Callable[..., Any]) -> dict[str, Any]:
    """The states of the NumPy random generators `fn` reads from its closure or globals
    (a draw from one changes it: the trace refuses that)."""
    found: dict[str, Any] = {}
    for binding in bindings(fn):
        obj = binding.get()
        if isinstance(obj, np.random.Generator):
            found[binding.name] = repr(obj.bit_generator.state)
        elif isinstance(obj, np.random.RandomState):
            found[binding.name] = repr(obj.get_state(legacy=False))
    found["numpy.random"] = repr(np.random.get_state(legacy=False))
    return found
