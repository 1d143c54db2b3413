"""Linear algebra: matmul and its batched forms, linear, addmm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.handlers.common import binary, tensor
from graphlet.frontend.fx.handlers.elementwise import add
from graphlet.frontend.fx.registry import handles

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@handles("matmul", "bmm")
def matmul(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    a, b = imp.promote(tensor(a), tensor(b))
    return imp.emit(g.MatmulOp(a, b))


@handles("linear", "aten.linear.default")
def linear(imp: FxImporter, x: Any, w: Any, b: Any = None) -> SSAValue:
    return imp.emit(g.LinearOp(tensor(x), tensor(w), b))


def _transposed_weight(b: Any) -> SSAValue | None:
    """`w` when `b` is `w.permute(1, 0)` of a 2-d `w` (how AOTAutograd spells linear)."""
    op = b.owner if isinstance(b, SSAValue) else None
    if isinstance(op, g.TransposeOp) and tuple(op.perm.get_values()) == (1, 0):
        return op.input
    return None


@handles("mm")
def mm(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """`a @ w.T` is graphlet's linear (no transpose copied); other products matmul."""
    w = _transposed_weight(b)
    elem = g.element_type(tensor(a).type)
    if w is not None and elem == g.element_type(w.type) and elem in g.FLOAT_ELEMENT_TYPES:
        return imp.emit(g.LinearOp(a, w))
    return matmul(imp, a, b)


@handles("addmm")
def addmm(imp: FxImporter, bias: Any, a: Any, b: Any, beta: Any = 1, alpha: Any = 1) -> SSAValue:
    """`beta * bias + alpha * (a @ b)`; with `b = w.T` and a bias of w's rows, linear."""
    w = _transposed_weight(b)
    if alpha == 1 and beta == 1 and w is not None and isinstance(bias, SSAValue):
        elems = {g.element_type(v.type) for v in (tensor(a), w, bias)}
        rows = g.shape_of(w.type)[0]
        same_float = len(elems) == 1 and elems <= set(g.FLOAT_ELEMENT_TYPES)
        if same_float and g.shape_of(bias.type) in ((rows,), ()):
            return imp.emit(g.LinearOp(a, w, bias))
    product = matmul(imp, a, b)
    if alpha != 1:
        product = binary(g.MulOp, imp, product, alpha)
    if beta == 0:
        return product
    return add(imp, product, bias if beta == 1 else binary(g.MulOp, imp, bias, beta))
