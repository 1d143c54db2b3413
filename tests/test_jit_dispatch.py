"""The @jit dispatcher's correctness under threads, recursion and changed dependencies."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import graphlet
from graphlet.jit_entry import JitCompileError

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Runs `script` in a fresh interpreter on this tree, so a crash fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


THREADS = """
    import threading
    import graphlet

    SOURCE = '''
    def f(n, x):
        s = 0
        for i in range(n):
            s += i * {k} + x
        return s
    '''

    def fresh(k):
        namespace = {}
        exec(SOURCE.format(k=k), namespace)
        return namespace["f"]

    wrong, native = [], 0
    for k in range(4):
        plain, jitted = fresh(k), graphlet.jit(fresh(k))
        start = threading.Barrier(16)

        def worker(t):
            start.wait()
            for i in range(100):
                args = (t + i % 7, t) if (t + i) % 2 else (t + i % 7, t + 0.5)
                got, want = jitted(*args), plain(*args)
                if got != want or type(got) is not type(want):
                    wrong.append((args, got, want))

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        versions = jitted.versions.values()
        assert len(versions) == 2 and all(v.native is not None for v in versions), versions
        native += sum(v.calls for v in versions)
    print(len(wrong), wrong[:3], native)
"""


def test_sixteen_threads_calling_a_fresh_function_at_once() -> None:
    """Each round: 16 threads make the first calls of a new jitted function together
    (two signatures, so the fast path is replaced while others call it), 100 each."""
    done = _run(THREADS)
    assert done.returncode == 0, done.stderr[-3000:]
    wrong, native = done.stdout.split()[0], int(done.stdout.split()[-1])
    assert wrong == "0", done.stdout
    # compiled code ran for nearly every call (the first calls of each signature compile)
    assert native >= 4 * 16 * 100 - 4 * 16 * 2, done.stdout


# ---------------------------------------------------------------- the user surface


def _loop_with_print(n):
    total = 0
    for i in range(n):
        total += i
        print(i)
    return total


def test_strict_raises_naming_line_and_construct_at_the_first_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    strict = graphlet.jit(strict=True)(_loop_with_print)
    with pytest.raises(JitCompileError) as raised:
        strict(3)
    line = _loop_with_print.__code__.co_firstlineno + 4
    message = str(raised.value)
    assert f"{__file__}:{line} in _loop_with_print" in message
    assert "_loop_with_print(int) cannot be compiled" in message and "print" in message
    assert capsys.readouterr().out == ""  # nothing ran in Python
    with pytest.raises(JitCompileError):  # nor on later calls
        strict(3)
    assert capsys.readouterr().out == ""


def test_strict_raises_for_an_argument_type_that_is_not_compiled() -> None:
    @graphlet.jit(strict=True)
    def add_one(x):
        return x + 1

    assert add_one(2) == 3 and add_one.version_for(2).calls == 1
    with pytest.raises(JitCompileError, match=r"add_one\(str\) cannot be compiled"):
        add_one("a")


def test_strict_compiled_code_still_gives_cpythons_exact_answers() -> None:
    """strict forbids graph breaks, not CPython's answers: an int past 64 bits and an
    exception Python raises are handed back, as in any compiled call."""

    @graphlet.jit(strict=True)
    def scale(x, y):
        return x * 2**40 // y

    assert scale(3, 2) == 3 * 2**40 // 2 and not scale.last_call_handed_back
    assert scale(2**40, 1) == 2**80 and scale.last_call_handed_back
    with pytest.raises(ZeroDivisionError):
        scale(1, 0)


def test_fastmath_is_accepted_and_keeps_pythons_exact_floats() -> None:
    def root_sum(x, y):
        return x**0.5 + x * y + 2.0**y

    fast = graphlet.jit(fastmath=True)(root_sum)
    samples = [(2.0, 3.0), (0.1, 0.7), (1e300, 1e-300), (7.25, -3.5)]
    for x, y in samples:
        assert fast(x, y) == root_sum(x, y)
    assert fast.version_for(2.0, 3.0).calls == len(samples)


def test_explain_prints_its_report_at_a_repl() -> None:
    jitted = graphlet.jit(_loop_with_print)
    explanation = graphlet.explain(jitted, 0)
    assert repr(explanation) == str(explanation)
    text = repr(explanation)
    assert text.startswith("_loop_with_print(int): compiled, with bail points")
    assert "call to print is not supported" in text
    assert "Value(" not in text and "<" not in text  # no internal reprs


def _root(x):
    return math.sqrt(x)


def _square(x):
    return x * x


def _item(xs, i):
    return xs[i]


def _largest(xs):
    return max(xs, default=-1)


INTERNAL = ("Value(", "Kind(", "<", "i64", "f64", "!llvm", "HandBack", "status")


def test_explain_says_in_words_why_a_call_handed_back() -> None:
    """Every runtime check that hands a call back is explained in words at a REPL (the
    exception CPython raises, an int past 64 bits, an argument too big), the exception
    the call raised is reported instead of raised, and no reason shows an internal
    name (a status code, an IR type, a Python repr of a compiler object)."""
    cases = [
        (_root, (-1.0,), "CPython raises ValueError here", "ValueError: math domain error"),
        (_root, (4.0,), None, None),
        (_square, (2**40,), "an int past 64 bits", None),
        (_square, (2**70,), "an int argument does not fit in 64 bits", None),
        (_item, ([1, 2], 5), "a runtime check", "IndexError: list index out of range"),
        (_largest, ([],), None, None),
    ]
    for fn, args, why, raised in cases:
        report = graphlet.explain(graphlet.jit(fn), *args)
        text = repr(report)
        assert report.fell_back == (why is not None), text
        if why is not None:
            assert report.why is not None and why in report.why and why in text, text
        assert report.raised == raised, text
        assert not any(marker in text for marker in INTERNAL), text
    assert "_largest(list[empty]): compiled" in repr(graphlet.explain(_largest, []))


# ---------------------------------------------------------------- stale dependencies


def _times(x, k=2):
    return x * k


def _plus(x, k=2):
    return x + k


SCALE = 3


def _fresh_helper():
    """A new function object per test, so replacing its code affects only that test."""
    return types.FunctionType(_times.__code__, globals(), "helper", _times.__defaults__)


def _caller_of(helper):
    namespace = {"helper": helper}
    exec("def caller(x):\n    return helper(x) + 1\n", namespace)
    return graphlet.jit(namespace["caller"])


def _ran_natively(jitted, *args) -> bool:
    version = jitted.version_for(*args)
    before = version.calls if version is not None else 0
    jitted(*args)
    version = jitted.version_for(*args)
    return version.calls == before + 1 and not jitted.last_call_handed_back


def test_replacing_a_called_functions_code_recompiles_the_caller() -> None:
    helper = _fresh_helper()
    caller = _caller_of(helper)
    assert caller(5) == 11 and caller.version_for(5).fast
    helper.__code__ = _plus.__code__
    assert caller(5) == 5 + 2 + 1
    assert _ran_natively(caller, 5)


def test_changing_a_called_functions_defaults_recompiles_the_caller() -> None:
    helper = _fresh_helper()
    caller = _caller_of(helper)
    assert caller(5) == 11
    helper.__defaults__ = (10,)
    assert caller(5) == 51
    helper.__defaults__ = None
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        caller(5)
    helper.__defaults__ = (4,)
    assert caller(5) == 21 and _ran_natively(caller, 5)


def test_replacing_the_jitted_functions_own_code_recompiles() -> None:
    jitted = graphlet.jit(_fresh_helper())
    assert jitted(5) == 10
    jitted.py_func.__code__ = _plus.__code__
    assert jitted(5) == 7 and _ran_natively(jitted, 5, 2)


def test_monkeypatching_a_module_attribute_recompiles(monkeypatch: pytest.MonkeyPatch) -> None:
    @graphlet.jit
    def floor_plus_one(x):
        return math.floor(x) + 1

    assert floor_plus_one(2.5) == 3 and _ran_natively(floor_plus_one, 2.5)
    monkeypatch.setattr(math, "floor", math.ceil)
    assert floor_plus_one(2.5) == 4 and _ran_natively(floor_plus_one, 2.5)
    monkeypatch.undo()
    assert floor_plus_one(2.5) == 3


def test_rebinding_a_global_recompiles(monkeypatch: pytest.MonkeyPatch) -> None:
    @graphlet.jit
    def scaled(x):
        return x * SCALE

    assert scaled(2) == 6 and _ran_natively(scaled, 2)
    monkeypatch.setitem(globals(), "SCALE", 4)
    assert scaled(2) == 8 and _ran_natively(scaled, 2)
    monkeypatch.setitem(globals(), "SCALE", 0.5)
    assert scaled(2) == 1.0 and type(scaled(2)) is float


# ---------------------------------------------------------------- recursion

RECURSION = """
    import contextlib, io, sys
    import graphlet

    def count(n):
        if n == 0:
            return 0
        return 1 + count(n - 1)

    def noisy(n):  # a bail point on every level: each call hands back
        if n == 0:
            return 0
        print(n)
        return 1 + noisy(n - 1)

    def big(n):  # the deepest level leaves 64 bits: every level hands back
        if n == 0:
            return 2**63 - 1
        return big(n - 1) + 1

    def forever(n):
        return forever(n + 1)

    def run(name, n):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                value = globals()[name](n)
            except RecursionError:
                value = "RecursionError"
        return value, out.getvalue()

    depth = sys.getrecursionlimit() - 50
    for name in ("count", "noisy", "big", "forever"):
        plain = globals()[name]
        jitted = graphlet.jit(plain)
        n = 0 if name == "forever" else depth
        want = run(name, n)
        globals()[name] = jitted
        got = run(name, n)
        version = jitted.version_for(n)
        print(name, want == got, version.calls, version.handbacks, want[0])
