"""`compile_fx`: a model exported to Core ATen, compiled per input signature."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from xdsl.dialects.builtin import ModuleOp

from graphlet.frontend.fx.errors import UnsupportedNodeError
from graphlet.frontend.fx.export import export_core_aten, lifted_tensors
from graphlet.frontend.fx.graph import CompiledGraph, Plan, signature_of
from graphlet.frontend.fx.importer import ImportedGraph
from graphlet.frontend.fx.kernel import check_mode
from graphlet.frontend.fx.report import Report

log = logging.getLogger("graphlet.fx")

NO_AUTOGRAD = (
    "graphlet.compile_fx compiles for inference: its outputs do not record autograd "
    "history, though the inputs or parameters require grad. Call it under "
    "torch.no_grad(), or use torch.compile(model, backend='graphlet'), which compiles "
    "the backward pass too."
)


def training_dependent(model: Any) -> list[str]:
    """Modules whose result differs in training mode (dropout, batch norm)."""
    if not isinstance(model, torch.nn.Module) or not model.training:
        return []
    kinds = (torch.nn.modules.dropout._DropoutNd, torch.nn.modules.batchnorm._NormBase)
    return [
        name or type(model).__name__
        for name, m in model.named_modules()
        if isinstance(m, kinds) and m.training
    ]


class CompiledFx:
    """A compiled model: call it with tensors or arrays. Each new input signature is a
    new export and compile behind a shape guard (the cache key), like Dynamo's
    recompiles; `report()` says what ran natively."""

    def __init__(
        self,
        model: Any,
        example_inputs: Sequence[Any],
        *,
        inline_params: bool = False,
        mode: str = "auto",
        pythonify: str | os.PathLike[str] | None = None,
    ) -> None:
        if layers := training_dependent(model):
            raise UnsupportedNodeError(
                f"graphlet.compile_fx compiles for inference, and {layers[0]} behaves "
                "differently in training mode: call model.eval() first (or use "
                "torch.compile(model, backend='graphlet') to train)"
            )
        self.model = model
        self.inline_params = inline_params
        self.mode = check_mode(mode)
        self.pythonify = pythonify
        self.graphs: dict[tuple[Any, ...], CompiledGraph] = {}
        self._layouts: dict[CompiledGraph, tuple[bool, ...]] = {}
        self._warned = False
        inputs = _as_torch(example_inputs)
        self._example_inputs = inputs
        self._first = self._graph(inputs)
        self._first_plan = self._first.plan(inputs)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as the model, its example inputs and the options, never as machine
        code: unpickling compiles again, which the on-disk cache of machine code
        answers without LLVM when this machine compiled the model before."""
        options = {"inline_params": self.inline_params, "mode": self.mode}
        return _compile_fx_again, (self.model, self._example_inputs, options)

    # ---- compiling

    def _graph(self, inputs: list[Any]) -> CompiledGraph:
        """The graph for these inputs: their shapes, dtypes and which tensors are
        contiguous (an export drops `contiguous()` of a contiguous input and makes
        `reshape` a `view`, so the graph returns the input, or a view of it, where eager
        copies one that is not); an `ExportedProgram`'s for every layout."""
        layout = layout_of(inputs)
        key = (*signature_of(inputs), layout)
        graph = self.graphs.get(key)
        if graph is not None:
            return graph
        any_layout = isinstance(self.model, torch.export.ExportedProgram)
        for graph in self.graphs.values():
            if graph.accepts(inputs) and (any_layout or self._layouts[graph] == layout):
                self.graphs[key] = graph
                return graph
        if self.graphs:
            first = self._first
            if len(inputs) != len(first.user_placeholders):
                raise TypeError(
                    f"expected {len(first.user_placeholders)} inputs, got {len(inputs)}"
                )
            if isinstance(self.model, torch.export.ExportedProgram):
                raise TypeError(
                    f"this ExportedProgram was exported for other input shapes than "
                    f"{[tuple(x.shape) for x in inputs if isinstance(x, torch.Tensor)]}; "
                    "export it with dynamic_shapes, or compile the module"
                )
        ep = export_core_aten(self.model, inputs)
        lifted, names = lifted_tensors(ep)
        graph = CompiledGraph(
            ep.graph_module,
            name=_name_of(self.model),
            lifted=lifted,
            param_names=names,
            inline_params=self.inline_params,
            mode=self.mode,
            pythonify=self.pythonify,
            made_in_forward=frozenset(ep.graph_signature.inputs_to_lifted_tensor_constants),
        )
        graph.out_spec = ep.call_spec.out_spec  # type: ignore[attr-defined]
        self.graphs[key] = graph
        self._layouts[graph] = layout
        return graph

    # ---- calling

    def __call__(self, *inputs: Any) -> Any:
        want_numpy = bool(inputs) and not any(isinstance(x, torch.Tensor) for x in inputs)
        args = _as_torch(inputs)
        graph = self._graph(args)
        self._warn_if_grad(args, graph)
        flat = graph(*args)
        out = torch.utils._pytree.tree_unflatten(list(flat), graph.out_spec)  # type: ignore[attr-defined]
        if want_numpy:
            return torch.utils._pytree.tree_map_only(torch.Tensor, lambda t: t.numpy(), out)
        return out

    def _warn_if_grad(self, inputs: list[Any], graph: CompiledGraph) -> None:
        if self._warned or not torch.is_grad_enabled():
            return
        tensors = [*inputs, *graph.lifted.values()]
        if any(isinstance(t, torch.Tensor) and t.requires_grad for t in tensors):
            self._warned = True
            warnings.warn(NO_AUTOGRAD, stacklevel=3)
            log.warning("graphlet: %s", NO_AUTOGRAD)

    # ---- what it did

    def report(self) -> Report:
        seen: list[CompiledGraph] = []
        for g in self.graphs.values():
            if all(g is not s for s in seen):
                seen.append(g)
        return Report([r for g in seen for r in g.reports()])

    @property
    def plan(self) -> Plan:
        return self._first_plan

    @property
    def imported(self) -> ImportedGraph:
        """The imported graph of the first signature (when it is one kernel)."""
        kernels = self._first_plan.kernels
        if len(kernels) != 1:
            raise ValueError(f"the graph was split into {len(kernels)} kernels; see .plan")
        return kernels[0].imported

    @property
    def module(self) -> ModuleOp:
        return self.imported.module

    @property
    def native(self) -> bool:
        """Whether every node of the first signature runs as native code."""
        return self._first_plan.report.all_native

    def side_by_side(self) -> str:
        return self._first.side_by_side()


