"""graphlet: an MLIR-style compiler on xDSL that turns Python functions and graphs into native code."""

from graphlet.debug import configure_from_environment

configure_from_environment()

from graphlet.compiler import Compiler  # noqa: E402
from graphlet.frontend.builder import Graph, Node  # noqa: E402
from graphlet.frontend.jit import explain, jit  # noqa: E402
from graphlet.frontend.torch_entry import compile_fx, explain_fx  # noqa: E402

__all__ = ["Compiler", "Graph", "Node", "compile_fx", "explain", "explain_fx", "jit"]
