"""Every ATen op graphlet claims, against PyTorch, on PyTorch's own OpInfo samples.

For each OpInfo of `torch.testing._internal.common_methods_invocations.op_db` whose
ATen op graphlet claims (`tests/aten_ops.py: graphlet_claims`), and each of float32,
float64, int64 and bool that the OpInfo supports on the CPU, the OpInfo's samples
(dense CPU tensors: 0-dim, zero-size and broadcasting shapes, the op's keyword
arguments) become one tiny module that calls the op once per sample: the samples'
tensors are its inputs, their other arguments constants. It is compiled by
`graphlet.compile_fx` and must have run every node natively (`compiled.report()`,
which also names each node that did not, and why); every sample's outputs must equal
eager's in structure, shape and dtype, and in value within `TOLERANCES` (NaN where
eager has NaN). One module per op and dtype, not per sample: one export and one
compile each, which keeps the file's time to minutes.

`GRAPHLET_ATEN_SAMPLES` caps the samples per op and dtype (default 3, CI's budget; chosen to cover
distinct ranks, zero-size tensors and keyword arguments first); `=all` takes every
sample.

Ops graphlet does not claim are not tested here. A claimed op that fails on some
sample is a real failure: `KNOWN_FAILURES` lists each one as a strict xfail with the
reason, so the file passes today and a fixed op must be taken off the list. Where a
sample holds a tensor graphlet cannot represent (a uint8 tensor), the test asserts
that the importer refused exactly those nodes, naming the dtype, and that they ran in
PyTorch through the partitioned fallback with every output still right.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip(
    "expecttest", reason="torch's OpInfo database imports expecttest (the models extra has it)"
)

from aten_ops import graphlet_claims  # noqa: E402
from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402
from torch.testing._internal.opinfo.core import SampleInput  # noqa: E402
from torch.utils import _pytree as pytree  # noqa: E402

import graphlet  # noqa: E402

DTYPES = (torch.float32, torch.float64, torch.int64, torch.bool)


def _sample_cap(value: str) -> int | None:
    if value == "all":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"GRAPHLET_ATEN_SAMPLES must be a positive number or 'all', not {value!r}")
    return int(value)


SAMPLES = _sample_cap(os.environ.get("GRAPHLET_ATEN_SAMPLES", "3"))
"""Samples per op and dtype; None: all of them."""

TOLERANCES = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-5},
    torch.float64: {"rtol": 1e-7, "atol": 1e-7},
}
"""`assert_close` tolerances per output dtype; integer and bool outputs must be exact."""

UNINITIALIZED = {"empty", "empty_like", "empty_strided"}

TIES_IN_ANY_ORDER = {"topk"}
"""Ops whose indices PyTorch leaves unspecified among equal values (`topk`): their
values must equal eager's, and their indices must select those values from the input."""
"""Ops whose values are unspecified: only structure, shape and dtype are compared."""


REPRESENTABLE = {*DTYPES, torch.int32}
"""The tensor dtypes graphlet has (int32 too: `tests/test_fx_aten.py`'s int32 group tests
it; its OpInfo samples are not swept, to keep this file's time). A sample holding a
tensor of another dtype (gather's uint8 indices) cannot compile: the importer must
refuse its node, saying so, and the node runs in PyTorch through the partitioned
fallback with its outputs still right."""


def _unrepresentable(samples: list[Any]) -> list[str]:
    """The dtypes graphlet has no tensors of that some sample holds, e.g. ['uint8']."""
    leaves = pytree.tree_leaves([(s.input, s.args, s.kwargs) for s in samples])
    return sorted(
        {
            str(x.dtype).removeprefix("torch.")
            for x in leaves
            if isinstance(x, torch.Tensor) and x.dtype not in REPRESENTABLE
        }
    )


_LONG_SORT = "a sort along a dim of 8000 is refused: graphlet sorts by ranking (n^2 comparisons), up to handlers/sorting.py: SORT_LIMIT"

