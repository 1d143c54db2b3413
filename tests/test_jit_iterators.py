"""`@graphlet.jit` of an iterator used more than once (issue 10): an `enumerate`,
`zip` or `reversed` object, and the iterator of a generator expression, is one object
CPython advances. A loop or call that runs it to its end leaves it exhausted for
every variable that holds it, a `break` leaves it where the loop stopped; where
compiled code cannot know (a call that keeps or partly runs it, one iterator passed
twice, an iterator held by two variables across a branch), the function hands back
to Python. Each case agrees with CPython, natively or handed back, as it expects.
Also `next()` of these iterators, `sum`/`min`/`max`/`any`/`all`/`list`/`tuple`/
`sorted` of one (run as of `(x for x in it)`), and `min`/`max` of a generator
expression with `key=`."""

from __future__ import annotations

import copy
import inspect
import os
from typing import Any

import pytest

import graphlet

NATIVE, BACK = "native", "handed back"
FULL = os.environ.get("GRAPHLET_CORPUS") == "all"
SWEEP = pytest.mark.skipif(not FULL, reason="more cases compile (GRAPHLET_CORPUS=all runs them)")


def zip_summed_twice(a, b):
    z = zip(a, b)
    s = sum(x * y for x, y in z)
    t = sum(x * y for x, y in z)
    return s, t


def enumerate_looped_twice(a):
    e = enumerate(a)
    s = 0
    for i, x in e:
        s += i * x
    for i, x in e:
        s += 100
    return s


def after_break(a):
    e = enumerate(a)
    s = 0
    for i, x in e:
        s += i * x
        if x > 1:
            break
    for i, x in e:
        s += 100 * x
    return s


def zip_after_break(a, b):
    z = zip(a, b)
    s = 0
    for x, y in z:
        if x > y:
            break
        s += x
    return s, sum(x - y for x, y in z)


def nested_same(a):
    e = enumerate(a)
    s = 0
    for i, x in e:
        for j, y in e:
            s += i * j + x * y
    return s


def zip_of_itself(a):
    e = enumerate(a)
    s = 0
    for p, q in zip(e, e):
        s += p[1] * q[1]
    return s


def zip_over_enumerate(a, b):
    e = enumerate(a)
    s = 0
    for (i, x), y in zip(e, b):
        s += i * x * y
    for i, x in e:
        s += 1000 * x
    return s


def listcomp_then_loop(a):
    r = reversed(a)
    xs = [x * 2 for x in r]
    n = 0
    for x in r:
        n += x
    return xs, n


def reversed_range_twice(n):
    r = reversed(range(n))
    s = 0
    for x in r:
        s += x
    for x in r:
        s += 100
    return s


def reversed_tuple_partly(t):
    r = reversed(t)
    s = 0
    for x in r:
        s += x
        break
    for x in r:
        s += 10 * x
    return s


def alias_loop(a):
    e = enumerate(a)
    f = e
    s = 0
    for i, x in e:
        s += x
    for i, x in f:
        s += 100
    return s


def alias_across_branch(a, flag):
    e = enumerate(a)
    f = e
    if flag:
        s = 1
    else:
        s = 2
    for i, x in e:
        s += x
    for i, x in f:
        s += 100
    return s


def any_then_sum(a):
    z = zip(a, a)
    found = any(x > 1 for x, y in z)
    return found, sum(x for x, y in z)


def min_max_of_one(a, b):
    z = zip(a, b)
    lo = min(x * y for x, y in z)
    hi = max((x * y for x, y in z), default=-1)
    return lo, hi


def list_then_sorted(a):
    e = reversed(a)
    xs = list(x for x in e)
    ys = sorted(x for x in e)
    return xs, ys


def to_helper(a):
    e = enumerate(a)
    s = helper(e)
    for i, x in e:
        s += 100
    return s


def helper(it):
    s = 0
    for i, x in it:
        s += x
    return s


def break_in_outer_loop(a):
    e = enumerate(a)
    s = 0
    for k in range(3):
        for i, x in e:
            s += x
            if i % 2 == 1:
                break
    return s


