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


_CONSTRUCTS = {
    "DELETE_DEREF": "deleting a variable used by a nested function",
    "KW_NAMES": "keyword arguments in a call",
    "CALL_KW": "keyword arguments in a call",
    "CALL_FUNCTION_EX": "a call with *args or **kwargs",
    "BUILD_MAP": "a dict or dict comprehension (graphlet has no dict values)",
    "BUILD_CONST_KEY_MAP": "a dict",
    "DICT_UPDATE": "a dict",
    "DICT_MERGE": "a call with **kwargs",
    "MAP_ADD": "a dict comprehension",
    "BUILD_SET": "a set or set comprehension (graphlet has no set values)",
    "SET_ADD": "a set comprehension",
    "SET_UPDATE": "a set",
    "LIST_APPEND": "a list comprehension",
    "FORMAT_VALUE": "an f-string",
    "FORMAT_SIMPLE": "an f-string",
    "FORMAT_WITH_SPEC": "an f-string",
    "CONVERT_VALUE": "an f-string",
    "BUILD_STRING": "an f-string",
    "RAISE_VARARGS": "raise",
    "RERAISE": "re-raising an exception",
    "LOAD_ASSERTION_ERROR": "a failing assert",
    "IMPORT_NAME": "import",
    "IMPORT_FROM": "import",
    "STORE_GLOBAL": "assigning a global variable",
    "DELETE_GLOBAL": "deleting a global variable",
    "STORE_ATTR": "assigning an attribute",
    "DELETE_ATTR": "deleting an attribute",
    "LOAD_SUPER_ATTR": "super()",
    "LOAD_BUILD_CLASS": "a class definition",
    "GET_LEN": "a match statement",
    "MATCH_CLASS": "a match statement",
    "MATCH_MAPPING": "a match statement",
    "MATCH_SEQUENCE": "a match statement",
    "MATCH_KEYS": "a match statement",
    "BEFORE_WITH": "a with statement",
    "PUSH_EXC_INFO": "try/except",
    "CHECK_EXC_MATCH": "try/except",
    "YIELD_VALUE": "yield",
    "RETURN_GENERATOR": "a generator",
    "GET_YIELD_FROM_ITER": "yield from",
    "SEND": "yield from or await",
    "GET_AWAITABLE": "await",
    "LOAD_FAST_AND_CLEAR": "a comprehension",
    "END_FOR": "a for loop over this iterable",
    "SETUP_ANNOTATIONS": "annotations",
    "LOAD_LOCALS": "locals()",
    "LOAD_NAME": "a name outside a function",
    "STORE_NAME": "a name outside a function",
}
"""What CPython instructions that capture has no handler for are, in Python's terms."""


def construct_of(opname: str) -> str:
    """The Python construct a CPython instruction implements, for break reasons."""
    return _CONSTRUCTS.get(opname, f"this construct (CPython instruction {opname})")