KNOWN_FAILURES: dict[str, str] = {
    "sort-float32": _LONG_SORT,
    "sort-float64": _LONG_SORT,
    "sort-int64": _LONG_SORT,
    "sort-bool": _LONG_SORT,
    "argsort-float32": _LONG_SORT,
    "argsort-float64": _LONG_SORT,
    "argsort-int64": _LONG_SORT,
    "argsort-bool": _LONG_SORT,
    **{
        f"scatter-{dtype}": "graphlet compiles scatter of a value (scatter.value, cross "
        "entropy's gradient); scatter.src and the reduce variants run in PyTorch"
        for dtype in ("float32", "float64", "int64", "bool")
    },
    **{
        f"{op}-{dtype}": "training=True updates running_mean/var in place: that node runs in "
        "PyTorch (a compiled graph writes no input); training=False and no running "
        "statistics compile"
        for op in ("native_batch_norm", "_native_batch_norm_legit")
        for dtype in ("float32", "float64")
    },
}
"""'opinfo[.variant]-dtype' -> why graphlet fails a sample of an op it claims (with the
default sample cap; `GRAPHLET_ATEN_SAMPLES=all` may find more)."""


def _opinfo_id(opinfo: Any) -> str:
    return opinfo.name + (f".{opinfo.variant_test_name}" if opinfo.variant_test_name else "")


def _claimed(opinfo: Any) -> bool:
    packet = (
        getattr(torch.ops.aten, opinfo.aten_name, None) if "." not in opinfo.aten_name else None
    )
    if packet is None:
        return False
    return bool(graphlet_claims(getattr(packet, name) for name in packet.overloads()))


@dataclass(frozen=True)
class CoreOp:
    """An OpInfo stand-in for an ATen op graphlet claims that `op_db` has no
    OpInfo of (backward ops that autograd calls; `_cdist_forward`, which
    torch.cdist's OpInfo reaches only for some p): the op itself, called on samples
    made here or taken from the OpInfo of the function that calls it."""

    name: str
    make: Callable[[torch.dtype], list[Any]]
    dtypes: tuple[torch.dtype, ...] = (torch.float32, torch.float64)
    variant_test_name: str = ""

    @property
    def aten_name(self) -> str:
        return self.name

    @property
    def op(self) -> Any:
        return getattr(torch.ops.aten, self.name).default

    def supported_dtypes(self, device: str) -> set[torch.dtype]:
        return set(self.dtypes)

    def sample_inputs_func(self, opinfo: Any, device: str, dtype: torch.dtype, grad: bool) -> Any:
        return self.make(dtype)


def _opinfo_samples(name: str, dtype: torch.dtype) -> list[Any]:
    opinfo = next(o for o in op_db if o.name == name and not o.variant_test_name)
    return list(opinfo.sample_inputs_func(opinfo, "cpu", dtype, False))


_CDIST_MODES = {
    "use_mm_for_euclid_dist_if_necessary": None,
    "use_mm_for_euclid_dist": 1,
    "donot_use_mm_for_euclid_dist": 2,
}


def _cdist_samples(dtype: torch.dtype) -> list[Any]:
    """torch.cdist's OpInfo samples as its `_cdist_forward` call (the mode as the int
    torch.cdist passes), and more than 25 rows (the default mode's matrix route)."""
    samples = []
    for s in _opinfo_samples("cdist", dtype):
        x2, p, mode = s.args
        samples.append(SampleInput(s.input, args=(x2, p, _CDIST_MODES[mode])))
    x = torch.randn(2, 30, 3, dtype=dtype)
    samples += [SampleInput(x, args=(x[:, :7] + 0.5, 2.0, None))]
    return samples


def _pdist_samples(dtype: torch.dtype) -> list[Any]:
    return [
        SampleInput(s.input, args=(s.kwargs.get("p", 2.0),))
        for s in _opinfo_samples("nn.functional.pdist", dtype)
    ]


