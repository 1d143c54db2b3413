"""The Python source back end and `graphlet.pythonify`: every emitted module is compiled
and run, and agrees with CPython (the original function), the reference interpreter
and NumPy/PyTorch's rules, including the edge cases (big ints, negative floor
division, float edge cases, broadcasting, int tensors' division)."""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from xdsl.parser import Parser

import graphlet
from graphlet.backend.python_source import PythonSourceError, module_source
from graphlet.dialects import graphlet as g
from graphlet.frontend.pythonify import PythonifyWarning
from graphlet.registry import make_context
from graphlet.runtime.interpreter import interpret
from graphlet.runtime.jit_backends import HandBack

INTS = [0, 1, -1, 7, -7, 3, -3, 2**62, -(2**63), 2**63 - 1]
FLOATS = [0.0, -0.0, 1.5, -2.5, 1e300, -1e-300, math.inf, -math.inf, math.nan]


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    """The value (with its exact type) or the exception (type and message) of a call."""
    try:
        value = fn(*args)
    except RecursionError:  # its message depends on where the limit is hit
        return ("raised", (RecursionError, ""))
    except Exception as e:
        return ("raised", (type(e), str(e)))
    return ("value", (type(value), repr(value)))


def run_source(source: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    namespace = dict(namespace or {})
    exec(compile(source, "<pythonify>", "exec"), namespace)
    return namespace


def parse(text: str) -> Any:
    return Parser(make_context(), text).parse_module()


# ------------------------------------------------------------------ @jit functions

GLOBAL_SCALE = 3


def arithmetic(a, b):
    return a // b, a % b, a * b - a, -a, abs(b), a < b, a / b


def loops(n, x):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += i // 2 * GLOBAL_SCALE
        else:
            total -= i
    return total + int(x * 2.5) + math.floor(x)


def floats(x, y):
    return x * y + x, x - y, min(x, y), max(x, y), x == y, math.sqrt(x) if x >= 0 else -x


def powers(a, b):
    return a**b


CASES = [
    (arithmetic, [(a, b) for a in INTS for b in INTS[:7]]),
    (loops, [(n, x) for n in (0, 1, 10, 25) for x in FLOATS]),
    (floats, [(x, y) for x in FLOATS for y in FLOATS[:6]]),
    (powers, [(a, b) for a in (2, -3, 0, 10) for b in (0, 3, 63, 70, -1)]),
]


@pytest.mark.parametrize("fn, inputs", CASES, ids=[c[0].__name__ for c in CASES])
def test_emitted_jit_module_agrees_with_cpython_native_and_python(fn, inputs) -> None:
    jitted = graphlet.jit(fn)
    source = graphlet.pythonify(jitted, *inputs[0])
    version = jitted.version_for(*inputs[0])
    assert version is not None and version.native is not None and not version.breaks
    with_native = run_source(source, {"original": jitted})
    python_only = run_source(source, {"original": fn})  # no live version: the body runs
    entry = fn.__name__
    paths = {"native": 0, "python": 0}
    for args in inputs:
        expected = outcome(fn, *args)
        assert outcome(with_native[entry], *args) == expected, args
        if with_native["LAST_PATH"] == "native":
            paths["native"] += 1
        assert outcome(python_only[entry], *args) == expected, args
        assert python_only["LAST_PATH"] in ("python", "fallback")
        if python_only["LAST_PATH"] == "python":
            paths["python"] += 1
        body = python_only["body"]
        if python_only["arguments_match"](*args):  # the IR as Python, without the wrapper
            got = outcome(body, *args)
            hand_backs = (python_only["HandBack"], HandBack)  # a guard; a result past 64 bits
            if got[0] == "value" or got[1][0] not in hand_backs:
                assert got == expected, args
    assert paths["native"] > 0 and paths["python"] > 0, paths


def test_emitted_module_takes_the_fallback_when_a_guarded_global_changes(monkeypatch) -> None:
    jitted = graphlet.jit(loops)
    namespace = run_source(graphlet.pythonify(jitted, 10, 1.5), {"original": jitted})
    assert namespace["loops"](10, 1.5) == loops(10, 1.5)
    assert namespace["LAST_PATH"] == "native"
    monkeypatch.setattr(__import__(__name__), "GLOBAL_SCALE", 4)
    assert not namespace["guards_hold"]()
    assert namespace["loops"](10, 1.5) == loops(10, 1.5)  # CPython's answer with the new 4
    assert namespace["LAST_PATH"] == "fallback"
    stale = jitted.version_for(10, 1.5)
    assert stale is not None and not stale.guards_hold()  # the dispatcher sees it too
    assert jitted(10, 1.5) == loops(10, 1.5)


def _make_scaled(scale, offset, pair, f):
    def scaled(x):
        return f(x) * scale + offset + pair[0] - pair[1]

    return scaled


def _make_adder(k):
    def add(v):
        return v + k

    return add


ADD_TWO = _make_adder(2)


def calls_a_global_closure(x):
    return ADD_TWO(x) * 3


def test_a_closures_cells_are_guarded_by_their_values_as_the_dispatcher_guards_them() -> None:
    """A function made by a factory reads its free variables from its cells: the
    emitted guards hold for the cells it was compiled with (numbers, a tuple, a
    builtin; with or without a live version) and fail, as the live dispatcher's do,
    once a cell is rebound."""
    scaled = _make_scaled(3, 0.5, (4, 1), abs)
    jitted = graphlet.jit(scaled)
    source = graphlet.pythonify(jitted, -2)
    assert "same_value(cell_value(PY_FUNC, " in source and "(4, 1, )" in source
    live = run_source(source, {"original": jitted})
    plain = run_source(source, {"original": scaled})
    for namespace, path in ((live, "native"), (plain, "python")):
        assert namespace["guards_hold"]()
        assert outcome(namespace["scaled"], -2) == outcome(scaled, -2)
        assert namespace["LAST_PATH"] == path
    cells = dict(zip(scaled.__code__.co_freevars, scaled.__closure__ or ()))
    for name, value in (("scale", 3.0), ("pair", (4, 2)), ("f", math.floor)):
        old = cells[name].cell_contents
        cells[name].cell_contents = value
        try:
            version = jitted.version_for(-2)
            assert version is not None and not version.guards_hold(), name
            for namespace in (live, plain):
                assert not namespace["guards_hold"](), name
                assert outcome(namespace["scaled"], -2) == outcome(scaled, -2), name
                assert namespace["LAST_PATH"] == "fallback", name
        finally:
            cells[name].cell_contents = old
    assert live["guards_hold"]() and plain["guards_hold"]()


def test_the_cells_of_a_called_global_closure_are_read_through_the_global() -> None:
    jitted = graphlet.jit(calls_a_global_closure)
    source = graphlet.pythonify(jitted, 5)
    assert "same_value(cell_value(G.get('ADD_TWO', MISSING), 0), 2)" in source
    namespace = run_source(source, {"original": jitted})
    assert namespace["guards_hold"]() and namespace["calls_a_global_closure"](5) == 21
    assert namespace["LAST_PATH"] == "native"
    cell = (ADD_TWO.__closure__ or ())[0]
    cell.cell_contents = 10
    try:
        assert not namespace["guards_hold"]()
        version = jitted.version_for(5)
        assert version is not None and not version.guards_hold()
        assert namespace["calls_a_global_closure"](5) == calls_a_global_closure(5) == 45
        assert namespace["LAST_PATH"] == "fallback"
    finally:
        cell.cell_contents = 2


def masked_hash(n):
    return (n * 31 + 7) & 0xFFFFFFFFFFFFFFFF


def test_a_wide_mask_of_an_int_past_64_bits_agrees_in_every_executor() -> None:
    """`x & (2**64 - 1)` keeps x's low 63 bits only while x fits: the IR's ints are
    Python's (the interpreter, the emitted body), so a wider x hands back there as
    native code's overflow check does, and the emitted module gives CPython's answer."""
    from graphlet.runtime.jit_backends import InterpreterBackend

    jitted = graphlet.jit(masked_hash)
    interpreted = graphlet.jit(masked_hash, backend=InterpreterBackend())
    plain = run_source(graphlet.pythonify(jitted, 3), {"original": masked_hash})
    for n in (3, 2**58, 2**61, 2**62, 2**63 - 1, 0):
        expected = outcome(masked_hash, n)
        assert outcome(jitted, n) == outcome(interpreted, n) == expected, n
        assert outcome(plain["masked_hash"], n) == expected, n
        got = outcome(plain["body"], n)
        assert got == expected or got[1][0] is plain["HandBack"], n
    assert not jitted.last_call_handed_back  # 0: native code ran
    assert plain["LAST_PATH"] == "python"


def test_argument_checks_send_other_types_and_big_ints_to_the_fallback() -> None:
    jitted = graphlet.jit(arithmetic)
    namespace = run_source(graphlet.pythonify(jitted, 7, 2), {"original": jitted})
    for args in [(2**70, 3), (7.5, 2), (True, 2)]:
        assert outcome(namespace["arithmetic"], *args) == outcome(arithmetic, *args)
        assert namespace["LAST_PATH"] == "fallback"


def test_the_source_has_the_sections_with_the_guarded_values() -> None:
    source = graphlet.pythonify(loops, 10, 1.5)
    for header in (
        "# The original function",
        "# Guards",
        "# Argument checks",
        "# Native call",
        "# Compiled body",
        "# Fallback path",
        "# Entry",
    ):
        assert header in source
    assert "same_value(G.get('GLOBAL_SCALE', MISSING), 3)" in source
    assert "module_namespace('math').get('floor', MISSING) is resolve('math', 'floor')" in source


# ------------------------------------------------------------------ writing the file


def test_jit_pythonify_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "out.py"
    jitted = graphlet.jit(arithmetic, pythonify=out)
    assert jitted(7, -2) == arithmetic(7, -2)
    namespace = run_source(out.read_text(), {"original": jitted})
    assert namespace["arithmetic"](-7, 2) == arithmetic(-7, 2)
    assert [p.name for p in tmp_path.iterdir()] == ["out.py"]  # no temporary left behind


def test_an_unwritable_path_is_a_warning_and_the_compile_stands(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    jitted = graphlet.jit(arithmetic, pythonify=blocker / "out.py")  # a file is no directory
    with pytest.warns(PythonifyWarning, match=r"cannot write arithmetic\(int, int\) to .*out\.py"):
        assert jitted(7, -2) == arithmetic(7, -2)
    assert graphlet.explain(jitted, 7, -2).mode == "compiled"


def test_the_write_is_atomic(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out.py"
    out.write_text("old = 1\n")

    def fail(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    jitted = graphlet.jit(floats, pythonify=out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert outcome(jitted, 1.5, -2.5) == outcome(floats, 1.5, -2.5)
    assert any(issubclass(w.category, PythonifyWarning) for w in caught)
    assert out.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.py"]


# ------------------------------------------------------------------ IR straight to Python

SCALARS = """
func.func @divmod_(%a: i64, %b: i64) -> (i64, i64, f64, i64) {
  %q = graphlet.floordiv %a, %b : i64
  %r = graphlet.mod %a, %b : i64
  %t = graphlet.truediv %a, %b : i64
  %s = graphlet.shl %a, %b : i64
  func.return %q, %r, %t, %s : i64, i64, f64, i64
}
func.func @fl(%x: f64, %y: f64) -> (f64, f64, f64, i1, f64, f64) {
  %m = graphlet.mod %x, %y : f64
  %q = graphlet.floordiv %x, %y : f64
  %f = graphlet.floor %x : f64
  %c = graphlet.cmp ne, %x, %y : f64
  %n = graphlet.min %x, %y : f64
  %p = graphlet.pow %x, %y : f64
  func.return %m, %q, %f, %c, %n, %p : f64, f64, f64, i1, f64, f64
}
func.func @sum_to(%n: i64) -> i64 {
  %zero = graphlet.constant 0 : i64
  %one = graphlet.constant 1 : i64
  cf.br ^loop(%zero, %zero : i64, i64)
^loop(%i: i64, %acc: i64):
  %done = graphlet.cmp ge, %i, %n : i64
  cf.cond_br %done, ^exit(%acc : i64), ^body
^body:
  %sq = graphlet.mul %i, %i : i64
  %acc2 = graphlet.add %acc, %sq : i64
  %i2 = graphlet.add %i, %one : i64
  cf.br ^loop(%i2, %acc2 : i64, i64)
^exit(%r: i64):
  func.return %r : i64
}
"""


def test_scalar_ir_runs_as_python_with_the_interpreters_answers() -> None:
    module = parse(SCALARS)
    namespace = run_source(module_source(module))
    cases = {
        "divmod_": [(a, b) for a in INTS for b in (1, -1, 2, -3, 0, 64, -1 if a else 5)],
        "fl": [(x, y) for x in FLOATS for y in FLOATS],
        "sum_to": [(n,) for n in (0, 1, 10, 3_000_000_000 // 10**9)],
    }
    for name, inputs in cases.items():
        for args in inputs:
            expected = outcome(lambda *a: _single(interpret(module, name, a)), *args)
            got = outcome(namespace[name], *args)
            if expected[0] == "raised" and expected[1][0] is g.UnrepresentableResult:
                # Python's answer is not of the declared type: both hand the call back.
                assert got[0] == "raised" and got[1][0] is namespace["HandBack"], (name, args)
                continue
            assert got == expected, (name, args)


def _single(results: tuple[Any, ...]) -> Any:
    return results[0] if len(results) == 1 else results


def test_lowered_scalar_ir_runs_as_python_loops() -> None:
    """After convert-graphlet-to-arith (arith with LLVM's meaning, pyrt guards, scf)."""
    from graphlet.registry import GRAPHLET_PASSES

    module = parse(SCALARS)
    reference = module.clone()
    for name in ("graphlet-optimize", "convert-graphlet-to-arith"):
        GRAPHLET_PASSES[name]()().apply(make_context(), module)
    namespace = run_source(module_source(module))
    for a in INTS:
        for b in (1, -1, 2, -3, 7):
            got = outcome(namespace["divmod_"], a, b)
            if got[0] == "raised" and got[1][0] is namespace["HandBack"]:
                continue  # native code would hand this call back too
            assert got == outcome(lambda *x: interpret(reference, "divmod_", x), a, b), (a, b)
    assert namespace["sum_to"](100) == sum(i * i for i in range(100))


TENSORS = """
func.func @t(%x: tensor<2x3xi64>, %y: tensor<3xi64>, %f: tensor<2x3xf32>) -> (tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) {
  %q = graphlet.floordiv %x, %y : tensor<2x3xi64>, tensor<3xi64>
  %r = graphlet.mod %x, %y : tensor<2x3xi64>, tensor<3xi64>
  %d = graphlet.truediv %x, %y : tensor<2x3xi64>, tensor<3xi64>
  %a = graphlet.add %d, %f : tensor<2x3xf32>
  %s = graphlet.sum %a {dims = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  func.return %q, %r, %d, %a, %s : tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>
}
"""


def test_tensor_ir_runs_as_numpy_with_pytorchs_rules() -> None:
    torch = pytest.importorskip("torch")
    module = parse(TENSORS)
    namespace = run_source(module_source(module))
    x = np.array([[7, -7, 0], [5, -9, 2**40]], dtype=np.int64)
    y = np.array([2, -3, -5], dtype=np.int64)
    f = np.array([[0.5, -0.0, np.inf], [np.nan, 1e30, -2.5]], dtype=np.float32)
    got = namespace["t"](x, y, f)
    tx, ty, tf = map(torch.from_numpy, (x, y, f))
    d = torch.true_divide(tx, ty)
    expected = [
        torch.floor_divide(tx, ty),
        torch.remainder(tx, ty),
        d,
        d + tf,
        (d + tf).sum(dim=1),
    ]
    for g_value, e_value in zip(got, expected):
        assert g_value.dtype == e_value.numpy().dtype
        np.testing.assert_array_equal(g_value, e_value.numpy())
    for g_value, e_value in zip(got, interpret(module, "t", (x, y, f))):
        np.testing.assert_array_equal(g_value, e_value)


# ------------------------------------------------------------------ errors


def test_an_op_without_a_method_is_a_located_error() -> None:
    module = parse(
        """
func.func @f(%p: !llvm.ptr) -> i64 {
  %x = llvm.load %p : !llvm.ptr -> i64
  func.return %x : i64
}
"""
    )
    with pytest.raises(PythonSourceError, match=r"'llvm.load': the Python source back end has no"):
        module_source(module)


def grow(xs, n):
    for i in range(n):
        xs.append(i * 2)
    return xs[n]  # IndexError when the list had no item n


def bump(a, i):
    a[0] += 1.5
    return a[i]  # IndexError past the end


def test_lists_are_copied_in_and_written_back_only_when_the_call_succeeds(tmp_path: Path) -> None:
    """The emitted body mutates a copy of the caller's list: a call that hands back
    (here an IndexError CPython raises) leaves the list as it was, so the fallback's
    appends happen once, as under the native wrapper."""
    out = tmp_path / "grow.py"
    jitted = graphlet.jit(grow, pythonify=out)
    assert jitted([7], 0) == 7
    namespace = run_source(out.read_text(), {"original": grow})  # no live version: the body
    xs = [7]
    assert namespace["grow"](xs, 0) == 7 and xs == [7] and namespace["LAST_PATH"] == "python"
    xs = [1, 1, 1, 1, 1]
    assert namespace["grow"](xs, 2) == 1 and namespace["LAST_PATH"] == "python"
    assert xs == [1, 1, 1, 1, 1, 0, 2]
    xs, reference = [], []
    with pytest.raises(IndexError, match="list index out of range"):
        namespace["grow"](xs, 3)
    assert namespace["LAST_PATH"] == "fallback"
    with pytest.raises(IndexError):
        grow(reference, 3)
    assert xs == reference == [0, 2, 4]


def squares_total(n):
    squares = []
    for i in range(n):
        squares.append(i * i)
    return squares[n // 2] + sum(squares)  # IndexError for n == 0: native code hands back


def half_sum(n):
    b = np.zeros(n)
    for i in range(n):
        b[i] = i * 0.5
    return float(b.sum())


def _malloc_in_use() -> int:
    """Bytes malloc has handed out and not taken back (glibc's `mallinfo2`)."""
    import ctypes

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(f, ctypes.c_size_t) for f in ("arena", "ordblks", "smblks", "hblks")] + [
            (f, ctypes.c_size_t) for f in ("hblkhd", "usmblks", "fsmblks", "uordblks")
        ]

    libc = ctypes.CDLL(None)
    if not hasattr(libc, "mallinfo2"):
        pytest.skip("no glibc mallinfo2 to measure native allocations with")
    libc.mallinfo2.restype = Mallinfo2
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


def test_the_ctypes_call_frees_the_lists_and_arrays_a_scalar_version_makes() -> None:
    """A scalar version's native call through ctypes (holding the GIL: NumPy arrays are
    made through the C API) releases its arena as the CPython wrapper does, on success
    and on a hand-back: many calls leave malloc's lists (`mallinfo2`) and NumPy's
    arrays (`tracemalloc`, which sees NumPy's data) where they were."""
    import tracemalloc

    calls = 300
    for fn, args, measure in (
        (squares_total, [(2000,), (0,)], "malloc"),
        (half_sum, [(2000,)], "tracemalloc"),
    ):
        jitted = graphlet.jit(fn)
        namespace = run_source(graphlet.pythonify(jitted, *args[0]), {"original": jitted})
        assert "NATIVE_SYMBOL" in namespace, fn.__name__  # the ctypes path, not the wrapper
        entry = namespace[fn.__name__]
        for a in args:
            assert outcome(entry, *a) == outcome(fn, *a), (fn.__name__, a)
        assert entry(*args[0]) == fn(*args[0]) and namespace["LAST_PATH"] == "native"
        tracemalloc.start()
        try:
            before = _malloc_in_use() if measure == "malloc" else tracemalloc.get_traced_memory()[0]
            for _ in range(calls):
                for a in args:
                    outcome(entry, *a)
            after = _malloc_in_use() if measure == "malloc" else tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        # a leak is each call's list or array, 2000 items of 8 bytes: 16 kB a call
        assert after - before < calls * 512, (fn.__name__, measure, after - before)


def test_array_writes_are_undone_when_the_call_hands_back(tmp_path: Path) -> None:
    out = tmp_path / "bump.py"
    jitted = graphlet.jit(bump, pythonify=out)
    a = np.zeros(3)
    assert jitted(a, 1) == 0.0
    namespace = run_source(out.read_text(), {"original": bump})
    a = np.arange(3.0)[::-1].copy()
    got = namespace["bump"](a, -1)
    assert type(got) is np.float64 and got == 0.0 and namespace["LAST_PATH"] == "python"
    assert a.tolist() == [3.5, 1.0, 0.0]
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        namespace["bump"](a, 3)
    assert namespace["LAST_PATH"] == "fallback"
    assert a.tolist() == [5.0, 1.0, 0.0]  # once by CPython's rerun, not twice


# ------------------------------------------------------------------ torch graphs


def _torch_models() -> list[tuple[str, Any, Any]]:
    torch = pytest.importorskip("torch")

    class Mixed(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)

        def forward(self, x: Any, k: Any) -> Any:
            y = torch.relu(self.fc(x)) // 0.3
            return y, k // torch.tensor([2, -3, 5]), k % torch.tensor([2, -3, 5]), k * 0.5

    def division(a: Any, b: Any) -> Any:
        return a / b, torch.floor_divide(a, b), torch.remainder(a, b), a.sum(dim=0)

    def floats(x: Any, y: Any) -> Any:
        return torch.exp(x) - y, torch.maximum(x, y), torch.where(x > y, x, y * 2), x.mean(dim=1)

    ints = torch.tensor([[7, -7, 0], [9, -9, 2**40]])
    special = torch.tensor([[0.5, -0.0, float("inf")], [float("nan"), 1e30, -2.5]])
    return [
        ("mixed", Mixed().eval(), (torch.randn(2, 3), ints)),
        ("division", division, (ints, torch.tensor([2, -3, -5]))),
        ("floats", floats, (special, torch.tensor([1.0, float("-inf"), 0.0]))),
    ]


def _same(got: Any, expected: Any) -> None:
    torch = pytest.importorskip("torch")
    assert got.dtype == expected.dtype and got.shape == expected.shape
    torch.testing.assert_close(got, expected, equal_nan=True, rtol=1e-6, atol=0)


@pytest.mark.parametrize("index", range(3), ids=["mixed", "division", "floats"])
def test_compile_fx_graph_as_numpy_agrees_with_pytorch_eager(index: int, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    _, model, inputs = _torch_models()[index]
    out = tmp_path / "graph.py"
    with torch.no_grad():
        compiled = graphlet.compile_fx(model, inputs, pythonify=out)
        assert compiled.report().all_native
        expected = model(*inputs)
        namespace = run_source(out.read_text(), {"model": model} if index == 0 else {})
        got = namespace["run"](*inputs)
    assert len(got) == len(expected)
    for g_value, e_value in zip(got, expected):
        _same(g_value, e_value)
    assert "# Input checks" in out.read_text() and "# Parameters" in out.read_text()
    if index == 0:
        assert "('fc.weight', (4, 3), 'float32')" in out.read_text()
        bad = torch.randn(3, 3)
        with pytest.raises(TypeError, match=r"input 0 must be a float32 tensor of shape \(2, 3\)"):
            namespace["run"](bad, inputs[1])


def test_torch_compile_option_writes_the_graph(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    _, model, inputs = _torch_models()[2]
    out = tmp_path / "compiled.py"
    from graphlet.frontend.fx import collect_graphs

    compiled = torch.compile(model, backend="graphlet", options={"pythonify": str(out)})
    with torch.no_grad(), collect_graphs() as graphs:
        expected = model(*inputs)
        result = compiled(*inputs)
        got = run_source(out.read_text())["run"](*inputs)
    assert graphs and all(r.all_native for g in graphs for r in g.reports())
    for g_value, e_value, r_value in zip(got, expected, result):
        _same(g_value, e_value)
        _same(r_value, e_value)


def test_an_unwritable_path_for_a_torch_graph_is_a_warning_and_the_compile_stands(
    tmp_path: Path,
) -> None:
    _, model, inputs = _torch_models()[1]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.warns(PythonifyWarning, match=r"cannot write .* to .*graph\.py"):
        compiled = graphlet.compile_fx(model, inputs, pythonify=blocker / "graph.py")
    assert compiled.report().all_native
    for got, expected in zip(compiled(*inputs), model(*inputs)):
        _same(got, expected)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def _split_model() -> tuple[Any, tuple[Any, ...]]:
    """A model graphlet compiles but for one op (`special_bessel_j0`, which it has no
    translation for): parameters, a number input, a multi-output partition after the
    eager node, an int64 output."""
    torch = pytest.importorskip("torch")

    class Split(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)

        def forward(self, x: Any, k: Any) -> Any:
            z = torch.special.bessel_j0(torch.relu(self.fc(x)))
            a, b = torch.split(z * 2 + k, 2, dim=1)
            return torch.exp(a) - b, z.max(dim=1)

    torch.manual_seed(0)
    return Split().eval(), (torch.randn(2, 3), 1.5)


def _split_checked(compiled: Any) -> None:
    """The graph really was split: native partitions around the one eager node."""
    report = compiled.report()
    assert [e.target for e in report.eager] == ["aten.special_bessel_j0.default"], report
    kernels = compiled.plan.kernels
    assert len(kernels) == 2 and all(k.native for k in kernels), report


def test_split_graph_as_numpy_and_torch_calls_agrees_with_eager(tmp_path: Path) -> None:
    """A graph split between graphlet and PyTorch is emitted whole: its partitions'
    IR as NumPy, the eager node as the torch call it is, with the input checks and
    the parameters; it runs (from the model, or given parameters) to eager's answer."""
    torch = pytest.importorskip("torch")
    model, inputs = _split_model()
    out = tmp_path / "split.py"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("error", PythonifyWarning)
        compiled = graphlet.compile_fx(model, inputs, pythonify=out)
        _split_checked(compiled)
        expected = model(*inputs)
        source = out.read_text()
        compile(source, str(out), "exec")
        from_model = run_source(source, {"model": model})
        given = run_source(source, {"parameters": [model.fc.weight, model.fc.bias]})
        alone = run_source(source)  # the small parameters are in the file
        for namespace in (from_model, given, alone):
            _same_tensors(namespace["run"](*inputs), expected, 1e-5, 1e-6)
    for header in ("# Input checks", "# Parameters", "# Native partitions", "# Graph body"):
        assert header in source, header
    assert "torch.ops.aten.special_bessel_j0.default(" in source
    assert "# eager: graphlet has no translation for this op" in source
    assert "def graphlet_0_forward(" in source and "def graphlet_1_forward(" in source
    assert "('fc.weight', (4, 3), 'float32')" in source
    with pytest.raises(TypeError, match=r"input 0 must be a float32 tensor of shape \(2, 3\)"):
        from_model["run"](torch.randn(3, 3), 1.5)
    with pytest.raises(TypeError, match=r"input 1 must be 1\.5, got 2\.5"):
        from_model["run"](inputs[0], 2.5)


def test_split_graph_through_torch_compile_option(tmp_path: Path) -> None:
    """`torch.compile(options={"pythonify": path})` of a model with an op graphlet
    refuses: the split graph's file, run on the inputs AOTAutograd passed (the
    parameters among them), gives the compiled graph's results and eager's."""
    torch = pytest.importorskip("torch")
    from graphlet.frontend.fx import collect_graphs

    model, inputs = _split_model()
    out = tmp_path / "compiled.py"
    compiled = torch.compile(model, backend="graphlet", options={"pythonify": str(out)})
    with torch.no_grad(), collect_graphs() as graphs, warnings.catch_warnings():
        warnings.simplefilter("error", PythonifyWarning)
        result = compiled(*inputs)
    assert len(graphs) == 1
    (graph,) = graphs
    (plan,) = graph.plans.values()
    assert plan.split is not None and all(k.native for k in plan.kernels)
    assert [e.target for e in plan.report.eager] == ["aten.special_bessel_j0.default"]
    calls: list[tuple[Any, ...]] = []
    original = plan.run

    def recording(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    plan.run = recording
    with torch.no_grad():
        expected = model(*inputs)
        compiled(*inputs)
    (args,) = calls
    got = run_source(out.read_text())["run"](*args)
    _same_tensors(got, graph.gm(*args), 1e-5, 1e-6)
    _same_tensors(
        torch.utils._pytree.tree_leaves(result),
        torch.utils._pytree.tree_leaves(expected),
        1e-5,
        1e-6,
    )


# ------------------------------------------------------------------ the jit corpus, four executors

FULL = os.environ.get("GRAPHLET_CORPUS") == "all"
"""`GRAPHLET_CORPUS=all`: every case of the corpora below, with more examples each;
by default a sample that covers each kind of value (CI's budget)."""


@dataclass(frozen=True)
class CorpusCase:
    """A case of the jit corpus's differential tests, with how that test builds its
    arguments and compares two calls."""

    case: Any
    outcome: Any
    """`(fn, args) -> comparable`: value, type, exception, output, effects, arguments after."""
    build: Any
    """Fresh arguments from drawn ones (arrays in their layout)."""

    @property
    def id(self) -> str:
        return f"{self.case.fn.__name__}-{len(self.case.strategies)}"


def _jit_cases() -> list[CorpusCase]:
    """The cases of `test_jit_corpus.py` and `test_jit_arrays.py`: every function of
    `jit_corpus.py` but the helpers the others call."""
    import test_jit_arrays
    import test_jit_corpus

    def same(raw: tuple[Any, ...]) -> tuple[Any, ...]:
        return raw

    cases = [CorpusCase(c, test_jit_corpus.outcome, same) for c in test_jit_corpus.CASES]
    cases += [
        CorpusCase(c, test_jit_arrays.outcome, test_jit_arrays._build)
        for c in test_jit_arrays.CASES
    ]
    return cases


JIT_SAMPLE = {
    "collatz",
    "floor_div_mod",
    "globals_scaled",
    "prints_result",
    "type_changes_in_loop",
    "none_comparisons",
    "list_splice",
    "list_compare",
    "list_remove",
    "complex_mixed",
    "string_mode",
    "int_or_float",
    "builtin_binomial_row",
    "builtin_mean",
    "array_view_write",
    "array_scale",
    "array_stencil",
    "array_extremes",
    "comp_of_generators",
}
"""The cases the default run takes (the first of each name): loops, globals, a graph
break, tuples, None, lists, complex numbers, strings, unions, intrinsics and arrays
(views, dtypes, made arrays, NumPy scalars), comprehensions and generator expressions."""


def _sampled(cases: list[CorpusCase]) -> list[CorpusCase]:
    if FULL:
        return cases
    first: dict[str, CorpusCase] = {}
    for c in cases:
        if c.case.fn.__name__ in JIT_SAMPLE:
            first.setdefault(c.case.fn.__name__, c)
    return list(first.values())


JIT_CASES = _sampled(_jit_cases())


def test_the_samples_name_corpus_cases() -> None:
    """The default samples take what they say: each name is a case of its corpus."""
    names = {c.case.fn.__name__ for c in _jit_cases()}
    assert names >= JIT_SAMPLE, sorted(JIT_SAMPLE - names)
    assert len(_sampled(_jit_cases())) == len(JIT_SAMPLE) or FULL
    model_corpus = pytest.importorskip("model_corpus")
    assert {c.name for c in model_corpus.ALL_CASES} >= set(MODEL_SAMPLE)


COUNTS: dict[str, int] = {}
"""What the corpus tests saw, for a report of a full run (`scripts` read it)."""


def _count(what: str, n: int = 1) -> None:
    COUNTS[what] = COUNTS.get(what, 0) + n


def draw_examples(strategies: tuple[Any, ...], count: int) -> list[tuple[Any, ...]]:
    """`count` argument tuples from hypothesis strategies, the same on every run."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    found: list[tuple[Any, ...]] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.tuples(*strategies))
    def collect(args: tuple[Any, ...]) -> None:
        found.append(args)

    collect()
    return found


def _raised(result: tuple[Any, ...], kinds: tuple[type, ...]) -> bool:
    """Whether an outcome (of either corpus test's form) is an exception of `kinds`."""
    head = result[0] if isinstance(result[0], tuple) else result
    return head[0] == "raise" and issubclass(head[1], kinds)


def _hand_backs(namespace: dict[str, Any]) -> tuple[type, ...]:
    """The exceptions by which emitted code hands a call back (a failed guard; a
    result past its type; the live native code's)."""
    found = [HandBack, namespace["HandBack"]]
    if "ResultDoesNotFit" in namespace:
        found.append(namespace["ResultDoesNotFit"])
    return tuple(found)


@pytest.mark.parametrize("corpus_case", JIT_CASES, ids=[c.id for c in JIT_CASES])
def test_the_jit_corpus_agrees_across_cpython_interpreter_native_and_emitted_python(
    corpus_case: CorpusCase,
) -> None:
    """Each version the corpus's examples compile is emitted (no op may lack a method)
    and agrees with CPython (value, exact type, exception, printed output, effects,
    the caller's lists and arrays after the call) through four executors: CPython,
    the reference interpreter (scalar versions), native code, and the emitted
    module, both its entry (guards, argument checks, native call, fallback) and its
    body alone (the IR as Python), which must give CPython's answer wherever native
    code did not hand back."""
    import copy

    from graphlet.frontend.bytecode.signature import signature_of
    from graphlet.frontend.pythonify import entry_name, version_source
    from graphlet.runtime.jit_backends import InterpreterBackend

    case, outcome, build = corpus_case.case, corpus_case.outcome, corpus_case.build
    fn = case.fn
    drawn = draw_examples(case.strategies, 24 if FULL else 6)
    native = graphlet.jit(fn)
    interpreted = graphlet.jit(fn, backend=InterpreterBackend())
    modules: dict[Any, dict[str, Any]] = {}
    natively: dict[int, bool] = {}
    """Per example: whether native code gave a value without handing back."""
    body_runs = 0
    for raw in drawn:

        def fresh(raw: tuple[Any, ...] = raw) -> tuple[Any, ...]:
            return build(copy.deepcopy(raw))

        args = fresh()
        expected = outcome(fn, fresh())
        assert outcome(native, fresh()) == expected, ("native", args)
        handed_back = native.last_call_handed_back
        signature = signature_of(args)
        version = native.versions.get(signature)
        if version is None:
            continue
        natively[len(natively)] = (
            version.native is not None and not handed_back and not _raised(expected, (Exception,))
        )
        if version.specs is not None and _interpreter_runs(version.specs):
            assert outcome(interpreted, fresh()) == expected, ("interp", args)
        if signature not in modules:
            source = version_source(native, version)
            modules[signature] = run_source(source, {"original": native})
            _count("jit versions emitted")
            _count("jit versions with a body", version.module is not None)
        namespace = modules[signature]
        entry = entry_name(fn)
        assert outcome(namespace[entry], fresh()) == expected, ("entry", args)
        _count("jit calls of the emitted entry agreeing")
        if version.module is None or not namespace["arguments_match"](*args):
            continue
        assert namespace["guards_hold"](), (fn.__name__, "the emitted guards fail", args)
        got = outcome(namespace["body"], fresh())
        if _raised(got, _hand_backs(namespace)):
            _count("jit calls of the emitted body handing back")
            assert handed_back or _raised(expected, (Exception,)) or version.native is None, (
                f"the emitted body of {fn.__name__}{args} handed back ({got[2]}) "
                "where native code did not"
            )
            continue
        assert got == expected, ("body", args)
        body_runs += 1
        _count("jit calls of the emitted body agreeing")
    ran_natively = [a for a, native_run in natively.items() if native_run]
    assert body_runs > 0 or not ran_natively, (
        f"no example of {fn.__name__} ran the emitted body: {ran_natively}"
    )


def _interpreter_runs(specs: Any) -> bool:
    """Whether the interpreter backend runs values of these specs (not arrays, lists
    or NumPy scalars)."""
    if specs is None or isinstance(specs, str):
        return True
    if isinstance(specs, tuple) and specs and specs[0] in ("npscalar", "array", "list"):
        return False
    return all(_interpreter_runs(s) for s in specs if isinstance(s, tuple | str))


MODEL_SAMPLE = ["nn_mlp", "nn_embedding_bag", "nn_lstm", "gpt2"]
"""The model corpus's cases the default run takes (gpt2: tied weights; `GRAPHLET_CORPUS=all`: every one
whose package is installed)."""


def _model_cases() -> list[Any]:
    try:
        import model_corpus
    except ImportError:  # no torch
        return []
    if FULL:
        return [c.name for c in model_corpus.cases() if model_corpus.missing_package(c) is None]
    return MODEL_SAMPLE


def _same_tensors(got: Any, expected: Any, rtol: float, atol: float) -> None:
    torch = pytest.importorskip("torch")
    got = torch.utils._pytree.tree_leaves(got)
    expected = torch.utils._pytree.tree_leaves(expected)
    assert len(got) == len(expected)
    for g_value, e_value in zip(got, expected):
        if not isinstance(e_value, torch.Tensor):
            assert g_value == e_value
            continue
        assert g_value.dtype == e_value.dtype and g_value.shape == e_value.shape
        torch.testing.assert_close(g_value, e_value, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", _model_cases())
def test_model_corpus_graphs_as_numpy_agree_with_eager(name: str, tmp_path: Path) -> None:
    """`compile_fx(pythonify=)`: the model's graph as NumPy agrees with eager, and the
    graph was one native kernel (only such a graph is emitted)."""
    torch = pytest.importorskip("torch")
    import model_corpus

    case = next(c for c in model_corpus.ALL_CASES if c.name == name)
    model, inputs = model_corpus.build(case)
    out = tmp_path / "model.py"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("error", PythonifyWarning)
        compiled = graphlet.compile_fx(model, inputs, pythonify=out)
        assert compiled.report().all_native, compiled.report()
        got = run_source(out.read_text(), {"model": model})["run"](*inputs)
        _same_tensors(got, model(*inputs), case.rtol, case.atol)


@pytest.mark.parametrize("name", ["nn_mlp"] if not FULL else _model_cases())
def test_model_corpus_through_torch_compile_option(name: str, tmp_path: Path, monkeypatch) -> None:
    """`torch.compile(options={"pythonify": path})`: each Dynamo graph's file, run on
    the inputs the graph got (parameters first, as AOTAutograd passes them), agrees
    with that ATen graph run eagerly and with the compiled graph's own results."""
    torch = pytest.importorskip("torch")
    import model_corpus

    from graphlet.frontend.fx.graph import CompiledGraph

    case = next(c for c in model_corpus.ALL_CASES if c.name == name)
    model, inputs = model_corpus.build(case)
    calls: list[tuple[Any, tuple[Any, ...], Any]] = []
    original_call = CompiledGraph.__call__

    def recording(graph: Any, *args: Any) -> Any:
        result = original_call(graph, *args)
        calls.append((graph, args, result))
        return result

    monkeypatch.setattr(CompiledGraph, "__call__", recording)
    out = tmp_path / "compiled.py"
    torch._dynamo.reset()  # an earlier case's cached frame would compile nothing here
    compiled = torch.compile(
        model, backend="graphlet", options={"pythonify": str(out)}, dynamic=False
    )
    # the case's Dynamo settings (the RNN cases trace only with allow_rnn)
    try:
        with model_corpus.dynamo_config(case), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("error", PythonifyWarning)
            compiled(*inputs)
    finally:
        torch._dynamo.reset()
    first_calls = list({id(graph): (graph, args, result) for graph, args, result in calls}.values())
    assert first_calls, "no graph was compiled"
    files = [out, *(out.with_suffix(f".{k}.py") for k in range(1, len(first_calls)))]
    assert sorted(tmp_path.iterdir()) == sorted(files)
    for (graph, args, result), path in zip(first_calls, files):
        assert all(r.all_native for r in graph.reports())
        got = run_source(path.read_text())["run"](*args)
        with torch.no_grad():
            _same_tensors(got, graph.gm(*args), case.rtol, case.atol)
        _same_tensors(got, result, case.rtol, case.atol)