def layout_of(inputs: Sequence[Any]) -> tuple[bool, ...]:
    """Whether each tensor input is contiguous."""
    return tuple(x.is_contiguous() for x in inputs if isinstance(x, torch.Tensor))


def _compile_fx_again(model: Any, example_inputs: list[Any], options: dict[str, Any]) -> CompiledFx:
    return CompiledFx(model, example_inputs, **options)


def _name_of(model: Any) -> str:
    if isinstance(model, torch.nn.Module):
        return type(model).__name__
    return getattr(model, "__name__", type(model).__name__)


def _as_torch(inputs: Sequence[Any]) -> list[Any]:
    return [torch.from_numpy(x) if isinstance(x, np.ndarray) else x for x in inputs]


def compile_fx(
    model: Any,
    example_inputs: Sequence[Any],
    *,
    inline_params: bool = False,
    mode: str = "auto",
    pythonify: str | os.PathLike[str] | None = None,
) -> CompiledFx:
    """Compile an nn.Module, function, GraphModule or ExportedProgram for these inputs.

    The model goes through `torch.export` and Core ATen decompositions. Parameters stay
    PyTorch's memory and are passed as arguments (no copy), or with `inline_params=True`
    become dense constants that folding can use. `mode` is "auto" (native where
    possible, the rest of the graph in PyTorch), "native" (raise unless every node is
    native) or "reference" (the reference interpreter). `pythonify="out.py"` writes
    each compiled signature as Python (`graphlet.frontend.fx.pythonify`)."""
    return CompiledFx(
        model, example_inputs, inline_params=inline_params, mode=mode, pythonify=pythonify
    )
