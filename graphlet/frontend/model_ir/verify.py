"""`verify_ir_with_state_dict`: run the IR with real weights, natively, against the model.

The state dict is bound to the IR's weights (every key checked: missing, unexpected,
or of another shape or dtype), the IR is rebuilt as an fx graph and compiled by
`compile_fx` (native where graphlet can, the rest in PyTorch, as the report says), and
its outputs are compared with the original model's. When an output differs, the IR is
run again in PyTorch next to the model's own exported graph, node by node, to name the
first node whose value diverges.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
from torch.export.graph_signature import InputKind

from graphlet.frontend.fx.compiled import compile_fx, training_dependent
from graphlet.frontend.fx.export import export_core_aten
from graphlet.frontend.fx.report import Report
from graphlet.frontend.model_ir.draw import shape_text
from graphlet.frontend.model_ir.execute import run_recording, to_graph_module
from graphlet.frontend.model_ir.extract import dtype_name
from graphlet.frontend.model_ir.ir import ModelIR, Weight


@dataclass(frozen=True)
class OutputCheck:
    """One graph output: graphlet's result against the model's."""

    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float
    """`max_abs` over the largest magnitude of the model's output."""
    ok: bool

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        return f"{self.name} {shape_text(self.shape)}: max abs {self.max_abs:.3g}, max rel {self.max_rel:.3g} ({verdict})"


@dataclass(frozen=True)
class Divergence:
    """The first node, in graph order, whose value differs from the model's."""

    node: str
    op_type: str
    output: str
    max_abs: float
    weights: tuple[str, ...]
    """The state-dict keys of the weights the node reads (the usual suspects)."""

    def __str__(self) -> str:
        reads = f", reading {', '.join(self.weights)}" if self.weights else ""
        return f"node {self.node} ({self.op_type}) output {self.output}: max abs {self.max_abs:.3g}{reads}"


@dataclass
class VerificationReport:
    is_valid: bool = False
    outputs: list[OutputCheck] = field(default_factory=list)
    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    mismatched_keys: list[str] = field(default_factory=list)
    """`key: IR wants 8x4 float32, the state dict has 4x8 float32`."""
    errors: list[str] = field(default_factory=list)
    first_divergence: Divergence | None = None
    native: Report | None = None
    """graphlet's report on the compiled IR: which nodes ran natively."""

    @property
    def all_native(self) -> bool:
        return self.native is not None and self.native.all_native

    def __str__(self) -> str:
        lines = [f"verification {'PASSED' if self.is_valid else 'FAILED'}"]
        lines += [f"  missing key: {k}" for k in self.missing_keys]
        lines += [f"  unexpected key: {k}" for k in self.unexpected_keys]
        lines += [f"  mismatched key: {k}" for k in self.mismatched_keys]
        lines += [f"  error: {e}" for e in self.errors]
        lines += [f"  output {o}" for o in self.outputs]
        if self.first_divergence is not None:
            lines.append(f"  first divergence: {self.first_divergence}")
        if self.native is not None:
            lines.append(f"  native: {self.native.native} of {self.native.nodes} nodes")
        return "\n".join(lines)


def _describe(shape: Sequence[int], dtype: str) -> str:
    return f"{shape_text(tuple(shape))} {dtype}"


def compare(actual: Any, expected: Any, rtol: float, atol: float) -> tuple[float, float, bool]:
    """(max abs error, max relative error, within tolerance) of two tensors; NaNs and
    infinities must match where they are, integers and bools exactly."""
    if not isinstance(actual, torch.Tensor) or not isinstance(expected, torch.Tensor):
        same = actual == expected
        return (0.0, 0.0, True) if same else (math.inf, math.inf, False)
    if actual.shape != expected.shape:
        return math.inf, math.inf, False
    if expected.numel() == 0:
        return 0.0, 0.0, actual.dtype == expected.dtype
    a, e = actual.detach().to(torch.float64), expected.detach().to(torch.float64)
    diff = (a - e).abs()
    diff = torch.where((a == e) | (a.isnan() & e.isnan()), 0.0, diff)
    diff = torch.where(diff.isnan(), math.inf, diff)
    max_abs = float(diff.max())
    scale = float(e.abs().nan_to_num(0.0, 0.0, 0.0).max())
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else math.inf)
    if expected.is_floating_point() or expected.is_complex():
        ok = actual.dtype == expected.dtype and torch.allclose(
            a, e, rtol=rtol, atol=atol, equal_nan=True
        )
    else:
        ok = actual.dtype == expected.dtype and torch.equal(actual, expected)
    return max_abs, max_rel, bool(ok)