def _gradient(y: torch.Tensor) -> torch.Tensor:
    return torch.randn(y.shape, dtype=y.dtype)


def _avg_pool2d_backward_samples(dtype: torch.dtype) -> list[Any]:
    """(grad_output, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
    divisor_override), batched and not, PyTorch's divisors."""
    samples = []
    for shape, geometry in (
        ((2, 3, 7, 8), ([3, 3], [2, 2], [1, 1], False, True, None)),
        ((3, 6, 5), ([2, 3], [1, 2], [1, 0], True, False, None)),
        ((1, 2, 5, 5), ([2, 2], [3, 3], [0, 0], True, True, 3)),
        ((0, 2, 4, 4), ([2, 2], [2, 2], [0, 0], False, True, None)),
    ):
        x = torch.randn(shape, dtype=dtype)
        y = torch.ops.aten.avg_pool2d(x, *geometry)
        samples.append(SampleInput(_gradient(y), args=(x, *geometry)))
    return samples


def _max_pool3d_backward_samples(dtype: torch.dtype) -> list[Any]:
    """(grad_output, self, kernel_size, stride, padding, dilation, ceil_mode, indices):
    overlapping, padded, dilated windows, ceil_mode, a NaN (its index wins), batched
    and not, an empty batch."""
    samples = []
    for shape, geometry in (
        ((2, 2, 5, 4, 6), ([3, 2, 3], [2, 1, 2], [1, 0, 1], [1, 2, 1], False)),
        ((2, 4, 5, 3), ([2, 2, 2], [1, 2, 1], [1, 1, 0], [1, 1, 1], True)),
        ((0, 2, 3, 3, 3), ([2, 2, 2], [2, 2, 2], [0, 0, 0], [1, 1, 1], False)),
    ):
        x = torch.randn(shape, dtype=dtype)
        if x.numel():
            x.view(-1)[5] = float("nan")
        y, indices = torch.ops.aten.max_pool3d_with_indices(x, *geometry)
        samples.append(SampleInput(_gradient(y), args=(x, *geometry, indices)))
    return samples


def _avg_pool3d_backward_samples(dtype: torch.dtype) -> list[Any]:
    """(grad_output, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
    divisor_override), batched and not, PyTorch's divisors."""
    samples = []
    for shape, geometry in (
        ((2, 2, 5, 4, 6), ([3, 2, 3], [2, 1, 2], [1, 0, 1], True, False, None)),
        ((2, 4, 5, 3), ([2, 3, 2], [2, 1, 1], [1, 1, 0], False, True, 3)),
        ((0, 2, 3, 3, 3), ([2, 2, 2], [2, 2, 2], [0, 0, 0], False, True, None)),
    ):
        x = torch.randn(shape, dtype=dtype)
        y = torch.ops.aten.avg_pool3d(x, *geometry)
        samples.append(SampleInput(_gradient(y), args=(x, *geometry)))
    return samples


def _adaptive_avg_pool3d_backward_samples(dtype: torch.dtype) -> list[Any]:
    samples = []
    for shape, size in (((2, 2, 5, 4, 7), (3, 2, 4)), ((2, 4, 5, 3), (3, 5, 1))):
        x = torch.randn(shape, dtype=dtype)
        y = torch.ops.aten._adaptive_avg_pool3d(x, size)
        samples.append(SampleInput(_gradient(y), args=(x,)))
    return samples


def _adaptive_avg_pool2d_backward_samples(dtype: torch.dtype) -> list[Any]:
    samples = []
    for shape, size in (((2, 3, 7, 9), (3, 4)), ((3, 5, 6), (5, 6)), ((1, 2, 8, 5), (1, 1))):
        x = torch.randn(shape, dtype=dtype)
        y = torch.ops.aten._adaptive_avg_pool2d(x, size)
        samples.append(SampleInput(_gradient(y), args=(x,)))
    return samples


