"""The torch.fx frontend: PyTorch graphs to graphlet tensor ops.

    compiled = graphlet.compile_fx(model, (torch.randn(1, 4),))
    compiled(x)                       # runs and returns torch tensors (NumPy for NumPy in)
    print(compiled.side_by_side())    # fx nodes next to the graphlet ops each became

`compile_fx` takes an `nn.Module` (traced with `torch.fx.symbolic_trace`), a
`GraphModule` (for example from TorchDynamo) or a `torch.export` program (aten ops).
Every node becomes graphlet ops through the handler registered for its target
(`@handles` in `handlers/`, one module per category); the same handler serves
`torch.add`, `operator.add`, `Tensor.add` and `aten.add.Tensor`. An unsupported node
raises `UnsupportedNodeError` naming the node, its target and its source line.
`graphlet_backend` is the `torch.compile` backend: a graph it cannot compile runs
eagerly, and the reason is logged.

Modules: `registry` (the `@handles` table, name resolution), `importer` (fx graph to
`func.func`), `handlers/` (elementwise, reduction, linalg, shape, nn, meta), `tracing`
(model to GraphModule), `compiled` (`CompiledFx`, running), `backend` (torch.compile),
`printer` (side by side), `dtypes`, `errors`.
"""

from graphlet.frontend.fx.backend import graphlet_backend
from graphlet.frontend.fx.compiled import CompiledFx, compile_fx, signature_of
from graphlet.frontend.fx.dtypes import element_of, tensor_type_of
from graphlet.frontend.fx.errors import UnsupportedNodeError, source_line
from graphlet.frontend.fx.importer import FUNCTION, FxImporter, ImportedGraph
from graphlet.frontend.fx.printer import side_by_side
from graphlet.frontend.fx.registry import declared_names, handler_for, handles, handles_module
from graphlet.frontend.fx.tracing import import_fx, trace

SUPPORTED_OPS = declared_names()
"""Every op name a handler declared (bare names serve torch.*, F.*, operator.*,
Tensor methods and aten alike)."""

__all__ = [
    "FUNCTION",
    "SUPPORTED_OPS",
    "CompiledFx",
    "FxImporter",
    "ImportedGraph",
    "UnsupportedNodeError",
    "compile_fx",
    "element_of",
    "graphlet_backend",
    "handler_for",
    "handles",
    "handles_module",
    "import_fx",
    "side_by_side",
    "signature_of",
    "source_line",
    "tensor_type_of",
    "trace",
]
