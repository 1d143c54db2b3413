"""The fx handlers, one module per category; importing this registers them all.

Adding an op means its dialect op (with its `TORCH_NAMES`) and lowering, and -- unless
it is an elementwise op PyTorch calls on its operands alone, whose handler is derived
here -- a handler in the module of its category, registered with `@handles_op(op)` or
`@handles(...)` (see `graphlet.frontend.fx.registry`).
"""

from graphlet.frontend.fx.handlers import (
    attention,
    convolution,
    creation,
    data_movement,
    distance,
    elementwise,
    indexing,
    linalg,
    meta,
    nn,
    pooling,
    reduction,
    shape,
    sorting,
)

elementwise.derive_elementwise_handlers()

__all__ = [
    "attention",
    "convolution",
    "creation",
    "data_movement",
    "distance",
    "elementwise",
    "indexing",
    "linalg",
    "meta",
    "nn",
    "pooling",
    "reduction",
    "shape",
    "sorting",
]
