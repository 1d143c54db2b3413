"""A seeded mutation fuzzer for graphlet-opt: `python scripts/fuzz_opt.py --runs 10000`.

A failing mutant is re-run alone with the same `--runs` and `--seed` and `--only N`.

Each run mutates one of the project's FileCheck inputs (deletes, duplicates or swaps
lines, renames values, changes types, literals, op names and block labels,
truncates) and runs graphlet-opt on it in-process with one of a few pipelines.
Every run must end in exit 0 or an error diagnostic: no "internal error", no
traceback, no signal, no run longer than --timeout seconds, and every `-t llvm`
output must be accepted by llvmlite. Each run is a forked child of one process that
has imported graphlet, so a signal or a hang is caught and classified. Errors without
a `file:line:col` are counted (and listed with --verbose) but are not failures.
`tests/test_opt_trust.py` runs a small campaign (GRAPHLET_FUZZ_RUNS, default 30).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pickle
import random
import re
import select
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "filecheck"

PIPELINES: tuple[tuple[str, ...], ...] = (
    (),
    ("--print-op-generic",),
    ("-p", "graphlet-optimize"),
    ("-p", "lower-to-llvm"),
    ("-p", "lower-to-llvm", "-t", "llvm"),
    ("-p", "graphlet-optimize,lower-to-llvm", "-t", "llvm"),
    ("-p", "lower-tensors-to-llvm", "-t", "llvm"),
    ("-p", "canonicalize,cse,dce"),
    ("--verify-roundtrip",),
    (
        "--pass-pipeline=builtin.module(func.func(canonicalize,cse))",
        "--mlir-print-ir-before-all",
        "--mlir-print-ir-after-all",
        "--mlir-print-ir-after-change",
    ),
    ("-p", "graphlet-optimize,lower-to-llvm", "--mlir-print-ir-after-failure"),
)

_VALUE = re.compile(r"%[A-Za-z0-9_]+")
_BLOCK = re.compile(r"\^[A-Za-z0-9_]+")
_TYPE = re.compile(r"\b(?:i1|i8|i32|i64|f32|f64|index)\b|(?:tensor|memref|vector)<[^<>]*>")
_INT = re.compile(r"(?<![%^@\w.])-?\d+(?![.\w])")
_FLOAT = re.compile(r"(?<![%^@\w])-?\d+\.\d*(?:e[+-]?\d+)?")
_OP = re.compile(r"\b[a-z_]+\.[a-z_.]+\b")
TYPES = (
    "i1",
    "i8",
    "i32",
    "i64",
    "i128",
    "f32",
    "f64",
    "index",
    "vector<4xf64>",
    "tensor<2x3xf64>",
    "memref<4xf64>",
    "tensor<2xtensor<2xf64>>",
)
INTS = ("0", "-1", "1", "2", "63", "64", "9223372036854775807", "-9223372036854775808")
INTS += ("18446744073709551616", str(2**100), "0x7FF0000000000001", "0xFFFFFFFFFFFFFFFFFF")
FLOATS = ("0.0", "-0.0", "1e308", "-1e308", "1.0e-320", "0x7FF8000000000000", "3.5")


def corpus(root: Path = CORPUS) -> list[str]:
    return [p.read_text() for p in sorted(root.rglob("*.mlir")) if "Output" not in p.parts]


def _swap_tokens(pattern: re.Pattern[str], choices: Callable[[list[str]], str]) -> Mutation:
    def mutate(text: str, rng: random.Random) -> str:
        found = list(pattern.finditer(text))
        if not found:
            return text
        m = rng.choice(found)
        return text[: m.start()] + choices([f.group(0) for f in found]) + text[m.end() :]

    return mutate


Mutation = Callable[[str, random.Random], str]


def mutations(rng: random.Random) -> list[Mutation]:
    def lines(fn: Callable[[list[str]], None]) -> Mutation:
        def mutate(text: str, _: random.Random) -> str:
            body = text.splitlines()
            if len(body) > 1:
                fn(body)
            return "\n".join(body) + "\n"

        return mutate

    def delete(body: list[str]) -> None:
        del body[rng.randrange(len(body))]

    def duplicate(body: list[str]) -> None:
        i = rng.randrange(len(body))
        body.insert(rng.randrange(len(body)), body[i])

    def swap(body: list[str]) -> None:
        i, j = rng.randrange(len(body)), rng.randrange(len(body))
        body[i], body[j] = body[j], body[i]

    def truncate(text: str, _: random.Random) -> str:
        return text[: rng.randrange(len(text) + 1)]

    def delete_char(text: str, _: random.Random) -> str:
        i = rng.randrange(len(text)) if text else 0
        return text[:i] + text[i + 1 :]

    def nest(text: str, _: random.Random) -> str:
        depth = rng.choice((10, 200, 1000))
        inner = "scf.execute_region {\n" * depth + "scf.yield\n}\n" * depth
        return f"func.func @deep() {{\n{inner}func.return\n}}\n" + text

    return [
        lines(delete),
        lines(duplicate),
        lines(swap),
        truncate,
        delete_char,
        nest,
        _swap_tokens(_VALUE, rng.choice),
        _swap_tokens(_BLOCK, rng.choice),
        _swap_tokens(_TYPE, lambda _: rng.choice(TYPES)),
        _swap_tokens(_INT, lambda _: rng.choice(INTS)),
        _swap_tokens(_FLOAT, lambda _: rng.choice(FLOATS)),
        _swap_tokens(_OP, rng.choice),
    ]


@dataclass
class Outcome:
    kind: str
    """ok, located, unlocated, internal, bad-llvm, signal, timeout"""
    args: tuple[str, ...]
    detail: str = ""
    seconds: float = 0.0


FAILURES = ("internal", "bad-llvm", "signal", "timeout")


@dataclass
class Campaign:
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)
    unlocated: list[Outcome] = field(default_factory=list)
    slowest: list[tuple[float, int, Outcome]] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        internal = sum(self.counts[kind] for kind in FAILURES)
        rate = 100 * internal / max(self.runs, 1)
        return f"{self.runs} runs: {parts}; internal-error rate {rate:.2f}%"


def run_tool(path: str, args: tuple[str, ...]) -> tuple[int, str, str]:
    """graphlet-opt in this process: (exit status, stdout, stderr)."""
    from graphlet.tools.graphlet_opt import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([path, *args])
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # an escaping exception is the finding
            return 3, out.getvalue(), f"{type(e).__name__}: {e}"
    return status, out.getvalue(), err.getvalue()


_INTERNAL = re.compile(r"^(?:[^\s:]*: )?internal error(?: \(while running [^)]*\))?: ", re.M)
"""graphlet's internal-error line, not a source line a parse error quotes (a mutant of a
test with `// CHECK-NOT: internal error` is not one)."""


def classify(args: tuple[str, ...], status: int, out: str, err: str) -> Outcome:
    traceback = "Traceback (most recent call last)"  # not the word quoted from the input
    if status not in (0, 1) or _INTERNAL.search(err) or traceback in err + out:
        return Outcome("internal", args, err.strip()[-2000:])
    if status == 1:
        located = re.search(r":\d+:\d+", err) is not None
        return Outcome("located" if located else "unlocated", args, err.strip()[:300])
    if "-t" in args and args[args.index("-t") + 1] == "llvm":
        import llvmlite.binding as llvm

        try:
            llvm.parse_assembly(out).verify()
        except RuntimeError as e:
            return Outcome("bad-llvm", args, str(e)[:2000])
    return Outcome("ok", args)


def run_forked(path: str, args: tuple[str, ...], timeout: float) -> Outcome:
    """One run in a forked child, so that a signal or a hang is an outcome, not the end."""
    start = time.monotonic()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, classify, send the outcome back, exit without cleanup
        os.close(read_end)
        try:
            data = pickle.dumps(classify(args, *run_tool(path, args)))
        except BaseException as e:
            data = pickle.dumps(Outcome("internal", args, f"{type(e).__name__}: {e}"))
        with os.fdopen(write_end, "wb") as sink:
            sink.write(data)
        os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    timed_out = False
    with os.fdopen(read_end, "rb", buffering=0) as source:
        while True:
            remaining = start + timeout - time.monotonic()
            if remaining <= 0 or not select.select([source], [], [], remaining)[0]:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = source.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - start
    if timed_out:
        return Outcome("timeout", args, f"no answer after {timeout:g} s", seconds)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return Outcome("signal", args, f"killed by {name}", seconds)
    if not chunks:
        return Outcome("internal", args, f"child exited {os.WEXITSTATUS(status)} silently", seconds)
    outcome: Outcome = pickle.loads(b"".join(chunks))
    outcome.seconds = seconds
    return outcome


def mutants(
    runs: int, seed: int, inputs_dir: Path | None = None
) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """The campaign's (index, mutant text, graphlet-opt options), the same for the same seed."""
    rng = random.Random(seed)
    inputs = corpus(CORPUS if inputs_dir is None else inputs_dir)
    all_mutations = mutations(rng)
    for i in range(runs):
        text = rng.choice(inputs)
        for _ in range(rng.randint(1, 3)):
            text = rng.choice(all_mutations)(text, rng)
        yield i, text, rng.choice(PIPELINES)


