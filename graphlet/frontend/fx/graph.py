"""A Core ATen graph compiled per input signature, split where graphlet cannot compile.

`CompiledGraph` serves both routes: `compile_fx` (a `torch.export` program) and the
`torch.compile` backend (AOTAutograd's forward and backward graphs). On each new
signature (the shapes and dtypes of the tensors, the values of the numbers) it
imports the graph for those concrete shapes -- symbolic sizes become constants --
and caches the plan: one native kernel when every node imports, otherwise the graph
split by `CapabilityBasedPartitioner`: supported subgraphs run as native kernels,
the nodes graphlet cannot compile run in PyTorch between them.
"""

from __future__ import annotations

import logging
import operator
import os
from collections.abc import Sequence
from typing import Any

import torch
import torch.fx
from torch.fx.passes.infra.partitioner import CapabilityBasedPartitioner
from torch.fx.passes.operator_support import OperatorSupportBase

from graphlet.frontend.fx.errors import source_line, target_str
from graphlet.frontend.fx.importer import FxImporter, ImportedGraph
from graphlet.frontend.fx.kernel import Kernel, KernelModule, check_mode
from graphlet.frontend.fx.printer import side_by_side
from graphlet.frontend.fx.report import EagerNode, GraphReport

log = logging.getLogger("graphlet.fx")

COMPUTE = ("call_function", "call_method", "call_module")


def signature_of(inputs: Sequence[Any]) -> tuple[Any, ...]:
    """The cache key of a call: tensors by shape and dtype, numbers by value."""
    return tuple(
        (tuple(x.shape), x.dtype)
        if isinstance(x, torch.Tensor)
        else (type(x), x)
        if isinstance(x, bool | int | float)
        else type(x)
        for x in inputs
    )


def describe(inputs: Sequence[Any]) -> str:
    parts = [
        f"{str(x.dtype).removeprefix('torch.')}{list(x.shape)}"
        if isinstance(x, torch.Tensor)
        else repr(x)
        for x in inputs
    ]
    return "(" + ", ".join(parts) + ")"


class Plan:
    """How one signature runs: `run(*inputs)`, its kernels, its report."""

    def __init__(
        self,
        run: Any,
        kernels: list[Kernel],
        report: GraphReport,
        split: torch.fx.GraphModule | None = None,
    ) -> None:
        self.run = run
        self.kernels = kernels
        self.report = report
        self.split = split
        """A partitioned plan's graph: each supported partition a `KernelModule`
        (`graphlet_0`, ...), the other nodes PyTorch's; None for one kernel."""


