"""`compile_fx`'s route to Core ATen: `torch.export.export` + `run_decompositions`.

The decomposition table is PyTorch's default (Core ATen) minus the ops graphlet has a
direct handler for (declared as `aten.<op>.<overload>`, such as `aten.linear.default`),
which then stay whole in the graph.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.fx

from graphlet.frontend.fx.backward_decompositions import backward_decompositions
from graphlet.frontend.fx.errors import UnsupportedNodeError
from graphlet.frontend.fx.registry import declared_overloads


@functools.cache
def _kept() -> tuple[torch._ops.OpOverload, ...]:
    return tuple(declared_overloads())


def export_decompositions() -> Any:
    """`torch.export.default_decompositions()` without the ops graphlet keeps whole."""
    with _cia_scan_memoized():
        table = torch.export.default_decompositions()
        for op in _kept():
            with contextlib.suppress(KeyError):  # `table.pop(op, None)`, which is unannotated
                del table[op]
        table.keys()  # type: ignore[no-untyped-call]  # materialises the lazy table under the memo
    return table


_CIA_SCAN_USERS = ("torch.export.exported_program", "torch.export.decomp_utils")
"""The modules that call `torch._export.utils._collect_all_valid_cia_ops`, by name."""

_cia_scans: dict[tuple[Any, ...], set[Any]] = {}


def _cia_registry() -> tuple[Any, ...]:
    """What torch's scan of CompositeImplicitAutograd ops reads: the C++ dispatcher's
    registrations for that key and the op namespaces (torch.library adds to both)."""
    registrations = torch._C._dispatch_get_registrations_for_dispatch_key(
        "CompositeImplicitAutograd"
    )
    return len(registrations), hash(tuple(registrations)), tuple(torch.ops._dir)


@contextlib.contextmanager
def _cia_scan_memoized() -> Any:
    """Within graphlet's own export calls, torch's scan of every op namespace for
    CompositeImplicitAutograd ops (half of `run_decompositions` on a small graph:
    it re-materialises every C++ op once per namespace, twice a call) runs once per
    state of the op registry. torch leaves it uncached because custom ops can be
    registered between calls; the registry state is the memo's key, so a new op is
    seen. Callers get a copy: torch mutates the set it is given."""
    import importlib

    from torch._export import utils

    scan = utils._collect_all_valid_cia_ops

    def memoized() -> set[Any]:
        key = _cia_registry()
        if key not in _cia_scans:
            _cia_scans.clear()
            _cia_scans[key] = set(scan())
        return set(_cia_scans[key])

    users = [importlib.import_module(name) for name in _CIA_SCAN_USERS]
    saved = [module.__dict__.get("_collect_all_valid_cia_ops") for module in users]
    for module in users:
        module._collect_all_valid_cia_ops = memoized  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, original in zip(users, saved):
            module._collect_all_valid_cia_ops = original  # type: ignore[attr-defined]


_AOT_EXTRA = ("_native_batch_norm_legit_functional",)
"""Ops AOTAutograd's functionalization leaves that the Core ATen table does not
decompose: training-mode batch norm (batch statistics, running-stat updates)."""


def aot_decompositions() -> dict[Any, Callable[..., Any]]:
    """Core ATen decompositions for AOTAutograd, without the ops graphlet keeps whole,
    and the backward ops Core ATen keeps whole as ops graphlet compiles."""
    from torch._decomp import core_aten_decompositions, get_decompositions

    table = dict(core_aten_decompositions())
    table.update(get_decompositions([getattr(torch.ops.aten, name) for name in _AOT_EXTRA]))
    for op in _kept():
        table.pop(op, None)
    table.update(backward_decompositions())
    return table


def _function_module(fn: Callable[..., Any]) -> torch.nn.Module:
    """A plain function as a module, for `torch.export`; its forward has the function's
    signature, so the graph's inputs keep the function's parameter names."""

    class Function(torch.nn.Module):
        def forward(self, *args: Any) -> Any:
            return fn(*args)

    # export records only `forward` frames as the user's source lines; the function's too
    anchor = getattr(torch.fx.proxy, "_register_stack_trace_anchor", None)
    if anchor is not None:
        anchor(fn)

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return Function()
    me = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    Function.forward.__signature__ = inspect.Signature([me, *params])  # type: ignore[attr-defined]
    Function.__name__ = Function.__qualname__ = getattr(fn, "__name__", "Function")
    return Function()


def _without_guards(gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """`ExportedProgram.module()` checks its input shapes in a `_guards_fn` call; graphlet
    guards shapes itself (and re-exports for new ones), so the call is dropped."""
    guards = [n for n in gm.graph.nodes if n.op == "call_module" and n.target == "_guards_fn"]
    if not guards:
        return gm
    graph = torch.fx.Graph()
    graph.output(graph.graph_copy(gm.graph, {}))
    graph._codegen = gm.graph._codegen
    for node in list(graph.nodes):
        if node.op == "call_module" and node.target == "_guards_fn":
            graph.erase_node(node)
    copy = torch.fx.GraphModule(gm, graph)
    copy.meta.update(gm.meta)
    return copy


def as_module(model: Any) -> torch.nn.Module:
    if isinstance(model, torch.fx.GraphModule):
        return _without_guards(model)
    if isinstance(model, torch.nn.Module):
        return model
    if callable(model):
        return _function_module(model)
    raise TypeError(f"compile_fx takes a module, a function or an ExportedProgram, not {model!r}")


def _needs_decomposition(ep: torch.export.ExportedProgram, table: Any) -> bool:
    keys = set(table.keys())
    return any(
        n.op == "call_function" and (n.target in keys or not _is_core(n.target))
        for n in ep.graph.nodes
    )


def _is_core(target: Any) -> bool:
    if not isinstance(target, torch._ops.OpOverload):
        return True
    return torch.Tag.core in target.tags or target in _kept()


def export_core_aten(model: Any, example_inputs: Sequence[Any]) -> torch.export.ExportedProgram:
    """The model as a Core ATen `ExportedProgram` traced with these inputs."""
    if isinstance(model, torch.export.ExportedProgram):
        ep = model
    else:
        module = as_module(model)
        try:
            ep = torch.export.export(module, tuple(example_inputs))
        except Exception as e:  # torch.export raises many kinds; the message says why
            name = getattr(model, "__qualname__", type(model).__name__)
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise UnsupportedNodeError(f"torch.export cannot trace {name}: {first}") from e
    table = export_decompositions()
    if _needs_decomposition(ep, table):
        with _cia_scan_memoized():
            ep = ep.run_decompositions(table)
    return ep


def lifted_tensors(
    ep: torch.export.ExportedProgram,
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Placeholder name -> tensor, and placeholder name -> its name in the module, for
    the parameters, buffers and constants the program lifted to inputs."""
    sig = ep.graph_signature
    tensors: dict[str, torch.Tensor] = {}
    names: dict[str, str] = {}
    for placeholder, fqn in sig.inputs_to_parameters.items():
        tensors[placeholder], names[placeholder] = ep.state_dict[fqn], fqn
    for placeholder, fqn in sig.inputs_to_buffers.items():
        tensors[placeholder] = ep.state_dict[fqn] if fqn in ep.state_dict else ep.constants[fqn]
        names[placeholder] = fqn
    for placeholder, fqn in sig.inputs_to_lifted_tensor_constants.items():
        tensors[placeholder], names[placeholder] = ep.constants[fqn], fqn
    for placeholder, fqn in getattr(sig, "inputs_to_lifted_custom_objs", {}).items():
        obj = ep.constants[fqn]
        if isinstance(obj, torch.Generator):
            raise UnsupportedNodeError(
                "the model makes a torch.Generator in forward: torch.export keeps one "
                "generator across calls and drops its seeding, so a second call would "
                "draw other numbers than the model; use torch.compile(model, "
                "backend='graphlet') instead"
            )
        # Other script objects: the nodes reading one run eagerly, from here.
        tensors[placeholder], names[placeholder] = obj, fqn
    if sig.buffers_to_mutate or getattr(sig, "user_inputs_to_mutate", None):
        raise UnsupportedNodeError(
            "the program mutates buffers or inputs (a model in training mode?); "
            "graphlet.compile_fx compiles for inference"
        )
    return tensors, names
