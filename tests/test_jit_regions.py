"""Region breaks of `@jit` (`graphlet.capture.region_jit`): a call graphlet cannot compile
runs in CPython and the compiled code carries on (docs/jit-region-breaks.md).

Each test compares the printed output, the result (value and type) or the exception
with CPython's, and asserts from the version's counters that the loop ran natively:
the native call count, and each region site's count of calls that ran in CPython."""

from __future__ import annotations

import contextlib
import io
import math
import traceback
from typing import Any

import pytest

import graphlet
from graphlet.capture import region_jit
from graphlet.frontend.bytecode.inference import INT


def observe(fn: Any, *args: Any) -> tuple[Any, str]:
    """(("ok", result, its type) or ("raise", type, message), what it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            value = fn(*args)
            result: Any = ("ok", value, type(value))
        except Exception as e:
            result = ("raise", type(e), str(e))
    return result, out.getvalue()


def assert_like_cpython(jitted: Any, *args: Any) -> Any:
    """Runs `jitted` and its plain function on `args`: same outcome, same output."""
    expected = observe(jitted.py_func, *args)
    got = observe(jitted, *args)
    assert got == expected
    return jitted.version_for(*args)


def log(*args: Any) -> None:
    """An unknown call for capture (it takes *args), with no effect but printing."""
    print("log", *args)


def fails_at_three(*args: Any) -> None:
    print("call", *args)
    if args[0] == 3:
        raise ValueError(f"bad value {args[0]}")


def loop_with_print(n):
    total = 0
    for i in range(n):
        total += i * i
        print(i, total)
    return total


def test_loop_with_print_runs_natively() -> None:
    jitted = region_jit(loop_with_print)
    version = assert_like_cpython(jitted, 50)
    assert version.native is not None and not version.has_bail_points
    (site,) = version.regions
    assert site.target is print and site.calls == 50 and site.resumed == 0
    calls = jitted._native_calls()
    assert_like_cpython(jitted, 7)
    assert jitted._native_calls() == calls + 1 and not jitted.last_call_handed_back
    assert site.calls == 57
    report = str(graphlet.explain(jitted, 3))
    assert "region break at" in report and "calls to print ran in CPython" in report


def test_without_regions_a_print_stays_a_bail_point() -> None:
    jitted = graphlet.jit(loop_with_print)
    version = assert_like_cpython(jitted, 5)
    assert version.has_bail_points and not version.regions


def overflows_after_prints(n):
    t = 1
    for i in range(n):
        t = t * 1000
        print(i, t)
    return t


def test_a_failure_after_a_break_resumes_in_cpython() -> None:
    """10**21 leaves 64 bits after six native prints: the rest runs in CPython from
    the last print, which happens once."""
    jitted = region_jit(overflows_after_prints)
    version = assert_like_cpython(jitted, 10)
    (site,) = version.regions
    assert site.calls == 6 and site.resumed == 1
    assert jitted.last_call_handed_back
    assert_like_cpython(jitted, 5)  # fits: all native
    assert site.calls == 11 and site.resumed == 1 and not jitted.last_call_handed_back


def divides_after_print(n):
    t = 0
    for i in range(n):
        log(i)
        t += 10 // (i - 3)
    return t


def test_an_exception_after_a_break_is_cpythons_with_the_users_lines() -> None:
    jitted = region_jit(divides_after_print)
    version = assert_like_cpython(jitted, 6)
    assert version.regions[0].resumed == 1
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(ZeroDivisionError) as info:
        jitted(6)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert last.name == "divides_after_print" and last.line == "t += 10 // (i - 3)"


def calls_failing(n):
    s = 0.0
    for i in range(n):
        s += i * 0.5
        fails_at_three(i, s)
    return s


def test_an_exception_raised_by_the_called_function_propagates() -> None:
    jitted = region_jit(calls_failing)
    version = assert_like_cpython(jitted, 6)
    assert version.native is not None
    (site,) = version.regions
    assert site.calls == 4 and site.resumed == 0
    with (
        contextlib.redirect_stdout(io.StringIO()),
        pytest.raises(ValueError, match="bad value 3") as info,
    ):
        jitted(5)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert frames[-1].name == "fails_at_three"
    assert_like_cpython(jitted, 3)  # no exception: all native
    assert site.calls == 4 + 4 + 3 and not jitted.last_call_handed_back


def kind_of_value(*args):
    x = args[0]
    return x if x < 100 else float(x)


def stores_result(n):
    t = 0
    for i in range(n):
        y = kind_of_value(i * i)
        t = t + y
    return t


def test_a_stored_result_is_unboxed_to_the_type_seen_and_checked() -> None:
    """The first compile assumes None and meets an int: it resumes in CPython and the
    next call compiles for ints; a float then resumes again, soundly."""
    jitted = region_jit(stores_result)
    assert_like_cpython(jitted, 5)
    version = assert_like_cpython(jitted, 5)
    (site,) = version.regions
    assert site.stores and site.result_kind == INT
    assert site.calls == 5 and site.resumed == 0 and not jitted.last_call_handed_back
    assert assert_like_cpython(jitted, 12) is not None  # 100 and up are floats
    assert jitted.last_call_handed_back or jitted.version_for(12) is not version


def nested_breaks(n):
    t = 0
    for i in range(n):
        for j in range(i):
            t += i * j
            log(i, j, t)
        while t > 10:
            t -= 7
            print("down", t)
    return t


def test_breaks_inside_nested_loops() -> None:
    jitted = region_jit(nested_breaks)
    version = assert_like_cpython(jitted, 7)
    assert version.native is not None and not version.has_bail_points
    counts = sorted(site.calls for site in version.regions)
    expected = observe(nested_breaks, 7)[1]
    assert sum(counts) == expected.count("\n") and not jitted.last_call_handed_back


@graphlet.jit
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def calls_jitted(n):
    t = 0
    for i in range(n):
        t += fib(i)
        print(i, t)
    return t


def test_calls_into_another_jitted_function_stay_native() -> None:
    jitted = region_jit(calls_jitted)
    version = assert_like_cpython(jitted, 12)
    (site,) = version.regions
    assert site.calls == 12 and not jitted.last_call_handed_back


def recursive_with_print(n):
    print("level", n)
    return 0 if n == 0 else n + recursive_with_print(n - 1)


def test_a_function_recursing_natively_into_itself_keeps_bail_points() -> None:
    """A native level below a region break could not resume, so no region breaks."""
    jitted = region_jit(recursive_with_print)
    version = assert_like_cpython(jitted, 4)
    assert not version.regions


SCALE = 2


def rescale(*args: Any) -> None:
    global SCALE
    SCALE = args[0]


def reads_a_global(n):
    t = 0
    for i in range(n):
        t += SCALE * i
        if i == 3:
            rescale(10)
    return t


def test_a_global_the_call_changes_resumes_in_cpython() -> None:
    global SCALE
    jitted = region_jit(reads_a_global)
    expected = observe(reads_a_global, 6)
    SCALE = 2
    assert observe(jitted, 6) == expected
    assert jitted.version_for(6).regions[0].resumed == 1
    SCALE = 2


def values_of_every_kind(n, x, flag):
    z = complex(x, 1.0)
    pair = (n, (x, flag))
    for k in (1, 2.5, None):
        print(n, x, flag, z, pair, k, "text", None)
    return n


def test_values_of_every_boxable_kind_reach_the_call() -> None:
    jitted = region_jit(values_of_every_kind)
    version = assert_like_cpython(jitted, 3, -0.5, True)
    assert not version.has_bail_points  # the loop over a tuple is unrolled: a site each
    assert [site.calls for site in version.regions] == [1, 1, 1]


def local_list_between_breaks(n):
    t = 0
    for i in range(n):
        xs = [i, i + 1]
        xs.append(i * 2)
        t += xs[0] + xs[2]
        log(t)
    return t


def list_live_across_break(n):
    xs = []
    for i in range(n):
        xs.append(i)
        log(len(xs))
        xs.append(-i)
    return xs


def mutates_argument(xs, n):
    for i in range(n):
        xs.append(i)
        log(i)
    return len(xs)


def test_lists_and_breaks() -> None:
    """A list that is not live across the break is native memory CPython cannot see:
    the break is a region break. A list live across it, or a list argument, keeps
    the break a bail point (the whole call reruns in CPython, so each append
    happens once, in order)."""
    jitted = region_jit(local_list_between_breaks)
    version = assert_like_cpython(jitted, 6)
    assert version.regions and version.regions[0].calls == 6
    jitted = region_jit(list_live_across_break)
    version = assert_like_cpython(jitted, 5)
    assert not version.regions
    mutating = region_jit(mutates_argument)
    mine, theirs = [7], [7]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert mutating(mine, 4) == mutates_argument(theirs, 4)
    assert mine == theirs and out.getvalue().count("log") == 8  # 4 each
    assert not mutating.version_for([7], 4).regions


def bails_after_print(n):
    t = 0
    for i in range(n):
        print(i)
        t += i
        if i == 4:
            t += len(f"{t}")
    return t


def test_a_bail_point_after_a_break_resumes_in_cpython() -> None:
    """The f-string is a bail point: reached after native prints, the call resumes
    from the last print instead of rerunning (and reprinting) from the start."""
    jitted = region_jit(bails_after_print)
    version = assert_like_cpython(jitted, 8)
    assert version.has_bail_points
    (site,) = version.regions
    assert site.calls == 5 and site.resumed == 1
    assert_like_cpython(jitted, 4)  # the bail is not reached: all native
    assert site.calls == 9 and not jitted.last_call_handed_back


def doubled(*args: Any) -> Any:
    return args[0] * 2


def results_inside_expressions(n):
    t = 1
    for i in range(n):
        t = t * 1000 + doubled(i)
        print(math.sqrt(doubled(i)), t)
    return t


def test_calls_inside_expressions_with_values_and_calls_pending() -> None:
    """The stack below the call holds `t * 1000`, or `print` and `math.sqrt` waiting
    for their arguments (and CPython's NULLs): all travel, and a resume pushes them."""
    jitted = region_jit(results_inside_expressions)
    assert_like_cpython(jitted, 4)  # learns what each site returns: one per call,
    assert_like_cpython(jitted, 4)  # as the first mismatch resumes in CPython
    version = assert_like_cpython(jitted, 4)
    assert not version.has_bail_points and not jitted.last_call_handed_back
    assert sorted(site.calls for site in version.regions) == [4, 4, 4]
    version = assert_like_cpython(jitted, 9)  # 1000**7 leaves 64 bits: resumed
    assert sum(site.resumed for site in version.regions) == 1


RECORDED: list[Any] = []


def record(*args: Any) -> None:
    RECORDED.append(args)  # list.append is atomic under the GIL


def threaded(n, k):
    t = 1
    for i in range(n):
        record(k, i)
        t = t * 1000 + k
    return t


def test_threads_resume_and_raise_each_their_own_call() -> None:
    """Outcomes wait per thread: concurrent resumes (k=8, 9: past 64 bits) and native
    finishes return each their own result."""
    import threading

    jitted = region_jit(threaded)
    assert jitted(2, 0) == threaded(2, 0)
    RECORDED.clear()
    results: dict[tuple[int, int], Any] = {}

    def worker(k: int) -> None:
        for n in (3, 8, 9):
            for _ in range(5):
                results[(k, n)] = jitted(n, k)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(RECORDED) == 8 * 5 * (3 + 8 + 9)  # each call once, none rerun
    for (k, n), value in results.items():
        assert value == threaded(n, k) and type(value) is int
