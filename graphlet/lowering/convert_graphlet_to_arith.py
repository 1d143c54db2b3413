"""`convert-graphlet-to-arith`: graphlet ops to arith/math/scf with Python's meaning
spelled out.

Each op becomes the machine operation plus the fix-ups Python adds (floor division
and modulo rounding toward -inf, `min`'s tie rule, CPython's float `pow` special
cases) and a `pyrt.guard` at every place where Python raises or where the answer
does not fit 64 bits. Guards carry the exception class (or `HandBack`); the runtime
redoes a failed call in Python, so only the *condition* must be exact here, not the
message. The float recipes follow CPython's `floatobject.c` and `mathmodule.c`; the
builders, the predicate table and the floor-division recipe are `lowering/emitter.py`'s,
shared with `convert-graphlet-to-linalg`. An `ieee` op (derivative arithmetic) gets
`convert-graphlet-to-linalg`'s body instead: PyTorch's IEEE answer, with no guard.

Every graphlet op must be gone afterwards: one on tensors is refused (the tensor
pipeline, `lower-tensors-to-llvm`, lowers those through `convert-graphlet-to-linalg`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm, scf
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import ModuleOp, f64, i1, i64
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from graphlet.dialects import graphlet as g
from graphlet.dialects import pyrt
from graphlet.lowering.emitter import Emitter
from graphlet.lowering.graphlet_to_linalg.elementwise import body_of
from graphlet.lowering.legality import ConversionTarget
from graphlet.lowering.llvm_lowering_utils import declare_external_function

ZDE, VALUE, OVERFLOW, HAND_BACK = "ZeroDivisionError", "ValueError", "OverflowError", pyrt.HAND_BACK
INT_MIN = g.INT_MIN


class ScalarEmitter(Emitter):
    """The shared `Emitter`, plus `pyrt` guards: where Python raises or the answer
    leaves 64 bits, the function returns a status instead. `anchor` is the op being
    rewritten (its module receives the libm declarations)."""

    def __init__(
        self,
        rewriter: PatternRewriter | None = None,
        block: Block | None = None,
        anchor: Operation | None = None,
    ) -> None:
        super().__init__(rewriter, block)
        self.anchor = anchor

    def libm(self, name: str, *args: SSAValue) -> Operation:
        """A call of the C library's `name` on f64s, declared in the module; built
        unattached (for a region) when this emitter only has a block."""
        assert self.rewriter is not None and self.anchor is not None
        function_type = llvm.LLVMFunctionType([f64] * len(args), f64)
        declare_external_function(self.anchor, self.rewriter, name, function_type)
        return llvm.CallOp(name, *args, return_type=f64)

    def fmod(self, a: SSAValue, b: SSAValue) -> SSAValue:
        """C's `fmod`: of an infinite `a`, libm's own call, whose NaN (and its sign) is
        CPython's; LLVM expands `frem` by a constant power of two into
        `x - trunc(x)` with `x`'s sign, a NaN of another sign (`inf // True`)."""
        if self.rewriter is None or self.anchor is None:
            return super().fmod(a, b)
        call = self.libm("fmod", a, b)
        frem = llvm.FRemOp(a, b)
        infinite = Region(Block([call, scf.YieldOp(call.results[0])]))
        finite = Region(Block([frem, scf.YieldOp(frem.results[0])]))
        return self(scf.IfOp(self.is_inf(a), [f64], infinite, finite))

    def guard(self, ok: SSAValue, kind: str) -> None:
        self.op(pyrt.GuardOp(ok, kind))

    def checked(self, cls: type[pyrt.CheckedIntegerOp], a: SSAValue, b: SSAValue) -> SSAValue:
        """`a <op> b`, handing back to Python when it leaves i64."""
        op = self.op(cls(a, b))
        self.guard(self.not_(op.results[1]), HAND_BACK)
        return op.results[0]


