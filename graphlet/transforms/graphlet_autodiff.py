"""`graphlet-autodiff`: a function's gradient as a new function, built from each op's
derivative rule (`vjp` / `local_derivatives`, declared beside the op's meaning).

    graphlet-opt f.mlir -p 'graphlet-autodiff{function=f wrt=0,1},graphlet-optimize'

adds `@f_grad`, taking `@f`'s arguments and returning `@f`'s results followed by the
gradient of result `output` (a float scalar or a one-element tensor) with respect to
each argument in `wrt` (the gradients alone with `values=false`); `@f` is left as it
was. `graphlet-optimize` afterwards folds the constant partials and drops what the
gradient does not use.

Straight-line code (one block; a chain of `cf.br` into single-predecessor blocks is
merged into one first) is differentiated in **reverse mode**: SSA values are
immutable, so the forward values are the tape, and the backward sweep walks the block
in reverse, accumulating each value's cotangent from its users' `vjp`s.

A function with branches or loops (`cf.br` / `cf.cond_br`, as the bytecode frontend
captures Python's `if`, `for` and `while`) is differentiated in **forward mode**
instead: each float value carries one tangent per argument in `wrt`, and every block
gets a tangent argument beside each float argument, so the derivative follows
whichever path the values take, however many iterations, without a tape. That costs
one tangent per argument, which suits the scalar Python functions that have control
flow; tensor code (the NumPy tracer's, torch's) is straight-line and gets reverse
mode. Structured control flow (`scf.for`, `scf.while`, `scf.if`) is lowered to `cf`
first (by the lowering's passes, found by name) and gets forward mode too. A value the
gradient depends on flowing into memory or a call, and an op without a derivative
rule, give an error naming the op and its source line.
Non-differentiable values (ints, bools, comparisons) carry no gradient; piecewise
constant ops (floor, rounding, `//`) give zero gradients, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import cf, func
from xdsl.dialects.builtin import FunctionType, ModuleOp, StringAttr
from xdsl.ir import Attribute, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException

from graphlet.dialects import graphlet as g
from graphlet.dialects.graphlet.vjp import (
    Derivative,
    NoDerivative,
    Sweep,
    gradients,
    is_float,
    rule_builder,
)
from graphlet.locations import lowering_error
from graphlet.registry import all_passes


def _error(op: Operation, message: str) -> DiagnosticException:
    return lowering_error(op, message)


def _is_scalar_output(t: Attribute) -> bool:
    return is_float(t) and (not g.is_tensor(t) or int(np.prod(g.shape_of(t))) == 1)


def lower_structured_control_flow(ctx: Context, fn: func.FuncOp) -> None:
    """`scf.for`, `scf.while` and `scf.if` as `cf` branches (the lowering's own passes,
    found by name), so that forward mode carries tangents through their iterations."""
    if not any(op.name.startswith("scf.") for op in fn.walk()):
        return
    holder = ModuleOp([])
    holder.body.block.add_op(fn)
    passes = all_passes()
    for name in ("convert-scf-while-to-cf", "convert-scf-to-cf"):
        passes[name]()().apply(ctx, holder)
    holder.body.block.detach_op(fn)


def merge_straight_line(region: Region) -> None:
    """Fold each block that only an unconditional `cf.br` enters into its predecessor."""
    changed = True
    while changed:
        changed = False
        for block in list(region.blocks):
            branch = block.last_op
            if not isinstance(branch, cf.BranchOp):
                continue
            target = branch.successor
            if target is block or target is region.first_block or len(target.predecessors()) != 1:
                continue
            for arg, value in zip(target.args, branch.arguments):
                arg.replace_all_uses_with(value)
            block.erase_op(branch)
            for op in list(target.ops):
                block.add_op(target.detach_op(op))
            region.detach_block(target)
            target.erase()
            changed = True
            break


def _jvp(d: Derivative, tangents: Sequence[SSAValue | None]) -> SSAValue | None:
    assert d.op is not None
    try:
        return d.op.jvp(d, tangents)
    except NoDerivative as e:
        raise _error(e.op, "has no derivative rule; gradients cannot flow through it") from None


def active_values(fn: func.FuncOp, wrt: Sequence[int]) -> set[SSAValue]:
    """The float values that depend on the `wrt` arguments, through ops and branches."""
    entry = fn.body.blocks.first
    assert entry is not None
    active: set[SSAValue] = {entry.args[i] for i in wrt}
    changed = True
    while changed:
        changed = False
        for block in fn.body.blocks:
            for op in block.ops:
                if isinstance(op, cf.BranchOp | cf.ConditionalBranchOp):
                    edges = [
                        (succ, list(op.operands[_successor_operands(op, n)]))
                        for n, succ in enumerate(op.successors)
                    ]
                    new = {
                        arg
                        for succ, values in edges
                        for arg, v in zip(succ.args, values)
                        if v in active and arg not in active
                    }
                elif any(o in active for o in op.operands):
                    new = {r for r in op.results if is_float(r.type) and r not in active}
                else:
                    continue
                if new:
                    active |= new
                    changed = True
    return active


def _successor_operands(op: Operation, n: int) -> slice:
    """The operands `op` passes to its successor `n`."""
    if isinstance(op, cf.ConditionalBranchOp):
        then = len(op.then_arguments)
        return slice(1, 1 + then) if n == 0 else slice(1 + then, None)
    return slice(None)


def check_no_escapes(fn: func.FuncOp, active: set[SSAValue]) -> None:
    """Refuse a value the gradient depends on flowing into an op that is not a
    graphlet op or a branch (a list or array store, a call): its derivative would be
    lost, and the gradient silently wrong."""
    for op in fn.walk():
        if isinstance(op, g.GraphletOp | cf.BranchOp | cf.ConditionalBranchOp | func.ReturnOp):
            continue
        if any(o in active for o in op.operands):
            raise _error(
                op,
                "a value the gradient depends on flows into this op (memory or a call), "
                "which has no derivative rule: the gradient would be lost",
            )


def reverse_mode(fn: func.FuncOp, wrt: Sequence[int], output: int) -> list[Attribute]:
    """Append the backward sweep to `fn`'s one block and return the gradients after
    its results; the gradients' types."""
    block = fn.body.block
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    targets = [block.args[i] for i in wrt]
    results = gradients(block, ret.operands[output], targets, ret)
    new = func.ReturnOp(*ret.operands, *results)
    new.location = ret.location
    block.insert_op_before(new, ret)
    block.erase_op(ret)
    return [t.type for t in targets]


