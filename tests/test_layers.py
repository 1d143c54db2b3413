"""The import graph of `graphlet/` follows the layer DAG written in docs/architecture.md.

Every `import` counts, at module level or inside a function (a lazy import is still a
dependency). The table in the doc is the rule: change the doc to change the rule.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "graphlet"
DOC = ROOT / "docs" / "architecture.md"


def _table_after(marker: str) -> list[list[str]]:
    """The rows of the markdown table right after the HTML comment `marker`."""
    lines = DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"<!-- {marker}"))
    rows = []
    for line in lines[start + 3 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _names(cell: str) -> list[str]:
    return [n for n in re.split(r"[,\s`]+", cell) if n and n != "-"]


def layers() -> tuple[dict[str, str], dict[str, set[str]]]:
    """(module prefix -> layer, layer -> the layers it may import) from the doc."""
    prefixes, allowed = {}, {}
    for layer, modules, may_import in _table_after("layers"):
        for prefix in _names(modules):
            prefixes[prefix] = layer
        allowed[layer] = {layer, *_names(may_import)}
    return prefixes, allowed


def exceptions() -> set[tuple[str, str]]:
    return {(_names(a)[0], _names(b)[0]) for a, b, _ in _table_after("exceptions")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(source: str) -> set[str]:
    """The graphlet modules `source` imports (`from graphlet.x import y` is `graphlet.x.y`
    when y is a module, else `graphlet.x`)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if _is_module(child) else node.module)
    return {name for name in found if name == "graphlet" or name.startswith("graphlet.")}


def layer_of(module: str, prefixes: dict[str, str]) -> str | None:
    while module:
        if module in prefixes:
            return prefixes[module]
        module = module.rpartition(".")[0]
    return None


def test_every_module_has_a_layer() -> None:
    prefixes, _ = layers()
    unplaced = [
        module_name(p) for p in PACKAGE.rglob("*.py") if layer_of(module_name(p), prefixes) is None
    ]
    assert not unplaced, f"modules in no layer of docs/architecture.md: {unplaced}"


def test_the_layers_form_a_dag() -> None:
    _, allowed = layers()
    order: list[str] = []
    pending = {layer: deps - {layer} for layer, deps in allowed.items()}
    while pending:
        ready = [layer for layer, deps in pending.items() if deps <= set(order)]
        assert ready, f"the layers in docs/architecture.md have a cycle among {sorted(pending)}"
        order += sorted(ready)
        for layer in ready:
            del pending[layer]


def violations(modules: dict[str, str]) -> list[str]:
    """The imports of `modules` (name -> source) that the layers do not allow."""
    prefixes, allowed = layers()
    excused = exceptions()
    wrong = []
    for importer, source_text in sorted(modules.items()):
        source = layer_of(importer, prefixes)
        for imported in sorted(imports(source_text)):
            target = layer_of(imported, prefixes)
            if target in allowed[source] or (importer, imported) in excused:
                continue
            wrong.append(
                f"{importer} ({source}) imports {imported} ({target}); "
                f"{source} may import only {', '.join(sorted(allowed[source] - {source}))}"
            )
    return wrong


def test_no_import_goes_against_the_layers() -> None:
    modules = {module_name(p): p.read_text() for p in PACKAGE.rglob("*.py")}
    wrong = violations(modules)
    assert not wrong, "imports against docs/architecture.md's layers:\n" + "\n".join(wrong)


def test_the_check_sees_a_lazy_back_edge() -> None:
    """It bites: a lowering module importing tools/ inside a function is reported, and
    so is the runtime reaching into lowering."""
    lowering = "def f():\n    from graphlet.tools.diagnostics import report_errors\n"
    runtime = "from graphlet.lowering import lower_to_llvm\n"
    wrong = violations({"graphlet.lowering.probe": lowering, "graphlet.runtime.probe": runtime})
    assert len(wrong) == 2
    assert (
        "graphlet.lowering.probe (lowering) imports graphlet.tools.diagnostics (tools)" in wrong[0]
    )
    assert "graphlet.runtime.probe (runtime) imports graphlet.lowering.lower_to_llvm" in wrong[1]