Lowering = Callable[..., SSAValue]
"""`lower(emit, op, *operands)`: builds the expansion, returns the result value."""
UnaryOpBuilder = Callable[[SSAValue], Operation]
BinaryOpBuilder = Callable[[SSAValue, SSAValue], Operation]
"""Op classes of one and of two operands (`math.floor`, `arith.addf`), as called here."""


def _arith(int_op: type[Operation] | None, float_op: type[Operation] | None) -> Lowering:
    """Ops whose machine meaning is already Python's (on this type)."""

    def lower(e: ScalarEmitter, op: g.GraphletOp, *xs: SSAValue) -> SSAValue:
        cls = float_op if xs[0].type == f64 else int_op
        assert cls is not None
        return e(cls(*xs))

    return lower


def _checked_or_float(checked: type[pyrt.CheckedIntegerOp], float_op: BinaryOpBuilder) -> Lowering:
    def lower(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, b: SSAValue) -> SSAValue:
        return e(float_op(a, b)) if a.type == f64 else e.checked(checked, a, b)

    return lower


def lower_truediv(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, b: SSAValue) -> SSAValue:
    if a.type == f64:
        e.guard(e.cmpf("une", b, 0.0), ZDE)
        return e(arith.DivfOp(a, b))
    e.guard(e.cmpi("ne", b, 0), ZDE)
    # Exact as CPython only when both ints are doubles already (|x| <= 2**53).
    small = [e.cmpi("ule", e(arith.AddiOp(x, e.int(2**53))), 2**54) for x in (a, b)]
    e.guard(e.all(*small), HAND_BACK)
    return e(arith.DivfOp(e.to_float(a), e.to_float(b)))


def lower_floordiv(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, b: SSAValue) -> SSAValue:
    if a.type == f64:
        e.guard(e.cmpf("une", b, 0.0), ZDE)
        return e.float_floordiv(a, b)
    e.guard(e.cmpi("ne", b, 0), ZDE)
    e.guard(e.not_(e.all(e.cmpi("eq", a, INT_MIN), e.cmpi("eq", b, -1))), HAND_BACK)
    q = e(arith.DivSIOp(a, b))
    fix = e.int_remainder_needs_fix(e(arith.RemSIOp(a, b)), b)
    return e.select(fix, e(arith.SubiOp(q, e.int(1))), q)


def lower_mod(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, b: SSAValue) -> SSAValue:
    if a.type == f64:
        e.guard(e.cmpf("une", b, 0.0), ZDE)
        return e.float_mod(a, b, zero_signed_like_divisor=True)
    e.guard(e.cmpi("ne", b, 0), ZDE)
    # x % -1 == 0, and INT_MIN srem -1 would trap: divide by 1 instead.
    safe_b = e.select(e.cmpi("eq", b, -1), e.int(1), b)
    r = e(arith.RemSIOp(a, safe_b))
    return e.select(e.int_remainder_needs_fix(r, b), e(arith.AddiOp(r, b)), r)


def _int_pow(e: ScalarEmitter, a: SSAValue, b: SSAValue) -> SSAValue:
    """Exponentiation by squaring with overflow checks; a negative exponent gives
    a float in Python, so it is handed back."""
    e.guard(e.cmpi("sge", b, 0), HAND_BACK)
    types = [i64, i64, i64, i1]
    before, after = Block(arg_types=types), Block(arg_types=types)
    c = ScalarEmitter(block=before)
    acc: SSAValue  # block arguments, then the values computed from them
    exponent: SSAValue
    overflow: SSAValue
    _, _, exponent, overflow = before.args
    go_on = c.all(c.cmpi("ne", exponent, 0), c.not_(overflow))
    c.op(scf.ConditionOp(go_on, *before.args))
    d = ScalarEmitter(block=after)
    acc, base, exponent, overflow = after.args
    odd = d.cmpi("ne", d(arith.AndIOp(exponent, d.int(1))), 0)
    product = d.op(pyrt.CheckedMuliOp(acc, base))
    acc = d.select(odd, product.results[0], acc)
    exponent = d(arith.ShRSIOp(exponent, d.int(1)))
    square = d.op(pyrt.CheckedMuliOp(base, base))
    overflow = d.any(
        overflow,
        d.all(odd, product.results[1]),
        d.all(d.cmpi("ne", exponent, 0), square.results[1]),
    )
    d.op(scf.YieldOp(acc, square.results[0], exponent, overflow))
    loop = e.op(scf.WhileOp([e.int(1), a, b, e.bool(False)], types, Region(before), Region(after)))
    e.guard(e.not_(loop.results[3]), HAND_BACK)
    return loop.results[0]


