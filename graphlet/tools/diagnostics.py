"""Command-line error reporting: a one-line located diagnostic and an exit code, never a
traceback. The locations themselves come from `graphlet.locations`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from xdsl.utils.exceptions import DiagnosticException, ParseError, PassFailedException


@contextlib.contextmanager
def report_errors(input_name: str) -> Iterator[None]:
    """Print a one-line located diagnostic on stderr and exit 1 for errors in the
    user's input; exit 2 with a bug-report hint for errors inside graphlet."""
    try:
        yield
    except ParseError as e:
        _fail(str(e).rstrip())
    except PassFailedException as e:
        _fail(f"{input_name}: error: pass failed: {e}")
    except DiagnosticException as e:
        message = str(e)
        if ": error: " not in message:
            message = f"{input_name}: error: {message}"
        _fail(message)
    except FileNotFoundError as e:
        _fail(f"error: cannot open {e.filename}: {e.strerror}")
    except (NotImplementedError, ValueError) as e:
        _fail(f"{input_name}: error: {e}")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        print(
            f"{input_name}: internal error: {type(e).__name__}: {e}\n"
            "This is a bug in graphlet; rerun with GRAPHLET_DEBUG=1 for the traceback.",
            file=sys.stderr,
        )
        import logging

        logging.getLogger("graphlet").debug("internal error", exc_info=True)
        sys.exit(2)


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)