def _activation_backward_samples(op: str) -> Callable[[torch.dtype], list[Any]]:
    """(grad_output, forward output) of sigmoid or tanh: a matrix, a 0-d tensor and
    an empty one, the output +-1 and 0 among the values."""

    def make(dtype: torch.dtype) -> list[Any]:
        forward = getattr(torch, op)
        y = forward(torch.tensor([[-40.0, 0.0, 3.0], [40.0, -1.5, 0.25]], dtype=dtype))
        scalar, empty = forward(torch.tensor(0.7, dtype=dtype)), torch.zeros(0, 3, dtype=dtype)
        return [SampleInput(_gradient(t), args=(t,)) for t in (y, scalar, empty)]

    return make


def _threshold_backward_samples(dtype: torch.dtype) -> list[Any]:
    """(grad_output, self, threshold): relu's (0) and another, values at the threshold."""
    x = torch.tensor([[-1.0, 0.0, -0.0, 2.0], [0.5, 0.75, 3.0, -2.0]], dtype=dtype)
    return [
        SampleInput(_gradient(x), args=(x, 0.0)),
        SampleInput(_gradient(x), args=(x, 0.75)),
        SampleInput(_gradient(x[0, 0]), args=(x[0, 0], -2.0)),
    ]


def _log_softmax_backward_samples(dtype: torch.dtype) -> list[Any]:
    """(grad_output, output, dim, input_dtype) along each dim, and of a 0-d tensor."""
    x = torch.randn(3, 4, dtype=dtype)
    samples = [
        SampleInput(_gradient(y), args=(y, dim, dtype))
        for dim in (0, -1)
        for y in [torch.log_softmax(x, dim)]
    ]
    scalar = torch.log_softmax(torch.tensor(1.5, dtype=dtype), 0)
    return [*samples, SampleInput(_gradient(scalar), args=(scalar, 0, dtype))]


def _convolution_backward_samples(dtype: torch.dtype) -> list[Any]:
    """(grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed,
    output_padding, groups, output_mask): 1 to 3 spatial dims, strided, padded,
    dilated, grouped, transposed with output padding, parts of the mask."""
    samples = []
    for x_shape, w_shape, stride, padding, dilation, transposed, out_pad, groups, mask in (
        ((2, 4, 7, 6), (6, 2, 3, 3), [2, 1], [1, 0], [1, 2], False, [0, 0], 2, [True] * 3),
        ((1, 4, 5, 5), (4, 3, 3, 2), [2, 2], [1, 1], [1, 1], True, [1, 0], 1, [True] * 3),
        ((2, 3, 9), (4, 3, 3), [3], [2], [2], False, [0], 1, [False, True, False]),
        ((1, 2, 4, 5, 3), (3, 2, 2, 2, 2), [1, 2, 1], [0, 1, 1], [1, 1, 1], False, [0] * 3, 1,
         [True, False, True]),
    ):  # fmt: skip
        x, w = torch.randn(x_shape, dtype=dtype), torch.randn(w_shape, dtype=dtype)
        geometry = (stride, padding, dilation, transposed, out_pad, groups)
        y = torch.ops.aten.convolution(x, w, None, *geometry)
        args = (x, w, [y.shape[1]], *geometry, mask)
        samples.append(SampleInput(_gradient(y), args=args))
    return samples


