"""The torch.fx frontend: PyTorch graphs to graphlet tensor ops.

    compiled = graphlet.compile_fx(model, (torch.randn(1, 4),))
    compiled(x)                       # runs and returns torch tensors (NumPy for NumPy in)
    print(compiled.side_by_side())    # fx nodes next to the graphlet ops each became

`compile_fx` takes an `nn.Module` (traced with `torch.fx.symbolic_trace`), a
`GraphModule` (for example from TorchDynamo) or a `torch.export` program (aten ops).
Every node becomes graphlet ops through one handler per op name; the same handler
serves `torch.add`, `operator.add`, `Tensor.add` and `aten.add.Tensor`. Shapes are
inferred by the ops' builders and checked against PyTorch's own when the node carries
them. An unsupported node raises `UnsupportedNodeError` naming the node, its target
and its source line. `graphlet_backend` is the `torch.compile` backend: a graph it
cannot compile runs eagerly, and the reason is logged.
"""

from __future__ import annotations

import logging
import math
import operator
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.fx
from xdsl.builder import Builder, InsertPoint
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from graphlet.dialects import graphlet as g

log = logging.getLogger("graphlet.fx")

FUNCTION = "forward"
"""The name of the imported function in the module."""

_TORCH_ELEMENTS: dict[torch.dtype, Attribute] = {
    torch.float32: g.f32,
    torch.float64: g.f64,
    torch.int64: g.i64,
    torch.bool: g.i1,
}
_DTYPES = {v: k for k, v in _TORCH_ELEMENTS.items()}


class UnsupportedNodeError(Exception):
    """A node graphlet cannot import; the message names the node and its source line."""


def element_of(dtype: torch.dtype) -> Attribute:
    if dtype not in _TORCH_ELEMENTS:
        raise TypeError(f"graphlet has no tensors of {dtype} (f32, f64, i64 and bool only)")
    return _TORCH_ELEMENTS[dtype]


def tensor_type_of(t: torch.Tensor) -> TensorType:
    return TensorType(element_of(t.dtype), tuple(t.shape))


def _hint(name: str) -> str:
    return re.sub(r"\W", "_", name)


def source_line(node: torch.fx.Node) -> str:
    """`file:line: code` of the innermost user frame that made the node, if recorded."""
    trace = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in \S+\n\s*(.*)', trace)
    frames = [f for f in frames if f"{os.sep}torch{os.sep}" not in f[0]]
    if not frames:
        return "unknown source line"
    path, line, code = frames[-1]
    return f"{path}:{line}: {code.strip()}"


def _target_str(node: torch.fx.Node) -> str:
    t = node.target
    if isinstance(t, str):
        return t
    try:
        return torch.fx.node._get_qualified_name(t)
    except (RuntimeError, AttributeError, TypeError):
        return getattr(t, "__qualname__", None) or str(t)


# --------------------------------------------------------------------------- names of targets

_ALIASES = {
    "truediv": "div",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "and_": "bitwise_and",
    "or_": "bitwise_or",
    "xor": "bitwise_xor",
    "concat": "cat",
    "concatenate": "cat",
    "absolute": "abs",
    "_unsafe_view": "view",
    "true_divide": "div",
    "max_pool": None,
}
_NAMES = [
    "add",
    "sub",
    "mul",
    "div",
    "truediv",
    "floordiv",
    "floor_divide",
    "mod",
    "remainder",
    "pow",
    "maximum",
    "minimum",
    "rsub",
    "and_",
    "or_",
    "xor",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "neg",
    "abs",
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tanh",
    "floor",
    "ceil",
    "relu",
    "sigmoid",
    "gelu",
    "matmul",
    "mm",
    "bmm",
    "linear",
    "addmm",
    "softmax",
    "log_softmax",
    "layer_norm",
    "dropout",
    "transpose",
    "t",
    "permute",
    "view",
    "reshape",
    "flatten",
    "unsqueeze",
    "squeeze",
    "expand",
    "contiguous",
    "clone",
    "detach",
    "sum",
    "mean",
    "amax",
    "amin",
    "max",
    "min",
    "cat",
    "concat",
    "stack",
    "where",
    "getitem",
    "size",
    "dim",
    "numel",
    "square",
]


def _function_names() -> dict[Any, str]:
    names: dict[Any, str] = {getattr: "getattr"}
    spaces = (operator, torch, torch.nn.functional, torch._C._nn, torch.Tensor)
    for name in _NAMES:
        for space in spaces:
            fn = getattr(space, name, None)
            if fn is not None and fn not in names:
                names[fn] = _ALIASES.get(name, name) or name
    return names


_FUNCTION_NAMES = _function_names()


def target_name(node: torch.fx.Node) -> str | None:
    """The handler name of a call node's target, or None when graphlet has none."""
    t = node.target
    if node.op == "call_method":
        return _ALIASES.get(t, t)
    if isinstance(t, torch._ops.OpOverload):
        name = t.overloadpacket.__name__
        return (
            _ALIASES.get(name, name).lstrip("_")
            if name in ("_softmax", "_log_softmax")
            else _ALIASES.get(name, name)
        )
    try:
        return _FUNCTION_NAMES.get(t)
    except TypeError:
        return None


# --------------------------------------------------------------------------- the importer


class _NotHere(Exception):
    """Raised by a handler that does not support these arguments."""


