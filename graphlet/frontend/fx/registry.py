"""Which handler imports a node: the `@handles` table and name resolution.

A handler declares the names it serves, or takes those its dialect op declares:

    @handles("rsub")                      # no op of its own: b - a
    def rsub(imp, a, b, alpha=1): ...

    @handles_op(g.AddOp)                  # AddOp.TORCH_NAMES: "add"
    def add(imp, a, b, alpha=1): ...

Elementwise ops whose PyTorch call is the op on its operands need no handler at all:
`handlers/__init__.py` derives one for each op that declares names and has none.

- a bare name (`"add"`) serves that name everywhere PyTorch spells it: `torch.add`,
  `operator.add`, `torch.nn.functional.add`, `torch._C._nn.add`, the method `x.add(...)`
  and every overload of `aten.add`;
- `"aten.add"` serves every overload of the packet, `"aten.add.Tensor"` one overload;
- `"Tensor.add"` serves the method only;
- a dotted Python path (`"operator.truediv"`, `"builtins.getattr"`) serves that function.

A node resolves to the most specific declaration: overload, packet, then bare name.
`@creates("arange")` registers a handler that makes tensors from Python values
alone; other nodes without tensor arguments are evaluated in PyTorch at import.
`@handles_module(nn.Linear)` serves `call_module` nodes of that module class (from
`symbolic_trace`, which keeps torch.nn's modules as leaves).
"""

from __future__ import annotations

import operator
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import torch
import torch.fx

if TYPE_CHECKING:
    from graphlet.dialects.graphlet import GraphletOp

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)
"""A handler's own type, which registering it keeps (a handler calls others)."""

_BARE_SPACES: tuple[Any, ...] = (
    operator,
    torch,
    torch.nn.functional,
    torch._C._nn,
    torch.Tensor,
)
"""Where a bare name is looked up as a function."""

_DECLARED: dict[str, Handler] = {}
_ATEN: dict[str, Handler] = {}
"""`aten.add.Tensor` and `aten.add` (and bare names as `add`) to handlers."""
_METHODS: dict[str, Handler] = {}
_FUNCTIONS: dict[Any, Handler] = {}
_MODULES: dict[type, Handler] = {}
_OPS_HANDLED: set[type[GraphletOp]] = set()
_CREATION: set[Handler] = set()


def _claim(table: dict[Any, Handler], key: Any, fn: Handler, name: str) -> None:
    if table.get(key, fn) is not fn:
        raise ValueError(f"{name!r} is already handled by {table[key].__qualname__}")
    table[key] = fn


def _register(name: str, fn: Handler) -> None:
    _claim(_DECLARED, name, fn, name)
    if name.startswith("aten."):
        _claim(_ATEN, name, fn, name)
    elif name.startswith("Tensor."):
        _claim(_METHODS, name.removeprefix("Tensor."), fn, name)
    elif "." in name:
        _claim(_FUNCTIONS, pkgutil.resolve_name(name), fn, name)
    else:
        _claim(_METHODS, name, fn, name)
        _claim(_ATEN, name, fn, name)
        for space in _BARE_SPACES:
            target = getattr(space, name, None)
            if callable(target) and target not in _FUNCTIONS:
                _FUNCTIONS[target] = fn


def handles(*names: str) -> Callable[[H], H]:
    """Register a handler under each of `names` (see the module docstring)."""

    def register(fn: H) -> H:
        for name in names:
            _register(name, fn)
        return fn

    return register


def handles_op(op: type[GraphletOp], *extra_names: str) -> Callable[[H], H]:
    """Register a handler under the PyTorch names the dialect op declares
    (`op.TORCH_NAMES`, next to its meaning), plus `extra_names`: the handler adapts
    PyTorch's arguments to the op."""

    def register(fn: H) -> H:
        _OPS_HANDLED.add(op)
        return handles(*op.TORCH_NAMES, *extra_names)(fn)

    return register


def creates(*names: str) -> Callable[[H], H]:
    """Register a creation handler (`arange`, `zeros`): it is called on nodes without
    tensor arguments too, which the importer otherwise evaluates in PyTorch."""

    def register(fn: H) -> H:
        _CREATION.add(fn)
        return handles(*names)(fn)

    return register


def creates_tensors(handler: Handler | None) -> bool:
    return handler in _CREATION


def has_op_handler(op: type) -> bool:
    return op in _OPS_HANDLED


def handles_module(*classes: type) -> Callable[[H], H]:
    """Register `fn(imp, module, prefix, *args, **kwargs)` for these module classes."""

    def register(fn: H) -> H:
        for cls in classes:
            _claim(_MODULES, cls, fn, cls.__name__)
        return fn

    return register


def handler_for(node: torch.fx.Node) -> Handler | None:
    """The handler of a `call_function`/`call_method` node, or None."""
    t = node.target
    if node.op == "call_method":
        return _METHODS.get(str(t))
    if isinstance(t, torch._ops.OpOverload):
        packet = f"{t.namespace}.{t.overloadpacket.__name__}"
        return (
            _ATEN.get(f"{packet}.{t._overloadname}")
            or _ATEN.get(packet)
            or (_ATEN.get(t.overloadpacket.__name__) if t.namespace == "aten" else None)
        )
    try:
        return _FUNCTIONS.get(t)
    except TypeError:
        return None


def module_handler_for(module: torch.nn.Module) -> Handler | None:
    for cls in type(module).__mro__:
        if cls in _MODULES:
            return _MODULES[cls]
    return None


def declared_names() -> list[str]:
    """Every name some handler declared, sorted."""
    return sorted(_DECLARED)


def declared_overloads() -> list[torch._ops.OpOverload]:
    """The ATen overloads some handler declared by full name (`aten.linear.default`):
    graphlet keeps these whole instead of decomposing them."""
    overloads = []
    for name in _DECLARED:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "aten":
            packet = getattr(torch.ops.aten, parts[1])
            overloads.append(getattr(packet, parts[2]))
    return overloads
