"""The `torch.compile(backend="graphlet")` backend."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.fx

from graphlet.frontend.fx.compiled import compile_fx
from graphlet.frontend.fx.errors import UnsupportedNodeError

log = logging.getLogger("graphlet.fx")


def graphlet_backend(
    gm: torch.fx.GraphModule, example_inputs: Sequence[Any], **kwargs: Any
) -> Callable[..., Any]:
    """The `torch.compile(backend="graphlet")` backend, for inference: a graph
    graphlet cannot compile runs eagerly and the reason is logged."""
    try:
        compiled = compile_fx(gm, list(example_inputs))
    except (UnsupportedNodeError, TypeError) as e:
        log.warning("graphlet: running this graph eagerly: %s", e)
        return gm.forward

    def run(*args: Any) -> Any:
        return compiled(*args)

    run.compiled = compiled  # type: ignore[attr-defined]
    return run
