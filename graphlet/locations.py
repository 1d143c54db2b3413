"""Source locations of IR: every error about an IR file names file:line:column.

The parser attaches a `FileLineColLoc` to each op it reads, so a verifier error found
later (after parsing or after any pass) can point at the op's source line. Ops a pass
creates have no location of their own: the nearest located ancestor is named. Any
layer may use these (lowering names the line of an op it cannot lower, the driver
parses IR text); `graphlet.tools.diagnostics` turns them into exit codes.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr, UnregisteredOp
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException
from xdsl.utils.lexer import Span
from xdsl.utils.mlir_lexer import MLIRLexer

import graphlet.deep_ir  # linear-depth walks and verifiers
import graphlet.rewrite_locations  # noqa: F401  # rewrites keep the replaced op's location

# xDSL 0.74's string-literal pattern, `"(?:[^"...]+|\\...)*"`, nests `+` in `*`: on a
# string left open it backtracks through every split of the rest of the line,
# exponential in its length (a 40-character line takes minutes). One character per
# repetition matches the same strings and fails in linear time.
MLIRLexer._unescaped_characters_regex = re.compile(  # pyright: ignore[reportPrivateUsage]
    r'"(?:[^"\\\n\v\f]|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"'
)


class LocatingParser(Parser):
    """xDSL's parser, recording where each op starts and turning verifier errors raised
    while an op is built into parse errors at that op."""

    line_offset: int = 0
    _line_starts: list[int] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._first_use: dict[str, Span] = {}
        """Where each pending forward reference was first used."""
        self._op_names: list[Span] = []
        """Where the name of each op being parsed starts (innermost last): MLIR
        locates an op at its name, after the `%x = ` of its results."""

    def _parse_op_result_list(self) -> list[tuple[Span, int]]:
        results = super()._parse_op_result_list()
        if self._op_names:
            self._op_names[-1] = self._current_token.span
        return results

    def resolve_operand(  # type: ignore[override]  # xDSL's is generic in the type
        self, operand: UnresolvedOperand, type: Attribute
    ) -> SSAValue:
        name = operand.operand_name
        if name not in self.ssa_values and name not in self.forward_ssa_references:
            self._first_use[name] = operand.span
        return super().resolve_operand(operand, type)

    def parse_module(self, allow_implicit_module: bool = True) -> ModuleOp:
        """xDSL reports values never defined at the end of the input: point at the
        first use of the first such value instead."""
        try:
            return super().parse_module(allow_implicit_module)
        except ParseError as e:
            pending = [n for n in self.forward_ssa_references if n in self._first_use]
            if not pending or not e.msg.startswith("values used but not defined"):
                raise
            name = min(pending, key=lambda n: self._first_use[n].start)
            self.raise_error(f"use of undefined value %{name}", self._first_use[name])

    def _parse_block(self) -> Block:
        """xDSL 0.74 fails with a KeyError on a block label defined twice after a
        forward reference: a located error instead."""
        token = self._current_token
        name = token.text[1:]
        if name in self.blocks and name not in self.forward_block_references:
            self.raise_error(f"re-declaration of block '{name}'", token.span)
        return super()._parse_block()

    def _line_col(self, pos: int, content: str) -> tuple[int, int]:
        """Line and column of `pos` (a binary search: ops are located in post-order,
        so a running count would restart at every nested op)."""
        if self._line_starts is None:
            starts = [0]
            find = content.find
            at = find("\n")
            while at >= 0:
                starts.append(at + 1)
                at = find("\n", at + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, pos)
        return line, pos - self._line_starts[line - 1] + 1

    def parse_operation(self) -> Operation:
        self._op_names.append(self._current_token.span)
        try:
            op = super().parse_operation()
        except ParseError:
            raise
        except RecursionError:
            self.raise_error("the IR is nested too deeply for the parser", self._op_names[-1])
        except Exception as e:  # xDSL's op parsers also raise KeyError, IndexError, ...
            self.raise_error(
                f"cannot parse this op: {str(e) or type(e).__name__}", self._op_names[-1]
            )
        finally:
            start = self._op_names.pop()
        if isinstance(op.location, FileLineColLoc):
            return op
        line, col = self._line_col(start.start, start.input.content)
        op.location = FileLineColLoc(
            StringAttr(start.input.name), IntAttr(line + self.line_offset), IntAttr(col)
        )
        return op


def location_of(op: Operation | None) -> str | None:
    while op is not None:
        loc = op.location
        if isinstance(loc, FileLineColLoc):
            return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
        op = op.parent_op()
    return None


def locate_verify_error(module: Operation, error: Exception) -> VerifyException:
    """The same error, prefixed with the location of the op that fails: the first
    in xDSL's verification order (nested ops before their parent, in program order).
    xDSL's verifiers also raise bare exceptions (a `memref.load` with too few indices):
    those become located errors too."""
    if isinstance(error, VerifyException) and _LOCATED.match(str(error)):
        return error
    failing: Operation | None = None
    message = str(error) or type(error).__name__
    for op in module.walk(region_first=True):
        try:
            op.verify(verify_nested_ops=False)
        except Exception as e:
            failing, message = op, str(e) or type(e).__name__
            break
    else:
        # A block-structure error (an empty block, a misplaced terminator) is found
        # only by verifying an op with its regions: name the innermost such op.
        for op in module.walk(region_first=True):
            if op.regions and _fails(op):
                failing = op
                break
    redefined = _REDEFINITION.fullmatch(message)
    if redefined is not None and failing is not None:
        failing = _second_definition(failing, redefined.group(1)) or failing
    where = location_of(failing)
    if where is None:
        return VerifyException(message)
    return VerifyException(f"{where}: error: {message}")


_LOCATED = re.compile(r"[^\n]*:\d+:\d+: error: ")


_REDEFINITION = re.compile(r'Redefinition of symbol "(.*)"')


def _second_definition(table: Operation, name: str) -> Operation | None:
    """The op that defines symbol `name` a second time in symbol table `table`."""
    seen = False
    for region in table.regions:
        op: Operation
        for op in region.ops:
            if op.properties.get("sym_name") == StringAttr(name):
                if seen:
                    return op
                seen = True
    return None


def _fails(op: Operation) -> bool:
    return structure_error(op) is not None


def structure_error(op: Operation) -> str | None:
    """How `op`'s own regions break what xDSL's `Region.verify`/`Block.verify` check
    beyond their ops (each op has passed `verify(verify_nested_ops=False)`): parent
    pointers, and an empty block in a single-block region that needs a terminator.
    Checked one level deep so that the search stays linear in depth."""
    for region in op.regions:
        for block in region.blocks:
            if block.parent is not region:
                return "Parent pointer of block does not refer to containing region"
            if any(child.parent is not block for child in block.ops):
                return "Parent pointer of operation does not refer to containing region"
            if (
                block.first_op is None
                and len(region.blocks) == 1
                and not op.has_trait(NoTerminator)
            ):
                return (
                    f"Operation {op.name} contains empty block in single-block region "
                    "that expects at least a terminator"
                )
    return None


def redefinition_site(failing: Operation, message: str) -> Operation:
    """The op a "Redefinition of symbol" error is about: the second definition in the
    symbol table `failing`."""
    redefined = _REDEFINITION.fullmatch(message)
    if redefined is None:
        return failing
    return _second_definition(failing, redefined.group(1)) or failing


def lowering_error(op: Operation, message: str) -> DiagnosticException:
    """An error naming the source line of `op` (or of its nearest located parent)."""
    where = location_of(op)
    prefix = f"{where}: error: " if where else ""
    return DiagnosticException(f"{prefix}'{op_name(op)}': {message}")


def op_name(op: Operation) -> str:
    """The name `op` was written with, also for an unregistered op."""
    return op.op_name.data if isinstance(op, UnregisteredOp) else op.name
