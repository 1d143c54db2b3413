"""Every Core ATen op and what graphlet does with it: `python scripts/core_aten_table.py`
writes `docs/core-aten-ops.md`.

Rows: every ATen overload tagged `torch.Tag.core` in the installed torch, then the ops
that are not tagged core but that the model corpus's graphs contain after
decomposition all the same (read from `docs/model-corpus.md`, which
`scripts/survey_models.py` writes), then the backward ops not tagged core that
graphlet takes in training graphs (AOTAutograd's backward graphs carry them). Status:
- **supported**: graphlet claims it (its registry, read by `tests/aten_ops.py:
  graphlet_claims`; claimed ops are checked against PyTorch by `tests/test_aten_ops.py`);
- **decomposed**: torch.export's default decomposition table (the one
  `run_decompositions()` and `core_aten_decompositions()` use) rewrites it into other
  ops, so a backend never receives it; or, for a backward op, graphlet's own
  (`graphlet/frontend/fx/backward_decompositions.py`) does;
- **refused**: neither, with the reason.
Run it again whenever graphlet's registry changes; it takes a few seconds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphlet.frontend.fx.backward_decompositions import backward_decompositions  # noqa: E402
from tests import aten_ops  # noqa: E402

OUTPUT = ROOT / "docs" / "core-aten-ops.md"
SURVEY = ROOT / "docs" / "model-corpus.md"
_SURVEY_ROW = re.compile(
    r"^\| `(?P<op>[\w.]+)` \| (?P<export>\d+) \| (?P<dynamo>\d+) \| \d+ \| (?P<core>[^|]*)\|"
)


def corpus_counts() -> tuple[dict[str, int], set[str]]:
    """Per op, how many corpus models need it (either route), and the ops that are
    not core, from the survey's table; empty when the survey has not been written."""
    counts: dict[str, int] = {}
    not_core: set[str] = set()
    if not SURVEY.exists():
        return counts, not_core
    for line in SURVEY.read_text().splitlines():
        m = _SURVEY_ROW.match(line)
        if m:
            counts[m["op"]] = max(int(m["export"]), int(m["dynamo"]))
            if "not core" in m["core"]:
                not_core.add(m["op"])
    return counts, not_core


def _resolve(name: str) -> torch._ops.OpOverload | None:
    namespace, _, rest = name.partition(".")
    base, _, overload = rest.partition(".")
    packet = getattr(getattr(torch.ops, namespace, None), base, None)
    op = getattr(packet, overload or "default", None) if packet is not None else None
    return op if isinstance(op, torch._ops.OpOverload) else None


def refusal(op: torch._ops.OpOverload) -> str:
    """Why graphlet does not take an op it does not claim (its registry gives no
    reasons yet: these name the kind of op)."""
    name = op.overloadpacket.__name__
    if name.startswith("sym_"):
        return "symbolic size or stride query (dynamic shapes), not a tensor op"
    if torch.Tag.nondeterministic_seeded in op.tags:
        return "random: not implemented (eager's generator stream is not reproduced)"
    if "backward" in name:
        return (
            "backward op: not implemented yet (graphlet compiles training graphs; in one, "
            "this node runs in PyTorch between native kernels)"
        )
    if name in ("_local_scalar_dense", "item"):
        return "data-dependent scalar: not implemented"
    if name.startswith("_fft"):
        return "complex tensors: graphlet's tensors are f32/f64/i64/bool"
    if name == "nonzero":
        return "data-dependent output shape: graphlet compiles static shapes"
    if name == "resize_":
        return "resizes a tensor's storage in place: no functional meaning"
    schema = op._schema
    if any("Complex" in str(a.type) for a in schema.arguments):
        return "not implemented (complex arguments)"
    return "not implemented yet"


def training_ops(rows: list[torch._ops.OpOverload]) -> list[torch._ops.OpOverload]:
    """The backward ops (default overloads) not in `rows` that graphlet claims or
    decomposes itself: those a training graph reaches it with beyond Core ATen."""
    ours = set(backward_decompositions())
    candidates = [
        op
        for op in aten_ops.aten_overloads()
        if op._overloadname == "default"
        and "backward" in op.overloadpacket.__name__
        and op not in rows
    ]
    taken = aten_ops.graphlet_claims(candidates) | (ours & set(candidates))
    return sorted(taken, key=aten_ops.op_name)


def table() -> str:
    counts, seen_not_core = corpus_counts()
    core = aten_ops.core_aten_ops()
    extra = [op for name in sorted(seen_not_core) if (op := _resolve(name)) is not None]
    rows = [*core, *(op for op in extra if op not in core)]
    seen = len(rows)
    rows += training_ops(rows)
    claimed = aten_ops.graphlet_claims(rows)
    decomposed = aten_ops.export_decompositions()
    ours = set(backward_decompositions())
    statuses = {}
    for op in rows:
        name = aten_ops.op_name(op)
        if op in claimed:
            statuses[op] = ("supported", "")
        elif name in decomposed:
            statuses[op] = ("decomposed", "by torch.export's default table")
        elif op in ours:
            statuses[op] = ("decomposed", "by graphlet's backward decompositions (training)")
        else:
            statuses[op] = ("refused", refusal(op))
    total = {
        s: sum(1 for v in statuses.values() if v[0] == s)
        for s in ("supported", "decomposed", "refused")
    }
    lines = [
        "# Core ATen ops in graphlet",
        "",
        "Written by `python scripts/core_aten_table.py`; do not edit by hand.",
        f"torch {torch.__version__}: {len(core)} overloads tagged `torch.Tag.core`, then "
        f"{seen - len(core)} that are not tagged core but that the model corpus's",
        "graphs contain after decomposition (see [model-corpus.md](model-corpus.md)), then",
        f"{len(rows) - seen} backward ops not tagged core that graphlet takes in training graphs",
        "(AOTAutograd's backward graphs carry them; `tests/test_fx_training.py`).",
        "",
        "- **supported**: graphlet claims the op (its op registry; `tests/test_aten_ops.py`",
        "  checks each claimed op against PyTorch's OpInfo samples, natively);",
        "- **decomposed**: torch.export's default decomposition table rewrites it into other",
        "  ops, so graphlet never receives it (a backward op: graphlet's own, in",
        "  `backward_decompositions.py`, when AOTAutograd traces a training graph);",
        "- **refused**: neither, with the reason.",
        "",
        f"Today: {total['supported']} supported, {total['decomposed']} decomposed, "
        f'{total["refused"]} refused. "models": how many models of the corpus need the op.',
        "",
        "| op | Core ATen | models | status | reason |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for op in rows:
        name = aten_ops.op_name(op)
        status, reason = statuses[op]
        lines.append(
            f"| `{name}` | {'core' if aten_ops.is_core(op) else 'not core'} "
            f"| {counts.get(name, '')} | {status} | {reason} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    OUTPUT.write_text(table())
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
