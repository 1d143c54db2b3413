"""Session-wide test setup."""

from __future__ import annotations

import os
import shutil
import tempfile

_previous_cache_dir: str | None = None
_session_cache_dir: str | None = None


def pytest_configure(config) -> None:
    """Points the compile cache at a fresh directory for this session, so tests
    never read entries left in the user's cache by another version of graphlet."""
    global _previous_cache_dir, _session_cache_dir
    _previous_cache_dir = os.environ.get("GRAPHLET_CACHE_DIR")
    _session_cache_dir = tempfile.mkdtemp(prefix="graphlet-test-cache-")
    os.environ["GRAPHLET_CACHE_DIR"] = _session_cache_dir
    os.environ.setdefault("GRAPHLET_VERIFY", "1")  # lowering bugs fail where they are made


def pytest_unconfigure(config) -> None:
    if _previous_cache_dir is None:
        os.environ.pop("GRAPHLET_CACHE_DIR", None)
    else:
        os.environ["GRAPHLET_CACHE_DIR"] = _previous_cache_dir
    if _session_cache_dir is not None:
        shutil.rmtree(_session_cache_dir, ignore_errors=True)
