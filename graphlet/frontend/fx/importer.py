"""The importer: one fx graph to `func.func @forward` of graphlet tensor ops.

Each node goes to the handler its target resolves to (`registry.py`); handlers live in
`handlers/`, one module per category of op. Shapes are inferred by the ops' builders
and checked against PyTorch's own when the node carries them.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.fx
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint
from xdsl.transforms.dead_code_elimination import region_dce
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects import graphlet as g
from graphlet.frontend.fx import handlers as _handlers  # noqa: F401  (registers every handler)
from graphlet.frontend.fx.dtypes import DTYPES, TORCH_ELEMENTS, element_of, tensor_type_of
from graphlet.frontend.fx.errors import NotHere, UnsupportedNodeError, source_line, target_str
from graphlet.frontend.fx.handlers.common import Deferred
from graphlet.frontend.fx.registry import creates_tensors, handler_for, module_handler_for

FUNCTION = "forward"
"""The name of the imported function in the module."""


def hint(name: str) -> str:
    """A valid SSA name hint from an fx or parameter name (`0.weight` -> `_0_weight`)."""
    name = re.sub(r"[^\w$.-]", "_", name).replace(".", "_")
    return f"_{name}" if name[:1].isdigit() else name


@dataclass(frozen=True)
class Result:
    """A leaf of the output tree: the function's result number `index`."""

    index: int


@dataclass(frozen=True)
class Input:
    """A leaf of the output tree: the caller's input number `index`, returned as is."""

    index: int


@dataclass(frozen=True)
class Held:
    """A leaf of the output tree: the model's tensor `ImportedGraph.held[index]` (a
    parameter or buffer the graph returns), returned as is, as eager returns it."""

    index: int


@dataclass(frozen=True)
class View:
    """A leaf of the output tree: a view of another leaf (`base`), made on each call by
    the graph's own view ops (`ops`: target, arguments after the tensor, keywords), so
    that it shares the tensor's memory as eager's does. `fallback`, the kernel's copy of
    the same value, answers when a view op refuses the tensor (a `view` traced for a
    contiguous input, called with one that is not)."""

    base: Input | Held | Result
    ops: tuple[tuple[Any, tuple[Any, ...], dict[str, Any]], ...]
    fallback: Result | None = None


@dataclass
class ImportedGraph:
    """A graphlet module of one fx graph and what calling it needs."""

    module: ModuleOp
    input_types: list[TensorType]
    """The types of the tensor inputs, which are the function's first arguments."""
    input_indices: list[int]
    """For each tensor input, its position among the caller's inputs (the others are
    Python numbers the graph was specialised on)."""
    params: list[torch.Tensor]
    """Tensors passed after the inputs, in order (parameters kept as arguments)."""
    output_tree: Any
    """The output structure: `Result`s, `Input`s and Python values."""
    node_ops: dict[torch.fx.Node, list[Operation]] = field(default_factory=dict)
    graph_module: torch.fx.GraphModule | None = None
    failures: dict[torch.fx.Node, str] = field(default_factory=dict)
    """In tolerant mode: each node that could not be imported, and why."""
    param_names: list[str] = field(default_factory=list)
    """The name (the model's, e.g. `fc.weight`) of each of `params`."""
    held: list[torch.Tensor] = field(default_factory=list)
    """The model's tensors that outputs are, or are views of (`Held`)."""
    held_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Output:
    """A leaf of the graph's output while importing: its value, and the node whose
    tensor it is in eager (`_storage_of`)."""

    node: torch.fx.Node
    storage: torch.fx.Node
    value: Any


ALIASES = ("aten.alias.default", "aten.detach.default")
"""Ops whose result is their operand's tensor in eager: same storage, same shape."""


def _storage_of(node: torch.fx.Node) -> torch.fx.Node:
    while node.op == "call_function" and str(node.target) in ALIASES and node.args:
        arg = node.args[0]
        if not isinstance(arg, torch.fx.Node):
            break
        node = arg
    return node


