"""Every ATen op graphlet claims, against PyTorch, on PyTorch's own OpInfo samples.

For each OpInfo of `torch.testing._internal.common_methods_invocations.op_db` whose
ATen op graphlet claims (`tests/aten_ops.py: graphlet_claims`), and each of float32,
float64, int64 and bool that the OpInfo supports on the CPU, every sample of
`sample_inputs` (dense CPU tensors: scalars, zero-size and broadcasting shapes, the
op's keyword arguments) becomes a tiny module that calls the op; it is compiled with
`graphlet.compile_fx(..., mode="native")`, must be native code (`compiled.native`;
`mode="native"` raises instead of falling back), and its outputs must equal eager's
in structure, shape and dtype, and in value within `TOLERANCES` (NaN where eager has
NaN). The sample's tensors are the module's inputs; its other arguments are constants.

Ops graphlet does not claim are not tested here. A claimed op that fails on some
sample is a real failure: `KNOWN_FAILURES` lists each one as a strict xfail with the
reason, so the file passes today and a fixed op must be taken off the list.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip(
    "expecttest", reason="torch's OpInfo database imports expecttest (the models extra has it)"
)

from aten_ops import graphlet_claims  # noqa: E402
from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402
from torch.utils import _pytree as pytree  # noqa: E402

import graphlet  # noqa: E402

DTYPES = (torch.float32, torch.float64, torch.int64, torch.bool)

TOLERANCES = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-5},
    torch.float64: {"rtol": 1e-7, "atol": 1e-7},
}
"""`assert_close` tolerances per output dtype; integer and bool outputs must be exact."""

_ALPHA = "alpha= (add, sub, rsub, addmm's alpha and beta) is refused"
_BOOL_ARITH = "bool operands are not promoted: the graphlet op rejects i1 elements"
_BOOL_MATH = "bool input is not promoted to float: the graphlet op rejects i1 elements"
_ZERO_DIM = (
    "a reduction or softmax over dim 0 (or -1) of a 0-dim tensor is refused (dim out of range)"
)

KNOWN_FAILURES: dict[str, str] = {
    "add-float32": _ALPHA,
    "add-float64": _ALPHA,
    "add-int64": _ALPHA,
    "sub-float32": _ALPHA,
    "sub-float64": _ALPHA,
    "sub-int64": _ALPHA,
    "rsub-float32": _ALPHA,
    "rsub-float64": _ALPHA,
    "rsub-int64": _ALPHA,
    "addmm-float32": _ALPHA,
    "addmm-float64": _ALPHA,
    "addmm-int64": _ALPHA,
    "add-bool": _BOOL_ARITH,
    "mul-bool": _BOOL_ARITH,
    "div.no_rounding_mode-bool": _BOOL_ARITH,
    "max.binary-bool": _BOOL_ARITH,
    "maximum-bool": _BOOL_ARITH,
    "min.binary-bool": _BOOL_ARITH,
    "minimum-bool": _BOOL_ARITH,
    "square-bool": _BOOL_ARITH,
    "cos-bool": _BOOL_MATH,
    "exp-bool": _BOOL_MATH,
    "log-bool": _BOOL_MATH,
    "sin-bool": _BOOL_MATH,
    "tanh-bool": _BOOL_MATH,
    "rsqrt-bool": _BOOL_MATH,
    "sqrt-bool": _BOOL_MATH,
    "div.trunc_rounding-float32": "'rounding_mode=\"trunc\"' is refused",
    "div.trunc_rounding-float64": "'rounding_mode=\"trunc\"' is refused",
    "div.trunc_rounding-int64": "'rounding_mode=\"trunc\"' is refused",
    "true_divide-float32": "torch.true_divide is not mapped to the div handler (only aten.true_divide is): no translation",
    "true_divide-float64": "torch.true_divide is not mapped to the div handler (only aten.true_divide is): no translation",
    "true_divide-int64": "torch.true_divide is not mapped to the div handler (only aten.true_divide is): no translation",
    "true_divide-bool": "torch.true_divide is not mapped to the div handler (only aten.true_divide is): no translation",
    "select-float32": "torch.select is not mapped to the select handler (only aten.select is): no translation",
    "select-float64": "torch.select is not mapped to the select handler (only aten.select is): no translation",
    "select-int64": "torch.select is not mapped to the select handler (only aten.select is): no translation",
    "select-bool": "torch.select is not mapped to the select handler (only aten.select is): no translation",
    "max.reduction_with_dim-float32": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "max.reduction_with_dim-float64": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "max.reduction_with_dim-int64": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "max.reduction_with_dim-bool": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "min.reduction_with_dim-float32": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "min.reduction_with_dim-float64": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "min.reduction_with_dim-int64": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "min.reduction_with_dim-bool": "WRONG RESULT: the indices output is an _Unsupported placeholder object, returned instead of refusing",
    "softmax-float32": _ZERO_DIM,
    "softmax-float64": _ZERO_DIM,
    "softmax.with_dtype-float32": "dtype= is refused",
    "softmax.with_dtype-float64": "dtype= is refused",
    "softmax.with_dtype-int64": "dtype= is refused",
    "softmax.with_dtype-bool": "dtype= is refused",
    "log_softmax-float32": _ZERO_DIM,
    "log_softmax-float64": _ZERO_DIM,
    "log_softmax.with_dtype-float32": "dtype= is refused",
    "log_softmax.with_dtype-float64": "dtype= is refused",
    "log_softmax.with_dtype-int64": "dtype= is refused",
    "log_softmax.with_dtype-bool": "dtype= is refused",
    "nn.functional.linear-int64": "integer linear is refused: graphlet.linear takes f32 or f64",
    "to-float32": "every sample passes device, non_blocking, copy or memory_format, which graphlet refuses ('.to(True) is not supported')",
    "to-float64": "every sample passes device, non_blocking, copy or memory_format, which graphlet refuses ('.to(True) is not supported')",
    "to-int64": "every sample passes device, non_blocking, copy or memory_format, which graphlet refuses ('.to(True) is not supported')",
    "to-bool": "every sample passes device, non_blocking, copy or memory_format, which graphlet refuses ('.to(True) is not supported')",
    "cat-float32": "cat of a legacy empty 1-D tensor (shape [0]) with a 2-D one is refused (dimension out of range)",
    "cat-float64": "cat of a legacy empty 1-D tensor (shape [0]) with a 2-D one is refused (dimension out of range)",
    "cat-int64": "cat of a legacy empty 1-D tensor (shape [0]) with a 2-D one is refused (dimension out of range)",
    "cat-bool": "cat of a legacy empty 1-D tensor (shape [0]) with a 2-D one is refused (dimension out of range)",
    "squeeze.multiple-float32": "WRONG SHAPE: squeeze(x, []) squeezes every size-1 dim instead of none",
    "squeeze.multiple-float64": "WRONG SHAPE: squeeze(x, []) squeezes every size-1 dim instead of none",
    "squeeze.multiple-int64": "WRONG SHAPE: squeeze(x, []) squeezes every size-1 dim instead of none",
    "squeeze.multiple-bool": "WRONG SHAPE: squeeze(x, []) squeezes every size-1 dim instead of none",
    "transpose-float32": "transpose(x, 0, 0) of a 0-dim tensor fails inside the importer (IndexError: list index out of range)",
    "transpose-float64": "transpose(x, 0, 0) of a 0-dim tensor fails inside the importer (IndexError: list index out of range)",
    "transpose-int64": "transpose(x, 0, 0) of a 0-dim tensor fails inside the importer (IndexError: list index out of range)",
    "transpose-bool": "transpose(x, 0, 0) of a 0-dim tensor fails inside the importer (IndexError: list index out of range)",
    "amax-float32": _ZERO_DIM,
    "amax-float64": _ZERO_DIM,
    "amax-int64": _ZERO_DIM,
    "amax-bool": _ZERO_DIM,
    "amin-float32": _ZERO_DIM,
    "amin-float64": _ZERO_DIM,
    "amin-int64": _ZERO_DIM,
    "amin-bool": _ZERO_DIM,
    "sum-float32": _ZERO_DIM,
    "sum-float64": _ZERO_DIM,
    "sum-int64": _ZERO_DIM,
    "sum-bool": _ZERO_DIM,
    "mean-float32": _ZERO_DIM,
    "mean-float64": _ZERO_DIM,
}
"""'opinfo[.variant]-dtype' -> why graphlet fails a sample of an op it claims."""


def _opinfo_id(opinfo: Any) -> str:
    return opinfo.name + (f".{opinfo.variant_test_name}" if opinfo.variant_test_name else "")


def _claimed(opinfo: Any) -> bool:
    packet = (
        getattr(torch.ops.aten, opinfo.aten_name, None) if "." not in opinfo.aten_name else None
    )
    if packet is None:
        return False
    return bool(graphlet_claims(getattr(packet, name) for name in packet.overloads()))


def _params() -> list[Any]:
    params = []
    for opinfo in op_db:
        if not _claimed(opinfo):
            continue
        supported = opinfo.supported_dtypes("cpu")
        for dtype in DTYPES:
            if dtype not in supported:
                continue
            test_id = f"{_opinfo_id(opinfo)}-{str(dtype).removeprefix('torch.')}"
            marks = []
            if test_id in KNOWN_FAILURES:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[test_id]))
            params.append(pytest.param(opinfo, dtype, id=test_id, marks=marks))
    return params


PARAMS = _params()


def test_known_failures_name_tested_ops() -> None:
    ids = {p.id for p in PARAMS}
    assert set(KNOWN_FAILURES) <= ids, sorted(set(KNOWN_FAILURES) - ids)


class _OpCall(torch.nn.Module):
    """Calls one op on a sample: tensors come in as inputs, the rest is fixed."""

    def __init__(self, op: Any, spec: Any, constants: list[Any]) -> None:
        super().__init__()
        self.op = op
        self.spec = spec
        self.constants = constants

    def call(self, tensors: tuple[Any, ...]) -> Any:
        given = iter(tensors)
        leaves = [next(given) if c is _TENSOR else c for c in self.constants]
        sample_input, args, kwargs = pytree.tree_unflatten(leaves, self.spec)
        return self.op(sample_input, *args, **kwargs)


_TENSOR = object()
_MODULES: dict[int, type[_OpCall]] = {}


def _op_module(op: Any, sample: Any) -> tuple[_OpCall, list[torch.Tensor]]:
    """The module for one sample and its tensor inputs. Its `forward` has one named
    parameter per tensor: `symbolic_trace` cannot trace through `*args`."""
    leaves, spec = pytree.tree_flatten((sample.input, sample.args, sample.kwargs))
    tensors = [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]
    constants = [_TENSOR if isinstance(leaf, torch.Tensor) else leaf for leaf in leaves]
    n = len(tensors)
    if n not in _MODULES:
        names = ", ".join(f"x{i}" for i in range(n))
        namespace: dict[str, Any] = {}
        exec(f"def forward(self, {names}):\n    return self.call(({names},))\n", namespace)
        _MODULES[n] = type(f"OpCall{n}", (_OpCall,), {"forward": namespace["forward"]})
    return _MODULES[n](op, spec, constants), tensors


def _compare(actual: Any, expected: Any) -> None:
    actual_leaves, actual_spec = pytree.tree_flatten(actual)
    expected_leaves, expected_spec = pytree.tree_flatten(expected)
    assert actual_spec == expected_spec, f"output structure {actual_spec} != {expected_spec}"
    for a, e in zip(actual_leaves, expected_leaves):
        if not isinstance(e, torch.Tensor):
            assert a == e, f"{a!r} != {e!r}"
            continue
        assert isinstance(a, torch.Tensor), f"expected a tensor, got {type(a).__name__}"
        assert a.shape == e.shape, f"shape {tuple(a.shape)} != {tuple(e.shape)}"
        assert a.dtype == e.dtype, f"dtype {a.dtype} != {e.dtype}"
        tolerance = TOLERANCES.get(e.dtype, {"rtol": 0, "atol": 0})
        torch.testing.assert_close(a, e, equal_nan=True, **tolerance)


def _describe(sample: Any) -> str:
    def show(x: Any) -> str:
        if isinstance(x, torch.Tensor):
            return f"Tensor{list(x.shape)}"
        if isinstance(x, list | tuple):
            return "[" + ", ".join(show(v) for v in x) + "]"
        return repr(x)

    args = [show(sample.input), *(show(a) for a in sample.args)]
    args += [f"{k}={show(v)}" for k, v in sample.kwargs.items()]
    return f"({', '.join(args)})"


@pytest.mark.parametrize(("opinfo", "dtype"), PARAMS)
def test_claimed_op_matches_pytorch(opinfo: Any, dtype: torch.dtype) -> None:
    failures = []
    samples = list(opinfo.sample_inputs("cpu", dtype, requires_grad=False))
    for sample in samples:
        module, tensors = _op_module(opinfo.op, sample)
        try:
            expected = module(*(t.clone() for t in tensors))
            compiled = graphlet.compile_fx(module, [t.clone() for t in tensors], mode="native")
            assert compiled.native, "compile_fx(mode='native') returned a graph that is not native"
            _compare(compiled(*(t.clone() for t in tensors)), expected)
        except Exception as e:
            message = str(e).strip().splitlines()[0] if str(e).strip() else ""
            failures.append(f"{_describe(sample)}: {type(e).__name__}: {message[:300]}")
    assert samples, f"{_opinfo_id(opinfo)} has no {dtype} sample"
    assert not failures, f"{len(failures)} of {len(samples)} samples fail:\n" + "\n".join(failures)
