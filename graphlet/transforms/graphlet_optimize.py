"""`graphlet-optimize`: the default optimization pipeline.

Folding and canonicalization first (they expose dead code and duplicates), then CSE,
then DCE, then one more canonicalization for what CSE exposed.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.transforms.canonicalize import CanonicalizePass
from xdsl.transforms.common_subexpression_elimination import (
    CommonSubexpressionElimination,
)
from xdsl.transforms.dead_code_elimination import DeadCodeElimination


@dataclass(frozen=True)
class GraphletOptimizePass(ModulePass):
    name = "graphlet-optimize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        CanonicalizePass().apply(ctx, op)
        CommonSubexpressionElimination().apply(ctx, op)
        DeadCodeElimination().apply(ctx, op)
        CanonicalizePass().apply(ctx, op)
