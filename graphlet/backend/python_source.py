"""The Python source back end: graphlet IR printed as a Python module that computes
the same values, for reading and for running where native code cannot.

    source = PythonPrinter().print_module(module)

One method per op (registered with `@emits`), as a code generator visits one node
kind per method. Scalars are plain Python, so the answer is CPython's (ints never
wrap; `//`, `%`, `**` and every exception are Python's own): an op's spelling is the
one it declares (`PY_SYMBOL`, `PY_FUNCTIONS`), else its `py_operation`; an `ieee` op
(derivative arithmetic) is its `np_operation` on float64s. Tensors are
NumPy arrays computed by each op's `np_operation` (NumPy with PyTorch's rules). A
`pyrt.guard` that fails raises `HandBack`: only the original function knows the
answer. Blocks of `cf` branches become a `while True` state machine; `scf` regions
become Python loops and ifs. An op with no method is a `PythonSourceError` naming
the op and its location.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, NoReturn

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, cf, func, llvm, scf
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import (
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import DiagnosticException
from xdsl.utils.target import Target

from graphlet.backend import python_memory
from graphlet.dialects import graphlet as g
from graphlet.dialects import pyarray, pylist, pyrt
from graphlet.locations import location_of

INDENT = "    "

IMPORTS = """\
import math

import numpy as np
"""
"""The imports every emitted module starts with."""

PRELUDE = '''\
class HandBack(Exception):
    """A `pyrt.guard` failed: native code would hand this call back to Python."""


def wrap64(value):
    """An arith (LLVM) integer op's two's-complement result."""
    return (value + (1 << 63)) % (1 << 64) - (1 << 63)


def trunc_div(a, b):
    """`arith.divsi`: the quotient rounded toward zero."""
    q = abs(a) // abs(b)
    return wrap64(q if (a < 0) == (b < 0) else -q)


def trunc_rem(a, b):
    """`arith.remsi`: the remainder with the sign of the dividend."""
    return a - b * trunc_div(a, b)


def ieee(fn, *args):
    """A float op of `arith`/`math` with IEEE results (inf, nan), never Python's errors."""
    with np.errstate(all="ignore"):
        return float(fn(*(np.float64(a) for a in args)))
