"""`@graphlet.jit` behaviour beyond values: signatures, guards, explain, logging, errors."""

from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
import textwrap
import warnings
from typing import Any

import jit_corpus as corpus
import pytest

import graphlet
from graphlet.jit_entry import GraphletCompileWarning, JitFunction

COMPILED_WITHOUT_BREAKS = [
    (corpus.sum_squares, (10,)),
    (corpus.range_three, (10, -3, -2)),
    (corpus.nested_loops, (4, 5)),
    (corpus.collatz, (27,)),
    (corpus.gcd, (48, 18)),
    (corpus.fib_iter, (30,)),
    (corpus.fib_rec, (10,)),
    (corpus.first_square_above, (50.5,)),
    (corpus.branches, (3,)),
    (corpus.chained, (1, 2.5, True)),
    (corpus.and_or, (3, 0)),
    (corpus.conditional_expression, (1.5, 2.5)),
    (corpus.mixed_int_float, (7, 0.5)),
    (corpus.abs_min_max, (-3, 4, 5)),
    (corpus.math_mix, (0.5,)),
    (corpus.floor_ceil, (2.5,)),
    (corpus.float_classes, (math.nan,)),
    (corpus.globals_scaled, (2,)),
    (corpus.calls_helper, (3,)),
    (corpus.break_continue, (30,)),
    (corpus.for_else, (10,)),
    (corpus.while_loop_float, (2.0,)),
    (corpus.bool_arithmetic, (True, False)),
    (corpus.int_float_compare, (3, 3.0)),
    (corpus.nested_loop_break, (8,)),
    (corpus.modulo_signs, (-7, 3)),
]


@pytest.mark.parametrize(
    "fn, args", COMPILED_WITHOUT_BREAKS, ids=[f.__name__ for f, _ in COMPILED_WITHOUT_BREAKS]
)
def test_supported_functions_compile_without_breaks(fn: Any, args: tuple[Any, ...]) -> None:
    jitted = graphlet.jit(fn)
    assert jitted(*args) == fn(*args)
    version = jitted.version_for(*args)
    assert version.native is not None, version.breaks
    assert not version.has_bail_points, version.breaks
    assert not jitted.last_call_handed_back


def test_wrong_argument_count_raises_cpythons_type_error() -> None:
    jitted = graphlet.jit(corpus.add)
    for args in [(1,), (1, 2, 3), ()]:
        with pytest.raises(TypeError) as expected:
            corpus.add(*args)
        with pytest.raises(TypeError) as got:
            jitted(*args)
        assert str(got.value) == str(expected.value)
    with pytest.raises(TypeError) as got:
        jitted(1, c=2)
    assert str(got.value) == "add() got an unexpected keyword argument 'c'"


def test_keywords_and_defaults_are_bound_like_python() -> None:
    jitted = graphlet.jit(corpus.defaults)
    assert jitted(3) == 6
    assert jitted(3, b=4) == 12
    assert jitted(b=5, a=2) == 10
    assert jitted.version_for(3, 2).native is not None


def test_one_version_per_argument_signature() -> None:
    jitted = graphlet.jit(corpus.add)
    assert jitted(1, 2) == 3
    assert jitted(1.5, 2) == 3.5
    assert jitted(True, True) == 2 and type(jitted(True, True)) is int
    assert jitted(3, 4) == 7
    assert set(jitted.versions) == {(int, int), (float, int), (bool, bool)}
    first = jitted.version_for(1, 2)
    jitted(5, 6)
    assert jitted.version_for(1, 2) is first


def _function_with_globals(source: str, name: str, namespace: dict[str, Any]) -> Any:
    exec(textwrap.dedent(source), namespace)
    return namespace[name]


