"""Guards: a compiled version stays valid while what it read is unchanged, checked on
every call by identity. A *global* guard is on a namespace entry (a global, a builtin,
a module attribute such as `math.floor`); an *attribute* guard is on a called
function's `__code__` or `__defaults__`, which can be replaced without rebinding the
name; a *cell* guard is on a closure's free variable, which the enclosing function
can rebind. (Light on imports: a cache hit rebuilds guards without loading xDSL.)"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

MISSING = object()
"""What a guarded name that is not defined reads as."""

FUNCTION_ATTRIBUTES = ("__code__", "__defaults__")
"""What compiled code takes from a Python function it calls (or is)."""


@dataclass(frozen=True)
class Guard:
    """Valid while `namespace[name]` (for an attribute guard, `namespace.<name>`, with
    `namespace` the function) is still `expected`."""

    namespace: Any
    name: str
    expected: Any
    attribute: bool = False

    def holds(self) -> bool:
        if self.attribute:
            return getattr(self.namespace, self.name, MISSING) is self.expected
        return self.namespace.get(self.name, MISSING) is self.expected

    def describe(self) -> str:
        if self.attribute:
            return f"{self.namespace.__qualname__}.{self.name}"
        return f"global {self.name!r}"


@dataclass(frozen=True)
class CellGuard(Guard):
    """Valid while the closure cell `namespace` (a free variable of a compiled
    function, named `name`) still holds `expected` (`MISSING`: is still empty): its
    contents were compiled in."""

    def holds(self) -> bool:
        try:
            return self.namespace.cell_contents is self.expected
        except ValueError:  # an empty cell (not yet bound, or `del` in the enclosing function)
            return self.expected is MISSING

    def describe(self) -> str:
        return f"free variable {self.name!r}"


def function_guards(fn: types.FunctionType) -> list[Guard]:
    """Guards on `fn`'s code and defaults as they are now."""
    return [Guard(fn, name, getattr(fn, name), attribute=True) for name in FUNCTION_ATTRIBUTES]
