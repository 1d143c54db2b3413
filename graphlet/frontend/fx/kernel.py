"""One imported graph made callable: its native kernel, or the reference interpreter."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from graphlet.frontend.fx.importer import FUNCTION, Held, ImportedGraph, Input, Result, View

log = logging.getLogger("graphlet.fx")

MODES = ("auto", "native", "reference")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f'mode must be "auto", "native" or "reference", got {mode!r}')
    return mode


class Kernel:
    """An `ImportedGraph` to call with torch tensors (and the Python numbers it was
    specialised on): native code when every op lowers (mode "auto" or "native"), else
    the reference interpreter (tensor ops on NumPy). In "auto" the reason for not being
    native is logged and kept in `reason`; in "native" it is raised."""

    def __init__(self, imported: ImportedGraph, mode: str = "auto") -> None:
        check_mode(mode)
        self.imported = imported
        self.params = [p.detach() for p in imported.params]
        self.native_fn: Callable[..., Sequence[Any]] | None = None
        self.interpreter: Any = None
        self.reason = ""
        if mode != "reference":
            self.native_fn = self._native(mode)
        else:
            self.reason = 'mode "reference"'
        if self.native_fn is None:
            from graphlet.driver import make_interpreter

            self.interpreter = make_interpreter(imported.module)
        self._run_torch = self._torch_runner()
        self._rebuild = rebuilder(imported.output_tree, imported.held)

    @property
    def native(self) -> bool:
        return self.native_fn is not None

    def _native(self, mode: str) -> Callable[..., Sequence[Any]] | None:
        from graphlet.driver import compile_tensor_function

        try:
            return compile_tensor_function(self.imported.module, FUNCTION)
        except Exception as e:  # any lowering failure means: this graph is not native yet
            if mode == "native":
                raise NotImplementedError(
                    f"graphlet cannot compile this graph natively: {e}"
                ) from e
            log.info("graphlet: running the reference interpreter: %s", e)
            self.reason = f"the reference interpreter runs it: {e}"
            return None

    def _torch_runner(self) -> Callable[[Sequence[Any]], Any] | None:
        """The per-call path of a native kernel with torch arguments (the training
        step's and the partitioned plans'): the inputs handed to the kernel as they are
        (no `detach()`, whose new tensor objects cost more than a small kernel), the
        runtime's lean checks (`TensorFunction.torch_runner`), the output tree built by
        a function made once. None when the kernel is not native or takes no torch
        argument (its runtime then answers with NumPy)."""
        fn = self.native_fn
        if fn is None or not hasattr(fn, "torch_runner"):
            return None
        indices, params = self.imported.input_indices, self.params
        if not indices and not params:
            return None
        run = fn.torch_runner()
        rebuild_outputs = rebuilder(self.imported.output_tree, self.imported.held)

        def call(inputs: Sequence[Any]) -> Any:
            try:
                args = [inputs[i] for i in indices]
            except IndexError:
                return _MISS
            results = run(args + params if params else args)
            return _MISS if results is None else rebuild_outputs(results, inputs)

        return call

    def __call__(self, *inputs: Any) -> Any:
        if self._run_torch is not None:
            out = self._run_torch(inputs)
            if out is not _MISS:
                return out
        tensors = [contiguous(inputs[i], i) for i in self.imported.input_indices]
        if self.native_fn is not None:
            results: Sequence[Any] = self.native_fn(*tensors, *self.params)
            if not tensors and not self.params:  # no torch argument: the runtime gives NumPy
                results = [torch.from_numpy(r) for r in results]
        else:
            arrays = [t.numpy() for t in (*tensors, *self.params)]
            results = [
                torch.from_numpy(np.array(r)) for r in self.interpreter.call_op(FUNCTION, arrays)
            ]
        return self._rebuild(results, inputs)


_MISS = object()
"""An argument the lean path does not take (the checked path copies or raises)."""


def rebuilder(
    tree: Any, held: Sequence[torch.Tensor] = ()
) -> Callable[[Sequence[Any], Sequence[Any]], Any]:
    """`rebuild` of `tree` as a function of the results and inputs: a flat tuple or
    list of results and inputs (what AOTAutograd's graphs return) is indexed directly."""
    if type(tree) in (tuple, list) and all(isinstance(t, Result | Input) for t in tree):
        kind = type(tree)
        picks = [(isinstance(t, Input), t.index) for t in tree]

        def flat(results: Sequence[Any], inputs: Sequence[Any]) -> Any:
            return kind([inputs[i] if is_input else results[i] for is_input, i in picks])

        return flat
    return lambda results, inputs: rebuild(tree, results, inputs, held)


def contiguous(x: Any, i: int) -> torch.Tensor:
    """The input itself, or a contiguous copy (the kernel reads row-major memory; its
    runtime checks shapes and dtypes)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input {i} must be a tensor, got {type(x).__name__}")
    if x.device.type != "cpu":
        raise TypeError(f"input {i} is on {x.device}; graphlet runs on the CPU")
    return x.detach() if x.is_contiguous() else x.detach().contiguous()


def rebuild(
    tree: Any, results: Sequence[Any], inputs: Sequence[Any], held: Sequence[torch.Tensor] = ()
) -> Any:
    if isinstance(tree, Result):
        return results[tree.index]
    if isinstance(tree, Input):
        return inputs[tree.index]
    if isinstance(tree, Held):
        return held[tree.index]
    if isinstance(tree, View):
        return view_of(tree, results, inputs, held)
    if isinstance(tree, tuple | list):
        return type(tree)(rebuild(t, results, inputs, held) for t in tree)
    if isinstance(tree, dict):
        return {k: rebuild(v, results, inputs, held) for k, v in tree.items()}
    return tree


def view_of(
    view: View, results: Sequence[Any], inputs: Sequence[Any], held: Sequence[torch.Tensor]
) -> Any:
    """The view eager's output is, made by the graph's view ops on the tensor it views;
    the kernel's copy when an op refuses that tensor (not contiguous at this call)."""
    x = rebuild(view.base, results, inputs, held)
    try:
        for target, args, kwargs in view.ops:
            x = target(x, *args, **kwargs)
    except RuntimeError:
        if view.fallback is None:
            raise
        return results[view.fallback.index]
    return x


class KernelModule(torch.nn.Module):
    """A kernel in place of a partition's submodule, so the split graph calls it."""

    def __init__(self, kernel: Kernel) -> None:
        super().__init__()
        self.kernel = kernel

    def forward(self, *inputs: Any) -> Any:
        return self.kernel(*inputs)
