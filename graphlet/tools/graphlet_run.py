"""`graphlet-run FILE --entry NAME --args A B ...`: run one function of an IR file.

Arguments are parsed by the function's signature (`3`, `-2.5`, `nan`, `-inf`,
`True`/`true`/`1`); the function is compiled natively (or, with `--interpret`, run by
the reference interpreter) and each result is printed on its own line in Python's
repr (`4950`, `5.0`, `True`). A plain `llvm.func` (upstream's llvm dialect, as
`mlir-runner -e NAME` runs it) is called directly, with i1/i8/i16/i32/i64/f32/f64
arguments and result. An exception raised by the program is printed as Python prints its last line (`ZeroDivisionError: integer division or modulo by
zero`) with exit status 1; a bad file, entry or argument gives a one-line located
message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import IntegerType, ModuleOp
from xdsl.ir import Attribute

from graphlet.dialects import graphlet as g
from graphlet.locations import LocatingParser
from graphlet.tools import version_text
from graphlet.tools.diagnostics import report_errors
from graphlet.transforms.graphlet_verify import verify_module

_TRUE, _FALSE = ("true", "1"), ("false", "0")
OPTIONS = ("--entry", "--interpret", "--opt-level", "--args", "--help")


class UsageError(Exception):
    """A bad entry name or argument: reported as `FILE: error: ...`, exit 1."""


def parse_argument(text: str, t: Attribute, position: int, entry: str) -> Any:
    """The Python value of command-line argument `text` for IR type `t`."""
    try:
        if t == g.BOOL:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError
        if t == g.INT:
            return (
                int(text, 0)
                if text.lower().lstrip("+-").startswith(("0x", "0o", "0b"))
                else int(text)
            )
        if t == g.FLOAT:
            return float(text)
    except ValueError:
        pass
    else:
        raise UsageError(
            f"@{entry} argument {position} has type {t}, which graphlet-run cannot pass"
        )
    expected: dict[Attribute, str] = {
        g.BOOL: "a bool (True/False)",
        g.INT: "an int",
        g.FLOAT: "a float",
    }
    raise UsageError(f"@{entry} argument {position} ({t}) must be {expected[t]}, got {text!r}")


def _split_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """Takes the values after `--args` out of argv, so that `-inf` or `-3` are values,
    not options; they end at the next graphlet-run option."""
    for i, arg in enumerate(argv):
        if arg.startswith("--args="):  # `--args=10`: the first value is attached
            argv = [*argv[:i], "--args", arg.removeprefix("--args="), *argv[i + 1 :]]
            break
    if "--args" not in argv:
        return argv, []
    start = argv.index("--args")
    end = start + 1
    while end < len(argv) and argv[end].split("=")[0] not in OPTIONS:
        end += 1
    return argv[:start] + argv[end:], argv[start + 1 : end]


def _entry(module: ModuleOp, name: str, filename: str) -> func.FuncOp:
    functions = [op for op in module.ops if isinstance(op, func.FuncOp) and not op.is_declaration]
    for op in functions:
        if op.sym_name.data == name:
            return op
    known = ", ".join(f"@{op.sym_name.data}" for op in functions) or "none"
    raise UsageError(f"no function @{name} in {filename} (functions: {known})")


def _format(results: Any, count: int) -> list[str]:
    if count == 0:
        return []
    values = results if count > 1 else (results,)
    return [repr(v) for v in values]


def main(argv: Sequence[str] | None = None) -> int:
    rest, raw_args = _split_args(list(sys.argv[1:] if argv is None else argv))
    parser = argparse.ArgumentParser(
        prog="graphlet-run", description="Run a function of a graphlet IR file."
    )
    parser.add_argument("file", help="IR file (graphlet/func/arith/scf/cf)")
    parser.add_argument("--entry", required=True, help="the function to call")
    parser.add_argument(
        "--args",
        nargs="*",
        default=[],
        metavar="ARG",
        help="its arguments: 3, -2.5, nan, inf, True/false",
    )
    parser.add_argument(
        "--interpret",
        action="store_true",
        help="run the reference interpreter instead of native code",
    )
    parser.add_argument(
        "--opt-level",
        type=int,
        default=2,
        choices=range(4),
        help="LLVM optimization level (default 2)",
    )
    parser.add_argument("--version", action="version", version=version_text("graphlet-run"))
    options = parser.parse_args(rest)

    with report_errors(options.file):
        try:
            return _run(options, raw_args)
        except UsageError as e:
            print(f"{options.file}: error: {e}", file=sys.stderr)
            return 1


def _run(options: argparse.Namespace, raw_args: list[str]) -> int:
    from graphlet.registry import make_context

    ctx = make_context()
    with open(options.file) as f:
        text = f.read()
    module = LocatingParser(ctx, text, options.file).parse_module()
    verify_module(module)
    plain = _plain_entry(module, options.entry)
    if plain is not None:
        return _run_plain(options, module, plain, raw_args)
    entry = _entry(module, options.entry, options.file)
    arg_types = entry.function_type.inputs.data
    result_types = entry.function_type.outputs.data
    for t in (*arg_types, *result_types):
        if t not in g.SCALAR_TYPES:
            raise UsageError(
                f"@{options.entry} has a {t} argument or result; graphlet-run passes "
                "only i1, i64 and f64"
            )
    if len(raw_args) != len(arg_types):
        raise UsageError(
            f"@{options.entry} takes {len(arg_types)} argument(s), "
            f"{len(raw_args)} given with --args"
        )
    args = [
        parse_argument(text, t, i + 1, options.entry)
        for i, (text, t) in enumerate(zip(raw_args, arg_types))
    ]

    if options.interpret:
        from graphlet.runtime.interpreter import interpret

        def call() -> Any:
            return _shape(interpret(module, options.entry, args), result_types)
    else:
        from graphlet.driver import compile_native

        native = compile_native(module, opt_level=options.opt_level, ctx=ctx)
        if options.entry not in native.functions:
            raise UsageError(f"@{options.entry} is private: only public functions run natively")

        def call() -> Any:
            return native[options.entry](*args)

    try:
        results = call()
    except Exception as e:  # the program's own exception, as Python prints it
        print(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, file=sys.stderr)
        return 1
    for line in _format(results, len(result_types)):
        print(line)
    return 0


def _plain_entry(module: ModuleOp, name: str) -> llvm.FuncOp | None:
    """`llvm.func @name` when the module has no `func.func` of that name (a file of
    upstream's llvm dialect, run as `mlir-runner -e name` would)."""
    if any(isinstance(op, func.FuncOp) and op.sym_name.data == name for op in module.ops):
        return None
    for op in module.ops:
        if isinstance(op, llvm.FuncOp) and op.sym_name.data == name:
            return op
    return None


def _plain_argument(text: str, t: Attribute, position: int, entry: str) -> Any:
    """The Python value of `text` for an i1/iN/f32/f64 argument of a plain llvm.func."""
    value: Any = None
    if isinstance(t, IntegerType) and t.width.data == 1:
        value = True if text.lower() in _TRUE else False if text.lower() in _FALSE else None
    elif isinstance(t, IntegerType):
        try:
            digits = text.lower().lstrip("+-")
            value = int(text, 0) if digits.startswith(("0x", "0o", "0b")) else int(text)
        except ValueError:
            value = None
        width = t.width.data
        if value is not None and not -(1 << (width - 1)) <= value < (1 << width):
            raise UsageError(f"@{entry} argument {position} ({t}) is out of range: {text}")
    else:
        try:
            value = float(text)
        except ValueError:
            value = None
    if value is None:
        raise UsageError(f"@{entry} argument {position} ({t}) cannot be {text!r}")
    return value


def _run_plain(
    options: argparse.Namespace, module: ModuleOp, entry: llvm.FuncOp, raw_args: list[str]
) -> int:
    from graphlet.backend.jit import JitEngine
    from graphlet.backend.targets import call_llvm_function, plain_signature

    if options.interpret:
        raise UsageError(f"--interpret runs func.func functions; @{options.entry} is an llvm.func")
    inputs, _ = plain_signature(entry)
    if len(raw_args) != len(inputs):
        raise UsageError(
            f"@{options.entry} takes {len(inputs)} argument(s), {len(raw_args)} given with --args"
        )
    args = [
        _plain_argument(text, t, i + 1, options.entry)
        for i, (text, t) in enumerate(zip(raw_args, inputs))
    ]
    engine = JitEngine.from_module(module, opt_level=options.opt_level)
    for value in call_llvm_function(engine, entry, args):
        print(repr(value))
    return 0


def _shape(values: tuple[Any, ...], result_types: Sequence[Attribute]) -> Any:
    values = tuple(bool(v) if t == g.BOOL else v for v, t in zip(values, result_types))
    return values[0] if len(values) == 1 else values


if __name__ == "__main__":
    sys.exit(main())
