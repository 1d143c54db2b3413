"""Elementwise ops, compare, select (`where`) and cast -> one parallel `linalg.generic`.

Bodies follow each op's `np_operation`; int `//` and `%` guard their divisors and
report a zero divisor through the status result."""

from __future__ import annotations

import math as pymath
from collections.abc import Sequence

from xdsl.dialects import arith, llvm, math, tensor
from xdsl.dialects.builtin import (
    AffineMapAttr,
    AnyFloat,
    i1,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
)

from graphlet.dialects import graphlet as g
from graphlet.lowering.graphlet_to_linalg.common import (
    PARALLEL,
    Body,
    broadcast_map,
    cmpi,
    const,
    emit,
    generic,
    indexing_map,
    is_float,
    select,
    splat,
    tensor_result,
    to_float,
)
from graphlet.lowering.graphlet_to_linalg.status import report_if_any


def _by_kind(float_op: type[Operation], int_op: type[Operation]) -> Body:
    return lambda b, a: emit(b, (float_op if is_float(a[0]) else int_op)(*a))


def _divmod_float(block: Block, x: SSAValue, y: SSAValue, want_quotient: bool) -> SSAValue:
    """torch's `div_floor_floating` / remainder: fmod (`llvm.frem`, arith has none), then toward -inf."""
    t = x.type
    zero = const(block, 0.0, t)
    mod = emit(block, llvm.FRemOp(x, y))
    signs_differ = emit(
        block,
        arith.XOrIOp(
            emit(block, arith.CmpfOp(y, zero, "olt")), emit(block, arith.CmpfOp(mod, zero, "olt"))
        ),
    )
    adjust = emit(block, arith.AndIOp(emit(block, arith.CmpfOp(mod, zero, "une")), signs_differ))
    if not want_quotient:
        return select(block, adjust, emit(block, arith.AddfOp(mod, y)), mod)
    one = const(block, 1.0, t)
    div = emit(block, arith.DivfOp(emit(block, arith.SubfOp(x, mod)), y))
    div = select(block, adjust, emit(block, arith.SubfOp(div, one)), div)
    floor = emit(block, math.FloorOp(div))
    above_half = emit(
        block, arith.CmpfOp(emit(block, arith.SubfOp(div, floor)), const(block, 0.5, t), "ogt")
    )
    floor = select(block, above_half, emit(block, arith.AddfOp(floor, one)), floor)
    quotient = emit(block, arith.DivfOp(x, y))
    signed_zero = emit(block, math.CopySignOp(zero, quotient))
    q = select(block, emit(block, arith.CmpfOp(div, zero, "une")), floor, signed_zero)
    return select(block, emit(block, arith.CmpfOp(y, zero, "oeq")), quotient, q)


def _divmod_int(
    block: Block, x: SSAValue, y: SSAValue, want_quotient: bool, safe: bool
) -> SSAValue:
    """Floor division / remainder with the divisor's sign. Unless the divisor is a
    known safe constant, 0 and -1 divide as 1 (no UB); -1 is then fixed up
    (x // -1 = -x wrapping, x % -1 = 0) and 0 is reported by the status."""
    t = x.type
    minus_one = const(block, -1, t)
    divisor = y
    if not safe:
        zero = const(block, 0, t)
        risky = emit(
            block, arith.OrIOp(cmpi(block, "eq", y, zero), cmpi(block, "eq", y, minus_one))
        )
        divisor = select(block, risky, const(block, 1, t), y)
    rem = emit(block, arith.RemSIOp(x, divisor))
    zero = const(block, 0, t)
    adjust = emit(
        block,
        arith.AndIOp(
            cmpi(block, "ne", rem, zero),
            cmpi(block, "slt", emit(block, arith.XOrIOp(rem, y)), zero),
        ),
    )
    if not want_quotient:
        return select(block, adjust, emit(block, arith.AddiOp(rem, y)), rem)
    q = emit(block, arith.DivSIOp(x, divisor))
    q = select(block, adjust, emit(block, arith.AddiOp(q, minus_one)), q)
    if safe:
        return q
    return select(block, cmpi(block, "eq", y, minus_one), emit(block, arith.SubiOp(zero, x)), q)


