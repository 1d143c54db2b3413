"""The fx handler table: which handler a node's target resolves to."""

from __future__ import annotations

import operator

import pytest

torch = pytest.importorskip("torch")

from graphlet.frontend.fx import handlers, registry  # noqa: E402


def node(op, target):
    graph = torch.fx.Graph()
    x = graph.placeholder("x")
    return graph.create_node(op, target, (x, x))


def test_a_bare_name_serves_torch_operator_method_and_every_aten_overload():
    add = handlers.elementwise.add
    for target in (torch.add, operator.add, torch.Tensor.add):
        assert registry.handler_for(node("call_function", target)) is add
    assert registry.handler_for(node("call_method", "add")) is add
    assert registry.handler_for(node("call_function", torch.ops.aten.add.Tensor)) is add
    assert registry.handler_for(node("call_function", torch.ops.aten.add.Scalar)) is add


def test_an_overload_or_packet_declaration_wins_over_the_bare_name():
    assert (
        registry.handler_for(node("call_function", torch.ops.aten._softmax.default))
        is handlers.nn.softmax
    )
    assert (
        registry.handler_for(node("call_function", torch.ops.aten.special_bessel_j0.default))
        is None
    )


def test_user_functions_with_a_known_name_are_not_matched():
    def add(a, b):
        return a + b

    assert registry.handler_for(node("call_function", add)) is None


def test_two_handlers_cannot_claim_one_name():
    with pytest.raises(ValueError, match="'add' is already handled by add"):
        registry.handles("add")(lambda imp, a, b: a)
