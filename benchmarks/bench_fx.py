"""Benchmark of the torch.fx frontend: eager vs Inductor vs graphlet, side by side.

    python benchmarks/bench_fx.py                  # writes benchmarks/results/fx.<time>.md
    python benchmarks/bench_fx.py --replace        # rewrites benchmarks/results/fx.md
    python benchmarks/bench_fx.py --models bert,resnet18 --skip corpus-full

First the model corpus of tests/model_corpus.py (real torchvision, transformers and
torch.nn definitions, random weights, eval mode) at its example inputs (batch 1), one
thread: per model the time of eager, Inductor and graphlet (`compile_fx`), how many of
its nodes graphlet ran natively, the compile times, and the geometric mean of each
compiler's time over eager on the models graphlet runs all native. Then the
transcendental ops at 10^6 float32 elements. Then the MLPs of tests/test_fx.py at
batch size 1 and 64:
torch eager, torch.compile with Inductor, and graphlet (`compile_fx`, native), with
compile times: graphlet's first compile lowers (the run uses an empty compile cache),
its second takes the LLVM IR from the on-disk cache (`graphlet.driver.cache`). Then
the elementwise chain relu(a*b+c)*0.5 over 10^7 float64 against NumPy and torch, in
GB/s (3 arrays read, 1 written) next to the machine's copy bandwidth; then `linear`
as generated loops against OpenBLAS.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results_file import add_replace_flag, write_results
from graphlet.backend.blas import set_blas_threads
from graphlet.dialects import graphlet as g
from graphlet.driver import compile_tensor_function
from graphlet.frontend.fx import compile_fx
from tests.test_fx import MODELS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import model_corpus as corpus


def best_time(fn, *args, min_time: float = 0.3, repeat: int = 5) -> float:
    """Best per-call time over `repeat` rounds of enough calls to last `min_time`."""
    fn(*args)
    n, t = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn(*args)
        t = time.perf_counter() - start
        if t >= min_time / repeat or n >= 1 << 20:
            break
        n *= 4
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn(*args)
        rounds.append((time.perf_counter() - start) / n)
    return min(rounds)


def timed_compile(make):
    start = time.perf_counter()
    fn = make()
    return fn, time.perf_counter() - start


def bench_models() -> list[str]:
    rows = [
        "| model | batch | eager | inductor | graphlet | graphlet path | compile inductor | compile graphlet | compile graphlet (cached) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (cls, shape) in MODELS.items():
        for batch in (1, 64):
            torch.manual_seed(0)
            model = cls().eval()
            x = torch.randn((batch, *shape[1:]))
            torch._dynamo.reset()
            with torch.no_grad():
                inductor = torch.compile(model, dynamic=False)
                start = time.perf_counter()
                inductor(x)
                inductor_compile = time.perf_counter() - start
                ours, ours_compile = timed_compile(lambda: compile_fx(model, (x,)))
                _, cached_compile = timed_compile(lambda: compile_fx(model, (x,)))
                ours(x)
                np.testing.assert_allclose(ours(x).numpy(), model(x).numpy(), rtol=1e-4, atol=1e-4)
                eager_t = best_time(model, x)
                inductor_t = best_time(inductor, x)
                ours_t = best_time(ours, x)
            path = "native" if ours.native else "reference"
            rows.append(
                f"| {name} | {batch} | {eager_t * 1e6:.1f} µs | {inductor_t * 1e6:.1f} µs | "
                f"{ours_t * 1e6:.1f} µs | {path} | {inductor_compile:.2f} s | {ours_compile:.3f} s | {cached_compile:.3f} s |"
            )
            print(rows[-1], flush=True)
    return rows


def _geomean(ratios: list[float]) -> float:
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else float("nan")


def bench_corpus(only: set[str] | None, full: bool) -> list[str]:
    """Every corpus model at batch 1: eager, Inductor, graphlet, with graphlet's native share."""
    rows = [
        "| model | eager | inductor | graphlet | graphlet / eager | native nodes | compile inductor | compile graphlet |",
        "|---|---|---|---|---|---|---|---|",
    ]
    graphlet_ratios, inductor_ratios = [], []
    for case in corpus.cases(full):
        if (only and case.name not in only) or corpus.missing_package(case):
            continue
        model, inputs = corpus.build(case)
        torch._dynamo.reset()
        try:
            with torch.no_grad(), corpus.dynamo_config(case):
                expected = model(*inputs)
                inductor, inductor_compile = timed_compile(lambda: torch.compile(model))
                start = time.perf_counter()
                inductor(*inputs)
                inductor_compile += time.perf_counter() - start
                ours, ours_compile = timed_compile(lambda: compile_fx(model, inputs))
                torch.testing.assert_close(
                    ours(*inputs), expected, rtol=case.rtol * 10, atol=case.atol * 10
                )
                eager_t = best_time(model, *inputs)
                inductor_t = best_time(inductor, *inputs)
                ours_t = best_time(ours, *inputs)
        except Exception as e:  # a row that says what failed, and the run goes on
            rows.append(f"| {case.name} | failed: {str(e).splitlines()[0][:80]} | | | | | | |")
            print(rows[-1], flush=True)
            continue
        finally:
            torch._dynamo.reset()
        report = ours.report()
        if report.all_native:
            graphlet_ratios.append(ours_t / eager_t)
            inductor_ratios.append(inductor_t / eager_t)
        rows.append(
            f"| {case.name} | {_ms(eager_t)} | {_ms(inductor_t)} | {_ms(ours_t)} | "
            f"{ours_t / eager_t:.2f}x | {report.native}/{report.nodes} | "
            f"{inductor_compile:.1f} s | {ours_compile:.1f} s |"
        )
        print(rows[-1], flush=True)
    rows += [
        "",
        f"Geometric mean over the {len(graphlet_ratios)} models graphlet runs all native "
        f"(time / eager, below 1 is faster): graphlet **{_geomean(graphlet_ratios):.2f}x**, "
        f"Inductor **{_geomean(inductor_ratios):.2f}x**.",
    ]
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


