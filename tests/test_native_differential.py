"""Native code vs the reference interpreter vs plain Python, on random graphlet DAGs.

Each hypothesis example builds a module of random op DAGs over (i64, i64, f64, f64, i1)
inputs, compiles it once (`compile_native`), and calls it on many edge-case inputs.
The same DAG is also written as Python source and run by CPython. All three must give
the same result type and value (floats bit for bit), or the same exception type and
message; ints past 64 bits must come back as CPython's big ints.
"""

from __future__ import annotations

import itertools
import math
import struct
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.parser import Parser

from graphlet.dialects import graphlet as g
from graphlet.driver import compile_native
from graphlet.registry import make_context
from graphlet.runtime.interpreter import make_interpreter

INT_EDGES = [
    0,
    1,
    -1,
    2,
    -2,
    3,
    7,
    -7,
    63,
    64,
    65,
    2**31,
    2**53,
    2**53 + 1,
    -(2**53) - 1,
    2**62,
    2**63 - 1,
    -(2**63),
    -(2**63) + 1,
    3037000499,
    -3037000500,
    10**18,
]
FLOAT_EDGES = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.0,
    -3.0,
    1.5,
    -2.5,
    7.0,
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-310,
    1e308,
    -1e308,
    1.7976931348623157e308,
    9.223372036854775807e18,
    -9.223372036854775808e18,
    9.3e18,
    710.0,
    -745.5,
    1e16,
    0.1,
    1 / 3,
]
ints = st.one_of(st.sampled_from(INT_EDGES), st.integers(-(2**63), 2**63 - 1), st.integers(-50, 50))
floats = st.one_of(st.sampled_from(FLOAT_EDGES), st.floats(), st.floats(-100, 100))
inputs = st.tuples(ints, ints, floats, floats, st.booleans())

ARGS = [("a0", "i64"), ("a1", "i64"), ("x0", "f64"), ("x1", "f64"), ("b0", "i1")]
PY_BINARY = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "and": "&",
    "or": "|",
    "xor": "^",
    "shl": "<<",
    "shr": ">>",
}
PY_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
PY_CAST = {"i1": "bool", "i64": "int", "f64": "float"}
MATH = ("exp", "log", "sqrt", "sin", "cos", "tanh")


def _ieee_floor(x: Any, rounding: Any = math.floor) -> Any:
    """floor/ceil keeping the type: the float result keeps x's sign (floor(-0.5) is -1.0,
    ceil(-0.5) is -0.0)."""
    if isinstance(x, int) or not math.isfinite(x):
        return x
    return math.copysign(float(rounding(x)), x)


def _typed(value: Any, t: str, op: str) -> Any:
    """graphlet's rule: an op whose Python result has another type than declared
    (`2 ** -1`, `(-8.0) ** 0.5`) raises UnrepresentableResult."""
    if type(value) is not {"i1": bool, "i64": int, "f64": float}[t]:
        raise g.UnrepresentableResult(
            f"graphlet.{op}: Python's result {value!r} is a {type(value).__name__}, "
            f"not the declared {t}"
        )
    return value


PY_GLOBALS = {
    "math": math,
    "_floor": _ieee_floor,
    "_typed": _typed,
    "_ceil": lambda x: _ieee_floor(x, math.ceil),
    "_relu": lambda x: x if x > 0 or x != x else type(x)(0),
}


def _signatures() -> list[tuple[str, list[str], str]]:
    """(op, operand types, result type) of every scalar op form."""
    sigs = []
    for t in ("i64", "f64"):
        for op in ("add", "sub", "mul", "floordiv", "mod", "pow", "min", "max"):
            sigs.append((op, [t, t], t))
        sigs.append(("truediv", [t, t], "f64"))
        for op in ("neg", "abs", "floor", "ceil", "relu"):
            sigs.append((op, [t], t))
        for op in MATH:
            sigs.append((op, [t], "f64"))
    for t in ("i1", "i64"):
        for op in ("and", "or", "xor"):
            sigs.append((op, [t, t], t))
    sigs += [("shl", ["i64", "i64"], "i64"), ("shr", ["i64", "i64"], "i64")]
    for t in ("i1", "i64", "f64"):
        sigs += [(f"cmp.{p}", [t, t], "i1") for p in PY_CMP]
        sigs.append(("select", ["i1", t, t], t))
        sigs += [(f"cast.{d}", [t], d) for d in ("i1", "i64", "f64")]
    return sigs


