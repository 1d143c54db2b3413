"""What ran natively: per graph, the node counts and each node that ran in PyTorch."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EagerNode:
    """A node PyTorch ran, with where it came from and why graphlet did not."""

    name: str
    target: str
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} ({self.target}) at {self.source}: {self.reason}"


@dataclass
class GraphReport:
    """One graph compiled for one input signature."""

    name: str
    signature: str
    nodes: int
    """Op nodes (call_function/call_method/call_module) in the graph; the `getitem`s
    that unpack a multi-output op count with that op (but for one that cannot run
    where its op runs)."""
    native: int
    """Of those, how many ran in graphlet's native code."""
    partitions: int
    """Native kernels the graph was split into (1 when all of it is native)."""
    eager: list[EagerNode] = field(default_factory=list)

    @property
    def all_native(self) -> bool:
        return self.native == self.nodes

    def __str__(self) -> str:
        head = (
            f"{self.name} {self.signature}: {self.native} of {self.nodes} nodes native"
            f" in {self.partitions} kernel{'s' if self.partitions != 1 else ''}"
        )
        return "\n".join([head, *(f"  eager: {n}" for n in self.eager)])


@dataclass
class Report:
    """Every graph of a `compile_fx` result or a `torch.compile` run."""

    graphs: list[GraphReport] = field(default_factory=list)

    @property
    def nodes(self) -> int:
        return sum(g.nodes for g in self.graphs)

    @property
    def native(self) -> int:
        return sum(g.native for g in self.graphs)

    @property
    def eager(self) -> list[EagerNode]:
        return [n for g in self.graphs for n in g.eager]

    @property
    def all_native(self) -> bool:
        return bool(self.graphs) and all(g.all_native for g in self.graphs)

    def __str__(self) -> str:
        if not self.graphs:
            return "no graph was compiled"
        return "\n".join(str(g) for g in self.graphs)
