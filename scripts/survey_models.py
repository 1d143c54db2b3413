"""Which ATen ops the model corpus needs: `python scripts/survey_models.py` writes
`docs/model-corpus.md`.

For every model of `tests/model_corpus.py` (`GRAPHLET_CORPUS=full` for the bigger ones
too), graphlet's two import routes, both down to Core ATen with the ops graphlet keeps
whole (`graphlet.frontend.fx.export`):
- torch.export: `export_core_aten(model, inputs)`, what `compile_fx` compiles;
- Dynamo: `torch.compile` with an AOTAutograd backend that decomposes with
  `aot_decompositions()`, as graphlet's backend does, recording each graph Dynamo
  hands over and every graph break;
and `compile_fx(model, inputs, mode="native")`: whether graphlet compiles the whole
model natively, or the first node it refuses.
Per model: whether it exports, its node and op counts, Dynamo's graphs and breaks,
graphlet's verdict; per op: how many models need it by each route, whether it is
tagged core, and whether graphlet claims it (`tests/aten_ops.py: graphlet_claims`).
Inference only: eval mode, under `torch.no_grad()`.

    python scripts/survey_models.py                 # writes docs/model-corpus.md
    python scripts/survey_models.py --only resnet18,bert --print
    python scripts/survey_models.py --xfail-reasons # and print the corpus test's reasons
    python scripts/survey_models.py --no-graphlet   # only the routes (faster)
"""

from __future__ import annotations

import argparse
import logging
import operator
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch._dynamo
import torch.fx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphlet.frontend import fx  # noqa: E402
from graphlet.frontend.fx.backend import onednn_off  # noqa: E402
from tests import aten_ops  # noqa: E402
from tests import model_corpus as corpus  # noqa: E402

OUTPUT = ROOT / "docs" / "model-corpus.md"


@dataclass
class Route:
    """What one import route made of one model."""

    ops: Counter[str] = field(default_factory=Counter)
    """Nodes per op (`aten.add.Tensor`), over every graph of the route."""
    graphs: int = 0
    breaks: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class ModelSurvey:
    case: corpus.ModelCase
    export: Route
    dynamo: Route
    graphlet: str | None = None
    """`compile_fx(mode="native")`: "native", or the first node graphlet refuses."""
    graphlet_seconds: float = 0.0


def _graph_ops(gm: torch.fx.GraphModule, into: Counter[str]) -> None:
    """Counts the op nodes of a graph and of its subgraphs (higher-order ops)."""
    for module in gm.modules():
        if not isinstance(module, torch.fx.GraphModule):
            continue
        for node in module.graph.nodes:
            if node.op != "call_function" or node.target is operator.getitem:
                continue
            t = node.target
            if isinstance(t, torch._ops.OpOverload | torch._ops.HigherOrderOperator):
                into[str(t)] += 1
            else:
                into[f"python: {getattr(t, '__module__', '?')}.{getattr(t, '__name__', t)}"] += 1


def _error(e: BaseException) -> str:
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {first[:300]}"


def survey_export(
    model: torch.nn.Module, inputs: tuple[torch.Tensor, ...]
) -> tuple[Route, torch.export.ExportedProgram | None]:
    route = Route()
    program = None
    start = time.process_time()
    try:
        with torch.no_grad():
            program = fx.export_core_aten(model, inputs)
        _graph_ops(program.graph_module, route.ops)
        route.graphs = 1
    except Exception as e:
        route.error = _error(e)
    route.seconds = time.process_time() - start
    return route, program


def survey_dynamo(
    model: torch.nn.Module, inputs: tuple[torch.Tensor, ...], case: corpus.ModelCase
) -> Route:
    from torch._dynamo.backends.common import aot_autograd
    from torch._dynamo.utils import counters
    from torch._functorch.aot_autograd import make_boxed_func

    route = Route()

    def record(gm: torch.fx.GraphModule, example_inputs: list[torch.Tensor]) -> object:
        route.graphs += 1
        _graph_ops(gm, route.ops)
        return make_boxed_func(gm.forward)

    backend = aot_autograd(fw_compiler=record, decompositions=fx.aot_decompositions())
    # as graphlet's backend traces: oneDNN off, so LSTM is its cell's ops and not
    # oneDNN's opaque `mkldnn_rnn_layer`
    backend = _onednn_off(backend)
    torch._dynamo.reset()
    counters.clear()
    start = time.process_time()
    try:
        with corpus.dynamo_config(case), torch.no_grad():
            torch.compile(model, backend=backend)(*inputs)
        # A graph break splits the model; "unimplemented" is Dynamo giving up on a
        # frame (or part of one), which then runs eagerly.
        route.breaks = [
            f"{reason.strip().splitlines()[0]}" + (f" (x{n})" if n > 1 else "")
            for key in ("graph_break", "unimplemented")
            for reason, n in counters[key].items()
        ]
    except Exception as e:
        route.error = _error(e)
    route.seconds = time.process_time() - start
    torch._dynamo.reset()
    return route


