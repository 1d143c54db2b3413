"""`Compiler`: runs a pass pipeline over a builder graph, optionally down to native code.

optimized = Compiler().compile(g)                    # fold, CSE, DCE
native = Compiler(target="native").compile(g)        # ... and compile with LLVM
Compiler(passes=["canonicalize", "dce"]).compile(g)  # any registered pass names
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.passes import ModulePass, PassPipeline

from graphlet import registry
from graphlet.frontend.builder import Graph
from graphlet.registry import make_context

DEFAULT_PASSES = ("graphlet-optimize",)
TARGETS = ("interpret", "native")


class Compiler:
    def __init__(
        self,
        passes: Sequence[str | ModulePass] | None = None,
        target: str = "interpret",
    ) -> None:
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
        self.passes = list(DEFAULT_PASSES if passes is None else passes)
        self.target = target
        self._pipeline = self._build_pipeline()

    def _build_pipeline(self) -> PassPipeline:
        available = registry.all_passes()
        instances: list[ModulePass] = []
        for p in self.passes:
            if isinstance(p, ModulePass):
                instances.append(p)
                continue
            try:
                instances.extend(PassPipeline.parse_spec(available, p).passes)
            except Exception as e:
                raise ValueError(f"unknown or malformed pass {p!r}: {e}") from None
        return PassPipeline(tuple(instances))

    def compile(self, graph: Graph) -> Graph:
        """A new graph, optimized (and compiled natively for target="native");
        the input graph is left as it was."""
        if not graph.outputs:
            raise ValueError("graph has no outputs: call set_outputs(...) first")
        result = graph.clone()
        result.module.verify()
        self._pipeline.apply(make_context(), result.module)
        if self.target == "native":
            from graphlet.driver import compile_graph_function

            result.native = compile_graph_function(  # type: ignore[attr-defined]
                result.module, Graph.FUNCTION
            )
        return result