def _float_pow(e: ScalarEmitter, x: SSAValue, y: SSAValue) -> SSAValue:
    """CPython's `float_pow`, special cases first, as one chain of selects."""
    zero, one, inf = e.float(0.0), e.float(1.0), math.inf
    ax, ay = e(xmath.AbsFOp(x)), e(xmath.AbsFOp(y))
    y_zero, x_zero = e.cmpf("oeq", y, 0.0), e.cmpf("oeq", x, 0.0)
    x_nan, y_nan = e.cmpf("uno", x, x), e.cmpf("uno", y, y)
    x_inf, y_inf = e.cmpf("oeq", ax, inf), e.cmpf("oeq", ay, inf)
    y_odd = e.cmpf("oeq", e(llvm.FRemOp(ay, e.float(2.0))), 1.0)
    y_pos, x_neg = e.cmpf("ogt", y, 0.0), e.cmpf("olt", x, 0.0)
    ax_one = e.cmpf("oeq", ax, 1.0)
    general = e.not_(e.any(y_zero, x_nan, y_nan, y_inf, x_inf))
    e.guard(e.not_(e.all(general, x_zero, e.cmpf("olt", y, 0.0))), ZDE)
    non_integer = e.cmpf("une", y, e(xmath.FloorOp(y)))
    e.guard(e.not_(e.all(general, x_neg, non_integer)), HAND_BACK)  # complex
    r = e(xmath.PowFOp(ax, y))
    e.guard(e.not_(e.all(general, e.not_(x_zero), e.is_inf(r))), OVERFLOW)
    v = e.select(ax_one, one, r)
    v = e.select(e.all(x_neg, y_odd), e(arith.NegfOp(v)), v)
    v = e.select(x_zero, e.select(y_odd, x, zero), v)
    v = e.select(
        x_inf,
        e.select(
            y_pos,
            e.select(y_odd, x, ax),
            e.select(y_odd, e(xmath.CopySignOp(zero, x)), zero),
        ),
        v,
    )
    toward_inf = e.not_(e(arith.XOrIOp(y_pos, e.cmpf("ogt", ax, 1.0))))
    v = e.select(y_inf, e.select(ax_one, one, e.select(toward_inf, ay, zero)), v)
    v = e.select(y_nan, e.select(e.cmpf("oeq", x, 1.0), one, y), v)
    v = e.select(x_nan, x, v)
    return e.select(y_zero, one, v)


def lower_pow(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, b: SSAValue) -> SSAValue:
    return _float_pow(e, a, b) if a.type == f64 else _int_pow(e, a, b)


def _min_max(pred_int: str, pred_float: str) -> Lowering:
    """`b if b <pred> a else a`: Python keeps the first of equal (or NaN) values."""

    def lower(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, b: SSAValue) -> SSAValue:
        c = e.cmpf(pred_float, b, a) if a.type == f64 else e.cmpi(pred_int, b, a)
        return e.select(c, b, a)

    return lower


