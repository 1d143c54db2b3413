"""`extract_ir`: a model's Core ATen graph as a `ModelIR`, without its weights.

The model goes the way `compile_fx` takes it (`export_core_aten`: torch.export, then
Core ATen decompositions minus the ops graphlet keeps whole, such as
`aten.linear.default`). Built under `with torch.device("meta")`, its parameters are
meta tensors: export traces with fake tensors, so no weight is ever allocated and
every shape and dtype comes from the nodes' `meta["val"]`.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Sequence
from typing import Any

import torch
import torch.fx
from torch.export.graph_signature import InputKind

from graphlet.frontend.fx.compiled import training_dependent
from graphlet.frontend.fx.errors import UnsupportedNodeError, source_line
from graphlet.frontend.fx.export import export_core_aten
from graphlet.frontend.model_ir.ir import (
    IRNode,
    ModelIR,
    NodeInput,
    NodeOutput,
    TensorInfo,
    Weight,
    encoded_float,
)

_KINDS = {
    InputKind.PARAMETER: "parameter",
    InputKind.BUFFER: "buffer",
    InputKind.CONSTANT_TENSOR: "constant",
}


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _info(name: str, value: Any, where: str) -> TensorInfo:
    if not isinstance(value, torch.Tensor):
        raise UnsupportedNodeError(
            f"{where} is {value!r}, not a tensor: extract_ir records tensors only"
        )
    try:
        shape = tuple(int(s) for s in value.shape)
    except TypeError as e:  # a symbolic size that is not a number
        raise UnsupportedNodeError(f"{where} has a symbolic shape {tuple(value.shape)}") from e
    return TensorInfo(name, shape, dtype_name(value.dtype))


def encode_argument(value: Any, node: torch.fx.Node) -> Any:
    """A node argument in the IR's JSON encoding (`ir.TAGS`)."""
    if isinstance(value, torch.fx.Node):
        return {"ref": value.name}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return encoded_float(value)
    if isinstance(value, (list, tuple)):
        return [encode_argument(v, node) for v in value]
    if isinstance(value, torch.dtype):
        return {"dtype": dtype_name(value)}
    if isinstance(value, torch.device):
        return {"device": str(value)}
    if isinstance(value, torch.layout):
        return {"layout": str(value).removeprefix("torch.")}
    if isinstance(value, torch.memory_format):
        return {"memory_format": str(value).removeprefix("torch.")}
    raise UnsupportedNodeError(
        f"node {node.name} ({node.target}) at {source_line(node)}: argument {value!r} "
        f"({type(value).__name__}) has no IR encoding"
    )


def _on_meta(model: Any) -> bool:
    if not isinstance(model, torch.nn.Module):
        return False
    return any(t.is_meta for t in [*model.parameters(), *model.buffers()])


def _inputs(model: Any, example_inputs: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(example_inputs, torch.Tensor) or not isinstance(example_inputs, Sequence):
        raise TypeError(
            f"extract_ir takes a tuple of example inputs, not {type(example_inputs).__name__} "
            "(write (x,) for one input)"
        )
    for i, x in enumerate(example_inputs):
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"example_inputs[{i}] is a {type(x).__name__}: extract_ir takes tensors"
            )
    if _on_meta(model):  # a meta model's inputs must be meta too; their values do not matter
        return tuple(x.to("meta") for x in example_inputs)
    return tuple(example_inputs)


def _aliases(model: Any) -> dict[str, tuple[str, ...]]:
    """State-dict key -> the other keys of the same tensor (tied weights)."""
    if not isinstance(model, torch.nn.Module):
        return {}
    by_tensor: dict[int, list[str]] = {}
    named = [
        *model.named_parameters(remove_duplicate=False),
        *model.named_buffers(remove_duplicate=False),
    ]
    for name, t in named:
        by_tensor.setdefault(id(t), []).append(name)
    return {n: tuple(m for m in names if m != n) for names in by_tensor.values() for n in names}


def _model_name(model: Any) -> str:
    if isinstance(model, torch.export.ExportedProgram):
        return "ExportedProgram"
    if isinstance(model, torch.nn.Module):
        return type(model).__name__
    return getattr(model, "__name__", type(model).__name__)


def _output_names(node: torch.fx.Node) -> list[tuple[str, int | None, Any]]:
    """(name, tuple index, value) of each tensor a call makes: a tuple's elements are
    named after the `getitem` that reads them, or `<node>.<index>`."""
    value = node.meta.get("val")
    where = f"node {node.name} ({node.target}) at {source_line(node)}"
    if value is None:
        return []
    if isinstance(value, torch.Tensor):
        return [(node.name, None, value)]
    if isinstance(value, (list, tuple)):
        readers = {
            u.args[1]: u.name
            for u in node.users
            if u.op == "call_function" and u.target is operator.getitem
        }
        found: list[tuple[str, int | None, Any]] = []
        for i, v in enumerate(value):
            if v is None:
                continue
            if not isinstance(v, torch.Tensor):
                raise UnsupportedNodeError(f"{where}: output {i} is {v!r}, not a tensor")
            found.append((readers.get(i, f"{node.name}.{i}"), i, v))
        return found
    raise UnsupportedNodeError(f"{where}: its value {value!r} is not a tensor")


