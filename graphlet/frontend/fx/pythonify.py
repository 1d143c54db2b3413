"""A compiled torch graph as a Python module: its input checks (shapes, dtypes), the
parameters it reads, and its body as NumPy code with PyTorch's rules (the graph's IR
printed by `graphlet.backend.python_source`, through the driver).

    compile_fx(model, inputs, pythonify="out.py")
    torch.compile(model, backend="graphlet", options={"pythonify": "out.py"})

Run the file with `exec(source, {"model": model})` (the parameters are read from the
model by name) or `{"parameters": [...]}` (in the order listed); `run(*inputs)` checks
the inputs and returns the graph's results, flat, as torch tensors. Each signature of
each graph gets a file: the first `out.py`, the next `out.1.py`, and so on.
"""

from __future__ import annotations

import itertools
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphlet.frontend.pythonify import PythonifyWarning, section, write_source

if TYPE_CHECKING:
    from graphlet.frontend.fx.graph import Plan

_FILES: dict[str, itertools.count[int]] = {}

SMALL_CONSTANT = 256
"""Parameters of at most this many elements are also written into the file, by value."""


def plan_source(name: str, signature: str, plan: Plan) -> str:
    """The Python module of one compiled signature; a plan that is not one native
    kernel (a partitioned graph) is a ValueError saying so."""
    from graphlet import driver
    from graphlet.frontend.pythonify import literal

    if len(plan.kernels) != 1 or not plan.report.all_native:
        raise ValueError(
            f"{name} {signature} runs as {len(plan.kernels)} kernels with "
            f"{len(plan.report.eager)} nodes in PyTorch; only a graph that is one native "
            "kernel is emitted as Python"
        )
    imported = plan.kernels[0].imported
    out = [f'"""graphlet pythonify: {name} for {signature}.\n\n']
    out.append(
        'Run it with `exec(source, {"model": model})` or `{"parameters": [...]}`, then\n'
        "`run(*inputs)`: the graph's results, flat, as torch tensors.\n"
        '"""\n'
    )
    out.append(driver.python_source(imported.module))
    out.append("import torch\n")
    out.append(section("Input checks: the shapes and dtypes this graph was compiled for"))
    specs = [
        (index, tuple(t.get_shape()), _dtype_name(t))
        for index, t in zip(imported.input_indices, imported.input_types)
    ]
    out.append(f"INPUTS = {specs!r}\n")
    out.append(
        '"""(position among the inputs, shape, dtype) of each tensor the graph reads."""\n\n\n'
    )
    out.append(
        "def check_inputs(inputs):\n"
        "    for index, shape, dtype in INPUTS:\n"
        "        if index >= len(inputs):\n"
        '            raise TypeError(f"expected a tensor as input {index}, got {len(inputs)} inputs")\n'
        "        x = inputs[index]\n"
        "        if not isinstance(x, torch.Tensor):\n"
        '            raise TypeError(f"input {index} must be a tensor, got {type(x).__name__}")\n'
        '        if tuple(x.shape) != shape or str(x.dtype).removeprefix("torch.") != dtype:\n'
        "            raise TypeError(\n"
        '                f"input {index} must be a {dtype} tensor of shape {shape}, got "\n'
        "                f\"{str(x.dtype).removeprefix('torch.')} of shape {tuple(x.shape)}\"\n"
        "            )\n"
    )
    out.append(section("Parameters: the model's tensors the graph reads, after the inputs"))
    params = [
        (name, tuple(p.shape), str(p.dtype).removeprefix("torch."))
        for name, p in zip(imported.param_names, imported.params)
    ]
    out.append(f"PARAMETERS = {params!r}\n")
    out.append('"""(name in the model, shape, dtype) of each parameter or buffer."""\n\n')
    small = {
        name: literal(p.detach().numpy())
        for name, p in zip(imported.param_names, imported.params)
        if p.numel() <= SMALL_CONSTANT
    }
    out.append("CONSTANTS = {\n")
    out.extend(f"    {name!r}: {value},\n" for name, value in small.items())
    out.append("}\n")
    out.append(
        '"""The small ones as compiled (for the constants export lifts out of the code)."""\n\n\n'
    )
    out.append(
        "def read_parameters():\n"
        '    given = globals().get("parameters")\n'
        "    if given is not None:\n"
        "        return [np.asarray(p.detach().numpy() if isinstance(p, torch.Tensor) else p) for p in given]\n"
        '    model = globals().get("model")\n'
        "    tensors = {}\n"
        "    if model is not None:\n"
        "        tensors = {  # every name of a tied weight (`lm_head.weight` is `wte.weight`)\n"
        "            **dict(model.named_parameters(remove_duplicate=False)),\n"
        "            **dict(model.named_buffers(remove_duplicate=False)),\n"
        "        }\n"
        "    found = []\n"
        "    for name, _, _ in PARAMETERS:\n"
        "        if name in tensors:\n"
        "            found.append(tensors[name].detach().contiguous().numpy())\n"
        "        elif name in CONSTANTS:\n"
        "            found.append(CONSTANTS[name])\n"
        "        else:\n"
        "            raise KeyError(f\"parameter {name!r}: run with {{'model': model}} or {{'parameters': [...]}}\")\n"
        "    return found\n"
    )
    out.append(section("Outputs: where each of the graph's outputs comes from"))
    out.append(
        "class Leaf:\n"
        '    """An output: the body\'s result `index` ("result") or the caller\'s input `index`\n'
        '    ("input"), returned as is."""\n\n'
        "    def __init__(self, kind, index):\n"
        "        self.kind, self.index = kind, index\n\n\n"
    )
    out.append(f"OUTPUTS = {output_tree_source(imported.output_tree)}\n")
    out.append(
        '"""The graph\'s output structure; a leaf that is no `Leaf` is a value the graph was\n'
        'specialised on."""\n\n\n'
        "def rebuild(tree, results, inputs):\n"
        "    if isinstance(tree, Leaf):\n"
        '        return results[tree.index] if tree.kind == "result" else inputs[tree.index]\n'
        "    if isinstance(tree, tuple | list):\n"
        "        return type(tree)(rebuild(t, results, inputs) for t in tree)\n"
        "    if isinstance(tree, dict):\n"
        "        return {k: rebuild(v, results, inputs) for k, v in tree.items()}\n"
        "    return tree\n"
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


def output_tree_source(tree: Any) -> str:
    """An `ImportedGraph.output_tree` as source: `Leaf("result", k)` for the body's
    result k, `Leaf("input", i)` for input i, containers and constants as themselves."""
    from graphlet.frontend.fx.importer import Input, Result
    from graphlet.frontend.pythonify import literal

    if isinstance(tree, Result):
        return f'Leaf("result", {tree.index})'
    if isinstance(tree, Input):
        return f'Leaf("input", {tree.index})'
    if isinstance(tree, tuple):
        return "(" + "".join(f"{output_tree_source(t)}, " for t in tree) + ")"
    if isinstance(tree, list):
        return "[" + ", ".join(output_tree_source(t) for t in tree) + "]"
    if isinstance(tree, dict):
        items = ", ".join(f"{k!r}: {output_tree_source(v)}" for k, v in tree.items())
        return "{" + items + "}"
    if tree is None or isinstance(tree, bool | int | float | str):
        return literal(tree)
    raise ValueError(f"an output of type {type(tree).__name__} has no source form")


def _dtype_name(t: Any) -> str:
    from graphlet.dialects import graphlet as g

    return str(g.np_dtype(t))


def write_plan(path: str | os.PathLike[str], name: str, signature: str, plan: Plan) -> None:
    """Writes the plan's module to `path` (the first of that path) or `path` numbered;
    a plan that cannot be emitted or a path that cannot be written is a warning."""
    key = os.fspath(path)
    number = next(_FILES.setdefault(key, itertools.count()))
    target = Path(key) if number == 0 else Path(key).with_suffix(f".{number}{Path(key).suffix}")
    what = f"{name} for {signature}"
    try:
        source = plan_source(name, signature, plan)
    except Exception as e:  # a partitioned graph, or an op the back end cannot print
        warnings.warn(
            f"graphlet pythonify: no Python source for {what}: {e}", PythonifyWarning, stacklevel=3
        )
        return
    write_source(target, source, what)
