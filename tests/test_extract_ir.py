"""`graphlet.extract_ir` and friends (docs/extract-ir.md) on real models.

Extraction runs on models built under `torch.device("meta")`; the JSON must
round-trip exactly; the Mermaid and Graphviz text is checked by a small parser (and
rendered by `mmdc`/`dot` when installed); verification binds a real state dict,
compiles the IR with graphlet and compares with the eager model (an independent
reference), asserting graphlet's own report says which nodes ran natively. Wrong
state dicts must fail with a report naming the key or node.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import model_corpus as corpus  # noqa: E402
from torch import nn  # noqa: E402

import graphlet  # noqa: E402
from graphlet.frontend.fx import UnsupportedNodeError  # noqa: E402
from graphlet.frontend.model_ir import IRFormatError, ModelIR  # noqa: E402
from graphlet.tools import graphlet_ir  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class SimpleMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


SEED_JSON = {
    "model_name": "SimpleMLP",
    "graph_inputs": [{"name": "x", "shape": [1, 4], "dtype": "float32"}],
    "graph_outputs": [{"name": "linear_1", "shape": [1, 2], "dtype": "float32"}],
    "weights": [
        {"name": "fc1.weight", "shape": [8, 4], "dtype": "float32"},
        {"name": "fc1.bias", "shape": [8], "dtype": "float32"},
        {"name": "fc2.weight", "shape": [2, 8], "dtype": "float32"},
        {"name": "fc2.bias", "shape": [2], "dtype": "float32"},
    ],
    "nodes": [
        {
            "name": "linear",
            "op_type": "aten.linear.default",
            "inputs": [{"name": "x", "shape": [1, 4]}, {"name": "p_fc1_weight", "shape": [8, 4]}, {"name": "p_fc1_bias", "shape": [8]}],
            "outputs": [{"name": "linear", "shape": [1, 8]}],
        },
        {
            "name": "relu",
            "op_type": "aten.relu.default",
            "inputs": [{"name": "linear", "shape": [1, 8]}],
            "outputs": [{"name": "relu", "shape": [1, 8]}],
        },
        {
            "name": "linear_1",
            "op_type": "aten.linear.default",
            "inputs": [{"name": "relu", "shape": [1, 8]}, {"name": "p_fc2_weight", "shape": [2, 8]}, {"name": "p_fc2_bias", "shape": [2]}],
            "outputs": [{"name": "linear_1", "shape": [1, 2]}],
        },
    ],
}  # fmt: skip

SEED_MERMAID = """\
flowchart TD
    input_x[/"Input: x<br/>1x4"/]
    op_linear["linear<br/>1x8"]
    input_x -->|"1x4"| op_linear
    w_p_fc1_weight[/"p_fc1_weight<br/>8x4"/]
    w_p_fc1_weight -.->|"8x4"| op_linear
    w_p_fc1_bias[/"p_fc1_bias<br/>8"/]
    w_p_fc1_bias -.->|"8"| op_linear
    op_relu["relu<br/>1x8"]
    op_linear -->|"1x8"| op_relu
    op_linear_1["linear<br/>1x2"]
    op_relu -->|"1x8"| op_linear_1
    w_p_fc2_weight[/"p_fc2_weight<br/>2x8"/]
    w_p_fc2_weight -.->|"2x8"| op_linear_1
    w_p_fc2_bias[/"p_fc2_bias<br/>2"/]
    w_p_fc2_bias -.->|"2"| op_linear_1
    output_0[\\"Output<br/>1x2"/]
    op_linear_1 --> output_0
