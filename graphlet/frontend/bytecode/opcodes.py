"""One handler per (normalized) opcode, in a table: `HANDLERS[op](capture, ins, state)`.

    @handles("LOAD_FAST")
    def load_fast(c: FunctionCapture, ins: Instr, state: State) -> Flow: ...

A handler interprets one instruction on the abstract `state` (building ops through
the capture, an `Emitter`) and returns what happens next: None to go on with the
next instruction, a list of successors `(target, state, condition)` when the block
ends in a branch (the first is taken when the condition carried by the second is
true), or `Returned(value)`. An instruction without a handler, or a handler that
raises `GraphBreak`, becomes a bail point. This module holds the stack, locals,
constants, operators and control flow; `calls`, `iteration` and `containers` add
their opcodes to the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.ir import SSAValue

from graphlet.dialects import graphlet as g
from graphlet.frontend.bytecode import inference as inf
from graphlet.frontend.bytecode import numbers, operators, wide_ints
from graphlet.frontend.bytecode.breaks import GraphBreak
from graphlet.frontend.bytecode.decode import Instr
from graphlet.frontend.bytecode.inference import BOTTOM, NULL, Known, Poison
from graphlet.frontend.bytecode.values import (
    ComplexValue,
    GeneratorValue,
    SharedIter,
    SharedIterKind,
    State,
    TupleIter,
    TupleValue,
    Value,
    is_iterator,
    kind_of,
    release,
)

if TYPE_CHECKING:
    from graphlet.frontend.bytecode.capture import FunctionCapture

Successor = tuple[int, State, SSAValue | None]


@dataclass(frozen=True)
class Returned:
    """The instruction returns `value` from the function."""

    value: Value


@dataclass(frozen=True)
class Switch:
    """The block ends by branching on `selector` (an i64 from 0 to n-1) to the n
    successors, each `(target, state)`: how a call's result whose kind depends on the
    path (a union, see `capture`) is split into one path per kind."""

    selector: SSAValue
    successors: list[tuple[int, State]]


Flow = list[Successor] | Returned | Switch | None
Handler = Callable[["FunctionCapture", Instr, State], Flow]

HANDLERS: dict[str, Handler] = {}


def handles(*ops: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of each of `ops`."""

    def register(handler: Handler) -> Handler:
        for op in ops:
            if op in HANDLERS:
                raise ValueError(f"opcode {op} already has a handler")
            HANDLERS[op] = handler
        return handler

    return register


# --------------------------------------------------------------------------- stack and locals


