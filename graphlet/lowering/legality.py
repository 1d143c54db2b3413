"""What a `convert-*` pass must not leave behind: MLIR's `ConversionTarget` and the
check `applyPartialConversion` makes (Toy's `addIllegalDialect`, `addLegalOp`,
dynamically legal ops).

Each pass declares its target next to its patterns and ends its `apply` with
`TARGET.refuse_leftovers(module)`: an op of the target that no pattern lowered is a
located error naming the op, the pass and what to do, instead of an op that a later
stage (or LLVM's translator) trips over without saying where it came from.

    TARGET = ConversionTarget("convert-pyrt-to-llvm", illegal_dialects=("pyrt",))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.dialects.builtin import IndexType, VectorType
from xdsl.ir import Attribute, Dialect, Operation
from xdsl.utils.exceptions import DiagnosticException

from graphlet.locations import lowering_error, op_name


@dataclass(frozen=True)
class ConversionTarget:
    """The ops a pass converts from: every op of `illegal_dialects`, every
    `illegal_ops` instance and every op `illegal_if` accepts, except those
    `legal_if` accepts (left, on purpose, to a later pass)."""

    pass_name: str
    illegal_dialects: tuple[str, ...] = ()
    illegal_ops: tuple[type[Operation], ...] = ()
    illegal_if: Callable[[Operation], bool] | None = None
    """Dynamically illegal ops of any dialect (e.g. one still carrying a type the
    pass converts away)."""
    legal_if: Callable[[Operation], bool] | None = None
    advice: Callable[[Operation], str | None] | None = None
    """What to do about an illegal op that remains (which pass to run first)."""
    _kinds: dict[type[Operation], bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Memo of whether every op of a class is illegal: a walk checks few classes
    (each unregistered op name has a class of its own)."""

    def is_illegal(self, op: Operation) -> bool:
        kind = type(op)
        illegal = self._kinds.get(kind)
        if illegal is None:
            dialect = Dialect.split_name(op_name(op))[0]
            illegal = dialect in self.illegal_dialects or issubclass(kind, self.illegal_ops)
            self._kinds[kind] = illegal
        if not illegal and not (self.illegal_if is not None and self.illegal_if(op)):
            return False
        return self.legal_if is None or not self.legal_if(op)

    def error(self, op: Operation) -> DiagnosticException:
        advice = self.advice(op) if self.advice is not None else None
        message = f"{self.pass_name} cannot lower this op" + (f": {advice}" if advice else "")
        return lowering_error(op, message)

    def finds_nothing(self, root: Operation) -> bool:
        """Whether no op under `root` is illegal: then a pass whose patterns match
        only illegal ops has nothing to do, and one walk spares its pattern walker
        (tens of microseconds an op)."""
        return not any(self.is_illegal(op) for op in root.walk())

    def refuse_leftovers(self, root: Operation) -> None:
        """Raises `error` for the first illegal op under `root` (in program order)."""
        for op in root.walk():
            if self.is_illegal(op):
                raise self.error(op)


def has_index_type(op: Operation) -> bool:
    """Whether an operand, result or block argument of `op` is (a vector of)
    `index`, which the llvm dialect does not know."""
    return any(_is_index(v.type) for v in op.operands) or defines_index_value(op)


def defines_index_value(op: Operation) -> bool:
    """Whether a result or block argument of `op` is (a vector of) `index`: over a
    whole module, the same answer as `has_index_type` at half the cost (every value is
    defined once)."""
    for result in op.results:
        if _is_index(result.type):
            return True
    for region in op.regions:
        for block in region.blocks:
            for arg in block.args:
                if _is_index(arg.type):
                    return True
    return False


def _is_index(t: Attribute) -> bool:
    return isinstance(t, IndexType) or (
        isinstance(t, VectorType) and isinstance(t.element_type, IndexType)
    )


INDEX_ADVICE = "it has index type: run convert-index-to-i64 first"
