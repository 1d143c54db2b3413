"""Ops graphlet will never compile, to test what runs in PyTorch.

A test of the partitioned fallback needs a node that must run in PyTorch. An ATen op
graphlet lacks today (cumsum, flip) is one that another engineer may add tomorrow,
and the test would then pass for the wrong reason or fail for no reason. These two
custom ops have no handler, ever: `running_sum` (cumsum along dim 0) and its
derivative `reverse_running_sum`, itself opaque, so the backward graph has an
unsupported node too. Both stay whole through torch.export's and AOTAutograd's
decompositions (a custom op has none).
"""

from __future__ import annotations

import torch

RUNNING_SUM = "graphlet_test.running_sum.default"
REVERSE_RUNNING_SUM = "graphlet_test.reverse_running_sum.default"


@torch.library.custom_op("graphlet_test::running_sum", mutates_args=())
def running_sum(x: torch.Tensor) -> torch.Tensor:
    return torch.cumsum(x, 0)


@torch.library.custom_op("graphlet_test::reverse_running_sum", mutates_args=())
def reverse_running_sum(x: torch.Tensor) -> torch.Tensor:
    return torch.cumsum(x.flip(0), 0).flip(0)


@running_sum.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


@reverse_running_sum.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


def _backward(ctx: object, grad: torch.Tensor) -> torch.Tensor:
    return reverse_running_sum(grad)


running_sum.register_autograd(_backward)
