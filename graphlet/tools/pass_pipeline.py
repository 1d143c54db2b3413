"""Pass pipelines with MLIR's nesting: in `builtin.module(func.func(cse),lower-to-llvm)`
cse runs on each function on its own, as a nested pass manager of mlir-opt runs it.

xDSL 0.74's pipelines are flat lists of module passes. An anchored element becomes one
`AnchoredPass` per pass it holds (running each pass over every function before the
next is what MLIR's per-function order gives, since a function pass sees one function),
so verification, timing and the IR dumps still happen after each pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.traits import IsolatedFromAbove
from xdsl.utils.arg_spec import parse_pipeline
from xdsl.utils.exceptions import DiagnosticException

from graphlet.locations import location_of

OP_AGNOSTIC = frozenset({"canonicalize", "cse", "dce", "graphlet-cse"})
"""The passes that rewrite whatever op they are given (they walk it), so they can run
on a function; every other pass of graphlet's and xDSL's reads the module's top-level
ops or symbol table and runs on `builtin.module` only."""

_MODULE_ANCHORS = ("builtin.module", "module")

_ISOLATED = frozenset({"llvm.func", "llvm.mlir.global"})
"""Ops upstream marks `IsolatedFromAbove` whose xDSL 0.74 definitions do not."""


@dataclass(frozen=True)
class AnchoredPass(ModulePass):
    """`inner` applied to each op named `anchor` (each isolated-from-above op for `any`)
    directly inside the op it runs on."""

    name = "anchored"

    anchor: str
    inner: ModulePass

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.apply_to(ctx, op)

    def apply_to(self, ctx: Context, parent: Operation) -> None:
        for target in self.targets(parent):
            if isinstance(self.inner, AnchoredPass):
                self.inner.apply_to(ctx, target)
            else:
                self.inner.apply(ctx, target)  # type: ignore[arg-type]  # op-agnostic

    def targets(self, parent: Operation) -> list[Operation]:
        """The ops this pass runs on, in order; an error for a named anchor that is not
        isolated from above (MLIR refuses to schedule a pass there)."""
        found: list[Operation] = []
        for region in parent.regions:
            for op in (op for block in region.blocks for op in block.ops):
                isolated = op.has_trait(IsolatedFromAbove) or op.name in _ISOLATED
                if self.anchor == "any":
                    if isolated:
                        found.append(op)
                elif op.name == self.anchor or (
                    self.anchor in _MODULE_ANCHORS and isinstance(op, ModuleOp)
                ):
                    if not isolated:
                        where = location_of(op)
                        prefix = f"{where}: error: " if where else ""
                        raise DiagnosticException(
                            f"{prefix}'{op.name}' op trying to schedule a pass on an "
                            "operation not marked as 'IsolatedFromAbove'"
                        )
                    found.append(op)
        return found

    @property
    def innermost(self) -> ModulePass:
        return self.inner.innermost if isinstance(self.inner, AnchoredPass) else self.inner


def parse_spec(
    available: dict[str, Callable[[], type[ModulePass]]], spec: str
) -> tuple[ModulePass, ...]:
    """The passes of an xdsl-opt `-p` spec whose elements may be `anchor(pipeline)`."""
    passes: list[ModulePass] = []
    elements = split_top_level(spec, spec, keep_empty=True)
    for element in elements if any(elements) else []:
        if not element:
            raise ValueError(f"pass pipeline {spec!r}: Expected pass name here")
        nested = re.fullmatch(r"([\w.$-]+)\s*\((.*)\)", element, re.DOTALL)
        if nested is None:
            passes.extend(_plain(available, element))
            continue
        anchor, inner = nested.group(1), nested.group(2)
        for inner_pass in parse_spec(available, inner):
            if anchor in _MODULE_ANCHORS:
                passes.append(AnchoredPass(anchor, inner_pass))
                continue
            leaf = inner_pass.innermost if isinstance(inner_pass, AnchoredPass) else inner_pass
            if not isinstance(inner_pass, AnchoredPass) and leaf.name not in OP_AGNOSTIC:
                raise ValueError(
                    f"pass '{leaf.name}' runs on 'builtin.module' only: it cannot be nested "
                    f"under '{anchor}' (passes that can: {', '.join(sorted(OP_AGNOSTIC))})"
                )
            passes.append(AnchoredPass(anchor, inner_pass))
    return tuple(passes)


def _plain(available: dict[str, Callable[[], type[ModulePass]]], element: str) -> list[ModulePass]:
    specs = list(parse_pipeline(element))
    unknown = [s.name for s in specs if s.name not in available]
    if unknown:
        raise ValueError(f"Unrecognized passes: {unknown}")
    return [available[s.name]().from_pass_spec(s) for s in specs]


def split_top_level(text: str, whole: str, keep_empty: bool = False) -> list[str]:
    """`text` split at the commas outside parentheses, braces, brackets and quotes."""
    elements: list[str] = []
    depth, start, quote = 0, 0, False
    for i, char in enumerate(text):
        if char == '"':
            quote = not quote
        elif quote:
            continue
        elif char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"--pass-pipeline: unbalanced {char!r} in {whole!r}")
        elif char == "," and depth == 0:
            elements.append(text[start:i].strip())
            start = i + 1
    if depth != 0 or quote:
        raise ValueError(f"--pass-pipeline: unbalanced brackets in {whole!r}")
    elements.append(text[start:].strip())
    if keep_empty:
        return elements
    return [e for e in elements if e] if len(elements) > 1 or elements[0] else []