def loop_not_stored(a, b):
    s = 0
    for x, y in zip(a, b):
        s += x * y
    for i, x in enumerate(a):
        s += i
    return s


def in_tuple(a):
    e = enumerate(a)
    t = (e, 1)
    s = 0
    for i, x in e:
        s += x
    return s, t[1]


def ret_iter(a):
    e = enumerate(a)
    return e


def ret_in_loop(a):
    e = enumerate(a)
    for i, x in e:
        if x > 1:
            return i, x, sum(y for j, y in e)
    return 0, 0, 0


def genexpr_after_loop(a, b):
    z = zip(a, b)
    for x, y in z:
        pass
    return sum(x for x, y in z)


def closure_reads(a):
    e = enumerate(a)
    h = lambda: sum(x for i, x in e)
    return h(), h()


def closure_in_loop(a):
    e = enumerate(a)

    def g():
        return sum(1 for _ in e)

    s = 0
    for i, x in e:
        s += g()
    return s


def for_else(a):
    e = enumerate(a)
    s = 0
    for i, x in e:
        if x < 0:
            break
    else:
        s = 100
    for i, x in e:
        s += x
    return s


def loop_in_branch(a, flag):
    e = enumerate(a)
    s = 0
    if flag:
        for i, x in e:
            s += x
    for i, x in e:
        s += 10 * x
    return s


def listcomp_partial(a):
    e = enumerate(a)
    for i, x in e:
        if i == 1:
            break
    return [x for i, x in e]


def tuple_of_genexpr(t):
    r = reversed(t)
    a = tuple(x for x in r)
    b = tuple(x for x in r)
    return a, b


def while_loop_iter(a):
    e = enumerate(a)
    s = 0
    k = 0
    while k < 2:
        for i, x in e:
            s += x
            if x % 2 == 0:
                break
        k += 1
    return s


def swap_iters(a, b):
    e, f = enumerate(a), enumerate(b)
    for i, x in e:
        break
    e, f = f, e
    s = 0
    for i, x in e:
        s += x
    for i, x in f:
        s += 100 * x
    return s


def dead_alias(a):
    e = enumerate(a)
    f = e
    for i, x in f:
        pass
    return sum(x for i, x in e)


def range_iter_reversed(n):
    r = reversed(range(n))
    return [x for x in r], [x for x in r]


def all_partial(a):
    z = zip(a, a)
    ok = all(x < 3 for x, y in z)
    return ok, [x for x, y in z]


def next_then_loop(a):
    e = enumerate(a)
    _, x0 = next(e)
    s = x0 * 1000
    for i, x in e:
        s += i * x
    return s


def next_default(a):
    r = reversed(a)
    first = next(r, -1)
    second = next(r, -1)
    return first, second, sum(x for x in r)


def next_exhausted(a):
    z = zip(a, a)
    for p in z:
        pass
    return next(z, (0, 0))


def next_no_default(a):
    e = enumerate(a)
    return next(e)[1] + next(e)[1]


def next_of_list(a):
    return next(a)


def next_range_rev(n):
    r = reversed(range(n))
    return next(r, -5), next(r, -5), next(r, -5)


def next_mixed_default(a):
    e = reversed(a)
    return next(e, None)


def min_key(a):
    return min((x for x in a), key=abs), max((x for x in a), key=abs)


def min_key_lambda(a, k):
    return min((x * 2 for x in a), key=lambda v: (v - k) * (v - k))


def min_key_default(a):
    return max((x for x in a if x > 10), key=abs, default=-1)


def min_key_ties(a):
    return min((x for x in a), key=lambda v: v % 3), max((x for x in a), key=lambda v: v % 3)


def min_key_float(a):
    return min((x for x in a), key=float)


def min_key_mixed(a):
    return max((x for x in a), key=lambda v: v if v > 0 else 0.5)


def min_key_empty(a):
    return min((x for x in a), key=abs)


def key_over_zip(a, b):
    z = zip(a, b)
    best = max((x * y for x, y in z), key=lambda v: -v)
    return best, sum(1 for _ in z)


