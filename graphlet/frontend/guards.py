"""Guards on globals: a compiled version stays valid while the globals it read are the
same objects. (Light on imports: a cache hit rebuilds guards without loading xDSL.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING = object()
"""What a guarded name that is not defined reads as."""


@dataclass(frozen=True)
class Guard:
    """A compiled version stays valid while `namespace[name]` is still `expected`."""

    namespace: dict[str, Any]
    name: str
    expected: Any

    def holds(self) -> bool:
        return self.namespace.get(self.name, MISSING) is self.expected

    def describe(self) -> str:
        return f"global {self.name!r}"