SIGNATURES = _signatures()


def _float_literal(x: float) -> str:
    return "%.17e" % x


class Dag:
    """One random function, as IR text and as Python source."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pool: dict[str, list[str]] = {"i64": ["a0", "a1"], "f64": ["x0", "x1"], "i1": ["b0"]}
        self.ir: list[str] = []
        self.py: list[str] = []
        self.n = 0

    def fresh(self) -> str:
        self.n += 1
        return f"v{self.n}"

    def constant(self, t: str, value: Any) -> str:
        v = self.fresh()
        text = _float_literal(value) if t == "f64" else str(value)
        self.ir.append(f"  %{v} = graphlet.constant {text} : {t}")
        self.py.append(f"  {v} = {value!r}")
        self.pool[t].append(v)
        return v

    def add(self, op: str, xs: list[str], ts: list[str], rt: str) -> None:
        v = self.fresh()
        t = ts[-1]
        if op.startswith("cmp."):
            p = op[4:]
            self.ir.append(f"  %{v} = graphlet.cmp {p}, %{xs[0]}, %{xs[1]} : {t}")
            self.py.append(f"  {v} = {xs[0]} {PY_CMP[p]} {xs[1]}")
        elif op.startswith("cast."):
            self.ir.append(f"  %{v} = graphlet.cast %{xs[0]} : {t} to {rt}")
            self.py.append(f"  {v} = {PY_CAST[rt]}({xs[0]})")
        elif op == "select":
            self.ir.append(f"  %{v} = graphlet.select %{xs[0]}, %{xs[1]}, %{xs[2]} : {t}")
            self.py.append(f"  {v} = {xs[1]} if {xs[0]} else {xs[2]}")
        elif len(xs) == 2:
            self.ir.append(f"  %{v} = graphlet.{op} %{xs[0]}, %{xs[1]} : {t}")
            if op in ("min", "max"):
                self.py.append(f"  {v} = {op}({xs[0]}, {xs[1]})")
            else:
                self.py.append(f"  {v} = {xs[0]} {PY_BINARY[op]} {xs[1]}")
        else:
            self.ir.append(f"  %{v} = graphlet.{op} %{xs[0]} : {t}")
            spelled = {
                "neg": f"-{xs[0]}",
                "abs": f"abs({xs[0]})",
                "floor": f"_floor({xs[0]})",
                "ceil": f"_ceil({xs[0]})",
                "relu": f"_relu({xs[0]})",
            }
            self.py.append(f"  {v} = " + spelled.get(op, f"math.{op}({xs[0]})"))
        if op in ("pow", "truediv"):  # the ops whose Python result type can differ
            self.py.append(f"  {v} = _typed({v}, {rt!r}, {op!r})")
        self.pool[rt].append(v)

    def finish(self, results: list[tuple[str, str]]) -> None:
        names = ", ".join(f"%{v}" for v, _ in results)
        types = ", ".join(t for _, t in results)
        args = ", ".join(f"%{a}: {t}" for a, t in ARGS)
        self.ir = [
            f"func.func @{self.name}({args}) -> ({types}) {{",
            *self.ir,
            f"  func.return {names} : {types}",
            "}",
        ]
        self.py = [
            f"def {self.name}({', '.join(a for a, _ in ARGS)}):",
            *self.py,
            f"  return ({', '.join(v for v, _ in results)},)",
        ]


@st.composite
def dags(draw: st.DrawFn, name: str) -> Dag:
    dag = Dag(name)
    for _ in range(draw(st.integers(3, 9))):
        op, ts, rt = draw(st.sampled_from(SIGNATURES))
        if op in ("pow", "shl") and ts[0] == "i64":
            # Keep Python's exact answer small: 3 ** 2**62 would never finish.
            base = draw(st.sampled_from(dag.pool["i64"]))
            k = dag.constant(
                "i64", draw(st.sampled_from([-2, -1, 0, 1, 2, 3, 5, 31, 62, 63, 64, 65]))
            )
            dag.add(op, [base, k], ts, rt)
            continue
        if draw(st.integers(0, 9)) == 0:  # now and then a constant operand
            t = ts[-1]
            value = draw(
                ints
                if t == "i64"
                else floats.filter(math.isfinite)
                if t == "f64"
                else st.just(None)
            )
            if value is not None:
                dag.constant(t, value)
        dag.add(op, [draw(st.sampled_from(dag.pool[t])) for t in ts], ts, rt)
    last = dag.n
    other_type = draw(st.sampled_from(["i64", "f64", "i1"]))
    other = draw(st.sampled_from(dag.pool[other_type]))
    last_type = next(t for t, vs in dag.pool.items() if f"v{last}" in vs)
    dag.finish([(f"v{last}", last_type), (other, other_type)])
    return dag


def _outcome(call: Any, args: tuple) -> tuple:
    try:
        result = call(*args)
    except Exception as e:
        return ("raise", type(e).__name__, str(e))
    return ("ok", result if isinstance(result, tuple) else (result,))


def _key(value: Any) -> Any:
    """Type and exact bits; NaNs compare as NaN of either sign."""
    if isinstance(value, float):
        return ("float", "nan" if value != value else struct.pack("<d", value))
    return (type(value).__name__, value)


def _same(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "raise":
        return a == b
    return len(a[1]) == len(b[1]) and all(_key(x) == _key(y) for x, y in zip(a[1], b[1]))


def _fits(value: Any) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or g.INT_MIN <= value <= g.INT_MAX


def _python_locals(fn: Any, args: tuple) -> dict[str, Any]:
    """Every value the Python version of a DAG computed (its locals at return)."""
    seen: dict[str, Any] = {}

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is fn.__code__:
            if event == "return":
                seen.update(frame.f_locals)
            return trace
        return None

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        fn(*args)
    except Exception:
        pass
    finally:
        sys.settrace(previous)
    return seen


def must_run_natively(dag: Dag, python: tuple, fn: Any, args: tuple) -> bool:
    """Whether native code can give this call's answer itself: CPython returns bools,
    ints and floats, every int (argument, intermediate, result) fits in 64 bits, and
    no int true division has an operand past 2**53 (CPython rounds that quotient
    exactly, native code hands it back). Otherwise the call is handed back (to the
    interpreter) by design."""
    if python[0] != "ok" or not all(type(v) in (bool, int, float) for v in python[1]):
        return False
    values = [*args, *python[1], *_python_locals(fn, args).values()]
    if any("graphlet.truediv" in line and ": i64" in line for line in dag.ir) and any(
        type(v) is int and abs(v) > 2**53 for v in values
    ):
        return False
    return all(_fits(v) for v in values)


def _call_natively(function: Any, args: tuple) -> Any:
    return function(*args)


def _check_module(
    dag_list: list[Dag],
    calls: list[tuple],
    *,
    interpret: bool = True,
    call: Any = _call_natively,
) -> None:
    """Native against plain Python on every call, and (with `interpret`) the reference
    interpreter too: it is the slow part, and its agreement with Python on single ops is
    covered by the folding property tests. A call native code can answer itself
    (`must_run_natively`) must reach native code and not fall back."""
    source = "\n".join("\n".join(d.ir) for d in dag_list)
    module = Parser(make_context(), source).parse_module()
    module.verify()
    native = compile_native(module)
    interpreter = make_interpreter(module)
    namespace: dict[str, Any] = dict(PY_GLOBALS)
    exec("\n".join("\n".join(d.py) for d in dag_list), namespace)
    for dag, args in itertools.product(dag_list, calls):
        python = _outcome(namespace[dag.name], args)
        interpreted = (
            _outcome(lambda *a: tuple(interpreter.call_op(dag.name, a)), args)
            if interpret
            else python
        )
        function = native[dag.name]
        calls_before, fallbacks_before = function.calls, function.fallbacks
        got = _outcome(lambda *a: call(function, a), args)
        if must_run_natively(dag, python, namespace[dag.name], args):
            assert function.calls == calls_before + 1, f"{dag.name}{args!r} did not run natively"
            assert function.fallbacks == fallbacks_before, (
                f"{dag.name}{args!r} must run natively but fell back"
            )
        if not (_same(python, interpreted) and _same(python, got)):
            ir = "\n".join(dag.ir)
            py = "\n".join(dag.py)
            raise AssertionError(
                f"{dag.name}{args!r}: Python {python}, interpreter {interpreted}, "
                f"native {got}\n{ir}\n{py}"
            )


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    dag_list=st.tuples(*(dags(f"f{i}") for i in range(4))),
    calls=st.lists(inputs, min_size=20, max_size=20),
)
def test_random_dags_agree(dag_list: tuple[Dag, ...], calls: list[tuple]) -> None:
    _check_module(list(dag_list), calls)


def test_every_op_on_edge_values() -> None:
    """Each op form alone, on the cross product of edge values of its operand types."""
    forms = [s for s in SIGNATURES if not (s[0] in ("pow", "shl") and s[1][0] == "i64")]
    dag_list = []
    for i, (op, ts, rt) in enumerate(forms):
        dag = Dag(f"op{i}")
        xs = {"i64": ["a0", "a1"], "f64": ["x0", "x1"], "i1": ["b0", "b0"]}
        operands = [
            xs[t][min(j, 1)] if len(ts) < 3 else ["b0", xs[t][0], xs[t][1]][j]
            for j, t in enumerate(ts)
        ]
        dag.add(op, operands, ts, rt)
        dag.finish([(f"v{dag.n}", rt)])
        dag_list.append(dag)
    # int pow and << with bounded right operands (their Python answers stay small)
    for op in ("pow", "shl"):
        for k in (-2, -1, 0, 1, 2, 3, 62, 63, 64, 65):
            dag = Dag(f"{op}_{k + 2}")
            dag.add(op, ["a0", dag.constant("i64", k)], ["i64", "i64"], "i64")
            dag.finish([(f"v{dag.n}", "i64")])
            dag_list.append(dag)
    int_pairs = list(itertools.product(INT_EDGES, INT_EDGES))
    float_pairs = list(itertools.product(FLOAT_EDGES, FLOAT_EDGES))
    # every pair of edge ints and of edge floats, spread over a few hundred calls
    calls = [
        (*int_pairs[i % len(int_pairs)], *float_pairs[i % len(float_pairs)], i % 3 != 0)
        for i in range(max(len(int_pairs), len(float_pairs)))
    ]
    _check_module(dag_list, calls, interpret=False)


def _fall_back(function: Any, args: tuple) -> Any:
    """A call that silently takes the fallback path, as broken native code would."""
    function._fallbacks += 1
    return function.owner._fallback(function, args, "forced by the test")


def test_the_native_check_fails_when_calls_fall_back() -> None:
    """The check bites: the same answers through the fallback path fail it."""
    dag = Dag("forced")
    dag.add("add", ["a0", "a1"], ["i64", "i64"], "i64")
    dag.finish([(f"v{dag.n}", "i64")])
    calls = [(1, 2, 0.5, 1.5, True)]
    _check_module([dag], calls)
    with pytest.raises(AssertionError, match="did not run natively"):
        _check_module([dag], calls, call=_fall_back)
