"""`graphlet-optimize`: the default optimization pipeline.

Folding and canonicalization first (they expose dead code and duplicates), then CSE
(`graphlet-cse`: xDSL's, along the dominator tree in functions of many blocks), then
DCE, then one more canonicalization for what CSE exposed.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.canonicalize import CanonicalizePass
from xdsl.transforms.dead_code_elimination import DeadCodeElimination

from graphlet.transforms.graphlet_cse import GraphletCSEPass


@dataclass(frozen=True)
class GraphletOptimizePass(ModulePass):
    name = "graphlet-optimize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        CanonicalizePass().apply(ctx, op)
        GraphletCSEPass().apply(ctx, op)
        DeadCodeElimination().apply(ctx, op)
        CanonicalizePass().apply(ctx, op)