TRANSCENDENTALS = {
    "exp": torch.exp,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "erf": torch.erf,
    "log": lambda x: torch.log(x.abs() + 1),
    "gelu": torch.nn.functional.gelu,
    "softmax (rows of 1000)": lambda x: torch.softmax(x, dim=-1),
}


def bench_transcendentals(n: int = 10**6) -> list[str]:
    """Each op over 10^6 float32 (1000 x 1000): eager, Inductor, graphlet."""
    rows = [
        "| op | eager | inductor | graphlet | graphlet / eager | max abs error vs eager |",
        "|---|---|---|---|---|---|",
    ]
    x = torch.randn(1000, n // 1000)
    for name, fn in TRANSCENDENTALS.items():
        torch._dynamo.reset()
        inductor = torch.compile(fn)
        ours = compile_fx(fn, (x,))
        error = (ours(x) - fn(x)).abs().max().item()
        eager_t, inductor_t, ours_t = (best_time(f, x) for f in (fn, inductor, ours))
        path = "" if ours.report().all_native else " (not all native)"
        rows.append(
            f"| {name} | {_ms(eager_t)} | {_ms(inductor_t)} | {_ms(ours_t)}{path} | "
            f"{ours_t / eager_t:.2f}x | {error:.1e} |"
        )
        print(rows[-1], flush=True)
    return rows


def chain(a, b, c):
    return torch.relu(a * b + c) * 0.5


def bench_chain(n: int = 10**7) -> list[str]:
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(n) for _ in range(3))
    ta, tb, tc = (torch.from_numpy(v) for v in (a, b, c))
    dst = np.empty_like(a)
    traffic = 4 * 8 * n
    copy_t = best_time(np.copyto, dst, a, min_time=1.0)
    numpy_t = best_time(lambda: np.maximum(a * b + c, 0.0) * 0.5, min_time=1.0)
    torch_t = best_time(chain, ta, tb, tc, min_time=1.0)
    ours, compile_t = timed_compile(lambda: compile_fx(chain, (ta, tb, tc)))
    np.testing.assert_allclose(ours(ta, tb, tc).numpy(), chain(ta, tb, tc).numpy())
    ours_t = best_time(ours, ta, tb, tc, min_time=1.0)
    path = "native" if ours.native else "reference"
    kernels = ours._first_plan.kernels
    kernel = kernels[0].native_fn if len(kernels) == 1 else None
    out = [torch.empty(n, dtype=torch.float64)]
    kernel_t = (
        best_time(lambda: kernel(ta, tb, tc, out=out), min_time=1.0) if kernel else float("nan")
    )
    gbs = lambda t: traffic / t / 1e9  # noqa: E731
    return [
        "| implementation | time | GB/s |",
        "|---|---|---|",
        f"| copy (np.copyto, 2 x 8 B/elem) | {copy_t * 1e3:.1f} ms | {2 * 8 * n / copy_t / 1e9:.2f} |",
        f"| NumPy | {numpy_t * 1e3:.1f} ms | {gbs(numpy_t):.2f} |",
        f"| torch eager | {torch_t * 1e3:.1f} ms | {gbs(torch_t):.2f} |",
        f"| graphlet ({path}, compile {compile_t:.3f} s), fresh output | {ours_t * 1e3:.1f} ms | {gbs(ours_t):.2f} |",
        f"| graphlet kernel into a reused output (`out=`) | {kernel_t * 1e3:.1f} ms | {gbs(kernel_t):.2f} |",
    ]