class CompiledGraph:
    """A Core ATen GraphModule, compiled per input signature.

    `lifted` maps placeholder names to the tensors an exported program lifted out of
    the module (parameters, buffers, constants); the caller passes the other
    placeholders, in order.
    """

    def __init__(
        self,
        gm: torch.fx.GraphModule,
        *,
        name: str = "forward",
        lifted: dict[str, torch.Tensor] | None = None,
        param_names: dict[str, str] | None = None,
        inline_params: bool = False,
        mode: str = "auto",
        pythonify: str | os.PathLike[str] | None = None,
        made_in_forward: frozenset[str] = frozenset(),
        input_views: bool = True,
    ) -> None:
        self.input_views = input_views
        """Whether outputs that are views of inputs in eager are made as views
        (`FxImporter`); False for AOTAutograd's graphs, whose views of inputs it makes
        again itself."""
        self.made_in_forward = made_in_forward
        """The lifted placeholders that are tensors the forward makes (`torch.tensor`):
        a new tensor of each eager call, never returned as themselves."""
        self.pythonify = pythonify
        """Where each signature's Python source is written (`graphlet.frontend.fx.pythonify`)."""
        self.gm = gm
        self.name = name
        self.lifted = lifted or {}
        self.param_names = param_names or {}
        self.inline_params = inline_params
        self.mode = check_mode(mode)
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        self.placeholders = placeholders
        self.user_placeholders = [n for n in placeholders if n.name not in self.lifted]
        self.plans: dict[tuple[Any, ...], Plan] = {}

    # ---- the shape guard

    def accepts(self, inputs: Sequence[Any]) -> bool:
        """Whether these inputs fit the graph: the right count, and every dimension that
        PyTorch recorded as static equal (symbolic ones are free)."""
        if len(inputs) != len(self.user_placeholders):
            return False
        for node, x in zip(self.user_placeholders, inputs):
            val = node.meta.get("val")
            if isinstance(val, torch.Tensor):
                if not isinstance(x, torch.Tensor) or x.dim() != val.dim():
                    return False
                if x.dtype != val.dtype:
                    return False
                if any(type(d) is int and d != n for d, n in zip(val.shape, x.shape)):
                    return False
        return True

    def __call__(self, *inputs: Any) -> Any:
        return self.plan(inputs).run(*inputs)

    def full_inputs(self, inputs: Sequence[Any]) -> list[Any]:
        given = iter(inputs)
        return [
            self.lifted[n.name] if n.name in self.lifted else next(given) for n in self.placeholders
        ]

    def plan(self, inputs: Sequence[Any]) -> Plan:
        key = signature_of(inputs)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._compile(list(inputs))
            if self.pythonify is not None:
                from graphlet.frontend.fx.pythonify import write_plan

                write_plan(self.pythonify, self, plan, inputs)
            report = plan.report
            if report.all_native:
                log.info("graphlet: %s", report)
            else:
                log.warning("graphlet: %s", report)
        return plan

    # ---- compiling one signature

    def _compile(self, inputs: list[Any]) -> Plan:
        values: dict[str, Any] = {}

        def stand_in(node: torch.fx.Node) -> Any:
            if not values:
                values.update(propagate(self.gm, self.full_inputs(inputs)))
            return values[node.name]

        imported = FxImporter(
            self.gm,
            inputs,
            inline_params=self.inline_params,
            lifted=self.lifted,
            param_names=self.param_names,
            stand_in=None if self.mode == "native" else stand_in,
            made_in_forward=self.made_in_forward,
            input_views=self.input_views,
        ).run()
        nodes = [n for n in self.gm.graph.nodes if n.op in COMPUTE]
        signature = describe(inputs)
        if not imported.failures:
            kernel = Kernel(imported, self.mode)
            ops = [n for n in nodes if not _unpacks(n)]
            native = len(ops) if kernel.native else 0
            eager = [] if kernel.native else [_eager(n, kernel.reason) for n in ops]
            report = GraphReport(self.name, signature, len(ops), native, 1, eager)
            return Plan(kernel, [kernel], report)
        if not values:
            values.update(propagate(self.gm, self.full_inputs(inputs)))
        return self._partition(imported, values, nodes, signature)

    def _partition(
        self,
        tolerant: ImportedGraph,
        values: dict[str, Any],
        nodes: list[torch.fx.Node],
        signature: str,
    ) -> Plan:
        supported = {n.name for n in nodes if n not in tolerant.failures}
        split = _copy(self.gm)
        partitioner = CapabilityBasedPartitioner(
            split, _ByName(supported), allows_single_node_partition=True
        )
        partitions = partitioner.propose_partitions()
        in_partition = {n.name for p in partitions for n in p.nodes}
        fused = partitioner.fuse_partitions(partitions, prefix="graphlet_")
        kernels: list[Kernel] = []
        reasons: dict[str, str] = {}
        original: dict[str, str] = {}
        """A node of the split graph that stands for a partition's output -> that output's name."""
        for node in list(fused.graph.nodes):
            if node.op != "call_module" or not str(node.target).startswith("graphlet_"):
                continue
            sub = fused.get_submodule(str(node.target))
            assert isinstance(sub, torch.fx.GraphModule)  # what fuse_partitions makes
            outs = next(n for n in sub.graph.nodes if n.op == "output").args[0]
            if isinstance(outs, torch.fx.Node):
                original[node.name] = outs.name
            else:
                for user in node.users:
                    if user.op == "call_function" and user.target is operator.getitem:
                        original[user.name] = outs[user.args[1]].name
            examples = [
                values[original.get(a.name, a.name)] if isinstance(a, torch.fx.Node) else a
                for a in node.args
            ]
            # Views of a partition's inputs are made as views on both routes: they may
            # be values PyTorch computed, whose views AOTAutograd does not make again.
            kernel = Kernel(FxImporter(sub, examples).run(), self.mode)
            kernels.append(kernel)
            setattr(fused, str(node.target), KernelModule(kernel))
            if not kernel.native:
                for n in sub.graph.nodes:
                    if n.op in COMPUTE:
                        in_partition.discard(n.name)
                        reasons[n.name] = kernel.reason
        failures = {n.name: reason for n, reason in tolerant.failures.items()}
        ops = [
            n
            for n in nodes
            if not ((source := _unpacked(n)) is not None and source.name not in in_partition)
        ]
        eager = [
            _eager(
                n,
                failures.get(n.name)
                or reasons.get(n.name)
                or "it reads a value that PyTorch computes",
            )
            for n in ops
            if n.name not in in_partition
        ]
        native = len(ops) - len(eager)
        report = GraphReport(self.name, signature, len(ops), native, len(kernels), eager)

        def run(*inputs: Any) -> Any:
            return fused(*self.full_inputs(inputs))

        return Plan(run, kernels, report, fused)

    # ---- what it did

    def reports(self) -> list[GraphReport]:
        return [p.report for p in self.plans.values()]

    def side_by_side(self) -> str:
        return "\n\n".join(side_by_side(k.imported) for p in self.plans.values() for k in p.kernels)