def lower_neg(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
    if x.type == f64:
        return e(arith.NegfOp(x))
    return e.checked(pyrt.CheckedSubiOp, e.int(0), x)


def lower_abs(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
    if x.type == f64:
        return e(xmath.AbsFOp(x))
    negated = e.checked(pyrt.CheckedSubiOp, e.int(0), x)
    return e.select(e.cmpi("slt", x, 0), negated, x)


def lower_shl(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, n: SSAValue) -> SSAValue:
    e.guard(e.cmpi("sge", n, 0), VALUE)
    in_range = e.cmpi("ult", n, 64)
    count = e.select(in_range, n, e.int(0))
    shifted = e(arith.ShLIOp(a, count))
    exact = e.cmpi("eq", e(arith.ShRSIOp(shifted, count)), a)
    e.guard(e.any(e.cmpi("eq", a, 0), e.all(in_range, exact)), HAND_BACK)
    return shifted


def lower_shr(e: ScalarEmitter, op: g.GraphletOp, a: SSAValue, n: SSAValue) -> SSAValue:
    e.guard(e.cmpi("sge", n, 0), VALUE)
    count = e.select(e.cmpi("ult", n, 64), n, e.int(63))  # >> 64+ is 0 or -1
    return e(arith.ShRSIOp(a, count))


def lower_cmp(e: ScalarEmitter, op: g.CmpOp, a: SSAValue, b: SSAValue) -> SSAValue:
    return e.cmp(op.predicate.data, a, b)


def lower_cast(e: ScalarEmitter, op: g.CastOp, x: SSAValue) -> SSAValue:
    src, dst = x.type, op.result.type
    if src == dst:
        return x
    if dst == i1:  # bool(x): bool(nan) is True
        return e.cmpf("une", x, 0.0) if src == f64 else e.cmpi("ne", x, 0)
    if dst == f64:
        return e.select(x, e.float(1.0), e.float(0.0)) if src == i1 else e.to_float(x)
    if src == i1:
        return e(arith.ExtUIOp(x, i64))
    # NaN and the infinities fail `fits` too: one test on the common path, and which
    # of Python's outcomes it is only on the rare one.
    fits = e.all(e.cmpf("oge", x, float(-(2**63))), e.cmpf("olt", x, float(2**63)))
    block = Block()
    rare = ScalarEmitter(block=block)
    rare.guard(rare.cmpf("ord", x, x), VALUE)  # int(nan)
    rare.guard(rare.not_(rare.is_inf(x)), OVERFLOW)  # int(inf)
    rare.guard(fits, HAND_BACK)  # a big int
    rare.op(scf.YieldOp())
    e.op(scf.IfOp(e.not_(fits), [], Region(block)))
    return e(arith.FPToSIOp(x, i64))


def _math(
    math_op: UnaryOpBuilder, domain: Callable[[ScalarEmitter, SSAValue], SSAValue] | None = None
) -> Lowering:
    """A `math` function on the float value of its operand; `domain(x)` is the
    condition under which CPython does not raise ValueError('math domain error')."""

    def lower(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
        x = e.to_float(x)
        if domain is not None:
            e.guard(domain(e, x), VALUE)
        return e(math_op(x))

    return lower


def lower_exp(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
    x = e.to_float(x)
    r = e(xmath.ExpOp(x))
    e.guard(e.not_(e.all(e.is_inf(r), e.not_(e.is_inf(x)))), OVERFLOW)  # math range error
    return r


def _libm(math_op: UnaryOpBuilder | str) -> Lowering:
    """CPython's `math_1`: the C function (a math op, or by name where xDSL's math
    dialect has none), raising (so handing back) when it gives a NaN for a non-NaN
    operand or an infinity for a finite one."""

    def lower(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
        x = e.to_float(x)
        r = e(e.libm(math_op, x) if isinstance(math_op, str) else math_op(x))
        e.guard(e.not_(_math_1_error(e, r, x)), VALUE)
        return r

    return lower


def _math_1_error(e: ScalarEmitter, r: SSAValue, *xs: SSAValue) -> SSAValue:
    nan_in = e.any(*(e.cmpf("uno", x, x) for x in xs))
    finite_in = e.all(*(e.cmpf("one", e(xmath.AbsFOp(x)), math.inf) for x in xs))
    return e.any(e.all(e.cmpf("uno", r, r), e.not_(nan_in)), e.all(e.is_inf(r), finite_in))


def lower_atan2(e: ScalarEmitter, op: g.GraphletOp, y: SSAValue, x: SSAValue) -> SSAValue:
    """CPython's `m_atan2`: NaN (CPython's own) when either is NaN, else libm's, which
    follows C99 on infinities and zeros as `m_atan2` spells out."""
    either_nan = e.any(e.cmpf("uno", y, y), e.cmpf("uno", x, x))
    return e.select(either_nan, e.float(math.nan), e(xmath.Atan2Op(y, x)))


def lower_fmod(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue, y: SSAValue) -> SSAValue:
    """`math_fmod`: x for a finite x and an infinite y; a NaN from non-NaN operands
    (y == 0, x infinite) raises ValueError."""
    r = e(llvm.FRemOp(x, y))
    nan_in = e.any(e.cmpf("uno", x, x), e.cmpf("uno", y, y))
    e.guard(e.not_(e.all(e.cmpf("uno", r, r), e.not_(nan_in))), VALUE)
    finite_x = e.cmpf("one", e(xmath.AbsFOp(x)), math.inf)
    return e.select(e.all(finite_x, e.is_inf(y)), x, r)


def lower_hypot(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue, y: SSAValue) -> SSAValue:
    """`_Py_c_abs`: an infinite part gives inf (even with a NaN), a NaN part NaN, else
    libm's `hypot`, raising OverflowError when finite parts overflow."""
    ax, ay = e(xmath.AbsFOp(x)), e(xmath.AbsFOp(y))
    finite = e.all(e.cmpf("olt", ax, math.inf), e.cmpf("olt", ay, math.inf))
    r = e(e.libm("hypot", x, y))
    e.guard(e.not_(e.all(finite, e.is_inf(r))), OVERFLOW)
    any_inf = e.any(e.cmpf("oeq", ax, math.inf), e.cmpf("oeq", ay, math.inf))
    return e.select(any_inf, e.float(math.inf), r)


def _rounding(math_op: UnaryOpBuilder) -> Lowering:
    def lower(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
        return e(math_op(x)) if x.type == f64 else x

    return lower


def lower_relu(e: ScalarEmitter, op: g.GraphletOp, x: SSAValue) -> SSAValue:
    if x.type == f64:  # `x > 0 or x != x`: NaN stays
        return e.select(e.cmpf("ugt", x, 0.0), x, e.float(0.0))
    return e.select(e.cmpi("sgt", x, 0), x, e.int(0))


def lower_constant(e: ScalarEmitter, op: g.ConstantOp) -> SSAValue:
    return e(arith.ConstantOp(op.value))


LOWERINGS: dict[type[g.GraphletOp], Lowering] = {
    g.ConstantOp: lower_constant,
    g.AddOp: _checked_or_float(pyrt.CheckedAddiOp, arith.AddfOp),
    g.SubOp: _checked_or_float(pyrt.CheckedSubiOp, arith.SubfOp),
    g.MulOp: _checked_or_float(pyrt.CheckedMuliOp, arith.MulfOp),
    g.TrueDivOp: lower_truediv,
    g.FloorDivOp: lower_floordiv,
    g.ModOp: lower_mod,
    g.PowOp: lower_pow,
    g.MinOp: _min_max("slt", "olt"),
    g.MaxOp: _min_max("sgt", "ogt"),
    g.NegOp: lower_neg,
    g.AbsOp: lower_abs,
    g.AndOp: _arith(arith.AndIOp, None),
    g.OrOp: _arith(arith.OrIOp, None),
    g.XorOp: _arith(arith.XOrIOp, None),
    g.ShlOp: lower_shl,
    g.ShrOp: lower_shr,
    g.CmpOp: lower_cmp,
    g.SelectOp: lambda e, op, c, a, b: e.select(c, a, b),
    g.CastOp: lower_cast,
    g.ExpOp: lower_exp,
    g.LogOp: _math(xmath.LogOp, lambda e, x: e.cmpf("ugt", x, 0.0)),  # x <= 0 raises
    g.SqrtOp: _math(xmath.SqrtOp, lambda e, x: e.cmpf("uge", x, 0.0)),  # x < 0 raises
    g.SinOp: _math(xmath.SinOp, lambda e, x: e.not_(e.is_inf(x))),
    g.CosOp: _math(xmath.CosOp, lambda e, x: e.not_(e.is_inf(x))),
    g.TanhOp: _math(xmath.TanhOp),
    g.FloorOp: _rounding(xmath.FloorOp),
    g.CeilOp: _rounding(xmath.CeilOp),
    g.ReluOp: lower_relu,
    g.TanOp: _libm(xmath.TanOp),
    g.AsinOp: _libm(xmath.AsinOp),
    g.AcosOp: _libm(xmath.AcosOp),
    g.AtanOp: _libm(xmath.AtanOp),
    g.SinhOp: _libm(xmath.SinhOp),
    g.CoshOp: _libm(xmath.CoshOp),
    g.AsinhOp: _libm(xmath.AsinhOp),
    g.AcoshOp: _libm(xmath.AcoshOp),
    g.AtanhOp: _libm(xmath.AtanhOp),
    g.Log2Op: _libm(xmath.Log2Op),
    g.Log10Op: _libm(xmath.Log10Op),
    g.Log1pOp: _libm(xmath.Log1pOp),
    g.Expm1Op: _libm(xmath.ExpM1Op),
    g.Exp2Op: _libm(xmath.Exp2Op),
    g.CbrtOp: _libm(xmath.CbrtOp),
    g.ErfOp: _libm(xmath.ErfOp),
    g.ErfcOp: _libm("erfc"),
    g.RoundEvenOp: _rounding(xmath.RoundEvenOp),
    g.Atan2Op: lower_atan2,
    g.FmodOp: lower_fmod,
    g.CopySignOp: lambda e, op, x, y: e(xmath.CopySignOp(x, y)),
    g.NextAfterOp: lambda e, op, x, y: e(e.libm("nextafter", x, y)),
    g.HypotOp: lower_hypot,
}
"""One expansion per scalar graphlet op."""


class LowerGraphletOp(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: g.GraphletOp, rewriter: PatternRewriter, /) -> None:
        lower = LOWERINGS.get(type(op))
        values = (*op.operands, *op.results)
        if lower is None or any(v.type not in g.SCALAR_TYPES for v in values):
            return  # refused by TARGET
        emit = ScalarEmitter(rewriter, anchor=op)
        ieee = body_of(op) if op.is_ieee else None
        if ieee is not None:  # the tensor body: PyTorch's IEEE answer, no guards
            result = ieee(emit, list(op.operands))
        else:
            result = lower(emit, op, *op.operands)
        rewriter.replace(op, [], [result])


def _advice(op: Operation) -> str | None:
    if any(g.is_tensor(v.type) for v in (*op.operands, *op.results)):
        return (
            "it works on tensors, which lower-tensors-to-llvm lowers (convert-graphlet-to-linalg)"
        )
    return None


TARGET = ConversionTarget(
    "convert-graphlet-to-arith", illegal_dialects=("graphlet",), advice=_advice
)


@dataclass(frozen=True)
class ConvertGraphletToArithPass(ModulePass):
    name = "convert-graphlet-to-arith"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(LowerGraphletOp(), apply_recursively=False).rewrite_module(op)
        TARGET.refuse_leftovers(op)
