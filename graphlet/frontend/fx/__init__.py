"""The torch.fx frontend: PyTorch graphs to graphlet tensor ops.

    compiled = graphlet.compile_fx(model, (torch.randn(1, 4),))
    compiled(x)                       # runs and returns torch tensors (NumPy for NumPy in)
    print(compiled.report())          # per graph: nodes native, each node that was not
    print(compiled.side_by_side())    # fx nodes next to the graphlet ops each became

One import route: Core ATen. `compile_fx` exports the model (`torch.export` +
`run_decompositions`); the `torch.compile` backend goes through AOTAutograd with the
same decompositions, forward and backward. Every node becomes graphlet ops through the
handler registered for its target (`@handles` in `handlers/`, one module per
category). Nodes without a handler run in PyTorch between native partitions
(`graph.py`); each input signature compiles once, behind a shape guard.

Modules: `registry` (the `@handles` table, name resolution), `importer` (fx graph to
`func.func`), `handlers/` (elementwise, reduction, linalg, shape, nn, attention, meta), `export`
(models to Core ATen, the decomposition tables), `graph` (`CompiledGraph`: signatures,
partitions), `kernel` (one imported graph made callable), `compiled` (`compile_fx`),
`backend` (torch.compile: `DynamoGraph` per Dynamo graph), `report`/`explain` (what ran natively), `printer` (side by
side), `dtypes`, `errors`. See docs/pytorch-frontend.md.
"""

from graphlet.frontend.fx.backend import DynamoGraph, collect_graphs, graphlet_backend
from graphlet.frontend.fx.compiled import CompiledFx, compile_fx
from graphlet.frontend.fx.dtypes import element_of, tensor_type_of
from graphlet.frontend.fx.errors import UnsupportedNodeError, source_line
from graphlet.frontend.fx.explain import explain_fx
from graphlet.frontend.fx.export import aot_decompositions, export_core_aten, export_decompositions
from graphlet.frontend.fx.graph import CompiledGraph, signature_of
from graphlet.frontend.fx.importer import FUNCTION, FxImporter, ImportedGraph
from graphlet.frontend.fx.printer import side_by_side
from graphlet.frontend.fx.registry import declared_names, handler_for, handles, handles_module
from graphlet.frontend.fx.report import EagerNode, GraphReport, Report

SUPPORTED_OPS = declared_names()
"""Every op name a handler declared (bare names serve torch.*, F.*, operator.*,
Tensor methods and aten alike)."""

__all__ = [
    "FUNCTION",
    "SUPPORTED_OPS",
    "CompiledFx",
    "CompiledGraph",
    "DynamoGraph",
    "EagerNode",
    "FxImporter",
    "GraphReport",
    "ImportedGraph",
    "Report",
    "UnsupportedNodeError",
    "aot_decompositions",
    "collect_graphs",
    "compile_fx",
    "element_of",
    "explain_fx",
    "export_core_aten",
    "export_decompositions",
    "graphlet_backend",
    "handler_for",
    "handles",
    "handles_module",
    "side_by_side",
    "signature_of",
    "source_line",
    "tensor_type_of",
]