def _onednn_off(backend: Any) -> Any:
    def compile_with_onednn_off(gm: torch.fx.GraphModule, inputs: list[Any]) -> Any:
        with onednn_off():
            return backend(gm, inputs)

    return compile_with_onednn_off


def survey_graphlet(
    model: torch.nn.Module,
    program: torch.export.ExportedProgram | None,
    inputs: tuple[torch.Tensor, ...],
) -> tuple[str, float]:
    """`native` when `compile_fx(mode="native")` compiles every node and the result
    matches eager, else what stopped it (the first node it refuses). It compiles the
    export route's program when there is one (the same graph; no second export)."""
    import graphlet

    start = time.process_time()
    try:
        with torch.no_grad():
            expected = model(*inputs)
            compiled = graphlet.compile_fx(program or model, inputs, mode="native")
            actual = compiled(*inputs)
        report = compiled.report()
        if not report.all_native:
            verdict = str(report).splitlines()[0]
        else:
            torch.testing.assert_close(actual, expected, rtol=1e-3, atol=1e-3)
            verdict = "native"
    except fx.UnsupportedNodeError as e:
        verdict = _refusal(str(e))
    except Exception as e:
        verdict = _error(e)
    return verdict, time.process_time() - start


def _refusal(message: str) -> str:
    """'refuses <op>: <reason>' from "graphlet cannot compile node 'x' (call_function
    <op>) at <file:line: code>: <reason>"; other messages as they are."""
    match = re.match(r"graphlet cannot compile node '[^']*' \(\w+ ([^)]*)\) at ", message)
    if match is None:
        return message.splitlines()[0][:200] if message else "UnsupportedNodeError"
    return f"refuses {match.group(1)}: {message.rsplit(': ', 1)[-1][:150]}"


def survey(
    cases: list[corpus.ModelCase], verbose: bool, with_graphlet: bool = True
) -> list[ModelSurvey]:
    results = []
    for case in cases:
        missing = corpus.missing_package(case)
        if missing:
            print(f"{case.name}: skipped, {missing} is not installed", file=sys.stderr)
            continue
        model, inputs = corpus.build(case)
        exported, program = survey_export(model, inputs)
        result = ModelSurvey(case, exported, survey_dynamo(model, inputs, case))
        if with_graphlet:
            result.graphlet, result.graphlet_seconds = survey_graphlet(model, program, inputs)
        results.append(result)
        if verbose:
            e, d = result.export, result.dynamo
            print(
                f"{case.name:30s} export {'ok' if not e.error else 'FAILS'} "
                f"{sum(e.ops.values()):4d} nodes {e.seconds:5.1f}s | dynamo {d.graphs} graphs "
                f"{len(d.breaks)} breaks {'' if not d.error else 'FAILS '}{d.seconds:5.1f}s"
                f" | graphlet: {(result.graphlet or '-')[:60]}",
                file=sys.stderr,
                flush=True,
            )
    return results


# --------------------------------------------------------------------------- the report


def _resolve(name: str) -> torch._ops.OpOverload | None:
    namespace, _, rest = name.partition(".")
    base, _, overload = rest.partition(".")
    packet = getattr(getattr(torch.ops, namespace, None), base, None)
    op = getattr(packet, overload or "default", None) if packet is not None else None
    return op if isinstance(op, torch._ops.OpOverload) else None


def _op_facts(names: set[str]) -> dict[str, tuple[str, str]]:
    """Per op: (core?, graphlet?) as table cells."""
    resolved = {n: _resolve(n) for n in names}
    claimed = aten_ops.graphlet_claims(op for op in resolved.values() if op is not None)
    facts = {}
    for name, op in resolved.items():
        if op is None:
            facts[name] = ("", "")
        else:
            facts[name] = (
                "core" if aten_ops.is_core(op) else "**not core**",
                "yes" if op in claimed else "",
            )
    return facts


