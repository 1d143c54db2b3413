"""The one index of what graphlet can parse and run: dialects and passes by name.

`graphlet-opt`, the builder API's `Compiler` and the JIT all read these tables, so a
pass registered here is reachable from every entry point. Factories import lazily to
keep start-up fast.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.context import Context
from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.transforms import get_all_passes


def _graphlet_dialect() -> Dialect:
    from graphlet.dialects.graphlet import Graphlet

    return Graphlet


def _pyrt_dialect() -> Dialect:
    from graphlet.dialects.pyrt import Pyrt

    return Pyrt


GRAPHLET_DIALECTS: dict[str, Callable[[], Dialect]] = {
    "graphlet": _graphlet_dialect,
    "pyrt": _pyrt_dialect,
}


def _graphlet_optimize() -> type[ModulePass]:
    from graphlet.transforms.graphlet_optimize import GraphletOptimizePass

    return GraphletOptimizePass


GRAPHLET_PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "graphlet-optimize": _graphlet_optimize,
}


GRAPHLET_TARGETS: dict[str, Callable[[], type]] = {}
"""Extra `-t` output targets of graphlet-opt, by name."""


def make_context() -> Context:
    """A context with xDSL's dialects and graphlet's registered (lazily)."""
    from xdsl.universe import Universe

    ctx = Context()
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    for name, factory in GRAPHLET_DIALECTS.items():
        if name not in ctx.registered_dialect_names:
            ctx.register_dialect(name, factory)
    return ctx


def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """xDSL's passes plus graphlet's, graphlet's winning on a name clash."""
    return {**get_all_passes(), **GRAPHLET_PASSES}