def sorted_rev(a):
    r = reversed(a)
    return sorted(r), sorted(r)


def min_max_rev(a):
    r = reversed(a)
    return min(r), max(r, default=-1)


def max_key_rev(a):
    return max(reversed(a), key=abs)


def any_rev(a):
    r = reversed(a)
    return any(r), list(r)


def all_rev_once(a):
    return all(reversed(a))


def tuple_rev(t):
    r = reversed(t)
    return tuple(r), tuple(r)


def list_zip(a, b):
    return list(zip(a, b))


def sum_enum(a):
    return sum(enumerate(a))


def min_exhausted(a):
    r = reversed(a)
    list(r)
    return min(r)


def sum_after_next(a):
    r = reversed(a)
    next(r)
    return sum(r)


def sum_rev_range_start(n):
    return sum(reversed(range(n)), 10)


def zip_sum_inner(a, b):
    e = reversed(a)
    return sum(x * y for x, y in zip(e, b))


def loop_over_genexpr(a):
    s = 0
    for x in (y * 2 for y in a if y > 0):
        s += x
    return s


def loop_genexpr_break(a):
    g = (y * y for y in a)
    s = 0
    for x in g:
        s += x
        if x > 3:
            break
    return s, list(g), sum(g)


def loop_genexpr_twice(a):
    g = (y + 1 for y in a)
    s = 0
    for x in g:
        s += x
    for x in g:
        s += 100
    return s


def genexpr_summed_twice(a):
    g = (y * 3 for y in a if y != 2)
    return sum(g), sum(g), list(g)


def genexpr_reads_cell_late(a, k):
    g = (y * k for y in a)
    k = k + 10
    return list(g)


def genexpr_cell_set_in_loop(a):
    k = 1
    s = 0
    for x in (y * k for y in a):
        s += x
        k = x
    return s


def genexpr_mixed_items(n):
    s = 0
    for x in (y if y % 2 else y / 2 for y in range(n)):
        s += x
    return s


def genexpr_over_held_zip(a, b):
    z = zip(a, b)
    s = 0
    for v in (x - y for x, y in z):
        s += v
        if v < 0:
            break
    return s, sum(x * y for x, y in z)


def genexpr_over_tuple(t):
    s = 0
    for x in (v * 2 for v in t if v):
        s += x
    return s, [x for x in (v for v in t)]


def genexpr_two_fors(a):
    s = 0
    for x in (p * q for p in a for q in a):
        s += x
    return s


def genexpr_returned_from_loop(a):
    for x in (y for y in a):
        if x > 1:
            return x
    return -1


def genexpr_divides(a):
    s = 0.0
    for x in (1 / y for y in a):
        s += x
        if s > 10:
            break
    return s


def tuple_of_iterators(t, u):
    return (
        tuple(zip(t, u)),
        tuple(enumerate(t)),
        tuple(reversed(t)),
        tuple(t),
        tuple(range(5, 0, -2)),
    )


def list_of_zip(a, b):
    return list(zip(a, b))


def min_of_zip(a, b):
    return min(zip(a, b))


def max_key_mixed(a):
    return max((x for x in a), key=lambda v: v if v > 0 else 0.5)


def tuple_of_list(a):
    return tuple(a)


def unpack_zip(a, b):
    p, q = zip(a, b)
    return p, q


def unpack_enumerate(a):
    e = enumerate(a)
    (i, x), (j, y) = e
    return i + j, x * y, next(e, None)


def unpack_reversed_range(n):
    a, b, c = reversed(range(n))
    return a, b, c


def truth_of_iterators(a):
    e = enumerate(a)
    s = 0
    if e:
        s += 1
    if not reversed(a):
        s += 10
    g = (x for x in a)
    return s, bool(g), bool(zip(a, a)), sum(g), bool(e)


def in_reversed(a, x):
    r = reversed(a)
    return x in r


def in_generator(a, x):
    return x in (y * 2 for y in a), x not in reversed(a)


