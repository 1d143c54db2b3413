"""Which tensors a compiled graph's outputs share with its inputs, its parameters and
each other, against PyTorch eager, through `compile_fx` and `torch.compile`.

A handler may give an op's operand as its value (`clone`, `contiguous`, a same-dtype
`_to_copy`, an empty `flip`): the output must still be a tensor of its own where
eager's is, or mutating it in place changes the caller's input. Each case is called
once per route, natively (mode "native", and the report says so); then each output in
turn is mutated in place and the tensors that changed are compared with eager's.
"""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")

import graphlet  # noqa: E402
from graphlet.frontend.fx import collect_graphs, compile_fx  # noqa: E402

ALL = os.environ.get("GRAPHLET_CORPUS", "").lower() in ("all", "full")


def _pair(x):
    y = x + 1
    return y, y


def _clone_then_add(x):
    y = x.clone()
    y.add_(1)
    return y


def _matrix():
    return (torch.arange(6.0).reshape(2, 3),)


def _transposed():
    return (torch.arange(6.0).reshape(3, 2).t(),)


CASES = {
    "clone": (lambda x: x.clone(), _matrix),
    "contiguous": (lambda x: x.contiguous(), _matrix),
    "contiguous of a non-contiguous input": (lambda x: x.contiguous(), _transposed),
    "clone then add_": (_clone_then_add, _matrix),
    "to with copy=True": (lambda x: x.to(torch.float32, copy=True), _matrix),
    "to the same dtype": (lambda x: x.to(torch.float32), _matrix),
    "flip of no dims": (lambda x: x.flip([]), _matrix),
    "cat of one": (lambda x: torch.cat([x]), _matrix),
    "one value twice": (_pair, _matrix),
    "two clones": (lambda x: (x.clone(), x.clone()), _matrix),
    "an input and its clone": (lambda x: (x, x.clone()), _matrix),
}
"""Each a function and its inputs' maker; the default run compiles them as one graph
(`copies`), `GRAPHLET_CORPUS=all` each on its own."""


def copies(x, xt):
    """Every case of `CASES` in one graph, on a contiguous and a transposed input."""
    return (
        x.clone(),
        x.contiguous(),
        xt.contiguous(),
        _clone_then_add(x),
        x.to(torch.float32, copy=True),
        x.to(torch.float32),
        x.flip([]),
        torch.cat([x]),
        *_pair(x),
        x.clone(),
        x,
    )


def _both():
    return (*_matrix(), *_transposed())


ROUTES = ["compile_fx", "torch.compile"]


def _flat(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def compiled_natively(fn, args, route):
    """`fn` compiled through `route` (raising unless every node is native), and the
    call that checks the report after running it."""
    if route == "compile_fx":
        compiled = compile_fx(fn, args, mode="native")

        def run(*xs):
            out = compiled(*xs)
            report = compiled.report()
            assert report.graphs and report.all_native, str(report)
            return out

        return run
    torch._dynamo.reset()
    compiled = torch.compile(fn, backend="graphlet", dynamic=False, options={"mode": "native"})

    graphs: list = []

    def run_dynamo(*xs):
        with collect_graphs() as new:
            out = compiled(*xs)
        graphs.extend(new)
        report = graphlet.frontend.fx.Report([r for g in graphs for r in g.reports()])
        assert report.graphs and report.all_native, str(report)
        return out

    return run_dynamo


def sharing(run, args, params=()):
    """For one call: which outputs are the same object as which inputs and outputs,
    and, for each output mutated in place (`+= 1`), which inputs, parameters and
    outputs change (each mutation undone before the next)."""
    with torch.no_grad():
        outs = _flat(run(*args))
        watched = [*args, *params, *outs]
        identity = [[o is t for t in [*args, *outs]] for o in outs]
        changes = []
        for out in outs:
            saved = [t.clone() for t in watched]
            out.add_(1)
            changes.append([not torch.equal(t, s) for t, s in zip(watched, saved)])
            for t, s in zip(watched, saved):
                t.copy_(s)
    return identity, changes


@pytest.mark.parametrize("route", ROUTES)
def test_copies_are_tensors_of_their_own(route):
    run = compiled_natively(copies, _both(), route)
    assert sharing(run, _both()) == sharing(copies, _both())


@pytest.mark.skipif(not ALL, reason="GRAPHLET_CORPUS=all: each case on its own")
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", list(CASES))
def test_each_case_shares_what_eager_shares(case, route):
    fn, make = CASES[case]
    run = compiled_natively(fn, make(), route)
    assert sharing(run, make()) == sharing(fn, make())


@pytest.mark.parametrize("route", ROUTES)
def test_a_result_is_not_overwritten_by_the_next_call(route):
    fn = lambda x: (x.clone(), x * 2)
    run = compiled_natively(fn, _matrix(), route)
    first = run(*_matrix())
    kept = [t.clone() for t in first]
    second = run(torch.full((2, 3), -1.0))
    for t, k in zip(first, kept):
        assert torch.equal(t, k)
    assert all(a.data_ptr() != b.data_ptr() for a in first for b in second)
