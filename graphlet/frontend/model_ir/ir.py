"""The weight-free model IR and its JSON file format (version 1, see docs/extract-ir.md).

Torch-free: an IR file loads, validates and draws without PyTorch. Every value is
named once (a graph input, a weight, or a node's output); a node's inputs refer to
those names, with the producing node (`producer`), and each output lists the nodes
that read it (`consumers`), so the graph can be walked either way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "graphlet-ir"
VERSION = 1
"""The version of the JSON layout this graphlet writes and reads."""

WEIGHT_KINDS = ("parameter", "buffer", "constant")


class IRFormatError(ValueError):
    """An IR file (or dict) that is not version-1 graphlet IR; the message names the
    file and the place in it (`model.json: nodes[3].outputs[0].shape: ...`)."""


@dataclass(frozen=True)
class TensorInfo:
    """A named tensor value: its shape and dtype (PyTorch's name without `torch.`)."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


@dataclass(frozen=True)
class Weight(TensorInfo):
    """A parameter, buffer or constant of the model: metadata only, never values.

    `name` is its key in the model's state dict (`fc1.weight`), `placeholder` the name
    the graph's nodes use for it (`p_fc1_weight`); `aliases` are other state-dict
    keys of the same tensor (tied weights); a non-persistent buffer or a constant is
    not in the state dict and is taken from the model when the IR is verified."""

    placeholder: str = ""
    kind: str = "parameter"
    persistent: bool = True
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "placeholder": self.placeholder,
            "kind": self.kind,
            "persistent": self.persistent,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True)
class NodeInput(TensorInfo):
    """A tensor a node reads; `producer` is the node that made it (None for a graph
    input or a weight)."""

    producer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "producer": self.producer}


@dataclass(frozen=True)
class NodeOutput(TensorInfo):
    """A tensor a node makes; `index` is its position when the op returns a tuple."""

    index: int | None = None
    consumers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = {**super().to_dict(), "consumers": list(self.consumers)}
        if self.index is not None:
            d["index"] = self.index
        return d


@dataclass(frozen=True)
class IRNode:
    """One ATen call. `args`/`kwargs` are the call's arguments in the encoding of
    `encode_value` (tensors as `{"ref": name}`), enough to execute the node again."""

    name: str
    op_type: str
    inputs: tuple[NodeInput, ...]
    outputs: tuple[NodeOutput, ...]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def op(self) -> str:
        """The op's short name: `linear` for `aten.linear.default`."""
        parts = self.op_type.split(".")
        return parts[1] if len(parts) == 3 else self.op_type

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "op_type": self.op_type,
            "inputs": [i.to_dict() for i in self.inputs],
            "outputs": [o.to_dict() for o in self.outputs],
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
        }


@dataclass
class ModelIR:
    """A model's Core ATen graph with every tensor's shape and dtype and no weights."""

    model_name: str
    graph_inputs: list[TensorInfo]
    graph_outputs: list[TensorInfo]
    weights: list[Weight]
    nodes: list[IRNode]
    producer: dict[str, str] = field(default_factory=dict)
    """What wrote the file (graphlet's and torch's versions): informative only."""

    # ---- queries

    def node(self, name: str) -> IRNode:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"the IR has no node {name!r}")

    def weight_by_placeholder(self) -> dict[str, Weight]:
        return {w.placeholder: w for w in self.weights}

    def op_types(self) -> list[str]:
        """Each op type once, in order of first use."""
        return list(dict.fromkeys(n.op_type for n in self.nodes))

    def __iter__(self) -> Iterator[IRNode]:
        return iter(self.nodes)

    # ---- JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "producer": dict(self.producer),
            "model_name": self.model_name,
            "graph_inputs": [t.to_dict() for t in self.graph_inputs],
            "graph_outputs": [t.to_dict() for t in self.graph_outputs],
            "weights": [w.to_dict() for w in self.weights],
            "nodes": [n.to_dict() for n in self.nodes],
        }

    def to_json(self) -> str:
        """The file's text: one line per field, and per entry of the lists (a node, a
        weight), so that files diff line by line."""
        lines = []
        for key, value in self.to_dict().items():
            if isinstance(value, list) and value:
                items = ",\n".join(f"  {_compact(v)}" for v in value)
                lines.append(f' "{key}": [\n{items}\n ]')
            else:
                lines.append(f' "{key}": {_compact(value)}')
        return "{\n" + ",\n".join(lines) + "\n}"

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> ModelIR:
        """The IR of a parsed file; `source` names it in errors."""
        return _Reader(source).model(data)

    @classmethod
    def load(cls, path: str | Path) -> ModelIR:
        try:
            text = Path(path).read_text()
        except OSError as e:
            raise IRFormatError(f"{path}: cannot read: {e.strerror or e}") from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise IRFormatError(
                f"{path}: not JSON: line {e.lineno} column {e.colno}: {e.msg}"
            ) from e
        return cls.from_dict(data, str(path))


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), allow_nan=False)


