"""Training step benchmark: `python benchmarks/bench_training.py` writes
`benchmarks/results/training.md` (beside the committed table unless `--replace`).

One SGD step (zero_grad, forward with the cross-entropy loss, backward, `opt.step()`)
of the 784-256-10 MLP at batch 64 and of a small CNN (conv, batch norm in training
mode, relu, max pool, strided conv, linear) on 3x32x32 images at batch 32, float32,
one thread: eager PyTorch, `torch.compile` with Inductor and with graphlet (the model
and its loss compiled, forward and backward through AOTAutograd; the optimizer runs
eagerly in all three). The fastest of many steps (robust to a loaded machine), the
compile time (first step), and whether graphlet ran every node of the forward and
backward graphs natively. `--quick` times fewer steps.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results_file import add_replace_flag, write_results
from graphlet.backend.blas import set_blas_threads
from graphlet.frontend.fx import collect_graphs


class Classifier(nn.Module):
    """The network and its loss as one module, so the compiled graphs hold the loss."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(self.net(x), y)


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 10),
    )


MODELS: list[tuple[str, Callable[[], nn.Module], tuple[int, ...], int]] = [
    ("MLP 784-256-10", mlp, (784,), 64),
    ("CNN conv-bn-relu-pool-conv/2-linear", cnn, (3, 32, 32), 32),
]


def step_times(model: nn.Module, run: Callable[..., torch.Tensor], x, y, steps: int):
    """(first step's time, the fastest of `steps` further steps)."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> None:
        opt.zero_grad()
        run(x, y).backward()
        opt.step()

    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    best = float("inf")
    for _ in range(steps):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return first, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time 10 steps, not 50")
    add_replace_flag(parser)
    options = parser.parse_args()
    steps = 10 if options.quick else 50
    torch.set_num_threads(1)
    set_blas_threads(1)
    text = [
        "# Training step: graphlet vs eager vs Inductor",
        "",
        f"`python benchmarks/bench_training.py{' --quick' if options.quick else ''}`; "
        "one SGD step (momentum 0.9) of the model and its cross-entropy loss: zero_grad, "
        "forward, backward, step; float32, one thread (torch and OpenBLAS); the fastest "
        f"of {steps} steps after the first (compile) step; {platform.machine()}, "
        f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f} at the start. "
        "The optimizer step runs eagerly in every column; a warm on-disk cache "
        "(Inductor's, graphlet's) shortens the compile columns.",
        "",
        "| model | batch | eager | inductor | graphlet | graphlet / eager | "
        "native fw + bw | compile inductor | compile graphlet |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, make, shape, batch in MODELS:
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(batch, *shape, generator=gen)
        y = torch.randint(0, 10, (batch,), generator=gen)
        torch.manual_seed(0)
        model = Classifier(make()).train()
        _, eager = step_times(model, model, x, y, steps)
        torch._dynamo.reset()
        inductor_compile, inductor = step_times(
            model, torch.compile(model, backend="inductor"), x, y, steps
        )
        torch._dynamo.reset()
        with collect_graphs() as graphs:
            graphlet_compile, graphlet = step_times(
                model, torch.compile(model, backend="graphlet"), x, y, steps
            )
        reports = [r for g in graphs for r in g.reports()]
        kinds = sorted({g.name.rsplit(" ", 1)[-1] for g in graphs})
        native = (
            "yes"
            if kinds == ["backward", "forward"] and all(r.all_native for r in reports)
            else "no"
        )
        text.append(
            f"| {name} | {batch} | {eager * 1e3:.2f} ms | {inductor * 1e3:.2f} ms | "
            f"{graphlet * 1e3:.2f} ms | {graphlet / eager:.2f}x | {native} | "
            f"{inductor_compile:.1f} s | {graphlet_compile:.1f} s |"
        )
        print(text[-1], flush=True)
    write_results("training.md", "\n".join(text), options.replace)


if __name__ == "__main__":
    main()
