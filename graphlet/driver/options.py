"""The named pipelines' options and defaults: what a cache lookup needs to know of a
pipeline, without loading xDSL or the passes (`graphlet.driver.pipelines`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _default_blas() -> bool:
    from graphlet.backend.blas import bind_blas

    return bind_blas()


DEFAULTS: dict[str, Mapping[str, Any]] = {
    "lower-to-llvm": {"optimize": True, "opt_level": 2, "wrappers": None},
    "lower-tensors-to-llvm": {"blas": _default_blas, "opt_level": 3, "function": None},
}
"""Each pipeline's options (a callable default is evaluated when resolved)."""


def resolve_options(pipeline: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The pipeline's options with its defaults filled in (callable defaults are
    evaluated now); unknown names raise."""
    try:
        defaults = DEFAULTS[pipeline]
    except KeyError:
        raise ValueError(
            f"unknown pipeline {pipeline!r}; choose one of {', '.join(DEFAULTS)}"
        ) from None
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise TypeError(f"pipeline {pipeline!r} has no option {', '.join(unknown)}")
    resolved = {**defaults, **options}
    resolved = {k: v() if callable(v) else v for k, v in resolved.items()}
    if isinstance(resolved.get("wrappers"), list | tuple | set | frozenset):
        resolved["wrappers"] = sorted(resolved["wrappers"])
    return resolved
