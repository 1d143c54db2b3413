"""The fx handlers, one module per category; importing this registers them all.

Adding an op means a handler in the module of its category, registered with
`@handles(...)` (see `graphlet.frontend.fx.registry`), next to its dialect op and lowering.
"""

from graphlet.frontend.fx.handlers import (
    elementwise,
    indexing,
    linalg,
    meta,
    nn,
    reduction,
    shape,
)

__all__ = ["elementwise", "indexing", "linalg", "meta", "nn", "reduction", "shape"]
