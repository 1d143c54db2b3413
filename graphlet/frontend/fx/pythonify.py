"""A compiled torch graph as a Python module: its input checks (shapes, dtypes), the
parameters it reads, and its body as NumPy code with PyTorch's rules (the graph's IR
printed by `graphlet.backend.python_source`, through the driver). A graph split
between graphlet and PyTorch is the split graph's nodes in order: each native
partition a call of its IR as NumPy, each node graphlet does not compile the torch
call it is.

    compile_fx(model, inputs, pythonify="out.py")
    torch.compile(model, backend="graphlet", options={"pythonify": "out.py"})

Run the file with `exec(source, {"model": model})` (the parameters are read from the
model by name) or `{"parameters": [...]}` (in the order listed); `run(*inputs)` checks
the inputs and returns the graph's results, flat, as torch tensors. Each signature of
each graph gets a file: the first `out.py`, the next `out.1.py`, and so on.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import math
import operator
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphlet.frontend.pythonify import PythonifyWarning, section, write_source

if TYPE_CHECKING:
    import torch.fx

    from graphlet.frontend.fx.graph import CompiledGraph, Plan
    from graphlet.frontend.fx.importer import ImportedGraph

_FILES: dict[str, itertools.count[int]] = {}

SMALL_CONSTANT = 256
"""Parameters of at most this many elements are also written into the file, by value."""

HEADER = (
    'Run it with `exec(source, {"model": model})` or `{"parameters": [...]}`, then\n'
    "`run(*inputs)`: the graph's results, flat, as torch tensors.\n"
    '"""\n'
)

CHECK_INPUTS = """\
def check_inputs(inputs, specs=INPUTS, what="input"):
    for index, shape, dtype in specs:
        if index >= len(inputs):
            raise TypeError(f"expected a tensor as {what} {index}, got {len(inputs)} inputs")
        x = inputs[index]
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{what} {index} must be a tensor, got {type(x).__name__}")
        if tuple(x.shape) != shape or str(x.dtype).removeprefix("torch.") != dtype:
            raise TypeError(
                f"{what} {index} must be a {dtype} tensor of shape {shape}, got "
                f"{str(x.dtype).removeprefix('torch.')} of shape {tuple(x.shape)}"
            )
"""

READ_PARAMETERS = """\
def read_parameters():
    given = globals().get("parameters")
    if given is not None:
        return [np.asarray(p.detach().numpy() if isinstance(p, torch.Tensor) else p) for p in given]
    model = globals().get("model")
    tensors = {}
    if model is not None:
        tensors = {  # every name of a tied weight (`lm_head.weight` is `wte.weight`)
            **dict(model.named_parameters(remove_duplicate=False)),
            **dict(model.named_buffers(remove_duplicate=False)),
        }
    found = []
    for name, _, _ in PARAMETERS:
        if name in tensors:
            found.append(tensors[name].detach().contiguous().numpy())
        elif name in CONSTANTS:
            found.append(CONSTANTS[name])
        else:
            raise KeyError(f"parameter {name!r}: run with {{'model': model}} or {{'parameters': [...]}}")
    return found
"""

LEAF = """\
class Leaf:
    \"\"\"An output: the body's result `index` ("result"), the caller's input `index`
    ("input") or the model's tensor named `index` ("tensor"), returned as is; or a view
    ("view") of the leaf `index`, made by `ops` (function, arguments after the tensor,
    keywords) as eager makes it, or `fallback` when an op refuses the tensor.\"\"\"

    def __init__(self, kind, index, ops=(), fallback=None):
        self.kind, self.index, self.ops, self.fallback = kind, index, ops, fallback


def model_tensor(name):
    model = globals().get("model")
    if model is not None:
        tensors = {
            **dict(model.named_parameters(remove_duplicate=False)),
            **dict(model.named_buffers(remove_duplicate=False)),
        }
        if name in tensors:
            return tensors[name]
    names = [n for n, _, _ in PARAMETERS]
    return torch.from_numpy(read_parameters()[names.index(name)])


def rebuild(tree, results, inputs):
    if isinstance(tree, Leaf):
        if tree.kind == "view":
            x = rebuild(tree.index, results, inputs)
            try:
                for function, args, kwargs in tree.ops:
                    x = function(x, *args, **kwargs)
            except RuntimeError:
                if tree.fallback is None:
                    raise
                return rebuild(tree.fallback, results, inputs)
            return x
        if tree.kind == "tensor":
            return model_tensor(tree.index)
        return results[tree.index] if tree.kind == "result" else inputs[tree.index]
    if isinstance(tree, tuple | list):
        return type(tree)(rebuild(t, results, inputs) for t in tree)
    if isinstance(tree, dict):
        return {k: rebuild(v, results, inputs) for k, v in tree.items()}
    return tree
"""


