"""The reference executor: xDSL's interpreter with graphlet's ops registered.

Every graphlet op runs its own `py_operation` on Python values, so interpreting a
graphlet function gives exactly CPython's answer: ints never wrap, and errors are
CPython's own exceptions with CPython's messages. Native code is tested against this.
The stock func/cf/scf/arith/math implementations come from xDSL; the arith and math
ops xDSL 0.74 leaves out are added here with LLVM's meaning.
"""

from __future__ import annotations

import fractions
import math
import struct
from collections.abc import Sequence
from typing import Any

from xdsl.dialects import arith, cf, llvm
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import IntegerType, ModuleOp, f32
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    PythonValues,
    Successor,
    TerminatorValue,
    impl,
    impl_terminator,
    register_impls,
)
from xdsl.interpreters import register_implementations
from xdsl.interpreters.math import MathFunctions
from xdsl.ir import Attribute

from graphlet.dialects import arith_ext, pyrt
from graphlet.dialects import graphlet as g
from graphlet.dialects.upstream_syntax import by_class
from graphlet.registry import make_context


def _run_graphlet_op(
    self: InterpreterFunctions, interpreter: Interpreter, op: g.GraphletOp, args: PythonValues
) -> PythonValues:
    result = op.evaluate(*args)
    result_type = op.results[0].type
    if not g.has_python_type(result, result_type):
        raise g.UnrepresentableResult(
            f"{op.name}: Python's result {result!r} is a {type(result).__name__}, "
            f"not the declared {result_type}"
        )
    return (result,)


def _run_constant(
    self: InterpreterFunctions, interpreter: Interpreter, op: g.ConstantOp, args: PythonValues
) -> PythonValues:
    return (g.from_attr(op.value),)


@register_impls
class GraphletFunctions(InterpreterFunctions):
    """One implementation per graphlet op, each reading the op's Python meaning."""

    run_graphlet_constant = impl(g.ConstantOp)(_run_constant)
    for _op in [*g.OPS, *g.TENSOR_OPS]:
        if _op is not g.ConstantOp:
            vars()[f"run_{_op.name.replace('.', '_')}"] = impl(_op)(_run_graphlet_op)
    del _op


def _width(t: Attribute) -> int:
    return t.width.data if isinstance(t, IntegerType) else 64


def _signed(value: int, width: int) -> int:
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def _unsigned(value: int, width: int) -> int:
    return value & ((1 << width) - 1)


def _f32(x: float) -> float:
    rounded: float = struct.unpack("f", struct.pack("f", x))[0]
    return rounded


