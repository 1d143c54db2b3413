"""The region runtime of `@jit`'s region breaks, for the layers above the backend
(it lives in `graphlet.backend.regions`, beside the native code that calls it)."""

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
