"""`GRAPHLET_DEBUG`: leveled tracing through `logging`, tinygrad-style.

    GRAPHLET_DEBUG=1   events: capture, compile (stage times), cache hits and misses
                       (and which part of the key changed), the first native call of
                       each compiled version, every hand-back to Python
    GRAPHLET_DEBUG=2   also the IR after every pass, and the LLVM IR
    GRAPHLET_DEBUG=3   also every call: `@jit` dispatchers then take their Python
                       path (levels 1 and 2 keep the native fast path)

Every module logs to a child of the `graphlet` logger; with the variable set this
installs the one handler, in the first seed's format (`[graphlet] CAPTURE op
BINARY_OP +`). Without it graphlet adds no handler and the host application's logging
decides: events are logged whenever the logger is enabled for DEBUG, while the IR
dumps and per-call tracing also need the level (`set_level` in code).
"""

from __future__ import annotations

import logging
import os

LOGGER_NAME = "graphlet"
EVENTS, IR, CALLS = 1, 2, 3

_level_override: int | None = None


def level() -> int:
    """The `GRAPHLET_DEBUG` level (0 when unset, 1 for any non-numeric value)."""
    if _level_override is not None:
        return _level_override
    value = os.environ.get("GRAPHLET_DEBUG", "")
    if value in ("", "0"):
        return 0
    try:
        return max(int(value), 0)
    except ValueError:
        return EVENTS


def set_level(value: int | None) -> None:
    """Overrides `GRAPHLET_DEBUG` for this process (None: read the variable again)."""
    global _level_override
    _level_override = value


def debug_enabled() -> bool:
    return level() > 0


def configure_from_environment() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if not debug_enabled() or any(getattr(h, "_graphlet", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[graphlet] %(message)s"))
    handler._graphlet = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