CORE_OPS = [
    CoreOp("convolution_backward", _convolution_backward_samples),
    CoreOp("avg_pool2d_backward", _avg_pool2d_backward_samples),
    CoreOp("_adaptive_avg_pool2d_backward", _adaptive_avg_pool2d_backward_samples),
    CoreOp("max_pool3d_with_indices_backward", _max_pool3d_backward_samples),
    CoreOp("avg_pool3d_backward", _avg_pool3d_backward_samples),
    CoreOp("_adaptive_avg_pool3d_backward", _adaptive_avg_pool3d_backward_samples),
    CoreOp("sigmoid_backward", _activation_backward_samples("sigmoid")),
    CoreOp("tanh_backward", _activation_backward_samples("tanh")),
    CoreOp("threshold_backward", _threshold_backward_samples),
    CoreOp("_log_softmax_backward_data", _log_softmax_backward_samples),
    CoreOp("_cdist_forward", _cdist_samples),
    CoreOp("_pdist_forward", _pdist_samples),
]
"""Claimed ops `op_db` has no OpInfo of, tested like the others (the 3-D pools'
backward ops are not tagged core; autograd calls them for the 3-D pools)."""

SAMPLE_CAPS = {"_cdist_forward": 8, "_pdist_forward": 9, "convolution_backward": 4}
"""Ops whose cases the default cap would cut too thin (p=0, 1, 2, inf and another
p; every geometry): their own cap (`GRAPHLET_ATEN_SAMPLES=all` still takes all)."""


SAMPLE_PICKS: dict[str, Callable[[Any], bool]] = {
    "grid_sampler_2d": lambda s: tuple(s.args[1:]) in {(0, 0, False), (2, 0, False), (2, 2, True)},
}
"""Ops whose compile is slow (grid_sampler_2d: run-time gathers, about 2 s a sample):
under the default cap, only the samples picked here (grid_sampler_2d's: bilinear and
bicubic with zeros padding, bicubic reflected with align_corners; every mode, padding
and corner convention is `GRAPHLET_ATEN_SAMPLES=all`, and `tests/test_nn_ops.py`'s
GRAPHLET_CORPUS=all test with NaN, inf and far-out grid points)."""

FLOAT32_ONLY = {
    "grid_sampler_2d",
    "convolution_backward",
    "max_pool3d_with_indices_backward",
    "avg_pool3d_backward",
    "_adaptive_avg_pool3d_backward",
    "sigmoid_backward",
    "tanh_backward",
    "threshold_backward",
    "_log_softmax_backward_data",
}
"""Ops tested in float32 only, to keep the file's time (their code is dtype-generic;
the 3-D pools' backward is the 2-D one's, which runs in both float types; the
activations' backward ops are elementwise)."""

MOVES_ELEMENTS = {
    *("clone", "contiguous", "expand", "diagonal", "flip", "masked_fill"),
    *("masked_scatter", "as_strided", "constant_pad_nd", "nn.functional.pad", "permute"),
    *("roll", "split", "split_with_sizes", "select", "select_scatter", "slice"),
    *("slice_scatter", "reshape", "view", "flatten", "gather", "index_select", "index_put"),
    *("sort", "argsort", "topk", "scatter", "scatter_add", "empty_like", "zeros_like"),
    *("ones_like", "full_like", "ones", "zeros", "full", "empty_strided", "empty"),
    *("scalar_tensor", "stack", "cat", "unbind", "repeat", "squeeze", "unsqueeze"),
    *("transpose", "t", "tril", "triu", "where"),
}
"""Ops that only move, select or fill elements, never compute with them: their code is
the same for float32 and float64, so the default run tests float32 (CI's budget) and
`GRAPHLET_CORPUS=all` every dtype."""

EVERY_DTYPE = os.environ.get("GRAPHLET_CORPUS") == "all"

CANDIDATES = {"max_pool2d_with_indices_backward": 40}
"""Ops with so many samples (1440) that running each to see whether it runs on fresh
tensors takes longer than the test: the samples are first spread to this many
(under the default cap only)."""


