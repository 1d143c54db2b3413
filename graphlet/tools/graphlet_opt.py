"""`graphlet-opt`: xDSL's `xdsl-opt` driver with graphlet's dialects and passes, and
mlir-opt's conventions.

Argument parsing, printing and targets are xDSL's; this file registers graphlet's
parts, accepts mlir-opt's spellings (`--pass-pipeline` with nested anchors, repeated
`-p`, `--mlir-*`, `-` for stdin, `--list-passes`, `--show-dialects`, split markers,
`--mlir-print-ir-*` dumps, `--verify-roundtrip`), verifies as strictly as MLIR after
parsing and after every pass (`--verify-each`, on by default) and turns every error
into a located diagnostic with a non-zero exit.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import time
from collections.abc import Sequence
from io import BytesIO, StringIO
from typing import IO

from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer
from xdsl.utils.exceptions import DiagnosticException, ParseError, ShrinkException
from xdsl.xdsl_opt_main import xDSLOptMain

from graphlet import registry
from graphlet.locations import LocatingParser
from graphlet.tools import version_text
from graphlet.tools.diagnostics import STAGE, report_errors, run_with_deep_stack
from graphlet.tools.pass_pipeline import AnchoredPass, parse_spec, split_top_level
from graphlet.tools.verify_diagnostics import has_expectations, run_verify_diagnostics
from graphlet.transforms.graphlet_verify import verify_module

_ALIASES = {
    "--mlir-timing": "--time-passes",
    "--mlir-print-debuginfo": "--print-debuginfo",
    "--mlir-print-op-generic": "--print-op-generic",
    "--mlir-disable-verifier": "--disable-verify",
}
"""mlir-opt's spellings of xdsl-opt's flags."""

_XDSL_TARGETS = ("arm-asm", "csl", "mps", "riscv-asm", "wat", "wgsl", "x86-asm")
"""xDSL's targets for its own backend dialects: any other input is refused."""

_COMMENT = re.compile(r"//[^\n]*")

DEFAULT_SPLIT_MARKER = "// -----"