def plan_source(graph: CompiledGraph, plan: Plan, inputs: Sequence[Any]) -> str:
    """The Python module of the plan `graph` compiled for `inputs`: one kernel's IR as
    NumPy, or a split graph's nodes (`split_source`)."""
    from graphlet import driver
    from graphlet.frontend.fx.graph import describe

    signature = describe(inputs)
    if plan.split is not None:
        return split_source(graph, signature, plan, inputs)
    imported = plan.kernels[0].imported
    out = [f'"""graphlet pythonify: {graph.name} for {signature}.\n\n', HEADER]
    out.append(driver.python_source(imported.module))
    out.append("import operator\n\nimport torch\n")
    out.append(section("Input checks: the shapes and dtypes this graph was compiled for"))
    out.append(f"INPUTS = {_tensor_specs(imported)!r}\n")
    out.append(
        '"""(position among the inputs, shape, dtype) of each tensor the graph reads."""\n\n\n'
    )
    out.append(CHECK_INPUTS)
    out.append(section("Parameters: the model's tensors the graph reads, after the inputs"))
    out.append(_parameters(list(zip(imported.param_names, imported.params))))
    out.append(section("Outputs: where each of the graph's outputs comes from"))
    out.append(LEAF)
    out.append(f"\n\nOUTPUTS = {output_tree_source(imported.output_tree, imported.held_names)}\n")
    out.append(
        '"""The graph\'s output structure; a leaf that is no `Leaf` is a value the graph was\n'
        'specialised on."""\n'
    )
    out.append(section("Graph body: the graph's IR as NumPy code (above), called on arrays"))
    out.append(
        "def run(*inputs):\n"
        '    """The graph\'s outputs (torch tensors, in its output structure) for these inputs."""\n'
        "    check_inputs(inputs)\n"
        "    arrays = [inputs[index].detach().contiguous().numpy() for index, _, _ in INPUTS]\n"
        "    arrays += read_parameters()\n"
        f"    results = {driver.python_name('forward')}(*arrays)\n"
        "    results = results if isinstance(results, tuple) else (results,)\n"
        "    results = [torch.from_numpy(np.array(r)) for r in results]\n"
        "    return rebuild(OUTPUTS, results, inputs)\n"
    )
    return "".join(out)


def _tensor_specs(imported: ImportedGraph) -> list[tuple[int, tuple[int, ...], str]]:
    """(position among the caller's values, shape, dtype) of each tensor a kernel reads."""
    return [
        (index, tuple(t.get_shape()), _dtype_name(t))
        for index, t in zip(imported.input_indices, imported.input_types)
    ]


def _parameters(named: list[tuple[str, Any]]) -> str:
    """The PARAMETERS table, the small ones by value, and `read_parameters`."""
    from graphlet.frontend.pythonify import literal

    params = [(name, tuple(p.shape), str(p.dtype).removeprefix("torch.")) for name, p in named]
    small = {name: literal(p.detach().numpy()) for name, p in named if p.numel() <= SMALL_CONSTANT}
    return (
        f"PARAMETERS = {params!r}\n"
        '"""(name in the model, shape, dtype) of each parameter or buffer."""\n\n'
        "CONSTANTS = {\n"
        + "".join(f"    {name!r}: {value},\n" for name, value in small.items())
        + "}\n"
        '"""The small ones as compiled (for the constants export lifts out of the code)."""\n\n\n'
        + READ_PARAMETERS
    )