def _models_per_op(results: list[ModelSurvey], route: str) -> Counter[str]:
    count: Counter[str] = Counter()
    for r in results:
        count.update(set(getattr(r, route).ops))
    return count


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report(results: list[ModelSurvey], full: bool) -> str:
    n = len(results)
    exported = [r for r in results if not r.export.error]
    one_graph = [
        r for r in results if not r.dynamo.error and r.dynamo.graphs == 1 and not r.dynamo.breaks
    ]
    by_export = _models_per_op(results, "export")
    by_dynamo = _models_per_op(results, "dynamo")
    nodes = Counter()
    for r in results:
        nodes.update(r.export.ops)
        nodes.update(r.dynamo.ops)
    names = set(by_export) | set(by_dynamo)
    facts = _op_facts(names)
    claimed = {name for name, (_, g) in facts.items() if g}

    def missing(ops: Counter[str]) -> list[str]:
        return sorted(op for op in ops if op not in claimed)

    native_ready = [r for r in exported if not missing(r.export.ops)]
    native = [r for r in results if r.graphlet == "native"]
    lines = [
        "# The model corpus and the ATen ops it needs",
        "",
        "Written by `python scripts/survey_models.py`"
        + (" with `GRAPHLET_CORPUS=full`" if full else "")
        + "; do not edit by hand. The models are `tests/model_corpus.py`'s"
        + (
            " (all of them)."
            if full
            else " (the default set; `GRAPHLET_CORPUS=full` adds the bigger ones)."
        ),
        f"torch {torch.__version__}, torchvision {_version('torchvision')}, "
        f"transformers {_version('transformers')}.",
        "",
        "graphlet's two routes to Core ATen (PyTorch's decompositions without the ops",
        "graphlet keeps whole, `graphlet/frontend/fx/export.py`), for inference (eval mode,",
        "`torch.no_grad()`):",
        "- **export**: `export_core_aten(model, inputs)`, what `graphlet.compile_fx` compiles;",
        "- **Dynamo**: `torch.compile` with an AOTAutograd backend and `aot_decompositions()`,",
        "  as graphlet's backend, one or more graphs per model;",
        '- **graphlet**: `graphlet.compile_fx(model, inputs, mode="native")`: native (every',
        "  node compiled, outputs match eager), or the first node graphlet refuses. The corpus",
        "  test (`tests/test_model_corpus.py`) asserts the same through both entry points.",
        "",
        f"- {n} models; {len(exported)} export; {len(one_graph)} give Dynamo one whole graph "
        "(no graph break, nothing Dynamo gives up on and runs eagerly).",
        f"- {len(names)} distinct ops; graphlet claims {len(claimed)} of them "
        "(`graphlet.frontend.fx.SUPPORTED_OPS`, read by `tests/aten_ops.py`).",
        f"- Models whose every exported op graphlet claims: {len(native_ready)}"
        + (f" ({', '.join(r.case.name for r in native_ready)})" if native_ready else "")
        + ". Claimed is not yet working: see `tests/test_aten_ops.py`.",
    ]
    if any(r.graphlet is not None for r in results):
        lines.append(
            f"- Models graphlet compiles natively: {len(native)}"
            + (f" ({', '.join(r.case.name for r in native)})" if native else "")
            + "."
        )
    lines += [
        "",
        "## Models",
        "",
        "| model | family | export | nodes | ops | Dynamo graphs | Dynamo breaks "
        "| ops graphlet lacks (export) | graphlet |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        e, d = r.export, r.dynamo
        lacks = missing(e.ops)
        lines.append(
            f"| {r.case.name} | {r.case.family} | {'yes' if not e.error else '**fails**'} "
            f"| {sum(e.ops.values())} | {len(e.ops)} "
            f"| {d.graphs if not d.error else '**fails**'} | {len(d.breaks)} "
            f"| {len(lacks)}: {', '.join(o.removeprefix('aten.') for o in lacks)} "
            f"| {_cell(r.graphlet or '')} |"
        )
    failures = [r for r in results if r.export.error or r.dynamo.error or r.dynamo.breaks]
    if failures:
        lines += ["", "## Export failures, graph breaks, what Dynamo does not trace", ""]
        for r in failures:
            if r.export.error:
                lines.append(f"- **{r.case.name}**, export: {_cell(r.export.error)}")
            if r.dynamo.error:
                lines.append(f"- **{r.case.name}**, Dynamo: {_cell(r.dynamo.error)}")
            for b in r.dynamo.breaks:
                lines.append(f"- **{r.case.name}**, Dynamo: {_cell(b)}")
    differ = sorted(set(by_export) ^ set(by_dynamo))
    lines += [
        "",
        "## Ops, by how many models need them",
        "",
        '"models" counts the models whose graph has the op at least once; "nodes" counts',
        'its nodes over both routes. "not core": an op that is not tagged `torch.Tag.core`',
        "but is left in the graph by the decompositions all the same.",
        "",
        "| op | models (export) | models (Dynamo) | nodes | Core ATen | graphlet claims |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name in sorted(names, key=lambda o: (-max(by_export[o], by_dynamo[o]), o)):
        core, graphlet = facts[name]
        lines.append(
            f"| `{name}` | {by_export[name]} | {by_dynamo[name]} | {nodes[name]} | {core} | {graphlet} |"
        )
    if differ:
        lines += [
            "",
            "Ops that only one route produces: "
            + ", ".join(f"`{o}` ({'export' if o in by_export else 'Dynamo'})" for o in differ)
            + ".",
        ]
    lines += [
        "",
        "## Time",
        "",
        "CPU seconds on this machine, per model: export + decompositions, Dynamo +",
        'AOTAutograd, and graphlet\'s `compile_fx(mode="native")` of the exported program',
        "(import, and for a native model compile and run; it stops at the first node it",
        "refuses).",
        "",
        "| model | export s | Dynamo s | graphlet s |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.case.name} | {r.export.seconds:.1f} | {r.dynamo.seconds:.1f} "
        f"| {r.graphlet_seconds:.1f} |"
        for r in results
    ]
    lines.append(
        f"| total | {sum(r.export.seconds for r in results):.0f} "
        f"| {sum(r.dynamo.seconds for r in results):.0f} "
        f"| {sum(r.graphlet_seconds for r in results):.0f} |"
    )
    return "\n".join(lines) + "\n"


def xfail_reasons(results: list[ModelSurvey]) -> str:
    """The corpus test's `NOT_NATIVE_YET` table: per model, the ops graphlet lacks on
    the Core ATen route, and what stops Dynamo from handing over one whole graph."""
    names = set()
    for r in results:
        names |= set(r.export.ops) | set(r.dynamo.ops)
    facts = _op_facts(names)
    lines = ["NOT_NATIVE_YET: dict[str, str] = {"]
    for r in results:
        notes = []
        if r.export.error:
            notes.append(f"torch.export fails: {r.export.error[:80]}")
        lacks = sorted(
            {o.removeprefix("aten.") for o in r.export.ops | r.dynamo.ops if not facts[o][1]}
        )
        if r.graphlet == "native":
            notes.append("native through compile_fx (promote it there)")
        else:
            notes.append(f"needs {', '.join(lacks)}" if lacks else "every op claimed")
            refused_other = r.graphlet and not any(f"aten.{o}:" in r.graphlet for o in lacks)
            if refused_other:
                notes.append(str(r.graphlet))
        if r.dynamo.error:
            notes.append(f"Dynamo fails: {r.dynamo.error[:80]}")
        notes += [f"Dynamo: {b[:80]}" for b in r.dynamo.breaks]
        lines.append(f"    {r.case.name!r}: {'; '.join(notes)!r},")
    lines.append("}")
    return "\n".join(lines)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated model names")
    parser.add_argument("--print", action="store_true", help="print instead of writing the doc")
    parser.add_argument(
        "--xfail-reasons",
        action="store_true",
        help="also print the corpus test's NOT_NATIVE_YET table",
    )
    parser.add_argument(
        "--no-graphlet", action="store_true", help="survey the routes only, not graphlet"
    )
    args = parser.parse_args()
    logging.getLogger("torch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    cases = corpus.cases()
    if args.only:
        wanted = args.only.split(",")
        cases = [corpus.case(name) for name in wanted]
    try:
        results = survey(cases, verbose=True, with_graphlet=not args.no_graphlet)
    except Exception:
        traceback.print_exc()
        raise SystemExit(1) from None
    if args.xfail_reasons:
        print(xfail_reasons(results))
    text = report(results, corpus.FULL)
    if args.print or args.only:
        print(text)
    else:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