"""


def _recursion_report(limit: int | None = None) -> dict[str, list[str]]:
    setup = f"import sys; sys.setrecursionlimit({limit})\n" if limit else ""
    done = _run(setup + textwrap.dedent(RECURSION))
    assert done.returncode == 0, done.stderr[-3000:]
    return {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()}


def test_recursion_as_deep_as_cpython_natively_and_handed_back() -> None:
    """At `sys.getrecursionlimit() - 50` levels: the plain recursion runs natively in
    one call; the ones that hand back on every level (a print, an int past 64 bits)
    reach the same depth as CPython, with its output; endless recursion raises
    RecursionError as in CPython."""
    depth = 1000 - 50
    report = _recursion_report()
    assert report["count"] == ["True", "1", "0", str(depth)]
    assert report["noisy"][0] == "True" and report["noisy"][3] == str(depth)
    assert report["big"] == ["True", str(depth + 1), str(depth), str(2**63 - 1 + depth)]
    assert report["forever"] == ["True", "0", "0", "RecursionError"]


def test_recursion_at_a_raised_limit() -> None:
    """The native budget follows `sys.setrecursionlimit`. (Handed-back levels nest C
    frames: 3.12+ stop them at CPython's C recursion limit, about 2,500 levels, and 3.11
    at `cpython_wrapper.HAND_BACK_NESTING`, so the raised limit stays below both.)"""
    report = _recursion_report(2000)
    assert report["count"] == ["True", "1", "0", "1950"]
    assert all(report[name][0] == "True" for name in ("noisy", "big", "forever")), report


def test_a_version_from_the_disk_cache_is_guarded_on_its_callees_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHLET_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPHLET_CACHE", raising=False)
    helper = _fresh_helper()
    namespace = {"helper": helper, "__name__": "cached_callers"}
    exec("def caller(x):\n    return helper(x) + 1\n", namespace)
    compiled = graphlet.jit(namespace["caller"], cache=True)
    assert compiled(5) == 11 and not compiled.version_for(5).kernel.artifact.hit
    loaded = graphlet.jit(namespace["caller"], cache=True)
    assert loaded(5) == 11 and loaded.version_for(5).kernel.artifact.hit
    helper.__code__ = _plus.__code__
    assert loaded(5) == 8 and _ran_natively(loaded, 5)
