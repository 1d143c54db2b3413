"""From what the user hands over (module, GraphModule, ExportedProgram) to an imported graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.fx

from graphlet.frontend.fx.errors import UnsupportedNodeError
from graphlet.frontend.fx.importer import FxImporter, ImportedGraph


def trace(model: Any) -> torch.fx.GraphModule:
    """`symbolic_trace`, recording each node's source line for error messages."""
    if isinstance(model, torch.fx.GraphModule):
        return model
    tracer = torch.fx.Tracer()
    tracer.record_stack_traces = True
    graph = tracer.trace(model)
    name = type(model).__name__ if isinstance(model, torch.nn.Module) else model.__name__
    return torch.fx.GraphModule(tracer.root, graph, name)


def import_fx(
    model: Any, example_inputs: Sequence[Any], *, inline_params: bool = False
) -> ImportedGraph:
    """The graphlet module of a model, GraphModule or `torch.export` program."""
    if isinstance(model, torch.export.ExportedProgram):
        sig = model.graph_signature
        lifted = {
            **{p: model.state_dict[n] for p, n in sig.inputs_to_parameters.items()},
            **{
                p: model.state_dict[n] if n in model.state_dict else model.constants[n]
                for p, n in sig.inputs_to_buffers.items()
            },
            **{p: model.constants[n] for p, n in sig.inputs_to_lifted_tensor_constants.items()},
        }
        gm = model.graph_module
        order = iter(example_inputs)
        examples = [
            None if n.name in lifted else next(order)
            for n in gm.graph.nodes
            if n.op == "placeholder"
        ]
        imported = FxImporter(gm, examples, inline_params=inline_params, lifted=lifted).run()
        imported.output_tree = torch.utils._pytree.tree_unflatten(
            list(imported.output_tree), model.call_spec.out_spec
        )
        return imported
    if isinstance(model, torch.nn.Module) and model.training and _has_dropout(model):
        raise UnsupportedNodeError("graphlet compiles for inference: call model.eval() first")
    gm = trace(model)
    return FxImporter(gm, example_inputs, inline_params=inline_params).run()


def _has_dropout(model: torch.nn.Module) -> bool:
    return any(isinstance(m, torch.nn.Dropout) for m in model.modules())
