"""How Python and PyTorch spell graphlet's ops, derived from what each op declares
(`PY_SYMBOL`, `PY_FUNCTIONS`, `TORCH_NAMES`, next to its `py_operation`): the one
place the frontends look a spelling up.

    binary_op_for_symbol("+")              AddOp      (the symbol of BINARY_OP, `+=` too)
    unary_op_for_symbol("-")               NegOp
    predicate_for_symbol("<")              "lt"       (COMPARE_OP; see SWAPPED_PREDICATE)
    predicate_for_torch_name("aten.lt.Scalar")  "lt"
    op_for_python_function(math.exp)       ExpOp      (also operator.add, abs, min, ...)
    op_for_torch_name("aten.add.Tensor")   AddOp      (also "add", "Tensor.add", "aten.add")
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graphlet.dialects.graphlet.abstract_ops import BinaryOp, GraphletOp, UnaryOp
from graphlet.dialects.graphlet.scalar_ops import PREDICATE_OF_SYMBOL, SWAPPED_PREDICATE


@dataclass
class Spellings:
    """The spellings of a set of ops, each claimed by one op only."""

    binary_symbols: dict[str, type[BinaryOp]] = field(default_factory=dict)
    unary_symbols: dict[str, type[UnaryOp]] = field(default_factory=dict)
    functions: dict[Callable[..., Any], type[GraphletOp]] = field(default_factory=dict)
    torch_names: dict[str, type[GraphletOp]] = field(default_factory=dict)

    @staticmethod
    def of(ops: Iterable[type[GraphletOp]]) -> Spellings:
        spellings = Spellings()
        for op in ops:
            if op.PY_SYMBOL is not None:
                if issubclass(op, BinaryOp):
                    _claim(spellings.binary_symbols, op.PY_SYMBOL, op)
                elif issubclass(op, UnaryOp):
                    _claim(spellings.unary_symbols, op.PY_SYMBOL, op)
                else:
                    raise ValueError(f"{op.name} has a PY_SYMBOL but is neither binary nor unary")
            for fn in op.PY_FUNCTIONS:
                _claim(spellings.functions, fn, op)
            for name in op.TORCH_NAMES:
                _claim(spellings.torch_names, name, op)
        return spellings


def _claim(table: dict[Any, Any], key: Any, op: type[GraphletOp]) -> None:
    if table.get(key, op) is not op:
        raise ValueError(f"{key!r} is claimed by both {table[key].name} and {op.name}")
    table[key] = op


@functools.cache
def spellings() -> Spellings:
    """The spellings of every graphlet op (built on first use: the op lists are
    assembled by the package `__init__`, which imports this module)."""
    from graphlet.dialects import graphlet

    return Spellings.of([*graphlet.OPS, *graphlet.TENSOR_OPS])


def binary_op_for_symbol(symbol: str) -> type[BinaryOp] | None:
    """The op of Python's binary operator `symbol` (`+`, `//`, `<<`; `+=` is `+`)."""
    return spellings().binary_symbols.get(symbol.removesuffix("="))


def unary_op_for_symbol(symbol: str) -> type[UnaryOp] | None:
    """The op of Python's unary operator `symbol` (`-` is negation)."""
    return spellings().unary_symbols.get(symbol)


def predicate_for_symbol(symbol: str) -> str | None:
    """The `graphlet.cmp` predicate of Python's comparison `symbol` (`<=` is `le`)."""
    return PREDICATE_OF_SYMBOL.get(symbol)


def predicate_for_torch_name(name: str) -> str | None:
    """The `graphlet.cmp` predicate of PyTorch's comparison `name` (`lt`, `Tensor.lt`,
    `aten.lt.Tensor`): the predicates are named as in PyTorch."""
    bare = name.removeprefix("Tensor.")
    if bare.startswith("aten."):
        bare = bare.split(".")[1]
    return bare if bare in SWAPPED_PREDICATE else None


def swapped_predicate(predicate: str) -> str:
    """The predicate P' with `a P b == b P' a`, NaN included."""
    return SWAPPED_PREDICATE[predicate]


def op_for_python_function(fn: Callable[..., Any]) -> type[GraphletOp] | None:
    """The op a call of `fn` on the op's operands is (`math.exp`, `operator.add`, `abs`,
    two-argument `min`)."""
    try:
        return spellings().functions.get(fn)
    except TypeError:  # an unhashable callable is no op's
        return None


def op_for_torch_name(name: str) -> type[GraphletOp] | None:
    """The op PyTorch's `name` means: `add`, `Tensor.add`, `aten.add` and every overload
    `aten.add.<overload>` give AddOp; a declared `aten.` name is matched exactly first."""
    names = spellings().torch_names
    if name in names:
        return names[name]
    if name.startswith("Tensor."):
        return names.get(name.removeprefix("Tensor."))
    if name.startswith("aten."):
        parts = name.split(".")
        return names.get(".".join(parts[:2])) or names.get(parts[1])
    return None


def torch_names() -> dict[str, type[GraphletOp]]:
    """Every PyTorch name some op declares, with its op (for registering handlers)."""
    return dict(spellings().torch_names)
