"""`register_op`: describe an op graphlet (and PyTorch's meta device) does not know.

Extraction traces with meta tensors, so every op needs a shape function: for a
custom op that is its fake (meta) kernel. `register_op` defines the op when given a
schema, registers the shape function as its fake kernel and, optionally, an
implementation as its CPU kernel, which verification runs (graphlet runs such a
node in PyTorch, between its native kernels). The IR names the op by `op_type`
(`mylib.scaled_tanh.default`); a process that executes the IR registers it first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class CustomOp:
    name: str
    """`namespace::op`, as PyTorch spells a qualified op name."""
    schema: str | None
    shape: Callable[..., Any]
    impl: Callable[..., Any] | None


REGISTERED: dict[str, CustomOp] = {}
_LIBRARIES: list[torch.library.Library] = []
"""Kept alive: an op's definition and kernels live as long as their Library."""


def _first_tensor(args: Sequence[Any]) -> torch.Tensor | None:
    for a in args:
        if isinstance(a, torch.Tensor):
            return a
        if isinstance(a, (list, tuple)) and (t := _first_tensor(a)) is not None:
            return t
    return None


def _is_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(s, int) for s in value)


def _fake_kernel(name: str, shape: Callable[..., Any]) -> Callable[..., Any]:
    """The shape function as a fake kernel: it may return tensors (of the output
    shapes) or a shape, which becomes an empty tensor like the first tensor argument."""

    def fake(*args: Any, **kwargs: Any) -> Any:
        result = shape(*args, **kwargs)
        if not _is_shape(result):
            return result
        like = _first_tensor([*args, *kwargs.values()])
        if like is None:
            raise TypeError(
                f"{name}: the shape function returned a shape, but the op has no tensor argument to take a dtype and device from"
            )
        return like.new_empty(tuple(result))

    return fake


def register_op(
    name: str,
    *,
    shape: Callable[..., Any],
    schema: str | None = None,
    impl: Callable[..., Any] | None = None,
) -> Any:
    """Register the op `namespace::op` for extraction (and, with `impl`, execution).

    `schema` (`"(Tensor x, float s) -> Tensor"`) defines a new op; without it the op
    must exist already. `shape(*args)` gets meta tensors and returns the output
    (tensors of the right shapes and dtypes, as a fake kernel does) or the output's
    shape. `impl(*args)` computes the op on CPU tensors. Returns the op
    (`torch.ops.namespace.op`), to call from the model's forward."""
    namespace, sep, op = name.partition("::")
    if not sep or not namespace.isidentifier() or not op.isidentifier():
        raise ValueError(f"register_op: {name!r} is not a qualified op name 'namespace::op'")
    library = torch.library.Library(namespace, "FRAGMENT")
    try:
        if schema is not None:
            library.define(f"{op}{schema}")
        torch.library.register_fake(name, _fake_kernel(name, shape), lib=library)
        if impl is not None:
            library.impl(op, impl, "CPU")
    except (RuntimeError, ValueError) as e:
        raise ValueError(f"register_op({name!r}): {str(e).strip().splitlines()[0]}") from e
    _LIBRARIES.append(library)
    REGISTERED[name] = CustomOp(name, schema, shape, impl)
    return getattr(getattr(torch.ops, namespace), op)