def in_then_used(a, x):
    r = reversed(a)
    found = x in r
    return found, list(r)


@pytest.mark.parametrize(
    ("fn", "args", "mode"),
    [
        (zip_summed_twice, ([1, 2, 3], [1, 1, 3]), NATIVE),
        (enumerate_looped_twice, ([1, 2, 3],), NATIVE),
        (after_break, ([1, 2, 3, 4],), NATIVE),
        pytest.param(after_break, ([1, 1],), NATIVE, marks=SWEEP),
        (zip_after_break, ([1, 5, 2, 7], [2, 3, 4, 1]), NATIVE),
        pytest.param(zip_after_break, ([1, 2], [2, 3, 4]), NATIVE, marks=SWEEP),
        (nested_same, ([1, 2, 3],), BACK),
        (zip_of_itself, ([1, 2, 3, 4, 5],), BACK),
        (zip_over_enumerate, ([1, 2, 3, 4], [5, 6]), BACK),
        (listcomp_then_loop, ([1, 2, 3],), NATIVE),
        (reversed_range_twice, (4,), NATIVE),
        pytest.param(reversed_tuple_partly, ((1, 2, 3),), NATIVE, marks=SWEEP),
        pytest.param(alias_loop, ([1, 2],), NATIVE, marks=SWEEP),
        (alias_across_branch, ([1, 2], True), BACK),
        (any_then_sum, ([0, 2, 3, 4],), BACK),
        pytest.param(min_max_of_one, ([1, 2, 3], [3, 1, 2]), NATIVE, marks=SWEEP),
        pytest.param(list_then_sorted, ([3, 1, 2],), NATIVE, marks=SWEEP),
        (to_helper, ([1, 2, 3],), BACK),
        pytest.param(break_in_outer_loop, ([1, 2, 3, 4, 5, 6, 7],), NATIVE, marks=SWEEP),
        pytest.param(loop_not_stored, ([1, 2, 3], [4, 5]), NATIVE, marks=SWEEP),
        (in_tuple, ([1, 2],), BACK),
        pytest.param(ret_in_loop, ([1, 2, 3, 4],), BACK, marks=SWEEP),
        (closure_reads, ([1, 2],), BACK),
        pytest.param(listcomp_partial, ([1, 2, 3, 4],), NATIVE, marks=SWEEP),
        pytest.param(swap_iters, ([1, 2], [3, 4]), NATIVE, marks=SWEEP),
        pytest.param(tuple_of_genexpr, ((1, 2, 3),), NATIVE, marks=SWEEP),
        pytest.param(genexpr_after_loop, ([1, 2], [3, 4]), NATIVE, marks=SWEEP),
        pytest.param(for_else, ([1, 2],), NATIVE, marks=SWEEP),
        pytest.param(for_else, ([1, -2, 3],), NATIVE, marks=SWEEP),
        pytest.param(loop_in_branch, ([1, 2], True), NATIVE, marks=SWEEP),
        pytest.param(loop_in_branch, ([1, 2], False), NATIVE, marks=SWEEP),
        pytest.param(while_loop_iter, ([1, 3, 2, 5, 4, 7],), NATIVE, marks=SWEEP),
        pytest.param(dead_alias, ([1, 2],), NATIVE, marks=SWEEP),
        pytest.param(range_iter_reversed, (3,), NATIVE, marks=SWEEP),
        pytest.param(all_partial, ([1, 2, 3, 4],), BACK, marks=SWEEP),
        pytest.param(closure_in_loop, ([1, 2, 3],), BACK, marks=SWEEP),
        pytest.param(next_then_loop, ([1, 2, 3],), NATIVE, marks=SWEEP),
        pytest.param(next_default, ([1, 2, 3, 4],), NATIVE, marks=SWEEP),
        pytest.param(next_exhausted, ([1, 2],), NATIVE, marks=SWEEP),
        pytest.param(next_mixed_default, ([],), NATIVE, marks=SWEEP),
        pytest.param(next_then_loop, ([5],), NATIVE, marks=SWEEP),
        pytest.param(next_default, ([1],), NATIVE, marks=SWEEP),
        pytest.param(next_default, ([],), NATIVE, marks=SWEEP),
        pytest.param(next_no_default, ([1, 2, 3],), NATIVE, marks=SWEEP),
        pytest.param(next_range_rev, (2,), NATIVE, marks=SWEEP),
        pytest.param(next_mixed_default, ([2.5],), NATIVE, marks=SWEEP),
        (min_key, ([3, -7, 2, 7],), NATIVE),
        pytest.param(min_key_lambda, ([1, 5, 3], 6), NATIVE, marks=SWEEP),
        pytest.param(min_key_default, ([1, 2],), NATIVE, marks=SWEEP),
        pytest.param(min_key_default, ([11, -20, 12],), NATIVE, marks=SWEEP),
        pytest.param(min_key_ties, ([4, 7, 3, 6, 5],), NATIVE, marks=SWEEP),
        pytest.param(min_key_float, ([2, 1, 3],), NATIVE, marks=SWEEP),
        pytest.param(min_key_mixed, ([-1, 2, -3],), BACK, marks=SWEEP),
        pytest.param(key_over_zip, ([1, 2, 3], [3, 2, 1]), NATIVE, marks=SWEEP),
        pytest.param(sorted_rev, ([3, 1, 2],), NATIVE, marks=SWEEP),
        (sum_after_next, ([1, 2, 3],), NATIVE),
        pytest.param(min_max_rev, ([3, 1, 2],), NATIVE, marks=SWEEP),
        pytest.param(max_key_rev, ([3, -5, 2],), NATIVE, marks=SWEEP),
        pytest.param(any_rev, ([0, 1, 0, 2],), BACK, marks=SWEEP),
        pytest.param(all_rev_once, ([1, 1, 0],), NATIVE, marks=SWEEP),
        pytest.param(tuple_rev, ((1, 2),), NATIVE, marks=SWEEP),
        pytest.param(list_zip, ([1], [2]), BACK, marks=SWEEP),
        pytest.param(sum_rev_range_start, (4,), NATIVE, marks=SWEEP),
        pytest.param(zip_sum_inner, ([1, 2, 3], [1, 10]), NATIVE, marks=SWEEP),
        pytest.param(loop_over_genexpr, ([1, -2, 3],), NATIVE, marks=SWEEP),
        pytest.param(tuple_of_iterators, ((1, 2, 3), (4.5, 5)), NATIVE, marks=SWEEP),
        pytest.param(tuple_of_iterators, ((), (1,)), NATIVE, marks=SWEEP),
        (unpack_zip, ([1, 2], [3, 4]), NATIVE),
        pytest.param(unpack_enumerate, ([2, 3],), NATIVE, marks=SWEEP),
        pytest.param(unpack_reversed_range, (3,), NATIVE, marks=SWEEP),
        (truth_of_iterators, ([1, 2],), NATIVE),
        pytest.param(truth_of_iterators, ([],), NATIVE, marks=SWEEP),
        (in_reversed, ([1, 2, 3], 2.0), NATIVE),
        pytest.param(in_reversed, ([], 1), NATIVE, marks=SWEEP),
        pytest.param(in_reversed, ([1.0, float("nan")], float("nan")), BACK, marks=SWEEP),
        pytest.param(in_generator, ([1, 2, 3], 4), NATIVE, marks=SWEEP),
        pytest.param(in_then_used, ([1, 2, 3], 2), BACK, marks=SWEEP),
        pytest.param(loop_over_genexpr, ([],), NATIVE, marks=SWEEP),
        (loop_genexpr_break, ([1, 2, 3, 4],), NATIVE),
        pytest.param(loop_genexpr_break, ([1],), NATIVE, marks=SWEEP),
        pytest.param(loop_genexpr_twice, ([1, 2],), NATIVE, marks=SWEEP),
        (genexpr_summed_twice, ([1, 2, 3],), NATIVE),
        pytest.param(genexpr_reads_cell_late, ([1, 2], 3), NATIVE, marks=SWEEP),
        pytest.param(genexpr_cell_set_in_loop, ([1, 2, 3],), NATIVE, marks=SWEEP),
        pytest.param(genexpr_mixed_items, (5,), NATIVE, marks=SWEEP),
        pytest.param(genexpr_over_held_zip, ([3, 1, 5, 6], [1, 2, 3, 4]), NATIVE, marks=SWEEP),
        pytest.param(genexpr_over_tuple, ((1, 0, 3),), NATIVE, marks=SWEEP),
        pytest.param(genexpr_two_fors, ([1, 2],), BACK, marks=SWEEP),
        pytest.param(genexpr_returned_from_loop, ([0, 1, 2, 3],), NATIVE, marks=SWEEP),
        pytest.param(genexpr_divides, ([0.1, 0.05, 0.0],), NATIVE, marks=SWEEP),
    ],
)
def test_iterator_reuse(fn: Any, args: tuple[Any, ...], mode: str) -> None:
    expected = fn(*copy.deepcopy(args))
    jitted = graphlet.jit(fn)
    assert repr(jitted(*copy.deepcopy(args))) == repr(expected)
    before = sum(version.calls for version in jitted.versions.values())
    got = jitted(*copy.deepcopy(args))
    assert repr(got) == repr(expected) and type(got) is type(expected)
    native = (
        sum(version.calls for version in jitted.versions.values()) == before + 1
        and not jitted.last_call_handed_back
    )
    assert native == (mode == NATIVE), str(graphlet.explain(fn, *args))


