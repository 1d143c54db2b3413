"""The one builder vocabulary of graphlet's lowerings to arith/math.

`convert-graphlet-to-arith` (scalars, inserting before the op it rewrites) and
`convert-graphlet-to-linalg` (the scalar bodies of `linalg.generic`s) build with the
same `Emitter`: constants built once per expansion, comparisons with Python's
predicates (`CMP_PREDICATES`, the one table), i1 logic, selects, conversions, and
CPython's float floor division and modulo recipe (`floatobject.c`), which PyTorch's
`div_floor_floating` and `remainder` follow too. Float remainder is `llvm.frem`
(C's `fmod`; arith has none), or whatever a subclass's `fmod` builds.
"""

from __future__ import annotations

import builtins
import math
import struct
from collections.abc import Sequence

from xdsl.dialects import arith, llvm
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter

from graphlet.dialects import graphlet as g

CMP_PREDICATES: dict[str, tuple[str, str, str]] = {
    "eq": ("oeq", "eq", "eq"),
    "ne": ("une", "ne", "ne"),
    "lt": ("olt", "slt", "ult"),
    "le": ("ole", "sle", "ule"),
    "gt": ("ogt", "sgt", "ugt"),
    "ge": ("oge", "sge", "uge"),
}
"""Each `graphlet.cmp` predicate as (`arith.cmpf` on floats, `arith.cmpi` on ints,
`arith.cmpi` on bools): ordered except `!=` (true when a NaN is involved), signed on
ints, unsigned on i1 (False < True)."""

assert set(CMP_PREDICATES) == set(g.CMP_PREDICATES)


def is_float(value: SSAValue) -> bool:
    return isinstance(value.type, AnyFloat)


