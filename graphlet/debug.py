"""`GRAPHLET_DEBUG=1`: capture/compile/exec/fallback tracing through `logging`.

Every module logs to a child of the `graphlet` logger; this installs the one handler,
in the first seed's format (`[graphlet] CAPTURE op BINARY_OP +`), when the variable is
set. Without it graphlet adds no handler and the host application's logging decides.
"""

from __future__ import annotations

import logging
import os

LOGGER_NAME = "graphlet"


def debug_enabled() -> bool:
    return os.environ.get("GRAPHLET_DEBUG", "") not in ("", "0")


def configure_from_environment() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if not debug_enabled() or any(getattr(h, "_graphlet", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[graphlet] %(message)s"))
    handler._graphlet = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
