"""`graphlet-bufferize`: tensor functions -> memref functions, destination-passing style.

xDSL has no one-shot bufferization, and graphlet's tensor code is simple enough
not to need one: a function body is a straight line of `tensor.empty`,
`linalg.generic` on tensors (from `convert-graphlet-to-linalg`), dense
`graphlet.constant`s and `graphlet.reshape` views. So:

* tensor arguments become memref arguments; each tensor result becomes an
  out-param after them (`(ins..., outs...) -> (other results)`), allocated by the
  caller; a result of another type (a scalar, a memref) stays a result;
* `tensor.empty` becomes `memref.alloc` (64-byte aligned), a dense constant a
  `memref.global`, a reshape a `memref.reinterpret_cast` view (shapes are static
  and buffers row-major, so a view is the same pointer);
* a generic writes in place into its `outs` buffer when the buffer is ours (an
  alloc) and no tensor sharing it is read later; otherwise into a copy. A fused
  elementwise chain therefore writes straight into its output;
* a `tensor.extract` in a generic's body (a gather reading its source at computed
  coordinates) becomes a `memref.load` of the source's buffer, and counts as a read
  of it by that generic;
* a returned alloc *is* the out-param (the alloc disappears), and so is the alloc
  under a returned view (seen through a view of the out-param); other returned
  buffers (arguments, constants, views of them, a value returned twice) are copied;
  every remaining alloc is freed before the return.

Anything else with tensor operands or results makes the pass fail with the
op's name, so callers can fall back to the reference interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from xdsl.context import Context
from xdsl.dialects import func, memref, tensor
from xdsl.dialects.builtin import (
    AffineMapAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import PassFailedException

from graphlet.dialects import graphlet as g
from graphlet.dialects import memref_ext
from graphlet.locations import lowering_error

_Op = TypeVar("_Op", bound=Operation)

ALIGNMENT = 64


def memref_of(t: Attribute) -> MemRefType:
    """The row-major memref type of a tensor type."""
    assert isinstance(t, TensorType), f"graphlet-bufferize: {t} is no tensor type"
    return MemRefType(t.get_element_type(), t.get_shape())


def _memref_type(value: SSAValue) -> MemRefType:
    t = value.type
    assert isinstance(t, MemRefType), f"graphlet-bufferize: a buffer of type {t}"
    return t


def row_major_strides(shape: tuple[int, ...]) -> list[int]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return strides[::-1]


def copy_generic(source: SSAValue, dest: SSAValue) -> linalg.GenericOp:
    """`dest[...] = source[...]` as a memref generic."""
    dest_type = _memref_type(dest)
    rank = len(dest_type.get_shape())
    element_types = [_memref_type(source).get_element_type(), dest_type.get_element_type()]
    block = Block(arg_types=element_types)
    block.add_op(linalg.YieldOp(block.args[0]))
    identity = AffineMapAttr(AffineMap.identity(rank))
    return linalg.GenericOp(
        [source],
        [dest],
        Region(block),
        [identity, identity],
        [IteratorTypeAttr.parallel()] * rank,
    )


def _has_tensors(op: Operation) -> bool:
    return any(isinstance(v.type, TensorType) for v in (*op.operands, *op.results))


@dataclass
class _FunctionBufferizer:
    """The state of bufferizing one function body, op by op."""

    func_op: func.FuncOp
    globals: list[memref.GlobalOp]
    block: Block = field(init=False)
    buffers: dict[SSAValue, SSAValue] = field(default_factory=dict)
    roots: dict[SSAValue, SSAValue] = field(default_factory=dict)
    """Each buffer's underlying allocation (itself, or what a view looks through)."""
    tensors_of_root: dict[SSAValue, list[SSAValue]] = field(default_factory=dict)
    allocs: list[memref.AllocOp] = field(default_factory=list)
    position: dict[Operation, int] = field(default_factory=dict)
    values: dict[SSAValue, SSAValue] = field(default_factory=dict)
    """Non-tensor values of the old body and their copies."""
    results: list[Attribute] = field(default_factory=list)
    """The result types that stay results (all but tensors)."""

    def run(self) -> func.FuncOp:
        ftype = self.func_op.function_type
        ins, outs = ftype.inputs.data, ftype.outputs.data
        tensor_outs = [t for t in outs if isinstance(t, TensorType)]
        self.results = [t for t in outs if not isinstance(t, TensorType)]
        self.block = Block(arg_types=[self._type(t) for t in (*ins, *tensor_outs)])
        old = self.func_op.body.block
        for arg, new in zip(old.args, self.block.args):
            new.name_hint = arg.name_hint
            self._bind(arg, new, new)
        self.position = {op: i for i, op in enumerate(old.ops)}
        for op in old.ops:
            self._bufferize(op)
        new_type = FunctionType.from_lists([a.type for a in self.block.args], self.results)
        new_func = func.FuncOp(
            self.func_op.sym_name.data, new_type, Region(self.block), self.func_op.sym_visibility
        )
        new_func.attributes.update(self.func_op.attributes)
        return new_func

    @staticmethod
    def _type(t: Attribute) -> Attribute:
        return memref_of(t) if isinstance(t, TensorType) else t

    def _add(self, op: _Op) -> _Op:
        self.block.add_op(op)
        return op

    def _bind(self, value: SSAValue, buffer: SSAValue, root: SSAValue) -> None:
        self.buffers[value] = buffer
        self.roots[buffer] = root
        self.tensors_of_root.setdefault(root, []).append(value)

    def _alloc(self, t: MemRefType) -> SSAValue:
        alloc = self._add(memref_ext.AllocOp([], [], t, IntegerAttr(ALIGNMENT, i64)))
        self.allocs.append(alloc)
        return alloc.results[0]

    def _writable_after(self, value: SSAValue, index: int) -> bool:
        """Whether the buffer of `value` may be overwritten by op `index`: it is an
        alloc and no tensor sharing it is read after that op."""
        root = self.roots[self.buffers[value]]
        if not isinstance(root.owner, memref.AllocOp):
            return False
        return (
            all(
                self._position_of(use.operation) <= index
                for t in self.tensors_of_root[root]
                for use in t.uses
            )
            and sum(1 for _ in value.uses) == 1
        )

    def _position_of(self, op: Operation) -> int:
        """The place in the body of the top-level op that is or contains `op`."""
        while op not in self.position:
            parent = op.parent_op()
            assert parent is not None, f"{op.name} is outside the function body"
            op = parent
        return self.position[op]

    def _bufferize(self, op: Operation) -> None:
        if isinstance(op, tensor.EmptyOp):
            if op.tensor.uses:
                buffer = self._alloc(memref_of(op.tensor.type))
                self._bind(op.tensor, buffer, buffer)
        elif isinstance(op, g.ConstantOp) and isinstance(op.result.type, TensorType):
            if op.result.uses:
                self._constant(op)
        elif isinstance(op, g.ReshapeOp):
            source = self.buffers[op.input]
            shape = g.shape_of(op.result.type)
            view = self._add(
                memref.ReinterpretCastOp(
                    source,
                    [],
                    [],
                    [],
                    [0],
                    shape,
                    row_major_strides(shape),
                    memref_of(op.result.type),
                )
            )
            self._bind(op.result, view.results[0], self.roots[source])
        elif isinstance(op, linalg.GenericOp):
            self._generic(op)
        elif isinstance(op, func.ReturnOp):
            self._return(op)
        elif _has_tensors(op):
            raise lowering_error(op, "graphlet-bufferize cannot bufferize this op")
        else:
            clone = self._add(op.clone(value_mapper=self.values))
            self.values.update(zip(op.results, clone.results))

    def _constant(self, op: g.ConstantOp) -> None:
        name = f"__constant_{self.func_op.sym_name.data}_{len(self.globals)}"
        t = memref_of(op.result.type)
        self.globals.append(
            memref_ext.GlobalOp.get(
                StringAttr(name), t, op.value, constant=UnitAttr(), alignment=ALIGNMENT
            )
        )
        buffer = self._add(memref.GetGlobalOp(name, t)).results[0]
        self._bind(op.result, buffer, buffer)

    def _generic(self, op: linalg.GenericOp) -> None:
        index = self.position[op]
        outs = []
        for value in op.outputs:
            buffer = self.buffers[value]
            if not self._writable_after(value, index):
                copy = self._alloc(_memref_type(buffer))
                self.roots[copy] = copy
                self._add(copy_generic(buffer, copy))
                buffer = copy
            outs.append(buffer)
        body = op.body.clone()
        for inner in list(body.walk()):
            if isinstance(inner, tensor.ExtractOp):
                load = memref.LoadOp.get(self.buffers[inner.tensor], list(inner.indices))
                Rewriter.replace_op(inner, load)
        self._add(
            linalg.GenericOp(
                [self.buffers[v] for v in op.inputs],
                outs,
                body,
                op.indexing_maps,
                op.iterator_types,
                library_call=op.library_call,
            )
        )
        for result, buffer in zip(op.results, outs):
            self._bind(result, buffer, self.roots[buffer])

    def _is_view_of_own_alloc(self, buffer: SSAValue, claimed: dict[SSAValue, SSAValue]) -> bool:
        """Whether `buffer` is a reshape view of a whole alloc no result has claimed."""
        root = self.roots[buffer]
        return (
            buffer is not root
            and isinstance(root.owner, memref.AllocOp)
            and root not in claimed
            and isinstance(buffer.owner, memref.ReinterpretCastOp)
        )

    def _claim_viewed_alloc(self, root: SSAValue, out: SSAValue) -> None:
        """The alloc under a returned view becomes the out-param seen in the alloc's
        shape (same elements, row-major), so the result needs no copy."""
        alloc = root.owner
        assert isinstance(alloc, memref.AllocOp)
        root_type = _memref_type(root)
        shape = root_type.get_shape()
        cast = memref.ReinterpretCastOp(
            out, [], [], [], [0], shape, row_major_strides(shape), root_type
        )
        self.block.insert_op_before(cast, alloc)
        root.replace_all_uses_with(cast.results[0])
        self.allocs.remove(alloc)
        self.block.detach_op(alloc)
        alloc.erase()

    def _return(self, op: func.ReturnOp) -> None:
        tensors = [v for v in op.arguments if isinstance(v.type, TensorType)]
        out_params = self.block.args[len(self.block.args) - len(tensors) :]
        claimed: dict[SSAValue, SSAValue] = {}
        """Allocations that became out-params, and the out-param."""
        for value, out in zip(tensors, out_params):
            buffer = self.buffers[value]
            alloc = buffer.owner
            if (
                isinstance(alloc, memref.AllocOp)
                and buffer not in claimed
                and buffer.type == out.type
            ):
                claimed[buffer] = out
                buffer.replace_all_uses_with(out)
                self.allocs.remove(alloc)
                self.block.detach_op(alloc)
                alloc.erase()
            elif self._is_view_of_own_alloc(buffer, claimed):
                self._claim_viewed_alloc(self.roots[buffer], out)
                claimed[self.roots[buffer]] = out
            else:
                self._add(copy_generic(claimed.get(buffer, buffer), out))
        for alloc in self.allocs:
            self._add(memref.DeallocOp.get(alloc.results[0]))
        self._add(
            func.ReturnOp(
                *(
                    self.values.get(v, self.buffers.get(v, v))
                    for v in op.arguments
                    if not isinstance(v.type, TensorType)
                )
            )
        )


class BufferizeFunction(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter) -> None:
        if not op.body.blocks or not any(
            isinstance(t, TensorType)
            for t in (*op.function_type.inputs.data, *op.function_type.outputs.data)
        ):
            return
        if len(op.body.blocks) != 1:
            raise PassFailedException("graphlet-bufferize: tensor functions must have one block")
        globals_: list[memref.GlobalOp] = []
        new_func = _FunctionBufferizer(op, globals_).run()
        rewriter.insert(globals_, InsertPoint.before(op))
        rewriter.replace(op, new_func)


@dataclass(frozen=True)
class GraphletBufferizePass(ModulePass):
    name = "graphlet-bufferize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(BufferizeFunction(), apply_recursively=False).rewrite_module(op)
