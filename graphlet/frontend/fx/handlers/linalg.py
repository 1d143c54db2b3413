"""Linear algebra: matmul and its batched forms, linear, addmm."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.handlers.common import binary, tensor
from graphlet.frontend.fx.handlers.elementwise import add
from graphlet.frontend.fx.registry import handles, handles_op

if TYPE_CHECKING:
    from graphlet.frontend.fx.importer import FxImporter


@handles_op(g.LinearOp, "aten.linear.default")
def linear(imp: FxImporter, x: Any, w: Any, b: Any = None) -> SSAValue:
    """`x @ w.T + b`: graphlet's linear for floats, matmul and add for ints."""
    x, w = tensor(x), tensor(w)
    if g.element_type(x.type) in g.FLOAT_ELEMENT_TYPES:
        return imp.emit(g.LinearOp(x, w, b))
    product = matmul(
        imp, x, imp.emit(g.TransposeOp(w, [1, 0])) if len(g.shape_of(w.type)) == 2 else w
    )
    return product if b is None else add(imp, product, b)


def _transposed_weight(b: Any) -> SSAValue | None:
    """`w` when `b` is `w.permute(1, 0)` of a 2-d `w` (how AOTAutograd spells linear)."""
    op = b.owner if isinstance(b, SSAValue) else None
    if isinstance(op, g.TransposeOp) and tuple(op.perm.get_values()) == (1, 0):
        return op.input
    return None


@handles_op(g.MatmulOp)
def matmul(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """`a @ w.T` of a 2-d float `w` is graphlet's linear (no transpose copied)."""
    a, b = imp.promote(tensor(a), tensor(b))
    w = _transposed_weight(b)
    if w is not None and g.element_type(w.type) in g.FLOAT_ELEMENT_TYPES:
        return imp.emit(g.LinearOp(a, w))
    return imp.emit(g.MatmulOp(a, b))


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