def _flat_tensors(value: Any) -> list[Any]:
    leaves, _ = torch.utils._pytree.tree_flatten(value)
    return leaves


class _Binding:
    """The IR's weights bound to tensors: the state dict's, the model's non-persistent
    buffers, and the constants of the model's own export."""

    def __init__(
        self,
        ir: ModelIR,
        state_dict: Mapping[str, Any],
        model: torch.nn.Module,
        inputs: tuple[Any, ...],
        report: VerificationReport,
    ) -> None:
        self.tensors: list[torch.Tensor] = []
        self.model = model
        self._export: torch.export.ExportedProgram | None = None
        self.inputs = inputs
        known: set[str] = set()
        for w in ir.weights:
            known |= {w.name, *w.aliases}
            t = self.lookup(w, state_dict, report)
            if t is None:
                continue
            got = _describe(tuple(t.shape), dtype_name(t.dtype))
            if got != _describe(w.shape, w.dtype):
                report.mismatched_keys.append(
                    f"{w.name}: the IR wants {_describe(w.shape, w.dtype)}, the state dict has {got}"
                )
            elif t.is_meta:
                report.mismatched_keys.append(f"{w.name}: a meta tensor, with no values")
            self.tensors.append(t)
        report.unexpected_keys += sorted(k for k in state_dict if k not in known)

    def lookup(
        self, w: Weight, state_dict: Mapping[str, Any], report: VerificationReport
    ) -> torch.Tensor | None:
        if w.persistent and w.kind != "constant":
            for key in (w.name, *w.aliases):
                if key in state_dict:
                    value = state_dict[key]
                    if not isinstance(value, torch.Tensor):
                        report.mismatched_keys.append(
                            f"{key}: {type(value).__name__}, not a tensor"
                        )
                        return None
                    return value
            report.missing_keys.append(w.name)
            return None
        try:
            if w.kind == "buffer":
                return self.model.get_buffer(w.name)
        except AttributeError:
            pass
        constants = self.reference().constants
        if w.name in constants:
            constant: torch.Tensor = constants[w.name]
            return constant
        report.errors.append(
            f"{w.name}: a {w.kind} not in the state dict that the model does not have either"
        )
        return None

    def reference(self) -> torch.export.ExportedProgram:
        """The model exported the way the IR was (once, with the test inputs)."""
        if self._export is None:
            self._export = export_core_aten(self.model, self.inputs)
        return self._export


def _exported(module: torch.fx.GraphModule, args: Sequence[Any]) -> torch.export.ExportedProgram:
    """The rebuilt graph exported for `compile_fx`. Re-tracing a call that returns a
    tuple reads every element; the `getitem`s nothing uses (batch norm's saved
    statistics, max pool's indices) are dropped, as the model's own export has none."""
    ep = export_core_aten(module, args)
    graph = ep.graph_module.graph
    for node in list(graph.nodes):
        if node.op == "call_function" and node.target is operator.getitem and not node.users:
            graph.erase_node(node)
    ep.graph_module.recompile()
    return ep


def _check_inputs(ir: ModelIR, inputs: Sequence[Any], report: VerificationReport) -> None:
    if len(inputs) != len(ir.graph_inputs):
        report.errors.append(
            f"the IR takes {len(ir.graph_inputs)} inputs, test_inputs has {len(inputs)}"
        )
        return
    for want, x in zip(ir.graph_inputs, inputs):
        if not isinstance(x, torch.Tensor):
            report.errors.append(f"input {want.name}: a {type(x).__name__}, not a tensor")
        elif _describe(tuple(x.shape), dtype_name(x.dtype)) != _describe(want.shape, want.dtype):
            report.errors.append(
                f"input {want.name}: the IR was extracted for {_describe(want.shape, want.dtype)}, "
                f"test input is {_describe(tuple(x.shape), dtype_name(x.dtype))}"
            )


