"""The machine-code cache across processes: a second process loads what the first
compiled, running neither the lowering nor LLVM (nor, for `@jit(cache=True)`, the
bytecode capture or any of xDSL); a changed global or function is a miss that says
so; processes compiling at the same time never see half an entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

KERNELS = """
import graphlet

SCALE = 3


@graphlet.jit(cache=True)
def scaled_sum(n):
    s = 0
    for i in range(n):
        s += i * SCALE
    return s


@graphlet.jit(cache=True)
def distance(x, y):
    return abs(x - y) + scaled_sum(4)


@graphlet.jit(cache=True)
def floor_div(a, b):
    return a // b
"""

JIT_RUN = """
import json, logging, sys
logging.basicConfig(level=logging.DEBUG, format="%(message)s", stream=sys.stderr)
logging.getLogger("graphlet").setLevel(logging.DEBUG)
import kernels
results = [kernels.scaled_sum(10), kernels.distance(2.5, 1.0), kernels.floor_div(7, -2)]
try:
    kernels.floor_div(1, 0)
except ZeroDivisionError as e:
    results.append(str(e))
results.append(kernels.floor_div(2**70, 3))  # an int past i64: CPython's big int
versions = [
    (kernels.scaled_sum, (10,)), (kernels.distance, (2.5, 1.0)), (kernels.floor_div, (7, -2))
]
print(json.dumps({
    "results": [str(r) for r in results],
    "native": [f.version_for(*a).native is not None and f.version_for(*a).calls > 0
               for f, a in versions],
    "fast": [type(type(f).__call__).__name__ for f, _ in versions],
    "loaded": sorted(m for m in sys.modules
                     if m == "xdsl" or m.startswith(("graphlet.lowering", "graphlet.transforms",
                                                     "graphlet.frontend.bytecode.capture",
                                                     "graphlet.driver.pipelines"))),
}))
"""

NATIVE_RUN = """
import json, sys
from graphlet.driver import compile_native_source, compile_tensor_function
from graphlet.dialects import graphlet as g
import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import Float64Type, ModuleOp, TensorType
from xdsl.ir import Block, Region

