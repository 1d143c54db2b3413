"""The `pyrt` dialect ("Python runtime support"): the checks that keep native code
honest about Python's semantics.

`convert-graphlet-to-arith` spells every place where Python raises, or where the
answer does not fit its 64-bit type, as a `pyrt.guard`; overflow of int `+ - *` is
detected with checked arithmetic. `convert-guards-to-status` then turns guards into
an early return of a status code, and the runtime redoes a failed call in Python, so
the user sees CPython's own exception (or CPython's big int).

    %ok = arith.cmpi ne, %b, %zero : i64
    pyrt.guard %ok, "ZeroDivisionError"
    %v, %overflow = pyrt.checked_addi %a, %b : i64
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import IntegerType, StringAttr, i1
from xdsl.ir import Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from graphlet.abi import HAND_BACK as HAND_BACK  # the guard kinds and their status codes
from graphlet.abi import KIND_OF_STATUS as KIND_OF_STATUS
from graphlet.abi import STATUS_CODES as STATUS_CODES


class GuardFailure(Exception):
    """Raised by the interpreter when a `pyrt.guard` fails (a lowered module's way of
    saying "Python would raise `kind` here, or the answer does not fit")."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = STATUS_CODES[kind]


@irdl_op_definition
class GuardOp(IRDLOperation):
    """Leave the function with status `kind` unless `%ok` holds:
    `pyrt.guard %ok, "ValueError"`. It has an effect (it may exit), so it is
    never removed or reordered."""

    name = "pyrt.guard"
    ok = operand_def(i1)
    kind = prop_def(StringAttr)

    assembly_format = "$ok `,` $kind attr-dict"

    def __init__(self, ok: SSAValue | Operation, kind: str) -> None:
        super().__init__(operands=[ok], properties={"kind": StringAttr(kind)})

    def verify_(self) -> None:
        if self.kind.data not in STATUS_CODES:
            raise VerifyException(
                f"'pyrt.guard' kind '{self.kind.data}' is not one of " + ", ".join(STATUS_CODES)
            )


class CheckedIntegerOp(IRDLOperation):
    """`%v, %overflow = pyrt.checked_<op>i %a, %b : i64`: the wrapped result and
    whether the exact (Python) result did not fit the type."""

    T: ClassVar = VarConstraint("T", base(IntegerType))
    lhs = operand_def(T)
    rhs = operand_def(T)
    value = result_def(T)
    overflow = result_def(i1)
    traits = traits_def(Pure())

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs)"

    LLVM_INTRINSIC: ClassVar[str]
    """The `llvm.<s...>.with.overflow` intrinsic it lowers to (type suffix added)."""

    def __init__(self, lhs: SSAValue | Operation, rhs: SSAValue | Operation) -> None:
        t = SSAValue.get(lhs).type
        super().__init__(operands=[lhs, rhs], result_types=[t, i1])

    @staticmethod
    def exact(a: int, b: int) -> int:
        raise NotImplementedError


@irdl_op_definition
class CheckedAddiOp(CheckedIntegerOp):
    """`a + b` with overflow flag."""

    name = "pyrt.checked_addi"
    LLVM_INTRINSIC: ClassVar[str] = "llvm.sadd.with.overflow"

    @staticmethod
    def exact(a: int, b: int) -> int:
        return a + b


@irdl_op_definition
class CheckedSubiOp(CheckedIntegerOp):
    """`a - b` with overflow flag."""

    name = "pyrt.checked_subi"
    LLVM_INTRINSIC: ClassVar[str] = "llvm.ssub.with.overflow"

    @staticmethod
    def exact(a: int, b: int) -> int:
        return a - b


@irdl_op_definition
class CheckedMuliOp(CheckedIntegerOp):
    """`a * b` with overflow flag."""

    name = "pyrt.checked_muli"
    LLVM_INTRINSIC: ClassVar[str] = "llvm.smul.with.overflow"

    @staticmethod
    def exact(a: int, b: int) -> int:
        return a * b


CHECKED_OPS: tuple[type[CheckedIntegerOp], ...] = (
    CheckedAddiOp,
    CheckedSubiOp,
    CheckedMuliOp,
)

Pyrt = Dialect("pyrt", [GuardOp, *CHECKED_OPS], [])
