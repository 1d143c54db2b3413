"""Creation ops: `arange`, `full`, `zeros`/`ones`/`empty`, `scalar_tensor`.

Their arguments are static (graphlet compiles per input shape), so the tensor they
make is known at import: PyTorch itself computes it (its dtype inference and its
arange length and rounding are then exactly PyTorch's) and it becomes a constant.
A tensor of one repeated value is a 0-d constant broadcast to its shape, so a large
`zeros` is a fill loop, not a dense constant in the code. `empty` reads as zeros:
its values are unspecified in PyTorch, and graphlet never reads uninitialised memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.dtypes import element_of
from graphlet.frontend.fx.errors import NotHere
from graphlet.frontend.fx.handlers.common import sizes
from graphlet.frontend.fx.registry import creates

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


def _check_options(
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
    memory_format: Any = None,
    requires_grad: Any = None,
) -> None:
    if layout not in (None, torch.strided):
        raise NotHere(f"layout={layout} is not supported")
    if device is not None and torch.device(device).type != "cpu":
        raise NotHere(f"device={device} is not supported")


def _static(*values: Any) -> None:
    for v in values:
        if isinstance(v, SSAValue):
            raise NotHere("a creation op whose arguments are tensors (a data-dependent shape)")


def materialize(imp: FxImporter, t: torch.Tensor) -> SSAValue:
    """`t` as a constant: one element broadcast when all its elements are equal."""
    elem = element_of(t.dtype)
    flat = t.reshape(-1)
    if t.numel() > 1 and _all_equal(flat):
        return imp.emit(g.ExpandOp(imp.constant(flat[0].numpy(), elem), tuple(t.shape)))
    return imp.constant(t.numpy(), elem)


def _all_equal(flat: torch.Tensor) -> bool:
    """All elements equal, bit for bit (NaN to NaN, and -0.0 is not 0.0)."""
    if flat.dtype.is_floating_point:
        flat = flat.view(torch.int32 if flat.dtype == torch.float32 else torch.int64)
    return bool((flat == flat[0]).all())


@creates("arange")
def arange(imp: FxImporter, *args: Any, dtype: Any = None, **options: Any) -> SSAValue:
    """`aten.arange` (`.default(end)`, `.start(start, end)`, `.start_step(start, end, step)`)."""
    _static(*args)
    _check_options(**options)
    try:
        values = torch.arange(*args, dtype=dtype)
    except (RuntimeError, TypeError) as e:
        raise NotHere(f"arange{tuple(args)}: {e}") from e
    return imp.constant(values.numpy(), element_of(values.dtype))


@creates("full")
def full(
    imp: FxImporter, size: Any, fill_value: Any, *, dtype: Any = None, **options: Any
) -> SSAValue:
    """`torch.full(size, value)`: the dtype inferred from the value as PyTorch does
    (bool, int64, or the default float dtype)."""
    _static(fill_value, *size)
    _check_options(**options)
    return materialize(imp, torch.full(sizes([size]), fill_value, dtype=dtype))


@creates("zeros", "empty")
def zeros(imp: FxImporter, *size: Any, dtype: Any = None, **options: Any) -> SSAValue:
    _static(*size)
    _check_options(**options)
    return materialize(imp, torch.zeros(sizes(size), dtype=dtype))


@creates("ones")
def ones(imp: FxImporter, *size: Any, dtype: Any = None, **options: Any) -> SSAValue:
    _static(*size)
    _check_options(**options)
    return materialize(imp, torch.ones(sizes(size), dtype=dtype))


@creates("empty_strided")
def empty_strided(
    imp: FxImporter, size: Any, stride: Any, *, dtype: Any = None, **options: Any
) -> SSAValue:
    """An `empty` whose strides do not matter: graphlet's tensors are all row-major,
    and the values are unspecified."""
    return zeros(imp, size, dtype=dtype, **options)


@creates("scalar_tensor")
def scalar_tensor(imp: FxImporter, value: Any, *, dtype: Any = None, **options: Any) -> SSAValue:
    """A 0-d tensor of `value`, of the default float dtype unless `dtype` says otherwise."""
    _static(value)
    _check_options(**options)
    return materialize(imp, torch.scalar_tensor(value, dtype=dtype))
