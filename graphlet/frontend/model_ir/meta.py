"""`build_on_meta`: a model's parameters and buffers on the meta device, whatever its
constructor computes.

`with torch.device("meta")` makes every tensor meta, so a constructor that computes
with tensors and reads the result (torchvision's RegNet rounds its widths with
`torch.round(...).tolist()`) fails: a meta tensor has no data. For those,
`empty_weights` builds on the CPU and moves each parameter and buffer to the meta
device as the module registers it (accelerate's `init_empty_weights`): one
parameter at a time is ever allocated, never the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import torch

T = TypeVar("T")


@contextmanager
def empty_weights() -> Iterator[None]:
    """Parameters and buffers registered in this block land on the meta device."""
    register_parameter = torch.nn.Module.register_parameter
    register_buffer = torch.nn.Module.register_buffer

    def parameter_on_meta(module: torch.nn.Module, name: str, param: Any) -> None:
        register_parameter(module, name, param)
        if param is not None:
            param = module._parameters[name]
            assert param is not None
            meta = type(param)(param.to("meta"), **param.__dict__)
            meta.requires_grad_(param.requires_grad)
            module._parameters[name] = meta

    def buffer_on_meta(
        module: torch.nn.Module, name: str, buffer: Any, persistent: bool = True
    ) -> None:
        register_buffer(module, name, buffer, persistent)
        if buffer is not None:
            module._buffers[name] = buffer.to("meta")

    # patched for the block's duration, with the same parameters under other names
    torch.nn.Module.register_parameter = parameter_on_meta  # type: ignore[method-assign, assignment]
    torch.nn.Module.register_buffer = buffer_on_meta  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        torch.nn.Module.register_parameter = register_parameter  # type: ignore[method-assign]
        torch.nn.Module.register_buffer = register_buffer  # type: ignore[method-assign]


def build_on_meta(build: Callable[[], T]) -> T:
    """`build()` under `torch.device("meta")`, or, when its constructor needs the data
    of a tensor it computed, again under `empty_weights`; tensors it returns beside
    the model (example inputs) are moved to the meta device."""
    try:
        with torch.device("meta"):
            return build()
    except (NotImplementedError, RuntimeError) as e:
        if "meta" not in str(e):
            raise
    with empty_weights():
        built = build()
    return torch.utils._pytree.tree_map_only(  # type: ignore[no-any-return]
        torch.Tensor, lambda t: t if isinstance(t, torch.nn.Parameter) else t.to("meta"), built
    )
