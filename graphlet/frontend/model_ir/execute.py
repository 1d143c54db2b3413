"""The IR made executable again: a `torch.fx.GraphModule` of the same ATen calls.

Its placeholders are the graph inputs, then the weights (by their `placeholder`
names), so `compile_fx(graph_module, [*inputs, *weights])` compiles it as graphlet
compiles any model, and `run_recording` runs it in PyTorch keeping every value.
Device arguments recorded as `meta` (a model extracted on the meta device) become
the device the IR is executed on.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import torch
import torch.fx

from graphlet.frontend.fx.errors import UnsupportedNodeError
from graphlet.frontend.model_ir.ir import IRNode, ModelIR


def resolve_op(node: IRNode) -> torch._ops.OpOverload:
    """The `OpOverload` named by a node's `op_type` (`aten.linear.default`)."""
    parts = node.op_type.split(".")
    if len(parts) != 3:
        raise UnsupportedNodeError(
            f"node {node.name}: op_type {node.op_type!r} is not namespace.op.overload"
        )
    namespace, name, overload = parts
    try:
        op: torch._ops.OpOverload = getattr(getattr(getattr(torch.ops, namespace), name), overload)
        return op
    except (AttributeError, RuntimeError) as e:
        raise UnsupportedNodeError(
            f"node {node.name}: {node.op_type} is not an op this process knows; "
            "a custom op must be registered first (graphlet.register_op)"
        ) from e


def _decode(value: Any, env: dict[str, torch.fx.Node], device: torch.device) -> Any:
    if isinstance(value, list):
        return [_decode(v, env, device) for v in value]
    if not isinstance(value, dict):
        return value
    ((tag, text),) = value.items()
    if tag == "ref":
        return env[text]
    if tag == "float":
        return float(text)
    if tag == "device":
        return device if text == "meta" else torch.device(text)
    found = getattr(torch, text, None)
    kinds = {"dtype": torch.dtype, "layout": torch.layout, "memory_format": torch.memory_format}
    if not isinstance(found, kinds[tag]):
        raise UnsupportedNodeError(f"{text!r} is not a torch {tag}")
    return found


def to_graph_module(ir: ModelIR, device: str | torch.device = "cpu") -> torch.fx.GraphModule:
    """A GraphModule that computes the IR's outputs from its inputs and weights; each
    fx node's `meta["ir_name"]` is the IR value it computes."""
    device = torch.device(device)
    graph = torch.fx.Graph()
    env: dict[str, torch.fx.Node] = {}
    for name in [t.name for t in ir.graph_inputs] + [w.placeholder for w in ir.weights]:
        env[name] = graph.placeholder(name)
        env[name].meta["ir_name"] = name
    returned = {t.name for t in ir.graph_outputs}
    for node in ir.nodes:
        target = resolve_op(node)
        try:
            args = tuple(_decode(a, env, device) for a in node.args)
            kwargs = {k: _decode(v, env, device) for k, v in node.kwargs.items()}
        except UnsupportedNodeError as e:
            raise UnsupportedNodeError(f"node {node.name} ({node.op_type}): {e}") from e
        call = graph.create_node("call_function", target, args, kwargs, name=node.name)
        call.meta["ir_name"] = node.name
        for out in node.outputs:
            if out.index is None:
                env[out.name] = call
                continue
            if not out.consumers and out.name not in returned:
                continue  # an element nothing reads (batch norm's saved statistics)
            item = graph.create_node(
                "call_function",
                operator.getitem,
                (call, out.index),
                name=out.name.replace(".", "_"),
            )
            item.meta["ir_name"] = out.name
            env[out.name] = item
    graph.output(tuple(env[t.name] for t in ir.graph_outputs))
    graph.lint()
    return torch.fx.GraphModule(torch.nn.Module(), graph, class_name=ir.model_name or "IR")


class _Recorder(torch.fx.Interpreter):
    """Runs a graph in PyTorch and keeps each node's value under its IR name."""

    def __init__(self, module: torch.fx.GraphModule, names: dict[torch.fx.Node, str]) -> None:
        super().__init__(module)
        self.names = names
        self.values: dict[str, Any] = {}

    def run_node(self, n: torch.fx.Node) -> Any:
        value = super().run_node(n)
        name = self.names.get(n)
        if name is not None:
            self.values[name] = value
            if isinstance(value, (list, tuple)):
                for i, v in enumerate(value):
                    self.values.setdefault(f"{name}.{i}", v)
        return value


def run_recording(
    module: torch.fx.GraphModule, args: Sequence[Any], names: dict[torch.fx.Node, str] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """The graph's flat outputs and every named value, run in PyTorch; `names` maps
    nodes to the names to keep them under (default: `meta["ir_name"]`, else the node's
    own name)."""
    if names is None:
        names = {n: n.meta.get("ir_name", n.name) for n in module.graph.nodes if n.op != "output"}
    recorder = _Recorder(module, names)
    with torch.no_grad():
        out = recorder.run(*args)
    return list(out), recorder.values
