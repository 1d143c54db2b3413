"""The region runtime of `@jit`'s region breaks (`graphlet.backend.regions`), as the
frontend takes it: the bytecode capture registers its sites, the dispatcher finishes
a call that broke out (docs/jit-region-breaks.md)."""

from __future__ import annotations

from graphlet.backend.regions import (
    SITES,
    Site,
    finish,
    is_region_status,
    leave,
    register,
    unregister,
)

__all__ = ["SITES", "Site", "finish", "is_region_status", "leave", "register", "unregister"]
