"""The frontend's errors, and where in the user's source a node came from."""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch
import torch.fx

_GRAPHLET_DIR = str(Path(__file__).resolve().parents[2]) + os.sep
"""graphlet's own frames (the wrapper that exports a plain function) are not the user's."""


class UnsupportedNodeError(Exception):
    """A node graphlet cannot import; the message names the node and its source line."""


class NotHere(Exception):
    """Raised by a handler that does not support these arguments."""


def source_line(node: torch.fx.Node) -> str:
    """`file:line: code` of the innermost user frame that made the node, if recorded."""
    trace = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in \S+\n\s*(.*)', trace)
    frames = [
        f
        for f in frames
        if f"{os.sep}torch{os.sep}" not in f[0] and not f[0].startswith(_GRAPHLET_DIR)
    ]
    if not frames:
        return "unknown source line"
    path, line, code = frames[-1]
    return f"{path}:{line}: {code.strip()}"


def target_str(node: torch.fx.Node) -> str:
    t = node.target
    if isinstance(t, str):
        return t
    if isinstance(t, torch._ops.OpOverload):
        return str(t)
    try:
        return torch.fx.node._get_qualified_name(t)
    except (RuntimeError, AttributeError, TypeError):
        return getattr(t, "__qualname__", None) or str(t)
