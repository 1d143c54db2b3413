"""The IR as a picture: a Mermaid flowchart (`ir_to_mermaid`) or a Graphviz digraph
(`ir_to_dot`), both torch-free.

Conventions (Mermaid): graph inputs are parallelograms `[/"Input: x<br/>1x4"/]`, each op
a box with its short name and output shape, weights parallelograms whose edges are
dashed (`-.->`) and declared before their first use, every edge labelled with the
shape it carries, and the outputs trapezoids `[\\"Output<br/>1x2"/]`.
"""

from __future__ import annotations

import re

from graphlet.frontend.model_ir.ir import IRNode, ModelIR, TensorInfo


def shape_text(shape: tuple[int, ...]) -> str:
    """`1x4`; a 0-d tensor is `scalar`."""
    return "x".join(str(s) for s in shape) if shape else "scalar"


def _ident(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return text.replace('"', "#quot;")


def _outputs_text(node: IRNode) -> str:
    return ", ".join(shape_text(o.shape) for o in node.outputs) or "no output"


class _Names:
    """Mermaid/DOT identifiers of the IR's values: `input_x`, `w_p_fc1_weight`,
    `op_linear` (the node that made the value), unique even after sanitising."""

    def __init__(self, ir: ModelIR) -> None:
        self.ids: dict[str, str] = {}
        self.taken: set[str] = set()
        for t in ir.graph_inputs:
            self.ids[t.name] = self.unique(_ident("input_", t.name))
        for w in ir.weights:
            self.ids[w.placeholder] = self.unique(_ident("w_", w.placeholder))
        self.nodes = {n.name: self.unique(_ident("op_", n.name)) for n in ir.nodes}
        for n in ir.nodes:
            for o in n.outputs:
                self.ids[o.name] = self.nodes[n.name]

    def unique(self, ident: str) -> str:
        candidate, k = ident, 1
        while candidate in self.taken:
            candidate, k = f"{ident}_{k}", k + 1
        self.taken.add(candidate)
        return candidate


def ir_to_mermaid(ir: ModelIR) -> str:
    """A Mermaid `flowchart TD` of the IR (see the module docstring)."""
    names = _Names(ir)
    weights = ir.weight_by_placeholder()
    lines = ["flowchart TD"]
    for t in ir.graph_inputs:
        lines.append(
            f'    {names.ids[t.name]}[/"Input: {_mermaid_text(t.name)}<br/>{shape_text(t.shape)}"/]'
        )
    declared: set[str] = set()
    for n in ir.nodes:
        me = names.nodes[n.name]
        lines.append(f'    {me}["{_mermaid_text(n.op)}<br/>{_outputs_text(n)}"]')
        for i in n.inputs:
            source, shape = names.ids[i.name], shape_text(i.shape)
            if i.name in weights:
                if i.name not in declared:
                    declared.add(i.name)
                    lines.append(f'    {source}[/"{_mermaid_text(i.name)}<br/>{shape}"/]')
                lines.append(f'    {source} -.->|"{shape}"| {me}')
            else:
                lines.append(f'    {source} -->|"{shape}"| {me}')
    for k, t in enumerate(ir.graph_outputs):
        lines.append(f'    output_{k}[\\"Output<br/>{shape_text(t.shape)}"/]')
        source = names.ids[t.name]
        if t.name in weights and t.name not in declared:
            declared.add(t.name)
            lines.append(f'    {source}[/"{_mermaid_text(t.name)}<br/>{shape_text(t.shape)}"/]')
        lines.append(f"    {source} --> output_{k}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def ir_to_dot(ir: ModelIR) -> str:
    """A Graphviz `digraph` of the IR: the same nodes and edges as `ir_to_mermaid`
    (inputs and weights parallelograms, weight edges dashed, edges labelled with shapes)."""
    names = _Names(ir)
    weights = ir.weight_by_placeholder()
    lines = [
        f'digraph "{_dot_text(ir.model_name)}" {{',
        "    rankdir=TB;",
        "    node [fontsize=10];",
    ]

    def value(ident: str, label: tuple[str, str], shape: str, style: str = "") -> None:
        text = "\\n".join(_dot_text(part) for part in label)
        lines.append(f'    {ident} [label="{text}", shape={shape}{style}];')

    for t in ir.graph_inputs:
        value(names.ids[t.name], (f"Input: {t.name}", shape_text(t.shape)), "parallelogram")
    for w in ir.weights:
        value(
            names.ids[w.placeholder],
            (w.placeholder, shape_text(w.shape)),
            "parallelogram",
            ", style=dashed",
        )
    for n in ir.nodes:
        value(names.nodes[n.name], (n.op, _outputs_text(n)), "box")
    edges: list[tuple[str, str, TensorInfo, bool]] = [
        (names.ids[i.name], names.nodes[n.name], i, i.name in weights)
        for n in ir.nodes
        for i in n.inputs
    ]
    for k, t in enumerate(ir.graph_outputs):
        value(f"output_{k}", ("Output", shape_text(t.shape)), "invtrapezium")
        edges.append((names.ids[t.name], f"output_{k}", t, False))
    for source, target, t, dashed in edges:
        style = ", style=dashed" if dashed else ""
        lines.append(f'    {source} -> {target} [label="{shape_text(t.shape)}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