def test_changed_global_recompiles() -> None:
    namespace: dict[str, Any] = {"FACTOR": 3}
    fn = _function_with_globals("def scaled(x):\n    return x * FACTOR\n", "scaled", namespace)
    jitted = graphlet.jit(fn)
    assert jitted(2) == 6
    before = jitted.version_for(2)
    namespace["FACTOR"] = 10
    assert jitted(2) == 20
    assert jitted.version_for(2) is not before
    namespace["FACTOR"] = 2.5
    assert jitted(2) == 5.0
    del namespace["FACTOR"]
    with pytest.raises(NameError):
        jitted(2)


def test_rebinding_a_called_function_recompiles() -> None:
    namespace: dict[str, Any] = {}
    fn = _function_with_globals(
        "def inner(x):\n    return x + 1\ndef outer(x):\n    return inner(x) * 2\n",
        "outer",
        namespace,
    )
    jitted = graphlet.jit(fn)
    assert jitted(1) == 4
    exec("def inner(x):\n    return x - 1\n", namespace)
    assert jitted(1) == 0


def test_calls_between_jitted_functions_are_direct_calls() -> None:
    namespace: dict[str, Any] = {"graphlet": graphlet}
    fn = _function_with_globals(
        "@graphlet.jit\ndef square(x):\n    return x * x\n"
        "def norm2(a, b):\n    return square(a) + square(b)\n",
        "norm2",
        namespace,
    )
    jitted = graphlet.jit(fn)
    assert jitted(3, 4) == 25
    module = jitted.version_for(3, 4).module
    assert "func.call @square__i64" in str(module)


def test_ints_past_64_bits_run_in_python() -> None:
    jitted = graphlet.jit(corpus.multiply)
    assert jitted(2**40, 2**40) == 2**80
    assert jitted(2**70, 3) == 3 * 2**70
    assert jitted(3, 4) == 12 and not jitted.last_call_handed_back


def test_range_with_zero_step_raises_like_python() -> None:
    jitted = graphlet.jit(corpus.range_three)
    with pytest.raises(ValueError, match="range\\(\\) arg 3 must not be zero"):
        jitted(0, 10, 0)
    assert jitted(10, 0, -3) == corpus.range_three(10, 0, -3)


def test_explain_reports_each_break_with_line_opcode_reason() -> None:
    report = graphlet.explain(corpus.prints_result, 3)
    assert report.result == 3
    assert not report.fell_back
    (brk,) = report.breaks
    line = corpus.prints_result.__code__.co_firstlineno + 5
    assert (brk.line, brk.opname) == (line, "CALL")
    assert "print" in brk.reason
    assert f"jit_corpus.py:{line}" in str(report)
    report = graphlet.explain(corpus.prints_result, 10)
    assert report.fell_back and report.breaks[0].fell_back


def test_explain_whole_function_in_python() -> None:
    report = graphlet.explain(corpus.uses_try, 7, 0)
    assert report.result == 0 and report.fell_back
    assert report.mode.startswith("runs in Python")
    assert "try/except" in report.breaks[0].reason


def test_explain_compiled_function_has_no_breaks() -> None:
    report = graphlet.explain(corpus.sum_squares, 10)
    assert report.result == 285 and not report.fell_back and report.breaks == []
    assert "no graph breaks" in str(report)


def test_side_effects_happen_once_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    jitted = graphlet.jit(corpus.appends_effects)
    corpus.EFFECTS.clear()
    assert jitted(5) == 10
    assert corpus.EFFECTS == [5, 10]
    jitted_print = graphlet.jit(corpus.prints_result)
    assert jitted_print(6) == 15
    assert capsys.readouterr().out == "big sum 15\n"


def test_debug_logging_names_events_and_lines(caplog: pytest.LogCaptureFixture) -> None:
    jitted = graphlet.jit(corpus.prints_result)
    with caplog.at_level(logging.DEBUG, logger="graphlet"):
        jitted(2)
        jitted(9)
    text = caplog.text
    assert "CAPTURE op BINARY_OP +" in text
    assert "jit_corpus.py:" in text
    assert "COMPILE prints_result(int)" in text
    assert "EXEC native prints_result(int)" in text
    assert "FALLBACK prints_result" in text


