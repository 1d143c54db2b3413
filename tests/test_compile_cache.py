"""The on-disk compile cache (graphlet.driver.cache): a second compile of the
same module loads the machine code (no lowering, no LLVM) and behaves the same;
anything in the key that changes is a miss that says which part changed; damaged
entries are misses that get rewritten; `GRAPHLET_CACHE=0` neither reads nor writes."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import Float64Type, IntegerType, ModuleOp, TensorType
from xdsl.ir import Block, Region

from graphlet.backend.blas import bind_blas
from graphlet.dialects import graphlet as g
from graphlet.driver import cache, compile_native_source, compile_tensor_function
from graphlet.driver.core import module_source
from graphlet.lowering import lower_tensors_to_llvm
from graphlet.runtime import tensors

F64 = TensorType(Float64Type(), [3, 4])


def module_of(build, *arg_types) -> ModuleOp:
    """`@f` of one block built by `build(*args) -> ops`, returning the last op's result."""
    block = Block(arg_types=arg_types)
    ops = build(*block.args)
    block.add_ops([*ops, func.ReturnOp(ops[-1].results[0])])
    fn = func.FuncOp.from_region("f", list(arg_types), [ops[-1].results[0].type], Region(block))
    return ModuleOp([fn])


def chain(scale: float = 0.5) -> ModuleOp:
    """relu(a * b + c) * scale on 3x4 f64."""

    def build(a, b, c):
        mul = g.MulOp(a, b)
        add = g.AddOp(mul, c)
        relu = g.ReluOp(add)
        half = g.ConstantOp.from_array(np.float64(scale))
        return [mul, add, relu, half, g.MulOp(relu, half)]

    return module_of(build, F64, F64, F64)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLET_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GRAPHLET_CACHE", raising=False)
    return tmp_path


@pytest.fixture
def lowerings(monkeypatch):
    """Counts the tensor lowerings that really run."""
    count = [0]
    real = lower_tensors_to_llvm.lower_tensors_to_llvm_passes

    def counting(*args):
        count[0] += 1
        return real(*args)

    monkeypatch.setattr(lower_tensors_to_llvm, "lower_tensors_to_llvm_passes", counting)
    return count


def entries(directory) -> list:
    return sorted(directory.glob(f"*{cache.SUFFIX}"))


ARGS = [np.random.default_rng(0).standard_normal((3, 4)) for _ in range(3)]


def test_second_compile_hits_and_gives_the_same_results(cache_dir, lowerings, caplog):
    with caplog.at_level(logging.DEBUG, logger="graphlet.cache"):
        cold = compile_tensor_function(chain(), "f")
        warm = compile_tensor_function(chain(), "f")
    assert lowerings[0] == 1
    assert [r.message.split()[0] for r in caplog.records] == ["MISS", "HIT"]
    assert len(entries(cache_dir)) == 1
    assert "lower" in cold.timings and "lower" not in warm.timings and "cache" in warm.timings
    assert "optimize" in cold.timings and "codegen" in cold.timings
    assert (
        "optimize" not in warm.timings and "codegen" not in warm.timings and "load" in warm.timings
    )
    assert not cold.artifact.hit and warm.artifact.hit
    want = np.maximum(ARGS[0] * ARGS[1] + ARGS[2], 0) * 0.5
    np.testing.assert_array_equal(cold(*ARGS)[0], want)
    np.testing.assert_array_equal(warm(*ARGS)[0], want)


def test_a_hit_keeps_the_status_result_and_the_signature_checks(cache_dir, lowerings):
    i64 = TensorType(IntegerType(64), [2])
    for _ in range(2):
        kernel = compile_tensor_function(
            module_of(lambda a, b: [g.FloorDivOp(a, b)], i64, i64), "f"
        )
    assert lowerings[0] == 1
    a = np.array([7, -7], np.int64)
    np.testing.assert_array_equal(kernel(a, np.array([2, 2], np.int64))[0], [3, -4])
    with pytest.raises(ZeroDivisionError):
        kernel(a, np.array([2, 0], np.int64))
    with pytest.raises(tensors.TensorSignatureError, match="compiled for shape"):
        kernel(a, np.zeros(3, np.int64))