CALL_PARTITION = """\
def call_partition(function, specs, constants, outputs, args, what):
    \"\"\"A native partition: the tensors it reads (checked) as arrays, then its own
    constants, through its IR as NumPy; its results as torch tensors, in its outputs.\"\"\"
    check_inputs(args, specs, f"argument of {what}")
    arrays = [args[index].detach().contiguous().numpy() for index, _, _ in specs]
    results = function(*arrays, *constants)
    results = results if isinstance(results, tuple) else (results,)
    results = [torch.from_numpy(np.array(r)) for r in results]
    return rebuild(outputs, results, args)
"""


def split_source(graph: CompiledGraph, signature: str, plan: Plan, inputs: Sequence[Any]) -> str:
    """A graph split between graphlet and PyTorch: the split graph's nodes in order,
    each partition (a `KernelModule`) a call of its IR as NumPy, each other node the
    torch call it is; a node of another kind is a ValueError naming it."""
    import torch

    from graphlet import driver
    from graphlet.frontend.fx.kernel import KernelModule
    from graphlet.frontend.pythonify import literal

    split = plan.split
    assert split is not None
    nodes = list(split.graph.nodes)
    partitions: dict[str, Any] = {}
    for node in nodes:
        if node.op == "call_module":
            module = split.get_submodule(str(node.target))
            if not isinstance(module, KernelModule):
                raise ValueError(f"node {node.name!r} calls the module {node.target!r}")
            partitions[str(node.target)] = module.kernel
    eager = {e.name: e for e in plan.report.eager}
    out = [f'"""graphlet pythonify: {graph.name} for {signature}, split between\n']
    out.append(
        f"graphlet ({len(partitions)} partitions, their IR as NumPy) and PyTorch "
        f"({len(eager)} nodes as torch calls).\n\n"
    )
    out.append(HEADER)
    out.append(
        driver.python_sources([(f"{name}_", k.imported.module) for name, k in partitions.items()])
    )
    out.append("import operator\n\nimport torch\n")

    user = [n for n in nodes if n.op == "placeholder" and n.name not in graph.lifted]
    out.append(section("Input checks: the shapes and dtypes this graph was compiled for"))
    specs, numbers = [], []
    for index, value in enumerate(inputs):
        if isinstance(value, torch.Tensor):
            specs.append((index, tuple(value.shape), str(value.dtype).removeprefix("torch.")))
        elif isinstance(value, bool | int | float):
            numbers.append((index, value))
    out.append(f"INPUTS = {specs!r}\n")
    out.append('"""(position among the inputs, shape, dtype) of each tensor input."""\n\n')
    out.append(f"NUMBERS = [{', '.join(f'({i}, {literal(v)})' for i, v in numbers)}]\n")
    out.append(
        '"""(position, value) of each number input: the graph is compiled for the value."""\n\n\n'
    )
    out.append(CHECK_INPUTS)
    out.append(
        "\n\ndef check_numbers(inputs):\n"
        "    for index, value in NUMBERS:\n"
        "        x = inputs[index]\n"
        "        if type(x) is not type(value) or repr(x) != repr(value):\n"
        '            raise TypeError(f"input {index} must be {value!r}, got {x!r}")\n'
    )
    lifted = [n for n in nodes if n.op == "placeholder" and n.name in graph.lifted]
    out.append(section("Parameters: the model's tensors the graph reads, after the inputs"))
    out.append(
        _parameters([(graph.param_names.get(n.name, n.name), graph.lifted[n.name]) for n in lifted])
    )

    names = _variable_names(nodes, set(partitions))
    out.append(section("Native partitions: each one's IR as NumPy (above), called on its tensors"))
    out.append(LEAF)
    out.append("\n\n" + CALL_PARTITION)
    for name, kernel in partitions.items():
        imported = kernel.imported
        constants = ", ".join(
            _constant(p, f"{name}'s parameter {i}") for i, p in enumerate(imported.params)
        )
        how = "native code" if kernel.native else "the reference interpreter"
        out.append(
            f"\n\ndef call_{name}(*args):\n"
            f'    """Partition {name} (run by {how} in the compiled graph)."""\n'
            f"    return call_partition(\n"
            f"        {driver.python_name('forward', name + '_')},\n"
            f"        {_tensor_specs(imported)!r},\n"
            f"        [{constants}],\n"
            f"        {output_tree_source(imported.output_tree, imported.held_names)},\n"
            f"        args,\n"
            f"        {name!r},\n"
            "    )\n"
        )
    out.append(section("Graph body: the split graph's nodes in order (eager ones as torch calls)"))
    out.append(
        "def run(*inputs):\n"
        '    """The graph\'s outputs (torch tensors, flat) for these inputs."""\n'
        "    check_inputs(inputs)\n"
        "    check_numbers(inputs)\n"
    )
    if lifted:
        out.append(
            f"    {', '.join(names[n.name] for n in lifted)}, = "
            "(torch.from_numpy(np.asarray(p)) for p in read_parameters())\n"
        )
    if user:
        out.append(f"    {', '.join(names[n.name] for n in user)}, = inputs\n")
    for node in nodes:
        if node.op == "placeholder":
            continue
        if node.op == "output":
            out.append(f"    return {_argument(node.args[0], names)}\n")
            break
        out.append(f"    {names[node.name]} = {_expression(node, names, split)}")
        if node.name in eager:
            out.append(f"  # eager: {eager[node.name].reason}"[:200].replace("\n", " "))
        out.append("\n")
    return "".join(out)