def _is_view(node: torch.fx.Node) -> bool:
    """Whether eager's result of `node` is a view of its first argument, and the node
    can be replayed on a tensor: its other arguments are no nodes (no symbolic sizes)."""
    if node.op != "call_function" or not node.args or not isinstance(node.args[0], torch.fx.Node):
        return False
    target = node.target
    if target is operator.getitem:  # one view of a multi-view op (split, unbind)
        return _is_view(node.args[0])
    if not (isinstance(target, torch._ops.OpOverload) and target.is_view):
        return False
    rest = torch.utils._pytree.tree_leaves((node.args[1:], node.kwargs))
    return not any(isinstance(a, torch.fx.Node) for a in rest)


def _replay(chain: list[torch.fx.Node]) -> tuple[tuple[Any, tuple[Any, ...], dict[str, Any]], ...]:
    return tuple((n.target, tuple(n.args[1:]), dict(n.kwargs)) for n in chain)


def _view_root(node: torch.fx.Node) -> tuple[torch.fx.Node, list[torch.fx.Node]]:
    """The node `node` is a view of, through views, and those views, first first."""
    chain = []
    while _is_view(node):
        chain.append(node)
        arg = node.args[0]
        assert isinstance(arg, torch.fx.Node)
        node = arg
    return node, chain[::-1]


@dataclass(frozen=True)
class Opaque:
    """The stand-in for a value graphlet cannot represent (tolerant mode)."""

    reason: str


def has_tensor(tree: Any) -> bool:
    """Whether a tensor is among `tree`'s leaves (a `Deferred` one too: the tensor a
    handler builds when it is read)."""
    if isinstance(tree, SSAValue | Deferred):
        return True
    if isinstance(tree, tuple | list):
        return any(has_tensor(t) for t in tree)
    if isinstance(tree, dict):
        return any(has_tensor(t) for t in tree.values())
    return False