@dataclass
class ImportedGraph:
    """A graphlet module of one fx graph and what calling it needs."""

    module: ModuleOp
    input_types: list[TensorType]
    params: list[torch.Tensor]
    """Tensors passed after the inputs, in order (parameters kept as arguments)."""
    output_tree: Any
    """The output structure; SSA results replaced by their index, other leaves kept."""
    node_ops: dict[torch.fx.Node, list[Operation]] = field(default_factory=dict)
    graph_module: torch.fx.GraphModule | None = None


class FxImporter:
    """Builds `func.func @forward` from a GraphModule, one handler per op name."""

    def __init__(
        self,
        gm: torch.fx.GraphModule,
        example_inputs: Sequence[Any],
        *,
        inline_params: bool = False,
        lifted: dict[str, torch.Tensor] | None = None,
    ) -> None:
        self.gm = gm
        self.examples = list(example_inputs)
        self.inline_params = inline_params
        self.lifted = lifted or {}
        self.block = Block()
        self.builder = Builder(InsertPoint.at_end(self.block))
        self.values: dict[torch.fx.Node, Any] = {}
        self.input_types: list[TensorType] = []
        self.param_values: list[torch.Tensor] = []
        self.param_args: dict[str, SSAValue] = {}
        self.node_ops: dict[torch.fx.Node, list[Operation]] = {}

    # ---- building blocks

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
        value.name_hint = _hint(name)
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
            raise _NotHere("no tensor operand")
        dtype = _DTYPES[g.element_type(tensors[0].type)]
        for t in tensors[1:]:
            dtype = torch.promote_types(dtype, _DTYPES[g.element_type(t.type)])
        for o in operands:
            if isinstance(o, bool | int | float) and not isinstance(o, SSAValue):
                kind = float if isinstance(o, float) else int if not isinstance(o, bool) else bool
                if kind is float and not dtype.is_floating_point:
                    dtype = torch.get_default_dtype()
                elif kind is int and dtype == torch.bool:
                    dtype = torch.int64
            elif not isinstance(o, SSAValue):
                raise _NotHere(f"operand {o!r} is neither a tensor nor a number")
        elem = element_of(dtype)
        return [
            self.cast(o, elem) if isinstance(o, SSAValue) else self.constant(o, elem)
            for o in operands
        ]

    # ---- nodes

    def run(self) -> ImportedGraph:
        placeholders = iter(self.examples)
        output_tree: Any = None
        for node in self.gm.graph.nodes:
            before = len(self.block.ops)
            try:
                if node.op == "placeholder":
                    self.values[node] = self.placeholder(node, next(placeholders))
                elif node.op == "output":
                    output_tree = node.args[0]
                elif node.op == "get_attr":
                    self.values[node] = self.get_attr(node)
                else:
                    self.values[node] = self.call(node)
            except UnsupportedNodeError:
                raise
            except (
                VerifyException,
                _NotHere,
                TypeError,
                ValueError,
                KeyError,
                IndexError,
                StopIteration,
            ) as e:
                raise self.unsupported(node, str(e) or type(e).__name__) from None
            self.node_ops[node] = list(self.block.ops)[before:]
            value = self.values.get(node)
            if isinstance(value, SSAValue) and value.name_hint is None:
                value.name_hint = _hint(node.name)
            self.check_against_torch(node)
        results: list[SSAValue] = []
        tree = torch.fx.node.map_arg(output_tree, lambda n: self.values[n])
        tree = self.output_tree(tree, results)
        self.builder.insert(func.ReturnOp(*results))
        ftype = FunctionType.from_lists(
            [a.type for a in self.block.args], [r.type for r in results]
        )
        fn = func.FuncOp.from_region(
            FUNCTION, ftype.inputs.data, ftype.outputs.data, Region(self.block)
        )
        module = ModuleOp([fn])
        try:
            module.verify()
        except VerifyException as e:
            raise UnsupportedNodeError(f"graphlet built an invalid module: {e}") from None
        return ImportedGraph(
            module, self.input_types, self.param_values, tree, self.node_ops, self.gm
        )

    def output_tree(self, tree: Any, results: list[SSAValue]) -> Any:
        if isinstance(tree, SSAValue):
            results.append(tree)
            return _Result(len(results) - 1)
        if isinstance(tree, tuple | list):
            return type(tree)(self.output_tree(t, results) for t in tree)
        if isinstance(tree, dict):
            return {k: self.output_tree(v, results) for k, v in tree.items()}
        return tree

    def unsupported(self, node: torch.fx.Node, reason: str) -> UnsupportedNodeError:
        return UnsupportedNodeError(
            f"graphlet cannot compile node '{node.name}' ({node.op} {_target_str(node)}) "
            f"at {source_line(node)}: {reason}"
        )

    def placeholder(self, node: torch.fx.Node, example: Any) -> Any:
        if node.name in self.lifted:
            return self.param(node.name, self.lifted[node.name])
        if not isinstance(example, torch.Tensor):
            raise _NotHere(f"input {example!r} is not a tensor (dynamic shapes are not supported)")
        t = tensor_type_of(example)
        self.input_types.append(t)
        return self.block.insert_arg(t, len(self.input_types) - 1)

    def get_attr(self, node: torch.fx.Node) -> Any:
        obj: Any = self.gm
        for part in str(node.target).split("."):
            obj = getattr(obj, part)
        if isinstance(obj, torch.Tensor):
            return self.param(str(node.target), obj)
        return obj

    def call(self, node: torch.fx.Node) -> Any:
        args = torch.fx.node.map_arg(node.args, lambda n: self.values[n])
        kwargs = torch.fx.node.map_arg(node.kwargs, lambda n: self.values[n])
        if node.op == "call_module":
            return self.call_module(node, args, kwargs)
        if not _has_tensor((args, kwargs)):
            return self.python_value(node, args, kwargs)
        name = target_name(node)
        handler = _HANDLERS.get(name) if name else None
        if handler is None:
            raise self.unsupported(node, "graphlet has no translation for this op")
        return handler(self, *args, **kwargs)

    def python_value(self, node: torch.fx.Node, args: Any, kwargs: Any) -> Any:
        """A node on Python values only (shape arithmetic, `torch.ones(3)`): run it now."""
        if node.op == "call_method":
            value = getattr(args[0], node.target)(*args[1:], **kwargs)
        else:
            value = node.target(*args, **kwargs)
        if isinstance(value, torch.Tensor):
            return self.emit(
                g.ConstantOp.from_array(value.detach().cpu().numpy(), element_of(value.dtype))
            )
        return value

    def call_module(self, node: torch.fx.Node, args: Any, kwargs: Any) -> Any:
        mod = self.gm.get_submodule(str(node.target))
        prefix = str(node.target)
        nn = torch.nn
        if isinstance(mod, nn.Linear):
            weight = self.param(f"{prefix}.weight", mod.weight)
            bias = self.param(f"{prefix}.bias", mod.bias) if mod.bias is not None else None
            return _linear(self, args[0], weight, bias)
        if isinstance(mod, nn.LayerNorm):
            w = self.param(f"{prefix}.weight", mod.weight) if mod.weight is not None else None
            b = self.param(f"{prefix}.bias", mod.bias) if mod.bias is not None else None
            return _layer_norm(self, args[0], mod.normalized_shape, w, b, mod.eps)
        if isinstance(mod, nn.Dropout):
            return _dropout(self, args[0], mod.p, mod.training)
        simple: dict[type, Callable[..., Any]] = {
            nn.ReLU: lambda x: _unary(g.ReluOp, self, x),
            nn.Sigmoid: lambda x: _sigmoid(self, x),
            nn.Tanh: lambda x: _unary(g.TanhOp, self, x),
            nn.Identity: lambda x: x,
            nn.GELU: lambda x: _gelu(self, x, getattr(mod, "approximate", "none")),
            nn.Softmax: lambda x: _softmax(self, x, mod.dim),
            nn.LogSoftmax: lambda x: _log_softmax(self, x, mod.dim),
            nn.Flatten: lambda x: _flatten(self, x, mod.start_dim, mod.end_dim),
        }
        for cls, fn in simple.items():
            if type(mod) is cls:
                return fn(*args, **kwargs)
        raise self.unsupported(node, f"graphlet has no translation for module {type(mod).__name__}")

    def check_against_torch(self, node: torch.fx.Node) -> None:
        """Compare the inferred type with the one PyTorch recorded, when it did."""
        value = self.values.get(node)
        meta = node.meta.get("val", node.meta.get("tensor_meta"))
        if not isinstance(value, SSAValue) or meta is None or not hasattr(meta, "shape"):
            return
        try:
            expected = TensorType(element_of(meta.dtype), tuple(int(d) for d in meta.shape))
        except (TypeError, ValueError):
            return
        if value.type != expected:
            raise self.unsupported(node, f"graphlet infers {value.type} but PyTorch has {expected}")


