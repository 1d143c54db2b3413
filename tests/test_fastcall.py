"""The CPython fast-call wrappers (`graphlet.backend.cpython_wrapper`) and the
`@graphlet.jit` fast path built on them: values against a Python model of the
targets, every argument/result type combination, the slow path for anything that
does not fit, CPython's exceptions, reference counts, lifetimes and global guards."""

from __future__ import annotations

import gc
import itertools
import logging
import math
import sys
import textwrap
import tracemalloc
import weakref
from typing import Any

import jit_corpus as corpus
import pytest

import graphlet
from graphlet import debug
from graphlet.backend.cpython_wrapper import compile_wrapper, make_fast_callable
from graphlet.backend.jit import JitEngine
from graphlet.runtime.dispatch import FAST_CHAIN_LENGTH

TYPES = ("i1", "i64", "f64")
LLVM = {"i1": "i1", "i64": "i64", "f64": "double"}
BAD = 13
"""An i64 or f64 argument equal to this makes the model targets return status 2."""
F64_TO_I64_LIMIT = 4.6e18

ARG_SIGNATURES = [sig for n in range(3) for sig in itertools.product(TYPES, repeat=n)]
RESULT_SIGNATURES = [(), ("i1",), ("i64",), ("f64",), ("f64", "i1", "i64")]
VALUES = {
    "i1": [True, False],
    "i64": [0, -1, 7, 2**63 - 1, -(2**63), 12345678901, BAD],
    "f64": [0.0, -0.0, 1.5, -7.25, 1e300, math.inf, math.nan, float(BAD)],
}


def _symbol(args: tuple[str, ...], results: tuple[str, ...]) -> str:
    return f"t_{'_'.join(args) or 'none'}__{'_'.join(results) or 'none'}"


def _convert(source: str, target: str, x: str, j: int, out: str) -> list[str]:
    """LLVM IR computing result `j` of type `target` from argument `x` of type `source`."""
    if source == "i1":
        return {
            "i1": [f"{out} = or i1 {x}, false"],
            "i64": [f"{out}.z = zext i1 {x} to i64", f"{out} = add i64 {out}.z, {j}"],
            "f64": [f"{out}.z = uitofp i1 {x} to double", f"{out} = fadd double {out}.z, {j}.0"],
        }[target]
    if source == "i64":
        return {
            "i1": [f"{out} = trunc i64 {x} to i1"],
            "i64": [f"{out}.m = mul i64 {x}, 3", f"{out} = add i64 {out}.m, {j}"],
            "f64": [f"{out} = sitofp i64 {x} to double"],
        }[target]
    return {
        "i1": [f"{out} = fcmp ogt double {x}, 0.0"],
        "i64": [
            f"{out}.a = call double @llvm.fabs.f64(double {x})",
            f"{out}.ok = fcmp olt double {out}.a, {F64_TO_I64_LIMIT:e}",
            f"{out}.s = select i1 {out}.ok, double {x}, double 0.0",
            f"{out} = fptosi double {out}.s to i64",
        ],
        "f64": [f"{out}.m = fmul double {x}, 2.0", f"{out} = fadd double {out}.m, {j}.0"],
    }[target]