@handles("NOP")
def nop(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    return None


@handles("LOAD_FAST")
def load_fast(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.locals.get(ins.arg)
    if value is None:
        raise GraphBreak(f"local {ins.arg!r} is unbound (UnboundLocalError)")
    return push_variable(state, value)


def push_variable(state: State, value: Value) -> Flow:
    """Push a variable's value; a poisoned one (a value capture cannot keep) is a graph
    break that says why."""
    if isinstance(value, Poison):
        raise GraphBreak(value.reason)
    state.stack.append(value)
    return None


class _Cleared:
    def __repr__(self) -> str:
        return "<unbound>"


CLEARED = Known(_Cleared())
"""What `LOAD_FAST_AND_CLEAR` (3.12+, an inlined comprehension saving the variable it
shadows) pushes for an unbound local: storing it back unbinds the local again."""


@handles("STORE_FAST")
def store_fast(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    if isinstance(value, Known) and value.obj is CLEARED.obj:
        state.locals.pop(ins.arg, None)
        return None
    state.locals[ins.arg] = value
    return None


@handles("DELETE_FAST")
def delete_fast(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    if ins.arg not in state.locals:
        raise GraphBreak(f"local {ins.arg!r} is unbound (UnboundLocalError)")
    del state.locals[ins.arg]
    return None


@handles("LOAD_CONST")
def load_const(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    state.stack.append(c.constant(ins.arg))
    return None


@handles("PUSH_NULL")
def push_null(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    state.stack.append(NULL)
    return None


@handles("POP_TOP")
def pop_top(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    if isinstance(value, SharedIter):  # a loop left by `break`: its holders see where
        release(state, value.token, value.inner)
    elif isinstance(value, GeneratorValue) and isinstance(value.iterator, SharedIter):
        release(state, value.iterator.token, value.iterator.inner)  # (its own loop's)
    return None


@handles("COPY")
def copy(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    state.stack.append(state.stack[-ins.arg])
    return None


@handles("SWAP")
def swap(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    stack = state.stack
    stack[-1], stack[-ins.arg] = stack[-ins.arg], stack[-1]
    return None


# --------------------------------------------------------------------------- operators


@handles("BINARY_OP")
def binary_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    rhs, lhs = state.pop(), state.pop()
    symbol = ins.arg.rstrip("=")
    inplace = symbol != ins.arg
    state.stack.append(operators.binary(c, symbol, lhs, rhs, inplace=inplace))
    return None


@handles("COMPARE_OP")
def compare_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    rhs, lhs = state.pop(), state.pop()
    result = operators.compare(c, ins.arg, lhs, rhs)
    from graphlet.frontend.bytecode.calls import SplitResult

    if isinstance(result, SplitResult):  # a bool or a np.bool_ (tuples of NumPy scalars)
        return result.switch(ins, state)
    state.stack.append(c.boolean(result) if isinstance(result, bool) else result)
    return None


@handles("IS_OP")
def is_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    rhs, lhs = state.pop(), state.pop()
    if lhs is BOTTOM or rhs is BOTTOM:
        state.stack.append(BOTTOM)
        return None
    same = operators.identical(c, lhs, rhs)
    state.stack.append(c.boolean(c.negated(same) if ins.arg else same))
    return None


@handles("CONTAINS_OP")
def contains_op(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    container, item = state.pop(), state.pop()
    if container is BOTTOM or item is BOTTOM:
        state.stack.append(BOTTOM)
        return None
    if isinstance(container, TupleIter) or is_iterator(container):
        from graphlet.frontend.bytecode import comprehensions

        found = comprehensions.contains_in(c, state, item, container)
        if found is BOTTOM:
            state.stack.append(BOTTOM)
            return None
        assert isinstance(found, SSAValue)
    else:
        found = operators.contains(c, item, container)
    state.stack.append(c.boolean(c.negated(found) if ins.arg else found))
    return None


@handles("UNARY_NEGATIVE")
def unary_negative(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    if isinstance(value, ComplexValue):
        state.stack.append(numbers.negate(c, value))
    elif wide_ints.is_wide(value):
        state.stack.append(c.constant(-value.obj))
    else:
        state.stack.append(c.lifted(c.negate, value))
    return None


@handles("UNARY_POSITIVE")
def unary_positive(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    if isinstance(value, ComplexValue):
        state.stack.append(value)
    else:
        state.stack.append(c.lifted(lambda v: c.cast(v, inf.arithmetic_type(v.type)), value))
    return None


@handles("UNARY_INVERT")
def unary_invert(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    if wide_ints.is_wide(value):
        state.stack.append(c.constant(~value.obj))
    else:
        state.stack.append(c.lifted(c.invert, value))
    return None


@handles("UNARY_NOT", "TO_BOOL")
def unary_not_or_to_bool(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    truth = operators.truth(c, state.pop())
    if truth is None:
        state.stack.append(BOTTOM)
    elif isinstance(truth, bool):
        state.stack.append(c.const(truth != (ins.op == "UNARY_NOT")))
    elif ins.op == "UNARY_NOT":
        state.stack.append(c.result(g.XorOp(truth, c.const(True))))
    else:
        state.stack.append(truth)
    return None


# --------------------------------------------------------------------------- control flow


@handles("JUMP")
def jump(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    assert ins.target is not None
    return [(ins.target, state, None)]


@handles("POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP")
def conditional_jump(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    assert ins.target is not None
    keeps_on_jump = ins.op.endswith("_OR_POP")
    value = state.stack[-1] if keeps_on_jump else state.pop()
    jump_when = ins.op in ("POP_JUMP_IF_TRUE", "JUMP_IF_TRUE_OR_POP")
    jump_state = state
    fall_state = state.copy()
    if keeps_on_jump:
        fall_state.pop()
    truth = operators.truth(c, value)
    fall = ins.index + 1
    if isinstance(truth, bool):
        return (
            [(ins.target, jump_state, None)] if truth == jump_when else [(fall, fall_state, None)]
        )
    if truth is None:
        return [(ins.target, jump_state, None), (fall, fall_state, None)]
    if jump_when:
        return [(ins.target, jump_state, None), (fall, fall_state, truth)]
    return [(fall, fall_state, None), (ins.target, jump_state, truth)]


@handles("POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE")
def jump_if_none(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    assert ins.target is not None
    value = state.pop()
    is_none = isinstance(value, Known) and value.obj is None
    jump = is_none == (ins.op == "POP_JUMP_IF_NONE")
    return [(ins.target if jump else ins.index + 1, state, None)]


@handles("RETURN_VALUE")
def return_value(c: FunctionCapture, ins: Instr, state: State) -> Flow:
    value = state.pop()
    if c.consumer is not None:  # a generator expression run as its consumer's loop
        value = c.consumer.finish(c, state)
    if isinstance(value, GeneratorValue):
        raise GraphBreak(
            "returning a generator expression is not compiled (a generator that escapes"
            " runs in Python)"
        )
    if isinstance(value, Poison):
        raise GraphBreak(value.reason)
    if value is BOTTOM and c.emitting:
        raise GraphBreak(
            "could not infer the type of a recursive call's result", whole_function=True
        )
    if value is not BOTTOM and c.written_free:  # the new values of `nonlocal` variables
        value = TupleValue((value, *(state.locals[name] for name in c.written_free)))
    if value is not BOTTOM:
        check_returnable(kind_of(value))
    return Returned(value)


def check_returnable(kind: inf.Kind) -> None:
    """A graph break unless a value of `kind` can leave compiled code."""
    if isinstance(kind, Poison):
        raise GraphBreak(kind.reason)
    if isinstance(kind, inf.GeneratorKind):
        raise GraphBreak(
            "returning a generator expression is not compiled (a generator that escapes"
            " runs in Python)"
        )
    if isinstance(kind, inf.ClosureKind | inf.SelfRef):
        raise GraphBreak(
            f"returning {inf.kind_name(kind)} is not compiled (a nested function or lambda"
            " that escapes runs in Python)"
        )
    if kind in (inf.NULL, inf.RANGE, inf.RANGE_ITER) or isinstance(
        kind,
        inf.ListIterKind
        | inf.TupleIterKind
        | inf.ArrayIterKind
        | inf.ReversedListIterKind
        | inf.EnumerateIterKind
        | inf.ZipIterKind
        | SharedIterKind,
    ):
        raise GraphBreak(f"returning {inf.kind_name(kind)} is not compiled")
    if isinstance(kind, inf.TupleKind):
        for item in kind.items:
            check_returnable(item)
