"""The on-disk cache of compiled machine code: a module is compiled once per machine.

Like Numba's `cache=True` and Inductor's FX graph cache, the relocatable object code
LLVM generated for a compile is kept in `$GRAPHLET_CACHE_DIR` (default
`~/.cache/graphlet`), one file per entry, with whatever metadata the caller needs to
rebuild its callable (the functions' signatures, the symbols the code calls, a
`@jit` version's guards). A hit loads the object into a new engine: no xDSL, no
LLVM optimisation or code generation. `GRAPHLET_CACHE=0` turns the cache off.

The key is a sha256 over named parts that together decide the code: the source (the
printed module, or what the caller names instead, e.g. a function's bytecode and
argument types), the pipeline and its options, the versions of graphlet, xDSL,
llvmlite and Python, the host CPU's name and features, the environment variables
that change what a pass emits (`CODE_SWITCHES`), and a hash of graphlet's own
sources (the version is not bumped for every change to a pass, and a stale entry
would be silently wrong code, which is why Inductor hashes its sources too). Each
entry's parts are also filed under its *identity* (e.g. `jit tests.corpus.add(int,
int)`), so a miss can say which part changed.

Entries are written to a temporary file in the cache directory and renamed into
place, so readers (in any process) never see half an entry; an entry that does not
parse or whose checksum does not match is a miss (and is overwritten), never loaded.
A cache directory that cannot be written only costs the next process a compile. HIT
and MISS (with the reason) are logged at DEBUG level on the `graphlet.cache` logger.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

logger = logging.getLogger("graphlet.cache")

FORMAT = 2
MAGIC = b"graphlet-cache\n"
SUFFIX = ".entry"


@dataclass(frozen=True)
class Entry:
    payload: bytes
    """The object code."""
    metadata: dict[str, Any]


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
def environment() -> dict[str, str]:
    """The parts of every key that are fixed for the life of the process."""
    import llvmlite
    import llvmlite.binding as llvm

    return {
        "format": str(FORMAT),
        "graphlet": metadata.version("graphlet"),
        "graphlet-sources": _sources_hash(),
        "xdsl": metadata.version("xdsl"),
        "llvmlite": llvmlite.__version__,
        "cpu": llvm.get_host_cpu_name(),
        "cpu-features": llvm.get_host_cpu_features().flatten(),
        "triple": llvm.get_process_triple(),
        "python": sys.version,
    }


CODE_SWITCHES = ("GRAPHLET_DEFER_FLOAT_FLAGS",)
"""Environment variables that passes read when they run (so they change the code a
compile makes): each one's value is part of every key, read at each compile, so a
changed setting never loads code made under another."""


def switches() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in CODE_SWITCHES}


def key_parts(
    source: Mapping[str, Any], pipeline: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Everything a compile's code depends on, by name (JSON values)."""
    return {
        **environment(),
        "switches": switches(),
        "pipeline": pipeline,
        "options": dict(options),
        **source,
    }


def digest(parts: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _entry_path(key: str) -> Path:
    return cache_dir() / f"{key}{SUFFIX}"


def _identity_path(identity: str) -> Path:
    return cache_dir() / "identities" / f"{hashlib.sha256(identity.encode()).hexdigest()}.json"


def _encode(key: str, entry: Entry) -> bytes:
    header = json.dumps({"key": key, "metadata": entry.metadata}).encode()
    body = len(header).to_bytes(8, "little") + header + entry.payload
    return MAGIC + hashlib.sha256(body).digest() + body


def _decode(key: str, data: bytes) -> Entry:
    if not data.startswith(MAGIC):
        raise ValueError("not a cache entry")
    checksum, body = data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 :]
    if hashlib.sha256(body).digest() != checksum:
        raise ValueError("checksum mismatch")
    size = int.from_bytes(body[:8], "little")
    header = json.loads(body[8 : 8 + size])
    if header["key"] != key or not isinstance(header["metadata"], dict):
        raise ValueError("entry of another key")
    return Entry(body[8 + size :], header["metadata"])


def load(key: str) -> tuple[Entry | None, str]:
    """The entry for `key`, or None and why there is none."""
    try:
        data = _entry_path(key).read_bytes()
    except FileNotFoundError:
        return None, "no entry"
    except OSError as e:
        return None, f"unreadable entry ({e})"
    try:
        return _decode(key, data), ""
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        return None, f"damaged entry ignored ({e})"


def write_atomically(path: Path, data: bytes) -> None:
    """Writes `data` to a temporary file beside `path` and renames it into place, so a
    reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def store(key: str, entry: Entry, identity: str, parts: Mapping[str, Any]) -> None:
    try:
        write_atomically(_entry_path(key), _encode(key, entry))
        write_atomically(_identity_path(identity), json.dumps(parts, default=str).encode())
    except OSError as e:
        logger.debug("could not write cache entry %s: %s", key, e)


def changed_parts(identity: str, parts: Mapping[str, Any]) -> str:
    """Which parts differ from the last entry stored for `identity`, in words."""
    try:
        before = json.loads(_identity_path(identity).read_text())
    except (OSError, ValueError):
        return "not compiled before"
    if not isinstance(before, dict):
        return "not compiled before"
    changes = []
    for name in sorted(set(before) | set(parts)):
        old, new = before.get(name), json.loads(json.dumps(parts.get(name), default=str))
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            inner = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            changes.append(", ".join(f"{name}.{k} {old.get(k)!r} -> {new.get(k)!r}" for k in inner))
        elif _short(old) and _short(new):
            changes.append(f"{name} {old!r} -> {new!r}")
        else:
            changes.append(f"{name} changed")
    return "; ".join(changes) or "same key, entry gone"


def _short(value: Any) -> bool:
    return isinstance(value, int | float | bool) or (isinstance(value, str) and len(value) < 40)


def lookup(
    identity: str,
    parts: Mapping[str, Any],
    validate: Callable[[dict[str, Any]], str | None] | None = None,
) -> tuple[str, Entry | None]:
    """(key, entry) for `parts`; the entry is None on a miss (logged with its reason).
    `validate(metadata)` may still refuse an entry, returning why."""
    key = digest(parts)
    entry, why = load(key)
    if entry is not None and validate is not None:
        refused = validate(entry.metadata)
        if refused:
            entry, why = None, refused
    if entry is None:
        if why == "no entry":
            why = changed_parts(identity, parts)
        logger.debug("MISS %s [%s]: %s", identity, key[:16], why)
        return key, None
    logger.debug("HIT %s [%s]", identity, key[:16])
    return key, entry
