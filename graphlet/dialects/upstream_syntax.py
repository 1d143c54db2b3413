"""Helpers for the dialects graphlet registers in place of xDSL's, with upstream
MLIR's syntax for some ops (`memref_ext`, `llvm_ext`, `arith_ext`, `scf_ext`,
`linalg_ext`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdsl.ir import Attribute, Dialect, Operation


def replace_ops(
    dialect: Dialect,
    ops: Sequence[type[Operation]],
    extra_attributes: Sequence[type[Attribute]] = (),
) -> Dialect:
    """`dialect` with each op of `ops` in place of the op of the same name (or
    added when it has none), plus `extra_attributes`."""
    by_name = {op.name: op for op in ops}
    kept = [by_name.pop(op.name, op) for op in dialect.operations]
    return Dialect(
        dialect.name,
        [*kept, *by_name.values()],
        [*dialect.attributes, *extra_attributes],
    )


def by_class(table: dict[type[Any], Any], op: Operation) -> Any:
    """`table[type(op)]`, or the entry of the nearest base class: graphlet's
    upstream-syntax ops are subclasses of xDSL's and mean the same."""
    for cls in type(op).__mro__:
        if cls in table:
            return table[cls]
    return None
