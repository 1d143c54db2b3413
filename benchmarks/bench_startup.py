"""Start-up costs: `import graphlet`, and a compile against a cache hit in a new process.

Run: python -m benchmarks.bench_startup [--repeat 5]
Writes benchmarks/results/startup.md and prints it.

Each figure is the best of `--repeat` fresh processes (so disk and page caches are
warm, as on a developer's machine). `import graphlet` is timed inside the process
(perf_counter around the import) and by `python -X importtime` (its cumulative
figure for graphlet). The compile rows time the first call of three `@jit(cache=True)`
functions and one `compile_tensor_function` in a process with an empty cache (cold)
and in a second process that finds the entries (hit: no capture, no xDSL, no LLVM).
"""

from __future__ import annotations

import argparse
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
start = time.perf_counter()
import graphlet
imported = time.perf_counter() - start
import kernels
calls = [(kernels.scaled_sum, (10,)), (kernels.collatz, (27,)), (kernels.gcd, (84, 36))]
seconds = []
for fn, args in calls:
    start = time.perf_counter()
    fn(*args)
    seconds.append(time.perf_counter() - start)
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
start = time.perf_counter()
kernel = compile_tensor_function(module, "k")
tensor = time.perf_counter() - start
print(json.dumps({"import": imported, "jit": seconds, "tensor": tensor,
                  "hit": kernel.artifact.hit}))
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


def _run(directory: Path, cache: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", TIMED],
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


def measure(repeat: int) -> dict[str, float]:
    best: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        best[name] = min(best.get(name, value), value)

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "kernels.py").write_text(textwrap.dedent(KERNELS))
        for round_ in range(repeat):
            cache = directory / f"cache{round_}"
            cold, warm = _run(directory, cache), _run(directory, cache)
            assert not cold["hit"] and warm["hit"]
            keep("import graphlet (in process)", min(cold["import"], warm["import"]))
            keep("import graphlet (-X importtime)", _importtime(directory))
            keep("@jit first call, cold (mean of 3 functions)", sum(cold["jit"]) / 3)
            keep("@jit first call, cache hit (mean of 3 functions)", sum(warm["jit"]) / 3)
            keep("@jit first call, cache hit (slowest function)", max(warm["jit"]))
            keep("tensor function 64x64, cold", cold["tensor"])
            keep("tensor function 64x64, cache hit", warm["tensor"])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    best = measure(options.repeat)
    lines = [
        "# Start-up: import and cache hits",
        "",
        f"`python -m benchmarks.bench_startup --repeat {options.repeat}` on "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        "best of the runs, each in fresh processes.",
        "",
        "| figure | ms |",
        "|---|---:|",
        *(f"| {name} | {seconds * 1e3:.1f} |" for name, seconds in best.items()),
        "",
    ]
    text = "\n".join(lines)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