"""


def _subset(actual, expected):
    """`actual` restricted to the keys `expected` has, recursively."""
    if isinstance(expected, dict):
        return {k: _subset(actual[k], v) for k, v in expected.items()}
    if isinstance(expected, list):
        assert len(actual) == len(expected), (actual, expected)
        return [_subset(a, e) for a, e in zip(actual, expected)]
    return actual


def _meta(case_name):
    case = corpus.case(case_name)
    if corpus.missing_package(case):
        pytest.skip(f"{case.package} is not installed")
    if case.family == "torchvision":
        corpus.import_torchvision()
    model, inputs = graphlet.build_on_meta(case.builder)
    return model.eval(), inputs


def _verify(ir, case_name, **state_changes):
    model, inputs = corpus.build(corpus.case(case_name))
    state = dict(model.state_dict(), **state_changes)
    case = corpus.case(case_name)
    return graphlet.verify_ir_with_state_dict(
        ir=ir,
        state_dict=state,
        original_model=model,
        test_inputs=inputs,
        rtol=case.rtol,
        atol=case.atol,
    )


@pytest.fixture(scope="module")
def seed_ir():
    with torch.device("meta"):
        model = SimpleMLP()
    return graphlet.extract_ir(model.eval(), (torch.randn(1, 4, device="meta"),))


# --------------------------------------------------------------------------- structural checks

_M_NODE = re.compile(r'^    (\w+)(\[/"[^"]*"/\]|\["[^"]*"\]|\[\\"[^"]*"/\])$')
_M_EDGE = re.compile(r'^    (\w+) (-->|-\.->)(\|"[^"]*"\|)? (\w+)$')


def check_mermaid(text, ir):
    """A parse of the flowchart: every line a node or an edge, every edge between
    declared nodes, one box per IR node, one edge per node input and graph output."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    declared, edges = {}, []
    for line in lines[1:]:
        if m := _M_NODE.match(line):
            assert m.group(1) not in declared, f"declared twice: {line}"
            declared[m.group(1)] = m.group(2)
        elif m := _M_EDGE.match(line):
            source, arrow, label, target = m.groups()
            assert source in declared and target in declared, f"undeclared end: {line}"
            assert (label is None) == target.startswith("output_"), f"shape label: {line}"
            edges.append((source, arrow, target))
        else:
            raise AssertionError(f"not a Mermaid node or edge: {line!r}")
    boxes = [k for k, shape in declared.items() if shape.startswith('["')]
    assert len(boxes) == len(ir.nodes)
    assert len(edges) == sum(len(n.inputs) for n in ir.nodes) + len(ir.graph_outputs)
    dashed = sum(1 for n in ir.nodes for i in n.inputs if i.name in ir.weight_by_placeholder())
    assert sum(1 for e in edges if e[1] == "-.->") == dashed


_D_NODE = re.compile(r'^    (\w+) \[label="(?:[^"\\]|\\.)*", shape=\w+(, style=dashed)?\];$')
_D_EDGE = re.compile(r'^    (\w+) -> (\w+) \[label="[^"]*"(, style=dashed)?\];$')


def check_dot(text, ir):
    lines = text.splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    declared, edges = set(), 0
    for line in lines[3:-1]:
        if m := _D_NODE.match(line):
            declared.add(m.group(1))
        elif m := _D_EDGE.match(line):
            assert {m.group(1), m.group(2)} <= declared, line
            edges += 1
        else:
            raise AssertionError(f"not a DOT node or edge: {line!r}")
    assert edges == sum(len(n.inputs) for n in ir.nodes) + len(ir.graph_outputs)