def _params() -> list[Any]:
    params = []
    for opinfo in [*op_db, *CORE_OPS]:
        if not _claimed(opinfo):
            continue
        supported = opinfo.supported_dtypes("cpu")
        for dtype in DTYPES:
            if dtype not in supported or (opinfo.name in FLOAT32_ONLY and dtype != torch.float32):
                continue
            if not EVERY_DTYPE and dtype == torch.float64 and opinfo.name in MOVES_ELEMENTS:
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
    if not EVERY_DTYPE:
        ids |= {
            k
            for k in KNOWN_FAILURES
            if k.endswith("-float64") and k.split("-")[0] in MOVES_ELEMENTS
        }
    assert set(KNOWN_FAILURES) <= ids, sorted(set(KNOWN_FAILURES) - ids)


# ---------------------------------------------------------------- choosing samples


def _kind(sample: Any) -> tuple[Any, ...]:
    """What makes a sample a different case: its tensors' ranks and emptiness, its
    keyword arguments, the types of its other arguments."""
    leaves = pytree.tree_leaves((sample.input, sample.args))
    tensors = tuple(
        (x.dim(), x.numel() == 0) if isinstance(x, torch.Tensor) else type(x).__name__
        for x in leaves
    )
    return tensors, tuple(sorted(sample.kwargs))


def _spread(items: list[Any], count: int) -> list[Any]:
    """`count` of `items`, evenly spaced, first and last included."""
    if count >= len(items):
        return items
    if count == 1:
        return items[:1]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def choose_samples(samples: list[Any], cap: int | None) -> list[Any]:
    """At most `cap` samples: one of each kind first (spread over the kinds when there
    are more kinds than the cap), then the others, spread, in their original order."""
    if cap is None or len(samples) <= cap:
        return samples
    first_of_kind: dict[Any, int] = {}
    for i, sample in enumerate(samples):
        first_of_kind.setdefault(_kind(sample), i)
    chosen = _spread(sorted(first_of_kind.values()), cap)
    rest = [i for i in range(len(samples)) if i not in set(chosen)]
    chosen += _spread(rest, cap - len(chosen)) if len(chosen) < cap else []
    return [samples[i] for i in sorted(chosen)]


def _samples(opinfo: Any, dtype: torch.dtype) -> list[Any]:
    """The OpInfo's samples, seeded. Its `sample_inputs_func` directly: `sample_inputs`
    wraps it to look up the calling test with `inspect.stack()`, a second a call."""
    torch.manual_seed(0)
    samples = list(opinfo.sample_inputs_func(opinfo, "cpu", dtype, False))
    if SAMPLES is not None and opinfo.name in CANDIDATES:
        samples = _spread(samples, CANDIDATES[opinfo.name])
    cap = SAMPLES if SAMPLES is None else max(SAMPLES, SAMPLE_CAPS.get(opinfo.name, 0))
    if cap is not None and opinfo.name in SAMPLE_PICKS:
        samples = [s for s in samples if SAMPLE_PICKS[opinfo.name](s)]
    return choose_samples([s for s in samples if _runs_on_fresh_tensors(opinfo, s)], cap)


def _runs_on_fresh_tensors(opinfo: Any, sample: Any) -> bool:
    """Whether the sample runs on compact copies of its tensors, the module's inputs.
    A sample that reads its input's storage beyond the view (as_strided's
    `partial_views`) is PyTorch-only: no compiled graph sees that storage."""
    leaves, spec = pytree.tree_flatten((sample.input, sample.args, sample.kwargs))
    copies = [x.clone() if isinstance(x, torch.Tensor) else x for x in leaves]
    sample_input, args, kwargs = pytree.tree_unflatten(copies, spec)
    try:
        opinfo.op(sample_input, *args, **kwargs)
    except RuntimeError:
        return False
    return True


# ---------------------------------------------------------------- the module

_TENSOR = object()


