"""graphlet: an MLIR-style compiler on xDSL that turns Python functions and graphs into native code.

The public names are imported on first use (PEP 562), so `import graphlet` loads
neither xDSL's lowering nor torch nor numba; `graphlet.jit` loads only the dispatcher
until a jitted function is first called.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from graphlet.debug import configure_from_environment

configure_from_environment()

_PUBLIC = {
    "Compiler": "graphlet.compiler",
    "Graph": "graphlet.frontend.builder",
    "backward": "graphlet.frontend.builder",
    "Node": "graphlet.frontend.builder",
    "explain": "graphlet.jit_entry",
    "jit": "graphlet.jit_entry",
    "JitCompileError": "graphlet.jit_entry",
    "compile_fx": "graphlet.frontend.torch_entry",
    "explain_fx": "graphlet.frontend.torch_entry",
    "trace_graph": "graphlet.frontend.numpy_trace",
    "TraceError": "graphlet.frontend.numpy_trace",
    "extract_ir": "graphlet.frontend.torch_entry",
    "build_on_meta": "graphlet.frontend.torch_entry",
    "verify_ir_with_state_dict": "graphlet.frontend.torch_entry",
    "register_op": "graphlet.frontend.torch_entry",
    "ModelIR": "graphlet.frontend.model_ir",
    "IRFormatError": "graphlet.frontend.model_ir",
    "load_ir": "graphlet.frontend.model_ir",
    "ir_to_mermaid": "graphlet.frontend.model_ir",
    "ir_to_dot": "graphlet.frontend.model_ir",
    "pythonify": "graphlet.jit_entry",
    "grad": "graphlet.frontend.autodiff",
    "value_and_grad": "graphlet.frontend.autodiff",
    "AutodiffError": "graphlet.frontend.autodiff",
}

__all__ = [
    "AutodiffError",
    "Compiler",
    "Graph",
    "IRFormatError",
    "JitCompileError",
    "ModelIR",
    "Node",
    "TraceError",
    "__version__",
    "backward",
    "build_on_meta",
    "compile_fx",
    "explain",
    "explain_fx",
    "extract_ir",
    "grad",
    "ir_to_dot",
    "ir_to_mermaid",
    "jit",
    "load_ir",
    "pythonify",
    "register_op",
    "trace_graph",
    "value_and_grad",
    "verify_ir_with_state_dict",
]

if TYPE_CHECKING:
    from graphlet.compiler import Compiler
    from graphlet.frontend.autodiff import AutodiffError, grad, value_and_grad
    from graphlet.frontend.builder import Graph, Node, backward
    from graphlet.frontend.model_ir import IRFormatError, ModelIR, ir_to_dot, ir_to_mermaid, load_ir
    from graphlet.frontend.numpy_trace import TraceError, trace_graph
    from graphlet.frontend.torch_entry import (
        build_on_meta,
        compile_fx,
        explain_fx,
        extract_ir,
        register_op,
        verify_ir_with_state_dict,
    )
    from graphlet.jit_entry import JitCompileError, explain, jit, pythonify


def _version() -> str:
    """The installed distribution's version (importlib.metadata is slow to import,
    so only when asked)."""
    from importlib import metadata

    try:
        return metadata.version("graphlet")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = version = _version()
        return version
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'graphlet' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
