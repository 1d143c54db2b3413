"""The NumPy graph tracer: `graphlet.trace_graph(fn, args=...)`.

`proxy` logs the NumPy calls a function makes on tracked arrays, `graph` connects
them backwards from the outputs (dropping what the outputs do not need), `emit`
turns the kept calls into graphlet tensor ops with NumPy's semantics, and `traced`
compiles the result through the driver and calls it behind shape and dtype guards.
"""

from graphlet.frontend.numpy_trace.proxy import TraceError
from graphlet.frontend.numpy_trace.traced import TracedFunction, trace_graph

__all__ = ["TraceError", "TracedFunction", "trace_graph"]
