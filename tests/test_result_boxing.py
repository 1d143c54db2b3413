"""Reading a result from flat values computed in Python (the reference interpreter, the
emitted module), as the native boxing reads the result slots (`graphlet.backend.pyvalues`):
one function, `python_memory.box_result`, for both."""

from __future__ import annotations

from typing import Any

import pytest

import graphlet
from graphlet.backend.python_memory import ResultDoesNotFit, box_result
from graphlet.runtime.jit_backends import HandBack, InterpreterBackend, unflatten_value

BOOL_OR_INT = ("union", ("i1", "i64"))


@pytest.mark.parametrize("read", [box_result, unflatten_value])
def test_a_union_skips_the_slots_of_the_alternatives_not_taken(read: Any) -> None:
    """Tag 1 takes the i64; the i1 slot holds a placeholder that is no bool (native code
    never reads it). The interpreter's reading used to unbox every alternative and so
    handed such a call back."""
    assert read(BOOL_OR_INT, iter([1, 0, 5])) == 5
    assert read(BOOL_OR_INT, iter([0, True, 2**70])) is True


def test_a_union_reads_exactly_its_slots_inside_a_tuple() -> None:
    spec = ("tuple", (("union", ("f64", ("complex",), ("const", None))), "i64"))
    assert box_result(spec, iter([1, 0.0, 2.0, -1.0, 7])) == (complex(2.0, -1.0), 7)
    assert box_result(spec, iter([2, "junk", None, None, 8])) == (None, 8)


@pytest.mark.parametrize(
    ("spec", "value"),
    [("i64", 2**63), ("i64", True), ("i1", 1), ("f64", 1), ("f64", 1j)],
)
def test_a_taken_scalar_that_is_not_of_its_type_hands_back(spec: str, value: Any) -> None:
    """Native code boxes an i1 as a bool, an i64 as an int of 64 bits, an f64 as a
    float: any other value hands the call back rather than return another type."""
    with pytest.raises(ResultDoesNotFit):
        box_result(("union", ("i1", spec)), iter([1, False, value]))
    with pytest.raises(HandBack):
        unflatten_value(spec, iter([value]))


def _bool_or_int(x: int) -> bool | int:
    if x > 0:
        return True
    return x


def _pair_or_bool(x: int) -> tuple[int, float] | bool:
    if x > 0:
        return (x, 2.0)
    return x > -5


@pytest.mark.parametrize("fn", [_bool_or_int, _pair_or_bool])
def test_union_results_through_the_interpreter_backend_are_cpythons(fn: Any) -> None:
    compiled = graphlet.jit(fn, backend=InterpreterBackend())
    for x in (3, -2, -9, 0):
        got, want = compiled(x), fn(x)
        assert (got, type(got)) == (want, type(want))
        assert not compiled.last_call_handed_back, x
