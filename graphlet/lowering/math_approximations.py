"""Branch-free approximations of exp, expm1, log, log1p, tanh and erf on f32/f64,
built from arith/math ops that LLVM vectorises (`expand-math-approximations`).

The recipes are the classic ones (SLEEF, fdlibm, Cephes), with every branch
turned into a select so a loop body stays one basic block:

* exp: k = round(x / ln 2) by the 1.5 2^p trick, r = x - k ln2 in two fma
  steps (Cody-Waite, ln2_hi has trailing zeros so k ln2_hi is exact), e^r =
  1 + (r + r^2 P(r)), and 2^k built in the exponent bits in two halves so that
  results overflow to inf and underflow through the denormals exactly as the
  rounded true value does.
* expm1: the same reduction, 2^k P + (2^k - 1) in one fma (no cancellation);
  exp's result for large k.
* log: x = 2^k m, m in [sqrt 1/2, sqrt 2) taken from the bits (denormals
  scaled first), then fdlibm's log(1+f) = f - f^2/2 + s (f^2/2 + R(s^2)),
  s = f / (2 + f); log1p adds fdlibm's correction c/u for the rounding of
  u = 1 + x.
* tanh: x + x^3 P(x^2) below 1, 1 - 2 / (e^2|x| + 1) above (where that
  difference cannot lose more than a few tenths of an ulp).
* erf: x + x P(x^2) below 1, 1 - exp(R(t) - x^2) above.

Special values (+-0, +-inf, NaN, overflow and underflow thresholds, denormal
inputs and results) are exact: clamps are selects on ordered compares, which
keep NaN, and explicit selects give the IEEE answers at 0, inf and outside
the domain. Coefficients: `scripts/fit_math_polynomials.py` (near-minimax fits
against mpmath) for exp, log and tanh; erf's are the fits of the former
`expand-math-erf`. Accuracy, measured by tests/test_math_approximations.py and
stated in docs/tensor-lowering.md, is about 1 ulp.
"""

from __future__ import annotations

import math as pymath
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import Float32Type, Float64Type, IntegerType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from graphlet.lowering.emitter import Emitter


@dataclass(frozen=True)
class FloatFormat:
    width: int
    mantissa_bits: int
    bias: int
    ln2_hi: float
    """ln 2 with trailing zero bits: k ln2_hi is exact for every k that occurs."""
    ln2_lo: float
    exp_max: float
    """Above: exp is inf (exp(exp_max) overflows)."""
    exp_min: float
    """Below: exp is +0 (exp(exp_min) rounds to 0)."""
    expm1_min: float
    """Below: expm1 is -1 (e^x is under half an ulp of 1)."""
    tanh_max: float
    """Above: tanh is 1 (correctly rounded)."""
    erf_max: float
    """Above: erf is 1 (correctly rounded)."""


FORMATS: dict[Attribute, FloatFormat] = {
    Float32Type(): FloatFormat(
        32,
        23,
        127,
        0.693145751953125,
        1.428606765330187e-06,
        89.0,
        -104.0,
        -18.0,
        9.1,
        3.925,
    ),
    Float64Type(): FloatFormat(
        64,
        52,
        1023,
        0.6931471803691238,
        1.9082149292705877e-10,
        710.0,
        -746.0,
        -38.0,
        19.1,
        5.93,
    ),
}

F32, F64 = Float32Type(), Float64Type()

EXP_TAIL: dict[Attribute, tuple[float, ...]] = {
    F32: (
        0.5,
        0.1666666716337204,
        0.04166648909449577,
        0.008333207108080387,
        0.00139326648786664,
        0.00019945109670516104,
    ),
    F64: (
        0.5,
        0.16666666666666677,
        0.04166666666666667,
        0.008333333333321445,
        0.001388888888888192,
        0.0001984126988654701,
        2.4801587331005325e-05,
        2.755724382381704e-06,
        2.7557267674882106e-07,
        2.5109160649206485e-08,
        2.0916860723264843e-09,
    ),
}
"""P(r) ~ (e^r - 1 - r) / r^2 on |r| <= ln2 / 2."""

