"""graphlet: an MLIR-style compiler on xDSL that turns Python functions and graphs into native code."""

from graphlet.compiler import Compiler
from graphlet.frontend.builder import Graph, Node

__all__ = ["Compiler", "Graph", "Node"]
