"""Elementwise ops, compare, select (`where`) and cast -> one parallel `linalg.generic`.

Bodies follow each op's `np_operation` (PyTorch's semantics): `maximumf` keeps NaN,
ints wrap, int operands of float ops are converted first, a splat constant operand
becomes a constant in the body. Int `//` and `%` never divide by 0 or INT_MIN by -1
(UB in LLVM, SIGFPE on x86): such divisors are replaced by 1 and the result fixed up;
a zero divisor is reported through the status result."""

from __future__ import annotations

import math as pymath
from collections.abc import Callable, Sequence

from xdsl.dialects import arith, math, tensor
from xdsl.dialects.builtin import AffineMapAttr, AnyFloat, IntegerType, i1
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from graphlet.dialects import graphlet as g
from graphlet.lowering.emitter import Emitter, is_float
from graphlet.lowering.graphlet_to_linalg.common import (
    PARALLEL,
    Body,
    broadcast_map,
    generic,
    indexing_map,
    splat,
    tensor_result,
)
from graphlet.lowering.graphlet_to_linalg.status import report_if_any


def _unary(op: Callable[[SSAValue], Operation]) -> Body:
    return lambda e, a: e(op(a[0]))


def _binary(op: Callable[[SSAValue, SSAValue], Operation]) -> Body:
    return lambda e, a: e(op(a[0], a[1]))


def _by_kind(
    float_op: Callable[[SSAValue, SSAValue], Operation],
    int_op: Callable[[SSAValue, SSAValue], Operation],
) -> Body:
    """`float_op` on float operands, else `int_op`."""
    return lambda e, a: e((float_op if is_float(a[0]) else int_op)(a[0], a[1]))


def _divmod_float(e: Emitter, x: SSAValue, y: SSAValue, want_quotient: bool) -> SSAValue:
    """torch's `div_floor_floating` / `remainder`: CPython's recipe, except that a zero
    divisor gives inf/NaN and a zero remainder keeps the dividend's sign."""
    if want_quotient:
        return e.float_floordiv(x, y, zero_divisor_quotient=True)
    return e.float_mod(x, y, zero_signed_like_divisor=False)


def _divmod_int(e: Emitter, x: SSAValue, y: SSAValue, want_quotient: bool, safe: bool) -> SSAValue:
    """Floor division / remainder with the divisor's sign. Unless the divisor is a
    known safe constant, 0 and -1 divide as 1 (no UB); -1 is then fixed up
    (x // -1 = -x wrapping, x % -1 = 0) and 0 is reported by the status."""
    t = x.type
    divisor = y
    if not safe:
        risky = e.any(e.cmpi("eq", y, 0), e.cmpi("eq", y, -1))
        divisor = e.select(risky, e.int(1, t), y)
    rem = e(arith.RemSIOp(x, divisor))
    adjust = e.int_remainder_needs_fix(rem, y)
    if not want_quotient:
        return e.select(adjust, e(arith.AddiOp(rem, y)), rem)
    q = e(arith.DivSIOp(x, divisor))
    q = e.select(adjust, e(arith.AddiOp(q, e.int(-1, t))), q)
    if safe:
        return q
    return e.select(e.cmpi("eq", y, -1), e(arith.SubiOp(e.int(0, t), x)), q)


def _pow_int(e: Emitter, x: SSAValue, y: SSAValue, exponent: int | None) -> SSAValue:
    """torch's `powi`, wrapping: square-and-multiply over the exponent's bits
    (only the set bits of a constant exponent; all but the sign bit, branch-free,
    otherwise).
    A negative exponent gives 1 for base 1, +-1 for base -1, else 0."""
    t = x.type
    one = e.int(1, t)
    if exponent is not None and exponent >= 0:
        result, base = one, x
        while exponent:
            if exponent & 1:
                result = base if result is one else e(arith.MuliOp(result, base))
            exponent >>= 1
            if exponent:
                base = e(arith.MuliOp(base, base))
        return result
    minus_one, zero = e.int(-1, t), e.int(0, t)
    odd = e.cmpi("ne", e(arith.AndIOp(y, one)), 0)
    reciprocal = e.select(
        e.cmpi("eq", x, 1),
        one,
        e.select(e.cmpi("eq", x, -1), e.select(odd, minus_one, one), zero),
    )
    if exponent is not None:
        return reciprocal
    result, base = one, x
    assert isinstance(t, IntegerType)
    for bit in range(t.width.data - 1):
        set_ = e.cmpi("ne", e(arith.AndIOp(y, e.int(1 << bit, t))), 0)
        result = e.select(set_, e(arith.MuliOp(result, base)), result)
        base = e(arith.MuliOp(base, base))
    return e.select(e.cmpi("slt", y, 0), reciprocal, result)


