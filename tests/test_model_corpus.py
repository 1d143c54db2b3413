"""The model corpus (`tests/model_corpus.py`) through both entry points, natively.

Each model is compiled by `graphlet.compile_fx(model, inputs, mode="native")` and by
`torch.compile(model, backend="graphlet", fullgraph=True, options={"mode": "native"})`,
run on its inputs under `torch.no_grad()`, and must match eager within the model's
tolerance. Matching is not enough: every node of every graph must have run natively,
as graphlet's own report says (`assert_all_native`); `mode="native"` makes graphlet
raise at the first node it cannot compile instead of running it in PyTorch (which
also keeps a model that is not native yet cheap to try), and `fullgraph=True` makes a
Dynamo graph break an error instead of a piece of the model run eagerly. The backend
must not warn either (it warns when it runs a graph in PyTorch).

A model not yet native is listed in `NOT_NATIVE_YET` with what it lacks and is a strict
xfail: when it starts passing, the xfail fails. To promote a model, add it to
`NATIVE[entry point]`, and drop it from `NOT_NATIVE_YET` once it is native through
both. `python scripts/survey_models.py --xfail-reasons` prints a refreshed
`NOT_NATIVE_YET`. By default only the native models run (CI's budget), and of them not
the `SLOW_NATIVE` ones, native but slow to compile, and each through one entry point
(`default_entry_point`: they alternate, so each entry point meets transformers,
recurrent and convolutional models); `GRAPHLET_CORPUS=all` runs every model through
both, and the ones not native as strict xfails; `=full` adds the bigger models.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import model_corpus as corpus  # noqa: E402

import graphlet  # noqa: E402
from graphlet.frontend.fx import Report, collect_graphs  # noqa: E402

COMPILE_FX = "compile_fx"
TORCH_COMPILE = "torch.compile"

_TRANSFORMERS_AND_NN = {
    "nn_mlp", "nn_transformer", "nn_transformer_encoder_layer", "nn_transformer_decoder_layer",
    "nn_multihead_attention", "bert", "distilbert", "albert", "electra", "gpt2", "llama",
    "mistral", "qwen2", "phi", "opt", "t5", "bart",
}  # fmt: skip
_RECURRENT = {"nn_lstm", "nn_gru", "nn_rnn_tanh", "nn_embedding_lstm_tagger"}
"""Dynamo traces these only with `torch._dynamo.config.allow_rnn` (their cases set it)."""

_CONV = {"vit", "convnext_hf", "whisper", "efficientnet_b0", "mnasnet0_5", "regnet_y_400mf"}
"""Models whose convolutions made them native: transformers with convolutional patch or
audio stems, and CNNs whose other ops (inference batch norm, activations) were native."""

_CONV_SURVEYED = {
    "resnet18", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x0_5",
    "densenet121", "convnext_tiny", "vit_tiny", "swin_tiny", "fcn_resnet18",
    "deeplabv3_mobilenet_v3_small", "lraspp_mobilenet_v3_small", "wav2vec2",
    "nn_conv2d_net", "nn_conv1d_net", "nn_conv_transpose_decoder",
}  # fmt: skip
"""Native since convolution, pooling, group_norm and upsampling (surveyed 2026-12-03
through both entry points, `docs/model-corpus.md`)."""

_INT32 = {"roberta"}
"""Native since int32 tensors (its position ids are int32 arithmetic)."""

_FULL = {
    "resnet50", "resnext50_32x4d", "mobilenet_v3_large", "googlenet", "vgg11", "alexnet",
    "fcn_resnet50", "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large",
}  # fmt: skip
"""The bigger `GRAPHLET_CORPUS=full` models, native through both entry points
(surveyed 2026-12-03, `docs/model-corpus.md` has their compile times: 25 s to 2.5 min
each, which is why only `full` runs them)."""

NATIVE: dict[str, set[str]] = {
    COMPILE_FX: _TRANSFORMERS_AND_NN | _RECURRENT | _CONV | _CONV_SURVEYED | _INT32 | _FULL | {"nn_embedding_bag"},
    TORCH_COMPILE: _TRANSFORMERS_AND_NN | _RECURRENT | _CONV | _CONV_SURVEYED | _INT32 | _FULL | {"nn_embedding_bag"},
}  # fmt: skip
"""The models that run with every node native, per entry point: their tests must pass."""

SLOW_NATIVE: set[str] = {
    "mobilenet_v2", "mobilenet_v3_small", "shufflenet_v2_x0_5", "densenet121", "convnext_tiny",
    "vit_tiny", "swin_tiny", "fcn_resnet18", "deeplabv3_mobilenet_v3_small",
    "lraspp_mobilenet_v3_small", "resnet18", "roberta", "efficientnet_b0", "mnasnet0_5",
    "regnet_y_400mf", "whisper", "t5", "bart",
}  # fmt: skip
"""Native through both entry points and must pass, but each takes tens of seconds to
compile per entry point (`docs/model-corpus.md` has the times): CI's budget runs the
cheap ones, `GRAPHLET_CORPUS=all` (or `full`) runs these too."""

NOT_NATIVE_YET: dict[str, str] = {}
"""Every other model, with what it lacks: ops graphlet does not claim on the Core ATen
route, the first node graphlet refuses when it claims every op, and what stops Dynamo
(from `scripts/survey_models.py --xfail-reasons`)."""


def default_entry_point(case: corpus.ModelCase) -> str:
    """The one entry point a model runs through by default (CI's budget): the corpus's
    models alternate, in its order, which groups them by kind."""
    return (COMPILE_FX, TORCH_COMPILE)[corpus.ALL_CASES.index(case) % 2]


def _params(entry_point: str) -> list[Any]:
    params = []
    for case in corpus.cases():
        marks = []
        missing = corpus.missing_package(case)
        if missing:
            marks.append(pytest.mark.skip(reason=f"{missing} is not installed"))
        elif case.name not in NATIVE[entry_point]:
            reason = NOT_NATIVE_YET.get(case.name, "not native yet (no reason given)")
            if corpus.NOT_NATIVE_TOO:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            else:
                marks.append(pytest.mark.skip(reason=f"{reason} (GRAPHLET_CORPUS=all runs it)"))
        elif case.name in SLOW_NATIVE and not corpus.NOT_NATIVE_TOO:
            marks.append(
                pytest.mark.skip(
                    reason="native, but slow to compile for CI's budget (GRAPHLET_CORPUS=all runs it)"
                )
            )
        elif default_entry_point(case) != entry_point and not corpus.NOT_NATIVE_TOO:
            marks.append(
                pytest.mark.skip(
                    reason=f"runs through {default_entry_point(case)} by default, CI's budget "
                    "(GRAPHLET_CORPUS=all runs it through both)"
                )
            )
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def test_every_model_is_native_or_says_what_it_lacks() -> None:
    names = {case.name for case in corpus.ALL_CASES}
    listed = set(NOT_NATIVE_YET) | NATIVE[COMPILE_FX] | NATIVE[TORCH_COMPILE]
    assert listed <= names, f"not in the corpus: {sorted(listed - names)}"
    both = NATIVE[COMPILE_FX] & NATIVE[TORCH_COMPILE]
    without_reason = names - both - set(NOT_NATIVE_YET)
    assert not without_reason, f"not native and no reason given: {sorted(without_reason)}"
    stale = both & set(NOT_NATIVE_YET)
    assert not stale, f"native through both entry points, drop from NOT_NATIVE_YET: {stale}"
    slow_but_not_native = SLOW_NATIVE - both
    assert not slow_but_not_native, (
        f"SLOW_NATIVE is for models native through both entry points: {sorted(slow_but_not_native)}"
    )
    full_only = {case.name for case in corpus.ALL_CASES if case.full_only}
    gated_twice = SLOW_NATIVE & full_only
    assert not gated_twice, f"GRAPHLET_CORPUS=full already gates these: {sorted(gated_twice)}"
    by_default = {case.name for case in corpus.ALL_CASES if not case.full_only} - SLOW_NATIVE
    assert by_default & _CONV_SURVEYED, "the default run must keep some convolutional model"
    for entry_point in (COMPILE_FX, TORCH_COMPILE):
        mine = {c.name for c in corpus.ALL_CASES if default_entry_point(c) == entry_point}
        for kind in (_TRANSFORMERS_AND_NN, _RECURRENT, _CONV | _CONV_SURVEYED):
            assert by_default & mine & kind, (
                f"{entry_point} meets no default model of {sorted(kind)}"
            )


def assert_all_native(report: Report) -> None:
    """graphlet compiled at least one graph, and ran every node of each natively."""
    assert report.graphs, "graphlet compiled no graph"
    assert report.all_native, str(report)


def _assert_matches(actual: Any, expected: Any, case: corpus.ModelCase) -> None:
    """Same structure, shapes and dtypes; values within the case's tolerance."""
    torch.testing.assert_close(actual, expected, rtol=case.rtol, atol=case.atol)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("graphlet") and r.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("case", _params(COMPILE_FX))
def test_compile_fx(case: corpus.ModelCase, caplog: pytest.LogCaptureFixture) -> None:
    model, inputs = corpus.build(case)
    caplog.set_level(logging.WARNING, logger="graphlet")
    with torch.no_grad():
        expected = model(*inputs)
        compiled = graphlet.compile_fx(model, inputs, mode="native")
        actual = compiled(*inputs)
    assert_all_native(compiled.report())
    assert not _warnings(caplog), _warnings(caplog)
    _assert_matches(actual, expected, case)


@pytest.mark.parametrize("case", _params(TORCH_COMPILE))
def test_torch_compile(case: corpus.ModelCase, caplog: pytest.LogCaptureFixture) -> None:
    model, inputs = corpus.build(case)
    caplog.set_level(logging.WARNING, logger="graphlet")
    torch._dynamo.reset()
    try:
        compiled = torch.compile(
            model, backend="graphlet", fullgraph=True, options={"mode": "native"}
        )
        with corpus.dynamo_config(case), torch.no_grad(), collect_graphs() as graphs:
            expected = model(*inputs)
            actual = compiled(*inputs)
    finally:
        torch._dynamo.reset()
    assert_all_native(Report([r for g in graphs for r in g.reports()]))
    assert not _warnings(caplog), _warnings(caplog)
    _assert_matches(actual, expected, case)
