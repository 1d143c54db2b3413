"""`@graphlet.jit` against CPython on a loop kernel: same answer, measured speed-up.

python -m examples.demo_jit_speedup
"""

import time

import graphlet


def collatz_total(n):
    total = 0
    for i in range(1, n):
        m = i
        while m != 1:
            if m % 2 == 0:
                m = m // 2
            else:
                m = 3 * m + 1
            total += 1
    return total


def best_time(fn, *args, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    n = 30_000
    jitted = graphlet.jit(collatz_total)
    start = time.perf_counter()
    jitted(n)
    first = time.perf_counter() - start
    python_time, expected = best_time(collatz_total, n)
    jit_time, got = best_time(jitted, n)
    assert got == expected and type(got) is type(expected)
    print(f"collatz_total({n}) = {got}")
    print(f"CPython:  {python_time * 1e3:8.1f} ms")
    print(
        f"graphlet: {jit_time * 1e3:8.1f} ms  (first call incl. compile: {first * 1e3:.0f} ms, {jitted.backend.name} backend)"
    )
    print(f"speed-up: {python_time / jit_time:.1f}x")


if __name__ == "__main__":
    main()
