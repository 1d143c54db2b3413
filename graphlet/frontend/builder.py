"""The builder API of the original graphlet, on the graphlet dialect.

    g = Graph()
    a = g.input("a")
    k = g.const(3)
    c = g.add_op("add", a, k)
    g.set_outputs(c)

A `Graph` owns one `func.func @graph` whose arguments are the inputs and whose body is
graphlet ops; `g.nodes` lists inputs and ops in topological (program) order. Inputs
are typed (`int` by default, or `float`/`bool`); mixing types promotes like Python
(`int + float` inserts a cast to float, bools in arithmetic become ints).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, Region, SSAValue
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from graphlet.dialects import graphlet as g


def _op_name(op: type[g.GraphletOp]) -> str:
    return op.name.removeprefix("graphlet.")


OP_ALIASES: dict[str, str] = {
    **{symbol: _op_name(op) for symbol, op in g.spellings().binary_symbols.items()},
    **{
        torch_name: _op_name(op)
        for torch_name, op in g.torch_names().items()
        if op in g.OPS and torch_name != _op_name(op)
    },
}
"""Other spellings of graphlet's op names: Python's binary operators (`+`, `//`) and
PyTorch's names of the scalar ops (`div`, `where`), as the ops declare them."""


@dataclass(frozen=True)
class Node:
    """A value in a graph: an input, a constant or an op result."""

    value: SSAValue

    @property
    def op(self) -> str:
        """`input`, `const`, or the graphlet op name (`add`, `cmp`, ...)."""
        if isinstance(self.value, BlockArgument):
            return "input"
        owner = self.value.owner
        assert isinstance(owner, Operation)
        if isinstance(owner, g.ConstantOp):
            return "const"
        return owner.name.removeprefix("graphlet.")

    @property
    def name(self) -> str | None:
        return self.value.name_hint

    @property
    def type(self) -> type:
        return g.python_type(self.value.type)

    @property
    def inputs(self) -> tuple[Node, ...]:
        if isinstance(self.value, OpResult):
            return tuple(Node(v) for v in self.value.owner.operands)
        return ()

    def _leaf_repr(self) -> str | None:
        if self.op == "input":
            return f"input({self.name})"
        if self.op == "const":
            owner = self.value.owner
            assert isinstance(owner, g.ConstantOp)
            return f"const({g.from_attr(owner.value)!r})"
        return None

    def __repr__(self) -> str:
        """The expression computing this node, `add(input(a), const(3))`. An op result
        used more than once below it is printed once, as a binding named `%k` after
        the expression (`add(%0, %0) where %0 = mul(input(a), input(a))`), so the text
        stays linear in the graph's size where a tree would double at each diamond."""
        order: list[Node] = []
        uses: dict[SSAValue, int] = {}
        stack: list[tuple[Node, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            uses[node.value] = uses.get(node.value, 0) + 1
            if uses[node.value] > 1:
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.inputs))
        text: dict[SSAValue, str] = {}
        bindings: list[str] = []
        for node in order:  # post-order: a node's inputs come before it
            leaf = node._leaf_repr()
            expression = leaf or f"{node.op}({', '.join(text[i.value] for i in node.inputs)})"
            if leaf is None and uses[node.value] > 1:
                text[node.value] = f"%{len(bindings)}"
                bindings.append(f"{text[node.value]} = {expression}")
            else:
                text[node.value] = expression
        if not bindings:
            return text[self.value]
        return f"{text[self.value]} where {', '.join(bindings)}"


