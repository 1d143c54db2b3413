"""Running an imported graph: `CompiledFx`, one native kernel (or the reference
interpreter) per input signature, and `compile_fx`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from xdsl.dialects.builtin import ModuleOp, TensorType

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx.importer import FUNCTION, ImportedGraph, Result
from graphlet.frontend.fx.printer import side_by_side
from graphlet.frontend.fx.tracing import import_fx

log = logging.getLogger("graphlet.fx")


def signature_of(inputs: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(
        (tuple(t.shape), t.dtype) if isinstance(t, torch.Tensor | np.ndarray) else type(t)
        for t in inputs
    )


class CompiledFx:
    """A compiled graph: call it with tensors or arrays of the compiled shapes and
    dtypes; other shapes recompile (from the model) or raise a clear error."""

    def __init__(
        self,
        model: Any,
        example_inputs: Sequence[Any],
        *,
        inline_params: bool = False,
        mode: str = "auto",
    ) -> None:
        self.model = model
        self.inline_params = inline_params
        self.mode = mode
        self._cache: dict[tuple[Any, ...], _Entry] = {}
        self._first = self._entry(list(example_inputs))

    @property
    def imported(self) -> ImportedGraph:
        return self._first.imported

    @property
    def module(self) -> ModuleOp:
        return self._first.imported.module

    @property
    def native(self) -> bool:
        """Whether the first signature runs as native code (else the reference path)."""
        return self._first.kernel is not None

    def _entry(self, inputs: list[Any]) -> _Entry:
        key = signature_of(inputs)
        if key not in self._cache:
            examples = [torch.as_tensor(x) if isinstance(x, np.ndarray) else x for x in inputs]
            imported = import_fx(self.model, examples, inline_params=self.inline_params)
            self._cache[key] = _Entry(imported, self.mode)
        return self._cache[key]

    def __call__(self, *inputs: Any) -> Any:
        entry = self._entry(list(inputs))
        want_torch = any(isinstance(x, torch.Tensor) for x in inputs) or not inputs
        if len(inputs) != len(entry.imported.input_types):
            raise TypeError(f"expected {len(entry.imported.input_types)} inputs, got {len(inputs)}")
        if entry.kernel is not None:
            results = entry.run_native(
                [_contiguous(x, i) for i, x in enumerate(inputs)], want_torch
            )
        else:
            arrays = [
                _as_array(x, t, i)
                for i, (x, t) in enumerate(zip(inputs, entry.imported.input_types))
            ]
            results = entry.run(arrays)
        return _rebuild(entry.imported.output_tree, results, want_torch)

    def side_by_side(self) -> str:
        return side_by_side(self.imported)


def _as_array(x: Any, t: TensorType, i: int) -> np.ndarray:
    """A NumPy view of an input (no copy), after checking its shape and dtype."""
    if isinstance(x, torch.Tensor):
        if x.device.type != "cpu":
            raise TypeError(f"input {i} is on {x.device}; graphlet runs on the CPU")
        x = x.detach().numpy()
    elif not isinstance(x, np.ndarray):
        raise TypeError(f"input {i} must be a tensor or an array, got {type(x).__name__}")
    if x.shape != g.shape_of(t) or x.dtype != g.np_dtype(t):
        raise TypeError(
            f"input {i} has shape {tuple(x.shape)} and dtype {x.dtype}; compiled for {t}"
        )
    return x


def _contiguous(x: Any, i: int) -> Any:
    """The input itself, or a contiguous copy of a strided torch tensor or array
    (the native kernel reads row-major memory; its runtime checks shapes and dtypes)."""
    if isinstance(x, torch.Tensor):
        if x.device.type != "cpu":
            raise TypeError(f"input {i} is on {x.device}; graphlet runs on the CPU")
        return x.detach() if x.is_contiguous() else x.detach().contiguous()
    if isinstance(x, np.ndarray):
        return x if x.flags.c_contiguous else np.ascontiguousarray(x)
    raise TypeError(f"input {i} must be a tensor or an array, got {type(x).__name__}")


def _rebuild(tree: Any, results: Sequence[np.ndarray], want_torch: bool) -> Any:
    if isinstance(tree, Result):
        r = results[tree.index]
        if isinstance(r, torch.Tensor):
            return r if want_torch else r.numpy()
        if not want_torch:
            return r
        if not r.flags.writeable or not r.flags.c_contiguous:
            r = np.array(r)
        return torch.from_numpy(r)
    if isinstance(tree, tuple | list):
        return type(tree)(_rebuild(t, results, want_torch) for t in tree)
    if isinstance(tree, dict):
        return {k: _rebuild(v, results, want_torch) for k, v in tree.items()}
    return tree


class _Entry:
    """One compiled signature: native code when every op lowers (mode "auto" or
    "native"), else the reference interpreter (tensor ops on NumPy). In "auto"
    the reason for falling back is logged; in "native" it is raised."""

    def __init__(self, imported: ImportedGraph, mode: str) -> None:
        if mode not in ("auto", "native", "reference"):
            raise ValueError(f'mode must be "auto", "native" or "reference", got {mode!r}')
        self.imported = imported
        self.params = [p.detach().numpy() for p in imported.params]
        self.torch_params = [p.detach() for p in imported.params]
        self.kernel: Callable[..., Sequence[Any]] | None = None
        self.interpreter: Any = None
        if mode != "reference":
            self.kernel = self._native(mode)
        if self.kernel is None:
            from graphlet.runtime.interpreter import make_interpreter

            self.interpreter = make_interpreter(imported.module)

    def _native(self, mode: str) -> Callable[..., Sequence[Any]] | None:
        from graphlet.runtime.tensors import compile_tensor_function

        try:
            return compile_tensor_function(self.imported.module, FUNCTION)
        except Exception as e:  # any lowering failure means: this graph is not native yet
            if mode == "native":
                raise NotImplementedError(
                    f"graphlet cannot compile this graph natively: {e}"
                ) from e
            log.info("graphlet: running the reference interpreter: %s", e)
            return None

    def run_native(self, inputs: list[Any], want_torch: bool) -> Sequence[Any]:
        assert self.kernel is not None
        return self.kernel(*inputs, *(self.torch_params if want_torch else self.params))

    def run(self, arrays: list[np.ndarray]) -> Sequence[np.ndarray]:
        args = [*arrays, *self.params]
        if self.kernel is not None:
            return self.kernel(*args)
        return self.interpreter.call_op(FUNCTION, tuple(args))


def compile_fx(
    model: Any, example_inputs: Sequence[Any], *, inline_params: bool = False, mode: str = "auto"
) -> CompiledFx:
    """Compile an nn.Module, GraphModule or ExportedProgram for these input shapes.

    Parameters stay PyTorch's memory and are passed as arguments (no copy), or with
    `inline_params=True` become dense constants that folding can use. `mode` is
    "auto" (native when possible), "native" or "reference"."""
    return CompiledFx(model, example_inputs, inline_params=inline_params, mode=mode)