def forward_mode(fn: func.FuncOp, wrt: Sequence[int], output: int) -> list[Attribute]:
    """Carry one tangent per `wrt` argument beside every float value through the CFG;
    each `func.return` gets the output's tangents appended. The tangents' types."""
    k = len(wrt)
    entry = fn.body.blocks.first
    assert entry is not None
    tangents: dict[SSAValue, list[SSAValue | None]] = {}
    seeds = Derivative(None, ())
    for j, i in enumerate(wrt):
        arg = entry.args[i]
        tangents[arg] = [seeds.const(1.0, arg) if n == j else None for n in range(k)]
    first = entry.first_op
    Sweep(entry, first).insert(seeds.ops)
    for block in list(fn.body.blocks)[1:]:
        for arg in list(block.args):
            if is_float(arg.type):
                tangents[arg] = [block.insert_arg(arg.type, len(block.args)) for _ in range(k)]
    for block in fn.body.blocks:
        for op in list(block.ops):
            if op in seeds.ops:
                continue
            if op.regions:
                raise _error(op, "has regions: structured control flow is not differentiated")
            if op is block.last_op:
                _extend_terminator(op, tangents, k, output)
                continue
            incoming = [tangents.get(o) for o in op.operands]
            if all(t is None for t in incoming) or not any(is_float(r.type) for r in op.results):
                continue
            if isinstance(op, func.CallOp):
                raise _error(op, "calls are not differentiated (the callee is not inlined)")
            result: list[SSAValue | None] = []
            after = op.next_op
            for n in range(k):
                per = [t[n] if t is not None else None for t in incoming]
                d = rule_builder(op, [p is not None for p in per])
                result.append(_jvp(d, per))
                Sweep(block, after).insert(d.ops)
            tangents[op.results[0]] = result
    return [fn.function_type.outputs.data[output]] * k


def _materialize(tangent: SSAValue | None, like: SSAValue, before: Operation) -> SSAValue:
    if tangent is not None:
        return tangent
    zero = Derivative(None, ())
    value = zero.zeros(like.type)
    Sweep(before.parent_block(), before).insert(zero.ops)  # type: ignore[arg-type]
    return value


def _tangent_operands(
    values: Sequence[SSAValue],
    tangents: dict[SSAValue, list[SSAValue | None]],
    k: int,
    before: Operation,
) -> list[SSAValue]:
    extra: list[SSAValue] = []
    for v in values:
        if is_float(v.type):
            ts = tangents.get(v) or [None] * k
            extra.extend(_materialize(t, v, before) for t in ts)
    return extra