def _pow_int(block: Block, x: SSAValue, y: SSAValue, exponent: int | None) -> SSAValue:
    """torch's `powi`, wrapping: square-and-multiply over the exponent's bits
    (only the set bits of a constant exponent; all 63, branch-free, otherwise).
    A negative exponent gives 1 for base 1, +-1 for base -1, else 0."""
    t = x.type
    one = const(block, 1, t)
    if exponent is not None and exponent >= 0:
        result, base = one, x
        while exponent:
            if exponent & 1:
                result = base if result is one else emit(block, arith.MuliOp(result, base))
            exponent >>= 1
            if exponent:
                base = emit(block, arith.MuliOp(base, base))
        return result
    minus_one, zero = const(block, -1, t), const(block, 0, t)
    odd = cmpi(block, "ne", emit(block, arith.AndIOp(y, one)), zero)
    reciprocal = select(
        block,
        cmpi(block, "eq", x, one),
        one,
        select(block, cmpi(block, "eq", x, minus_one), select(block, odd, minus_one, one), zero),
    )
    if exponent is not None:
        return reciprocal
    result, base = one, x
    for bit in range(63):
        mask = const(block, 1 << bit, t)
        set_ = cmpi(block, "ne", emit(block, arith.AndIOp(y, mask)), zero)
        result = select(block, set_, emit(block, arith.MuliOp(result, base)), result)
        base = emit(block, arith.MuliOp(base, base))
    return select(block, cmpi(block, "slt", y, zero), reciprocal, result)


def _cast(block: Block, x: SSAValue, to: Attribute) -> SSAValue:
    """`x.to(dtype)` between f32, f64, i64 and i1 (see the module docstring)."""
    src = x.type
    if src == to:
        return x
    if to == i1:
        if is_float(x):
            return emit(block, arith.CmpfOp(x, const(block, 0.0, src), "une"))
        return cmpi(block, "ne", x, const(block, 0, src))
    if isinstance(to, AnyFloat):
        if is_float(x):
            return emit(
                block, (arith.ExtFOp if to.bitwidth > src.bitwidth else arith.TruncFOp)(x, to)
            )
        return to_float(block, x, to)
    if src == i1:
        return emit(block, arith.ExtUIOp(x, to))
    bound = const(block, 2.0**63, src)
    in_range = emit(
        block,
        arith.AndIOp(
            emit(block, arith.CmpfOp(x, emit(block, arith.NegfOp(bound)), "oge")),
            emit(block, arith.CmpfOp(x, bound, "olt")),
        ),
    )
    safe = select(block, in_range, x, const(block, 0.0, src))
    return select(
        block, in_range, emit(block, arith.FPToSIOp(safe, to)), const(block, -(2**63), to)
    )


_CMP_PREDICATES = {
    "float": {"eq": "oeq", "ne": "une", "lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge"},
    "int": {"eq": "eq", "ne": "ne", "lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge"},
    "bool": {"eq": "eq", "ne": "ne", "lt": "ult", "le": "ule", "gt": "ugt", "ge": "uge"},
}
"""Python's comparisons on each element kind: NaN compares false except `ne`; False < True."""