WARM_UP = """
func.func @f(%a: i64, %t: tensor<2xf64>) -> (i64, tensor<2xf64>) {
  %c = arith.constant 2 : i64
  %r = arith.muli %a, %c : i64
  %s = arith.addf %t, %t : tensor<2xf64>
  func.return %r, %s : i64, tensor<2xf64>
}
"""


def warm_up(scratch: str) -> None:
    """Run every pipeline once in this process, so each forked run starts with graphlet loaded."""
    path = os.path.join(scratch, "warm_up.mlir")
    Path(path).write_text(WARM_UP)
    for args in PIPELINES:
        run_tool(path, args)


def campaign(
    runs: int,
    seed: int,
    keep: Path | None = None,
    timeout: float = 60.0,
    only: frozenset[int] | None = None,
    inputs_dir: Path | None = None,
) -> Campaign:
    """Run the campaign's mutants (only those numbered in `only`, when given: a
    failing mutant is re-run as `--seed S --runs N --only I`)."""
    result = Campaign()
    with tempfile.TemporaryDirectory() as scratch:
        warm_up(scratch)
        for i, text, args in mutants(runs, seed, inputs_dir):
            if only is not None and i not in only:
                continue
            path = os.path.join(scratch, f"mutant{i}.mlir")
            Path(path).write_text(text)
            outcome = run_forked(path, args, timeout)
            result.counts[outcome.kind] += 1
            if outcome.kind in FAILURES or outcome.seconds > timeout / 10:
                print(f"mutant{i}: {outcome.kind}, {outcome.seconds:.1f} s", file=sys.stderr)
            result.slowest = sorted([*result.slowest, (outcome.seconds, i, outcome)])[-10:]
            if outcome.kind in (*FAILURES, "unlocated"):
                found = result.unlocated if outcome.kind == "unlocated" else result.failures
                found.append(outcome)
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / f"mutant{i}.mlir").write_text(text)
                    outcome.detail = f"[{keep / f'mutant{i}.mlir'}] {outcome.detail}"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", type=Path, help="save failing (and unlocated) mutants in this directory"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a run may take (default 60)"
    )
    parser.add_argument(
        "--only",
        type=lambda text: frozenset(int(i) for i in text.split(",")),
        help="re-run only these mutants of the campaign (comma-separated numbers)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="the FileCheck inputs to mutate (default tests/filecheck; another tree's, to "
        "re-run a campaign made there)",
    )
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args()
    os.environ.setdefault("GRAPHLET_CACHE", "0")
    result = campaign(
        options.runs, options.seed, options.keep, options.timeout, options.only, options.corpus
    )
    print(result.summary())
    for outcome in result.failures:
        print(f"{outcome.kind}: graphlet-opt MUTANT {' '.join(outcome.args)}\n  {outcome.detail}")
    if options.verbose:
        for outcome in result.unlocated:
            print(f"unlocated: {' '.join(outcome.args)}: {outcome.detail}")
        for seconds, i, outcome in reversed(result.slowest):
            print(f"slow: mutant{i} {seconds:.1f} s: {' '.join(outcome.args)} ({outcome.kind})")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