native = compile_native_source('''
func.func @f(%a: i64, %b: i64) -> i64 {
  %r = graphlet.floordiv %a, %b : i64
  func.return %r : i64
}
''')
t = TensorType(Float64Type(), [2, 3])
block = Block(arg_types=[t, t])
ops = [g.MulOp(*block.args)]
ops.append(g.AddOp(ops[0], block.args[1]))
block.add_ops([*ops, func.ReturnOp(ops[-1].results[0])])
module = ModuleOp([func.FuncOp.from_region("k", [t, t], [t], Region(block))])
kernel = compile_tensor_function(module, "k")
x = np.arange(6.0).reshape(2, 3)
print(json.dumps({
    "results": [native.f(7, -2), native.f(2**70, 3), kernel(x, x)[0].tolist()],
    "hits": [native.artifact.hit, kernel.artifact.hit],
    "stages": sorted(set(native.artifact.timings) | set(kernel.timings)),
    "lowered": sorted(m for m in sys.modules if m.startswith("graphlet.lowering")),
}))
"""


def run(script: str, directory: Path, cache: Path, **env: str) -> tuple[dict, str]:
    (directory / "run.py").write_text(textwrap.dedent(script))
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)]),
        "GRAPHLET_CACHE_DIR": str(cache),
    }
    environment.pop("GRAPHLET_CACHE", None)
    environment.pop("GRAPHLET_DEBUG", None)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, str(directory / "run.py")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


@pytest.fixture
def kernels(tmp_path: Path) -> Path:
    (tmp_path / "kernels.py").write_text(KERNELS)
    return tmp_path


EXPECTED = ["135", "19.5", "-4", "integer division or modulo by zero", str(2**70 // 3)]


def test_jit_second_process_loads_without_capturing_or_compiling(kernels, tmp_path):
    cache = tmp_path / "cache"
    cold, cold_log = run(JIT_RUN, kernels, cache)
    warm, warm_log = run(JIT_RUN, kernels, cache)
    assert cold["results"] == warm["results"] == EXPECTED
    assert cold["native"] == warm["native"] == [True, True, True]
    assert warm["fast"] == ["builtin_function_or_method"] * 3
    assert "graphlet.driver.pipelines" in cold["loaded"] and "xdsl" in cold["loaded"]
    assert warm["loaded"] == [], "a hit ran capture, xDSL or the lowering"
    assert cold_log.count("MISS jit kernels.") == 3 and "HIT" not in cold_log
    assert warm_log.count("HIT jit kernels.") == 3 and "MISS" not in warm_log


def test_jit_miss_names_the_changed_global_and_function(kernels, tmp_path):
    cache = tmp_path / "cache"
    run(JIT_RUN, kernels, cache)
    (kernels / "kernels.py").write_text(KERNELS.replace("SCALE = 3", "SCALE = 4"))
    changed, log = run(JIT_RUN, kernels, cache)
    assert changed["results"][:2] == ["180", "25.5"]
    assert "MISS jit kernels.scaled_sum(int)" in log
    assert "global 'SCALE' changed (3 -> 4)" in log
    assert "HIT jit kernels.floor_div(int, int)" in log
    (kernels / "kernels.py").write_text(
        KERNELS.replace("SCALE = 3", "SCALE = 4").replace("return a // b", "return a // b + 1")
    )
    edited, log = run(JIT_RUN, kernels, cache)
    assert edited["results"][2] == "-3"
    assert "MISS jit kernels.floor_div(int, int)" in log and "code changed" in log


def test_native_module_and_tensor_function_hit_in_a_second_process(tmp_path):
    cache = tmp_path / "cache"
    cold, _ = run(NATIVE_RUN, tmp_path, cache)
    warm, _ = run(NATIVE_RUN, tmp_path, cache)
    assert cold["results"] == warm["results"]
    assert cold["results"][:2] == [-4, 2**70 // 3]
    assert cold["results"][2] == [[0.0, 2.0, 6.0], [12.0, 20.0, 30.0]]
    assert cold["hits"] == [False, False] and warm["hits"] == [True, True]
    assert {"optimize", "codegen", "lower"} <= set(cold["stages"])
    assert not {"optimize", "codegen", "lower"} & set(warm["stages"])
    assert warm["lowered"] == []


def test_concurrent_processes_share_one_entry(kernels, tmp_path):
    cache = tmp_path / "cache"
    (kernels / "run.py").write_text(textwrap.dedent(JIT_RUN))
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(kernels), str(ROOT)]),
        "GRAPHLET_CACHE_DIR": str(cache),
    }
    environment.pop("GRAPHLET_CACHE", None)
    processes = [
        subprocess.Popen(
            [sys.executable, str(kernels / "run.py")],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert json.loads(out)["results"] == EXPECTED
    assert len(list(cache.glob("*.entry"))) == 3
    assert not [p for p in cache.rglob(".*") if p.is_file()], "a temporary file was left"
    warm, log = run(JIT_RUN, kernels, cache)
    assert warm["loaded"] == [] and log.count("HIT") == 3


def test_a_corrupt_entry_is_never_loaded(kernels, tmp_path):
    cache = tmp_path / "cache"
    run(JIT_RUN, kernels, cache)
    for entry in cache.glob("*.entry"):
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))
    again, log = run(JIT_RUN, kernels, cache)
    assert again["results"] == EXPECTED
    assert log.count("damaged entry ignored (checksum mismatch)") == 3
    rewritten, log = run(JIT_RUN, kernels, cache)
    assert rewritten["loaded"] == [] and log.count("HIT") == 3


def test_uncacheable_global_compiles_without_storing(tmp_path):
    (tmp_path / "kernels.py").write_text(
        "import graphlet\nimport fractions\nHALF = fractions.Fraction(1, 2)\n\n"
        "@graphlet.jit(cache=True)\ndef f(x):\n    if x > 100:\n        return x * HALF\n    return x\n"
    )
    script = "import json, kernels\nprint(json.dumps({'r': [kernels.f(3), str(kernels.f(200))]}))\n"
    cache = tmp_path / "cache"
    out, log = run(script, tmp_path, cache, GRAPHLET_DEBUG="1")
    assert out["r"] == [3, "100"]
    assert "not cached, a guarded global is a Fraction" in log
    assert not list(cache.glob("*.entry"))
