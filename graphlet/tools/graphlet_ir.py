"""`graphlet-ir`: extract a model's weight-free IR from the shell, and draw it.

    graphlet-ir extract MODULE:CALLABLE --input-shape 1x3x224x224 -o model.json
    graphlet-ir mermaid model.json             # Mermaid flowchart on stdout (or -o FILE)
    graphlet-ir dot model.json -o model.dot    # Graphviz

`CALLABLE` (a class or a function of no arguments, found in MODULE, which is imported
with the current directory on the path) is called under `torch.device("meta")` (or,
when its constructor reads a tensor it computed, `graphlet.build_on_meta`'s fallback),
so the model's weights are never allocated; a module object is used as it is. Each
`--input-shape` is one input, `1x3x224x224`, with an optional dtype: `1x8:int64`.
Errors are one line naming what is wrong, with exit status 1 (2 for bad usage).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphlet.frontend.model_ir import IRFormatError, ModelIR, ir_to_dot, ir_to_mermaid
from graphlet.tools import version_text


class UsageError(Exception):
    """A bad MODULE:CALLABLE or input shape."""


def parse_shape(text: str) -> tuple[tuple[int, ...], str]:
    """`1x3x224x224` -> ((1, 3, 224, 224), "float32"); `1x8:int64`; `scalar` is 0-d."""
    dims, _, dtype = text.partition(":")
    try:
        shape = () if dims == "scalar" else tuple(int(d) for d in dims.lower().split("x"))
    except ValueError:
        raise UsageError(
            f"--input-shape {text!r}: expected sizes joined by x, such as 1x3x224x224"
        ) from None
    if any(d < 0 for d in shape):
        raise UsageError(f"--input-shape {text!r}: a size is negative")
    return shape, dtype or "float32"


def load_callable(spec: str) -> Any:
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise UsageError(f"{spec!r} is not MODULE:CALLABLE (such as torchvision.models:resnet18)")
    sys.path.insert(0, str(Path.cwd()))
    try:
        value: Any = importlib.import_module(module_name)
    except ImportError as e:
        raise UsageError(f"cannot import {module_name}: {e}") from e
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise UsageError(f"{module_name} has no {attribute!r}")
        value = getattr(value, part)
    return value


def build_model(spec: str) -> Any:
    import torch

    factory = load_callable(spec)
    if isinstance(factory, torch.nn.Module):
        return factory.eval()
    if not callable(factory):
        raise UsageError(f"{spec} is a {type(factory).__name__}, not a class or function")
    from graphlet.frontend.model_ir.meta import build_on_meta

    model = build_on_meta(factory)
    if not isinstance(model, torch.nn.Module):
        raise UsageError(f"{spec}() returned a {type(model).__name__}, not a torch.nn.Module")
    return model.eval()


def example_inputs(shapes: Sequence[str]) -> tuple[Any, ...]:
    import torch

    inputs = []
    for text in shapes:
        shape, dtype_name = parse_shape(text)
        dtype = getattr(torch, dtype_name, None)
        if not isinstance(dtype, torch.dtype):
            raise UsageError(f"--input-shape {text!r}: {dtype_name!r} is not a torch dtype")
        inputs.append(torch.empty(shape, dtype=dtype, device="meta"))
    return tuple(inputs)


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text)


def _extract(options: argparse.Namespace) -> int:
    from graphlet.frontend.torch_entry import extract_ir, require_torch

    require_torch("extract_ir (graphlet-ir extract)")
    model = build_model(options.model)  # imports torch, which configures its loggers
    # a failed shape check is reported in one line below, not as torch's logged traceback
    logging.getLogger("torch._subclasses.fake_tensor").setLevel(logging.CRITICAL)

    ir = extract_ir(model, example_inputs(options.input_shape))
    _write(ir.to_json() + "\n", options.output)
    if options.output not in (None, "-"):
        print(
            f"{options.output}: {len(ir.nodes)} nodes, {len(ir.weights)} weights", file=sys.stderr
        )
    return 0


def _draw(options: argparse.Namespace) -> int:
    ir = ModelIR.load(options.file)
    _write((ir_to_mermaid if options.command == "mermaid" else ir_to_dot)(ir), options.output)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphlet-ir", description="Weight-free model IR: extract and draw."
    )
    parser.add_argument("--version", action="version", version=version_text("graphlet-ir"))
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="extract a model's IR on the meta device")
    extract.add_argument(
        "model",
        metavar="MODULE:CALLABLE",
        help="a model class or factory, such as torchvision.models:resnet18",
    )
    extract.add_argument(
        "--input-shape",
        action="append",
        required=True,
        metavar="SHAPE",
        help="one input's shape, 1x3x224x224, optionally :dtype (1x8:int64); once per input",
    )
    extract.add_argument("-o", "--output", help="the JSON file to write (default: stdout)")
    for name, what in (("mermaid", "a Mermaid flowchart"), ("dot", "a Graphviz digraph")):
        draw = commands.add_parser(name, help=f"draw an IR file as {what}")
        draw.add_argument("file", help="an IR file written by graphlet-ir extract or ModelIR.save")
        draw.add_argument("-o", "--output", help="the file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    try:
        return _extract(options) if options.command == "extract" else _draw(options)
    except (UsageError, IRFormatError, ModuleNotFoundError, OSError) as e:
        print(f"graphlet-ir: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # the model's own errors, export's, unsupported nodes: one line
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(
            f"graphlet-ir: error: {options.command}: {type(e).__name__}: {first}", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