def _ir_of(ep: torch.export.ExportedProgram, model: Any) -> ModelIR:
    sig = ep.graph_signature
    if sig.buffers_to_mutate or getattr(sig, "user_inputs_to_mutate", None):
        raise UnsupportedNodeError(
            "the model mutates buffers or inputs (in training mode?): call model.eval() "
            "before extract_ir"
        )
    graph = ep.graph_module.graph
    placeholders = {n.name: n for n in graph.nodes if n.op == "placeholder"}
    aliases = _aliases(model)
    inputs: list[TensorInfo] = []
    weights: list[Weight] = []
    for spec in sig.input_specs:
        name = spec.arg.name
        value = placeholders[name].meta.get("val")
        if spec.kind == InputKind.USER_INPUT:
            inputs.append(_info(name, value, f"graph input {name}"))
            continue
        if spec.kind not in _KINDS or spec.target is None:
            raise UnsupportedNodeError(
                f"graph input {name} is a {spec.kind.name}, which extract_ir does not take"
            )
        t = _info(name, value, f"weight {spec.target}")
        weights.append(
            Weight(
                spec.target,
                t.shape,
                t.dtype,
                placeholder=name,
                kind=_KINDS[spec.kind],
                persistent=spec.kind == InputKind.PARAMETER or bool(spec.persistent),
                aliases=aliases.get(spec.target, ()),
            )
        )

    values: dict[str, tuple[TensorInfo, str | None]] = {t.name: (t, None) for t in inputs}
    values.update(
        {w.placeholder: (TensorInfo(w.placeholder, w.shape, w.dtype), None) for w in weights}
    )
    calls: list[
        tuple[torch.fx.Node, list[NodeInput], list[tuple[str, int | None, TensorInfo]]]
    ] = []
    consumers: dict[str, list[str]] = {}
    results: list[Any] = []
    for node in graph.nodes:
        if node.op == "output":
            results = list(torch.fx.node.map_arg(node.args[0], lambda n: n))
            continue
        if node.op != "call_function" or node.target is operator.getitem:
            continue
        if not isinstance(node.target, torch._ops.OpOverload):
            raise UnsupportedNodeError(
                f"node {node.name} ({node.target}) at {source_line(node)} is not an ATen call"
            )
        read: list[NodeInput] = []

        def note(
            arg: torch.fx.Node, node: torch.fx.Node = node, read: list[NodeInput] = read
        ) -> torch.fx.Node:
            info, producer = values[arg.name]
            read.append(NodeInput(info.name, info.shape, info.dtype, producer=producer))
            if node.name not in consumers.setdefault(arg.name, []):
                consumers[arg.name].append(node.name)
            return arg

        torch.fx.node.map_arg((node.args, node.kwargs), note)
        made = []
        for name, index, value in _output_names(node):
            info = _info(name, value, f"output {name} of node {node.name}")
            values[name] = (info, node.name)
            made.append((name, index, info))
        calls.append((node, read, made))

    nodes = [
        IRNode(
            name=node.name,
            op_type=str(node.target),
            inputs=tuple(read),
            outputs=tuple(
                NodeOutput(
                    t.name, t.shape, t.dtype, index=index, consumers=tuple(consumers.get(name, ()))
                )
                for name, index, t in made
            ),
            args=tuple(encode_argument(a, node) for a in node.args),
            kwargs={k: encode_argument(v, node) for k, v in node.kwargs.items()},
        )
        for node, read, made in calls
    ]
    outputs = []
    for i, r in enumerate(results):
        if not isinstance(r, torch.fx.Node) or r.name not in values:
            raise UnsupportedNodeError(
                f"the model's output {i} is {r!r}: extract_ir records tensor outputs only"
            )
        outputs.append(values[r.name][0])
    return ModelIR(
        model_name=_model_name(model),
        graph_inputs=inputs,
        graph_outputs=outputs,
        weights=weights,
        nodes=nodes,
        producer={"graphlet": _graphlet_version(), "torch": torch.__version__},
    )


def _graphlet_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("graphlet")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def extract_ir(model: Any, example_inputs: Sequence[Any]) -> ModelIR:
    """The IR of `model` traced with `example_inputs`: its Core ATen nodes, every
    tensor's shape and dtype, and its weights' names, shapes and dtypes (no values).

    Build the model under `with torch.device("meta")` to extract it without allocating
    its weights; inputs are moved to the meta device for such a model."""
    inputs = _inputs(model, example_inputs)
    if layers := training_dependent(model):
        raise UnsupportedNodeError(
            f"extract_ir records the inference graph, and {layers[0]} behaves differently "
            "in training mode: call model.eval() first"
        )
    # tensors the forward creates (torch.tensor(...), torch.arange(...)) go to the meta
    # device too, next to the model's
    device = torch.device("meta") if _on_meta(model) else contextlib.nullcontext()
    try:
        with device:
            ep = export_core_aten(model, inputs)
    except UnsupportedNodeError as e:
        cause = e.__cause__
        if isinstance(cause, torch._subclasses.fake_tensor.UnsupportedOperatorException):
            op = str(cause.func) if hasattr(cause, "func") else str(cause).strip().splitlines()[0]
            raise UnsupportedNodeError(
                f"extract_ir cannot trace {_model_name(model)}: {op} has no shape function "
                "(no fake/meta kernel); describe it with graphlet.register_op"
                f"({op.rsplit('.', 1)[0].replace('.', '::', 1)!r}, shape=...)"
            ) from e
        raise
    return _ir_of(ep, model)