def render(tool, args, text, tmp_path):
    """Render with the real tool when it is installed."""
    if shutil.which(tool) is None:
        return
    source = tmp_path / "graph.in"
    source.write_text(text)
    done = subprocess.run(
        [tool, *args(source, tmp_path / "graph.svg")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith(("<svg", "<?xml"))


# --------------------------------------------------------------------------- the seed's MLP


def test_seed_mlp_reproduces_the_seed_json_and_mermaid(seed_ir, tmp_path):
    data = seed_ir.to_dict()
    assert data["format"] == "graphlet-ir" and data["version"] == 1
    assert _subset(data, SEED_JSON) == SEED_JSON
    assert graphlet.ir_to_mermaid(seed_ir) == SEED_MERMAID
    check_mermaid(SEED_MERMAID, seed_ir)
    check_dot(graphlet.ir_to_dot(seed_ir), seed_ir)
    relu = seed_ir.node("relu")
    assert relu.inputs[0].producer == "linear" and relu.outputs[0].consumers == ("linear_1",)
    render("mmdc", lambda i, o: ["-i", str(i), "-o", str(o)], SEED_MERMAID, tmp_path)
    render(
        "dot", lambda i, o: ["-Tsvg", str(i), "-o", str(o)], graphlet.ir_to_dot(seed_ir), tmp_path
    )


def test_save_and_load_round_trip(seed_ir, tmp_path):
    path = tmp_path / "mlp.json"
    seed_ir.save(path)
    loaded = ModelIR.load(path)
    assert loaded == seed_ir
    assert graphlet.load_ir(path).to_json() == path.read_text().rstrip("\n")


def test_seed_mlp_verifies_natively_and_names_what_is_wrong(seed_ir):
    torch.manual_seed(0)
    model = SimpleMLP().eval()
    x = torch.randn(1, 4)
    state = model.state_dict()
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=seed_ir, state_dict=state, original_model=model, test_inputs=(x,)
    )
    assert ok, report
    assert report.all_native and report.native.native == 3
    assert [o.name for o in report.outputs] == ["linear_1"] and report.outputs[0].max_abs < 1e-6

    # a transposed weight: the shapes differ, the key is named
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=seed_ir,
        state_dict={**state, "fc1.weight": state["fc1.weight"].T},
        original_model=model,
        test_inputs=(x,),
    )
    assert not ok and report.mismatched_keys == [
        "fc1.weight: the IR wants 8x4 float32, the state dict has 4x8 float32"
    ]
    # a missing key and an unexpected one
    partial = {k: v for k, v in state.items() if k != "fc2.bias"}
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=seed_ir,
        state_dict={**partial, "fc3.weight": torch.zeros(2)},
        original_model=model,
        test_inputs=(x,),
    )
    assert (
        not ok and report.missing_keys == ["fc2.bias"] and report.unexpected_keys == ["fc3.weight"]
    )
    assert "missing key: fc2.bias" in str(report)
    # inputs of another shape than the IR's
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=seed_ir, state_dict=state, original_model=model, test_inputs=(torch.randn(2, 4),)
    )
    assert (
        not ok
        and "input x: the IR was extracted for 1x4 float32, test input is 2x4 float32"
        in report.errors
    )


def test_a_transposed_square_weight_is_located_at_its_node():
    """Same shape, wrong values: the outputs differ, and the first node whose value
    diverges from the model's own graph is the one that reads the weight."""
    model, inputs = _meta("nn_mlp")
    ir = graphlet.extract_ir(model, inputs)
    real, _ = corpus.build(corpus.case("nn_mlp"))
    weight = real.state_dict()["3.weight"]  # nn.Linear(32, 32)
    ok, report = _verify(ir, "nn_mlp", **{"3.weight": weight.T.contiguous()})
    assert not ok and not report.outputs[0].ok and report.outputs[0].max_abs > 1e-3
    assert report.first_divergence is not None
    assert report.first_divergence.op_type == "aten.linear.default"
    assert report.first_divergence.weights == ("3.weight", "3.bias")
    assert "first divergence: node linear_1" in str(report)
    ok, report = _verify(ir, "nn_mlp")
    assert ok and report.all_native, report


def test_a_constant_made_in_forward_is_a_weight_taken_from_the_model():
    """`torch.tensor(...)` in forward: on the meta device too, lifted as a constant
    (no state-dict key), and bound from the model's own export for verification."""

    class Offset(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x) + torch.tensor([1.0, -2.0, 3.0])

    with torch.device("meta"):
        meta = Offset().eval()
    ir = graphlet.extract_ir(meta, (torch.randn(2, 3),))
    constant = [w for w in ir.weights if w.kind == "constant"]
    assert len(constant) == 1 and constant[0].shape == (3,) and not constant[0].persistent
    torch.manual_seed(0)
    real = Offset().eval()
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=ir, state_dict=real.state_dict(), original_model=real, test_inputs=(torch.randn(2, 3),)
    )
    assert ok and report.all_native, report


