"""The region runtime of `@jit`'s region breaks, as the frontend takes it: the bytecode
capture builds its sites (`graphlet.runtime.regions.RegionSite`) and registers them
(`graphlet.backend.regions`), the dispatcher finishes a call that broke out
(docs/jit-region-breaks.md)."""

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
from graphlet.runtime.regions import OBSERVED, RegionSite, Spec

__all__ = [
    "OBSERVED",
    "SITES",
    "RegionSite",
    "Site",
    "Spec",
    "finish",
    "is_region_status",
    "leave",
    "register",
    "unregister",
]
