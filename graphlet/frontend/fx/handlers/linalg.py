"""Linear algebra: matmul and its batched forms, linear, addmm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.handlers.common import no_alpha, tensor
from graphlet.frontend.fx.handlers.elementwise import add
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@handles("matmul", "mm", "bmm")
def matmul(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    a, b = imp.promote(tensor(a), tensor(b))
    return imp.emit(g.MatmulOp(a, b))


@handles("linear")
def linear(imp: FxImporter, x: Any, w: Any, b: Any = None) -> SSAValue:
    return imp.emit(g.LinearOp(tensor(x), tensor(w), b))


@handles("addmm")
def addmm(imp: FxImporter, bias: Any, a: Any, b: Any, beta: Any = 1, alpha: Any = 1) -> SSAValue:
    no_alpha(alpha)
    no_alpha(beta)
    return add(imp, matmul(imp, a, b), bias)