@register_impls
class ArithCompletionFunctions(InterpreterFunctions):
    """arith ops xDSL 0.74's interpreter lacks, with MLIR/LLVM meaning."""

    @impl(arith.DivfOp)
    def run_divf(
        self, interpreter: Interpreter, op: arith.DivfOp, args: PythonValues
    ) -> PythonValues:
        a, b = args
        if b == 0.0:
            if a != a or a == 0.0:
                return (math.nan,)
            return (math.copysign(math.inf, a) * math.copysign(1.0, b),)
        return (a / b,)

    @impl(arith.NegfOp)
    def run_negf(
        self, interpreter: Interpreter, op: arith.NegfOp, args: PythonValues
    ) -> PythonValues:
        return (-args[0],)

    @impl(arith.SIToFPOp)
    def run_sitofp(
        self, interpreter: Interpreter, op: arith.SIToFPOp, args: PythonValues
    ) -> PythonValues:
        return (float(args[0]),)

    @impl(arith.ExtFOp)
    def run_extf(
        self, interpreter: Interpreter, op: arith.ExtFOp, args: PythonValues
    ) -> PythonValues:
        return (float(args[0]),)

    @impl(arith.TruncFOp)
    def run_truncf(
        self, interpreter: Interpreter, op: arith.TruncFOp, args: PythonValues
    ) -> PythonValues:
        return (_f32(args[0]),)

    @impl(arith.ExtSIOp)
    def run_extsi(
        self, interpreter: Interpreter, op: arith.ExtSIOp, args: PythonValues
    ) -> PythonValues:
        return (_signed(int(args[0]), _width(op.input.type)),)

    @impl(arith.ExtUIOp)
    def run_extui(
        self, interpreter: Interpreter, op: arith.ExtUIOp, args: PythonValues
    ) -> PythonValues:
        return (_unsigned(int(args[0]), _width(op.input.type)),)

    @impl(arith.TruncIOp)
    def run_trunci(
        self, interpreter: Interpreter, op: arith.TruncIOp, args: PythonValues
    ) -> PythonValues:
        return (_signed(int(args[0]), _width(op.result.type)),)

    @impl(arith.ShRUIOp)
    def run_shrui(
        self, interpreter: Interpreter, op: arith.ShRUIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        return (_signed(_unsigned(args[0], w) >> args[1], w),)

    @impl(arith.MaxSIOp)
    def run_maxsi(
        self, interpreter: Interpreter, op: arith.MaxSIOp, args: PythonValues
    ) -> PythonValues:
        return (max(args),)

    @impl(arith.MinSIOp)
    def run_minsi(
        self, interpreter: Interpreter, op: arith.MinSIOp, args: PythonValues
    ) -> PythonValues:
        return (min(args),)

    @impl(arith.MaxnumfOp)
    def run_maxnumf(
        self, interpreter: Interpreter, op: arith.MaxnumfOp, args: PythonValues
    ) -> PythonValues:
        a, b = args
        return (b if a != a else a if b != b else max(a, b),)

    @impl(arith.MinnumfOp)
    def run_minnumf(
        self, interpreter: Interpreter, op: arith.MinnumfOp, args: PythonValues
    ) -> PythonValues:
        a, b = args
        return (b if a != a else a if b != b else min(a, b),)


@register_impls
class MathCompletionFunctions(InterpreterFunctions):
    """math ops xDSL 0.74's interpreter lacks, with libm's meaning (no exceptions)."""

    @impl(xmath.SinOp)
    def run_sin(
        self, interpreter: Interpreter, op: xmath.SinOp, args: PythonValues
    ) -> PythonValues:
        return (math.nan if math.isinf(args[0]) else math.sin(args[0]),)

    @impl(xmath.CosOp)
    def run_cos(
        self, interpreter: Interpreter, op: xmath.CosOp, args: PythonValues
    ) -> PythonValues:
        return (math.nan if math.isinf(args[0]) else math.cos(args[0]),)

    @impl(xmath.TanhOp)
    def run_tanh(
        self, interpreter: Interpreter, op: xmath.TanhOp, args: PythonValues
    ) -> PythonValues:
        return (math.tanh(args[0]),)

    @impl(xmath.AbsFOp)
    def run_absf(
        self, interpreter: Interpreter, op: xmath.AbsFOp, args: PythonValues
    ) -> PythonValues:
        return (abs(args[0]),)

    @impl(xmath.FloorOp)
    def run_floor(
        self, interpreter: Interpreter, op: xmath.FloorOp, args: PythonValues
    ) -> PythonValues:
        return (g.FloorOp.py_operation(args[0]),)

    @impl(xmath.CeilOp)
    def run_ceil(
        self, interpreter: Interpreter, op: xmath.CeilOp, args: PythonValues
    ) -> PythonValues:
        return (g.CeilOp.py_operation(args[0]),)


def _c_pow(x: float, y: float) -> float:
    """C's `pow` (what `math.powf` lowers to): no exceptions, IEEE special values."""
    try:
        return math.pow(x, y)
    except OverflowError:
        odd = math.isfinite(y) and y == int(y) and int(y) % 2 == 1
        return -math.inf if x < 0 and odd else math.inf
    except ValueError:
        if x == 0.0:  # 0 ** negative: a pole
            odd = y == int(y) and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return math.nan  # negative base, non-integer exponent


def _c_log(x: float) -> float:
    if x == 0.0:
        return -math.inf
    return math.nan if x < 0 else math.log(x)


def _c_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


@register_impls
class LibmFunctions(InterpreterFunctions):
    """math ops with libm's meaning where xDSL's use Python's (which raises):
    `log(0)` is -inf, `exp(1000)` inf, `sqrt(-1)` nan. Also `llvm.frem` (C's fmod),
    which lowerings use because arith has no float remainder."""

    @impl(xmath.ExpOp)
    def run_exp(
        self, interpreter: Interpreter, op: xmath.ExpOp, args: PythonValues
    ) -> PythonValues:
        return (_c_exp(args[0]),)

    @impl(xmath.LogOp)
    def run_log(
        self, interpreter: Interpreter, op: xmath.LogOp, args: PythonValues
    ) -> PythonValues:
        return (_c_log(args[0]),)

    @impl(xmath.SqrtOp)
    def run_sqrt(
        self, interpreter: Interpreter, op: xmath.SqrtOp, args: PythonValues
    ) -> PythonValues:
        return (math.nan if args[0] < 0 else math.sqrt(args[0]),)

    @impl(xmath.PowFOp)
    def run_powf(
        self, interpreter: Interpreter, op: xmath.PowFOp, args: PythonValues
    ) -> PythonValues:
        return (_c_pow(*args),)

    @impl(xmath.CopySignOp)
    def run_copysign(
        self, interpreter: Interpreter, op: xmath.CopySignOp, args: PythonValues
    ) -> PythonValues:
        return (math.copysign(*args),)

    @impl(llvm.FRemOp)
    def run_frem(
        self, interpreter: Interpreter, op: llvm.FRemOp, args: PythonValues
    ) -> PythonValues:
        return (_fmod(*args),)

    @impl(arith_ext.RemFOp)
    def run_remf(
        self, interpreter: Interpreter, op: arith_ext.RemFOp, args: PythonValues
    ) -> PythonValues:
        return (_fmod(*args),)


def _fmod(x: float, y: float) -> float:
    """C's `fmod` (LLVM's `frem`): NaN where Python's `math.fmod` raises."""
    if math.isinf(x) or y == 0.0 or x != x or y != y:
        return math.nan
    return math.fmod(x, y)


_ZERO_DIVISION = "integer division or modulo by zero"


def _signed_operands(op: Any, args: PythonValues) -> tuple[int, int, int]:
    w = _width(op.result.type)
    a, b = _signed(int(args[0]), w), _signed(int(args[1]), w)
    if b == 0:
        raise ZeroDivisionError(_ZERO_DIVISION)
    return a, b, w


def _exact_signed(op: Any, exact: int, w: int) -> PythonValues:
    """`exact` when it fits i`w`; LLVM traps where it does not (`INT_MIN / -1`)."""
    if exact != _signed(exact, w):
        raise OverflowError(f"{op.name}: {exact} does not fit i{w}")
    return (exact,)


def _c_div(a: int, b: int) -> int:
    """C's division, truncating toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


@register_impls
class NoTrapFunctions(InterpreterFunctions):
    """What native code would trap on (SIGFPE, SIGABRT) raises a Python exception:
    integer division by zero is CPython's ZeroDivisionError, `INT_MIN / -1` an
    OverflowError, a failed `cf.assert` an AssertionError with its message, and a
    float that does not fit the integer of `fptosi` an OverflowError (LLVM's result
    is poison). These replace xDSL's implementations."""

    @impl(arith.DivSIOp)
    def run_divsi(
        self, interpreter: Interpreter, op: arith.DivSIOp, args: PythonValues
    ) -> PythonValues:
        a, b, w = _signed_operands(op, args)
        return _exact_signed(op, _c_div(a, b), w)

    @impl(arith.RemSIOp)
    def run_remsi(
        self, interpreter: Interpreter, op: arith.RemSIOp, args: PythonValues
    ) -> PythonValues:
        a, b, _ = _signed_operands(op, args)
        return (a - _c_div(a, b) * b,)

    @impl(arith.FloorDivSIOp)
    def run_floordivsi(
        self, interpreter: Interpreter, op: arith.FloorDivSIOp, args: PythonValues
    ) -> PythonValues:
        a, b, w = _signed_operands(op, args)
        return _exact_signed(op, a // b, w)

    @impl(arith.CeilDivSIOp)
    def run_ceildivsi(
        self, interpreter: Interpreter, op: arith.CeilDivSIOp, args: PythonValues
    ) -> PythonValues:
        a, b, w = _signed_operands(op, args)
        return _exact_signed(op, -(-a // b), w)

    @impl(arith.DivUIOp)
    def run_divui(
        self, interpreter: Interpreter, op: arith.DivUIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        if _unsigned(args[1], w) == 0:
            raise ZeroDivisionError(_ZERO_DIVISION)
        return (_signed(_unsigned(args[0], w) // _unsigned(args[1], w), w),)

    @impl(arith.RemUIOp)
    def run_remui(
        self, interpreter: Interpreter, op: arith.RemUIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        if _unsigned(args[1], w) == 0:
            raise ZeroDivisionError(_ZERO_DIVISION)
        return (_signed(_unsigned(args[0], w) % _unsigned(args[1], w), w),)

    @impl(arith.CeilDivUIOp)
    def run_ceildivui(
        self, interpreter: Interpreter, op: arith.CeilDivUIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        a, b = _unsigned(args[0], w), _unsigned(args[1], w)
        if b == 0:
            raise ZeroDivisionError(_ZERO_DIVISION)
        return (_signed(-(-a // b), w),)

    @impl(arith.FPToSIOp)
    def run_fptosi(
        self, interpreter: Interpreter, op: arith.FPToSIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        x = args[0]
        if not -(2 ** (w - 1)) - 1 < x < 2 ** (w - 1):
            raise OverflowError(f"arith.fptosi: {x!r} does not fit i{w}")
        return (int(x),)

    @impl(cf.AssertOp)
    def run_assert(
        self, interpreter: Interpreter, op: cf.AssertOp, args: PythonValues
    ) -> PythonValues:
        if not args[0]:
            raise AssertionError(op.msg.data)
        return ()


@register_impls
class UnsignedAndBitFunctions(InterpreterFunctions):
    """More arith and math ops xDSL 0.74's interpreter lacks, with LLVM's meaning."""

    @impl(arith.MaxUIOp)
    def run_maxui(
        self, interpreter: Interpreter, op: arith.MaxUIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        return (_signed(max(_unsigned(args[0], w), _unsigned(args[1], w)), w),)

    @impl(arith.MinUIOp)
    def run_minui(
        self, interpreter: Interpreter, op: arith.MinUIOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        return (_signed(min(_unsigned(args[0], w), _unsigned(args[1], w)), w),)

    @impl(arith.UIToFPOp)
    def run_uitofp(
        self, interpreter: Interpreter, op: arith.UIToFPOp, args: PythonValues
    ) -> PythonValues:
        value = float(_unsigned(int(args[0]), _width(op.input.type)))
        return (_f32(value) if op.result.type == f32 else value,)

    @impl(xmath.FmaOp)
    def run_fma(
        self, interpreter: Interpreter, op: xmath.FmaOp, args: PythonValues
    ) -> PythonValues:
        a, b, c = args
        return (
            float(fractions.Fraction(a) * fractions.Fraction(b) + fractions.Fraction(c))
            if all(math.isfinite(v) for v in args)
            else a * b + c,
        )

    @impl(xmath.CountLeadingZerosOp)
    def run_ctlz(
        self, interpreter: Interpreter, op: xmath.CountLeadingZerosOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        return (w - _unsigned(args[0], w).bit_length(),)

    @impl(xmath.CountTrailingZerosOp)
    def run_cttz(
        self, interpreter: Interpreter, op: xmath.CountTrailingZerosOp, args: PythonValues
    ) -> PythonValues:
        w = _width(op.result.type)
        v = _unsigned(args[0], w)
        return (w if v == 0 else (v & -v).bit_length() - 1,)

    @impl(xmath.CtPopOp)
    def run_ctpop(
        self, interpreter: Interpreter, op: xmath.CtPopOp, args: PythonValues
    ) -> PythonValues:
        return (bin(_unsigned(args[0], _width(op.result.type))).count("1"),)


_BITCAST_FORMATS = {"i64": "q", "f64": "d", "i32": "i", "f32": "f", "i16": "h", "i8": "b"}


@register_impls
class BitcastAndSwitchFunctions(InterpreterFunctions):
    """`arith.bitcast` between same-width ints and floats, and `cf.switch`."""

    @impl(arith.BitcastOp)
    def run_bitcast(
        self, interpreter: Interpreter, op: arith.BitcastOp, args: PythonValues
    ) -> PythonValues:
        source = _BITCAST_FORMATS.get(str(op.input.type))
        target = _BITCAST_FORMATS.get(str(op.result.type))
        if source is None or target is None:
            raise NotImplementedError(f"arith.bitcast from {op.input.type} to {op.result.type}")
        value = args[0]
        if source in "qihb":
            value = _signed(int(value), struct.calcsize(source) * 8)
        return (struct.unpack(target, struct.pack(source, value))[0],)

    @impl_terminator(cf.SwitchOp)
    def run_switch(
        self, interpreter: Interpreter, op: cf.SwitchOp, args: PythonValues
    ) -> tuple[TerminatorValue, PythonValues]:
        width = _width(op.flag.type)
        flag = _signed(int(args[0]), width)
        values = op.case_values.get_values() if op.case_values is not None else ()
        start = 0
        sizes = op.case_operand_segments.get_values()
        for value, block, size in zip(values, op.case_blocks, sizes):
            if _signed(int(value), width) == flag:
                operands = op.case_operands[start : start + size]
                return Successor(block, interpreter.get_values(operands)), ()
            start += size
        return Successor(op.default_block, interpreter.get_values(op.default_operands)), ()


@register_impls
class PyrtFunctions(InterpreterFunctions):
    """`pyrt` ops: a failed guard raises `pyrt.GuardFailure`; checked arithmetic
    wraps and reports whether the exact result left the type."""

    @impl(pyrt.GuardOp)
    def run_guard(
        self, interpreter: Interpreter, op: pyrt.GuardOp, args: PythonValues
    ) -> PythonValues:
        if not args[0]:
            raise pyrt.GuardFailure(op.kind.data)
        return ()

    def _checked(self, op: pyrt.CheckedIntegerOp, args: PythonValues) -> PythonValues:
        width = _width(op.value.type)
        exact = op.exact(_signed(args[0], width), _signed(args[1], width))
        wrapped = _signed(exact, width)
        return (wrapped, wrapped != exact)

    @impl(pyrt.CheckedAddiOp)
    def run_addi(
        self, interpreter: Interpreter, op: pyrt.CheckedAddiOp, args: PythonValues
    ) -> PythonValues:
        return self._checked(op, args)

    @impl(pyrt.CheckedSubiOp)
    def run_subi(
        self, interpreter: Interpreter, op: pyrt.CheckedSubiOp, args: PythonValues
    ) -> PythonValues:
        return self._checked(op, args)

    @impl(pyrt.CheckedMuliOp)
    def run_muli(
        self, interpreter: Interpreter, op: pyrt.CheckedMuliOp, args: PythonValues
    ) -> PythonValues:
        return self._checked(op, args)


def make_interpreter(module: ModuleOp) -> Interpreter:
    interpreter = Interpreter(module)
    register_implementations(interpreter, make_context())
    for functions in (
        MathFunctions(),
        MathCompletionFunctions(),
        ArithCompletionFunctions(),
        GraphletFunctions(),
        PyrtFunctions(),
        UnsignedAndBitFunctions(),
        BitcastAndSwitchFunctions(),
    ):
        interpreter.register_implementations(functions)
    interpreter.register_implementations(LibmFunctions(), override=True)
    interpreter.register_implementations(NoTrapFunctions(), override=True)
    _raise_plainly(interpreter)
    return interpreter


def _raise_plainly(interpreter: Interpreter) -> None:
    """Let an op's exception (CPython's own) propagate as is. xDSL's dispatcher
    attaches a generic-format dump of the whole module to it as a `__notes__` entry,
    which costs ~0.1 s per exception on a 5k-op module and shows up in the user's
    traceback."""
    impls = interpreter._impls  # xDSL 0.74: `_InterpreterFunctionImpls`
    dispatch = impls.run

    def run(interpreter: Interpreter, op: Any, args: tuple[Any, ...]) -> Any:
        # the nearest class's: graphlet's upstream-syntax ops subclass xDSL's
        found = by_class(impls._impl_dict, op)
        if found is None:
            return dispatch(interpreter, op, args)  # InterpretationError
        functions, implementation = found
        return implementation(functions, interpreter, op, args)

    impls.run = run  # type: ignore[method-assign]


def interpret(module: ModuleOp, name: str, args: Sequence[Any]) -> tuple[Any, ...]:
    """Call function `name` of `module` on Python values; results as a tuple."""
    return tuple(make_interpreter(module).call_op(name, tuple(args)))
