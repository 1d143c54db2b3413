"""`graphlet-opt --verify-diagnostics` on a file with `// expected-error {{...}}`
annotations: mlir-opt's contract.

Each annotation expects a diagnostic whose text contains `...` on its own line, on
`@+N`/`@-N` lines away, `@above` (the last line without an annotation) or `@below`
(the next such line). The run fails (exit 1) when an expected diagnostic is missing
or an error nobody expected occurs. graphlet reports one error per chunk (the first),
so use `--split-input-file` for several. A file without annotations keeps xdsl-opt's
behavior: the error is printed on stdout and the exit status is 0.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from xdsl.utils.exceptions import ParseError

if TYPE_CHECKING:
    from graphlet.tools.graphlet_opt import GraphletOptMain

_ANNOTATION = re.compile(
    r"expected-(error|warning|note|remark) *(?:@(above|below|[+-]\d+))? *\{\{(.*?)\}\}"
)
_LINE = re.compile(r":(\d+):(\d+)")


@dataclass
class Expectation:
    kind: str
    line: int
    text: str
    written_at: int
    matched: bool = False


def has_expectations(text: bytes) -> bool:
    return _ANNOTATION.search(text.decode(errors="replace")) is not None


def expectations(chunk: str, first_line: int) -> list[Expectation]:
    """The annotations of `chunk`, whose first line is line `first_line` of the file."""
    found: list[Expectation] = []
    last_plain = first_line
    waiting: list[Expectation] = []
    for number, line in enumerate(chunk.splitlines(), start=first_line):
        matches = list(_ANNOTATION.finditer(line))
        if not matches:
            for e in waiting:
                e.line = number
            waiting.clear()
            last_plain = number
            continue
        for m in matches:
            kind, where, text = m.group(1), m.group(2), m.group(3)
            e = Expectation(kind, number, text, number)
            if where == "above":
                e.line = last_plain
            elif where == "below":
                waiting.append(e)
            elif where is not None:
                e.line = number + int(where)
            found.append(e)
    return found


def run_verify_diagnostics(tool: GraphletOptMain, text: bytes) -> int:
    """Process each chunk, matching its diagnostics against its annotations."""
    name = tool.get_input_name()
    from graphlet.tools.graphlet_opt import split_chunks

    pieces = [p for p, _ in split_chunks(text)] if tool.args.split_input_file else [text]
    output = tool.prepare_output()
    failures: list[str] = []
    offset = 0
    for i, piece in enumerate(pieces):
        chunk = piece.decode(errors="replace")
        expected = expectations(chunk, offset + 1)
        if i > 0:
            output.write("// -----\n")
        try:
            module = tool.parse_chunk(BytesIO(piece), "mlir", offset)
            if module is not None:
                tool.apply_passes(module)
                output.write(tool.output_resulting_program(module))
        except Exception as e:
            if isinstance(e, ParseError):
                e.span = dataclasses.replace(e.span, line_offset=offset)
            message = str(e) or type(e).__name__
            failures.extend(_match(name, message, expected))
        for expectation in expected:
            if not expectation.matched:
                failures.append(
                    f"{name}:{expectation.written_at}:1: error: expected {expectation.kind} "
                    f'"{expectation.text}" was not produced'
                )
        offset += piece.count(b"\n")
    output.flush()
    if output is not sys.stdout:
        output.close()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


def _match(name: str, message: str, expected: list[Expectation]) -> list[str]:
    where = _LINE.search(message.splitlines()[0] if message else "")
    line = int(where.group(1)) if where else None
    for e in expected:
        if not e.matched and e.kind == "error" and e.line == line and e.text in message:
            e.matched = True
            return []
    place = f"{name}:{line}:{where.group(2)}" if where else name
    summary = " ".join(message.split())
    return [f"{place}: error: unexpected error: {summary}"]