def _cast(e: Emitter, x: SSAValue, to: Attribute) -> SSAValue:
    """`x.to(dtype)` between f32, f64, i64, i32 and i1: nonzero is True, bools are 0 or
    1, ints to narrower ints wrap, floats to ints truncate and give the target's INT_MIN
    out of its range (x86's, NumPy's and torch's answer) instead of LLVM's poison."""
    src = x.type
    if src == to:
        return x
    if to == i1:
        return e.cmpf("une", x, 0.0) if is_float(x) else e.cmpi("ne", x, 0)
    if isinstance(to, AnyFloat):
        if is_float(x):
            assert isinstance(src, AnyFloat)
            return e((arith.ExtFOp if to.bitwidth > src.bitwidth else arith.TruncFOp)(x, to))
        return e.to_float(x, to)
    assert isinstance(to, IntegerType)
    if src == i1:
        return e(arith.ExtUIOp(x, to))
    if isinstance(src, IntegerType):
        wider = src.width.data < to.width.data
        return e((arith.ExtSIOp if wider else arith.TruncIOp)(x, to))
    bits = to.width.data
    bound = e.float(2.0 ** (bits - 1), src)
    in_range = e.all(e.cmpf("oge", x, e(arith.NegfOp(bound))), e.cmpf("olt", x, bound))
    safe = e.select(in_range, x, e.float(0.0, src))
    return e.select(in_range, e(arith.FPToSIOp(safe, to)), e.int(-(2 ** (bits - 1)), to))


def _sigmoid(e: Emitter, x: SSAValue) -> SSAValue:
    one = e.float(1.0, x.type)
    exp = e(math.ExpOp(e(arith.NegfOp(x))))
    return e(arith.DivfOp(one, e(arith.AddfOp(one, exp))))