@pytest.mark.parametrize(
    "scale, options",
    [(0.25, {}), (0.5, {"opt_level": 2}), (0.5, {"blas": False})],
    ids=["module", "opt-level", "blas"],
)
def test_a_change_in_the_key_misses(cache_dir, lowerings, scale, options):
    # Without OpenBLAS, blas on and off are the same pipeline: the key must then match.
    distinct = "blas" not in options or bind_blas()
    compile_tensor_function(chain(), "f")
    compile_tensor_function(chain(scale), "f", **options)
    assert lowerings[0] == (2 if distinct else 1)
    assert len(entries(cache_dir)) == (2 if distinct else 1)


def cache_key(module: ModuleOp, pipeline: str, options: dict) -> str:
    return cache.digest(cache.key_parts(module_source(module), pipeline, options))


def test_the_key_covers_module_pipeline_and_options():
    key = cache_key(chain(), "lower-tensors-to-llvm", {"opt_level": 3})
    assert key == cache_key(chain(), "lower-tensors-to-llvm", {"opt_level": 3})
    assert key != cache_key(chain(0.25), "lower-tensors-to-llvm", {"opt_level": 3})
    assert key != cache_key(chain(), "lower-to-llvm", {"opt_level": 3})
    assert key != cache_key(chain(), "lower-tensors-to-llvm", {"opt_level": 2})
    parts = cache.key_parts(module_source(chain()), "lower-tensors-to-llvm", {})
    assert {"cpu", "cpu-features", "python", "llvmlite", "xdsl", "graphlet-sources"} <= set(parts)


def test_a_miss_names_the_part_of_the_key_that_changed(cache_dir, caplog):
    with caplog.at_level(logging.DEBUG, logger="graphlet.cache"):
        compile_tensor_function(chain(), "f")
        compile_tensor_function(chain(), "f", opt_level=2)
        compile_tensor_function(chain(0.25), "f", opt_level=2)
    first, options, module = (r.message for r in caplog.records)
    assert first.startswith("MISS lower-tensors-to-llvm @f") and "not compiled before" in first
    assert options.endswith("options.opt_level 3 -> 2")
    assert module.endswith("module changed")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"[1, 2]", id="not-an-entry"),
        pytest.param(lambda data: data[:-9] + bytes([data[-9] ^ 1]) + data[-8:], id="bad-checksum"),
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_rewritten(cache_dir, lowerings, damage):
    compile_tensor_function(chain(), "f")
    (entry,) = entries(cache_dir)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    kernel = compile_tensor_function(chain(), "f")
    assert lowerings[0] == 2
    key = entry.name.removesuffix(cache.SUFFIX)
    assert cache.load(key)[0] is not None, "the damaged entry was rewritten"
    np.testing.assert_array_equal(
        kernel(*ARGS)[0], np.maximum(ARGS[0] * ARGS[1] + ARGS[2], 0) * 0.5
    )
    compile_tensor_function(chain(), "f")
    assert lowerings[0] == 2


def test_cache_off_neither_writes_nor_reads(cache_dir, lowerings, monkeypatch):
    compile_tensor_function(chain(), "f")
    monkeypatch.setenv("GRAPHLET_CACHE", "0")
    compile_tensor_function(chain(), "f")
    compile_tensor_function(chain(0.25), "f")
    assert lowerings[0] == 3
    assert len(entries(cache_dir)) == 1
    assert not list(cache_dir.glob(".*"))


def test_an_unwritable_cache_dir_only_costs_the_lowering(tmp_path, monkeypatch, lowerings):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    monkeypatch.setenv("GRAPHLET_CACHE_DIR", str(not_a_dir))
    monkeypatch.delenv("GRAPHLET_CACHE", raising=False)
    for _ in range(2):
        kernel = compile_tensor_function(chain(), "f")
    assert lowerings[0] == 2
    np.testing.assert_array_equal(
        kernel(*ARGS)[0], np.maximum(ARGS[0] * ARGS[1] + ARGS[2], 0) * 0.5
    )


SCALAR = """
func.func @f(%a: i64, %b: i64) -> i64 {
  %r = graphlet.floordiv %a, %b : i64
  func.return %r : i64
}
"""


def test_compile_native_hits_and_keeps_python_semantics(cache_dir, caplog):
    with caplog.at_level(logging.DEBUG, logger="graphlet.cache"):
        cold = compile_native_source(SCALAR)
        warm = compile_native_source(SCALAR)
        compile_native_source(SCALAR, optimize=False)
    assert [r.message.split()[0] for r in caplog.records] == ["MISS", "HIT", "MISS"]
    assert len(entries(cache_dir)) == 2
    assert cold.f(7, -2) == warm.f(7, -2) == -4
    with pytest.raises(ZeroDivisionError):
        warm.f(1, 0)