def _reference_values(ep: torch.export.ExportedProgram, inputs: Sequence[Any]) -> dict[str, Any]:
    """Every node's value in the model's own exported graph, by node name."""
    args = []
    user = iter(inputs)
    for spec in ep.graph_signature.input_specs:
        if spec.kind == InputKind.USER_INPUT:
            args.append(next(user))
        elif spec.target in ep.state_dict:
            args.append(ep.state_dict[spec.target])
        else:
            args.append(ep.constants[spec.target])
    _, values = run_recording(ep.graph_module, args)
    return values


def _first_divergence(
    ir: ModelIR, values: dict[str, Any], reference: dict[str, Any], rtol: float, atol: float
) -> Divergence | None:
    weights = ir.weight_by_placeholder()
    for node in ir.nodes:
        for out in node.outputs:
            if out.name not in values or out.name not in reference:
                continue
            max_abs, _, ok = compare(values[out.name], reference[out.name], rtol, atol)
            if not ok:
                read = tuple(
                    dict.fromkeys(weights[i.name].name for i in node.inputs if i.name in weights)
                )
                return Divergence(node.name, node.op_type, out.name, max_abs, read)
    return None


def verify_ir_with_state_dict(
    *,
    ir: ModelIR,
    state_dict: Mapping[str, Any],
    original_model: torch.nn.Module,
    test_inputs: Sequence[Any],
    rtol: float = 1e-4,
    atol: float = 1e-4,
    mode: str = "auto",
) -> tuple[bool, VerificationReport]:
    """Bind `state_dict` to the IR's weights, compile the IR with graphlet (`mode` as
    in `compile_fx`), run it on `test_inputs` and compare each output with
    `original_model`'s within `rtol`/`atol`. Returns (is_valid, report)."""
    report = VerificationReport()
    if layers := training_dependent(original_model):
        report.errors.append(
            f"{layers[0]} of the original model is in training mode: call model.eval() first"
        )
        return False, report
    inputs = tuple(test_inputs)
    _check_inputs(ir, inputs, report)
    binding = _Binding(ir, state_dict, original_model, inputs, report)
    if report.errors or report.missing_keys or report.mismatched_keys:
        return False, report

    with torch.no_grad():
        expected = _flat_tensors(original_model(*inputs))
    module = to_graph_module(ir, inputs[0].device if inputs else "cpu")
    args = [*inputs, *binding.tensors]
    try:
        compiled = compile_fx(_exported(module, args), args, mode=mode)
        with torch.no_grad():
            actual = _flat_tensors(compiled(*args))
        report.native = compiled.report()
    except Exception as e:  # a graphlet failure is a failed verification, with its reason
        report.errors.append(f"graphlet could not compile or run the IR: {type(e).__name__}: {e}")
        return False, report
    if len(actual) != len(expected):
        report.errors.append(f"the IR has {len(actual)} outputs, the model returns {len(expected)}")
        return False, report
    for info, got, want in zip(ir.graph_outputs, actual, expected):
        max_abs, max_rel, ok = compare(got, want, rtol, atol)
        report.outputs.append(OutputCheck(info.name, info.shape, max_abs, max_rel, ok))

    if not all(o.ok for o in report.outputs):
        _locate(ir, module, args, binding, expected, report, rtol, atol)
    report.is_valid = not (report.errors or report.unexpected_keys) and all(
        o.ok for o in report.outputs
    )
    return report.is_valid, report


def _locate(
    ir: ModelIR,
    module: torch.fx.GraphModule,
    args: list[Any],
    binding: _Binding,
    expected: list[Any],
    report: VerificationReport,
    rtol: float,
    atol: float,
) -> None:
    """Name the first node that diverges from the model's own graph, or say that the
    IR run in PyTorch agrees with the model (then graphlet's code is what differs)."""
    eager, values = run_recording(module, args)
    try:
        reference = _reference_values(binding.reference(), binding.inputs)
    except Exception as e:  # the model's own export is only a diagnostic aid here
        report.errors.append(
            f"the model's own graph could not be run to locate the divergence: {e}"
        )
        return
    report.first_divergence = _first_divergence(ir, values, reference, rtol, atol)
    if report.first_divergence is None and all(
        compare(a, e, rtol, atol)[2] for a, e in zip(eager, expected)
    ):
        report.errors.append(
            "the IR run in PyTorch matches the model: graphlet's compiled code differs"
        )
