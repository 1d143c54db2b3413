"""Compile time per stage, and native call latency.

Run: python -m benchmarks.bench_compile [--sizes 10 100 1000 10000] [--repeat 3]
Writes benchmarks/results/compile.md and prints it.

Each generated function has N graphlet ops (int and float arithmetic, comparisons,
selects, foldable constants, some dead code), built in memory with xDSL's Builder: the
stages never print and re-parse. Stages: build (IR construction + verify),
optimize (`graphlet-optimize`), lower (`lower-to-llvm`), llvm (LLVM IR text, llvmlite
parse, O2, MCJIT), with the garbage collector paused as the driver pauses it. The
best of `--repeat` runs is reported, so growth with N shows.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import timeit
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xdsl.builder import Builder, InsertPoint
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region, SSAValue

from benchmarks.results_file import add_replace_flag, write_results
from graphlet.backend.jit import JitEngine
from graphlet.backend.llvm_ir import emit_llvm_ir
from graphlet.dialects import graphlet as g
from graphlet.driver import compile_native
from graphlet.driver.core import collector_paused
from graphlet.lowering.lower_to_llvm import LowerToLLVMPass
from graphlet.registry import make_context
from graphlet.transforms.graphlet_optimize import GraphletOptimizePass

RESULTS = Path(__file__).parent / "results" / "compile.md"


def generate(n_ops: int, seed: int = 0) -> ModuleOp:
    """A function `f(a: i64, b: i64, x: f64, y: f64) -> (i64, f64)` of about n_ops ops.

    Each new value combines the newest computed value of its type with an older value or
    a constant, so every op feeds the results and stays live."""
    rng = random.Random(seed)
    block = Block(arg_types=[g.INT, g.INT, g.FLOAT, g.FLOAT])
    builder = Builder(InsertPoint.at_end(block))
    ints: list[SSAValue] = list(block.args[:2])
    floats: list[SSAValue] = list(block.args[2:])
    int_ops = (g.AddOp, g.SubOp, g.MulOp, g.MaxOp)
    float_ops = (g.AddOp, g.SubOp, g.MulOp, g.MinOp)

    def older(values: list[SSAValue]) -> SSAValue:
        return rng.choice(values[-9:-1])

    emitted = 0
    while emitted < n_ops:
        choice = rng.random()
        if choice < 0.1:
            ints.insert(-1, builder.insert(g.ConstantOp.from_value(rng.randint(1, 9))).result)
        elif choice < 0.15:
            floats.insert(-1, builder.insert(g.ConstantOp.from_value(rng.uniform(0.5, 2.0))).result)
        elif choice < 0.55:
            op = rng.choice(int_ops)(ints[-1], older(ints))
            ints.append(builder.insert(op).result)
        elif choice < 0.9:
            op = rng.choice(float_ops)(floats[-1], older(floats))
            floats.append(builder.insert(op).result)
        else:
            cmp = builder.insert(g.CmpOp("lt", floats[-1], older(floats)))
            sel = builder.insert(g.SelectOp(cmp.result, floats[-1], older(floats)))
            floats.append(sel.result)
            emitted += 1
        emitted += 1
    builder.insert(func.ReturnOp(ints[-1], floats[-1]))
    function = func.FuncOp.from_region("f", [*block.arg_types], [g.INT, g.FLOAT], Region(block))
    return ModuleOp([function])


def measure_once(n_ops: int) -> dict[str, float]:
    with collector_paused():  # as in `driver.compile` and `@jit`'s capture
        return _measure_once(n_ops)


def _measure_once(n_ops: int) -> dict[str, float]:
    ctx = make_context()
    times: dict[str, float] = {}
    start = perf_counter()
    module = generate(n_ops)
    module.verify()
    times["build"] = perf_counter() - start
    start = perf_counter()
    GraphletOptimizePass().apply(ctx, module)
    times["optimize"] = perf_counter() - start
    times["ops after optimize"] = sum(1 for _ in module.walk())
    start = perf_counter()
    LowerToLLVMPass().apply(ctx, module)
    times["lower"] = perf_counter() - start
    start = perf_counter()
    engine = JitEngine(emit_llvm_ir(module))
    engine.address("f")
    times["llvm"] = perf_counter() - start
    return times


def measure(n_ops: int, repeat: int) -> dict[str, float]:
    runs = [measure_once(n_ops) for _ in range(repeat)]
    return {key: min(run[key] for run in runs) for key in runs[0]}


def call_latency() -> tuple[float, float]:
    """Seconds per call of a native `add(a, b)` and of the plain Python function."""
    ctx = make_context()
    block = Block(arg_types=[g.INT, g.INT])
    builder = Builder(InsertPoint.at_end(block))
    total = builder.insert(g.AddOp(block.args[0], block.args[1])).result
    builder.insert(func.ReturnOp(total))
    module = ModuleOp([func.FuncOp.from_region("add", [g.INT, g.INT], [g.INT], Region(block))])
    del ctx
    native_add = compile_native(module)["add"]

    def python_add(a: int, b: int) -> int:
        return a + b

    assert native_add(40, 2) == python_add(40, 2) == 42
    number = 100_000
    native = min(timeit.repeat(lambda: native_add(40, 2), number=number, repeat=5)) / number
    python = min(timeit.repeat(lambda: python_add(40, 2), number=number, repeat=5)) / number
    return native, python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    add_replace_flag(parser)
    args = parser.parse_args()

    lines = [
        f"# Compile time per stage ({platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, best of {args.repeat})",
        "",
        "| ops | build ms | optimize ms | lower ms | llvm ms | total ms | µs/op | ops after optimize |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in args.sizes:
        t = measure(n, args.repeat if n < 10000 else 1)
        total = t["build"] + t["optimize"] + t["lower"] + t["llvm"]
        lines.append(
            f"| {n} | {t['build'] * 1e3:.1f} | {t['optimize'] * 1e3:.1f} | {t['lower'] * 1e3:.1f} "
            f"| {t['llvm'] * 1e3:.1f} | {total * 1e3:.1f} | {total / n * 1e6:.0f} | {int(t['ops after optimize'])} |"
        )
        print(lines[-1], flush=True)
    native, python = call_latency()
    lines += [
        "",
        "| call latency | ns/call |",
        "|---|---:|",
        f"| native `add(40, 2)` through graphlet.runtime.native | {native * 1e9:.0f} |",
        f"| plain Python `add(40, 2)` | {python * 1e9:.0f} |",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    write_results(RESULTS.name, table, args.replace)


if __name__ == "__main__":
    main()
