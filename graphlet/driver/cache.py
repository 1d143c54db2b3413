"""An on-disk cache of lowered LLVM IR, so a module is lowered once per machine.

Lowering with xDSL's Python passes is most of a compile (0.1-2.5 s per model);
LLVM's own optimizer and code generation are fast. So, like Numba's `cache=True`
and Inductor's FX graph cache, the final LLVM IR of a lowering (after our passes,
before LLVM's optimizer) is kept in `$GRAPHLET_CACHE_DIR` (default
`~/.cache/graphlet`), one JSON file per entry, with whatever metadata the caller
needs to rebuild its callable. `GRAPHLET_CACHE=0` turns the cache off.

The key is a sha256 over everything that decides the IR: the printed input
module, the pipeline's name and options, the versions of graphlet, xDSL,
llvmlite and Python, the host CPU's name and features, and a hash of graphlet's
own sources (the version is not bumped for every change to a pass, and a stale
entry would be silently wrong code, which is why Inductor hashes its sources too).

Entries are written to a temporary file in the cache directory and renamed into
place, so readers never see half an entry; an entry that does not parse or whose
checksum does not match is a miss (and is overwritten), never an error. A cache
directory that cannot be written only costs the next process a lowering. HIT and
MISS are logged at DEBUG level on the `graphlet.cache` logger. `graphlet.driver` is
its one user.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import llvmlite
import llvmlite.binding as llvm
from xdsl.dialects.builtin import ModuleOp

logger = logging.getLogger("graphlet.cache")

FORMAT = 1


@dataclass(frozen=True)
class CachedLowering:
    llvm_ir: str
    metadata: dict[str, Any]
    hit: bool


def enabled() -> bool:
    return os.environ.get("GRAPHLET_CACHE", "1") != "0"


def cache_dir() -> Path:
    configured = os.environ.get("GRAPHLET_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "graphlet"


@cache
def _sources_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _environment() -> dict[str, str]:
    """The parts of the key that are fixed for the life of the process."""
    return {
        "format": str(FORMAT),
        "graphlet": metadata.version("graphlet"),
        "graphlet-sources": _sources_hash(),
        "xdsl": metadata.version("xdsl"),
        "llvmlite": llvmlite.__version__,
        "cpu": llvm.get_host_cpu_name(),
        "cpu-features": llvm.get_host_cpu_features().flatten(),
        "python": sys.version,
    }


def cache_key(module: ModuleOp, pipeline: str, options: dict[str, Any]) -> str:
    parts = {**_environment(), "pipeline": pipeline, "options": options, "module": str(module)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _checksum(llvm_ir: str, meta: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([llvm_ir, meta], sort_keys=True).encode()).hexdigest()


def load(key: str) -> tuple[str, dict[str, Any]] | None:
    """The entry for `key`, or None when there is none or it is damaged."""
    try:
        entry = json.loads((cache_dir() / f"{key}.json").read_text())
        llvm_ir, meta = entry["llvm_ir"], entry["metadata"]
        if not isinstance(llvm_ir, str) or not isinstance(meta, dict):
            raise TypeError("bad field types")
        if entry["key"] != key or entry["checksum"] != _checksum(llvm_ir, meta):
            raise ValueError("checksum mismatch")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        logger.debug("ignoring damaged cache entry %s: %s", key, e)
        return None
    return llvm_ir, meta


def store(key: str, llvm_ir: str, meta: dict[str, Any]) -> None:
    entry = {"key": key, "llvm_ir": llvm_ir, "metadata": meta, "checksum": _checksum(llvm_ir, meta)}
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as file:
                json.dump(entry, file)
            os.replace(temporary, directory / f"{key}.json")
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as e:
        logger.debug("could not write cache entry %s: %s", key, e)


def cached_lowering(
    module: ModuleOp,
    pipeline: str,
    options: dict[str, Any],
    lower: Callable[[], tuple[str, dict[str, Any]]],
) -> CachedLowering:
    """The LLVM IR and metadata of `module` through `pipeline`: from the cache, or
    from `lower()` (then stored). `options` must be JSON-serialisable."""
    if not enabled():
        return CachedLowering(*lower(), hit=False)
    key = cache_key(module, pipeline, options)
    found = load(key)
    if found is not None:
        logger.debug("HIT %s %s", pipeline, key[:16])
        return CachedLowering(*found, hit=True)
    logger.debug("MISS %s %s", pipeline, key[:16])
    llvm_ir, meta = lower()
    store(key, llvm_ir, meta)
    return CachedLowering(llvm_ir, meta, hit=False)
