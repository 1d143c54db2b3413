"""Benchmark of `graphlet.trace_graph`: `python -m benchmarks.bench_trace_graph` writes
`benchmarks/results/trace-graph.md` (beside it unless `--replace`, see `results_file`).

The original NumPy function against the traced and compiled one, on small arrays
(where NumPy's per-call overhead dominates) and large ones (where fusing an
elementwise chain into one loop saves NumPy's temporaries), on one thread. The
programs are the ones `tests/test_trace_graph.py` checks: the seed's example, a
fused elementwise chain, softmax, log-sum-exp, a k-means step, a heat-equation step
and an MLP forward; first `x + 1.0` on one element, whose time is the per-call cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import graphlet
from benchmarks.results_file import add_replace_flag, write_results
from graphlet.backend.blas import set_blas_threads
from tests.test_trace_graph import heat_step, kmeans_step, log_sum_exp, mlp, seed_example, softmax

RESULTS = "trace-graph.md"


def add_one(x):
    return x + 1.0


def chain(a, b, c):
    return np.maximum(a * b + c, 0.0) * 0.5 + np.sin(a)


def per_call(fn: Callable[..., Any], args: tuple[Any, ...]) -> float:
    """The best of 5 rounds, each long enough to time (timeit's autorange)."""
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number


def cases(rng: np.random.Generator) -> list[tuple[str, str, Callable[..., Any], tuple[Any, ...]]]:
    def n(*shape: int) -> np.ndarray:
        return rng.normal(size=shape)

    mlp_small = (n(1, 16), n(16, 32), n(32), n(32, 4), n(4))
    mlp_large = (n(256, 784), n(784, 256), n(256), n(256, 10), n(10))
    return [
        ("x + 1.0 (the per-call cost)", "1", add_one, (n(1),)),
        ("seed example", "1", seed_example, (n(1),)),
        ("seed example", "10^6", seed_example, (n(10**6) * 1e-3,)),
        ("elementwise chain", "100", chain, (n(100), n(100), n(100))),
        ("elementwise chain", "10^6", chain, (n(10**6), n(10**6), n(10**6))),
        ("softmax", "8x16", softmax, (n(8, 16),)),
        ("softmax", "1000x1000", softmax, (n(1000, 1000),)),
        ("log-sum-exp", "8x16", log_sum_exp, (n(8, 16),)),
        ("log-sum-exp", "1000x1000", log_sum_exp, (n(1000, 1000),)),
        ("k-means step", "64x3, k=4", kmeans_step, (n(64, 3), n(4, 3))),
        ("k-means step", "10^5x3, k=8", kmeans_step, (n(10**5, 3), n(8, 3))),
        ("heat step", "64", heat_step, (n(64), 0.2)),
        ("heat step", "10^6", heat_step, (n(10**6), 0.2)),
        ("MLP forward", "1x16x32x4", mlp, mlp_small),
        ("MLP forward", "256x784x256x10", mlp, mlp_large),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_replace_flag(parser)
    options = parser.parse_args()
    set_blas_threads(1)
    load = os.getloadavg()[0]
    rng = np.random.default_rng(0)
    rows = [
        "| program | size | NumPy | traced | speed-up | Python dispatch | speed-up | trace + compile |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, size, fn, args in cases(rng):
        start = time.perf_counter()
        traced = graphlet.trace_graph(fn, args=args)
        compile_s = time.perf_counter() - start
        assert traced.stats()["numpy"] == 0
        assert traced.last is not None and traced.last.entry is not None
        entry_before = traced.last.entry.calls
        numpy_s, traced_s = per_call(fn, args), per_call(traced, args)
        assert traced.last.entry.calls > entry_before  # the native entry ran the calls
        traced.last.direct = None  # the Python dispatch as it was: guards, then ctypes
        python_s = per_call(traced._call, args)
        assert traced.stats()["numpy"] == 0 and traced.stats()["traces"] == 1
        row = (
            f"| {name} | {size} | {numpy_s * 1e6:.1f} µs | {traced_s * 1e6:.1f} µs | "
            f"{numpy_s / traced_s:.1f}x | {python_s * 1e6:.1f} µs | {numpy_s / python_s:.1f}x | "
            f"{compile_s:.2f} s |"
        )
        print(row, flush=True)
        rows.append(row)
    header = [
        "# trace_graph: NumPy vs traced and compiled",
        "",
        f"`python -m benchmarks.bench_trace_graph` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, one thread (OpenBLAS too), NumPy {np.__version__}. "
        "Per call, best of 5 rounds. `traced` is a call through the native entry "
        "(`graphlet.backend.tensor_entry`); `Python dispatch` the same version called "
        "through `TracedFunction._call` with its `direct` entry unset (the guards, copies "
        "and ctypes call in Python, the "
        "path every call took before the entry), in the same run. The trace + compile "
        "column is the first call (with graphlet's on-disk cache warm it skips LLVM). "
        f"Load average {load:.1f} at the start: compare the columns of one "
        "run, not runs.",
        "",
    ]
    write_results(RESULTS, "\n".join([*header, *rows, ""]), options.replace)


if __name__ == "__main__":
    main()