class GraphletOptMain(xDSLOptMain):
    version_format = "graphlet-opt"

    def register_all_dialects(self) -> None:
        for name, factory in registry.all_dialects().items():
            self.ctx.register_dialect(name, factory)

    def register_all_frontends(self) -> None:
        super().register_all_frontends()  # type: ignore[no-untyped-call]  # unannotated in xDSL 0.74
        self._chunk_line_offset = 0

        def parse_mlir(io: IO[bytes]) -> ModuleOp:
            text = io.read().decode(errors="replace")
            if not _COMMENT.sub("", text).strip():
                return ModuleOp([])  # mlir-opt prints an empty module for an empty input
            parser = LocatingParser(self.ctx, text, self.get_input_name())
            parser.line_offset = self._chunk_line_offset
            return parser.parse_module(not self.args.no_implicit_module)

        self.available_frontends["mlir"] = parse_mlir

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        for container in (arg_parser, arg_parser._optionals):  # mlir-opt's flag replaces xDSL's
            container.conflict_handler = "resolve"
        arg_parser.add_argument(
            "--split-input-file",
            nargs="?",
            const=DEFAULT_SPLIT_MARKER,
            default=None,
            metavar="MARKER",
            help="split the input at lines that are MARKER alone (default `// -----`) and "
            "process each chunk independently",
        )
        arg_parser.add_argument(
            "--output-split-marker",
            default=DEFAULT_SPLIT_MARKER,
            metavar="MARKER",
            help="the line written between the outputs of split chunks (default `// -----`)",
        )
        for flag, text in (
            ("--mlir-print-ir-before-all", "print the IR before each pass, on stderr"),
            ("--mlir-print-ir-after-all", "print the IR after each pass, on stderr"),
            (
                "--mlir-print-ir-after-change",
                "with --mlir-print-ir-after-all: only after a pass that changed the IR",
            ),
            (
                "--mlir-print-ir-after-failure",
                "print the IR after a pass that failed (or left invalid IR), on stderr",
            ),
            (
                "--verify-roundtrip",
                "check that the parsed IR prints, in custom and generic form, as text "
                "that parses back to the same IR",
            ),
        ):
            arg_parser.add_argument(flag, default=False, action="store_true", help=text)
        arg_parser.add_argument(
            "--verify-each",
            type=_boolean,
            default=True,
            metavar="BOOL",
            help="verify the IR after every pass, as strictly as MLIR (default true)",
        )
        for action in arg_parser._actions:
            if "--passes" in action.option_strings:
                action.help = (
                    "comma-separated pass pipeline, `pass{option=value}`; may be repeated "
                    "(see --list-passes; graphlet's passes: "
                    + ", ".join(registry.GRAPHLET_PASSES)
                    + ")"
                )
            elif "--version" in action.option_strings:
                action.help = "print graphlet-opt's version"

    _input: bytes | None = None

    def read_input(self) -> bytes:
        """The whole input, kept for `run` (stdin can be read once only)."""
        stream, _ = super().get_input_stream()
        with stream:
            self._input = stream.read()
        return self._input

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        if self._input is None:
            return super().get_input_stream()
        return BytesIO(self._input), "mlir"

    def get_input_name(self) -> str:
        return self.args.input_file or "<stdin>"

    def prepare_input(self) -> tuple[list[tuple[IO[bytes], int]], str]:
        """xDSL's, but `--split-input-file` splits only at lines that are the marker."""
        marker = self.args.split_input_file
        if not marker:
            return super().prepare_input()
        self.args.split_input_file = None
        try:
            chunks, extension = super().prepare_input()
        finally:
            self.args.split_input_file = marker
        whole = chunks[0][0]
        text = whole.read()
        whole.close()
        pieces = split_chunks(text, marker)
        return [(BytesIO(chunk), offset) for chunk, offset in pieces], extension

    def run(self) -> None:
        """xDSL's loop over the chunks, with `--output-split-marker` between outputs."""
        chunks, file_extension = self.prepare_input()
        output = self.prepare_output()
        marker = self.args.output_split_marker
        try:
            for i, (chunk, offset) in enumerate(chunks):
                try:
                    if i > 0 and marker:
                        output.write(marker + "\n")
                    module = self.parse_chunk(chunk, file_extension, offset)
                    if module is not None:
                        self.apply_passes(module)
                        output.write(self.output_resulting_program(module))
                    output.flush()
                except ParseError as e:
                    e.span = dataclasses.replace(e.span, line_offset=offset)
                    if not self.args.parsing_diagnostics:
                        raise
                    print(e)
                except DiagnosticException as e:
                    if not self.args.verify_diagnostics:
                        raise
                    print(e)
                finally:
                    chunk.close()
        except ShrinkException:
            print("Success, can shrink")
            sys.exit(0)
        finally:
            if output is not sys.stdout:
                output.close()
        if self.args.shrink:
            print("Failure, can't shrink")
            sys.exit(1)

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        self._chunk_line_offset = start_offset
        return super().parse_chunk(chunk, file_extension, start_offset)

    def register_all_passes(self) -> None:
        super().register_all_passes()  # type: ignore[no-untyped-call]  # unannotated in xDSL 0.74
        for name, factory in registry.GRAPHLET_PASSES.items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        super().register_all_targets()  # type: ignore[no-untyped-call]  # unannotated in xDSL 0.74
        for name, factory in registry.GRAPHLET_TARGETS.items():
            self.available_targets[name] = factory

    _running: ModulePass | None = None
    """The pass being applied, for `--mlir-print-ir-after-failure`."""
    _before: str | None = None
    """The IR before the running pass, for `--mlir-print-ir-after-change`."""

    def setup_pipeline(self) -> None:
        """xDSL's pipeline with graphlet's verifier: after parsing always (unless
        --disable-verify), after each pass while --verify-each holds; and mlir-opt's
        IR dumps around each pass."""
        timer = time.perf_counter()
        args = self.args
        after_all, after_change = args.mlir_print_ir_after_all, args.mlir_print_ir_after_change
        after_failure = args.mlir_print_ir_after_failure

        def callback(
            previous: ModulePass | None, module: ModuleOp, following: ModulePass | None
        ) -> None:
            nonlocal timer
            if self.args.time_passes and previous is not None:
                print(f"Pass {_pass_name(previous)} took {time.perf_counter() - timer} seconds")
            if not self.args.disable_verify and (previous is None or self.args.verify_each):
                try:
                    verify_module(module, after=_pass_name(previous) if previous else None)
                except Exception:
                    if previous is not None and (after_all or after_failure):
                        self._dump(module, "After", previous, failed=True)
                    self._running = None
                    raise
            if previous is None and args.verify_roundtrip:
                self._verify_roundtrip(module)
            changed = not after_change or self._before != self._fingerprint(module)
            if previous is not None and after_all and not after_failure and changed:
                self._dump(module, "After", previous)
            if following is not None and args.mlir_print_ir_before_all:
                self._dump(module, "Before", following)
            if following is not None and after_all and after_change:
                self._before = self._fingerprint(module)
            self._running = following
            if previous and following and self.args.print_between_passes:
                print(f"IR after {_pass_name(previous)}:")
                Printer(stream=sys.stdout).print_op(module)
                print("\n\n\n")
            if self.args.time_passes and following is not None:
                timer = time.perf_counter()
            STAGE.running = f"pass {_pass_name(following)}" if following is not None else None

        passes = parse_spec(self.available_passes, self.args.passes or "")
        self.pipeline = PassPipeline(passes, callback)

    def apply_passes(self, prog: ModuleOp) -> None:
        try:
            super().apply_passes(prog)
        except Exception:
            failed, self._running = self._running, None
            if failed is not None and (
                self.args.mlir_print_ir_after_all or self.args.mlir_print_ir_after_failure
            ):
                self._dump(prog, "After", failed, failed=True)
            raise

    def _printer(self, stream: IO[str], generic: bool | None = None) -> Printer:
        return Printer(
            stream=stream,
            print_generic_format=self.args.print_op_generic if generic is None else generic,
            print_debuginfo=self.args.print_debuginfo,
        )

    def _dump(self, module: ModuleOp, when: str, pass_: ModulePass, failed: bool = False) -> None:
        """mlir-opt's `--mlir-print-ir-*` dump on stderr: the module, or for a pass
        nested under an anchor each op it runs on, named as mlir-opt names it."""
        status = " Failed" if failed else ""
        inner = pass_.innermost if isinstance(pass_, AnchoredPass) else pass_
        head = f"// -----// IR Dump {when} {type(inner).__name__}{status} ({inner.name})"
        for op, scope in self._dump_scopes(module, pass_):
            text = StringIO()
            self._printer(text).print_op(op)
            sys.stderr.write(f"{head}{scope} //----- //\n{text.getvalue()}\n\n")
        sys.stderr.flush()

    def _dump_scopes(self, module: ModuleOp, pass_: ModulePass) -> list[tuple[Operation, str]]:
        if not isinstance(pass_, AnchoredPass):
            return [(module, "")]
        scopes: list[tuple[Operation, str]] = [(module, "")]
        anchored: AnchoredPass | ModulePass = pass_
        while isinstance(anchored, AnchoredPass):
            scopes = [(op, "") for parent, _ in scopes for op in anchored.targets(parent)]
            anchored = anchored.inner
        named = []
        for op, _ in scopes:
            symbol = op.properties.get("sym_name") or op.attributes.get("sym_name")
            label = f": @{symbol.data}" if isinstance(symbol, StringAttr) else ""
            named.append((op, f" ('{op.name}' operation{label})"))
        return named

    def _fingerprint(self, module: ModuleOp) -> str:
        text = StringIO()
        Printer(stream=text, print_generic_format=True).print_op(module)
        return text.getvalue()

    def _verify_roundtrip(self, module: ModuleOp) -> None:
        """mlir-opt's `--verify-roundtrip`: the IR printed in each form parses back to IR
        that prints as the original does."""
        expected = self._print(module, generic=False)
        for form, generic in (("custom", False), ("generic", True)):
            text = self._print(module, generic=generic)
            try:
                again = Parser(self.ctx, text, "<round-trip>").parse_module()
                again.verify()
            except Exception as e:
                first = (str(e) or type(e).__name__).strip().splitlines()
                raise DiagnosticException(
                    f"{self.get_input_name()}: error: the IR does not round-trip: its {form} "
                    f"form does not parse back ({' '.join(first[-1:])})"
                ) from None
            if self._print(again, generic=False) != expected:
                raise DiagnosticException(
                    f"{self.get_input_name()}: error: the IR does not round-trip: parsed back "
                    f"from its {form} form, it prints differently"
                )

    def _print(self, module: ModuleOp, generic: bool) -> str:
        text = StringIO()
        Printer(stream=text, print_generic_format=generic).print_op(module)
        return text.getvalue()

    def output_resulting_program(self, prog: ModuleOp) -> str:
        target = self.args.target.split("{")[0]
        STAGE.running = f"target {target}"
        if target in _XDSL_TARGETS:
            try:
                return super().output_resulting_program(prog)
            except (AssertionError, AttributeError, TypeError, KeyError, ValueError):
                raise DiagnosticException(
                    f"target '{target}' cannot print this IR: it prints only the ops of "
                    f"xDSL's {target.split('-')[0]} dialects (for LLVM IR use -t llvm)"
                ) from None
        return super().output_resulting_program(prog)


