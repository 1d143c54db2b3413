"""What a `convert-*` pass must not leave behind: MLIR's `ConversionTarget` reduced to
the check Toy's partial conversion makes (`addIllegalDialect`, `addLegalOp`,
dynamically legal ops).

Each pass declares its target next to its patterns and puts `target.refusal()` last
in its pattern list: an op of the target that no pattern lowered is a located error
naming the op, the pass and what to do, instead of an op that some later stage (or
LLVM's translator) trips over without saying where it came from. Being a pattern,
the check costs no walk of its own.

    GRAPHLET_TO_ARITH = ConversionTarget(
        "convert-graphlet-to-arith", illegal_dialects=("graphlet",), advice=...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects.builtin import IndexType, VectorType
from xdsl.ir import Attribute, Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.utils.exceptions import DiagnosticException

from graphlet.lowering.llvm_lowering_utils import lowering_error


def _never(op: Operation) -> bool:
    return False


def _no_advice(op: Operation) -> str | None:
    return None


@dataclass(frozen=True)
class ConversionTarget:
    """The ops a pass converts from: every op of `illegal_dialects`, every
    `illegal_ops` instance and every op `illegal_if` accepts, except those `legal_if`
    accepts (another pass's)."""

    pass_name: str
    illegal_dialects: tuple[str, ...] = ()
    illegal_ops: tuple[type[Operation], ...] = ()
    illegal_if: Callable[[Operation], bool] = _never
    """Dynamically illegal ops of other dialects (an op still carrying a type the pass
    converts away)."""
    legal_if: Callable[[Operation], bool] = _never
    advice: Callable[[Operation], str | None] = _no_advice
    """What to do about an illegal op that remains (which pass to run first)."""

    def illegal_kind(self, op_type: type[Operation]) -> bool:
        """Whether every op of this class is illegal (unless `legal_if`)."""
        return op_type.dialect_name() in self.illegal_dialects or issubclass(
            op_type, self.illegal_ops
        )

    def error(self, op: Operation) -> DiagnosticException:
        advice = self.advice(op)
        return lowering_error(
            op, f"{self.pass_name} cannot lower this op" + (f": {advice}" if advice else "")
        )

    def refusal(self) -> RewritePattern:
        """The pattern to put last: it raises `error` for an illegal op it is offered
        (one the patterns before it did not rewrite)."""
        return RefuseIllegal(self)


class RefuseIllegal(RewritePattern):
    def __init__(self, target: ConversionTarget) -> None:
        self.target = target
        self._kinds: dict[type[Operation], bool] = {}

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        target, kind = self.target, type(op)
        illegal = self._kinds.get(kind)
        if illegal is None:
            illegal = self._kinds[kind] = target.illegal_kind(kind)
        if (illegal or target.illegal_if(op)) and not target.legal_if(op):
            raise target.error(op)


def has_index_type(op: Operation) -> bool:
    """Whether an operand, result or block argument of `op` is (a vector of) `index`,
    which the llvm dialect does not know."""
    values = [*op.operands, *op.results, *(a for r in op.regions for b in r.blocks for a in b.args)]
    return any(_is_index(v.type) for v in values)


def _is_index(t: Attribute) -> bool:
    return isinstance(t.element_type if isinstance(t, VectorType) else t, IndexType)


INDEX_ADVICE = "it has index type: run convert-index-to-i64 first"
