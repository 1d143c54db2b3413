"""The @jit dispatcher's correctness under threads, recursion and changed dependencies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Runs `script` in a fresh interpreter on this tree, so a crash fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


THREADS = """
    import threading
    import graphlet

    SOURCE = '''
    def f(n, x):
        s = 0
        for i in range(n):
            s += i * {k} + x
        return s
    '''

    def fresh(k):
        namespace = {}
        exec(SOURCE.format(k=k), namespace)
        return namespace["f"]

    wrong, native = [], 0
    for k in range(4):
        plain, jitted = fresh(k), graphlet.jit(fresh(k))
        start = threading.Barrier(16)

        def worker(t):
            start.wait()
            for i in range(100):
                args = (t + i % 7, t) if (t + i) % 2 else (t + i % 7, t + 0.5)
                got, want = jitted(*args), plain(*args)
                if got != want or type(got) is not type(want):
                    wrong.append((args, got, want))

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        versions = jitted.versions.values()
        assert len(versions) == 2 and all(v.native is not None for v in versions), versions
        native += sum(v.calls for v in versions)
    print(len(wrong), wrong[:3], native)
"""


def test_sixteen_threads_calling_a_fresh_function_at_once() -> None:
    """Each round: 16 threads make the first calls of a new jitted function together
    (two signatures, so the fast path is replaced while others call it), 100 each."""
    done = _run(THREADS)
    assert done.returncode == 0, done.stderr[-3000:]
    wrong, native = done.stdout.split()[0], int(done.stdout.split()[-1])
    assert wrong == "0", done.stdout
    # compiled code ran for nearly every call (the first calls of each signature compile)
    assert native >= 4 * 16 * 100 - 4 * 16 * 2, done.stdout
