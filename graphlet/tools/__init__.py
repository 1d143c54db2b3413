"""Command-line tools: graphlet-opt, graphlet-run and graphlet-ir."""

from __future__ import annotations


def version_text(tool: str) -> str:
    """`graphlet-opt 0.1.0 (graphlet), on xDSL 0.74.0` for `--version`."""
    from importlib import metadata

    import graphlet

    return f"{tool} {graphlet.__version__} (graphlet), on xDSL {metadata.version('xdsl')}"