def load_ir(path: str | Path) -> ModelIR:
    """`ModelIR.load(path)`."""
    return ModelIR.load(path)


# --------------------------------------------------------------------------- argument encoding

TAGS = ("ref", "float", "dtype", "device", "layout", "memory_format")
"""The one-key objects of the argument encoding; any other value is a JSON literal
(int, finite float, bool, null, string) or a list of encoded values."""


def encoded_float(x: float) -> Any:
    """A float as JSON: itself when finite, else `{"float": "inf" | "-inf" | "nan"}`."""
    return x if math.isfinite(x) else {"float": repr(x)}


def refs_in(value: Any) -> Iterator[str]:
    """The names of the tensors an encoded argument refers to, in order."""
    if isinstance(value, dict) and "ref" in value:
        yield value["ref"]
    elif isinstance(value, list):
        for v in value:
            yield from refs_in(v)


# --------------------------------------------------------------------------- validation


class _Reader:
    """Checks a parsed file against the version-1 layout while building the IR; each
    error names the file and the path to the bad field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> IRFormatError:
        return IRFormatError(
            f"{self.source}: {where}: {what}" if where else f"{self.source}: {what}"
        )

    def field(self, d: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if key not in d:
            raise self.fail(where, f"missing field {key!r}")
        value = d[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.fail(f"{where}.{key}" if where else key, f"expected {names}, got {value!r}")
        return value

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {value!r}")
        return value

    def items(self, d: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
        values = self.field(d, key, list, where)
        prefix = f"{where}.{key}" if where else key
        return [(f"{prefix}[{i}]", self.obj(v, f"{prefix}[{i}]")) for i, v in enumerate(values)]

    def tensor(self, d: dict[str, Any], where: str) -> tuple[str, tuple[int, ...], str]:
        name = self.field(d, "name", str, where)
        shape = self.field(d, "shape", list, where)
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
            raise self.fail(
                f"{where}.shape", f"expected a list of sizes (ints >= 0), got {shape!r}"
            )
        return name, tuple(shape), self.field(d, "dtype", str, where)

    def model(self, data: Any) -> ModelIR:
        d = self.obj(data, "")
        if d.get("format") != FORMAT:
            raise self.fail(
                "", f"not a graphlet IR file (its 'format' is {d.get('format')!r}, not {FORMAT!r})"
            )
        version = d.get("version")
        if version != VERSION:
            raise self.fail(
                "version",
                f"IR format version {version!r} is not supported (this graphlet reads version {VERSION})",
            )
        producer = d.get("producer", {})
        if not isinstance(producer, dict):
            raise self.fail("producer", f"expected an object, got {producer!r}")
        inputs = [TensorInfo(*self.tensor(t, w)) for w, t in self.items(d, "graph_inputs", "")]
        weights = [self.weight(t, w) for w, t in self.items(d, "weights", "")]
        nodes = [self.node(n, w) for w, n in self.items(d, "nodes", "")]
        outputs = [TensorInfo(*self.tensor(t, w)) for w, t in self.items(d, "graph_outputs", "")]
        ir = ModelIR(
            model_name=self.field(d, "model_name", str, ""),
            graph_inputs=inputs,
            graph_outputs=outputs,
            weights=weights,
            nodes=nodes,
            producer={str(k): str(v) for k, v in producer.items()},
        )
        self.check_names(ir)
        return ir

    def weight(self, d: dict[str, Any], where: str) -> Weight:
        kind = self.field(d, "kind", str, where)
        if kind not in WEIGHT_KINDS:
            raise self.fail(
                f"{where}.kind", f"expected one of {', '.join(WEIGHT_KINDS)}, got {kind!r}"
            )
        aliases = self.field(d, "aliases", list, where)
        if not all(isinstance(a, str) for a in aliases):
            raise self.fail(f"{where}.aliases", f"expected a list of strings, got {aliases!r}")
        return Weight(
            *self.tensor(d, where),
            placeholder=self.field(d, "placeholder", str, where),
            kind=kind,
            persistent=self.field(d, "persistent", bool, where),
            aliases=tuple(aliases),
        )

    def node(self, d: dict[str, Any], where: str) -> IRNode:
        inputs = []
        for w, i in self.items(d, "inputs", where):
            producer = i.get("producer")
            if producer is not None and not isinstance(producer, str):
                raise self.fail(f"{w}.producer", f"expected a node name or null, got {producer!r}")
            inputs.append(NodeInput(*self.tensor(i, w), producer=producer))
        outputs = []
        for w, o in self.items(d, "outputs", where):
            index = o.get("index")
            if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
                raise self.fail(f"{w}.index", f"expected an int, got {index!r}")
            consumers = self.field(o, "consumers", list, w)
            if not all(isinstance(c, str) for c in consumers):
                raise self.fail(
                    f"{w}.consumers", f"expected a list of node names, got {consumers!r}"
                )
            outputs.append(NodeOutput(*self.tensor(o, w), index=index, consumers=tuple(consumers)))
        args = self.field(d, "args", list, where)
        kwargs = self.field(d, "kwargs", dict, where)
        for position, a in enumerate(args):
            self.argument(a, f"{where}.args[{position}]")
        for k, a in kwargs.items():
            self.argument(a, f"{where}.kwargs.{k}")
        return IRNode(
            name=self.field(d, "name", str, where),
            op_type=self.field(d, "op_type", str, where),
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            args=tuple(args),
            kwargs=kwargs,
        )

    def argument(self, value: Any, where: str) -> None:
        if isinstance(value, list):
            for i, v in enumerate(value):
                self.argument(v, f"{where}[{i}]")
        elif isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in TAGS:
                raise self.fail(
                    where, f"expected a one-key object with key {' | '.join(TAGS)}, got {value!r}"
                )
            if not isinstance(next(iter(value.values())), str):
                raise self.fail(where, f"expected a string value, got {value!r}")
        elif not isinstance(value, (int, float, str, type(None))):
            raise self.fail(where, f"not an argument: {value!r}")

    def check_names(self, ir: ModelIR) -> None:
        """Every name defined once, every reference to a value defined before it, and
        the producer/consumer links consistent with the references."""
        defined: dict[str, str | None] = {}

        def define(name: str, producer: str | None, where: str) -> None:
            if name in defined:
                raise self.fail(where, f"the name {name!r} is defined twice")
            defined[name] = producer

        for i, t in enumerate(ir.graph_inputs):
            define(t.name, None, f"graph_inputs[{i}]")
        for i, w in enumerate(ir.weights):
            define(w.placeholder, None, f"weights[{i}]")
        consumers: dict[str, list[str]] = {}
        for k, n in enumerate(ir.nodes):
            where = f"nodes[{k}] ({n.name})"
            refs = [r for a in [*n.args, *n.kwargs.values()] for r in refs_in(a)]
            listed = [i.name for i in n.inputs]
            if refs != listed:
                raise self.fail(where, f"its args refer to {refs} but its inputs are {listed}")
            for j, read in enumerate(n.inputs):
                if read.name not in defined:
                    raise self.fail(
                        f"{where}.inputs[{j}]", f"{read.name!r} is not defined before this node"
                    )
                if read.producer != defined[read.name]:
                    raise self.fail(
                        f"{where}.inputs[{j}]",
                        f"{read.name!r} is made by {defined[read.name]!r}, not {read.producer!r}",
                    )
                consumers.setdefault(read.name, [])
                if n.name not in consumers[read.name]:
                    consumers[read.name].append(n.name)
            for j, o in enumerate(n.outputs):
                define(o.name, n.name, f"{where}.outputs[{j}]")
        for k, n in enumerate(ir.nodes):
            for j, o in enumerate(n.outputs):
                if list(o.consumers) != consumers.get(o.name, []):
                    raise self.fail(
                        f"nodes[{k}] ({n.name}).outputs[{j}].consumers",
                        f"{list(o.consumers)} but the nodes that read {o.name!r} are {consumers.get(o.name, [])}",
                    )
        for i, t in enumerate(ir.graph_outputs):
            if t.name not in defined:
                raise self.fail(f"graph_outputs[{i}]", f"{t.name!r} is not defined in the graph")