EXPM1_TAIL: dict[Attribute, tuple[float, ...]] = {
    F32: (
        0.5,
        0.16666671633720398,
        0.041666679084300995,
        0.008332659490406513,
        0.0013887779787182808,
        0.00020091641636099666,
        2.5111576178460382e-05,
    ),
    F64: (
        0.5,
        0.16666666666666666,
        0.041666666666666664,
        0.008333333333333689,
        0.0013888888888889952,
        0.00019841269840815756,
        2.4801587299900252e-05,
        2.755731949057325e-06,
        2.7557320433774306e-07,
        2.505202934108152e-08,
        2.087632866174382e-09,
        1.6070511160280012e-10,
        1.1543784142652633e-11,
        7.015303599100287e-13,
    ),
}
"""The same on |r| < ln 2."""

LOG_TAIL: dict[Attribute, tuple[float, ...]] = {
    F32: (
        0.6666666269302368,
        0.40000972151756287,
        0.2849876582622528,
        0.24280008673667908,
    ),
    F64: (
        0.6666666666666734,
        0.399999999994166,
        0.2857142874204745,
        0.22222198602011556,
        0.18183563061286667,
        0.1531407823506241,
        0.14795710961831163,
    ),
}
"""Q(z) ~ (2 atanh(s) - 2 s) / s^3, z = s^2 <= ((sqrt 2 - 1) / (sqrt 2 + 1))^2; R = z Q."""

TANH_TAIL: dict[Attribute, tuple[float, ...]] = {
    F32: (
        -0.3333333432674408,
        0.13333359360694885,
        -0.05397041141986847,
        0.021876264363527298,
        -0.00886353850364685,
        0.0035381466150283813,
        -0.001298144576139748,
        0.0003660704242065549,
        -5.4481399274664e-05,
    ),
    F64: (
        -0.3333333333333333,
        0.13333333333333025,
        -0.05396825396809362,
        0.021869488532082787,
        -0.008863235469071097,
        0.0035921274451546728,
        -0.0014558304031153718,
        0.0005900080653656752,
        -0.0002390591585133504,
        9.672431417812467e-05,
        -3.887873671095526e-05,
        1.527445138611755e-05,
        -5.647462447569685e-06,
        1.8371215263433807e-06,
        -4.7531593114274893e-07,
        8.391276929320154e-08,
        -7.372811954883237e-09,
    ),
}
"""P(u) ~ (tanh(x) - x) / x^3, u = x^2 <= 1."""
TANH_SPLIT = 1.0


ERF_SMALL: dict[Attribute, tuple[float, ...]] = {
    F32: (
        0.12837916612625122,
        -0.3761262595653534,
        0.11283578723669052,
        -0.026853347197175026,
        0.005187162198126316,
        -0.0007997853099368513,
        7.806903158780187e-05,
    ),
    F64: (
        0.12837916709551256,
        -0.3761263890318335,
        0.11283791670937164,
        -0.026866170641984304,
        0.00522397759684351,
        -0.0008548325484701114,
        0.00012055280310563825,
        -1.4924458488405861e-05,
        1.644401681476104e-06,
        -1.6182612338093619e-07,
        1.360919231708124e-08,
        -7.590925724643943e-10,
    ),
}
"""P(u) ~ (erf(x) - x) / x, u = x^2 < 1."""


@dataclass(frozen=True)
class ErfFit:
    large: tuple[float, ...]
    """R(t) ~ log(erfc(|x|)) + x^2, t = (|x| - middle) / half_width on [1, erf_max]."""
    middle: float
    half_width: float


ERF: dict[Attribute, ErfFit] = {
    F32: ErfFit(
        (
            -1.5435124022306859,
            -0.5220361164581407,
            0.12265941062066703,
            -0.03464314417684974,
            0.011468379122516588,
            -0.0012677950547722667,
            0.0018320415119781515,
        ),
        2.4625,
        1.4625,
    ),
    F64: ErfFit(
        (
            -1.8530829636774606,
            -0.6617199563994817,
            0.20538931460594345,
            -0.08012874525000403,
            0.0332254335744845,
            -0.013880632782231898,
            0.005690030769172999,
            -0.002241145953235075,
            0.0008328394050747222,
            -0.0003048901600032297,
            1.9136432862810697e-05,
            -8.198068186751273e-05,
            4.702584550367912e-05,
            0.0002766065628158824,
            0.0004376060882436509,
            0.00041279390232646946,
            0.00023559500431892029,
            7.921399706281659e-05,
            1.173525398930354e-05,
        ),
        3.465,
        2.465,
    ),
}