def _unpacked(node: torch.fx.Node) -> torch.fx.Node | None:
    """The multi-output op whose one result a `getitem` node takes, else None: the
    `getitem` runs where that op runs, and the report counts the op, not its unpacking."""
    if node.op != "call_function" or node.target is not operator.getitem:
        return None
    source = node.args[0]
    return source if isinstance(source, torch.fx.Node) else None


def _unpacks(node: torch.fx.Node) -> bool:
    return _unpacked(node) is not None


class _ByName(OperatorSupportBase):
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def is_node_supported(self, submodules: Any, node: torch.fx.Node) -> bool:
        return node.name in self.names


def _eager(node: torch.fx.Node, reason: str) -> EagerNode:
    """The report's entry; the reason loses the prefix that repeats the node."""
    marker = f"at {source_line(node)}: "
    reason = reason.split(marker, 1)[-1] if marker in reason else reason
    return EagerNode(node.name, target_str(node), source_line(node), reason)


def _copy(gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """A GraphModule with a copy of the graph (same node names and meta), to split."""
    graph = torch.fx.Graph()
    graph.output(graph.graph_copy(gm.graph, {}))
    return torch.fx.GraphModule(gm, graph)


def propagate(gm: torch.fx.GraphModule, inputs: Sequence[Any]) -> dict[str, Any]:
    """Every node's value for these inputs, on fake tensors (shapes and dtypes, no
    compute); when fake tensors cannot run the graph (data-dependent shapes), on the
    real inputs."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    values: dict[str, Any] = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n: torch.fx.Node) -> Any:
            result = super().run_node(n)
            values[n.name] = result
            return result

    mode = FakeTensorMode(allow_non_fake_inputs=True)
    fake = [mode.from_tensor(x) if isinstance(x, torch.Tensor) else x for x in inputs]
    try:
        with mode:
            Recorder(gm).run(*fake)
    except Exception as e:  # fake tensors cannot run data-dependent ops
        log.info("graphlet: shapes from a real run (fake tensors failed: %s)", e)
        values.clear()
        with torch.no_grad():
            Recorder(gm).run(*inputs)
    return values