def _model(args: tuple[str, ...], results: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """What the model target returns: ("status", 2, args) or the boxed results."""
    if any(type(v) is not bool and v == BAD for v in values):
        return ("status", 2, values)
    boxed = []
    for j, target in enumerate(results):
        if not args:
            boxed.append({"i1": j % 2 == 1, "i64": j + 7, "f64": j + 0.25}[target])
            continue
        source, x = args[j % len(args)], values[j % len(args)]
        if source == "i1":
            boxed.append({"i1": x, "i64": int(x) + j, "f64": float(x) + j}[target])
        elif source == "i64":
            wrapped = (x * 3 + j + 2**63) % 2**64 - 2**63
            boxed.append({"i1": bool(x & 1), "i64": wrapped, "f64": float(x)}[target])
        else:
            as_int = int(x) if abs(x) < F64_TO_I64_LIMIT else 0
            boxed.append({"i1": x > 0, "i64": as_int, "f64": x * 2.0 + j}[target])
    if not boxed:
        return None
    return boxed[0] if len(boxed) == 1 else tuple(boxed)


def _target_ir(args: tuple[str, ...], results: tuple[str, ...]) -> str:
    params = ", ".join(["ptr %r", *(f"{LLVM[t]} %a{i}" for i, t in enumerate(args))])
    body = ["%bad.0 = or i1 false, false"]
    for i, t in enumerate(args):
        if t == "i64":
            body.append(f"%isbad.{i} = icmp eq i64 %a{i}, {BAD}")
        elif t == "f64":
            body.append(f"%isbad.{i} = fcmp oeq double %a{i}, {BAD}.0")
        else:
            body.append(f"%isbad.{i} = or i1 false, false")
        body.append(f"%bad.{i + 1} = or i1 %bad.{i}, %isbad.{i}")
    body += [f"%status = select i1 %bad.{len(args)}, i64 2, i64 0", "store i64 %status, ptr %r"]
    for j, target in enumerate(results, start=0):
        out = f"%v{j}"
        if args:
            body += _convert(args[j % len(args)], target, f"%a{j % len(args)}", j, out)
        else:
            constant = {
                "i1": "true" if j % 2 else "false",
                "i64": str(j + 7),
                "f64": f"{j + 0.25}",
            }[target]
            body.append(
                f"{out} = select i1 true, {LLVM[target]} {constant}, {LLVM[target]} {constant}"
            )
        body.append(f"%p{j} = getelementptr i64, ptr %r, i64 {j + 1}")
        if target == "i1":
            body += [f"{out}.w = zext i1 {out} to i64", f"store i64 {out}.w, ptr %p{j}"]
        else:
            body.append(f"store {LLVM[target]} {out}, ptr %p{j}")
    lines = "\n  ".join(body)
    return f"define void @_mlir_ciface_{_symbol(args, results)}({params}) {{\n  {lines}\n  ret void\n}}\n"


@pytest.fixture(scope="module")
def engine() -> JitEngine:
    functions = [_target_ir(a, r) for a in ARG_SIGNATURES for r in RESULT_SIGNATURES]
    return JitEngine("declare double @llvm.fabs.f64(double)\n" + "\n".join(functions))


def slow(*args: Any, **kwargs: Any) -> Any:
    return ("slow", args, kwargs)


def on_status(status: int, *args: Any) -> Any:
    return ("status", status, args)


def _same(got: Any, expected: Any) -> bool:
    if isinstance(expected, tuple):
        return type(got) is tuple and len(got) == len(expected) and all(map(_same, got, expected))
    if type(got) is not type(expected):
        return False
    if isinstance(expected, float):
        return (math.isnan(got) and math.isnan(expected)) or (
            got == expected and math.copysign(1, got) == math.copysign(1, expected)
        )
    return got == expected


@pytest.mark.parametrize("results", RESULT_SIGNATURES, ids=lambda r: "_".join(r) or "none")
@pytest.mark.parametrize("args", ARG_SIGNATURES, ids=lambda a: "_".join(a) or "none")
def test_every_type_combination_matches_the_model(
    engine: JitEngine, args: tuple, results: tuple
) -> None:
    fast = make_fast_callable(
        engine, _symbol(args, results), args, results, slow, on_status=on_status
    )
    for values in itertools.product(*(VALUES[t] for t in args)):
        got, expected = fast(*values), _model(args, results, values)
        assert _same(got, expected), (values, got, expected)


def test_ints_past_64_bits_take_the_slow_path(engine: JitEngine) -> None:
    fast = make_fast_callable(engine, _symbol(("i64",), ("i64",)), ("i64",), ("i64",), slow)
    assert fast(2**63 - 1) == _model(("i64",), ("i64",), (2**63 - 1,))
    assert fast(-(2**63)) == _model(("i64",), ("i64",), (-(2**63),))
    for big in (2**63, -(2**63) - 1, 2**200, -(2**1000)):
        assert fast(big) == ("slow", (big,), {})


def test_arguments_of_other_types_take_the_slow_path(engine: JitEngine) -> None:
    class MyInt(int):
        pass

    class MyFloat(float):
        pass

    sig = ("i1", "i64", "f64")
    fast = make_fast_callable(engine, _symbol(sig[:2], ("i64",)), sig[:2], ("i64",), slow)
    assert fast(True, 3) == 1
    for args in [
        (1, 3),
        (None, 3),
        (True, 3.0),
        (True, False),
        (True, MyInt(3)),
        (True, "3"),
        (0, 0),
    ]:
        assert fast(*args) == ("slow", args, {})
    floats = make_fast_callable(engine, _symbol(("f64",), ("f64",)), ("f64",), ("f64",), slow)
    assert floats(2.0) == 4.0
    for arg in (2, True, MyFloat(2.0), 2j):
        assert floats(arg) == ("slow", (arg,), {})


def test_wrong_argument_count_and_keywords_reach_the_slow_path(engine: JitEngine) -> None:
    fast = make_fast_callable(
        engine, _symbol(("i64", "i64"), ("i64",)), ("i64", "i64"), ("i64",), slow
    )
    assert fast() == ("slow", (), {})
    assert fast(1) == ("slow", (1,), {})
    assert fast(1, 2, 3) == ("slow", (1, 2, 3), {})
    assert fast(1, b=2) == ("slow", (1,), {"b": 2})
    assert fast(a=1, b=2) == ("slow", (), {"a": 1, "b": 2})

    def add(a, b):
        return a + b

    python_add = make_fast_callable(
        engine, _symbol(("i64", "i64"), ("i64",)), ("i64", "i64"), ("i64",), add
    )
    for args, kwargs in [
        ((1,), {}),
        ((1, 2, 3), {}),
        ((), {}),
        ((1,), {"c": 2}),
        ((1, 2), {"a": 1}),
    ]:
        with pytest.raises(TypeError) as expected:
            add(*args, **kwargs)
        with pytest.raises(TypeError) as got:
            python_add(*args, **kwargs)
        assert str(got.value) == str(expected.value)


def test_non_zero_status_calls_on_status_or_the_slow_path(engine: JitEngine) -> None:
    name = _symbol(("i64", "f64"), ("f64",))
    assert make_fast_callable(engine, name, ("i64", "f64"), ("f64",), slow, on_status=on_status)(
        BAD, 1.0
    ) == ("status", 2, (BAD, 1.0))
    assert make_fast_callable(engine, name, ("i64", "f64"), ("f64",), slow)(BAD, 1.0) == (
        "slow",
        (BAD, 1.0),
        {},
    )


def test_slow_path_exceptions_propagate_with_cpythons_message(engine: JitEngine) -> None:
    def divide(a, b):
        return a // (b - BAD)

    def fails(status, a, b):
        return divide(a, b)

    fast = make_fast_callable(
        engine, _symbol(("i64", "i64"), ("i64",)), ("i64", "i64"), ("i64",), divide, on_status=fails
    )
    for args in [(5, BAD), (5.0, BAD), ("x", 1)]:
        with pytest.raises(Exception) as expected:
            divide(*args)
        with pytest.raises(expected.type) as got:
            fast(*args)
        assert str(got.value) == str(expected.value)
    assert fast(5, 7) == 15


def test_results_and_arguments_keep_their_reference_counts(engine: JitEngine) -> None:
    sig = ("i64", "f64")
    fast = make_fast_callable(
        engine,
        _symbol(sig, ("f64", "i1", "i64")),
        sig,
        ("f64", "i1", "i64"),
        slow,
        on_status=on_status,
    )
    slowed = make_fast_callable(engine, _symbol(sig, ("i64",)), sig, ("i64",), slow)
    big, real, huge, bad = 10**12 + 7, 2.0**0.5, 2**70, float(BAD)
    result = fast(big, real)
    assert sys.getrefcount(result) == 2 and [sys.getrefcount(result[i]) for i in (0, 2)] == [2, 2]
    before = [sys.getrefcount(x) for x in (big, real, huge, bad)]
    for _ in range(20_000):
        fast(big, real)
        fast(big, bad)  # status path: a boxed status and an argument vector
        slowed(huge, real)  # mismatch path
        slowed(big, real, big)
    assert [sys.getrefcount(x) for x in (big, real, huge, bad)] == before
    assert sys.getrefcount(fast(big, bad)) == 2 and sys.getrefcount(fast(big, real)[0]) == 2


def test_no_memory_is_leaked(engine: JitEngine) -> None:
    sig = ("i64", "f64")
    fast = make_fast_callable(
        engine,
        _symbol(sig, ("f64", "i1", "i64")),
        sig,
        ("f64", "i1", "i64"),
        slow,
        on_status=on_status,
    )
    args = [(10**12 + 7, 1.25), (3, float(BAD)), (2**70, 1.0), (1, 2.0, 3)]

    def run(n: int) -> None:
        for _ in range(n):
            for a in args:
                fast(*a)

    run(1000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run(50_000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"{grown} bytes kept after 200k calls"


def test_the_function_keeps_its_engines_alive_and_frees_them(engine: JitEngine) -> None:
    def build() -> tuple[Any, weakref.ref]:
        ir = _target_ir(("i64",), ("i64",))
        own_engine = JitEngine(ir)
        wrapper = compile_wrapper(own_engine, _symbol(("i64",), ("i64",)), ("i64",), ("i64",))
        return wrapper.bind(slow), weakref.ref(wrapper)

    fast, wrapper = build()
    gc.collect()
    assert wrapper() is not None and fast(4) == 12
    assert fast.__name__ == "t_i64__i64"
    del fast
    gc.collect()
    assert wrapper() is None


def test_bindings_share_code_and_count_calls(engine: JitEngine) -> None:
    name = _symbol(("i64",), ("i64",))
    wrapper = compile_wrapper(engine, name, ("i64",), ("i64",))
    first, second = wrapper.bind(slow), wrapper.bind(lambda *a: "second slow path")
    assert first(2) == second(2) == 6
    assert first(2**64) == ("slow", (2**64,), {}) and second(2**64) == "second slow path"
    assert first(BAD) == ("slow", (BAD,), {})
    assert wrapper.calls == 3


def test_guards_send_changed_globals_to_the_slow_path(engine: JitEngine) -> None:
    absent = object()
    namespace = {"SCALE": 3, "other": 1}
    name = _symbol(("i64",), ("i64",))
    fast = make_fast_callable(
        engine,
        name,
        ("i64",),
        ("i64",),
        slow,
        guards=[(namespace, "SCALE", 3), (namespace, "abs", absent)],
        absent=absent,
    )
    assert fast(1) == 3
    namespace["other"] = 2
    assert fast(1) == 3
    namespace["SCALE"] = 4
    assert fast(1) == ("slow", (1,), {})
    namespace["SCALE"] = 3
    assert fast(1) == 3
    namespace["abs"] = abs
    assert fast(1) == ("slow", (1,), {})
    del namespace["abs"], namespace["SCALE"]
    assert fast(1) == ("slow", (1,), {})
    with pytest.raises(TypeError):
        make_fast_callable(
            engine, name, ("i64",), ("i64",), slow, guards=[(type("D", (dict,), {})(), "x", 1)]
        )


def test_reentrant_slow_path(engine: JitEngine) -> None:
    name = _symbol(("i64",), ("i64",))
    fast = None

    def recurse(n):
        return fast(n - 2**64) if n >= 2**64 else fast(n)

    fast = make_fast_callable(engine, name, ("i64",), ("i64",), recurse)
    assert fast(2**64 + 5) == 15


# ------------------------------------------------------------------ @graphlet.jit


def _jitted(source: str, name: str, namespace: dict[str, Any]) -> Any:
    exec(textwrap.dedent(source), namespace)
    return graphlet.jit(namespace[name])


def test_jit_calls_go_straight_to_native_code() -> None:
    jitted = graphlet.jit(corpus.add)
    assert jitted(2, 3) == 5
    entry = type(jitted).__call__
    assert type(entry).__name__ == "builtin_function_or_method"
    version = jitted.version_for(2, 3)
    calls = version.calls
    for i in range(100):
        assert jitted(i, 3) == i + 3
    assert version.calls == calls + 100 and not jitted.last_call_handed_back
    assert type(graphlet.jit(corpus.add)).__call__ is not entry, "each dispatcher has its own class"


def test_jit_fast_path_keeps_dispatch_semantics() -> None:
    jitted = graphlet.jit(corpus.add)
    assert jitted(1, 2) == 3 and jitted(1.5, 2) == 3.5 and jitted(True, True) == 2
    assert type(jitted(True, True)) is int
    assert jitted(2**63 - 1, 1) == 2**63 and jitted.last_call_handed_back
    assert jitted(2**70, 1) == 2**70 + 1
    assert jitted(3, 4) == 7 and not jitted.last_call_handed_back
    assert jitted("a", "b") == "ab"
    assert jitted(a=1, b=2) == 3
    for args in [(1,), (1, 2, 3), ()]:
        with pytest.raises(TypeError) as expected:
            corpus.add(*args)
        with pytest.raises(TypeError) as got:
            jitted(*args)
        assert str(got.value) == str(expected.value)


def test_jit_status_failure_raises_cpythons_exception() -> None:
    jitted = graphlet.jit(corpus.floor_div_mod)
    assert jitted(7, 2) == corpus.floor_div_mod(7, 2)
    for args in [(7, 0), (7.0, 0.0)]:
        with pytest.raises(ZeroDivisionError) as expected:
            corpus.floor_div_mod(*args)
        with pytest.raises(ZeroDivisionError) as got:
            jitted(*args)
        assert str(got.value) == str(expected.value)
    assert jitted(7, 3) == corpus.floor_div_mod(7, 3)


def test_jit_more_signatures_than_the_chain_holds() -> None:
    jitted = graphlet.jit(corpus.add)
    signatures = list(itertools.product([1, 2.5, False], repeat=2))
    assert len(signatures) > FAST_CHAIN_LENGTH
    for _ in range(3):
        for a, b in signatures:
            got = jitted(a, b)
            assert got == a + b and type(got) is type(a + b)
    assert all(v.native is not None for v in jitted.versions.values())


def test_jit_changed_global_never_runs_stale_code() -> None:
    namespace: dict[str, Any] = {"FACTOR": 3}
    jitted = _jitted("def scaled(x):\n    return x * FACTOR\n", "scaled", namespace)
    for factor in [3, 10, 2.5, -1, 10]:
        namespace["FACTOR"] = factor
        for x in range(3):
            assert jitted(x) == x * factor
    del namespace["FACTOR"]
    with pytest.raises(NameError):
        jitted(2)
    namespace["FACTOR"] = 4
    assert jitted(2) == 8


def test_jit_global_shadowing_a_builtin_recompiles() -> None:
    namespace: dict[str, Any] = {}
    jitted = _jitted("def magnitude(x):\n    return abs(x) + 1\n", "magnitude", namespace)
    assert jitted(-3) == 4
    namespace["abs"] = lambda x: 100
    assert jitted(-3) == 101
    del namespace["abs"]
    assert jitted(-3) == 4


def test_jit_version_that_mostly_hands_back_is_demoted() -> None:
    jitted = _jitted(
        "def digits(n):\n    if n > 5:\n        return len(str(n))\n    return n\n",
        "digits",
        {"len": len, "str": str},
    )
    assert jitted(3) == 3 and "__call__" in type(jitted).__dict__
    for _ in range(200):
        assert jitted(12345) == 5
    version = jitted.version_for(3)
    assert version.native is None and "hands back to Python on most calls" in version.python_reason
    assert version.handbacks < 200 and version.demoted
    calls = version.calls
    assert jitted(3) == 3 and jitted(12345) == 5
    # the demoted entry still checks types and guards, then runs the call in Python
    assert version.calls == calls and jitted.last_call_handed_back


def test_jit_debug_logging_keeps_the_fast_path(caplog: pytest.LogCaptureFixture) -> None:
    """Events (GRAPHLET_DEBUG=1): the first native call of a version is logged, and the
    dispatcher keeps calling native code directly."""
    jitted = graphlet.jit(corpus.add)
    with caplog.at_level(logging.DEBUG, logger="graphlet"):
        jitted(1, 2)
        assert "EXEC native add(int, int)" in caplog.text
        caplog.clear()
        calls = jitted.version_for(3, 4).calls
        assert jitted(3, 4) == 7
    assert type(type(jitted).__call__).__name__ == "builtin_function_or_method"
    assert jitted.version_for(3, 4).calls == calls + 1 and "EXEC" not in caplog.text


def test_jit_debug_level_3_takes_the_logged_path(caplog: pytest.LogCaptureFixture) -> None:
    """GRAPHLET_DEBUG=3 logs every call, so calls go through the Python dispatch."""
    jitted = graphlet.jit(corpus.add)
    debug.set_level(debug.CALLS)
    try:
        with caplog.at_level(logging.DEBUG, logger="graphlet"):
            jitted(1, 2)
            caplog.clear()
            jitted(3, 4)
    finally:
        debug.set_level(None)
    assert "EXEC native add(int, int)" in caplog.text
    assert "__call__" not in type(jitted).__dict__