def _variable_names(nodes: list[torch.fx.Node], partitions: set[str]) -> dict[str, str]:
    """Each node's variable in `run`: its name, unless the module needs that name."""
    taken = {"torch", "np", "math", "operator", "inputs", "run", "check_inputs", "check_numbers"}
    taken |= {"read_parameters", "call_partition", "rebuild", "Leaf", "model_tensor"}
    taken |= set(dir(builtins))
    taken |= {f"call_{p}" for p in partitions}
    names = {}
    for node in nodes:
        name = node.name
        while name in taken or keyword.iskeyword(name):
            name += "_"
        taken.add(name)
        names[node.name] = name
    return names


def _constant(tensor: Any, what: str) -> str:
    from graphlet.frontend.pythonify import literal

    if tensor.numel() > SMALL_CONSTANT:
        raise ValueError(f"{what} has {tensor.numel()} elements: only small ones are written")
    return f"torch.from_numpy({literal(tensor.detach().numpy())})"


def _expression(node: torch.fx.Node, names: dict[str, str], split: torch.fx.GraphModule) -> str:
    """A split graph's node as the Python expression that computes it."""
    args = [_argument(a, names) for a in node.args]
    args += [f"{k}={_argument(v, names)}" for k, v in node.kwargs.items()]
    if node.op == "call_module":
        return f"call_{node.target}({', '.join(args)})"
    if node.op == "call_function":
        return f"{_function_name(node.target, node.name)}({', '.join(args)})"
    if node.op == "call_method":
        return f"{args[0]}.{node.target}({', '.join(args[1:])})"
    if node.op == "get_attr":
        value = operator.attrgetter(str(node.target))(split)
        return _constant(value, f"the attribute {node.target!r} (node {node.name!r})")
    raise ValueError(f"node {node.name!r} is a {node.op!r}, which has no source form")


def _function_name(target: Any, what: str) -> str:
    """How the module names a node's function (`torch.ops.aten.add.Tensor`,
    `operator.getitem`): checked to resolve to the node's own function; `what` names
    the node in errors."""
    import torch

    if isinstance(target, torch._ops.OpOverload):
        name = f"torch.ops.{target.namespace}.{target._opname}.{target._overloadname}"
    elif isinstance(target, torch._ops.OpOverloadPacket):
        name = f"torch.ops.{target._qualified_op_name.replace('::', '.')}"
    else:
        module = getattr(target, "__module__", None) or ""
        module = "operator" if module == "_operator" else module
        name = f"{module}.{getattr(target, '__qualname__', '')}"
    head, *rest = name.split(".")
    if head not in ("torch", "operator", "math"):
        raise ValueError(f"node {what!r} calls {target!r}, which has no source form here")
    found: Any = {"torch": torch, "operator": operator, "math": math}[head]
    for part in rest:
        found = getattr(found, part, None)
    if found is not target:
        raise ValueError(f"node {what!r} calls {target!r}, which {name} does not name")
    return name


