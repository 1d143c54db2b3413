"""`@graphlet.jit` of closures: a jitted closure's free variables are guarded (a
rebound cell recompiles, never gives a stale answer), and nested functions see the
enclosing function's cells as they are when called. Where a closure escapes, the call
runs in Python with a readable reason."""

from __future__ import annotations

from typing import Any

import pytest

import graphlet
from graphlet.frontend import fingerprint
from graphlet.frontend.guards import CellGuard


def _ran_natively(jitted: Any, *args: Any) -> Any:
    """`jitted(*args)`, called twice: the first may recompile (a guard no longer
    holds), the second must run natively with the same answer."""
    first = jitted(*args)
    version = jitted.version_for(*args)
    before = version.calls if version is not None else 0
    result = jitted(*args)
    assert jitted.version_for(*args).calls == before + 1
    assert not jitted.last_call_handed_back
    assert result == first and type(result) is type(first)
    return result


def _scaled_closure(k: Any) -> tuple[Any, Any]:
    """A jitted closure over `k`, and a function that rebinds `k`."""

    @graphlet.jit
    def scaled(x):
        return x * k

    def rebind(value):
        nonlocal k
        k = value

    return scaled, rebind


def test_rebinding_a_free_variable_recompiles() -> None:
    scaled, rebind = _scaled_closure(2)
    assert _ran_natively(scaled, 3) == 6
    rebind(5)
    assert _ran_natively(scaled, 3) == 15
    rebind(0.5)
    result = _ran_natively(scaled, 3)
    assert result == 1.5 and type(result) is float


def test_rebinding_a_free_variable_that_is_a_tuple_recompiles() -> None:
    pair = (2, 1)

    @graphlet.jit
    def affine(x):
        return x * pair[0] + pair[1]

    assert _ran_natively(affine, 3) == 7
    pair = (0.5, -1)
    assert _ran_natively(affine, 3) == 0.5


def test_rebinding_a_free_variable_that_is_a_function_recompiles() -> None:
    def double(x):
        return 2 * x

    def negate(x):
        return -x

    f = double

    @graphlet.jit
    def calls_free(x):
        return f(x) + 1

    assert _ran_natively(calls_free, 4) == 9
    f = negate
    assert _ran_natively(calls_free, 4) == -3


def test_a_jitted_caller_of_a_closure_guards_its_cells() -> None:
    helper, rebind = _scaled_closure(3)
    namespace = {"helper": helper}
    exec("def caller(x):\n    return helper(x) + 1\n", namespace)
    caller = graphlet.jit(namespace["caller"])
    assert _ran_natively(caller, 2) == 7
    rebind(10)
    assert _ran_natively(caller, 2) == 21


def test_an_empty_cell_raises_name_error_then_compiles_once_bound() -> None:
    @graphlet.jit
    def uses_later(x):
        return x + later

    with pytest.raises(NameError, match="later"):
        uses_later(1)
    later = 3
    assert _ran_natively(uses_later, 1) == 4
    assert later == 3


def test_a_version_that_read_a_cell_is_not_stored_on_disk() -> None:
    scaled, _ = _scaled_closure(2)
    assert scaled(3) == 6
    (version,) = scaled.versions.values()
    assert any(isinstance(guard, CellGuard) for guard in version.guards)
    with pytest.raises(fingerprint.Unfingerprintable, match="free variable"):
        fingerprint.guard_fingerprints(version.guards, scaled.py_func)


def test_a_nested_function_sees_assignments_after_its_definition() -> None:
    def outer(n):
        k = 1
        f = lambda v: v + k
        first = f(n)
        k = 10
        second = f(n)
        k = n * 2
        return first * 10000 + second * 100 + f(0)

    jitted = graphlet.jit(outer)
    for n in (0, 3, -7):
        assert _ran_natively(jitted, n) == outer(n)


def test_escaping_closures_run_in_python_with_readable_reasons() -> None:
    def returns_lambda(n):
        return lambda: n

    def mutual(n):
        def even(m):
            return m == 0 or odd(m - 1)

        def odd(m):
            return m != 0 and even(m - 1)

        return even(n)

    def writes_nonlocal_two_levels_up(n):
        c = 0

        def middle():
            def bump():
                nonlocal c
                c += n

            bump()

        middle()
        return c

    def passes_a_writer(n):
        calls = 0

        def key(v):
            nonlocal calls
            calls += 1
            return -v

        return max([n, 1, 2], key=key) + calls

    expected = {
        returns_lambda: "returning a lambda is not compiled",
        mutual: "mutual.even) are not compiled",
        writes_nonlocal_two_levels_up: "bump assigns a variable of a function enclosing its caller",
        passes_a_writer: "passes_a_writer.key, which assigns nonlocal variables, to a call",
    }
    for fn, reason in expected.items():
        jitted = graphlet.jit(fn)
        result = jitted(4)
        assert result() == 4 if fn is returns_lambda else result == fn(4)
        reasons = [b.reason for b in graphlet.explain(fn, 4).breaks]
        assert any(reason in r for r in reasons), reasons
        assert not any("<" in r for r in reasons), reasons