class OpCalls(torch.nn.Module):
    """Calls one op once per sample: the samples' tensors come in as inputs, in
    order; everything else of a sample is fixed. Returns one output per sample."""

    def __init__(self, op: Any, samples: list[Any]) -> None:
        super().__init__()
        self.op = op
        self.calls = []
        self.tensors: list[torch.Tensor] = []
        for sample in samples:
            leaves, spec = pytree.tree_flatten((sample.input, sample.args, sample.kwargs))
            self.tensors += [x for x in leaves if isinstance(x, torch.Tensor)]
            constants = [_TENSOR if isinstance(x, torch.Tensor) else x for x in leaves]
            self.calls.append((spec, constants))

    def forward(self, *tensors: torch.Tensor) -> tuple[Any, ...]:
        given = iter(tensors)
        outputs = []
        for spec, constants in self.calls:
            leaves = [next(given) if c is _TENSOR else c for c in constants]
            sample_input, args, kwargs = pytree.tree_unflatten(leaves, spec)
            outputs.append(self.op(sample_input, *args, **kwargs))
        return tuple(outputs)

    def inputs(self) -> list[torch.Tensor]:
        """Fresh copies of the samples' tensors (an op may write to its input)."""
        return [x.clone() for x in self.tensors]


# ---------------------------------------------------------------- comparing


def compare(actual: Any, expected: Any, *, values: bool = True) -> None:
    """Same structure; each tensor the same shape and dtype and, with `values`, equal
    within `TOLERANCES` (exact for integers and bool, NaN where eager has NaN)."""
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
        if values:
            tolerance = TOLERANCES.get(e.dtype, {"rtol": 0, "atol": 0})
            torch.testing.assert_close(a, e, equal_nan=True, **tolerance)


def compare_ties_in_any_order(sample: Any, actual: Any, expected: Any) -> None:
    """`(values, indices)` along the sample's dim (its second argument, else -1): the
    values as `compare` wants them, the indices of the same dtype and shape, each
    pointing at its value in the input."""
    compare(actual[0], expected[0])
    compare(actual[1], expected[1], values=False)
    x = sample.input
    if x.dim() == 0:
        assert actual[1].item() == 0, actual[1]
        return
    dim = sample.args[1] if len(sample.args) > 1 else sample.kwargs.get("dim", -1)
    torch.testing.assert_close(x.gather(dim, actual[1]), actual[0], equal_nan=True, rtol=0, atol=0)


def describe(sample: Any) -> str:
    def show(x: Any) -> str:
        if isinstance(x, torch.Tensor):
            return f"Tensor{list(x.shape)}"
        if isinstance(x, list | tuple):
            return "[" + ", ".join(show(v) for v in x) + "]"
        return repr(x)

    args = [show(sample.input), *(show(a) for a in sample.args)]
    args += [f"{k}={show(v)}" for k, v in sample.kwargs.items()]
    return f"({', '.join(args)})"


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0][:300] if text else ''}"


def _each_sample(opinfo: Any, samples: list[Any], values: bool) -> list[str]:
    """When the samples cannot be compiled together: which of them fail, one by one."""
    failures = []
    for sample in samples:
        module = OpCalls(opinfo.op, [sample])
        try:
            expected = module(*module.inputs())
            compiled = graphlet.compile_fx(module, module.inputs())
            report = compiled.report()
            assert report.all_native, str(report)
            compare(compiled(*module.inputs()), expected, values=values)
        except Exception as e:
            failures.append(f"{describe(sample)}: {_first_line(e)}")
    return failures