def test_returning_an_iterator_hands_back() -> None:
    jitted = graphlet.jit(ret_iter)
    for _ in range(2):
        got = jitted([1, 2])
        assert type(got) is enumerate and list(got) == [(0, 1), (1, 2)]
        native = sum(version.calls for version in jitted.versions.values())
        assert native == 0 or jitted.last_call_handed_back


@pytest.mark.parametrize(
    ("fn", "args", "error"),
    [
        (next_no_default, ([1],), StopIteration),
        (next_of_list, ([1],), TypeError),
        (min_key_empty, ([],), ValueError),
        (min_exhausted, ([1],), ValueError),
        pytest.param(genexpr_divides, ([4, 0, 1],), ZeroDivisionError, marks=SWEEP),
        (unpack_zip, ([1, 2, 3], [3, 4, 5]), ValueError),
        pytest.param(unpack_zip, ([1], [3]), ValueError, marks=SWEEP),
        pytest.param(unpack_enumerate, ([2, 3, 4],), ValueError, marks=SWEEP),
        pytest.param(unpack_reversed_range, (2,), ValueError, marks=SWEEP),
        pytest.param(sum_enum, ([1],), TypeError, marks=SWEEP),
    ],
)
def test_next_raises_as_cpython(fn: Any, args: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error) as expected:
        fn(*args)
    jitted = graphlet.jit(fn)
    for _ in range(2):
        with pytest.raises(error) as got:
            jitted(*args)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("fn", "args", "reason"),
    [
        (list_of_zip, ([1], [2]), "a list of tuple (int, int) items is not compiled"),
        (min_of_zip, ([1], [2]), "min() of an iterable of tuple (int, int) items"),
        (max_key_mixed, ([-1, 2],), "max() with a key= that returns an int or a float"),
        (tuple_of_list, ([1, 2],), "tuple() of a list of int is not compiled"),
    ],
)
def test_break_reasons_name_the_users_line(fn: Any, args: tuple[Any, ...], reason: str) -> None:
    """A consumer given an iterator runs graphlet's own `(x for x in it)`: its breaks
    are the user's call's, with the real reason."""
    jitted = graphlet.jit(fn)
    assert repr(jitted(*args)) == repr(fn(*args))
    breaks = graphlet.explain(fn, *args).breaks
    assert breaks, "expected a graph break"
    lines, first = inspect.getsourcelines(fn)
    for record in breaks:
        assert record.filename == __file__ and first <= record.line < first + len(lines), record
        assert "generator expression" not in record.reason, record
    assert any(reason in record.reason for record in breaks), breaks
