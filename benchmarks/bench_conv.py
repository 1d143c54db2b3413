"""Convolution benchmark: `python benchmarks/bench_conv.py` writes
`benchmarks/results/conv.md`.

A few conv shapes of real CNNs at batch 1 (and one at batch 8), float32, one thread:
torch eager (oneDNN), torch.compile with Inductor, and graphlet (`compile_fx`,
native): the fastest of many single calls (robust to a loaded machine), which
lowering graphlet took (im2col + BLAS GEMM, or the direct loop nest) and its compile
time. `--quick` times fewer rounds.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlet.backend.blas import set_blas_threads
from graphlet.dialects import graphlet as g
from graphlet.frontend.fx import compile_fx
from graphlet.lowering.graphlet_to_linalg.convolution import takes_blas

RESULTS = Path(__file__).parent / "results" / "conv.md"


def best_call(fn, *args, calls: int = 30) -> float:
    """The fastest of `calls` single calls: on a loaded machine the least disturbed."""
    fn(*args)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


SHAPES = [
    # name, input shape, Conv2d(in, out, kernel, stride, padding, groups)
    ("resnet stem 7x7/2", (1, 3, 112, 112), (3, 64, 7, 2, 3, 1)),
    ("resnet 3x3", (1, 64, 28, 28), (64, 64, 3, 1, 1, 1)),
    ("resnet 3x3, batch 8", (8, 64, 28, 28), (64, 64, 3, 1, 1, 1)),
    ("resnet 1x1/2 downsample", (1, 128, 28, 28), (128, 256, 1, 2, 0, 1)),
    ("mobilenet 1x1", (1, 32, 56, 56), (32, 96, 1, 1, 0, 1)),
    ("mobilenet depthwise 3x3", (1, 96, 56, 56), (96, 96, 3, 1, 1, 96)),
    ("resnext grouped 3x3 (32 groups)", (1, 128, 28, 28), (128, 128, 3, 1, 1, 32)),
    ("conv1d (whisper stem)", (1, 80, 300), None),
]


def _model(spec: tuple[int, ...] | None) -> torch.nn.Module:
    if spec is None:
        return torch.nn.Conv1d(80, 64, 3, padding=1)
    cin, cout, k, s, p, groups = spec
    return torch.nn.Conv2d(cin, cout, k, stride=s, padding=p, groups=groups)


def main(quick: bool = False) -> None:
    torch.set_num_threads(1)
    set_blas_threads(1)
    calls = 15 if quick else 50
    rows = [
        "| conv | input | eager | inductor | graphlet | graphlet / eager | lowering | compile graphlet |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, shape, spec in SHAPES:
        torch.manual_seed(0)
        model = _model(spec).eval()
        x = torch.randn(shape)
        torch._dynamo.reset()
        with torch.no_grad():
            start = time.perf_counter()
            ours = compile_fx(model, (x,), mode="native")
            compile_time = time.perf_counter() - start
            torch.testing.assert_close(ours(x), model(x), rtol=1e-4, atol=1e-4)
            inductor = torch.compile(model, dynamic=False)
            inductor(x)
            eager_t = best_call(model, x, calls=calls)
            inductor_t = best_call(inductor, x, calls=calls)
            ours_t = best_call(ours, x, calls=calls)
        geo = g.conv_geometry(
            tuple(x.shape),
            tuple(model.weight.shape),
            model.stride,
            model.padding,
            model.dilation,
            False,
            [0] * len(model.stride),
            model.groups,
        )
        lowering = "im2col + BLAS" if takes_blas(geo, g.f32) else "direct loops"
        rows.append(
            f"| {name} | {list(shape)} | {eager_t * 1e6:.0f} us | {inductor_t * 1e6:.0f} us "
            f"| {ours_t * 1e6:.0f} us | {ours_t / eager_t:.2f}x | {lowering} | {compile_time:.2f} s |"
        )
        print(rows[-1], flush=True)
    header = [
        "# Convolution: graphlet vs eager vs Inductor",
        "",
        f"`python benchmarks/bench_conv.py{' --quick' if quick else ''}`; float32, one thread "
        f"(torch and OpenBLAS), fastest of {calls} calls; {platform.processor() or platform.machine()}, "
        f"torch {torch.__version__}.",
        "",
    ]
    RESULTS.write_text("\n".join([*header, *rows, ""]))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
