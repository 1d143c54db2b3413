"""The region runtime of `@jit` (re-exported for the frontend by `graphlet.driver.regions`): what native code calls at a region break, and what a
failing call with a region frame unwinds through (docs/jit-region-breaks.md).

Native code reaches Python through two C callbacks, known to the JIT by symbol:

    i32 graphlet_region_call(i64 *frame, i64 site)      a region break's Python call
    i32 graphlet_region_unwind(i64 *frame, i32 status)  a failing call with a frame

Each forwards to the site registered under its number (`register`): an object with
`call(frame) -> status` and `resume(frame) -> status` (`graphlet.runtime.regions.RegionSite`,
built by capture). Slot 0 of a frame is the site of the last
region call that finished (0: none, so nothing has happened that CPython could see
and a plain hand-back stays sound), slot 1 the status a helper left for the
unwinding code. A helper that ends the call itself (the Python call raised, or the
rest of the call ran in CPython) leaves its outcome here (`leave`), and the
dispatcher takes it (`finish`) when the status reaches it: nothing runs in between,
since native code only unwinds.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from graphlet import abi

_FRAME = ctypes.POINTER(ctypes.c_int64)


class Site(Protocol):
    def call(self, frame: Any) -> int: ...

    def resume(self, frame: Any) -> int: ...


SITES: dict[int, Site] = {}
"""Region sites by number (numbers are compiled into code, so it is never cached)."""
_numbers = itertools.count(1)
_registry_lock = threading.Lock()


def register(site: Site) -> int:
    """A new site number for `site` (never 0, which means "no region call yet")."""
    with _registry_lock:
        number = next(_numbers)
        SITES[number] = site
    return number


def unregister(number: int) -> None:
    SITES.pop(number, None)


class _Outcome(threading.local):
    status: int = abi.OK
    value: Any = None


_outcome = _Outcome()


def leave(status: int, value: Any) -> int:
    """Record how the call ended (a result for `RESUMED`, an exception for `RAISED`)
    and return `status` for native code to unwind with."""
    _outcome.status, _outcome.value = status, value
    return status


def finish(status: int) -> Any:
    """The end of a call whose native code returned `status` (`RAISED` or `RESUMED`):
    the result the rest of the call returned in CPython, or its exception raised."""
    recorded, value = _outcome.status, _outcome.value
    _outcome.status, _outcome.value = abi.OK, None
    if recorded != status:
        raise RuntimeError(f"graphlet: region status {status} without its outcome")
    if status == abi.RAISED:
        raise value
    return value


def is_region_status(status: int) -> bool:
    return status in (abi.RAISED, abi.RESUMED)


def _call(frame: Any, site: int) -> int:
    try:
        return SITES[site].call(frame)
    except BaseException as e:  # a bug of graphlet's: never lost, never a crash
        frame[1] = leave(abi.RAISED, e)
        return abi.RAISED


def _unwind(frame: Any, status: int) -> int:
    try:
        pending = frame[1]
        if pending:
            return int(pending)
        last = frame[0]
        if last == 0 or status == abi.RAISED:
            return status
        return SITES[last].resume(frame)
    except BaseException as e:
        return leave(abi.RAISED, e)


_CALL = ctypes.CFUNCTYPE(ctypes.c_int32, _FRAME, ctypes.c_int64)(_call)
_UNWIND = ctypes.CFUNCTYPE(ctypes.c_int32, _FRAME, ctypes.c_int32)(_unwind)
_SYMBOLS = {abi.REGION_CALL_SYMBOL: _CALL, abi.REGION_UNWIND_SYMBOL: _UNWIND}


def provide_symbols(names: Sequence[str]) -> None:
    """Makes the helpers among `names` resolvable by the JIT (code that calls them)."""
    import llvmlite.binding as llvm

    for name in names:
        callback = _SYMBOLS.get(name)
        if callback is not None:
            llvm.add_symbol(name, ctypes.cast(callback, ctypes.c_void_p).value)