class FxImporter:
    """Builds `func.func @forward` from a GraphModule, one handler per op name.

    `example_inputs` has one value per placeholder not in `lifted` (parameters,
    buffers and constants of an exported program, by placeholder name): a tensor
    (real or fake) becomes a function argument of its type, a Python number is a
    constant the graph is specialised on. In tolerant mode (`stand_in` given) a node
    that cannot be imported is recorded in `failures` and replaced by
    `stand_in(node)` (its value from fake-tensor propagation), so that the import
    finds every node that can be compiled, not only the first that cannot.
    """

    def __init__(
        self,
        gm: torch.fx.GraphModule,
        example_inputs: Sequence[Any],
        *,
        inline_params: bool = False,
        lifted: dict[str, torch.Tensor] | None = None,
        param_names: dict[str, str] | None = None,
        stand_in: Callable[[torch.fx.Node], Any] | None = None,
        made_in_forward: frozenset[str] = frozenset(),
        input_views: bool = True,
    ) -> None:
        self.gm = gm
        self.made_in_forward = made_in_forward
        """Lifted placeholders that are constants the forward makes (not the model's)."""
        self.input_views = input_views
        """Whether outputs that are views of inputs in eager are views (`View`);
        AOTAutograd makes those of its graphs again itself (not views of outputs)."""
        self.examples = list(example_inputs)
        self.inline_params = inline_params
        self.lifted = lifted or {}
        self.param_names = param_names or {}
        self.stand_in = stand_in
        self.block = Block()
        self.builder = Builder(InsertPoint.at_end(self.block))
        self.values: dict[torch.fx.Node, Any] = {}
        self.input_types: list[TensorType] = []
        self.input_indices: list[int] = []
        self.param_values: list[torch.Tensor] = []
        self.param_value_names: list[str] = []
        self.param_args: dict[str, SSAValue] = {}
        self.node_ops: dict[torch.fx.Node, list[Operation]] = {}
        self.failures: dict[torch.fx.Node, str] = {}
        self.inputs_by_value: dict[SSAValue, int] = {}
        self.held: list[torch.Tensor] = []
        self.held_names: list[str] = []
        self.view_bases: set[torch.fx.Node] = set()
        self.node: torch.fx.Node | None = None
        """The node being imported (a handler may read its arguments' recorded metadata)."""

    # ---- building blocks for handlers

    def emit(self, op: Operation) -> SSAValue:
        self.builder.insert(op)
        return op.results[0]

    def param(self, name: str, tensor: torch.Tensor) -> SSAValue:
        """A parameter or buffer: an argument after the inputs, or a constant."""
        if name in self.param_args:
            return self.param_args[name]
        tensor = tensor.detach()
        if self.inline_params:
            value = self.emit(
                g.ConstantOp.from_array(tensor.cpu().numpy(), element_of(tensor.dtype))
            )
        else:
            value = self.block.insert_arg(tensor_type_of(tensor), len(self.block.args))
            self.param_values.append(tensor)
            self.param_value_names.append(name)
        value.name_hint = hint(name)
        self.param_args[name] = value
        return value

    def constant(self, value: Any, elem: Attribute) -> SSAValue:
        return self.emit(g.ConstantOp.from_array(np.asarray(value, dtype=g.np_dtype(elem)), elem))

    def cast(self, v: SSAValue, elem: Attribute) -> SSAValue:
        if g.element_type(v.type) == elem:
            return v
        return self.emit(g.CastOp(v, TensorType(elem, g.shape_of(v.type))))

    def promote(self, *operands: Any) -> list[SSAValue]:
        """PyTorch's type promotion: tensors decide among tensors, a Python scalar
        only lifts the category (bool < int < float; int tensor * 0.5 is f32)."""
        tensors = [o for o in operands if isinstance(o, SSAValue)]
        if not tensors:
            raise NotHere("no tensor operand")
        dtype = DTYPES[g.element_type(tensors[0].type)]
        for t in tensors[1:]:
            dtype = torch.promote_types(dtype, DTYPES[g.element_type(t.type)])
        for o in operands:
            if isinstance(o, bool | int | float) and not isinstance(o, SSAValue):
                kind = float if isinstance(o, float) else int if not isinstance(o, bool) else bool
                if kind is float and not dtype.is_floating_point:
                    dtype = torch.get_default_dtype()
                elif kind is int and dtype == torch.bool:
                    dtype = torch.int64
            elif not isinstance(o, SSAValue):
                raise NotHere(f"operand {o!r} is neither a tensor nor a number")
        elem = element_of(dtype)
        return [
            self.cast(o, elem) if isinstance(o, SSAValue) else self.constant(o, elem)
            for o in operands
        ]

    # ---- nodes

    def run(self) -> ImportedGraph:
        placeholders = iter(enumerate(self.examples))
        output_tree: Any = None
        for node in self.gm.graph.nodes:
            before = len(self.block.ops)
            try:
                if node.op == "placeholder":
                    self.values[node] = self.placeholder(node, placeholders)
                elif node.op == "output":
                    output_tree = node.args[0]
                elif node.op == "get_attr":
                    self.values[node] = self.get_attr(node)
                else:
                    self.values[node] = self.call(node)
                self.check_against_torch(node)
            except UnsupportedNodeError as e:
                self.fail(node, e, str(e))
            except (
                VerifyException,
                NotHere,
                TypeError,
                ValueError,
                KeyError,
                IndexError,
                StopIteration,
            ) as e:
                self.fail(node, self.unsupported(node, str(e) or type(e).__name__))
            self.node_ops[node] = list(self.block.ops)[before:]
            value = self.values.get(node)
            if isinstance(value, SSAValue) and value.name_hint is None:
                value.name_hint = hint(node.name)
        results: list[SSAValue] = []
        leaf: Any = lambda n: _Output(n, _storage_of(n), self.values[n])  # noqa: E731
        tree = torch.fx.node.map_arg(output_tree, leaf)
        self.view_bases = self.shared_bases(tree)
        tree = self.output_tree(tree, results)
        self.builder.insert(func.ReturnOp(*results))
        ftype = FunctionType.from_lists(
            [a.type for a in self.block.args], [r.type for r in results]
        )
        fn = func.FuncOp.from_region(
            FUNCTION, ftype.inputs.data, ftype.outputs.data, Region(self.block)
        )
        module = ModuleOp([fn])
        if not self.failures:
            region_dce(fn.body)  # what handlers built and then did not use (`mm` of a `.T`)
            self.node_ops = {
                n: [op for op in ops if op.parent is not None] for n, ops in self.node_ops.items()
            }
            try:
                module.verify()
            except VerifyException as e:
                raise UnsupportedNodeError(f"graphlet built an invalid module: {e}") from None
        return ImportedGraph(
            module,
            self.input_types,
            self.input_indices,
            self.param_values,
            tree,
            self.node_ops,
            self.gm,
            self.failures,
            self.param_value_names,
            self.held,
            self.held_names,
        )

    def fail(self, node: torch.fx.Node, error: UnsupportedNodeError, reason: str = "") -> None:
        """Raise, or in tolerant mode record the node and continue with its stand-in."""
        if self.stand_in is None:
            raise error from None
        self.failures[node] = reason or str(error)
        self.values[node] = self.stand_in_value(self.stand_in(node))

    def stand_in_value(self, value: Any) -> Any:
        """A fresh argument for each tensor of a node that runs in PyTorch."""
        if isinstance(value, torch.Tensor):
            try:
                return self.block.insert_arg(tensor_type_of(value), len(self.block.args))
            except TypeError as e:
                return Opaque(str(e))
        if isinstance(value, tuple | list):
            return type(value)(self.stand_in_value(v) for v in value)
        if isinstance(value, bool | int | float | str | None | torch.dtype | torch.device):
            return value
        return Opaque(f"graphlet has no values of {type(value).__name__}")

    def shared_bases(self, tree: Any) -> set[torch.fx.Node]:
        """The nodes that outputs are views of and that eager's outputs share: an
        output itself, or the base of two or more (`y.view(6)` and `y[0]`)."""
        leaves = [t for t in torch.utils._pytree.tree_leaves(tree) if isinstance(t, _Output)]
        storages = {t.storage for t in leaves if isinstance(t.value, SSAValue)}
        roots: dict[torch.fx.Node, int] = {}
        for t in leaves:
            root, chain = _view_root(t.storage)
            if chain and root.op != "placeholder":  # views of inputs: `source`
                roots[root] = roots.get(root, 0) + 1
        return {r for r, n in roots.items() if n > 1 or r in storages}

    def output_tree(
        self, tree: Any, results: list[SSAValue], shared: dict[torch.fx.Node, Result] | None = None
    ) -> Any:
        """Leaves of the graph's output as `Input`s, `Held`s, `Result`s and `View`s,
        sharing memory as eager's outputs do. An input (a parameter) is returned as
        itself only when eager returns it (the output is the placeholder, or its
        alias): a handler may give the input's value for a `clone` or a same-dtype
        `_to_copy`, whose eager result is a tensor of its own (the runtime copies an
        argument it returns). Outputs that are one tensor in eager too (a value and its
        `alias`, which AOTAutograd saves for the backward beside it) are one result, not
        a copy each. A view of an input, of a parameter, of another output or of a value
        two outputs view is that view (`View`), made again on each call."""
        shared = {} if shared is None else shared
        if isinstance(tree, _Output):
            value = tree.value
            if not isinstance(value, SSAValue):
                return value
            root, chain = _view_root(tree.node) if self.input_views else (tree.node, [])
            root_value = self.values.get(root)
            base = self.source(root, root_value) if isinstance(root_value, SSAValue) else None
            if chain and base is not None:
                fallback = None
                if isinstance(base, Input):
                    fallback = self.result(tree.storage, value, results, shared)
                return View(base, _replay(chain), fallback)
            if (base := self.source(tree.storage, value)) is not None:
                return base
            root, chain = _view_root(tree.storage)
            root_value = self.values.get(root)
            if chain and root in self.view_bases and isinstance(root_value, SSAValue):
                return View(self.result(root, root_value, results, shared), _replay(chain))
            return self.result(tree.storage, value, results, shared)
        if isinstance(tree, tuple | list):
            return type(tree)(self.output_tree(t, results, shared) for t in tree)
        if isinstance(tree, dict):
            return {k: self.output_tree(v, results, shared) for k, v in tree.items()}
        return tree

    def source(self, node: torch.fx.Node, value: SSAValue) -> Input | Held | None:
        """What an output that is `node`'s tensor in eager returns: the caller's input
        or the model's tensor (a lifted parameter or buffer) when `node` is one, else
        None. A constant made in forward is a new tensor of each eager call: a result."""
        if node.op == "placeholder" and value in self.inputs_by_value:
            return Input(self.inputs_by_value[value])
        if node.op != "placeholder" or node.name in self.made_in_forward:
            return None
        tensor = self.lifted.get(node.name)
        if not isinstance(tensor, torch.Tensor):
            return None
        name = self.param_names.get(node.name, node.name)
        for i, held in enumerate(self.held):
            if held is tensor:
                return Held(i)
        self.held.append(tensor)
        self.held_names.append(name)
        return Held(len(self.held) - 1)

    def result(
        self,
        storage: torch.fx.Node,
        value: SSAValue,
        results: list[SSAValue],
        shared: dict[torch.fx.Node, Result],
    ) -> Result:
        """The kernel's result for `storage`'s tensor: one per eager tensor."""
        if (known := shared.get(storage)) is not None and results[known.index] is value:
            return known
        results.append(value)
        shared[storage] = Result(len(results) - 1)
        return shared[storage]

    def unsupported(self, node: torch.fx.Node, reason: str) -> UnsupportedNodeError:
        return UnsupportedNodeError(
            f"graphlet cannot compile node '{node.name}' ({node.op} {target_str(node)}) "
            f"at {source_line(node)}: {reason}"
        )

    def placeholder(self, node: torch.fx.Node, examples: Iterator[tuple[int, Any]]) -> Any:
        if node.name in self.lifted:
            lifted = self.lifted[node.name]
            if not isinstance(lifted, torch.Tensor):
                raise NotHere(f"a {type(lifted).__name__} made in forward is not a tensor")
            return self.param(self.param_names.get(node.name, node.name), lifted)
        index, example = next(examples)
        if isinstance(example, bool | int | float):
            return example
        if not isinstance(example, torch.Tensor):
            raise NotHere(f"input {example!r} is neither a tensor nor a number")
        t = tensor_type_of(example)
        self.input_types.append(t)
        self.input_indices.append(index)
        arg = self.block.insert_arg(t, len(self.input_types) - 1)
        self.inputs_by_value[arg] = index
        return arg

    def get_attr(self, node: torch.fx.Node) -> Any:
        obj: Any = self.gm
        for part in str(node.target).split("."):
            obj = getattr(obj, part)
        if isinstance(obj, torch.Tensor):
            return self.param(str(node.target), obj)
        return obj

    def call(self, node: torch.fx.Node) -> Any:
        self.node = node
        args = torch.fx.node.map_arg(node.args, lambda n: self.values[n])
        kwargs = torch.fx.node.map_arg(node.kwargs, lambda n: self.values[n])
        for v in torch.utils._pytree.tree_leaves((args, kwargs)):
            if isinstance(v, Opaque):
                raise NotHere(f"it reads a value graphlet cannot represent: {v.reason}")
        if node.op == "call_module":
            return self.call_module(node, args, kwargs)
        handler = handler_for(node)
        if not has_tensor((args, kwargs)) and not creates_tensors(handler):
            return self.python_value(node, args, kwargs)
        if handler is None:
            raise self.unsupported(node, "graphlet has no translation for this op")
        return handler(self, *args, **kwargs)

    def python_value(self, node: torch.fx.Node, args: Any, kwargs: Any) -> Any:
        """A node on Python values only (shape arithmetic, `torch.ones(3)`): run it now."""
        if node.op == "call_method":
            value = getattr(args[0], str(node.target))(*args[1:], **kwargs)
        else:
            value = node.target(*args, **kwargs)  # type: ignore[operator]
        if isinstance(value, torch.Tensor):
            return self.emit(
                g.ConstantOp.from_array(value.detach().cpu().numpy(), element_of(value.dtype))
            )
        return value

    def call_module(self, node: torch.fx.Node, args: Any, kwargs: Any) -> Any:
        mod = self.gm.get_submodule(str(node.target))
        handler = module_handler_for(mod)
        if handler is None:
            raise self.unsupported(
                node, f"graphlet has no translation for module {type(mod).__name__}"
            )
        return handler(self, mod, str(node.target), *args, **kwargs)

    def check_against_torch(self, node: torch.fx.Node) -> None:
        """Compare the inferred type with the one PyTorch recorded, when it is static."""
        value = self.values.get(node)
        meta = node.meta.get("val", node.meta.get("tensor_meta"))
        if not isinstance(value, SSAValue) or meta is None or not hasattr(meta, "shape"):
            return
        if not all(type(d) is int for d in meta.shape) or meta.dtype not in TORCH_ELEMENTS:
            return
        expected = TensorType(element_of(meta.dtype), tuple(meta.shape))
        if value.type != expected:
            raise self.unsupported(node, f"graphlet infers {value.type} but PyTorch has {expected}")
