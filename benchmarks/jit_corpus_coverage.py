"""What share of the `@graphlet.jit` differential corpus runs in native code.

    python -m benchmarks.jit_corpus_coverage     # writes benchmarks/results/jit-coverage.<time>.md
                                                 # (--replace: jit-coverage.md)

Every case of `tests/test_jit_corpus.py` is called on the same generated inputs
(a fixed seed, `EXAMPLES` per case) through one jitted function; a call counts as
native when it reached compiled code and did not hand back to CPython. The table
gives, per construct group, the calls and functions that ran natively.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import random
import sys
import warnings
from collections import defaultdict
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]  # this tree's graphlet and corpus

import graphlet  # noqa: E402
from benchmarks.results_file import add_replace_flag, write_results  # noqa: E402

EXAMPLES = 30
RESULT = os.path.join(ROOT, "benchmarks", "results", "jit-coverage.md")


def _group(name: str) -> str:
    for prefix, group in (
        ("builtin", "builtins"),
        ("closure", "closures"),
        ("comp_", "comprehensions and generators"),
        ("gen_", "comprehensions and generators"),
        ("set_comprehension", "comprehensions and generators"),
        ("tuple", "tuples"),
        ("nbody", "tuples"),
        ("body", "tuples"),
        ("none", "None / Optional"),
        ("optional", "None / Optional"),
        ("uses_optional", "None / Optional"),
        ("returns_none", "None / Optional"),
        ("list", "lists"),
        ("complex", "complex"),
        ("string", "strings"),
        ("mixed", "mixed types on paths"),
        ("int_or_float", "mixed types on paths"),
        ("uses_int_or_float", "mixed types on paths"),
        ("type_changes", "mixed types on paths"),
        ("returns_bool_or_int", "mixed types on paths"),
    ):
        if name.startswith(prefix):
            return group
    return "scalars (the original corpus)"


def _native_calls(jitted: Any) -> int:
    return sum(version.calls for version in jitted.versions.values())


def main() -> None:
    from hypothesis.errors import NonInteractiveExampleWarning

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_replace_flag(parser)
    options = parser.parse_args()
    from test_jit_corpus import CASES

    warnings.simplefilter("ignore")
    random.seed(0)
    calls: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    functions: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in CASES:
        jitted = graphlet.jit(case.fn)
        group = _group(case.fn.__name__)
        ever_native = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NonInteractiveExampleWarning)
            for _ in range(EXAMPLES):
                args = tuple(s.example() for s in case.strategies)
                before = _native_calls(jitted)
                with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Exception):
                    jitted(*copy.deepcopy(args))
                native = _native_calls(jitted) == before + 1 and not jitted.last_call_handed_back
                calls[group][0] += native
                calls[group][1] += 1
                ever_native |= native
        functions[group][0] += ever_native
        functions[group][1] += 1
    lines = [
        "# `@graphlet.jit` corpus coverage",
        "",
        f"`python -m benchmarks.jit_corpus_coverage`: {EXAMPLES} generated calls per case "
        "of tests/test_jit_corpus.py; native = reached compiled code and did not hand back "
        "(calls that CPython answers with an exception hand back by design).",
        "",
        "| group | native calls | functions ever native |",
        "|---|---|---|",
    ]
    for group in sorted(calls):
        (nc, tc), (nf, tf) = calls[group], functions[group]
        lines.append(f"| {group} | {nc}/{tc} ({nc / tc:.0%}) | {nf}/{tf} |")
    nc, tc = sum(c[0] for c in calls.values()), sum(c[1] for c in calls.values())
    nf, tf = sum(f[0] for f in functions.values()), sum(f[1] for f in functions.values())
    lines.append(f"| **all** | **{nc}/{tc} ({nc / tc:.0%})** | **{nf}/{tf}** |")
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(os.path.basename(RESULT), text, options.replace)


if __name__ == "__main__":
    main()