def split_chunks(text: bytes, marker: str = DEFAULT_SPLIT_MARKER) -> list[tuple[bytes, int]]:
    """The chunks of `text` between lines that are `marker` alone (as mlir-opt splits, so
    that a `// CHECK: // -----` line stays in its chunk), each with the number of lines
    before it (a chunk starts with the rest of its marker line, so line numbers stay the
    file's)."""
    pattern = re.compile(rb"^[ \t]*" + re.escape(marker.strip().encode()) + rb"[ \t]*$", re.M)
    chunks: list[tuple[bytes, int]] = []
    start = 0
    for marker_line in pattern.finditer(text):
        chunks.append((text[start : marker_line.start()], text.count(b"\n", 0, start)))
        start = marker_line.end()
    chunks.append((text[start:], text.count(b"\n", 0, start)))
    return chunks


def _boolean(text: str) -> bool:
    if text.lower() in ("1", "true", "on", "yes"):
        return True
    if text.lower() in ("0", "false", "off", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def normalize_arguments(args: Sequence[str]) -> list[str]:
    """mlir-opt's command line as xdsl-opt's: every `-p`/`--passes` and
    `--pass-pipeline='builtin.module(...)'` joined into one `-p`, `--mlir-*`
    aliases renamed, `-` (stdin, or stdout after `-o`) dropped, `--verify-each`
    given a value."""
    passes: list[str] = []
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        name, eq, value = arg.partition("=")
        if name in ("-p", "--passes", "--pass-pipeline"):
            spec = value if eq else next(items, "")
            if name == "--pass-pipeline":
                spec = _strip_anchor(spec)
            if spec:
                passes.append(spec)
        elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            passes.append(arg[2:])
        elif name in _ALIASES:
            rest.append(_ALIASES[name] + (eq + value if eq else ""))
        elif arg == "-" and rest and rest[-1] in ("-o", "--output-file"):
            rest.pop()  # `-o -`: stdout, xdsl-opt's default
        elif arg in ("-", "--output-file=-", "-o=-"):
            continue  # `-` as the input: stdin
        elif arg == "--verify-each":
            rest.append("--verify-each=true")
        elif arg == "--split-input-file":  # a marker only after `=`, as in mlir-opt
            rest.append(f"--split-input-file={DEFAULT_SPLIT_MARKER}")
        else:
            rest.append(arg)
    return rest + (["-p", ",".join(passes)] if passes else [])


def _strip_anchor(spec: str) -> str:
    """`builtin.module(a,func.func(b{x=1}))` -> `a,func.func(b{x=1})`: the module's
    pipeline as a `-p` spec; nested anchors stay (see `graphlet.tools.pass_pipeline`),
    empty ones are dropped."""
    spec = spec.strip()
    match = re.fullmatch(r"(?:builtin\.)?module\((.*)\)", spec, re.DOTALL)
    if match is None:
        raise ValueError(f"--pass-pipeline expects 'builtin.module(pass1,pass2,...)', got {spec!r}")
    return ",".join(_pipeline_elements(match.group(1), spec))


def _pipeline_elements(text: str, whole: str) -> list[str]:
    """The elements of a comma-separated pipeline, each a pass with its `{options}` as
    written or an `anchor(...)` of such elements."""
    elements: list[str] = []
    for element in split_top_level(text, whole):
        anchor = re.fullmatch(r"([\w.$-]+)\s*\((.*)\)", element, re.DOTALL)
        if anchor is not None:
            inner = _pipeline_elements(anchor.group(2), whole)
            if inner:
                elements.append(f"{anchor.group(1)}({','.join(inner)})")
        elif re.fullmatch(r"[\w.$-]+\s*(\{.*\})?", element, re.DOTALL):
            elements.append(re.sub(r"^([\w.$-]+)\s*", r"\1", element))
        else:
            raise ValueError(f"--pass-pipeline: cannot read {element!r} in {whole!r}")
    return elements


def _pass_name(pass_: ModulePass) -> str:
    return pass_.innermost.name if isinstance(pass_, AnchoredPass) else pass_.name


def list_passes() -> str:
    """graphlet's passes with their one-line summaries, then xDSL's names."""
    lines = ["graphlet's passes:"]
    for name, factory in registry.GRAPHLET_PASSES.items():
        lines.append(f"  {name:<28} {_summary(factory(), name)}")
    xdsl = sorted(set(registry.all_passes()) - set(registry.GRAPHLET_PASSES))
    lines.append("xDSL's passes:")
    lines.extend(f"  {name}" for name in xdsl)
    return "\n".join(lines)


def _summary(pass_class: type[ModulePass], name: str) -> str:
    """The first sentence of the pass's docstring (of its module's when the class
    has none of its own), without a "`name`:" lead."""
    doc = (pass_class.__doc__ or "").strip()
    if not doc or doc.startswith(f"{pass_class.__name__}("):  # dataclass's default
        doc = (sys.modules[pass_class.__module__].__doc__ or "").strip()
    first = " ".join(doc.split("\n\n")[0].split())
    return re.sub(rf"^`{re.escape(name)}`:\s*", "", first)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader (`| head`) left: say nothing, as a process killed by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = normalize_arguments(list(sys.argv[1:] if argv is None else argv))
    except ValueError as e:
        print(f"graphlet-opt: error: {e}", file=sys.stderr)
        return 1
    if "--version" in args or "-v" in args:
        print(version_text("graphlet-opt"))
        return 0
    if "--list-passes" in args:
        print(list_passes())
        return 0
    if "--show-dialects" in args:
        print("Available Dialects: " + ",".join(sorted(registry.all_dialects())))
        return 0
    if any(a.partition("=")[0].startswith("--emit-bytecode") for a in args):
        print(
            "graphlet-opt: error: --emit-bytecode: MLIR bytecode output is unsupported "
            "(xDSL 0.74 has no bytecode writer); graphlet-opt writes textual IR only",
            file=sys.stderr,
        )
        return 1
    return run_with_deep_stack(lambda: _run(args))


def _run(args: list[str]) -> int:
    STAGE.running = None
    with report_errors(_input_name(args), replay=["graphlet-opt", *args]):
        tool = GraphletOptMain(description="graphlet modular optimizer driver", args=args)
        if tool.args.verify_diagnostics:
            text = tool.read_input()
            if has_expectations(text):
                return run_verify_diagnostics(tool, text)
        tool.run()
    return 0


def _input_name(args: Sequence[str]) -> str:
    positional = [a for a in args if not a.startswith("-")]
    flags_with_value = {
        "-o",
        "--output-file",
        "-t",
        "--target",
        "-p",
        "--passes",
        "-f",
        "--output-split-marker",
    }
    for i, arg in enumerate(args[:-1]):
        if arg in flags_with_value and args[i + 1] in positional:
            positional.remove(args[i + 1])
    return positional[0] if positional else "<stdin>"


if __name__ == "__main__":
    sys.exit(main())