def test_graphlet_debug_environment_prints_seed_format() -> None:
    env = {**os.environ, "GRAPHLET_DEBUG": "1"}
    root = os.path.dirname(os.path.dirname(__file__))
    run = subprocess.run(
        [sys.executable, "-m", "examples.demo_region_jit"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "[graphlet] CAPTURE op BINARY_OP *" in run.stderr
    assert "[graphlet] EXEC" in run.stderr
    assert "[graphlet] FALLBACK" in run.stderr


class _BrokenBackend:
    name = "broken"

    def compile(self, module: Any, symbol: str, arg_types: Any, return_type: Any) -> Any:
        raise RuntimeError("simulated lowering failure")


def test_internal_compiler_error_names_user_function_and_replay_command() -> None:
    jitted = JitFunction(corpus.sum_squares, backend=_BrokenBackend())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert jitted(4) == 14
    (warning,) = [w for w in caught if issubclass(w.category, GraphletCompileWarning)]
    message = str(warning.message)
    assert "sum_squares" in message and "jit_corpus.py:" in message
    assert "simulated lowering failure" in message
    dump = message.split("the captured IR is in ")[1].split(";")[0]
    assert os.path.exists(dump)
    assert f"graphlet-opt {dump} -p lower-to-llvm" in message
    assert "func.func @sum_squares__i64" in open(dump).read()


def _ran_natively(jitted: Any, *args: Any) -> Any:
    before = sum(v.calls for v in jitted.versions.values())
    result = jitted(*args)
    assert sum(v.calls for v in jitted.versions.values()) == before + 1
    assert not jitted.last_call_handed_back
    return result


def test_a_list_argument_is_changed_in_place_and_returned_as_itself() -> None:
    jitted = graphlet.jit(corpus.list_mutate)
    xs = [1, 2, 3, 4]
    big = 10**15
    xs[1] = big
    kept = xs[1]
    result = _ran_natively(jitted, xs)
    assert result is xs
    assert xs == corpus.list_mutate([1, big, 3, 4])
    ys = [1, big, 3]
    assert _ran_natively(graphlet.jit(corpus.list_append_arg), ys, 2) == 5
    assert ys == [1, big, 3, 0, 3]
    assert ys[1] is kept  # an item that stays where it was keeps its object


def test_a_hand_back_leaves_the_callers_list_as_it_was() -> None:
    def append_then_index(xs, i):
        xs.append(7)
        return xs[i]

    jitted = graphlet.jit(append_then_index)
    xs = [1, 2]
    assert _ran_natively(jitted, xs, 0) == 1 and xs == [1, 2, 7]
    with pytest.raises(IndexError, match="list index out of range"):
        jitted(xs, 10)
    assert xs == [1, 2, 7, 7]  # appended once, by CPython's own run
    assert jitted.last_call_handed_back


def test_the_same_list_passed_twice_is_one_list() -> None:
    def extend_other(a, b):
        a.append(len(b))
        return a is b, len(b)

    jitted = graphlet.jit(extend_other)
    xs = [1]
    assert _ran_natively(jitted, xs, xs) == (True, 2)
    assert xs == [1, 1]
    ys, zs = [1], [1]
    assert _ran_natively(jitted, ys, zs) == (False, 1)
    assert ys == [1, 1] and zs == [1]


def test_an_empty_list_argument_takes_its_item_type_from_the_first_append() -> None:
    jitted = graphlet.jit(corpus.list_out_param)
    out: list = []
    assert _ran_natively(jitted, out, 3) is out
    assert out == [0.0, 0.25, 0.5]
    assert "(!llvm.ptr, !llvm.ptr, f64) -> i1" in str(jitted.version_for([], 3).module)


def test_mixed_int_float_paths_compile_with_exact_result_types() -> None:
    jitted = graphlet.jit(corpus.type_changes_in_loop)
    assert type(_ran_natively(jitted, 0)) is int
    assert _ran_natively(jitted, 3) == 1.5
    version = jitted.version_for(3)
    assert not version.has_bail_points
    jitted = graphlet.jit(corpus.uses_int_or_float)
    assert _ran_natively(jitted, 7) == (9, 3)
    assert _ran_natively(jitted, -3) == (-4.5, -1.5)


def test_tuples_none_and_complex_cross_into_native_code() -> None:
    assert _ran_natively(graphlet.jit(corpus.tuple_swap_mixed), (2, 0.5)) == ((0.5, 2), 1.0, (2,))
    assert _ran_natively(graphlet.jit(corpus.none_default), 3, None) == 6
    assert _ran_natively(graphlet.jit(corpus.optional_result), -1) is None
    assert _ran_natively(graphlet.jit(corpus.complex_power), 1 + 1j) == corpus.complex_power(1 + 1j)
    assert _ran_natively(graphlet.jit(corpus.string_constant_result), 2) == "positive"


_INTERNAL = ("Value(", "BlockArgument", "OpResult", "SSAValue", "Kind(", "!llvm", "<", "i64", "f64")


def test_break_reasons_name_constructs_in_python_terms() -> None:
    def closure(n):
        return lambda: n

    def big_tuple_loop(t):
        return t.count(1)

    def dict_literal(x):
        return {"a": x}["a"]

    def kwargs_call(x):
        return int(x, base=10)

    def list_of_pairs(x):
        return [(x, 1)]

    def loop_over_string(x):
        for _ in "ab":
            x += 1
        return x

    def mixed_list(xs):
        xs.append(0.5)
        return xs

    cases = [
        (closure, (1,)),
        (big_tuple_loop, ((1, 2),)),
        (dict_literal, (1,)),
        (kwargs_call, ("12",)),
        (corpus.uses_list, (3,)),
        (corpus.list_search, ([1, 2], 2)),
        (corpus.tuple_compare, ((1, 2), (1, 2))),
        (list_of_pairs, (1,)),
        (loop_over_string, (1,)),
        (mixed_list, ([1],)),
        (corpus.list_compare, ([1], [2.5])),
    ]
    reasons = []
    for fn, args in cases:
        reasons += [b.reason for b in graphlet.explain(fn, *args).breaks]
    assert reasons
    for reason in reasons:
        assert not any(marker in reason for marker in _INTERNAL), reason
    assert any("nested function or lambda" in r for r in reasons), reasons
    assert any("a dict" in r for r in reasons), reasons
    assert any("keyword arguments" in r for r in reasons), reasons
    assert "a list of tuple (int, int) items is not compiled" in " ".join(reasons), reasons
    assert any("iterating over str 'ab'" in r for r in reasons), reasons
    assert any("storing a float into a list of int" in r for r in reasons), reasons
    assert any("between a list of int and a list of float" in r for r in reasons), reasons


def test_list_comparison_hands_back_only_where_identity_decides() -> None:
    jitted = graphlet.jit(corpus.list_compare)
    nan = math.nan
    assert _ran_natively(jitted, [1.0, nan], [2.0, nan]) == corpus.list_compare([1.0], [2.0])

    def equal(xs, ys):
        return xs == ys, xs != ys

    # lists of different lengths are unequal without comparing items
    assert _ran_natively(graphlet.jit(equal), [nan], [nan, 1.0]) == (False, True)
    same = [nan]
    assert jitted(same, same) == (True, False, False, True, False, True)
    assert jitted.last_call_handed_back  # CPython's identity shortcut decided
    assert jitted([nan], [float("nan")]) == corpus.list_compare([nan], [float("nan")])


def test_slice_assignment_from_the_list_itself_and_deletion() -> None:
    def splice_self(xs, i):
        xs[i:] = xs
        del xs[: i + 1]
        return xs

    jitted = graphlet.jit(splice_self)
    for i in range(-4, 5):
        xs, expected = [1, 2, 3], [1, 2, 3]
        assert _ran_natively(jitted, xs, i) is xs
        assert xs == splice_self(expected, i)