def _gelu(e: Emitter, x: SSAValue, approximate: str) -> SSAValue:
    """x/2 (1 + erf(x/sqrt 2)), or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    t = x.type
    if approximate == "tanh":
        cube = e(arith.MulfOp(e(arith.MulfOp(x, x)), x))
        inner = e(arith.AddfOp(x, e(arith.MulfOp(e.float(0.044715, t), cube))))
        y = e(math.TanhOp(e(arith.MulfOp(e.float(pymath.sqrt(2 / pymath.pi), t), inner))))
    else:
        y = e(math.ErfOp(e(arith.MulfOp(x, e.float(pymath.sqrt(0.5), t)))))
    half_x = e(arith.MulfOp(e.float(0.5, t), x))
    return e(arith.MulfOp(half_x, e(arith.AddfOp(e.float(1.0, t), y))))


BODIES: dict[type[Operation], Body] = {
    g.AddOp: _by_kind(arith.AddfOp, arith.AddiOp),
    g.SubOp: _by_kind(arith.SubfOp, arith.SubiOp),
    g.MulOp: _by_kind(arith.MulfOp, arith.MuliOp),
    g.TrueDivOp: _binary(arith.DivfOp),
    g.MaxOp: _by_kind(arith.MaximumfOp, arith.MaxSIOp),
    g.MinOp: _by_kind(arith.MinimumfOp, arith.MinSIOp),
    g.AndOp: _binary(arith.AndIOp),
    g.OrOp: _binary(arith.OrIOp),
    g.XorOp: _binary(arith.XOrIOp),
    g.NegOp: lambda e, a: e(
        arith.NegfOp(a[0]) if is_float(a[0]) else arith.SubiOp(e.int(0, a[0].type), a[0])
    ),
    g.AbsOp: lambda e, a: e((math.AbsFOp if is_float(a[0]) else math.AbsIOp)(a[0])),
    g.ReluOp: lambda e, a: e(
        (arith.MaximumfOp if is_float(a[0]) else arith.MaxSIOp)(a[0], e.const(0, a[0].type))
    ),
    g.ExpOp: _unary(math.ExpOp),
    g.LogOp: _unary(math.LogOp),
    g.SqrtOp: _unary(math.SqrtOp),
    g.TanhOp: _unary(math.TanhOp),
    g.SinOp: _unary(math.SinOp),
    g.CosOp: _unary(math.CosOp),
    g.TanOp: _unary(math.TanOp),
    g.RintOp: _unary(math.RoundEvenOp),
    g.TruncOp: _unary(math.TruncOp),
    g.Exp2Op: _unary(math.Exp2Op),
    g.Log2Op: _unary(math.Log2Op),
    g.Log10Op: _unary(math.Log10Op),
    g.Log1pOp: _unary(math.Log1pOp),
    g.Expm1Op: _unary(math.ExpM1Op),
    g.SinhOp: _unary(math.SinhOp),
    g.CoshOp: _unary(math.CoshOp),
    g.AsinOp: _unary(math.AsinOp),
    g.AcosOp: _unary(math.AcosOp),
    g.AtanOp: _unary(math.AtanOp),
    g.AsinhOp: _unary(math.AsinhOp),
    g.AcoshOp: _unary(math.AcoshOp),
    g.AtanhOp: _unary(math.AtanhOp),
    g.ErfOp: _unary(math.ErfOp),
    g.Atan2Op: _binary(math.Atan2Op),
    g.FloorOp: lambda e, a: e(math.FloorOp(a[0])) if is_float(a[0]) else a[0],
    g.CeilOp: lambda e, a: e(math.CeilOp(a[0])) if is_float(a[0]) else a[0],
    g.SigmoidOp: lambda e, a: _sigmoid(e, a[0]),
    g.SelectOp: lambda e, a: e.select(a[0], a[1], a[2]),
}
"""Each elementwise op's scalar body (operands already of the op's computing type)."""


def _constant_divisor(value: SSAValue) -> bool:
    """Whether an int divisor is a constant without 0 or -1 (no guard needed)."""
    owner = value.owner
    if not isinstance(owner, g.ConstantOp) or not g.is_tensor(owner.value.type):
        return False
    array = g.array_of(owner.value)
    return not (array == 0).any() and not (array == -1).any()


def body_of(op: Operation) -> Body | None:
    """The op's scalar body with PyTorch's meaning (also the scalar lowering's for
    `ieee` ops), or None for an op that is not elementwise."""
    if isinstance(op, g.GeluOp):
        approximate = op.approximate.data
        return lambda e, a: _gelu(e, a[0], approximate)
    if isinstance(op, g.CmpOp):
        predicate = op.predicate.data
        return lambda e, a: e.cmp(predicate, a[0], a[1])
    if isinstance(op, g.CastOp):
        to = g.element_type(op.result.type)
        return lambda e, a: _cast(e, a[0], to)
    if isinstance(op, g.FloorDivOp | g.ModOp):
        want_quotient, safe = isinstance(op, g.FloorDivOp), _constant_divisor(op.rhs)
        return lambda e, a: (
            _divmod_float(e, a[0], a[1], want_quotient)
            if is_float(a[0])
            else _divmod_int(e, a[0], a[1], want_quotient, safe)
        )
    if isinstance(op, g.PowOp):
        exponent = splat(op.rhs)
        return lambda e, a: (
            e(math.PowFOp(a[0], a[1]))
            if is_float(a[0])
            else _pow_int(e, a[0], a[1], None if exponent is None else int(exponent))
        )
    return BODIES.get(type(op))


_KEEP_OPERAND_TYPES = (g.CmpOp, g.SelectOp, g.CastOp)


class ElementwiseToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        body = body_of(op)
        if body is None:
            return
        result_type = tensor_result(op)
        if result_type is None or not all(g.is_tensor(o.type) for o in op.operands):
            return
        shape, elem = g.shape_of(result_type), result_type.get_element_type()
        inputs = [o for o in op.operands if splat(o) is None]
        convert = isinstance(elem, AnyFloat) and not isinstance(op, _KEEP_OPERAND_TYPES)

        def build(e: Emitter, args: Sequence[SSAValue]) -> SSAValue:
            it = iter(args)
            scalars = [
                next(it) if (s := splat(o)) is None else e.const(s, g.element_type(o.type))
                for o in op.operands
            ]
            return body(e, [e.to_float(x, elem) for x in scalars] if convert else scalars)

        maps = [AffineMapAttr(broadcast_map(g.shape_of(o.type), shape)) for o in inputs]
        empty = tensor.EmptyOp([], result_type)
        rank = len(shape)
        ops: list[Operation] = [
            empty,
            generic(
                inputs,
                empty.tensor,
                [*maps, indexing_map(rank, range(rank))],
                [PARALLEL] * rank,
                build,
            ),
        ]
        if (
            isinstance(op, g.FloorDivOp | g.ModOp)
            and g.element_type(op.rhs.type) in g.INT_ELEMENT_TYPES
            and not _constant_divisor(op.rhs)
        ):
            ops += report_if_any(
                op,
                op.rhs,
                lambda e, a: e.cmpi("eq", a[0], 0),
                g.TensorZeroDivisionError,
                rewriter,
            )
        rewriter.replace(op, ops, [ops[1].results[0]])
