"""The debug printer: each fx node next to the graphlet ops it became."""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING

import torch.fx
from xdsl.ir import Operation
from xdsl.printer import Printer

from graphlet.frontend.fx.errors import target_str

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import ImportedGraph


def op_line(op: Operation) -> str:
    out = StringIO()
    Printer(stream=out).print_op(op)
    return " ".join(out.getvalue().split())


def side_by_side(imported: ImportedGraph, width: int = 60) -> str:
    """Each fx node (`print_tabular`'s columns) next to the graphlet ops it became."""
    rows = [("opcode", "name", "target", "args", "graphlet IR")]
    for node, ops in imported.node_ops.items():
        args = str(node.args) + (f" {node.kwargs}" if node.kwargs else "")
        left = (node.op, node.name, target_str(node)[:28], args[:40])
        lines = [op_line(op) for op in ops] or ["(no op: " + _describe(node) + ")"]
        rows.append((*left, lines[0]))
        rows.extend(("", "", "", "", line) for line in lines[1:])
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    text = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:4], widths)]
        text.append("  ".join(cells) + " | " + r[4])
    text.insert(1, "-" * (sum(widths) + 8) + "-+-" + "-" * width)
    return "\n".join(text)


def _describe(node: torch.fx.Node) -> str:
    if node.op == "placeholder":
        return "function argument"
    if node.op == "output":
        return "func.return"
    return "Python value or alias"
