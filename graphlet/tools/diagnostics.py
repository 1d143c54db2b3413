"""Command-line error reporting: a one-line located diagnostic and an exit code, never a
traceback. The locations themselves come from `graphlet.locations`."""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from xdsl.utils.exceptions import (
    ArgSpecParseError,
    DiagnosticException,
    ParseError,
    PassFailedException,
)

_STACK_BYTES = 512 << 20
_RECURSION_LIMIT = 100_000
"""Deep enough to parse, verify and print 1000 nested regions (MLIR's depth)."""


@dataclass
class Stage:
    """What the tool is doing, for the internal-error message."""

    running: str | None = None


STAGE = Stage()


@contextlib.contextmanager
def report_errors(input_name: str, replay: Sequence[str] | None = None) -> Iterator[None]:
    """Print a one-line located diagnostic on stderr and exit 1 for errors in the
    user's input; exit 2 with the replay command for errors inside graphlet."""
    try:
        yield
    except ParseError as e:
        _fail(str(e).rstrip())
    except ArgSpecParseError as e:  # a BaseException in xDSL 0.74
        _fail(f"error: {e}".rstrip())
    except PassFailedException as e:
        _fail(f"{input_name}: error: pass failed: {e}")
    except DiagnosticException as e:
        message = str(e)
        if ": error: " not in message:
            message = f"{input_name}: error: {message}"
        _fail(message)
    except FileNotFoundError as e:
        _fail(f"error: cannot open {e.filename}: {e.strerror}")
    except BrokenPipeError:
        # The reader (`| head`) left: say nothing, as a process killed by SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    except RecursionError:
        _fail(f"{input_name}: error: the IR is nested too deeply")
    except (NotImplementedError, ValueError, LookupError) as e:
        _fail(f"{input_name}: error: {e}")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        command = shlex.join(replay) if replay else None
        during = f" (while running {STAGE.running})" if STAGE.running else ""
        print(
            f"{input_name}: internal error{during}: {type(e).__name__}: {e}\n"
            "This is a bug in graphlet; rerun with GRAPHLET_DEBUG=1 for the traceback"
            + (f":\n  GRAPHLET_DEBUG=1 {command}" if command else "."),
            file=sys.stderr,
        )
        logging.getLogger("graphlet").debug("internal error", exc_info=True)
        sys.exit(2)


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


def run_with_deep_stack(work: Callable[[], int]) -> int:
    """Run `work` in a thread with a large stack and recursion limit: xDSL's parser,
    verifier and printer recurse once per nested region."""
    outcome: list[int] = [2]

    def target() -> None:
        try:
            outcome[0] = work()
        except SystemExit as e:
            outcome[0] = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if isinstance(e.code, str):
                print(e.code, file=sys.stderr)
        except BaseException as e:  # never a thread's traceback
            print(f"internal error: {type(e).__name__}: {e}", file=sys.stderr)
            outcome[0] = 2

    previous_stack = threading.stack_size(_STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
    try:
        thread = threading.Thread(target=target, name="graphlet-tool", daemon=True)
        thread.start()
        thread.join()
    except KeyboardInterrupt:
        return 130
    finally:
        threading.stack_size(previous_stack)
        sys.setrecursionlimit(previous_limit)
    return outcome[0]