@dataclass(frozen=True)
class _Result:
    index: int


def _has_tensor(tree: Any) -> bool:
    if isinstance(tree, SSAValue):
        return True
    if isinstance(tree, tuple | list):
        return any(_has_tensor(t) for t in tree)
    if isinstance(tree, dict):
        return any(_has_tensor(t) for t in tree.values())
    return False


# --------------------------------------------------------------------------- handlers


def _rank(v: SSAValue) -> int:
    return len(g.shape_of(v.type))


def _dim(d: int, rank: int) -> int:
    if not -max(rank, 1) <= d < max(rank, 1):
        raise _NotHere(f"dimension {d} is out of range for rank {rank}")
    return d % max(rank, 1)


def _dims(dims: Any, rank: int) -> tuple[int, ...]:
    if dims is None or dims == [] or dims == ():
        return tuple(range(rank))
    if isinstance(dims, int):
        dims = (dims,)
    return tuple(sorted(_dim(d, rank) for d in dims))


def _tensor(x: Any) -> SSAValue:
    if not isinstance(x, SSAValue):
        raise _NotHere(f"expected a tensor, got {x!r}")
    return x


def _binary(op: type[g.BinaryOp], imp: FxImporter, a: Any, b: Any) -> SSAValue:
    a, b = imp.promote(a, b)
    return imp.emit(op(a, b))


