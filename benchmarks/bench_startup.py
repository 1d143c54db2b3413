"""Start-up costs: `import graphlet`, and a compile against a cache hit in a new process.

Run: python -m benchmarks.bench_startup [--repeat 5]
Writes benchmarks/results/startup.md and prints it.

Each figure is the best of `--repeat` fresh processes (so disk and page caches are
warm, as on a developer's machine). `import graphlet` is timed inside the process
(wall and CPU clocks around the import) and by `python -X importtime` (its cumulative
figure for graphlet). The compile rows time the first call of three `@jit(cache=True)`
functions, one `compile_tensor_function` and one `compile_fx` of a small MLP in a
process with an empty cache (cold) and in a second process that finds the entries
(hit: no capture, no xDSL, no LLVM; `compile_fx` still exports and imports the
model). The same three kernels under `numba.njit`, first call in a fresh process, are
the comparison the compile-speed aims are set against.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "startup.md"
sys.path.insert(0, str(ROOT))

from benchmarks.results_file import add_replace_flag, write_results  # noqa: E402

KERNELS = """
import graphlet

SCALE = 3


@graphlet.jit(cache=True)
def scaled_sum(n):
    s = 0
    for i in range(n):
        s += i * SCALE
    return s


@graphlet.jit(cache=True)
def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@graphlet.jit(cache=True)
def gcd(a, b):
    while b:
        a, b = b, a % b
    return a
"""

TIMED = """
import json, sys, time
def clocks():
    return time.perf_counter(), time.process_time()
def since(start):
    return [now - then for now, then in zip(clocks(), start)]
start = clocks()
import graphlet
imported = since(start)
import kernels
calls = [(kernels.scaled_sum, (10,)), (kernels.collatz, (27,)), (kernels.gcd, (84, 36))]
seconds = []
for fn, args in calls:
    start = clocks()
    fn(*args)
    seconds.append(since(start))
    assert fn.version_for(*args).calls == 1, "the call did not run natively"
from graphlet.driver import compile_tensor_function
from graphlet.dialects import graphlet as g
from xdsl.dialects import func
from xdsl.dialects.builtin import Float64Type, ModuleOp, TensorType
from xdsl.ir import Block, Region
t = TensorType(Float64Type(), [64, 64])
block = Block(arg_types=[t, t])
ops = [g.MulOp(*block.args)]
ops.append(g.AddOp(ops[0], block.args[1]))
ops.append(g.ReluOp(ops[1]))
block.add_ops([*ops, func.ReturnOp(ops[-1].results[0])])
module = ModuleOp([func.FuncOp.from_region("k", [t, t], [t], Region(block))])
start = clocks()
kernel = compile_tensor_function(module, "k")
tensor = since(start)
fx = None
try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    from graphlet import driver
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8)).eval()
    before = driver.compile_counts().loaded
    start = clocks()
    compiled = graphlet.compile_fx(mlp, [torch.randn(4, 32)])
    fx = since(start)
    assert compiled.report().all_native
    fx_hit = driver.compile_counts().loaded > before
print(json.dumps({"import": imported, "jit": seconds, "tensor": tensor,
                  "hit": kernel.artifact.hit, "fx": fx, "fx_hit": fx is not None and fx_hit}))
"""

NUMBA_TIMED = """
import json, time
def clocks():
    return time.perf_counter(), time.process_time()
def since(start):
    return [now - then for now, then in zip(clocks(), start)]
start = clocks()
import numba
imported = since(start)
SCALE = 3
@numba.njit
def scaled_sum(n):
    s = 0
    for i in range(n):
        s += i * SCALE
    return s
@numba.njit
def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
@numba.njit
def gcd(a, b):
    while b:
        a, b = b, a % b
    return a
seconds = []
for fn, args in [(scaled_sum, (10,)), (collatz, (27,)), (gcd, (84, 36))]:
    start = clocks()
    fn(*args)
    seconds.append(since(start))
print(json.dumps({"import": imported, "jit": seconds}))
"""


def _environment(directory: Path, cache: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)]),
        "GRAPHLET_CACHE_DIR": str(cache),
    }
    for name in ("GRAPHLET_CACHE", "GRAPHLET_DEBUG"):
        environment.pop(name, None)
    return environment


def _run(directory: Path, cache: Path, script: str = TIMED) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_environment(directory, cache),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _importtime(directory: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import graphlet"],
        env=_environment(directory, directory / "unused"),
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stderr.splitlines() if x.rstrip().endswith("| graphlet"))
    return int(line.split("|")[1]) / 1e6


def measure(repeat: int) -> dict[str, list[float]]:
    """Each figure's best (wall, CPU) seconds over `repeat` rounds."""
    best: dict[str, list[float]] = {}

    def keep(name: str, clocks: list[float]) -> None:
        best[name] = [min(a, b) for a, b in zip(best.get(name, clocks), clocks)]

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "kernels.py").write_text(textwrap.dedent(KERNELS))
        for round_ in range(repeat):
            cache = directory / f"cache{round_}"
            cold, warm = _run(directory, cache), _run(directory, cache)
            assert not cold["hit"] and warm["hit"], "the second process did not hit"
            keep("import graphlet", cold["import"])
            seconds = _importtime(directory)
            keep("import graphlet (-X importtime, cumulative)", [seconds, seconds])
            keep("@jit first call, cold: first function", cold["jit"][0])
            keep("@jit first call, cold: each further function", _mean(cold["jit"][1:]))
            keep("@jit cache hit: first function in the process", warm["jit"][0])
            keep("@jit cache hit: each further function", _mean(warm["jit"][1:]))
            keep("tensor function 64x64, cold", cold["tensor"])
            keep("tensor function 64x64, cache hit", warm["tensor"])
            if cold["fx"] is not None:
                assert not cold["fx_hit"] and warm["fx_hit"], "compile_fx did not hit"
                keep("compile_fx 32-64-8 MLP, cold", cold["fx"])
                keep("compile_fx 32-64-8 MLP, cache hit (export and import still run)", warm["fx"])
            if importlib.util.find_spec("numba") is not None:
                numba = _run(directory, cache, NUMBA_TIMED)
                keep("import numba", numba["import"])
                keep("Numba first call: first function", numba["jit"][0])
                keep("Numba first call: each further function", _mean(numba["jit"][1:]))
    return best


def _mean(clocks: list[list[float]]) -> list[float]:
    return [sum(c[k] for c in clocks) / len(clocks) for k in range(2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    add_replace_flag(parser)
    options = parser.parse_args()
    best = measure(options.repeat)
    lines = [
        "# Start-up: import and cache hits",
        "",
        f"`python -m benchmarks.bench_startup --repeat {options.repeat}` on "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        "best of the runs, each in fresh processes.",
        "",
        "Wall time is what a user waits; CPU time (`time.process_time`) is the process's own",
        "work, the figure to read when other jobs share the cores. The first cache hit in a",
        "process also loads llvmlite and initialises LLVM's target, and hashes graphlet's",
        "sources once (part of every key).",
        "",
        "| figure | wall ms | CPU ms |",
        "|---|---:|---:|",
        *(f"| {name} | {wall * 1e3:.1f} | {cpu * 1e3:.1f} |" for name, (wall, cpu) in best.items()),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    write_results(RESULTS.name, text, options.replace)


if __name__ == "__main__":
    main()
