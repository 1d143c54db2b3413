"""Forward + backward: PyTorch eager vs Inductor vs `graphlet.value_and_grad`, one thread.

    python benchmarks/bench_autodiff.py              # writes benchmarks/results/autodiff.<time>.md
    python benchmarks/bench_autodiff.py --inductor   # also torch.compile (minutes of compiling)

Two float32 workloads: the 784-256-10 MLP (ReLU, cross-entropy) at batch 64, and a
LayerNorm / GELU (tanh form) block, 64 x 256 -> 1024 -> 256, mean-squared loss. The
graphlet side is the NumPy spelling of the same function, traced, differentiated by
`graphlet-autodiff` and compiled natively; each row also gives the largest difference
of its gradients from eager's. Times are the best of several repeats of a loop.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import graphlet
from benchmarks.results_file import add_replace_flag, write_results


def mlp_np(x, onehot, w1, b1, w2, b2):
    h = np.maximum(x @ w1 + b1, np.float32(0.0))
    logits = h @ w2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * onehot, axis=1))


def mlp_torch(torch: Any) -> Callable[..., Any]:
    def f(x, onehot, w1, b1, w2, b2):
        h = torch.relu(x @ w1 + b1)
        return -(torch.log_softmax(h @ w2 + b2, dim=1) * onehot).sum(1).mean()

    return f


C = np.float32(np.sqrt(2 / np.pi))


def block_np(x, g, b, w1, b1, w2, b2):
    mean = np.mean(x, axis=1, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=1, keepdims=True)
    normed = centered / np.sqrt(var + np.float32(1e-5)) * g + b
    u = normed @ w1 + b1
    act = (
        np.float32(0.5)
        * u
        * (np.float32(1.0) + np.tanh(C * (u + np.float32(0.044715) * u * u * u)))
    )
    y = act @ w2 + b2
    return np.mean(y * y)


def block_torch(torch: Any) -> Callable[..., Any]:
    functional = torch.nn.functional

    def f(x, g, b, w1, b1, w2, b2):
        normed = functional.layer_norm(x, (x.shape[1],), g, b, 1e-5)
        act = functional.gelu(normed @ w1 + b1, approximate="tanh")
        y = act @ w2 + b2
        return (y * y).mean()

    return f


def _inputs(seed: int, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in shapes]


def workloads() -> list[tuple[str, Any, Any, list[np.ndarray], tuple[int, ...]]]:
    x, w1, b1, w2, b2 = _inputs(0, [(64, 784), (784, 256), (256,), (256, 10), (10,)])
    labels = np.random.default_rng(1).integers(0, 10, 64)
    onehot = np.eye(10, dtype=np.float32)[labels]
    mlp = [x, onehot, w1, b1, w2, b2]
    xb, w1b, b1b, w2b, b2b = _inputs(2, [(64, 256), (256, 1024), (1024,), (1024, 256), (256,)])
    ln = [xb, np.ones(256, np.float32), np.zeros(256, np.float32), w1b, b1b, w2b, b2b]
    return [
        ("MLP 784-256-10, batch 64", mlp_np, mlp_torch, mlp, (2, 3, 4, 5)),
        (
            "LayerNorm/GELU block 256-1024-256, batch 64",
            block_np,
            block_torch,
            ln,
            (1, 2, 3, 4, 5, 6),
        ),
    ]


def best(fn: Callable[[], Any], number: int) -> float:
    fn()
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inductor", action="store_true", help="also time torch.compile")
    parser.add_argument("--number", type=int, default=20, help="calls per timing loop")
    add_replace_flag(parser)
    options = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    rows = []
    for title, f_np, f_torch, arrays, argnums in workloads():
        vg = graphlet.value_and_grad(f_np, argnums=argnums)
        value, grads = vg(*arrays)
        tensors = [torch.tensor(a, requires_grad=i in argnums) for i, a in enumerate(arrays)]
        params = [tensors[i] for i in argnums]
        eager = f_torch(torch)

        def step(fn: Callable[..., Any] = eager) -> None:
            for p in params:
                p.grad = None
            fn(*tensors).backward()

        step()
        diff = max(float(np.max(np.abs(gr - p.grad.numpy()))) for gr, p in zip(grads, params))
        t_eager = best(step, options.number)
        t_graphlet = best(lambda: vg(*arrays), options.number)
        t_inductor = None
        if options.inductor:
            compiled = torch.compile(eager)
            t_inductor = best(lambda: step(compiled), options.number)
        assert vg.native_calls > 0
        rows.append(
            (title, t_eager, t_inductor, t_graphlet, diff, abs(value - eager(*tensors).item()))
        )
    lines = [
        "# Forward + backward, one thread (float32)",
        "",
        "| workload | eager | Inductor | graphlet | graphlet / eager | max grad diff | loss diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for title, t_eager, t_inductor, t_graphlet, diff, loss_diff in rows:
        inductor = f"{t_inductor * 1e3:.3f} ms" if t_inductor is not None else "-"
        lines.append(
            f"| {title} | {t_eager * 1e3:.3f} ms | {inductor} | {t_graphlet * 1e3:.3f} ms | "
            f"{t_graphlet / t_eager:.2f}x | {diff:.1e} | {loss_diff:.1e} |"
        )
    text = "\n".join(lines)
    print(text)
    write_results("autodiff.md", text, options.replace)


if __name__ == "__main__":
    main()
