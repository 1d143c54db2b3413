"""`import graphlet` is cheap: it loads no compiler (xDSL, the lowering, LLVM), no torch
and no numba until they are used (timed with `python -X importtime`, see
benchmarks/bench_startup.py); the version comes from the package metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("torch", "numba", "xdsl", "llvmlite", "numpy")
COMPILER = ("graphlet.lowering", "graphlet.transforms", "graphlet.driver", "graphlet.dialects")


def loaded_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(m for m in sys.modules)))\n"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("GRAPHLET_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(COMPILER)]


def test_import_graphlet_loads_no_compiler_torch_or_numba():
    assert heavy(loaded_after("import graphlet")) == []


def test_decorating_with_jit_loads_no_compiler():
    code = "import graphlet\n@graphlet.jit\ndef f(x):\n    return x + 1\n"
    assert heavy(loaded_after(code)) == []


def test_the_first_call_loads_the_compiler_and_public_names_resolve():
    code = (
        "import graphlet\n@graphlet.jit\ndef f(x):\n    return x + 1\n"
        "assert f(2) == 3 and f.version_for(2).calls == 1\n"
        "assert graphlet.Graph and graphlet.Compiler and graphlet.explain\n"
    )
    modules = loaded_after(code)
    assert "xdsl" in modules and "graphlet.driver" in modules
    assert "torch" not in modules and "numba" not in modules


def test_version_is_the_distribution_version():
    import graphlet

    assert graphlet.__version__ == metadata.version("graphlet")


def test_tools_name_graphlet_in_their_version():
    for tool in ("graphlet_opt", "graphlet_run"):
        done = subprocess.run(
            [sys.executable, "-m", f"graphlet.tools.{tool}", "--version"],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        name = tool.replace("_", "-")
        assert done.stdout.startswith(f"{name} {metadata.version('graphlet')} (graphlet)")
