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


def views(x):
    """Views of an input (eager's share its memory, and so do Inductor's: AOTAutograd
    makes them again from the input), of an output, and of a value two outputs view."""
    y = x * 2
    z = x - 1
    return (
        x.reshape(6),
        x[0],
        x.t(),
        x.detach(),
        x.unsqueeze(0),
        x.chunk(3, dim=1)[1],
        y,
        y.reshape(3, 2),
        z[1],
        z.reshape(6),
        (x + 1)[0],
    )


class Everything(torch.nn.Module):
    """`copies` and `views` of its inputs, and its parameter and buffer returned, their
    views and copies, and a tensor it makes (a new one on each eager call)."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.arange(3.0))
        self.register_buffer("b", torch.zeros(2, 3))

    def forward(self, x, xt):
        made = torch.tensor([1.0, 2.0])
        w, b = self.w, self.b
        held = (w, b, x + w, w.clone(), b.t(), b[1], made * 1, made)
        return (*copies(x, xt), *views(x), *held)


ROUTES = ["compile_fx", "torch.compile"]


def _flat(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def compiled_natively(fn, args, route, pythonify=None):
    """`fn` compiled through `route` (raising unless every node is native), and the
    call that checks the report after running it."""
    if route == "compile_fx":
        compiled = compile_fx(fn, args, mode="native", pythonify=pythonify)

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
def test_outputs_share_what_eager_shares(route, tmp_path):
    """Then compile_fx's called with the layouts swapped (an export drops `contiguous()`
    of a contiguous input and makes `reshape` a `view`: another graph; eager copies);
    a second call leaves the first's results as they were (the kernel's buffers and
    what forward makes are new on each call); the module `pythonify=` writes of
    compile_fx's graph shares as eager does too."""
    model = Everything().eval()
    held = [*model.parameters(), *model.buffers()]
    out = tmp_path / "everything.py"
    run = compiled_natively(model, _both(), route, pythonify=out)
    want = sharing(model, _both(), held)
    assert sharing(run, _both(), held) == want
    if route == "compile_fx":  # Dynamo guards strides: its own graph, as Inductor's
        swapped = _both()[::-1]
        assert sharing(run, swapped, held) == sharing(model, swapped, held)
    with torch.no_grad():  # as in `sharing`: grad mode is one of Dynamo's guards
        first = run(*_both())
        kept = [t.clone() for t in first]
        second = run(*(torch.full_like(x, -1.0) for x in _both()))
    assert all(torch.equal(t, k) for t, k in zip(first, kept))
    fresh = [t for t, k in zip(first, want[1]) if not any(k[:4])]
    assert all(a.data_ptr() != b.data_ptr() for a in fresh for b in second)
    if route == "compile_fx":
        namespace = {"model": model}
        exec(compile(out.read_text(), str(out), "exec"), namespace)
        assert sharing(namespace["run"], _both(), held) == want


def test_a_programs_view_of_an_input_of_another_layout_is_the_kernels_copy():
    """An `ExportedProgram` is one graph for every layout: its `view` of an input
    traced contiguous, called with a transposed one, is the kernel's copy."""
    program = torch.export.export(Reshape(), _matrix())
    compiled = compile_fx(program, _matrix(), mode="native")
    x = _transposed()[0]
    got = compiled(x)
    assert torch.equal(got, x.reshape(6)) and got.data_ptr() != x.data_ptr()
    assert compiled.report().all_native


class Reshape(torch.nn.Module):
    def forward(self, x):
        return x.reshape(6)


def split(x):
    """An opaque op between native partitions: a clone, a view and a copy of what
    each reads, whether that is the graph's input or the opaque op's result."""
    from fx_opaque import running_sum

    h = running_sum(x * 1)
    return x.clone(), x.t(), h, h.clone(), h.t(), running_sum(h)[0]


@pytest.mark.skipif(not ALL, reason="GRAPHLET_CORPUS=all: a partitioned graph")
@pytest.mark.parametrize("route", ROUTES)
def test_a_partitioned_graph_shares_what_eager_shares(route):
    torch._dynamo.reset()
    compiled = torch.compile(split, backend="graphlet", dynamic=False)
    compiled = compile_fx(split, _matrix()) if route == "compile_fx" else compiled
    with collect_graphs() as graphs:
        assert sharing(compiled, _matrix()) == sharing(split, _matrix())
    report = graphlet.frontend.fx.Report([r for g in graphs for r in g.reports()])
    report = compiled.report() if route == "compile_fx" else report
    assert report.native and {n.target for n in report.eager} == {
        "graphlet_test.running_sum.default"
    }


@pytest.mark.skipif(not ALL, reason="GRAPHLET_CORPUS=all: each case on its own")
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", list(CASES))
def test_each_case_shares_what_eager_shares(case, route):
    fn, make = CASES[case]
    run = compiled_natively(fn, make(), route)
    assert sharing(run, make()) == sharing(fn, make())
