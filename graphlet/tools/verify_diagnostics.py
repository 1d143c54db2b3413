"""`graphlet-opt --verify-diagnostics` on a file with `// expected-error {{...}}`
annotations: mlir-opt's contract.

Each annotation expects a diagnostic whose text contains `...` (`expected-error-re`:
matches it, with `{{regex}}` parts) on its own line, `@+N`/`@-N` lines away, `@above`
(the last line without an annotation), `@below` (the next such line) or `@unknown`
(a diagnostic without a location). The run fails (exit 1) when an expected diagnostic
is missing or a diagnostic nobody expected occurs (a note too: a dominance error's
"operand defined here", a redefined symbol's "see existing symbol definition here").
A chunk may expect several errors: the verifier reports the first error of each op
MLIR verifies on its own (each top-level op, each isolated-from-above op at any depth);
a parse error ends the chunk.
A file without annotations keeps xdsl-opt's behavior: the error is printed on stdout
and the exit status is 0.
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
    r"expected-(error|warning|note|remark)(-re)? *(?:@(above|below|unknown|[+-]\d+))? *\{\{"
)
_DIAGNOSTIC = re.compile(r"^(.*?):(\d+):(\d+): (error|warning|note|remark): ", re.MULTILINE)
_PARSE_LOCATION = re.compile(r".*:\d+:\d+")
_UNLOCATED = re.compile(r"^(?:(.*?): )?(error|warning|note|remark): ")


@dataclass
class Expectation:
    kind: str
    line: int | None
    """The line the diagnostic is expected on; None for `@unknown` (no location)."""
    text: str
    written_at: int
    column: int = 1
    pattern: re.Pattern[str] | None = None
    """For `expected-error-re`: the text with its `{{regex}}` parts."""
    matched: bool = False

    def accepts(self, kind: str, line: int | None, message: str) -> bool:
        if self.matched or self.kind != kind or self.line != line:
            return False
        return bool(self.pattern.search(message)) if self.pattern else self.text in message


@dataclass
class Diagnostic:
    kind: str
    line: int | None
    column: int | None
    message: str


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
            kind, regex, where = m.group(1), m.group(2), m.group(3)
            rest = line[m.end() :]
            close = rest.rfind("}}") if regex else rest.find("}}")
            if close < 0:
                raise ValueError(f"line {number}: expected '}}}}' to end the expected {kind}")
            text = rest[:close].strip()
            e = Expectation(kind, number, text, number, m.start() + 1)
            if regex:
                e.pattern = _expected_regex(text, number)
            if where == "above":
                e.line = last_plain
            elif where == "below":
                waiting.append(e)
            elif where == "unknown":
                e.line = None
            elif where is not None:
                e.line = number + int(where)
            found.append(e)
    return found


def _expected_regex(text: str, line: int) -> re.Pattern[str]:
    """mlir-opt's `-re` text: literal, but for the `{{regex}}` parts."""
    parts: list[str] = []
    rest = text
    while (open_ := rest.find("{{")) >= 0:
        close = rest.find("}}", open_ + 2)
        if close < 0:
            break
        parts.append(re.escape(rest[:open_]) + f"(?:{rest[open_ + 2 : close]})")
        rest = rest[close + 2 :]
    parts.append(re.escape(rest))
    try:
        return re.compile("".join(parts))
    except re.error as e:
        raise ValueError(f"line {line}: invalid regex in expected diagnostic: {e}") from None


def diagnostics(message: str) -> list[Diagnostic]:
    """The diagnostics of an error's text: each `file:line:col: error: ...` line starts
    one (the lines after it, up to the next, belong to it); text before the first is a
    diagnostic without a location."""
    found: list[Diagnostic] = []
    starts = list(_DIAGNOSTIC.finditer(message))
    head = message[: starts[0].start()] if starts else message
    if head.strip():
        unlocated = _UNLOCATED.match(head.strip())
        kind = unlocated.group(2) if unlocated else "error"
        found.append(Diagnostic(kind, None, None, head.strip()))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(message)
        text = message[m.end() : end].strip()
        found.append(Diagnostic(m.group(4), int(m.group(2)), int(m.group(3)), text))
    return found


def run_verify_diagnostics(tool: GraphletOptMain, text: bytes) -> int:
    """Process each chunk, matching its diagnostics against its annotations."""
    name = tool.get_input_name()
    from graphlet.tools.graphlet_opt import split_chunks

    marker = tool.args.split_input_file
    pieces = [p for p, _ in split_chunks(text, marker)] if marker else [text]
    output = tool.prepare_output()
    failures: list[str] = []
    offset = 0
    for i, piece in enumerate(pieces):
        chunk = piece.decode(errors="replace")
        expected = expectations(chunk, offset + 1)
        if i > 0 and tool.args.output_split_marker:
            output.write(tool.args.output_split_marker + "\n")
        try:
            module = tool.parse_chunk(BytesIO(piece), "mlir", offset)
            if module is not None:
                tool.apply_passes(module)
                output.write(tool.output_resulting_program(module))
        except Exception as e:
            if isinstance(e, ParseError):
                e.span = dataclasses.replace(e.span, line_offset=offset)
            message = str(e) or type(e).__name__
            if isinstance(e, ParseError):  # `file:line:col`, the source line, the message
                where, _, rest = message.partition("\n")
                if _PARSE_LOCATION.fullmatch(where):
                    message = f"{where}: error: {rest}"
            failures.extend(_match(name, message, expected))
        for expectation in expected:
            if not expectation.matched:
                failures.append(
                    f"{name}:{expectation.written_at}:{expectation.column}: error: expected "
                    f'{expectation.kind} "{expectation.text}" was not produced'
                )
        offset += piece.count(b"\n")
    output.flush()
    if output is not sys.stdout:
        output.close()
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


def _match(name: str, message: str, expected: list[Expectation]) -> list[str]:
    """The diagnostics in `message` that no expectation accepts, as errors."""
    failures: list[str] = []
    for diagnostic in diagnostics(message):
        accepting = next(
            (
                e
                for e in expected
                if e.accepts(diagnostic.kind, diagnostic.line, diagnostic.message)
            ),
            None,
        )
        if accepting is not None:
            accepting.matched = True
            continue
        where = f":{diagnostic.line}:{diagnostic.column}" if diagnostic.line is not None else ""
        summary = " ".join(diagnostic.message.split())
        failures.append(f"{name}{where}: error: unexpected {diagnostic.kind}: {summary}")
    return failures
