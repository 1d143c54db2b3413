"""The builder API's `Graph.topological_sort()` and `graphlet.backward(graph, loss)`:
the practice seed's phases 2 and 3 on graphlet IR, against PyTorch's autograd
(float64, rtol 1e-12), interpreted and native."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphlet
from graphlet import Compiler, Graph, backward
from graphlet.runtime import execute

torch = pytest.importorskip("torch")


def test_topological_sort_puts_every_node_after_its_inputs():
    g = Graph()
    a = g.input("a", float)
    b = g.input("b", float)
    left = g.add_op("mul", a, b)
    right = g.add_op("exp", a)
    top = g.add_op("add", left, right)
    g.set_outputs(g.add_op("sub", top, b))
    order = g.topological_sort()
    position = {n.value: i for i, n in enumerate(order)}
    assert {n.value for n in order} == {n.value for n in g.nodes}
    for node in order:
        assert all(position[i.value] < position[node.value] for i in node.inputs), node
    assert [n.op for n in order[:2]] == ["input", "input"]


def mlp(g_or_torch, x1, x2, w, v, target):
    """The seed's MLP: two inputs, two tanh hidden units, one output, squared error."""
    add, mul, tanh = g_or_torch
    h = [tanh(add(add(mul(w[j][0], x1), mul(w[j][1], x2)), w[j][2])) for j in range(2)]
    out = add(add(mul(v[0], h[0]), mul(v[1], h[1])), v[2])
    err = add(out, mul(target, -1.0))
    return mul(err, err)


VALUES = {
    "x1": 0.5, "x2": -1.5, "target": 0.25,
    "w00": 0.1, "w01": -0.3, "w02": 0.2, "w10": 0.7, "w11": 0.4, "w12": -0.1,
    "v0": 0.9, "v1": -0.6, "v2": 0.05,
}  # fmt: skip


def _mlp_graph():
    g = Graph()
    n = {name: g.input(name, float) for name in VALUES}
    ops = (
        lambda a, b: g.add_op("add", a, b),
        lambda a, b: g.add_op("mul", a, b),
        lambda a: g.add_op("tanh", a),
    )
    w = [[n[f"w{j}{k}"] for k in range(3)] for j in range(2)]
    v = [n[f"v{k}"] for k in range(3)]
    loss = mlp(ops, n["x1"], n["x2"], w, v, n["target"])
    return g, loss


def _torch_gradients():
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in VALUES.items()}
    w = [[t[f"w{j}{k}"] for k in range(3)] for j in range(2)]
    v = [t[f"v{k}"] for k in range(3)]
    loss = mlp((torch.add, torch.mul, torch.tanh), t["x1"], t["x2"], w, v, t["target"])
    loss.backward()
    return loss.item(), {k: x.grad.item() for k, x in t.items()}


@pytest.mark.parametrize("target", ["interpret", "native"])
def test_backward_of_the_seed_mlp_matches_torch(target):
    g, loss = _mlp_graph()
    grads = backward(g, loss)
    assert list(grads) == list(VALUES)
    g.set_outputs(loss, *grads.values())
    compiled = Compiler(target=target).compile(g)
    value, *got = execute(compiled, **VALUES)
    want_loss, want = _torch_gradients()
    np.testing.assert_allclose(value, want_loss, rtol=1e-12)
    np.testing.assert_allclose(got, [want[k] for k in VALUES], rtol=1e-12, atol=1e-15)
    if target == "native":
        assert compiled.native.calls == 1 and compiled.native.fallbacks == 0


def test_backward_skips_int_inputs_and_gives_zero_for_unused_ones():
    g = Graph()
    x = g.input("x", float)
    g.input("unused", float)
    k = g.input("k")
    y = g.add_op("mul", g.add_op("sin", x), g.add_op("float", k))
    grads = backward(g, y)
    assert set(grads) == {"x", "unused"}
    g.set_outputs(grads["x"], grads["unused"])
    dx, du = execute(Compiler().compile(g), x=0.3, unused=1.0, k=3)
    assert dx == pytest.approx(3 * math.cos(0.3), rel=1e-15) and du == 0.0


def test_backward_needs_a_float_loss():
    g = Graph()
    a = g.input("a")
    with pytest.raises(TypeError, match="the loss must be a float"):
        backward(g, g.add_op("add", a, a))


def test_backward_is_reachable_from_graphlet():
    assert graphlet.backward is backward
