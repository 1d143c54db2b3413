"""Where a benchmark writes its table: beside the committed one unless told to replace it.

The committed `benchmarks/results/<name>.md` is the figure the docs quote, from a quiet
machine; a run on a busy laptop should not overwrite it by accident. So a run writes
`benchmarks/results/<name>.<date-time>.md` next to it, and `--replace` (or
`GRAPHLET_BENCH_REPLACE=1`) writes the committed file itself.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def add_replace_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replace",
        action="store_true",
        default=os.environ.get("GRAPHLET_BENCH_REPLACE") == "1",
        help=f"overwrite the committed table in {RESULTS} instead of writing a new one beside it",
    )


def write_results(name: str, text: str, replace: bool) -> Path:
    """Write `text` as the table `name` (e.g. "fx.md"); returns the path written."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    committed = RESULTS / name
    if replace or not committed.exists():
        path = committed
    else:
        stem, _, suffix = name.rpartition(".")
        path = RESULTS / f"{stem}.{time.strftime('%Y%m%d-%H%M%S')}.{suffix}"
    path.write_text(text if text.endswith("\n") else text + "\n")
    print(f"wrote {path}")
    return path