def _float_binary(op: type[g.BinaryOp], imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """An op whose result is a float even on int tensors (true division)."""
    return _binary(op, imp, a, b)


def _no_alpha(alpha: Any) -> None:
    if alpha != 1:
        raise _NotHere(f"alpha={alpha} is not supported")


def _add(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    _no_alpha(alpha)
    return _binary(g.AddOp, imp, a, b)


def _sub(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    _no_alpha(alpha)
    return _binary(g.SubOp, imp, a, b)


def _rsub(imp: FxImporter, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
    return _sub(imp, b, a, alpha)


def _div(imp: FxImporter, a: Any, b: Any, rounding_mode: str | None = None) -> SSAValue:
    if rounding_mode == "floor":
        return _binary(g.FloorDivOp, imp, a, b)
    if rounding_mode is not None:
        raise _NotHere(f"rounding_mode={rounding_mode!r} is not supported")
    return _float_binary(g.TrueDivOp, imp, a, b)


def _cmp(predicate: str) -> Callable[..., SSAValue]:
    def compare(imp: FxImporter, a: Any, b: Any) -> SSAValue:
        a, b = imp.promote(a, b)
        return imp.emit(g.CmpOp(predicate, a, b))

    return compare


def _unary(op: type[g.UnaryOp], imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(op(_tensor(x)))


def _float_unary(op: type[g.UnaryOp], imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(op(_tensor(x)))


def _relu(imp: FxImporter, x: Any, inplace: bool = False) -> SSAValue:
    return _unary(g.ReluOp, imp, x)


def _as_float(imp: FxImporter, x: Any) -> SSAValue:
    x = _tensor(x)
    return x if g.element_type(x.type) in g.FLOAT_ELEMENT_TYPES else imp.cast(x, g.f32)


def _sigmoid(imp: FxImporter, x: Any) -> SSAValue:
    return imp.emit(g.SigmoidOp(_as_float(imp, x)))


def _gelu(imp: FxImporter, x: Any, approximate: str = "none") -> SSAValue:
    return imp.emit(g.GeluOp(_tensor(x), approximate))


def _rsqrt(imp: FxImporter, x: Any) -> SSAValue:
    root = _float_unary(g.SqrtOp, imp, x)
    return _binary(g.TrueDivOp, imp, 1.0, root)


def _square(imp: FxImporter, x: Any) -> SSAValue:
    return _binary(g.MulOp, imp, x, x)


def _matmul(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    a, b = imp.promote(_tensor(a), _tensor(b))
    return imp.emit(g.MatmulOp(a, b))


def _linear(imp: FxImporter, x: Any, w: Any, b: Any = None) -> SSAValue:
    return imp.emit(g.LinearOp(_tensor(x), _tensor(w), b))


def _addmm(imp: FxImporter, bias: Any, a: Any, b: Any, beta: Any = 1, alpha: Any = 1) -> SSAValue:
    _no_alpha(alpha)
    _no_alpha(beta)
    return _add(imp, _matmul(imp, a, b), bias)


def _softmax(
    imp: FxImporter, x: Any, dim: Any = None, *rest: Any, dtype: Any = None, **kw: Any
) -> SSAValue:
    if dim is None or dtype is not None or (rest and rest[-1] not in (None, False, 3)):
        raise _NotHere("softmax needs an explicit dim and no dtype")
    x = _tensor(x)
    return imp.emit(g.SoftmaxOp(x, _dim(dim, _rank(x))))


def _log_softmax(
    imp: FxImporter, x: Any, dim: Any = None, *rest: Any, dtype: Any = None, **kw: Any
) -> SSAValue:
    if dim is None or dtype is not None or (rest and rest[-1] not in (None, False, 3)):
        raise _NotHere("log_softmax needs an explicit dim and no dtype")
    x = _tensor(x)
    return imp.emit(g.LogSoftmaxOp(x, _dim(dim, _rank(x))))


def _layer_norm(
    imp: FxImporter,
    x: Any,
    normalized_shape: Any,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
    *rest: Any,
) -> SSAValue:
    x = _tensor(x)
    shape = tuple(normalized_shape)
    elem = g.element_type(x.type)
    w = weight if weight is not None else imp.constant(np.ones(shape), elem)
    b = bias if bias is not None else imp.constant(np.zeros(shape), elem)
    return imp.emit(g.LayerNormOp(x, w, b, len(shape), float(eps)))


def _dropout(
    imp: FxImporter, x: Any, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Any:
    if training and p > 0:
        raise _NotHere(
            "dropout in training mode (graphlet compiles for inference: call model.eval())"
        )
    return x


def _transpose(imp: FxImporter, x: Any, d0: int, d1: int) -> SSAValue:
    x = _tensor(x)
    rank = _rank(x)
    perm = list(range(rank))
    i, j = _dim(d0, rank), _dim(d1, rank)
    perm[i], perm[j] = perm[j], perm[i]
    return imp.emit(g.TransposeOp(x, perm))


def _t(imp: FxImporter, x: Any) -> SSAValue:
    x = _tensor(x)
    return x if _rank(x) < 2 else _transpose(imp, x, 0, 1)


def _permute(imp: FxImporter, x: Any, *dims: Any) -> SSAValue:
    x = _tensor(x)
    if len(dims) == 1 and isinstance(dims[0], tuple | list):
        dims = tuple(dims[0])
    return imp.emit(g.TransposeOp(x, [_dim(d, _rank(x)) for d in dims]))


def _sizes(args: Sequence[Any]) -> list[int]:
    if len(args) == 1 and isinstance(args[0], tuple | list | torch.Size):
        args = tuple(args[0])
    return [int(a) for a in args]


def _view(imp: FxImporter, x: Any, *shape: Any) -> SSAValue:
    x = _tensor(x)
    sizes = _sizes(shape)
    total = math.prod(g.shape_of(x.type))
    if sizes.count(-1) == 1:
        known = math.prod(s for s in sizes if s != -1)
        sizes[sizes.index(-1)] = total // known if known else 0
    if tuple(sizes) == g.shape_of(x.type):
        return x
    return imp.emit(g.ReshapeOp(x, sizes))


def _flatten(imp: FxImporter, x: Any, start_dim: int = 0, end_dim: int = -1) -> SSAValue:
    x = _tensor(x)
    shape = g.shape_of(x.type)
    if not shape:
        return _view(imp, x, 1)
    s, e = _dim(start_dim, len(shape)), _dim(end_dim, len(shape))
    return _view(imp, x, *shape[:s], math.prod(shape[s : e + 1]), *shape[e + 1 :])


def _unsqueeze(imp: FxImporter, x: Any, dim: int) -> SSAValue:
    x = _tensor(x)
    shape = list(g.shape_of(x.type))
    shape.insert(_dim(dim, len(shape) + 1), 1)
    return _view(imp, x, *shape)


def _squeeze(imp: FxImporter, x: Any, dim: Any = None) -> SSAValue:
    x = _tensor(x)
    shape = g.shape_of(x.type)
    dims = _dims(dim, len(shape)) if dim is not None else tuple(range(len(shape)))
    return _view(imp, x, *(d for i, d in enumerate(shape) if not (i in dims and d == 1)))


def _expand(imp: FxImporter, x: Any, *sizes: Any, implicit: bool = False) -> SSAValue:
    x = _tensor(x)
    target = _sizes(sizes)
    src = g.shape_of(x.type)
    offset = len(target) - len(src)
    target = [src[i - offset] if s == -1 else s for i, s in enumerate(target)]
    if tuple(target) == src:
        return x
    return imp.emit(g.ExpandOp(x, target))


def _identity(imp: FxImporter, x: Any, *args: Any, **kwargs: Any) -> Any:
    if kwargs.get("memory_format") not in (None, torch.contiguous_format, torch.preserve_format):
        raise _NotHere(f"memory_format={kwargs['memory_format']} is not supported")
    return x


def _reduce(op: type[g.ReduceOp]) -> Callable[..., SSAValue]:
    def reduce(
        imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
    ) -> SSAValue:
        if dtype is not None:
            raise _NotHere("dtype= in a reduction is not supported")
        x = _tensor(x)
        return imp.emit(op(x, _dims(dim, _rank(x)), bool(keepdim)))

    return reduce


def _max_or_min(reduce_op: type[g.ReduceOp], binary_op: type[g.BinaryOp]) -> Callable[..., Any]:
    def max_or_min(imp: FxImporter, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, SSAValue):
            return _binary(binary_op, imp, x, dim)
        x = _tensor(x)
        if dim is None:
            return imp.emit(reduce_op(x, _dims(None, _rank(x)), False))
        values = imp.emit(reduce_op(x, _dims(dim, _rank(x)), bool(keepdim)))
        return (values, _Unsupported("the indices of max/min (argmax) are not supported"))

    return max_or_min


@dataclass(frozen=True)
class _Unsupported:
    reason: str


def _cat(imp: FxImporter, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
    xs = imp.promote(*tensors)
    return imp.emit(g.CatOp(xs, _dim(dim, _rank(xs[0]))))


def _stack(imp: FxImporter, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
    rank = _rank(_tensor(tensors[0]))
    d = _dim(dim, rank + 1)
    return _cat(imp, [_unsqueeze(imp, t, d) for t in tensors], d)


def _where(imp: FxImporter, cond: Any, a: Any, b: Any) -> SSAValue:
    cond = imp.cast(_tensor(cond), g.i1)
    a, b = imp.promote(a, b)
    return imp.emit(g.SelectOp(cond, a, b))


def _pow(imp: FxImporter, a: Any, b: Any) -> SSAValue:
    """`graphlet.pow` is torch.pow on two tensors; `int_tensor ** -n` with a Python
    int raises in torch, so it is refused here (torch.compile then runs it eagerly)."""
    if (
        isinstance(a, SSAValue)
        and type(b) is int
        and b < 0
        and g.element_type(a.type) in (g.i64, g.i1)
    ):
        raise _NotHere("Integers to negative integer powers are not allowed.")
    return _binary(g.PowOp, imp, a, b)


def _getitem(imp: FxImporter, x: Any, index: Any) -> Any:
    if isinstance(x, tuple | list | torch.Size):
        item = x[index]
        if isinstance(item, _Unsupported):
            raise _NotHere(item.reason)
        return item
    return _index(imp, _tensor(x), index)


def _index(imp: FxImporter, x: SSAValue, index: Any) -> SSAValue:
    """Basic indexing: ints, slices with static bounds, None and one Ellipsis."""
    items = list(index) if isinstance(index, tuple) else [index]
    shape = g.shape_of(x.type)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = len(shape) - (len(items) - 1 - items.count(None))
        items[at : at + 1] = [slice(None)] * fill
    starts, ends, steps, out_shape = [], [], [], []
    d = 0
    for item in items:
        if item is None:
            out_shape.append(1)
            continue
        if d >= len(shape):
            raise _NotHere(f"too many indices for a tensor of rank {len(shape)}")
        n = shape[d]
        if isinstance(item, int) and not isinstance(item, bool):
            i = _dim(item, n) if n else 0
            starts.append(i), ends.append(i + 1), steps.append(1)
        elif isinstance(item, slice):
            s, e, k = item.indices(n)
            if k < 1:
                raise _NotHere("negative slice steps are not supported")
            e = max(e, s)
            starts.append(s), ends.append(e), steps.append(k)
            out_shape.append(len(range(s, e, k)))
        else:
            raise _NotHere(f"index {item!r} is not supported (basic indexing only)")
        d += 1
    for n in shape[d:]:
        starts.append(0), ends.append(n), steps.append(1)
        out_shape.append(n)
    if (starts, ends, steps) != ([0] * len(shape), list(shape), [1] * len(shape)):
        x = imp.emit(g.SliceOp(x, starts, ends, steps))
    return _view(imp, x, *out_shape)


def _slice(
    imp: FxImporter, x: Any, dim: int = 0, start: Any = None, end: Any = None, step: int = 1
) -> SSAValue:
    """aten.slice.Tensor: `x[..., start:end:step]` along one dimension."""
    x = _tensor(x)
    d = _dim(dim, _rank(x))
    return _index(imp, x, (*[slice(None)] * d, slice(start, end, step)))


def _select(imp: FxImporter, x: Any, dim: int, index: int) -> SSAValue:
    """aten.select.int: `x[..., index]` along one dimension, which is dropped."""
    x = _tensor(x)
    d = _dim(dim, _rank(x))
    return _index(imp, x, (*[slice(None)] * d, index))


def _getattr(imp: FxImporter, x: Any, name: str) -> Any:
    if isinstance(x, SSAValue):
        if name == "shape":
            return torch.Size(g.shape_of(x.type))
        if name == "dtype":
            return _DTYPES[g.element_type(x.type)]
        if name == "ndim":
            return _rank(x)
        if name == "T":
            return _permute(imp, x, *reversed(range(_rank(x))))
    raise _NotHere(f"attribute {name!r} is not supported")


def _size(imp: FxImporter, x: Any, dim: Any = None) -> Any:
    shape = torch.Size(g.shape_of(_tensor(x).type))
    return shape if dim is None else shape[dim]


def _to(imp: FxImporter, x: Any, *args: Any, **kwargs: Any) -> SSAValue:
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, torch.dtype):
            dtype = a
        elif not (
            a is None or (isinstance(a, str | torch.device) and torch.device(a).type == "cpu")
        ):
            raise _NotHere(f".to({a!r}) is not supported")
    return imp.cast(_tensor(x), element_of(dtype)) if dtype is not None else _tensor(x)


def _caster(dtype: torch.dtype) -> Callable[..., SSAValue]:
    return lambda imp, x: imp.cast(_tensor(x), element_of(dtype))


_HANDLERS: dict[str, Callable[..., Any]] = {
    "add": _add,
    "sub": _sub,
    "rsub": _rsub,
    "mul": lambda imp, a, b: _binary(g.MulOp, imp, a, b),
    "div": _div,
    "floor_divide": lambda imp, a, b: _binary(g.FloorDivOp, imp, a, b),
    "remainder": lambda imp, a, b: _binary(g.ModOp, imp, a, b),
    "pow": _pow,
    "maximum": lambda imp, a, b: _binary(g.MaxOp, imp, a, b),
    "minimum": lambda imp, a, b: _binary(g.MinOp, imp, a, b),
    "bitwise_and": lambda imp, a, b: _binary(g.AndOp, imp, a, b),
    "bitwise_or": lambda imp, a, b: _binary(g.OrOp, imp, a, b),
    "bitwise_xor": lambda imp, a, b: _binary(g.XorOp, imp, a, b),
    **{p: _cmp(p) for p in g.CMP_PREDICATES},
    "neg": lambda imp, x: _unary(g.NegOp, imp, x),
    "abs": lambda imp, x: _unary(g.AbsOp, imp, x),
    "exp": lambda imp, x: _float_unary(g.ExpOp, imp, x),
    "log": lambda imp, x: _float_unary(g.LogOp, imp, x),
    "sqrt": lambda imp, x: _float_unary(g.SqrtOp, imp, x),
    "sin": lambda imp, x: _float_unary(g.SinOp, imp, x),
    "cos": lambda imp, x: _float_unary(g.CosOp, imp, x),
    "tanh": lambda imp, x: _float_unary(g.TanhOp, imp, x),
    "floor": lambda imp, x: _unary(g.FloorOp, imp, x),
    "ceil": lambda imp, x: _unary(g.CeilOp, imp, x),
    "rsqrt": _rsqrt,
    "square": _square,
    "relu": _relu,
    "sigmoid": _sigmoid,
    "gelu": _gelu,
    "matmul": _matmul,
    "mm": _matmul,
    "bmm": _matmul,
    "linear": _linear,
    "addmm": _addmm,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "layer_norm": _layer_norm,
    "dropout": _dropout,
    "transpose": _transpose,
    "t": _t,
    "permute": _permute,
    "view": _view,
    "reshape": _view,
    "flatten": _flatten,
    "unsqueeze": _unsqueeze,
    "squeeze": _squeeze,
    "expand": _expand,
    "contiguous": _identity,
    "clone": _identity,
    "detach": _identity,
    "sum": _reduce(g.SumOp),
    "mean": _reduce(g.MeanOp),
    "amax": _reduce(g.AmaxOp),
    "amin": _reduce(g.AminOp),
    "max": _max_or_min(g.AmaxOp, g.MaxOp),
    "min": _max_or_min(g.AminOp, g.MinOp),
    "cat": _cat,
    "stack": _stack,
    "where": _where,
    "getitem": _getitem,
    "slice": _slice,
    "select": _select,
    "getattr": _getattr,
    "size": _size,
    "dim": lambda imp, x: _rank(_tensor(x)),
    "numel": lambda imp, x: math.prod(g.shape_of(_tensor(x).type)),
    "to": _to,
    "float": _caster(torch.float32),
    "double": _caster(torch.float64),
    "long": _caster(torch.int64),
    "bool": _caster(torch.bool),
    "type_as": lambda imp, x, other: imp.cast(_tensor(x), g.element_type(_tensor(other).type)),
}
"""One handler per op name: torch.*, F.*, operator.*, Tensor methods and aten share it."""

SUPPORTED_OPS = sorted(_HANDLERS)


# --------------------------------------------------------------------------- tracing


def trace(model: Any) -> torch.fx.GraphModule:
    """`symbolic_trace`, recording each node's source line for error messages."""
    if isinstance(model, torch.fx.GraphModule):
        return model
    tracer = torch.fx.Tracer()
    tracer.record_stack_traces = True
    graph = tracer.trace(model)
    name = type(model).__name__ if isinstance(model, torch.nn.Module) else model.__name__
    return torch.fx.GraphModule(tracer.root, graph, name)


def import_fx(
    model: Any, example_inputs: Sequence[Any], *, inline_params: bool = False
) -> ImportedGraph:
    """The graphlet module of a model, GraphModule or `torch.export` program."""
    if isinstance(model, torch.export.ExportedProgram):
        sig = model.graph_signature
        lifted = {
            **{p: model.state_dict[n] for p, n in sig.inputs_to_parameters.items()},
            **{
                p: model.state_dict[n] if n in model.state_dict else model.constants[n]
                for p, n in sig.inputs_to_buffers.items()
            },
            **{p: model.constants[n] for p, n in sig.inputs_to_lifted_tensor_constants.items()},
        }
        gm = model.graph_module
        order = iter(example_inputs)
        examples = [
            None if n.name in lifted else next(order)
            for n in gm.graph.nodes
            if n.op == "placeholder"
        ]
        imported = FxImporter(gm, examples, inline_params=inline_params, lifted=lifted).run()
        imported.output_tree = torch.utils._pytree.tree_unflatten(
            list(imported.output_tree), model.call_spec.out_spec
        )
        return imported
    if isinstance(model, torch.nn.Module) and model.training and _has_dropout(model):
        raise UnsupportedNodeError("graphlet compiles for inference: call model.eval() first")
    gm = trace(model)
    return FxImporter(gm, example_inputs, inline_params=inline_params).run()


def _has_dropout(model: torch.nn.Module) -> bool:
    return any(isinstance(m, torch.nn.Dropout) for m in model.modules())


# --------------------------------------------------------------------------- running


def signature_of(inputs: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(
        (tuple(t.shape), t.dtype) if isinstance(t, torch.Tensor | np.ndarray) else type(t)
        for t in inputs
    )


class CompiledFx:
    """A compiled graph: call it with tensors or arrays of the compiled shapes and
    dtypes; other shapes recompile (from the model) or raise a clear error."""

    def __init__(
        self,
        model: Any,
        example_inputs: Sequence[Any],
        *,
        inline_params: bool = False,
        mode: str = "auto",
    ) -> None:
        self.model = model
        self.inline_params = inline_params
        self.mode = mode
        self._cache: dict[tuple[Any, ...], _Entry] = {}
        self._first = self._entry(list(example_inputs))

    @property
    def imported(self) -> ImportedGraph:
        return self._first.imported

    @property
    def module(self) -> ModuleOp:
        return self._first.imported.module

    @property
    def native(self) -> bool:
        """Whether the first signature runs as native code (else the reference path)."""
        return self._first.kernel is not None

    def _entry(self, inputs: list[Any]) -> _Entry:
        key = signature_of(inputs)
        if key not in self._cache:
            examples = [torch.as_tensor(x) if isinstance(x, np.ndarray) else x for x in inputs]
            imported = import_fx(self.model, examples, inline_params=self.inline_params)
            self._cache[key] = _Entry(imported, self.mode)
        return self._cache[key]

    def __call__(self, *inputs: Any) -> Any:
        entry = self._entry(list(inputs))
        want_torch = any(isinstance(x, torch.Tensor) for x in inputs) or not inputs
        if len(inputs) != len(entry.imported.input_types):
            raise TypeError(f"expected {len(entry.imported.input_types)} inputs, got {len(inputs)}")
        if entry.kernel is not None:
            results = entry.run_native(
                [_contiguous(x, i) for i, x in enumerate(inputs)], want_torch
            )
        else:
            arrays = [
                _as_array(x, t, i)
                for i, (x, t) in enumerate(zip(inputs, entry.imported.input_types))
            ]
            results = entry.run(arrays)
        return _rebuild(entry.imported.output_tree, results, want_torch)

    def side_by_side(self) -> str:
        return side_by_side(self.imported)


def _as_array(x: Any, t: TensorType, i: int) -> np.ndarray:
    """A NumPy view of an input (no copy), after checking its shape and dtype."""
    if isinstance(x, torch.Tensor):
        if x.device.type != "cpu":
            raise TypeError(f"input {i} is on {x.device}; graphlet runs on the CPU")
        x = x.detach().numpy()
    elif not isinstance(x, np.ndarray):
        raise TypeError(f"input {i} must be a tensor or an array, got {type(x).__name__}")
    if x.shape != g.shape_of(t) or x.dtype != g.np_dtype(t):
        raise TypeError(
            f"input {i} has shape {tuple(x.shape)} and dtype {x.dtype}; compiled for {t}"
        )
    return x


def _contiguous(x: Any, i: int) -> Any:
    """The input itself, or a contiguous copy of a strided torch tensor or array
    (the native kernel reads row-major memory; its runtime checks shapes and dtypes)."""
    if isinstance(x, torch.Tensor):
        if x.device.type != "cpu":
            raise TypeError(f"input {i} is on {x.device}; graphlet runs on the CPU")
        return x.detach() if x.is_contiguous() else x.detach().contiguous()
    if isinstance(x, np.ndarray):
        return x if x.flags.c_contiguous else np.ascontiguousarray(x)
    raise TypeError(f"input {i} must be a tensor or an array, got {type(x).__name__}")


def _rebuild(tree: Any, results: Sequence[np.ndarray], want_torch: bool) -> Any:
    if isinstance(tree, _Result):
        r = results[tree.index]
        if isinstance(r, torch.Tensor):
            return r if want_torch else r.numpy()
        if not want_torch:
            return r
        if not r.flags.writeable or not r.flags.c_contiguous:
            r = np.array(r)
        return torch.from_numpy(r)
    if isinstance(tree, tuple | list):
        return type(tree)(_rebuild(t, results, want_torch) for t in tree)
    if isinstance(tree, dict):
        return {k: _rebuild(v, results, want_torch) for k, v in tree.items()}
    return tree


class _Entry:
    """One compiled signature: native code when every op lowers (mode "auto" or
    "native"), else the reference interpreter (tensor ops on NumPy). In "auto"
    the reason for falling back is logged; in "native" it is raised."""

    def __init__(self, imported: ImportedGraph, mode: str) -> None:
        if mode not in ("auto", "native", "reference"):
            raise ValueError(f'mode must be "auto", "native" or "reference", got {mode!r}')
        self.imported = imported
        self.params = [p.detach().numpy() for p in imported.params]
        self.torch_params = [p.detach() for p in imported.params]
        self.kernel: Callable[..., Sequence[Any]] | None = None
        self.interpreter: Any = None
        if mode != "reference":
            self.kernel = self._native(mode)
        if self.kernel is None:
            from graphlet.runtime.interpreter import make_interpreter

            self.interpreter = make_interpreter(imported.module)

    def _native(self, mode: str) -> Callable[..., Sequence[Any]] | None:
        from graphlet.runtime.tensors import compile_tensor_function

        try:
            return compile_tensor_function(self.imported.module, FUNCTION)
        except Exception as e:  # any lowering failure means: this graph is not native yet
            if mode == "native":
                raise NotImplementedError(
                    f"graphlet cannot compile this graph natively: {e}"
                ) from e
            log.info("graphlet: running the reference interpreter: %s", e)
            return None

    def run_native(self, inputs: list[Any], want_torch: bool) -> Sequence[Any]:
        assert self.kernel is not None
        return self.kernel(*inputs, *(self.torch_params if want_torch else self.params))

    def run(self, arrays: list[np.ndarray]) -> Sequence[np.ndarray]:
        args = [*arrays, *self.params]
        if self.kernel is not None:
            return self.kernel(*args)
        return self.interpreter.call_op(FUNCTION, tuple(args))


def compile_fx(
    model: Any, example_inputs: Sequence[Any], *, inline_params: bool = False, mode: str = "auto"
) -> CompiledFx:
    """Compile an nn.Module, GraphModule or ExportedProgram for these input shapes.

    Parameters stay PyTorch's memory and are passed as arguments (no copy), or with
    `inline_params=True` become dense constants that folding can use. `mode` is
    "auto" (native when possible), "native" or "reference"."""
    return CompiledFx(model, example_inputs, inline_params=inline_params, mode=mode)


def graphlet_backend(
    gm: torch.fx.GraphModule, example_inputs: Sequence[Any], **kwargs: Any
) -> Callable[..., Any]:
    """The `torch.compile(backend="graphlet")` backend, for inference: a graph
    graphlet cannot compile runs eagerly and the reason is logged."""
    try:
        compiled = compile_fx(gm, list(example_inputs))
    except (UnsupportedNodeError, TypeError) as e:
        log.warning("graphlet: running this graph eagerly: %s", e)
        return gm.forward

    def run(*args: Any) -> Any:
        return compiled(*args)

    run.compiled = compiled  # type: ignore[attr-defined]
    return run


# --------------------------------------------------------------------------- side by side


def _op_line(op: Operation) -> str:
    from io import StringIO

    out = StringIO()
    Printer(stream=out).print_op(op)
    return " ".join(out.getvalue().split())


def side_by_side(imported: ImportedGraph, width: int = 60) -> str:
    """Each fx node (`print_tabular`'s columns) next to the graphlet ops it became."""
    rows = [("opcode", "name", "target", "args", "graphlet IR")]
    for node, ops in imported.node_ops.items():
        args = str(node.args) + (f" {node.kwargs}" if node.kwargs else "")
        left = (node.op, node.name, _target_str(node)[:28], args[:40])
        lines = [_op_line(op) for op in ops] or ["(no op: " + _describe(node, imported) + ")"]
        rows.append((*left, lines[0]))
        rows.extend(("", "", "", "", line) for line in lines[1:])
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    text = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:4], widths)]
        text.append("  ".join(cells) + " | " + r[4])
    text.insert(1, "-" * (sum(widths) + 8) + "-+-" + "-" * width)
    return "\n".join(text)


def _describe(node: torch.fx.Node, imported: ImportedGraph) -> str:
    if node.op == "placeholder":
        return "function argument"
    if node.op == "output":
        return "func.return"
    return "Python value or alias"