# --------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize(
    "name", ["resnet18", "nn_conv2d_net", "bert", "gpt2", "nn_transformer_encoder_layer"]
)
def test_corpus_model_extracts_on_meta_and_round_trips(name, tmp_path):
    model, inputs = _meta(name)
    assert all(p.is_meta for p in model.parameters())
    ir = graphlet.extract_ir(model, inputs)
    assert ir.nodes and ir.weights and ir.graph_outputs
    assert all(n.op_type.count(".") == 2 for n in ir.nodes)
    assert len(ir.weights) == len({w.placeholder for w in ir.weights})
    real, real_inputs = corpus.build(corpus.case(name))
    with torch.no_grad():
        eager = torch.utils._pytree.tree_leaves(real(*real_inputs))
    assert [(t.shape, t.dtype) for t in ir.graph_outputs] == [
        (tuple(t.shape), str(t.dtype)[6:]) for t in eager
    ]
    state = real.state_dict()
    assert {n for w in ir.weights if w.persistent for n in (w.name, *w.aliases)} == set(state)
    assert all(w.shape == tuple(state[w.name].shape) for w in ir.weights if w.persistent)
    path = tmp_path / f"{name}.json"
    ir.save(path)
    assert ModelIR.load(path) == ir
    check_mermaid(graphlet.ir_to_mermaid(ir), ir)
    check_dot(graphlet.ir_to_dot(ir), ir)
    if name == "gpt2":  # lm_head.weight is the token embedding's tensor: each names the other
        tied = {w.name: w.aliases for w in ir.weights if w.aliases}
        head, embedding = "model.lm_head.weight", "model.transformer.wte.weight"
        assert tied.get(head, (embedding,)) == (embedding,) and tied[embedding] == (head,)


@pytest.mark.parametrize("name", ["bert", "nn_conv2d_net"])
def test_corpus_model_verifies_with_random_weights(name):
    model, inputs = _meta(name)
    ir = graphlet.extract_ir(model, inputs)
    ok, report = _verify(ir, name)
    assert ok, report
    assert report.native is not None and report.native.native > 0
    assert report.all_native, report.native


@pytest.mark.skipif(
    not corpus.NOT_NATIVE_TOO, reason="the whole corpus runs with GRAPHLET_CORPUS=all"
)
@pytest.mark.parametrize("name", [c.name for c in corpus.cases()])
def test_every_corpus_model_extracts_round_trips_and_verifies(name, tmp_path):
    """The whole corpus (minutes, so not in CI's default run): extraction on the meta
    device, an exact JSON round trip, and verification with random weights."""
    model, inputs = _meta(name)
    ir = graphlet.extract_ir(model, inputs)
    ir.save(tmp_path / "model.json")
    loaded = ModelIR.load(tmp_path / "model.json")
    assert loaded == ir
    check_mermaid(graphlet.ir_to_mermaid(loaded), loaded)
    ok, report = _verify(loaded, name)
    assert ok, report


