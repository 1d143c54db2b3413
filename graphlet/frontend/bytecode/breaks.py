"""Graph breaks: where capture stops, why, and what the call does about it.

A break never fails a call. Capture turns an unsupported instruction into a *bail
point*: compiled code that reaches it hands the whole call back to CPython, which
starts again from the top. That is safe because compiled code has no side effects, so
every effect (a `print`, a list append) happens once, in CPython. When no path of a
function can finish without bailing, the function runs in Python outright. Either way
the reason is recorded and `graphlet.explain` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BreakRecord:
    """One graph break: the user's function and line, the CPython opcode, the reason."""

    function: str
    filename: str
    line: int | None
    opname: str
    reason: str

    def where(self) -> str:
        return f"{self.filename}:{self.line} in {self.function}"

    def __str__(self) -> str:
        return f"{self.where()}: {self.opname}: {self.reason}"


class GraphBreak(Exception):
    """Raised while capturing an instruction graphlet cannot compile.

    `whole_function` marks breaks that stop the entire function from compiling (such
    as try/except or a return type that differs between paths), as opposed to one
    instruction that becomes a bail point."""

    def __init__(self, reason: str, *, whole_function: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.whole_function = whole_function
        self.record: BreakRecord | None = None


class FunctionNotCompilable(Exception):
    """The function as a whole runs in Python; `records` says why."""

    def __init__(self, records: list[BreakRecord]) -> None:
        super().__init__("; ".join(str(r) for r in records))
        self.records = records
