"""PyTorch's Core ATen opset and which of its ops graphlet claims.

Shared by the model survey (`scripts/survey_models.py`), the Core ATen table
(`scripts/core_aten_table.py`) and the per-op harness (`tests/test_aten_ops.py`).
`graphlet_claims` is the one place that reads graphlet's op registry.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from types import SimpleNamespace

import torch


def op_name(op: torch._ops.OpOverload) -> str:
    """'aten.add.Tensor': namespace, op and overload, as torch prints them."""
    return str(op)


@functools.cache
def aten_overloads() -> tuple[torch._ops.OpOverload, ...]:
    """Every overload of the `aten` namespace the installed torch registers."""
    ops = []
    for qualified in torch._C._dispatch_get_all_op_names():
        namespace, _, rest = qualified.partition("::")
        if namespace != "aten":
            continue
        base, _, overload = rest.partition(".")
        packet = getattr(torch.ops.aten, base, None)
        op = getattr(packet, overload or "default", None) if packet is not None else None
        if isinstance(op, torch._ops.OpOverload):
            ops.append(op)
    return tuple(ops)


@functools.cache
def core_aten_ops() -> list[torch._ops.OpOverload]:
    """Every ATen overload tagged `torch.Tag.core` (PyTorch's Core ATen opset), by name."""
    return sorted((op for op in aten_overloads() if torch.Tag.core in op.tags), key=op_name)


@functools.cache
def export_decompositions() -> frozenset[str]:
    """The ops that `ExportedProgram.run_decompositions()` (its default table)
    rewrites into others, so that they never reach a backend from torch.export."""
    return frozenset(op_name(op) for op in torch.export.default_decompositions())


def is_core(op: torch._ops.OpOverload) -> bool:
    return torch.Tag.core in op.tags


def graphlet_claims(ops: Iterable[torch._ops.OpOverload]) -> set[torch._ops.OpOverload]:
    """The ops among `ops` that graphlet says it compiles, read from its registry.

    That registry is the fx frontend's handler table (`@handles` / `@handles_op`),
    asked the way the importer asks for a node (`handler_for`). When the frontend
    names its ops otherwise, change only this."""
    from graphlet.frontend import fx

    return {
        op
        for op in ops
        if fx.handler_for(SimpleNamespace(op="call_function", target=op)) is not None  # type: ignore[arg-type]
    }
