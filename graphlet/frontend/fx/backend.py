"""The `torch.compile(backend="graphlet")` backend, through AOTAutograd.

Dynamo hands over a torch-level graph; AOTAutograd functionalizes it, decomposes it
to Core ATen (`aot_decompositions()`), and -- when an input requires grad -- splits
it into a forward and a backward graph. graphlet compiles each of them as a
`CompiledGraph`: natively where it can, the rest in PyTorch, per input signature.
So `loss.backward()` works and runs graphlet's code for the backward ops it has.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
import torch.fx

from graphlet.frontend.fx.export import aot_decompositions
from graphlet.frontend.fx.graph import CompiledGraph
from graphlet.frontend.fx.kernel import check_mode
from graphlet.frontend.fx.report import Report

_GRAPH_NUMBERS = itertools.count()
_COLLECTORS: list[list[CompiledGraph]] = []


class DynamoGraph:
    """What the backend returns for one Dynamo graph: call it as Dynamo does. It holds
    the graphs AOTAutograd made of it (inference, or forward and backward), each a
    `CompiledGraph`; `report()` and `native` say what ran natively so far."""

    def __init__(self, run: Callable[..., Any], graphs: list[CompiledGraph]) -> None:
        self._run = run
        self.graphs = graphs

    def __call__(self, *args: Any) -> Any:
        return self._run(*args)

    def report(self) -> Report:
        return Report([r for g in self.graphs for r in g.reports()])

    @property
    def native(self) -> bool:
        """Whether every node of every signature compiled so far ran natively (False
        before the first call, when nothing is compiled yet)."""
        return self.report().all_native


def graphlet_backend(
    gm: torch.fx.GraphModule, example_inputs: Sequence[Any], **kwargs: Any
) -> DynamoGraph:
    """The `torch.compile(backend="graphlet")` backend. `options={"mode": "native"}`
    raises instead of running unsupported nodes in PyTorch; `{"pythonify": "out.py"}`
    writes each compiled graph as Python (`graphlet.frontend.fx.pythonify`)."""
    from functorch.compile import make_boxed_func
    from torch._dynamo.backends.common import aot_autograd

    options = kwargs.get("options") or {}
    mode = check_mode(options.get("mode", "auto"))
    number = next(_GRAPH_NUMBERS)
    graphs: list[CompiledGraph] = []

    def compiler(kind: str) -> Callable[..., Any]:
        def compile_graph(aten: torch.fx.GraphModule, inputs: Sequence[Any]) -> Any:
            graph = CompiledGraph(
                aten,
                name=f"graph {number} {kind}",
                mode=mode,
                pythonify=options.get("pythonify"),
                input_views=False,  # AOTAutograd makes its outputs' views of inputs again
            )
            graphs.append(graph)
            for collector in _COLLECTORS:
                collector.append(graph)
            return make_boxed_func(graph)  # AOTAutograd's calling convention: one list

        return compile_graph

    tupled = _tuple_output(gm)
    # Under no_grad on CPU, LSTM's C++ kernel (CompositeImplicit, traced through)
    # calls oneDNN's fused `mkldnn_rnn_layer`, opaque to graphlet; with oneDNN off it
    # is the cell's matmuls and pointwise ops, as on torch.export's route.
    with onednn_off():
        aot = aot_autograd(
            fw_compiler=compiler("forward"),
            bw_compiler=compiler("backward"),
            inference_compiler=compiler("inference"),
            decompositions=aot_decompositions(),
        )(tupled or gm, example_inputs)

    def run(*args: Any) -> Any:
        out = aot(*args)
        return out[0] if tupled is not None else out

    return DynamoGraph(run, graphs)


def onednn_off() -> Any:
    """`torch.backends.mkldnn.flags` turning oneDNN off and leaving its other settings
    as they are (its defaults would also set TF32, which warns on a CPU build)."""
    mkldnn = torch.backends.mkldnn
    return mkldnn.flags(
        enabled=False, deterministic=mkldnn.deterministic, allow_tf32=mkldnn.allow_tf32
    )


def _tuple_output(gm: torch.fx.GraphModule) -> torch.fx.GraphModule | None:
    """A copy returning `(out,)` when `gm` returns one value (AOTAutograd wants a
    tuple; Dynamo's graphs have one, a `symbolic_trace` may not)."""
    output = next(n for n in reversed(gm.graph.nodes) if n.op == "output")
    if isinstance(output.args[0], tuple | list):
        return None
    graph = torch.fx.Graph()
    value = graph.graph_copy(gm.graph, {})
    graph.output((value,))
    return torch.fx.GraphModule(gm, graph)


@contextmanager
def collect_graphs() -> Iterator[list[CompiledGraph]]:
    """Every graph the backend compiles inside the block."""
    graphs: list[CompiledGraph] = []
    _COLLECTORS.append(graphs)
    try:
        yield graphs
    finally:
        _COLLECTORS.remove(graphs)
