"""`graphlet.explain_fx`: which nodes of a model run natively, per graph."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from graphlet.frontend.fx.backend import collect_graphs, graphlet_backend
from graphlet.frontend.fx.compiled import compile_fx
from graphlet.frontend.fx.report import Report


def explain_fx(model: Any, example_inputs: Sequence[Any], *, via: str = "torch.compile") -> Report:
    """Run the model once through `torch.compile(backend="graphlet")` (or, with
    `via="compile_fx"`, through `compile_fx`) and report, per graph, how many nodes
    ran natively and each node that ran in PyTorch, with its op and source line."""
    if via == "compile_fx":
        return compile_fx(model, example_inputs).report()
    if via != "torch.compile":
        raise ValueError(f'via must be "torch.compile" or "compile_fx", got {via!r}')

    def backend(gm: torch.fx.GraphModule, inputs: Sequence[Any], **kwargs: Any) -> Any:
        return graphlet_backend(gm, inputs, **kwargs)  # a new backend: Dynamo recompiles

    compiled: Callable[..., Any] = torch.compile(model, backend=backend)
    with collect_graphs() as graphs:
        compiled(*example_inputs)
    return Report([r for g in graphs for r in g.reports()])
