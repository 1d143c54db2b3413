"""The vocabulary of derivative rules (what an op's `vjp` / `local_derivatives` is
written in) and the reverse sweep that applies them over a block.

Each graphlet op declares its derivative beside its meaning (micrograd keeps a value
and its local derivative together): an elementwise op gives `local_derivatives`, the
partial derivative of its result with respect to each operand, and the default `vjp`
multiplies the incoming cotangent by them (summing away broadcast dimensions); other
ops (matmul, reductions, data movement) write `vjp` directly. Rules build ops through
a `Derivative`, which collects them in order for the `graphlet-autodiff` pass to
insert. A rule returns `None` for an operand whose gradient is zero (floor, a
comparison's operands) and may return the Python floats `1.0` / `-1.0` for an identity
or negated partial. An op with no rule raises `NoDerivative`, which the pass reports at
the op's source line, as PyTorch reports a function without a derivative formula.

`gradients` is the engine (micrograd's `backward()`, beside its ops): it walks a block
backwards from one output, accumulating each value's cotangent from its users' rules.
The `graphlet-autodiff` pass and the builder's `backward` both call it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects.builtin import FloatAttr, TensorType, UnitAttr
from xdsl.ir import Attribute, Block, Operation, SSAValue

from graphlet.dialects.graphlet.types import (
    FLOAT,
    FLOAT_ELEMENT_TYPES,
    element_type,
    is_tensor,
    np_dtype,
    shape_of,
)
from graphlet.locations import lowering_error

if TYPE_CHECKING:
    from graphlet.dialects.graphlet.abstract_ops import GraphletOp

Partial = SSAValue | float | None
"""A local derivative: a value, the constant 1.0 or -1.0, or None for zero."""


class NoDerivative(Exception):
    """The op has no derivative rule (or none for these operands)."""

    def __init__(self, op: Operation, why: str = "has no derivative rule") -> None:
        super().__init__(f"'{op.name}' {why}")
        self.op = op


def is_float(t: Attribute) -> bool:
    """Whether gradients flow through values of type `t` (f64 scalars, float tensors)."""
    return element_type(t) in FLOAT_ELEMENT_TYPES or t == FLOAT


def _g() -> Any:
    from graphlet.dialects import graphlet as g

    return g


class Derivative:
    """Builds the ops of one op's derivative, in order (`ops`). `wanted[i]` says
    whether operand i needs its derivative: rules skip work (and ops that could raise,
    like the `log` in `a ** b`'s derivative by `b`) nobody asked for."""

    def __init__(self, op: GraphletOp | None, wanted: Sequence[bool]) -> None:
        self.op = op
        self.wanted = tuple(wanted)
        self.ops: list[Operation] = []

    def wants(self, index: int) -> bool:
        return self.wanted[index]

    def emit(self, op: Operation) -> SSAValue:
        """Collect `op`; a scalar float op that could raise computes in IEEE floats
        (`ieee`), as PyTorch's derivatives do: sqrt's at 0 is inf, not an error."""
        g = _g()
        if (
            isinstance(op, g.BinaryOp | g.UnaryOp)
            and op.RAISES
            and g.has_ieee_form(type(op))
            and all(o.type == FLOAT for o in op.operands)
        ):
            op.properties["ieee"] = UnitAttr()
        self.ops.append(op)
        return op.results[0]

    # ------------------------------------------------------------------ constants

    def const(self, value: float, like: SSAValue | Attribute) -> SSAValue:
        """`value` in the element type of `like` (a 0-d tensor for tensors: it broadcasts)."""
        g = _g()
        t = like if isinstance(like, Attribute) else like.type
        if is_tensor(t):
            elem = element_type(t)
            return self.emit(g.ConstantOp.from_array(np.asarray(value, np_dtype(elem)), elem))
        return self.emit(g.ConstantOp(FloatAttr(float(value), FLOAT)))

    def zeros(self, t: Attribute) -> SSAValue:
        """A zero of type `t` (a full tensor, so it can be returned)."""
        g = _g()
        if is_tensor(t):
            elem = element_type(t)
            zeros = np.zeros(shape_of(t), np_dtype(elem))
            return self.emit(g.ConstantOp.from_array(zeros, elem))
        return self.const(0.0, t)

    # ------------------------------------------------------------------ arithmetic

    def add(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().AddOp(a, b))

    def sub(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().SubOp(a, b))

    def mul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().MulOp(a, b))

    def div(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().TrueDivOp(a, b))

    def neg(self, a: SSAValue) -> SSAValue:
        return self.emit(_g().NegOp(a))

    def scale(self, a: SSAValue, k: float) -> SSAValue:
        return self.mul(a, self.const(k, a))

    def square(self, a: SSAValue) -> SSAValue:
        return self.mul(a, a)

    def unary(self, op: Callable[[SSAValue], Operation], a: SSAValue) -> SSAValue:
        return self.emit(op(a))

    def where(self, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().SelectOp(cond, a, b))

    def cmp(self, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().CmpOp(predicate, a, b))

    def indicator(self, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
        """1.0 where `a predicate b`, else 0.0 (in `a`'s float type)."""
        return self.where(self.cmp(predicate, a, b), self.const(1.0, a), self.const(0.0, a))

    def sign(self, x: SSAValue) -> SSAValue:
        """torch.sign: -1, 0 or 1 (0 at 0, so `abs`'s gradient at 0 is 0 as in PyTorch)."""
        zero = self.const(0.0, x)
        return self.sub(self.indicator("gt", x, zero), self.indicator("lt", x, zero))

    def cast(self, x: SSAValue, to: Attribute) -> SSAValue:
        return x if x.type == to else self.emit(_g().CastOp(x, to))

    # ------------------------------------------------------------------ shapes

    def reshape(self, x: SSAValue, shape: Sequence[int]) -> SSAValue:
        if shape_of(x.type) == tuple(shape):
            return x
        return self.emit(_g().ReshapeOp(x, shape))

    def expand(self, x: SSAValue, shape: Sequence[int]) -> SSAValue:
        if shape_of(x.type) == tuple(shape):
            return x
        return self.emit(_g().ExpandOp(x, shape))

    def transpose(self, x: SSAValue, perm: Sequence[int]) -> SSAValue:
        if list(perm) == list(range(len(perm))):
            return x
        return self.emit(_g().TransposeOp(x, perm))

    def swap_last(self, x: SSAValue) -> SSAValue:
        """The transpose of the last two dimensions (`x.mT`)."""
        rank = len(shape_of(x.type))
        return self.transpose(x, [*range(rank - 2), rank - 1, rank - 2])

    def sum(self, x: SSAValue, dims: Sequence[int], keepdim: bool) -> SSAValue:
        if not dims:
            return x
        return self.emit(_g().SumOp(x, dims, keepdim))

    def matmul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self.emit(_g().MatmulOp(a, b))

    def unbroadcast(self, grad: SSAValue, to: Attribute) -> SSAValue:
        """The cotangent of a value of type `to` that broadcasting stretched to
        `grad`'s shape: summed over the stretched dimensions (PyTorch's `sum_to_size`)."""
        if not is_tensor(to):
            return grad
        target, shape = shape_of(to), shape_of(grad.type)
        if shape == target:
            return grad
        lead = len(shape) - len(target)
        dims = [i for i, n in enumerate(shape) if i < lead or (target[i - lead] == 1 and n != 1)]
        return self.reshape(self.sum(grad, dims, keepdim=True), target)

    def restore_reduced(
        self, grad: SSAValue, input_shape: Sequence[int], dims: Sequence[int], keepdim: bool
    ) -> SSAValue:
        """The cotangent of a reduction's result, broadcast back over the reduced dims."""
        kept = tuple(1 if i in dims else n for i, n in enumerate(input_shape))
        if not keepdim:
            grad = self.reshape(grad, kept)
        return self.expand(grad, input_shape)

    def count(self, input_shape: Sequence[int], dims: Sequence[int]) -> int:
        return math.prod(input_shape[d] for d in dims)


def times(d: Derivative, grad: SSAValue, partial: Partial) -> SSAValue | None:
    """`grad * partial`, without multiplying by a constant 1 or -1."""
    if partial is None:
        return None
    if isinstance(partial, float):
        if partial == 1.0:
            return grad
        if partial == -1.0:
            return d.neg(grad)
        return d.scale(grad, partial)
    return d.mul(grad, partial)


def elementwise_vjp(d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
    """The default `vjp`: the cotangent times each local derivative, summed over the
    dimensions that broadcasting stretched."""
    assert d.op is not None
    partials = d.op.local_derivatives(d)
    grads: list[SSAValue | None] = []
    for i, (operand, partial) in enumerate(zip(d.op.operands, partials)):
        contribution = times(d, grad, partial) if d.wants(i) else None
        grads.append(None if contribution is None else d.unbroadcast(contribution, operand.type))
    return tuple(grads)


def elementwise_jvp(d: Derivative, tangents: Sequence[SSAValue | None]) -> SSAValue | None:
    """The default `jvp` (forward mode): the sum of each operand's tangent times its
    local derivative."""
    assert d.op is not None
    partials = d.op.local_derivatives(d)
    total: SSAValue | None = None
    for tangent, partial in zip(tangents, partials):
        term = None if tangent is None else times(d, tangent, partial)
        if term is not None:
            total = term if total is None else d.add(total, term)
    return total


def as_type(t: Attribute, shape: Sequence[int]) -> TensorType:
    return TensorType(element_type(t), tuple(shape))


def zero_derivatives(op: GraphletOp, d: Derivative) -> tuple[Partial, ...]:
    """`local_derivatives` of a piecewise-constant op (floor, rounding, `//`): zero
    almost everywhere, and zero where PyTorch defines it too."""
    return (None,) * len(op.operands)


# --------------------------------------------------------------------------- the reverse sweep


class Sweep:
    """Inserts one rule's ops at a fixed point of a block."""

    def __init__(self, block: Block, before: Operation | None) -> None:
        self.block, self.before = block, before

    def insert(self, ops: Sequence[Operation]) -> None:
        for op in ops:
            if self.before is None:
                self.block.add_op(op)
            else:
                self.block.insert_op_before(op, self.before)


def rule_builder(op: Operation, wanted: Sequence[bool]) -> Derivative:
    """The builder for `op`'s rule, or an error at `op` when it cannot have one."""
    g = _g()
    if not isinstance(op, g.GraphletOp):
        raise lowering_error(op, "has no derivative rule (only graphlet ops are differentiated)")
    if len(op.results) != 1:
        raise lowering_error(op, "has several results: no derivative rule")
    return Derivative(op, wanted)


def _vjp(d: Derivative, grad: SSAValue) -> tuple[SSAValue | None, ...]:
    assert d.op is not None
    try:
        return d.op.vjp(d, grad)
    except NoDerivative as e:
        raise lowering_error(
            e.op, "has no derivative rule; gradients cannot flow through it"
        ) from None


def gradients(
    block: Block, out: SSAValue, targets: Sequence[SSAValue], before: Operation | None
) -> list[SSAValue]:
    """The reverse sweep: d`out`/d(each target) as values, its ops inserted in `block`
    before `before` (at the end for None). The forward values are the tape."""
    g = _g()
    active: set[SSAValue] = set(targets)
    for op in block.ops:
        if any(o in active for o in op.operands):
            active.update(r for r in op.results if is_float(r.type))
    sweep = Sweep(block, before)
    seed = Derivative(None, ())
    ones = np.ones(g.shape_of(out.type), g.np_dtype(out.type)) if g.is_tensor(out.type) else None
    cotangent: dict[SSAValue, SSAValue] = {
        out: seed.emit(g.ConstantOp.from_array(ones, g.element_type(out.type)))
        if ones is not None
        else seed.const(1.0, out)
    }
    forward = [op for op in block.ops if op is not before]
    sweep.insert(seed.ops)
    for op in reversed(forward):
        if not any(r in cotangent for r in op.results):
            continue
        if op.regions:
            raise lowering_error(op, "has regions: structured control flow is not differentiated")
        wanted = [o in active for o in op.operands]
        if not any(wanted):
            continue
        d = rule_builder(op, wanted)
        grads = _vjp(d, cotangent[op.results[0]])
        sweep.insert(d.ops)
        for operand, grad, want in zip(op.operands, grads, wanted):
            if not want or grad is None:
                continue
            if operand in cotangent:
                total = g.AddOp(cotangent[operand], grad)
                sweep.insert([total])
                grad = total.result
            cotangent[operand] = grad
    zeros = Derivative(None, ())
    results = [cotangent.get(t) or zeros.zeros(t.type) for t in targets]
    sweep.insert(zeros.ops)
    return results
