"""`graphlet-opt`: xDSL's `xdsl-opt` driver with graphlet's dialects and passes.

Argument parsing, pipelines, printing and targets are xDSL's; this file registers
graphlet's parts and turns errors into located diagnostics with a non-zero exit.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import VerifyException
from xdsl.xdsl_opt_main import xDSLOptMain

from graphlet import registry
from graphlet.locations import LocatingParser, locate_verify_error
from graphlet.tools.diagnostics import report_errors


class GraphletOptMain(xDSLOptMain):
    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        for name, factory in registry.GRAPHLET_DIALECTS.items():
            if name not in self.ctx.registered_dialect_names:
                self.ctx.register_dialect(name, factory)

    def register_all_frontends(self) -> None:
        super().register_all_frontends()
        self._chunk_line_offset = 0

        def parse_mlir(io: IO[bytes]) -> ModuleOp:
            parser = LocatingParser(self.ctx, io.read().decode(), self.get_input_name())
            parser.line_offset = self._chunk_line_offset
            return parser.parse_module(not self.args.no_implicit_module)

        self.available_frontends["mlir"] = parse_mlir

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        self._chunk_line_offset = start_offset
        return super().parse_chunk(chunk, file_extension, start_offset)

    def apply_passes(self, prog: ModuleOp) -> None:
        try:
            super().apply_passes(prog)
        except VerifyException as e:
            raise locate_verify_error(prog, e) from None

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in registry.GRAPHLET_PASSES.items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        super().register_all_targets()
        for name, factory in registry.GRAPHLET_TARGETS.items():
            self.available_targets[name] = factory


def version_text(tool: str) -> str:
    """`graphlet-opt 0.1.0 (graphlet), on xDSL 0.74.0` for `--version`."""
    from importlib import metadata

    import graphlet

    return f"{tool} {graphlet.__version__} (graphlet), on xDSL {metadata.version('xdsl')}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--version" in args:
        print(version_text("graphlet-opt"))
        return 0
    with report_errors(_input_name(args)):
        GraphletOptMain(description="graphlet modular optimizer driver", args=args).run()
    return 0


def _input_name(args: Sequence[str]) -> str:
    positional = [a for a in args if not a.startswith("-")]
    return positional[0] if positional else "<stdin>"


if __name__ == "__main__":
    sys.exit(main())