def _cmp(block: Block, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
    if is_float(a):
        return emit(block, arith.CmpfOp(a, b, _CMP_PREDICATES["float"][predicate]))
    return cmpi(block, _CMP_PREDICATES["bool" if a.type == i1 else "int"][predicate], a, b)


def _sigmoid(block: Block, x: SSAValue) -> SSAValue:
    one = const(block, 1.0, x.type)
    e = emit(block, math.ExpOp(emit(block, arith.NegfOp(x))))
    return emit(block, arith.DivfOp(one, emit(block, arith.AddfOp(one, e))))


def _gelu(block: Block, x: SSAValue, approximate: str) -> SSAValue:
    """x/2 (1 + erf(x/sqrt 2)), or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    t = x.type
    if approximate == "tanh":
        cube = emit(block, arith.MulfOp(emit(block, arith.MulfOp(x, x)), x))
        inner = emit(
            block, arith.AddfOp(x, emit(block, arith.MulfOp(const(block, 0.044715, t), cube)))
        )
        y = emit(
            block,
            math.TanhOp(
                emit(block, arith.MulfOp(const(block, pymath.sqrt(2 / pymath.pi), t), inner))
            ),
        )
    else:
        y = emit(block, math.ErfOp(emit(block, arith.MulfOp(x, const(block, pymath.sqrt(0.5), t)))))
    half_x = emit(block, arith.MulfOp(const(block, 0.5, t), x))
    return emit(block, arith.MulfOp(half_x, emit(block, arith.AddfOp(const(block, 1.0, t), y))))


BODIES: dict[type[Operation], Body] = {
    g.AddOp: _by_kind(arith.AddfOp, arith.AddiOp),
    g.SubOp: _by_kind(arith.SubfOp, arith.SubiOp),
    g.MulOp: _by_kind(arith.MulfOp, arith.MuliOp),
    g.TrueDivOp: lambda b, a: emit(b, arith.DivfOp(*a)),
    g.MaxOp: _by_kind(arith.MaximumfOp, arith.MaxSIOp),
    g.MinOp: _by_kind(arith.MinimumfOp, arith.MinSIOp),
    g.AndOp: lambda b, a: emit(b, arith.AndIOp(*a)),
    g.OrOp: lambda b, a: emit(b, arith.OrIOp(*a)),
    g.XorOp: lambda b, a: emit(b, arith.XOrIOp(*a)),
    g.NegOp: lambda b, a: emit(
        b, arith.NegfOp(*a) if is_float(a[0]) else arith.SubiOp(const(b, 0, a[0].type), a[0])
    ),
    g.AbsOp: _by_kind(math.AbsFOp, math.AbsIOp),
    g.ReluOp: lambda b, a: emit(
        b, (arith.MaximumfOp if is_float(a[0]) else arith.MaxSIOp)(a[0], const(b, 0, a[0].type))
    ),
    g.ExpOp: lambda b, a: emit(b, math.ExpOp(*a)),
    g.LogOp: lambda b, a: emit(b, math.LogOp(*a)),
    g.SqrtOp: lambda b, a: emit(b, math.SqrtOp(*a)),
    g.TanhOp: lambda b, a: emit(b, math.TanhOp(*a)),
    g.SinOp: lambda b, a: emit(b, math.SinOp(*a)),
    g.CosOp: lambda b, a: emit(b, math.CosOp(*a)),
    g.FloorOp: lambda b, a: emit(b, math.FloorOp(*a)) if is_float(a[0]) else a[0],
    g.CeilOp: lambda b, a: emit(b, math.CeilOp(*a)) if is_float(a[0]) else a[0],
    g.SigmoidOp: lambda b, a: _sigmoid(b, a[0]),
    g.SelectOp: lambda b, a: select(b, *a),
}
"""Each elementwise op's scalar body (operands already of the op's computing type)."""


def _constant_divisor(value: SSAValue) -> bool:
    """Whether an int divisor is a constant without 0 or -1 (no guard needed)."""
    owner = value.owner
    if not isinstance(owner, g.ConstantOp) or not g.is_tensor(owner.value.type):
        return False
    array = g.array_of(owner.value)
    return not (array == 0).any() and not (array == -1).any()


def _body_of(op: Operation) -> Body | None:
    if isinstance(op, g.GeluOp):
        approximate = op.approximate.data
        return lambda b, a: _gelu(b, a[0], approximate)
    if isinstance(op, g.CmpOp):
        predicate = op.predicate.data
        return lambda b, a: _cmp(b, predicate, *a)
    if isinstance(op, g.CastOp):
        to = g.element_type(op.result.type)
        return lambda b, a: _cast(b, a[0], to)
    if isinstance(op, g.FloorDivOp | g.ModOp):
        want_quotient, safe = isinstance(op, g.FloorDivOp), _constant_divisor(op.rhs)
        return lambda b, a: (
            _divmod_float(b, *a, want_quotient)
            if is_float(a[0])
            else _divmod_int(b, *a, want_quotient, safe)
        )
    if isinstance(op, g.PowOp):
        exponent = splat(op.rhs)
        return lambda b, a: (
            emit(b, math.PowFOp(*a))
            if is_float(a[0])
            else _pow_int(b, *a, None if exponent is None else int(exponent))
        )
    return BODIES.get(type(op))


_KEEP_OPERAND_TYPES = (g.CmpOp, g.SelectOp, g.CastOp)


class ElementwiseToGeneric(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        body = _body_of(op)
        result_type = tensor_result(op) if body is not None else None
        if result_type is None or not all(g.is_tensor(o.type) for o in op.operands):
            return
        shape, elem = g.shape_of(result_type), result_type.get_element_type()
        inputs = [o for o in op.operands if splat(o) is None]
        convert = isinstance(elem, AnyFloat) and not isinstance(op, _KEEP_OPERAND_TYPES)

        def build(block: Block, args: Sequence[SSAValue]) -> SSAValue:
            it = iter(args)
            scalars = [
                next(it) if (s := splat(o)) is None else const(block, s, g.element_type(o.type))
                for o in op.operands
            ]
            return body(block, [to_float(block, x, elem) for x in scalars] if convert else scalars)

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
            and g.element_type(op.rhs.type) == i64
            and not _constant_divisor(op.rhs)
        ):
            ops += report_if_any(
                op,
                op.rhs,
                lambda b, a: cmpi(b, "eq", a[0], const(b, 0, a[0].type)),
                g.TensorZeroDivisionError,
                rewriter,
            )
        rewriter.replace(op, ops, [ops[1].results[0]])
