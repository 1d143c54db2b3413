"""The builder API (Graph, Compiler, execute) against Python's own arithmetic."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphlet import Compiler, Graph
from graphlet.runtime import execute


def seed_graph() -> Graph:
    g = Graph()
    a = g.input("a")
    b = g.input("b")
    g.set_outputs(g.add_op("add", a, b))
    return g


def test_seed_quick_start():
    optimized = Compiler().compile(seed_graph())
    assert execute(optimized, a=2, b=3) == 5


def test_nodes_are_topological_and_counted():
    g = Graph()
    a = g.input("a")
    k = g.const(3)
    c = g.add_op("add", a, k)
    g.set_outputs(c)
    assert [n.op for n in g.nodes] == ["input", "const", "add"]
    assert len(g.nodes) == 3
    assert c.inputs == (a, k)
    assert repr(c) == "add(input(a), const(3))"


def test_repr_names_shared_nodes_and_stays_linear_on_diamonds():
    g = Graph()
    a = g.input("a")
    square = g.add_op("mul", a, a)
    twice = g.add_op("add", square, square)
    assert repr(twice) == "add(%0, %0) where %0 = mul(input(a), input(a))"
    top = g.add_op("sub", twice, g.add_op("neg", square))
    assert repr(top) == "sub(add(%0, %0), neg(%0)) where %0 = mul(input(a), input(a))"
    x = a
    for _ in range(30):  # a tree's text would have 2**30 leaves
        x = g.add_op("add", x, x)
    text = repr(x)
    assert text.count(" = add(") == 29 and len(text) < 30 * 40


def test_default_pipeline_folds_and_removes_dead_code():
    g = Graph()
    a = g.input("a")
    five = g.add_op("add", g.const(2), g.const(3))
    g.add_op("mul", a, a)  # dead
    g.set_outputs(g.add_op("mul", a, five))
    optimized = Compiler().compile(g)
    assert [n.op for n in optimized.nodes] == ["input", "const", "mul"]
    assert len(g.nodes) == 6, "compile must not modify its input graph"
    for a_value in (-7, 0, 11, 2**62):
        assert execute(optimized, a=a_value) == execute(g, a=a_value) == a_value * 5


def test_custom_pass_list_and_unknown_pass():
    g = Graph()
    a = g.input("a")
    g.add_op("neg", a)
    g.set_outputs(a)
    only_dce = Compiler(passes=["dce"]).compile(g)
    assert [n.op for n in only_dce.nodes] == ["input"]
    with pytest.raises(ValueError, match="no-such-pass"):
        Compiler(passes=["no-such-pass"])
    with pytest.raises(ValueError, match="unknown target"):
        Compiler(target="gpu")


def test_multiple_outputs_give_a_tuple():
    g = Graph()
    x = g.input("x", float)
    y = g.input("y", float)
    g.set_outputs(g.add_op("truediv", x, y), g.add_op("lt", x, y), g.add_op("floordiv", x, y))
    assert execute(g, x=7.0, y=-2.0) == (7.0 / -2.0, False, 7.0 // -2.0)


def test_python_promotion_int_float_bool():
    g = Graph()
    i = g.input("i")
    f = g.input("f", float)
    b = g.input("b", bool)
    g.set_outputs(g.add_op("add", i, f), g.add_op("add", b, b), g.add_op("and", b, b))
    result = execute(g, i=3, f=0.5, b=True)
    assert result == (3.5, 2, True)
    assert [type(r) for r in result] == [float, int, bool]


def test_errors_are_cpythons():
    g = Graph()
    a = g.input("a")
    b = g.input("b")
    g.set_outputs(g.add_op("floordiv", a, b), g.add_op("mod", a, b))
    with pytest.raises(ZeroDivisionError) as exc:
        execute(g, a=1, b=0)
    with pytest.raises(ZeroDivisionError) as expected:
        1 // 0
    assert str(exc.value) == str(expected.value)
    assert execute(g, a=-7, b=2) == (-7 // 2, -7 % 2)


def test_ints_never_wrap():
    g = Graph()
    a = g.input("a")
    g.set_outputs(g.add_op("mul", a, a), g.add_op("pow", a, g.const(3)))
    big = 2**62 + 12345
    assert execute(g, a=big) == (big * big, big**3)
    optimized = Compiler().compile(g)
    assert execute(optimized, a=big) == (big * big, big**3)


def test_math_ops_and_domain_errors():
    g = Graph()
    x = g.input("x", float)
    g.set_outputs(g.add_op("sqrt", x), g.add_op("log", x))
    assert execute(g, x=4.0) == (2.0, math.log(4.0))
    with pytest.raises(ValueError, match="math domain error"):
        execute(g, x=-1.0)


def test_bad_inputs_have_clear_errors():
    g = seed_graph()
    with pytest.raises(TypeError, match="missing input"):
        execute(g, a=1)
    with pytest.raises(TypeError, match="unknown input"):
        execute(g, a=1, b=2, c=3)
    with pytest.raises(TypeError, match="declared int, got float"):
        execute(g, a=1.5, b=2)
    with pytest.raises(ValueError, match="unknown op 'frobnicate'"):
        g.add_op("frobnicate", g.nodes[0])
    with pytest.raises(TypeError, match="graphlet.shl"):
        g.add_op("shl", g.const(1.0), g.const(2.0))
    with pytest.raises(ValueError, match="already has an input"):
        g.input("a")
    with pytest.raises(ValueError, match="no outputs"):
        Compiler().compile(Graph())


OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "min": min,
    "max": max,
}


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except ArithmeticError as e:
        return (type(e), str(e))


def same(x, y):
    if x[0] != "ok" or y[0] != "ok":
        return x == y
    a, b = x[1], y[1]
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    return type(a) is type(b) and a == b


numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 2**63 - 1, -(2**63)]),
)
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0]))


@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(sorted(OPS)), a=numbers, b=numbers, kind=st.sampled_from([int, float]))
def test_optimized_graph_agrees_with_python(op, a, b, kind):
    g = Graph()
    x = g.input("x", kind)
    y = g.input("y", kind)
    g.set_outputs(g.add_op(op, x, y))
    a, b = kind(a), kind(b)
    optimized = Compiler().compile(g)
    expected = outcome(OPS[op], a, b)
    assert same(outcome(lambda: execute(g, x=a, y=b)), expected)
    assert same(outcome(lambda: execute(optimized, x=a, y=b)), expected)


@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(sorted(OPS)), a=floats, b=floats)
def test_constant_folded_graph_agrees_with_python(op, a, b):
    g = Graph()
    g.set_outputs(g.add_op(op, g.const(a), g.const(b)))
    optimized = Compiler().compile(g)
    assert same(outcome(lambda: execute(optimized)), outcome(OPS[op], a, b))


def test_native_target_agrees_with_interpreter_and_python():
    g = Graph()
    a = g.input("a")
    b = g.input("b")
    x = g.input("x", float)
    g.set_outputs(
        g.add_op("floordiv", a, b),
        g.add_op("mod", a, b),
        g.add_op("mul", a, a),
        g.add_op("truediv", x, b),
        g.add_op("max", x, a),
    )
    native = Compiler(target="native").compile(g)
    cases = [
        (7, 2, 0.5),
        (-7, 2, -0.0),
        (7, -2, float("nan")),
        (2**40, 3, float("inf")),
        (2**62, 7, 1e308),
    ]
    for a_value, b_value, x_value in cases:
        expected = (
            a_value // b_value,
            a_value % b_value,
            a_value * a_value,
            x_value / b_value,
            max(x_value, float(a_value)),
        )
        got = execute(native, a=a_value, b=b_value, x=x_value)
        interpreted = execute(g, a=a_value, b=b_value, x=x_value)
        assert all(same(("ok", u), ("ok", v)) for u, v in zip(got, interpreted))
        assert [type(v) for v in got] == [type(v) for v in expected]
        assert all(same(("ok", u), ("ok", v)) for u, v in zip(got, expected))
    with pytest.raises(ZeroDivisionError, match="integer division or modulo by zero"):
        execute(native, a=1, b=0, x=1.0)
