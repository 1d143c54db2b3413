"""`graphlet.capture.region_jit`: `@graphlet.jit` with region breaks (the first seed's
name for it): a `print` or an unknown call at a statement boundary runs in CPython and
the compiled code carries on after it (docs/jit-region-breaks.md).

    @graphlet.capture.region_jit
    def f(n): ...

It is `graphlet.jit(regions=True)`, with the same keywords.
"""

from __future__ import annotations

from typing import Any

from graphlet.jit_entry import jit

__all__ = ["region_jit"]


def region_jit(fn: Any = None, **options: Any) -> Any:
    """`@region_jit`, `@region_jit(strict=..., ...)` or `region_jit(fn)`."""
    return jit(fn, regions=True, **options)