def _argument(value: Any, names: dict[str, str]) -> str:
    """A node's argument as source: a node as its variable, containers and constants
    (numbers, dtypes, devices, layouts, memory formats) as themselves."""
    import torch
    import torch.fx

    from graphlet.frontend.pythonify import literal

    if isinstance(value, torch.fx.Node):
        return names[value.name]
    if isinstance(value, tuple):
        return "(" + "".join(f"{_argument(v, names)}, " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_argument(v, names) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_argument(v, names)}" for k, v in value.items()) + "}"
    if value is None or isinstance(value, bool | int | float | str):
        return literal(value)
    if isinstance(value, torch.dtype | torch.layout | torch.memory_format):
        return str(value)
    if isinstance(value, torch.device):
        return f"torch.device({str(value)!r})"
    raise ValueError(f"an argument of type {type(value).__name__} has no source form")


def output_tree_source(tree: Any, held: Sequence[str] = ()) -> str:
    """An `ImportedGraph.output_tree` as source: `Leaf("result", k)` for the body's
    result k, `Leaf("input", i)` for input i, `Leaf("tensor", name)` for the model's
    tensor, `Leaf("view", base, ops, fallback)` for a view, containers and constants
    as themselves. `held` names the model's tensors (`ImportedGraph.held_names`)."""
    from graphlet.frontend.fx.importer import Held, Input, Result, View
    from graphlet.frontend.pythonify import literal

    if isinstance(tree, Result):
        return f'Leaf("result", {tree.index})'
    if isinstance(tree, Input):
        return f'Leaf("input", {tree.index})'
    if isinstance(tree, Held):
        return f'Leaf("tensor", {held[tree.index]!r})'
    if isinstance(tree, View):
        ops = "".join(
            f"({_function_name(f, 'an output view')}, {_argument(tuple(a), {})}, "
            f"{_argument(dict(k), {})}), "
            for f, a, k in tree.ops
        )
        fallback = output_tree_source(tree.fallback) if tree.fallback is not None else "None"
        return f'Leaf("view", {output_tree_source(tree.base, held)}, ({ops}), {fallback})'
    if isinstance(tree, tuple):
        return "(" + "".join(f"{output_tree_source(t, held)}, " for t in tree) + ")"
    if isinstance(tree, list):
        return "[" + ", ".join(output_tree_source(t, held) for t in tree) + "]"
    if isinstance(tree, dict):
        items = ", ".join(f"{k!r}: {output_tree_source(v, held)}" for k, v in tree.items())
        return "{" + items + "}"
    if tree is None or isinstance(tree, bool | int | float | str):
        return literal(tree)
    raise ValueError(f"an output of type {type(tree).__name__} has no source form")


def _dtype_name(t: Any) -> str:
    from graphlet.dialects import graphlet as g

    return str(g.np_dtype(t))


def write_plan(
    path: str | os.PathLike[str], graph: CompiledGraph, plan: Plan, inputs: Sequence[Any]
) -> None:
    """Writes the plan's module to `path` (the first of that path) or `path` numbered;
    a plan that cannot be emitted or a path that cannot be written is a warning."""
    from graphlet.frontend.fx.graph import describe

    key = os.fspath(path)
    number = next(_FILES.setdefault(key, itertools.count()))
    target = Path(key) if number == 0 else Path(key).with_suffix(f".{number}{Path(key).suffix}")

    what = f"{graph.name} for {describe(inputs)}"
    try:
        source = plan_source(graph, plan, inputs)
    except Exception as e:  # an op the back end cannot print, a node with no source form
        warnings.warn(
            f"graphlet pythonify: no Python source for {what}: {e}", PythonifyWarning, stacklevel=3
        )
        return
    write_source(target, source, what)