def test_a_100m_parameter_meta_model_allocates_nothing():
    """Peak resident memory (VmHWM, reset through /proc/self/clear_refs) grows by a
    few MB for a model whose float32 weights would take 400 MB."""

    def rss(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
        pytest.skip("no /proc/self/status")

    graphlet.extract_ir(nn.Linear(2, 2).to("meta").eval(), (torch.randn(1, 2),))  # imports, caches
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pytest.skip("cannot reset the peak RSS here")
    before = rss("VmRSS")
    with torch.device("meta"):
        model = nn.Sequential(*[nn.Linear(4096, 4096) for _ in range(6)])
    params = sum(p.numel() for p in model.parameters())
    ir = graphlet.extract_ir(model.eval(), (torch.randn(1, 4096),))
    grown = rss("VmHWM") - before
    assert params > 100_000_000 and sum(torch.Size(w.shape).numel() for w in ir.weights) == params
    assert grown < 50 * 2**20, f"peak RSS grew by {grown / 2**20:.0f} MB"


# --------------------------------------------------------------------------- custom ops


def test_register_op_makes_an_unknown_op_extractable_and_verifiable():
    library = torch.library.Library("graphlet_test", "FRAGMENT")
    library.define("twice(Tensor x) -> Tensor")
    library.impl("twice", lambda x: x * 2, "CPU")

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return torch.ops.graphlet_test.twice(self.fc(x))

    with torch.device("meta"):
        meta = Twice().eval()
    with pytest.raises(
        UnsupportedNodeError,
        match=r"graphlet_test.twice.default has no shape function.*register_op\('graphlet_test::twice'",
    ):
        graphlet.extract_ir(meta, (torch.randn(2, 4),))
    graphlet.register_op("graphlet_test::twice", shape=lambda x: x.shape)
    scaled = graphlet.register_op(
        "graphlet_test::scaled_tanh",
        schema="(Tensor x, float s) -> Tensor",
        shape=lambda x, s: torch.empty_like(x),
        impl=lambda x, s: torch.tanh(x) * s,
    )

    class Both(Twice):
        def forward(self, x):
            return scaled(super().forward(x), 0.5)

    with torch.device("meta"):
        meta = Both().eval()
    ir = graphlet.extract_ir(meta, (torch.randn(2, 4),))
    assert [n.op_type for n in ir.nodes] == [
        "aten.linear.default",
        "graphlet_test.twice.default",
        "graphlet_test.scaled_tanh.default",
    ]
    assert ir.nodes[-1].outputs[0].shape == (2, 3)
    torch.manual_seed(0)
    real = Both().eval()
    x = torch.randn(2, 4)
    ok, report = graphlet.verify_ir_with_state_dict(
        ir=ir, state_dict=real.state_dict(), original_model=real, test_inputs=(x,)
    )
    assert ok, report
    assert {e.target for e in report.native.eager} == {
        "graphlet_test.twice.default",
        "graphlet_test.scaled_tanh.default",
    }
    with pytest.raises(ValueError, match="not a qualified op name"):
        graphlet.register_op("no_namespace", shape=lambda x: x)


# --------------------------------------------------------------------------- bad files


def _write(tmp_path, data, name="bad.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_bad_files_get_a_clear_error(seed_ir, tmp_path):
    good = seed_ir.to_dict()
    cases = [
        ("{not json", r"bad.json: not JSON: line 1 column 2"),
        (
            {**good, "version": 2},
            r"bad.json: version: IR format version 2 is not supported \(this graphlet reads version 1\)",
        ),
        ({**good, "format": "onnx"}, r"bad.json: not a graphlet IR file"),
        ({k: v for k, v in good.items() if k != "nodes"}, r"bad.json: missing field 'nodes'"),
        (
            {
                **good,
                "nodes": [
                    good["nodes"][0],
                    {
                        **good["nodes"][1],
                        "outputs": [{**good["nodes"][1]["outputs"][0], "shape": [1, "a"]}],
                    },
                ],
            },
            r"bad.json: nodes\[1\].outputs\[0\].shape: expected a list of sizes",
        ),
        (
            {**good, "nodes": good["nodes"][1:]},
            r"nodes\[0\] \(relu\).inputs\[0\]: 'linear' is not defined before this node",
        ),
        (
            {**good, "graph_outputs": [{"name": "nowhere", "shape": [1], "dtype": "float32"}]},
            r"graph_outputs\[0\]: 'nowhere' is not defined",
        ),
    ]
    for data, message in cases:
        with pytest.raises(IRFormatError, match=message):
            ModelIR.load(_write(tmp_path, data))
    with pytest.raises(IRFormatError, match="missing.json: cannot read"):
        ModelIR.load(tmp_path / "missing.json")


# --------------------------------------------------------------------------- the command


def test_command_extracts_and_draws(tmp_path, monkeypatch, capsys):
    (tmp_path / "mlp_model.py").write_text(
        textwrap.dedent(
            """
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(4, 8)
                    self.relu = nn.ReLU()
                    self.fc2 = nn.Linear(8, 2)

                def forward(self, x):
                    return self.fc2(self.relu(self.fc1(x)))
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "model.json"
    assert (
        graphlet_ir.main(["extract", "mlp_model:Net", "--input-shape", "1x4", "-o", str(out)]) == 0
    )
    ir = ModelIR.load(out)
    assert ir.model_name == "Net" and [t.shape for t in ir.graph_outputs] == [(1, 2)]
    capsys.readouterr()
    assert graphlet_ir.main(["mermaid", str(out)]) == 0
    assert capsys.readouterr().out == SEED_MERMAID
    assert graphlet_ir.main(["dot", str(out), "-o", str(tmp_path / "m.dot")]) == 0
    check_dot((tmp_path / "m.dot").read_text(), ir)

    for argv, message in [
        (
            ["extract", "mlp_model:Net", "--input-shape", "1x5"],
            "extract: UnsupportedNodeError: torch.export cannot trace Net",
        ),
        (["extract", "mlp_model:Nope", "--input-shape", "1x4"], "mlp_model has no 'Nope'"),
        (["extract", "mlp_model", "--input-shape", "1x4"], "is not MODULE:CALLABLE"),
        (["extract", "mlp_model:Net", "--input-shape", "1xa"], "expected sizes joined by x"),
        (["mermaid", str(tmp_path / "mlp_model.py")], "mlp_model.py: not JSON"),
    ]:
        assert graphlet_ir.main(argv) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_loading_and_drawing_need_no_torch(seed_ir, tmp_path):
    path = tmp_path / "mlp.json"
    seed_ir.save(path)
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["torch"] = None  # as if torch were not installed
        import graphlet
        print(graphlet.ir_to_mermaid(graphlet.load_ir({str(path)!r})), end="")
        try:
            graphlet.extract_ir(None, ())
        except ModuleNotFoundError as e:
            print(e, file=sys.stderr)
        from graphlet.tools import graphlet_ir
        assert graphlet_ir.main(["extract", "m:f", "--input-shape", "1x4"]) == 1
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == SEED_MERMAID
    assert (
        "graphlet.extract_ir needs PyTorch, which is not installed: pip install 'graphlet[torch]'"
        in done.stderr
    )


def test_a_constructor_computing_with_tensors_builds_on_meta_and_extracts():
    """RegNet rounds its widths with tensors in `__init__`: under `torch.device("meta")`
    that fails (no data), so `build_on_meta` builds it with empty weights instead."""
    corpus.import_torchvision()
    from torchvision import models

    def build():
        return models.regnet_y_400mf(weights=None, num_classes=10)

    with pytest.raises(NotImplementedError, match="meta"), torch.device("meta"):
        build()
    model = graphlet.build_on_meta(build).eval()
    assert all(t.is_meta for t in [*model.parameters(), *model.buffers()])
    real = build().eval()
    assert {k: (v.shape, v.dtype) for k, v in model.state_dict().items()} == {
        k: (v.shape, v.dtype) for k, v in real.state_dict().items()
    }
    ir = graphlet.extract_ir(model, (torch.empty(1, 3, 32, 32, device="meta"),))
    assert [t.shape for t in ir.graph_outputs] == [(1, 10)]
    assert {w.name for w in ir.weights if w.persistent} == set(real.state_dict())
    # verification with these weights: test_every_corpus_model_... (GRAPHLET_CORPUS=all)