class Graph:
    """A dataflow graph of graphlet ops, held as an xDSL module."""

    FUNCTION = "graph"

    def __init__(self, module: ModuleOp | None = None) -> None:
        if module is None:
            body = Block()
            function = func.FuncOp.from_region(self.FUNCTION, [], [], Region(body))
            module = ModuleOp([function])
        self.module = module

    # ------------------------------------------------------------------ structure

    @property
    def function(self) -> func.FuncOp:
        for op in self.module.ops:
            if isinstance(op, func.FuncOp) and op.sym_name.data == self.FUNCTION:
                return op
        raise ValueError("graph module has no @graph function")

    @property
    def _block(self) -> Block:
        return self.function.body.block

    @property
    def input_names(self) -> list[str]:
        return [arg.name_hint or f"arg{arg.index}" for arg in self._block.args]

    @property
    def input_types(self) -> list[type]:
        return [g.python_type(arg.type) for arg in self._block.args]

    @property
    def outputs(self) -> list[Node]:
        ret = self._return
        return [] if ret is None else [Node(v) for v in ret.operands]

    @property
    def _return(self) -> func.ReturnOp | None:
        last = self._block.last_op
        return last if isinstance(last, func.ReturnOp) else None

    @property
    def nodes(self) -> list[Node]:
        """Inputs, then every op result, in topological order."""
        return [Node(arg) for arg in self._block.args] + [
            Node(result) for op in self._block.ops for result in op.results
        ]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def topological_sort(self) -> list[Node]:
        """Every node after the nodes it reads (Kahn's algorithm on the dataflow edges,
        inputs and constants first, ties in program order): the order `execute`
        evaluates in and `backward` walks in reverse."""
        nodes = self.nodes
        users: dict[SSAValue, list[Node]] = {n.value: [] for n in nodes}
        waiting: dict[SSAValue, int] = {}
        for n in nodes:
            reads = {i.value for i in n.inputs}
            waiting[n.value] = len(reads)
            for value in reads:
                users[value].append(n)
        ready = deque(n for n in nodes if waiting[n.value] == 0)
        order: list[Node] = []
        while ready:
            node = ready.popleft()
            order.append(node)
            for user in users[node.value]:
                waiting[user.value] -= 1
                if waiting[user.value] == 0:
                    ready.append(user)
        return order

    def __len__(self) -> int:
        return len(self.nodes)

    def __str__(self) -> str:
        return str(self.module)

    # ------------------------------------------------------------------ building

    def input(self, name: str, type: type = int) -> Node:
        """A named input; `type` is `int` (default), `float` or `bool`."""
        if name in self.input_names:
            raise ValueError(f"graph already has an input named {name!r}")
        arg = self._block.insert_arg(g.ir_type(type), len(self._block.args))
        arg.name_hint = name
        self._update_signature()
        return Node(arg)

    def const(self, value: bool | int | float) -> Node:
        return self._insert(g.ConstantOp.from_value(value))

    def add_op(self, op: str, *operands: Node | bool | int | float, **attrs: Any) -> Node:
        """Append graphlet op `op` (`add`, `mul`, `lt`, `neg`, `exp`, `select`, `float`...)."""
        name = OP_ALIASES.get(op, op)
        values = [x.value if isinstance(x, Node) else self.const(x).value for x in operands]
        if name in g.CMP_PREDICATES:
            return self._insert(g.CmpOp(name, *self._promote(values)))
        if name in ("bool", "int", "float"):
            (x,) = values
            return self._insert(
                g.CastOp(x, g.ir_type({"bool": bool, "int": int, "float": float}[name]))
            )
        if name == "select":
            cond, a, b = values
            return self._insert(g.SelectOp(self._to_bool(cond), *self._promote([a, b])))
        if name in g.BINARY_OPS:
            binary = g.BINARY_OPS[name]
            lhs, rhs = self._promote(values, arithmetic=g.BOOL not in binary.ALLOWED_TYPES)
            return self._insert(binary(lhs, rhs))
        if name in g.UNARY_OPS:
            (x,) = self._promote(values, arithmetic=True)
            return self._insert(g.UNARY_OPS[name](x))
        raise ValueError(
            f"unknown op {op!r}; graphlet ops are: "
            + ", ".join(
                sorted(
                    {
                        *g.BINARY_OPS,
                        *g.UNARY_OPS,
                        *g.CMP_PREDICATES,
                        "select",
                        "bool",
                        "int",
                        "float",
                    }
                )
            )
        )

    def set_outputs(self, *outputs: Node) -> None:
        if not outputs:
            raise ValueError("a graph needs at least one output")
        if (ret := self._return) is not None:
            self._block.detach_op(ret)
            ret.erase()
        self._block.add_op(func.ReturnOp(*(n.value for n in outputs)))
        self._update_signature()

    # ------------------------------------------------------------------ helpers

    def _insert(self, op: Operation) -> Node:
        try:
            op.verify()
        except VerifyException as e:
            raise TypeError(str(e)) from None
        ret = self._return
        point = InsertPoint.before(ret) if ret is not None else InsertPoint.at_end(self._block)
        Builder(point).insert(op)
        return Node(op.results[0])

    def _cast(self, value: SSAValue, to: Attribute) -> SSAValue:
        return value if value.type == to else self._insert(g.CastOp(value, to)).value

    def _to_bool(self, value: SSAValue) -> SSAValue:
        return self._cast(value, g.BOOL)

    def _promote(self, values: list[SSAValue], arithmetic: bool = False) -> list[SSAValue]:
        """Python's numeric promotion: bool < int < float; in `arithmetic` (an op that
        takes no bools, like `+` or `<<`) bools become ints."""
        rank: dict[Attribute, int] = {g.BOOL: 0, g.INT: 1, g.FLOAT: 2}
        target = max((v.type for v in values), key=rank.__getitem__)
        if arithmetic and target == g.BOOL:
            target = g.INT
        return [self._cast(v, target) for v in values]

    def _update_signature(self) -> None:
        function = self.function
        ret = self._return
        outputs = [v.type for v in ret.operands] if ret is not None else []
        function.function_type = FunctionType.from_lists(
            [arg.type for arg in self._block.args], outputs
        )

    def clone(self) -> Graph:
        return Graph(self.module.clone())


def backward(graph: Graph, loss: Node) -> dict[str, Node]:
    """Reverse-mode autodiff in the graph: d`loss`/d(input) for each float input, as
    new nodes (by input name) built from each op's derivative rule, for
    `set_outputs` and `execute`. Int and bool inputs have no gradient (as in PyTorch);
    `graphlet-optimize` (the `Compiler`'s default) removes what the outputs do not use."""
    from graphlet.dialects.graphlet.vjp import gradients

    if loss.value.type != g.FLOAT:
        raise TypeError(f"backward: the loss must be a float, got {loss.type.__name__} {loss!r}")
    block = graph._block
    targets = [arg for arg in block.args if arg.type == g.FLOAT]
    if not targets:
        raise TypeError("backward: the graph has no float inputs to differentiate by")
    try:
        values = gradients(block, loss.value, targets, graph._return)
    except DiagnosticException as e:
        raise TypeError(f"backward: {e}") from None
    return {arg.name_hint or f"arg{arg.index}": Node(v) for arg, v in zip(targets, values)}