def bench_matmul() -> list[str]:
    """`linear` (x @ w.T + b, f32) as generated loops and as an OpenBLAS call."""
    from xdsl.dialects import func
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Block, Region

    from graphlet.frontend.fx import tensor_type_of

    rows = ["| rows x in x out | loops | BLAS | torch eager |", "|---|---|---|---|"]
    for m, k, n in [(1, 784, 256), (8, 784, 256), (64, 784, 256), (256, 256, 256)]:
        x, w, b = torch.randn(m, k), torch.randn(n, k), torch.randn(n)
        block = Block(arg_types=[tensor_type_of(t) for t in (x, w, b)])
        block.add_op(op := g.LinearOp(*block.args))
        block.add_op(func.ReturnOp(op.result))
        fn = func.FuncOp.from_region(
            "f", [a.type for a in block.args], [op.result.type], Region(block)
        )
        cells = []
        for blas in (False, True):
            kernel = compile_tensor_function(ModuleOp([fn.clone()]), "f", blas=blas)
            np.testing.assert_allclose(
                kernel(x, w, b)[0].numpy(),
                torch.nn.functional.linear(x, w, b).numpy(),
                rtol=1e-3,
                atol=1e-3,
            )
            t = best_time(kernel, x, w, b)
            cells.append(f"{t * 1e6:.0f} µs ({2 * m * n * k / t / 1e9:.1f} GFLOP/s)")
        eager = best_time(torch.nn.functional.linear, x, w, b)
        rows.append(f"| {m} x {k} x {n} | {cells[0]} | {cells[1]} | {eager * 1e6:.0f} µs |")
        print(rows[-1], flush=True)
    return rows


SECTIONS = ("corpus", "transcendentals", "mlp", "chain", "matmul")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated corpus model names (default: all)")
    parser.add_argument("--full", action="store_true", help="the bigger corpus models too")
    parser.add_argument("--skip", default="", help=f"comma-separated sections of {SECTIONS}")
    add_replace_flag(parser)
    options = parser.parse_args()
    skip = set(filter(None, options.skip.split(",")))
    only = set(options.models.split(",")) if options.models else None
    torch.set_num_threads(1)
    set_blas_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    header = [
        "# torch.fx frontend benchmark",
        "",
        f"`python benchmarks/bench_fx.py {' '.join(sys.argv[1:])}`, {time.strftime('%Y-%m-%d %H:%M')}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, one thread "
        "(`torch.set_num_threads(1)`). Times are the best of 5 rounds, per call.",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="graphlet-bench-cache-") as cache_dir:
        os.environ["GRAPHLET_CACHE_DIR"] = cache_dir
        corpus_rows = [] if "corpus" in skip else bench_corpus(only, options.full)
        transcendental_rows = [] if "transcendentals" in skip else bench_transcendentals()
        models = [] if "mlp" in skip else bench_models()
        chain_rows = [] if "chain" in skip else bench_chain()
        matmul_rows = [] if "matmul" in skip else bench_matmul()
    text = [
        *header,
        "## Model corpus, batch 1 (f32)",
        "",
        *corpus_rows,
        "",
        "## Transcendentals, 10^6 float32",
        "",
        *transcendental_rows,
        "",
        "## MLPs of tests/test_fx.py (f32)",
        "",
        *models,
        "",
        "## Fused chain relu(a*b+c)*0.5, 10^7 float64",
        "",
        "GB/s counts 32 bytes per element (a, b, c read, result written); the copy row counts 16.",
        "",
        *chain_rows,
        "",
        "The fresh-output row pays the kernel plus the page faults of a new 80 MB output",
        "(`torch.empty` of that size is fresh memory from the OS on every call);",
        "the `out=` row is the kernel alone.",
        "",
        "## matmul: generated loops vs OpenBLAS (`linear`, f32, one thread)",
        "",
        *matmul_rows,
        "",
        "graphlet calls BLAS from 8 rows up and keeps loops below (see `convert-linalg-to-blas`),",
        "so the BLAS column is loops too for 1 row; `docs/tensor-lowering.md` has forced-BLAS numbers.",
        "",
    ]
    print("\n".join(text))
    write_results("fx.md", "\n".join(text), options.replace)


if __name__ == "__main__":
    main()