class Emitter:
    """Builds ops before the op being rewritten (`rewriter`) or at the end of `block`."""

    def __init__(self, rewriter: PatternRewriter | None = None, block: Block | None = None) -> None:
        assert (rewriter is None) != (block is None), "an Emitter needs a rewriter or a block"
        self.rewriter, self.block = rewriter, block
        self.constants: dict[tuple[Attribute, object], SSAValue] = {}

    def op(self, op: Operation) -> Operation:
        if self.block is not None:
            self.block.add_op(op)
        else:
            assert self.rewriter is not None
            self.rewriter.insert(op)
        return op

    def __call__(self, op: Operation) -> SSAValue:
        return self.op(op).results[0]

    # constants, each built once per expansion

    def int(self, n: int, t: Attribute = i64) -> SSAValue:
        if (t, n) not in self.constants:
            assert isinstance(t, IntegerType | IndexType), f"an integer constant of type {t}"
            self.constants[(t, n)] = self(arith.ConstantOp(IntegerAttr(n, t)))
        return self.constants[(t, n)]

    def bool(self, b: bool) -> SSAValue:
        return self.int(int(b), i1)

    def float(self, x: float, t: Attribute = f64) -> SSAValue:
        key = (t, struct.pack("<d", x))  # -0.0 and 0.0 differ
        if key not in self.constants:
            assert isinstance(t, AnyFloat), f"a float constant of type {t}"
            self.constants[key] = self(arith.ConstantOp(FloatAttr(x, t)))
        return self.constants[key]

    def const(self, value: builtins.float | builtins.int | builtins.bool, t: Attribute) -> SSAValue:
        """A constant of any element type (bools and ints as integers)."""
        return self.float(float(value), t) if isinstance(t, AnyFloat) else self.int(int(value), t)

    # comparisons and logic on i1

    def cmpi(self, pred: str, a: SSAValue, b: SSAValue | builtins.int) -> SSAValue:
        return self(arith.CmpiOp(a, self.int(b, a.type) if isinstance(b, int) else b, pred))

    def cmpf(self, pred: str, a: SSAValue, b: SSAValue | builtins.float) -> SSAValue:
        return self(arith.CmpfOp(a, self.float(b, a.type) if isinstance(b, float) else b, pred))

    def cmp(self, predicate: str, a: SSAValue, b: SSAValue) -> SSAValue:
        """Python's `a <predicate> b` on two floats, ints or bools of one type."""
        on_float, on_int, on_bool = CMP_PREDICATES[predicate]
        if is_float(a):
            return self.cmpf(on_float, a, b)
        return self.cmpi(on_bool if a.type == i1 else on_int, a, b)

    def all(self, *cs: SSAValue) -> SSAValue:
        r = cs[0]
        for c in cs[1:]:
            r = self(arith.AndIOp(r, c))
        return r

    def any(self, *cs: SSAValue) -> SSAValue:
        r = cs[0]
        for c in cs[1:]:
            r = self(arith.OrIOp(r, c))
        return r

    def not_(self, c: SSAValue) -> SSAValue:
        return self(arith.XOrIOp(c, self.bool(True)))

    def select(self, c: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
        return self(arith.SelectOp(c, a, b))

    # floats

    def is_inf(self, x: SSAValue) -> SSAValue:
        return self.cmpf("oeq", self(xmath.AbsFOp(x)), math.inf)

    def to_float(self, x: SSAValue, t: Attribute = f64) -> SSAValue:
        """An int (or bool: 0 or 1) as a float of type `t`; a float is left alone."""
        if is_float(x):
            return x
        assert isinstance(t, AnyFloat), f"a conversion to {t}"
        return self((arith.UIToFPOp if x.type == i1 else arith.SIToFPOp)(x, t))

    # Python's rounding toward -inf

    def int_remainder_needs_fix(self, r: SSAValue, b: SSAValue) -> SSAValue:
        """Whether C's truncating remainder `r` of a division by `b` needs Python's
        fix-up toward -inf (it is nonzero and its sign differs from b's)."""
        return self.all(self.cmpi("ne", r, 0), self.cmpi("slt", self(arith.XOrIOp(r, b)), 0))

    def fmod(self, a: SSAValue, b: SSAValue) -> SSAValue:
        """C's `fmod(a, b)`."""
        return self(llvm.FRemOp(a, b))

    def float_remainder(self, a: SSAValue, b: SSAValue) -> Sequence[SSAValue]:
        """CPython's `_float_div_mod` up to the sign test: (fmod, fmod != 0, needs fix-up)."""
        mod = self.fmod(a, b)
        mod_nonzero = self.cmpf("une", mod, 0.0)
        signs_differ = self(arith.XOrIOp(self.cmpf("olt", b, 0.0), self.cmpf("olt", mod, 0.0)))
        return mod, mod_nonzero, self.all(mod_nonzero, signs_differ)

    def float_floordiv(
        self, a: SSAValue, b: SSAValue, zero_divisor_quotient: builtins.bool = False
    ) -> SSAValue:
        """CPython's `float_floor_div`: the quotient of the exact remainder, snapped to
        the nearest integer, a zero signed like `a / b`. A zero divisor is the caller's
        to guard (CPython raises), or with `zero_divisor_quotient` gives `a / b`
        (PyTorch's inf or NaN)."""
        mod, _, fix = self.float_remainder(a, b)
        one = self.float(1.0, a.type)
        div = self(arith.DivfOp(self(arith.SubfOp(a, mod)), b))
        div = self.select(fix, self(arith.SubfOp(div, one)), div)
        floor = self(xmath.FloorOp(div))
        snap = self.cmpf("ogt", self(arith.SubfOp(div, floor)), 0.5)
        floor = self.select(snap, self(arith.AddfOp(floor, one)), floor)
        quotient = self(arith.DivfOp(a, b))
        zero_quotient = self(xmath.CopySignOp(self.float(0.0, a.type), quotient))
        result = self.select(self.cmpf("une", div, 0.0), floor, zero_quotient)
        if zero_divisor_quotient:
            result = self.select(self.cmpf("oeq", b, 0.0), quotient, result)
        return result

    def float_mod(
        self, a: SSAValue, b: SSAValue, zero_signed_like_divisor: builtins.bool
    ) -> SSAValue:
        """`a % b` with the divisor's sign: fmod, plus b when the signs differ. A zero
        result is signed like the divisor in CPython (`float_rem`), like the dividend
        (fmod's) in PyTorch. A zero divisor is the caller's to guard, or gives NaN."""
        mod, mod_nonzero, fix = self.float_remainder(a, b)
        fixed = self.select(fix, self(arith.AddfOp(mod, b)), mod)
        if not zero_signed_like_divisor:
            return fixed
        return self.select(mod_nonzero, fixed, self(xmath.CopySignOp(self.float(0.0, a.type), b)))
