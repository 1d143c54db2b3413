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
        "        tensors = {**dict(model.named_parameters()), **dict(model.named_buffers())}\n"
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
    out.append(section("Graph body: the graph's IR as NumPy code (above), called on arrays"))
    out.append(
        "def run(*inputs):\n"
        "    check_inputs(inputs)\n"
        "    arrays = [inputs[index].detach().contiguous().numpy() for index, _, _ in INPUTS]\n"
        "    arrays += read_parameters()\n"
        f"    results = {driver.python_name('forward')}(*arrays)\n"
        "    results = results if isinstance(results, tuple) else (results,)\n"
        "    return tuple(torch.from_numpy(np.array(r)) for r in results)\n"
    )
    return "".join(out)


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
