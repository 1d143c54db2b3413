"""Running compiled code: the reference interpreter, native calls, Python's exceptions."""

from graphlet.runtime.execute import execute

__all__ = ["execute"]