class FloatEmitter(Emitter):
    """The shared `Emitter`, on one float type and the integer type of its width."""

    def __init__(self, rewriter: PatternRewriter, type_: Attribute) -> None:
        super().__init__(rewriter=rewriter)
        self.type = type_
        self.format = FORMATS[type_]
        self.int_type = IntegerType(self.format.width)

    def num(self, value: float) -> SSAValue:
        return self.float(value, self.type)

    def word(self, value: int) -> SSAValue:
        return self.int(value, self.int_type)

    def add(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self(arith.AddfOp(a, b))

    def sub(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self(arith.SubfOp(a, b))

    def neg(self, a: SSAValue) -> SSAValue:
        return self(arith.NegfOp(a))

    def neg_int(self, a: SSAValue) -> SSAValue:
        return self(arith.SubiOp(self.word(0), a))

    def mul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self(arith.MulfOp(a, b))

    def div(self, a: SSAValue, b: SSAValue) -> SSAValue:
        return self(arith.DivfOp(a, b))

    def fma(self, a: SSAValue, b: SSAValue, c: SSAValue) -> SSAValue:
        return self(math.FmaOp(a, b, c))

    def clamp_above(self, x: SSAValue, bound: float) -> SSAValue:
        """min(x, bound) keeping NaN (an ordered compare is false for NaN)."""
        c = self.num(bound)
        return self.select(self.cmpf("ogt", x, c), c, x)

    def clamp_below(self, x: SSAValue, bound: float) -> SSAValue:
        c = self.num(bound)
        return self.select(self.cmpf("olt", x, c), c, x)

    def bits(self, x: SSAValue) -> SSAValue:
        return self(arith.BitcastOp(x, self.int_type))

    def from_bits(self, i: SSAValue) -> SSAValue:
        return self(arith.BitcastOp(i, self.type))

    def horner(self, coefficients: Sequence[float], x: SSAValue) -> SSAValue:
        result = self.num(coefficients[-1])
        for c in reversed(coefficients[:-1]):
            result = self.fma(result, x, self.num(c))
        return result

    def int_to_float(self, k: SSAValue) -> SSAValue:
        """A small integer as a float, through the 1.5 2^p shift (AVX2 has no
        vector i64 -> f64 conversion; this is an add and a subtract)."""
        magic = 1.5 * 2.0**self.format.mantissa_bits
        shifted = self(arith.AddiOp(k, self.word(_float_bits(magic, self.format))))
        return self.sub(self.from_bits(shifted), self.num(magic))

    def power_of_two(self, k: SSAValue) -> SSAValue:
        """2^k for an integer k in the normal exponent range."""
        f = self.format
        biased = self(arith.AddiOp(k, self.word(f.bias)))
        return self.from_bits(self(arith.ShLIOp(biased, self.word(f.mantissa_bits))))


def _float_bits(value: float, format_: FloatFormat) -> int:
    """The bits of `value` rounded to the format, as a signed integer."""
    float_code, int_code = ("<f", "<i") if format_.width == 32 else ("<d", "<q")
    bits: int = struct.unpack(int_code, struct.pack(float_code, value))[0]
    return bits


def _exp_reduce(
    e: FloatEmitter, x: SSAValue, toward_zero: bool = False
) -> tuple[SSAValue, SSAValue, SSAValue]:
    """(k, r, dr) with x = k ln2 + r + dr, k an integer of the int type.

    k is x / ln2 rounded to nearest (|r| <= ln2/2), or for x >= 0 `toward_zero`
    (0 <= r < ln2, so expm1's terms are all positive). Adding 1.5 2^mantissa_bits
    to an integer-valued float puts it in the low bits. x - k ln2_hi is exact; dr
    is the rounding error of then subtracting k ln2_lo, which `_exp_poly` adds
    back among the small terms."""
    f = e.format
    magic_value = 1.5 * 2.0**f.mantissa_bits
    magic = e.num(magic_value)
    t = e.mul(x, e.num(1 / pymath.log(2)))
    if toward_zero:
        near_zero = e(arith.AndIOp(e.cmpf("oge", t, e.num(0.0)), e.cmpf("olt", t, e.num(2.5))))
        t = e.select(near_zero, e(math.TruncOp(t)), t)
    shifted = e.add(t, magic)
    k = e(arith.SubiOp(e.bits(shifted), e.word(_float_bits(magic_value, f))))
    minus_k = e.neg(e.sub(shifted, magic))
    exact = e.fma(minus_k, e.num(f.ln2_hi), x)
    r = e.fma(minus_k, e.num(f.ln2_lo), exact)
    dr = e.fma(minus_k, e.num(f.ln2_lo), e.sub(exact, r))
    return k, r, dr


def _exp_poly(e: FloatEmitter, r: SSAValue, dr: SSAValue, tail: Sequence[float]) -> SSAValue:
    """e^(r + dr) - 1 = r + (r^2 P(r) + dr), r^2 taken exactly (as square + fma
    residual), within half an ulp plus the fit's and P's evaluation error."""
    square = e.mul(r, r)
    residual = e.fma(r, r, e.neg(square))
    tail_value = e.horner(tail, r)
    return e.add(r, e.fma(square, tail_value, e.fma(residual, tail_value, dr)))


def _scale(e: FloatEmitter, y: SSAValue, k: SSAValue) -> SSAValue:
    """y 2^k for k from below the denormals to past the overflow: two factors
    2^(k/2) and 2^(k - k/2), each normal, so only the last product rounds."""
    half = e(arith.ShRSIOp(k, e.word(1)))
    rest = e(arith.SubiOp(k, half))
    return e.mul(e.mul(y, e.power_of_two(half)), e.power_of_two(rest))


def exp(e: FloatEmitter, x: SSAValue) -> SSAValue:
    x = e.clamp_below(e.clamp_above(x, e.format.exp_max), e.format.exp_min)
    k, r, dr = _exp_reduce(e, x)
    return _scale(e, e.add(e.num(1.0), _exp_poly(e, r, dr, EXP_TAIL[e.type])), k)


def exp_in_range(e: FloatEmitter, x: SSAValue) -> SSAValue:
    """e^x for x whose result is a normal number (no clamps, one scale factor)."""
    k, r, dr = _exp_reduce(e, x)
    p = _exp_poly(e, r, dr, EXP_TAIL[e.type])
    return e.mul(e.add(e.num(1.0), p), e.power_of_two(k))


def expm1(e: FloatEmitter, x: SSAValue) -> SSAValue:
    """2^k (1 + p) - 1. Up to k = mantissa_bits + 1, where 2^k - 1 is exact, as
    2^k p + (2^k - 1) in one fma: for x >= 0, k = trunc(x / ln2) keeps p >= 0, so
    the two terms never cancel; below 0, |2^k p| is under half of |2^k - 1|.
    From there on, 2^k (1 + p') with the -1 folded into p' = p - 2^-k (among
    p's small terms, so it is not lost), scaled in two steps up to the overflow."""
    f = e.format
    clamped = e.clamp_below(e.clamp_above(x, f.exp_max), f.expm1_min)
    k, r, dr = _exp_reduce(e, clamped, toward_zero=True)
    limit = e.word(f.mantissa_bits + 1)
    large_k = e(arith.CmpiOp(k, limit, "sgt"))
    inverse = e.power_of_two(e.neg_int(e(arith.MinSIOp(k, e.word(f.bias - 1)))))
    dr = e.sub(dr, e.select(large_k, inverse, e.num(0.0)))
    p = _exp_poly(e, r, dr, EXPM1_TAIL[e.type])
    two_k = e.power_of_two(e(arith.MinSIOp(k, limit)))
    near = e.fma(two_k, p, e.sub(two_k, e.num(1.0)))
    large = _scale(e, e.add(e.num(1.0), p), k)
    result = e.select(large_k, large, near)
    return e.select(e.cmpf("oeq", x, e.num(0.0)), x, result)


def _log_parts(e: FloatEmitter, x: SSAValue) -> tuple[SSAValue, SSAValue]:
    """(k, f) with x = 2^k (1 + f), 1 + f in [sqrt 1/2, sqrt 2), for x > 0;
    k as a float. Denormals are scaled by 2^(p+1) first."""
    f = e.format
    tiny = e.cmpf("olt", x, e.num(2.0 ** (1 - f.bias)))
    scaled = e.select(tiny, e.mul(x, e.num(2.0 ** (f.mantissa_bits + 1))), x)
    offset = _float_bits(pymath.sqrt(0.5), f)
    shifted = e(arith.SubiOp(e.bits(scaled), e.word(offset)))
    k = e(arith.ShRSIOp(shifted, e.word(f.mantissa_bits)))
    mantissa = e(arith.AndIOp(shifted, e.word((1 << f.mantissa_bits) - 1)))
    m = e.from_bits(e(arith.AddiOp(mantissa, e.word(offset))))
    k_float = e.int_to_float(k)
    k_float = e.select(tiny, e.sub(k_float, e.num(f.mantissa_bits + 1.0)), k_float)
    return k_float, e.sub(m, e.num(1.0))


def _log_combine(e: FloatEmitter, k: SSAValue, f: SSAValue, c: SSAValue | None) -> SSAValue:
    """fdlibm: k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo + c)) - f)."""
    s = e.div(f, e.add(e.num(2.0), f))
    z = e.mul(s, s)
    r = e.mul(z, e.horner(LOG_TAIL[e.type], z))
    hfsq = e.mul(e.mul(e.num(0.5), f), f)
    low = e.mul(k, e.num(e.format.ln2_lo))
    if c is not None:
        low = e.add(low, c)
    low = e.fma(s, e.add(hfsq, r), low)
    return e.fma(k, e.num(e.format.ln2_hi), e.neg(e.sub(e.sub(hfsq, low), f)))


def _log_specials(e: FloatEmitter, x: SSAValue, result: SSAValue, pole: float) -> SSAValue:
    """inf at +inf, -inf at `pole`, NaN below it or for NaN."""
    inf = e.num(pymath.inf)
    result = e.select(e.cmpf("oeq", x, inf), inf, result)
    result = e.select(e.cmpf("oeq", x, e.num(pole)), e.num(-pymath.inf), result)
    return e.select(e.cmpf("ult", x, e.num(pole)), e.num(pymath.nan), result)


def log(e: FloatEmitter, x: SSAValue) -> SSAValue:
    k, f = _log_parts(e, x)
    return _log_specials(e, x, _log_combine(e, k, f, None), 0.0)


def log1p(e: FloatEmitter, x: SSAValue) -> SSAValue:
    """log(u) for u = 1 + x rounded, plus c = ((1 + x) - u) / u (exact numerator:
    x - (u - 1) below u = 2, 1 - (u - x) from there)."""
    one = e.num(1.0)
    u = e.add(one, x)
    k, f = _log_parts(e, u)
    error = e.select(e.cmpf("oge", u, e.num(2.0)), e.sub(one, e.sub(u, x)), e.sub(x, e.sub(u, one)))
    result = _log_combine(e, k, f, e.div(error, u))
    result = e.select(e.cmpf("oeq", x, e.num(0.0)), x, result)
    return _log_specials(e, x, result, -1.0)


def tanh(e: FloatEmitter, x: SSAValue) -> SSAValue:
    """On |x|, the sign copied at the end (tanh(-0) = -0)."""
    a = e(math.AbsFOp(x))
    u = e.mul(a, a)
    small = e.fma(e.mul(a, u), e.horner(TANH_TAIL[e.type], u), a)
    big = exp_in_range(e, e.clamp_above(e.add(a, a), 2 * e.format.tanh_max))
    one = e.num(1.0)
    large = e.sub(one, e.div(e.num(2.0), e.add(big, one)))
    result = e.select(e.cmpf("olt", a, e.num(TANH_SPLIT)), small, large)
    return e(math.CopySignOp(result, x))


def erf(e: FloatEmitter, x: SSAValue) -> SSAValue:
    fit, hi = ERF[e.type], e.format.erf_max
    small = e.fma(x, e.horner(ERF_SMALL[e.type], e.mul(x, x)), x)
    a = e(math.AbsFOp(x))
    one = e.num(1.0)
    clamped = e(arith.MinnumfOp(e(arith.MaxnumfOp(a, one)), e.num(hi)))
    t = e.fma(clamped, e.num(1 / fit.half_width), e.num(-fit.middle / fit.half_width))
    exponent = e.fma(e.neg(clamped), clamped, e.horner(fit.large, t))
    large = e.sub(one, exp_in_range(e, exponent))
    large = e.select(e.cmpf("oge", a, e.num(hi)), one, large)
    large = e(math.CopySignOp(large, x))
    return e.select(e.cmpf("oge", a, one), large, small)


APPROXIMATIONS: dict[type[Operation], Callable[[FloatEmitter, SSAValue], SSAValue]] = {
    math.ExpOp: exp,
    math.ExpM1Op: expm1,
    math.LogOp: log,
    math.Log1pOp: log1p,
    math.TanhOp: tanh,
    math.ErfOp: erf,
}
"""The math ops replaced, and how: each takes the operand, returns the result."""