@pytest.mark.parametrize(("opinfo", "dtype"), PARAMS)
def test_claimed_op_matches_pytorch(opinfo: Any, dtype: torch.dtype) -> None:
    samples = _samples(opinfo, dtype)
    assert samples, f"{_opinfo_id(opinfo)} has no {dtype} sample"
    values = opinfo.name not in UNINITIALIZED
    module = OpCalls(opinfo.op, samples)
    expected = module(*module.inputs())
    try:
        compiled = graphlet.compile_fx(module, module.inputs())
        actual = compiled(*module.inputs())
    except Exception as e:
        failures = _each_sample(opinfo, samples, values)
        assert not failures, f"{len(failures)} of {len(samples)} samples fail:\n" + "\n".join(
            failures
        )
        raise AssertionError(f"each sample compiles alone, not together: {_first_line(e)}") from e
    report = compiled.report()
    unrepresentable = _unrepresentable(samples)
    if unrepresentable:
        assert report.eager, f"expected a node refused for its {unrepresentable} tensors: {report}"
    failures = sorted(
        {
            f"ran in PyTorch: {n.target}: {n.reason}"
            for n in report.eager
            if not any(f"no tensors of torch.{d}" in n.reason for d in unrepresentable)
        }
    )
    for sample, a, e in zip(samples, actual, expected):
        try:
            if opinfo.name in TIES_IN_ANY_ORDER:
                compare_ties_in_any_order(sample, a, e)
                continue
            compare(a, e, values=values)
        except AssertionError as error:
            failures.append(f"{describe(sample)}: {_first_line(error)}")
    assert (report.all_native or unrepresentable) and not failures, (
        f"{report.native} of {report.nodes} nodes native; {len(samples)} samples:\n"
        + "\n".join(failures)
    )


# ---------------------------------------------------------------- as Python source

PYTHONIFY_ALL = os.environ.get("GRAPHLET_CORPUS") == "all"
PYTHONIFY_SAMPLE = {
    "add-float32", "div.floor_rounding-int64", "remainder-int64", "softmax-float32",
    "matmul-float64", "max.reduction_with_dim-float32", "native_layer_norm-float32",
    "topk-float32", "split-float32", "nn.functional.avg_pool2d-float32",
}  # fmt: skip
"""The ops and dtypes emitted as Python by default (`GRAPHLET_CORPUS=all`: every one)."""

PYTHONIFY_PARAMS = [p for p in PARAMS if PYTHONIFY_ALL or p.id in PYTHONIFY_SAMPLE]


def test_pythonify_sample_names_tested_ops() -> None:
    assert {p.id for p in PARAMS} >= PYTHONIFY_SAMPLE, sorted(
        PYTHONIFY_SAMPLE - {p.id for p in PARAMS}
    )


@pytest.mark.parametrize(("opinfo", "dtype"), PYTHONIFY_PARAMS)
def test_claimed_op_as_python_matches_pytorch(opinfo: Any, dtype: torch.dtype, tmp_path) -> None:
    """`compile_fx(pythonify=)` of the op's module: the emitted file, run on the
    samples' tensors, gives eager's outputs (`compare`), whether the graph is one
    native kernel or split with PyTorch (its eager nodes then torch calls in the file)."""
    from graphlet.frontend.pythonify import PythonifyWarning

    samples = _samples(opinfo, dtype)
    module = OpCalls(opinfo.op, samples)
    expected = module(*module.inputs())
    out = tmp_path / "op.py"
    with _warnings_recorded() as caught:
        graphlet.compile_fx(module, module.inputs(), pythonify=out)
    refusals = [str(w.message) for w in caught if issubclass(w.category, PythonifyWarning)]
    assert out.exists() and not refusals, refusals
    namespace: dict[str, Any] = {"model": module}
    exec(compile(out.read_text(), str(out), "exec"), namespace)
    got = pytree.tree_leaves(namespace["run"](*module.inputs()))
    leaves = pytree.tree_leaves(expected)
    assert len(got) == len(leaves), (len(got), len(leaves))
    values = opinfo.name not in UNINITIALIZED and opinfo.name not in TIES_IN_ANY_ORDER
    for a, e in zip(got, leaves):
        compare(a, e, values=values)


def _warnings_recorded() -> Any:
    import warnings

    class Recorded(warnings.catch_warnings):
        def __init__(self) -> None:
            super().__init__(record=True)

        def __enter__(self) -> Any:
            caught = super().__enter__()
            warnings.simplefilter("always")
            return caught

    return Recorded()