def _extend_terminator(
    op: Operation, tangents: dict[SSAValue, list[SSAValue | None]], k: int, output: int
) -> None:
    if isinstance(op, func.ReturnOp):
        out = op.operands[output]
        ts = tangents.get(out) or [None] * k
        extra = [_materialize(t, out, op) for t in ts]
        new: Operation = func.ReturnOp(*op.operands, *extra)
    elif isinstance(op, cf.BranchOp):
        args = list(op.arguments)
        new = cf.BranchOp(op.successor, *args, *_tangent_operands(args, tangents, k, op))
    elif isinstance(op, cf.ConditionalBranchOp):
        then_args, else_args = list(op.then_arguments), list(op.else_arguments)
        new = cf.ConditionalBranchOp(
            op.cond,
            op.then_block,
            [*then_args, *_tangent_operands(then_args, tangents, k, op)],
            op.else_block,
            [*else_args, *_tangent_operands(else_args, tangents, k, op)],
        )
    else:
        raise _error(op, "is a terminator the autodiff pass does not differentiate through")
    new.location = op.location
    block = op.parent_block()
    assert block is not None
    block.insert_op_before(new, op)
    block.erase_op(op)


def _return_gradients_only(fn: func.FuncOp, count: int) -> None:
    """Drop the function's results from each `func.return`, keeping the last `count`
    operands (the gradients)."""
    for ret in [o for o in fn.walk() if isinstance(o, func.ReturnOp)]:
        new = func.ReturnOp(*ret.operands[len(ret.operands) - count :])
        new.location = ret.location
        block = ret.parent_block()
        assert block is not None
        block.insert_op_before(new, ret)
        block.erase_op(ret)


@dataclass(frozen=True)
class GraphletAutodiffPass(ModulePass):
    """Adds `@<function>_grad` (or `@<grad_name>`): `@function`'s results, then the
    gradient of result `output` by each argument in `wrt`."""

    name = "graphlet-autodiff"

    function: str = ""
    """The function to differentiate; may be omitted when the module has one."""
    wrt: tuple[int, ...] = (0,)
    """The positions of the (float) arguments to differentiate by."""
    output: int = 0
    """The position of the (scalar float) result whose gradient is taken."""
    grad_name: str = ""
    """The new function's name; `<function>_grad` by default."""
    values: bool = True
    """Whether `@<function>_grad` returns `@function`'s results before the gradients;
    without them (`values=false`) `graphlet-optimize` drops every forward value the
    gradient does not use."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        fn = self._function(op)
        name = self.grad_name or f"{fn.sym_name.data}_grad"
        if any(isinstance(o, func.FuncOp) and o.sym_name.data == name for o in op.ops):
            raise _error(fn, f"cannot add @{name}: the module already has a function of that name")
        inputs = fn.function_type.inputs.data
        if len(set(self.wrt)) != len(self.wrt):
            raise _error(fn, f"wrt names an argument twice: {list(self.wrt)}")
        for i in self.wrt:
            if not 0 <= i < len(inputs):
                raise _error(
                    fn, f"has no argument {i} to differentiate by ({len(inputs)} arguments)"
                )
            if not is_float(inputs[i]):
                raise _error(
                    fn, f"argument {i} is {inputs[i]}: gradients are taken by float arguments only"
                )
        outputs = fn.function_type.outputs.data
        if not 0 <= self.output < len(outputs):
            raise _error(fn, f"has no result {self.output} ({len(outputs)} results)")
        if not _is_scalar_output(outputs[self.output]):
            raise _error(
                fn,
                f"result {self.output} is {outputs[self.output]}: the gradient needs a scalar "
                "float output (sum or mean it first)",
            )
        grad = fn.clone()
        grad.sym_name = StringAttr(name)
        lower_structured_control_flow(ctx, grad)
        merge_straight_line(grad.body)
        check_no_escapes(grad, active_values(grad, self.wrt))
        only = grad.body.blocks.first
        if only is not None and only.next_block is None and isinstance(only.last_op, func.ReturnOp):
            types = reverse_mode(grad, self.wrt, self.output)
        else:
            types = forward_mode(grad, self.wrt, self.output)
        if not self.values:
            _return_gradients_only(grad, len(types))
            outputs = ()
        grad.function_type = FunctionType.from_lists(list(inputs), [*outputs, *types])
        op.body.block.insert_op_after(grad, fn)

    def _function(self, module: ModuleOp) -> func.FuncOp:
        functions = [o for o in module.ops if isinstance(o, func.FuncOp) and o.body.blocks]
        if self.function:
            for f in functions:
                if f.sym_name.data == self.function:
                    return f
            raise DiagnosticException(f"graphlet-autodiff: no function @{self.function}")
        if len(functions) != 1:
            names = ", ".join("@" + f.sym_name.data for f in functions) or "none"
            raise DiagnosticException(
                f"graphlet-autodiff: say which function to differentiate (function=...): {names}"
            )
        return functions[0]


__all__ = [
    "GraphletAutodiffPass",
    "active_values",
    "check_no_escapes",
    "forward_mode",
    "gradients",
    "merge_straight_line",
    "reverse_mode",
]