'''
"""The helpers every emitted module defines after its imports."""


class PythonSourceError(DiagnosticException):
    """An op the Python back end has no method for (or cannot express)."""


_EMITTERS: dict[type[Operation], str] = {}


def emits(*ops: type[Operation]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers the decorated `PythonPrinter` method as the one that prints `ops`."""

    def register(method: Callable[..., Any]) -> Callable[..., Any]:
        for op in ops:
            _EMITTERS[op] = method.__name__
        return method

    return register


def literal(value: Any) -> str:
    """Python source for a constant: floats keep inf, nan and -0.0; arrays their dtype."""
    if isinstance(value, np.ndarray):
        items = ", ".join(literal(v) for v in value.ravel().tolist())
        return f"np.array([{items}], dtype=np.{value.dtype}).reshape({value.shape!r})"
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "math.nan"
        return "math.inf" if value > 0 else "-math.inf"
    return repr(value)


def _python_name(fn: Callable[..., Any]) -> str | None:
    """`math.exp`, `abs`: how Python code names a function of `math` or the builtins."""
    module = getattr(fn, "__module__", None) or "builtins"
    name = getattr(fn, "__name__", "")
    if module == "builtins":
        return name
    if module == "math":
        return f"math.{name}"
    return None


_SYMBOL_OF_PREDICATE = {p: symbol for symbol, p in g.PREDICATE_OF_SYMBOL.items()}

_ARITH_INT_PREDICATES = {
    0: ("==", False),
    1: ("!=", False),
    2: ("<", False),
    3: ("<=", False),
    4: (">", False),
    5: (">=", False),
    6: ("<", True),
    7: ("<=", True),
    8: (">", True),
    9: (">=", True),
}
"""`arith.cmpi` predicates (by their enum number): Python's operator, and whether the
operands compare as unsigned."""

_ARITH_FLOAT_PREDICATES = {
    1: ("==", False),
    2: (">", False),
    3: (">=", False),
    4: ("<", False),
    5: ("<=", False),
    6: ("!=", False),
    8: ("==", True),
    9: (">", True),
    10: (">=", True),
    11: ("<", True),
    12: ("<=", True),
    13: ("!=", True),
}
"""`arith.cmpf` predicates: Python's operator, and whether unordered (NaN) is true."""


_MATH_FUNCTIONS: dict[type[Operation], str] = {
    xmath.AbsFOp: "abs",
    xmath.CeilOp: "ceil",
    xmath.CopySignOp: "copysign",
    xmath.CosOp: "cos",
    xmath.ExpOp: "exp",
    xmath.FloorOp: "floor",
    xmath.LogOp: "log",
    xmath.PowFOp: "power",
    xmath.SinOp: "sin",
    xmath.SqrtOp: "sqrt",
    xmath.TanhOp: "tanh",
}
"""The `math` dialect ops and the NumPy function (IEEE, like libm) of each."""

_LIBM_CALLS: dict[str, str] = {"fmod": "fmod", "hypot": "hypot", "nextafter": "nextafter"}
"""The C library functions lowered code calls (`llvm.call`), and NumPy's of each."""


_INTEGER_SYMBOLS: dict[type[Operation], str] = {
    arith.AddiOp: "+",
    arith.SubiOp: "-",
    arith.MuliOp: "*",
}
_BITWISE_SYMBOLS: dict[type[Operation], str] = {
    arith.AndIOp: "&",
    arith.OrIOp: "|",
    arith.XOrIOp: "^",
}
_FLOAT_SYMBOLS: dict[type[Operation], str] = {
    arith.AddfOp: "+",
    arith.SubfOp: "-",
    arith.MulfOp: "*",
}


class PythonPrinter:
    """Prints the `func.func`s of a module as Python functions of the same names
    (after `prefix`, so that several modules' functions can share one file)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.lines: list[str] = []
        self.depth = 0
        self.names: dict[SSAValue, str] = {}
        self.imports: set[str] = set()
        self._blocks: dict[Block, int] = {}
        self._count = 0
        self.memory = False
        """Whether the module needs `python_memory` (it has lists or arrays)."""

    # ------------------------------------------------------------------ structure

    def print_module(self, module: ModuleOp, *, prelude: bool = True, memory: bool = False) -> str:
        """The module's functions as Python source (with the prelude they rely on; with
        `python_memory`'s lists and arrays when an op needs them, or `memory`)."""
        self.memory = memory
        body = self.print_functions(module)
        imports = "".join(f"{line}\n" for line in sorted(self.imports))
        if not prelude:
            return f"{imports}\n\n{body}" if imports else body
        runtime = f"{memory_runtime()}\n\n" if self.memory else ""
        return f"{IMPORTS}{imports}\n\n{PRELUDE}\n\n{runtime}{body}"

    def print_functions(self, module: ModuleOp) -> str:
        """The module's functions alone (their imports gather in `imports`)."""
        start = len(self.lines)
        for op in module.ops:
            if _libm_declaration(op):
                continue  # its calls print as NumPy's function (`print_libm_call`)
            if not isinstance(op, func.FuncOp):
                self.unsupported(op)
            if op.body.blocks:
                self.print_function(op)
                self.line("")
                self.line("")
        return "\n".join(self.lines[start:]).rstrip() + "\n"

    def print_function(self, op: func.FuncOp) -> None:
        self.names = {}
        self._blocks = {}
        self._count = 0
        entry = op.body.blocks.first
        assert entry is not None
        params = [self.define(arg, f"a{i}") for i, arg in enumerate(entry.args)]
        self.line(f"def {self.symbol(op.sym_name.data)}({', '.join(params)}):")
        self.depth += 1
        tensors = any(g.is_tensor(t) for t in (*op.function_type.inputs, *op.function_type.outputs))
        if tensors:
            self.line('with np.errstate(all="ignore"):')
            self.depth += 1
        self.print_region(op.body)
        self.depth -= 2 if tensors else 1

    def print_region(self, region: Region) -> None:
        """A single block in line; several as a state machine over block numbers."""
        blocks = list(region.blocks)
        if len(blocks) == 1:
            self.print_block(blocks[0])
            return
        self._blocks.update({block: index for index, block in enumerate(blocks)})
        for block in blocks[1:]:
            for i, arg in enumerate(block.args):
                self.define(arg, f"b{self._blocks[block]}_{i}")
        self.line("block = 0")
        self.line("while True:")
        self.depth += 1
        for index, block in enumerate(blocks):
            self.line(f"{'if' if index == 0 else 'elif'} block == {index}:")
            self.depth += 1
            self.print_block(block)
            self.depth -= 1
        self.depth -= 1

    def print_block(self, block: Block) -> None:
        for op in block.ops:
            self.print_op(op)

    def print_op(self, op: Operation) -> None:
        method = next((_EMITTERS[t] for t in type(op).__mro__ if t in _EMITTERS), None)
        if method is None:
            self.unsupported(op)
        getattr(self, method)(op)

    def unsupported(self, op: Operation) -> NoReturn:
        where = location_of(op)
        raise PythonSourceError(
            f"{where + ': error: ' if where else ''}'{op.name}': "
            "the Python source back end has no method for this op"
        )

    # ------------------------------------------------------------------ helpers

    def line(self, text: str) -> None:
        self.lines.append(f"{INDENT * self.depth}{text}" if text else "")

    def define(self, value: SSAValue, fallback: str | None = None) -> str:
        hint = value.name_hint and re.sub(r"\W", "_", value.name_hint)
        self._count += 1
        name = f"{hint}_{self._count}" if hint else fallback or f"v{self._count}"
        self.names[value] = name
        return name

    def name(self, value: SSAValue) -> str:
        return self.names[value]

    def assign(self, op: Operation, expression: str) -> str:
        """`v = expression` for the op's one result."""
        name = self.define(op.results[0])
        self.line(f"{name} = {expression}")
        return name

    def args(self, values: Iterable[SSAValue]) -> list[str]:
        return [self.name(v) for v in values]

    @staticmethod
    def function_name(symbol: str) -> str:
        return re.sub(r"\W", "_", symbol)

    def symbol(self, symbol: str) -> str:
        """The Python name of the function `@symbol` in this printer's output."""
        return self.prefix + self.function_name(symbol)

    def jump(self, block: Block, values: Sequence[SSAValue]) -> None:
        """Go to `block` of the state machine with its arguments set."""
        targets = [self.name(arg) for arg in block.args]
        if targets:
            self.line(f"{', '.join(targets)} = {', '.join(self.args(values))}")
        self.line(f"block = {self._blocks[block]}")
        self.line("continue")

    def op_ref(self, op: Operation, dialect: str = "graphlet.dialects.graphlet") -> str:
        """The op's class, imported from its dialect (for its `py_operation`,
        `np_operation` or `exact`)."""
        cls = type(op).__name__
        self.imports.add(f"from {dialect} import {cls}")
        return cls

    def nested(self, block: Block) -> None:
        """`block` one level in (`pass` when it prints nothing)."""
        self.depth += 1
        start = len(self.lines)
        self.print_block(block)
        if len(self.lines) == start:
            self.line("pass")
        self.depth -= 1

    def tensor_result(self, op: Operation, expression: str) -> str:
        dtype = g.np_dtype(op.results[0].type)
        return self.assign(op, f"np.asarray({expression}).astype(np.{dtype}, copy=False)")

    # ------------------------------------------------------------------ graphlet

    @emits(g.ConstantOp)
    def print_constant(self, op: g.ConstantOp) -> None:
        self.assign(op, literal(g.from_attr(op.value)))

    @emits(g.BinaryOp, g.UnaryOp)
    def print_arithmetic(self, op: g.GraphletOp) -> None:
        """An operator or function of Python on scalars; `np_operation` on tensors."""
        operands = self.args(op.operands)
        if g.is_tensor(op.results[0].type):
            self.print_elementwise(op, operands)
            return
        if op.is_ieee:
            self.assign(op, f"ieee({self.np_callee(op)}, {', '.join(operands)})")
            return
        symbol = op.PY_SYMBOL
        functions = [name for fn in op.PY_FUNCTIONS if (name := _python_name(fn))]
        if symbol is not None and len(operands) == 2:
            expression = f"{operands[0]} {symbol} {operands[1]}"
        elif symbol is not None:
            expression = f"{symbol}{operands[0]}"
        elif functions:
            expression = f"{functions[0]}({', '.join(operands)})"
        else:
            expression = f"{self.op_ref(op)}.py_operation({', '.join(operands)})"
        name = self.assign(op, expression)
        self.check_python_type(op, name)

    def check_python_type(self, op: Operation, name: str) -> None:
        """Hand back where Python's answer is not of the declared type (`2 ** -1`), as
        native code does."""
        result_type = op.results[0].type
        if isinstance(op, g.PowOp):  # `2 ** -1` is a float, `(-8.0) ** 0.5` complex
            kind = g.python_type(result_type).__name__
            self.line(f"if type({name}) is not {kind}:")
            self.line(f'{INDENT}raise HandBack("{op.name}: the result is not a {kind}")')

    def print_elementwise(self, op: g.GraphletOp, operands: list[str]) -> None:
        """`evaluate_tensors`: int operands of a float result are converted first."""
        dtype = g.np_dtype(op.results[0].type)
        if dtype.kind == "f":
            operands = [
                a if g.np_dtype(v.type).kind == "f" else f"{a}.astype(np.{dtype})"
                for a, v in zip(operands, op.operands)
            ]
        self.tensor_result(op, f"{self.np_callee(op)}({', '.join(operands)})")

    def np_callee(self, op: g.GraphletOp) -> str:
        """How the source names the op's `np_operation` (`np.log`, or the op's own)."""
        fn = op.np_operation
        if isinstance(fn, np.ufunc) and getattr(np, fn.__name__, None) is fn:
            return f"np.{fn.__name__}"
        return f"{self.op_ref(op)}.np_operation"

    @emits(g.CmpOp)
    def print_cmp(self, op: g.CmpOp) -> None:
        a, b = self.args(op.operands)
        self.assign(op, f"{a} {_SYMBOL_OF_PREDICATE[op.predicate.data]} {b}")

    @emits(g.SelectOp)
    def print_select(self, op: g.SelectOp) -> None:
        cond, a, b = self.args(op.operands)
        if g.is_tensor(op.result.type):
            self.tensor_result(op, f"np.where({cond}, {a}, {b})")
        else:
            self.assign(op, f"{a} if {cond} else {b}")

    @emits(g.CastOp)
    def print_cast(self, op: g.CastOp) -> None:
        (x,) = self.args(op.operands)
        if g.is_tensor(op.result.type):
            self.tensor_result(op, x)
        else:
            self.assign(op, f"{g.python_type(op.result.type).__name__}({x})")

    @emits(g.TensorOp)
    def print_tensor_op(self, op: g.TensorOp) -> None:
        """The op's `np_operation` with its attributes as keyword arguments."""
        operands = self.args(op.operands)
        keywords = [f"{k}={literal(v)}" for k, v in op.static_args().items()]
        call = f"{self.op_ref(op)}.np_operation({', '.join([*operands, *keywords])})"
        self.tensor_result(op, call)

    # ------------------------------------------------------------------ pyrt

    @emits(pyrt.GuardOp)
    def print_guard(self, op: pyrt.GuardOp) -> None:
        self.line(f"if not {self.name(op.ok)}:")
        self.line(f"{INDENT}raise HandBack({op.kind.data!r})")

    @emits(*pyrt.CHECKED_OPS)
    def print_checked(self, op: pyrt.CheckedIntegerOp) -> None:
        """The wrapped result and whether Python's exact one (`exact`) differs."""
        a, b = self.args(op.operands)
        exact = f"{self.op_ref(op, 'graphlet.dialects.pyrt')}.exact({a}, {b})"
        value, overflow = self.define(op.value), self.define(op.overflow)
        self.line(f"{value} = wrap64({exact})")
        self.line(f"{overflow} = {value} != {exact}")

    # ------------------------------------------------------------------ func, cf, scf

    @emits(func.ReturnOp)
    def print_return(self, op: func.ReturnOp) -> None:
        values = self.args(op.operands)
        if len(values) == 1:
            self.line(f"return {values[0]}")
        else:
            self.line(f"return {', '.join(values)}" if values else "return ()")

    @emits(func.CallOp)
    def print_call(self, op: func.CallOp) -> None:
        call = f"{self.symbol(op.callee.root_reference.data)}({', '.join(self.args(op.operands))})"
        results = [self.define(r) for r in op.results]
        if len(results) == 1:
            self.line(f"{results[0]} = {call}")
        elif results:
            self.line(f"{', '.join(results)} = {call}")
        else:
            self.line(call)

    @emits(cf.BranchOp)
    def print_branch(self, op: cf.BranchOp) -> None:
        self.jump(op.successor, op.arguments)

    @emits(cf.ConditionalBranchOp)
    def print_cond_branch(self, op: cf.ConditionalBranchOp) -> None:
        self.line(f"if {self.name(op.cond)}:")
        self.depth += 1
        self.jump(op.then_block, op.then_arguments)
        self.depth -= 1
        self.jump(op.else_block, op.else_arguments)

    @emits(cf.SwitchOp)
    def print_switch(self, op: cf.SwitchOp) -> None:
        """`if flag == value:` per case, in order, then the default."""
        values = op.case_values.get_values() if op.case_values is not None else ()
        segments = op.case_operand_segments.get_values()
        operands = list(op.case_operands)
        start = 0
        for value, block, size in zip(values, op.case_blocks, segments):
            self.line(f"if {self.name(op.flag)} == {value}:")
            self.depth += 1
            self.jump(block, operands[start : start + size])
            self.depth -= 1
            start += size
        self.jump(op.default_block, op.default_operands)

    @emits(scf.ForOp)
    def print_for(self, op: scf.ForOp) -> None:
        lb, ub, step = self.args([op.lb, op.ub, op.step])
        body = op.body.block
        carried = [self.define(arg) for arg in body.args[1:]]
        for target, initial in zip(carried, self.args(op.iter_args)):
            self.line(f"{target} = {initial}")
        self.line(f"for {self.define(body.args[0])} in range({lb}, {ub}, {step}):")
        self.nested(body)
        for result, value in zip(op.results, carried):
            self.line(f"{self.define(result)} = {value}")

    @emits(scf.YieldOp)
    def print_yield(self, op: scf.YieldOp) -> None:
        parent = op.parent_op()
        values = self.args(op.operands)
        if isinstance(parent, scf.ForOp):
            targets = self.args(parent.body.block.args[1:])
        elif isinstance(parent, scf.WhileOp):
            targets = self.args(parent.before_region.block.args)
        else:
            assert parent is not None
            targets = self.args(parent.results)
        if targets:
            self.line(f"{', '.join(targets)} = {', '.join(values)}")

    @emits(scf.IfOp)
    def print_if(self, op: scf.IfOp) -> None:
        for result in op.results:
            self.define(result)
        self.line(f"if {self.name(op.cond)}:")
        self.nested(op.true_region.block)
        if op.false_region.blocks:
            self.line("else:")
            self.nested(op.false_region.block)

    @emits(scf.WhileOp)
    def print_while(self, op: scf.WhileOp) -> None:
        before, after = op.before_region.block, op.after_region.block
        for arg, initial in zip(before.args, self.args(op.arguments)):
            self.line(f"{self.define(arg)} = {initial}")
        for value in (*after.args, *op.results):
            self.define(value)
        self.line("while True:")
        self.depth += 1
        self.print_block(before)
        self.print_block(after)
        self.depth -= 1

    @emits(scf.ConditionOp)
    def print_condition(self, op: scf.ConditionOp) -> None:
        loop = op.parent_op()
        assert isinstance(loop, scf.WhileOp)
        values = self.args(op.args)
        results = self.args(loop.results)
        self.line(f"if not {self.name(op.condition)}:")
        if results:
            self.line(f"{INDENT}{', '.join(results)} = {', '.join(values)}")
        self.line(f"{INDENT}break")
        after = self.args(loop.after_region.block.args)
        if after:
            self.line(f"{', '.join(after)} = {', '.join(values)}")

    # ------------------------------------------------------------------ arith (LLVM's meaning)

    @emits(arith.ConstantOp)
    def print_arith_constant(self, op: arith.ConstantOp) -> None:
        value = op.value
        if isinstance(value, IntegerAttr):
            number: Any = value.value.data
            if isinstance(value.type, IntegerType) and value.type.width.data == 1:
                number = bool(number & 1)
        elif isinstance(value, FloatAttr):
            number = float(value.value.data)
        else:
            self.unsupported(op)
        self.assign(op, literal(number))

    @emits(arith.AddiOp, arith.SubiOp, arith.MuliOp)
    def print_arith_integer(self, op: arith.SignlessIntegerBinaryOperation) -> None:
        a, b = self.args(op.operands)
        symbol = _INTEGER_SYMBOLS[type(op)]
        if _is_bool(op.result.type):
            self.assign(op, f"bool(({a} {symbol} {b}) & 1)")
        else:
            self.assign(op, f"wrap64({a} {symbol} {b})")

    @emits(arith.AndIOp, arith.OrIOp, arith.XOrIOp)
    def print_arith_bitwise(self, op: arith.SignlessIntegerBinaryOperation) -> None:
        a, b = self.args(op.operands)
        symbol = _BITWISE_SYMBOLS[type(op)]
        self.assign(op, f"{a} {symbol} {b}")

    @emits(arith.AddfOp, arith.SubfOp, arith.MulfOp)
    def print_arith_float(self, op: arith.FloatingPointLikeBinaryOperation) -> None:
        a, b = self.args(op.operands)
        symbol = _FLOAT_SYMBOLS[type(op)]
        self.assign(op, f"{a} {symbol} {b}")

    @emits(arith.CmpiOp)
    def print_cmpi(self, op: arith.CmpiOp) -> None:
        symbol, unsigned = _ARITH_INT_PREDICATES[op.predicate.value.data]
        a, b = self.args(op.operands)
        if unsigned:
            a, b = f"({a}) % (1 << 64)", f"({b}) % (1 << 64)"
        self.assign(op, f"{a} {symbol} {b}")

    @emits(arith.CmpfOp)
    def print_cmpf(self, op: arith.CmpfOp) -> None:
        predicate = op.predicate.value.data
        a, b = self.args(op.operands)
        nan = f"math.isnan({a}) or math.isnan({b})"
        if predicate in (0, 15):  # false, true
            self.assign(op, str(predicate == 15))
            return
        if predicate in (7, 14):  # ord, uno
            self.assign(op, f"{'not ' if predicate == 7 else ''}({nan})")
            return
        symbol, unordered = _ARITH_FLOAT_PREDICATES[predicate]
        if unordered:
            self.assign(op, f"({nan}) or {a} {symbol} {b}")
        else:
            self.assign(op, f"not ({nan}) and {a} {symbol} {b}")

    @emits(llvm.ZeroOp)
    def print_null(self, op: llvm.ZeroOp) -> None:
        """`llvm.mlir.zero`: the null pointer (an empty list or array slot)."""
        self.assign(op, "None")

    @emits(arith.SelectOp, llvm.SelectOp)
    def print_arith_select(self, op: arith.SelectOp | llvm.SelectOp) -> None:
        cond, a, b = self.args(op.operands)
        self.assign(op, f"{a} if {cond} else {b}")

    @emits(arith.ExtUIOp, arith.ExtSIOp, arith.IndexCastOp)
    def print_arith_extend(self, op: Operation) -> None:
        (x,) = self.args(op.operands)
        self.assign(op, f"int({x})")

    @emits(arith.TruncFOp)
    def print_truncf(self, op: arith.TruncFOp) -> None:
        """f64 -> f32: rounded to the nearest float32 (inf past its range), kept as a
        Python float, which holds every float32 exactly."""
        (x,) = self.args(op.operands)
        self.assign(op, f"ieee(np.float32, {x})")

    @emits(arith.ExtFOp)
    def print_extf(self, op: arith.ExtFOp) -> None:
        (x,) = self.args(op.operands)
        self.assign(op, x)

    @emits(arith.TruncIOp)
    def print_trunci(self, op: arith.TruncIOp) -> None:
        """The low bits, as two's complement (i1: a bool)."""
        (x,) = self.args(op.operands)
        t = op.result.type
        assert isinstance(t, IntegerType)
        bits = t.width.data
        if bits == 1:
            self.assign(op, f"bool({x} & 1)")
        else:
            half = 1 << (bits - 1)
            self.assign(op, f"({x} + {half}) % {2 * half} - {half}")

    @emits(arith.SIToFPOp)
    def print_sitofp(self, op: arith.SIToFPOp) -> None:
        (x,) = self.args(op.operands)
        self.assign(op, f"float({x})")

    @emits(arith.UIToFPOp)
    def print_uitofp(self, op: arith.UIToFPOp) -> None:
        (x,) = self.args(op.operands)
        self.assign(op, f"float(({x}) % (1 << 64))")

    @emits(arith.FPToSIOp)
    def print_fptosi(self, op: arith.FPToSIOp) -> None:
        (x,) = self.args(op.operands)
        self.assign(op, f"wrap64(int({x}))")

    @emits(arith.DivSIOp, arith.RemSIOp)
    def print_arith_division(self, op: arith.SignlessIntegerBinaryOperation) -> None:
        a, b = self.args(op.operands)
        helper = "trunc_div" if isinstance(op, arith.DivSIOp) else "trunc_rem"
        self.assign(op, f"{helper}({a}, {b})")

    @emits(arith.ShLIOp, arith.ShRSIOp)
    def print_arith_shift(self, op: arith.SignlessIntegerBinaryOperation) -> None:
        a, b = self.args(op.operands)
        if isinstance(op, arith.ShLIOp):
            self.assign(op, f"wrap64({a} << {b})")
        else:
            self.assign(op, f"{a} >> {b}")

    @emits(arith.DivfOp)
    def print_divf(self, op: arith.DivfOp) -> None:
        a, b = self.args(op.operands)
        self.assign(op, f"ieee(np.divide, {a}, {b})")

    @emits(llvm.FRemOp)
    def print_frem(self, op: llvm.FRemOp) -> None:
        a, b = self.args(op.operands)
        self.assign(op, f"ieee(np.fmod, {a}, {b})")

    @emits(llvm.CallOp)
    def print_libm_call(self, op: llvm.CallOp) -> None:
        """A call of a C library function (`fmod`, `hypot`), IEEE results."""
        callee = op.callee.root_reference.data if op.callee is not None else None
        if callee not in _LIBM_CALLS:
            self.unsupported(op)
        self.assign(op, f"ieee(np.{_LIBM_CALLS[callee]}, {', '.join(self.args(op.operands))})")

    @emits(arith.NegfOp)
    def print_negf(self, op: arith.NegfOp) -> None:
        (x,) = self.args(op.operands)
        self.assign(op, f"-{x}")

    @emits(*_MATH_FUNCTIONS)
    def print_math(self, op: Operation) -> None:
        """A libm function, IEEE results (`math.log(-1.0)` is nan, not an error)."""
        self.assign(
            op, f"ieee(np.{_MATH_FUNCTIONS[type(op)]}, {', '.join(self.args(op.operands))})"
        )

    # ------------------------------------------------------------------ pylist (python_memory)

    def call_memory(self, op: Operation, call: str) -> None:
        """`results = call`, for an op whose meaning is a `python_memory` function."""
        self.memory = True
        results = [self.define(r) for r in op.results]
        self.line(f"{', '.join(results)} = {call}" if results else call)

    @emits(pylist.NewOp)
    def print_list_new(self, op: pylist.NewOp) -> None:
        self.call_memory(op, "NativeList([]), True")

    @emits(pylist.RangeOp)
    def print_list_range(self, op: pylist.RangeOp) -> None:
        _, start, step, count = self.args(op.operands)
        self.call_memory(op, f"pylist_range({start}, {step}, {count}), True")

    @emits(pylist.SliceOp)
    def print_list_slice(self, op: pylist.SliceOp) -> None:
        _, source, start, step, count = self.args(op.operands)
        self.call_memory(op, f"pylist_slice({source}, {start}, {step}, {count}), True")

    @emits(pylist.ConcatOp)
    def print_list_concat(self, op: pylist.ConcatOp) -> None:
        _, a, b = self.args(op.operands)
        self.call_memory(op, f"NativeList({a}.items + {b}.items), True")

    @emits(pylist.RepeatOp)
    def print_list_repeat(self, op: pylist.RepeatOp) -> None:
        _, source, times = self.args(op.operands)
        self.call_memory(op, f"NativeList({source}.items * {times}), True")

    @emits(pylist.LenOp)
    def print_list_len(self, op: pylist.LenOp) -> None:
        self.call_memory(op, f"len({self.name(op.list_)}.items)")

    @emits(pylist.GetOp)
    def print_list_get(self, op: pylist.GetOp) -> None:
        zero = literal(g.python_type(op.result.type)(0))
        self.call_memory(op, f"pylist_get({self.name(op.list_)}, {self.name(op.index)}, {zero})")

    @emits(pylist.SetOp)
    def print_list_set(self, op: pylist.SetOp) -> None:
        lst, index, value = self.args(op.operands)
        self.call_memory(op, f"{lst}.items[{index}] = {value}")

    @emits(pylist.AppendOp)
    def print_list_append(self, op: pylist.AppendOp) -> None:
        _, lst, value = self.args(op.operands)
        self.line(f"{lst}.items.append({value})")
        self.call_memory(op, "True")

    @emits(pylist.InsertOp)
    def print_list_insert(self, op: pylist.InsertOp) -> None:
        _, lst, index, value = self.args(op.operands)
        self.line(f"{lst}.items.insert({index}, {value})")
        self.call_memory(op, "True")

    @emits(pylist.PopOp)
    def print_list_pop(self, op: pylist.PopOp) -> None:
        lst, index = self.args(op.operands)
        self.call_memory(op, f"{lst}.items.pop({index})")

    @emits(pylist.ExtendOp)
    def print_list_extend(self, op: pylist.ExtendOp) -> None:
        _, lst, other = self.args(op.operands)
        self.line(f"{lst}.items.extend({other}.items)")
        self.call_memory(op, "True")

    @emits(pylist.FindOp)
    def print_list_find(self, op: pylist.FindOp) -> None:
        self.call_memory(op, f"pylist_find({', '.join(self.args(op.operands))})")

    @emits(pylist.CountOp)
    def print_list_count(self, op: pylist.CountOp) -> None:
        self.call_memory(op, f"pylist_count({', '.join(self.args(op.operands))})")

    @emits(pylist.ReverseOp, pylist.ClearOp)
    def print_list_in_place(self, op: pylist.ReverseOp | pylist.ClearOp) -> None:
        method = "reverse" if isinstance(op, pylist.ReverseOp) else "clear"
        self.call_memory(op, f"{self.name(op.list_)}.items.{method}()")

    @emits(pylist.SpliceOp)
    def print_list_splice(self, op: pylist.SpliceOp) -> None:
        _, lst, start, count, other = self.args(op.operands)
        self.line(f"pylist_splice({lst}, {start}, {count}, {other})")
        self.call_memory(op, "True")

    @emits(pylist.CompareOp)
    def print_list_compare(self, op: pylist.CompareOp) -> None:
        a, b = self.args(op.operands)
        self.call_memory(op, f"pylist_compare({op.predicate.data!r}, {a}, {b})")

    @emits(pylist.SameOp)
    def print_list_same(self, op: pylist.SameOp) -> None:
        a, b = self.args(op.operands)
        self.call_memory(op, f"{a} is {b}")

    # ------------------------------------------------------------------ pyarray (python_memory)

    @emits(pyarray.ElementOp)
    def print_array_element(self, op: pyarray.ElementOp) -> None:
        data, *terms = self.args(op.operands)
        offsets = [f" + {i} * {s}" for i, s in zip(terms[::2], terms[1::2])]
        self.call_memory(op, f"{data}{''.join(offsets)}")

    @emits(pyarray.LoadOp)
    def print_array_load(self, op: pyarray.LoadOp) -> None:
        self.call_memory(op, f"pyarray_load({self.name(op.ptr)}, {op.dtype.data!r})")

    @emits(pyarray.StoreOp)
    def print_array_store(self, op: pyarray.StoreOp) -> None:
        value, ptr, arena = self.args(op.operands)
        logged = op.logged is not None
        self.call_memory(op, f"pyarray_store({value}, {ptr}, {arena}, {op.dtype.data!r}, {logged})")

    @emits(pyarray.NewOp)
    def print_array_new(self, op: pyarray.NewOp) -> None:
        arena, *shape = self.args(op.operands)
        dims = f"({', '.join(shape)},)"
        self.call_memory(op, f"pyarray_new({arena}, {dims}, {op.dtype.data!r}, {op.fill.data!r})")

    @emits(pyarray.DataOp)
    def print_array_data(self, op: pyarray.DataOp) -> None:
        self.call_memory(op, f"pyarray_data({self.name(op.array)})")

    @emits(pyarray.StrideOp)
    def print_array_stride(self, op: pyarray.StrideOp) -> None:
        self.call_memory(op, f"{self.name(op.array)}.strides[{int(op.axis.data)}]")

    @emits(pyarray.SumOp)
    def print_array_sum(self, op: pyarray.SumOp) -> None:
        data, count, stride = self.args(op.operands)
        self.call_memory(op, f"pyarray_sum({data}, {count}, {stride}, {op.dtype.data!r})")


def memory_runtime() -> str:
    """`python_memory`'s source from its `RUNTIME_START` marker on: the lists and
    arrays every module with such ops carries."""
    import inspect

    source = inspect.getsource(python_memory)
    return source[source.index("\n", source.index("# RUNTIME_START")) + 1 :].strip() + "\n"


def defined_names() -> frozenset[str]:
    """Every top-level name an emitted module's imports, prelude and runtime define,
    which a function printed beside them must not take."""
    import ast

    tree = ast.parse(f"{IMPORTS}{PRELUDE}{memory_runtime()}")
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(names)


def _libm_declaration(op: Operation) -> bool:
    """`llvm.func @fmod` and the like: a body-less declaration of a known C function."""
    return isinstance(op, llvm.FuncOp) and not op.body.blocks and op.sym_name.data in _LIBM_CALLS


def _is_bool(t: Attribute) -> bool:
    return isinstance(t, IntegerType) and t.width.data == 1 and not isinstance(t, IndexType)


def modules_source(modules: Sequence[tuple[str, ModuleOp]]) -> str:
    """Several modules in one Python source, each module's functions named after its
    prefix (`graphlet_0_forward`), with the imports and the prelude once."""
    printers = [PythonPrinter(prefix) for prefix, _ in modules]
    bodies = [p.print_functions(m) for p, (_, m) in zip(printers, modules)]
    imports = "".join(f"{line}\n" for line in sorted(set().union(*(p.imports for p in printers))))
    runtime = f"{memory_runtime()}\n\n" if any(p.memory for p in printers) else ""
    return f"{IMPORTS}{imports}\n\n{PRELUDE}\n\n{runtime}" + "\n\n".join(bodies)


def module_source(module: ModuleOp, *, memory: bool = False) -> str:
    """The Python source of `module` (see `PythonPrinter`; `memory`: with the lists and
    arrays of `python_memory` whether or not an op needs them)."""
    return PythonPrinter().print_module(module, memory=memory)


@dataclass(frozen=True)
class PythonTarget(Target):
    """`graphlet-opt FILE -t python`: the module as Python source (`PythonPrinter`)."""

    name = "python"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(module_source(module))
