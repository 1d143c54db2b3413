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

Region breaks of `@jit` (docs/jit-region-breaks.md): a function keeps a frame of
8-byte slots; a region call hands CPython one instruction through it, and a failing
function with a frame unwinds through the region runtime, which may run the rest of
the call in CPython.

    %frame = "pyrt.region_frame"() <{slots = 6 : i64}> : () -> !llvm.ptr
    %ok, %r = "pyrt.region_call"(%frame, %x) <{site = 3 : i64, result_slot = 3 : i64}> : (!llvm.ptr, i64) -> (i1, i64)
    %s = "pyrt.region_unwind"(%frame, %code) : (!llvm.ptr, i32) -> i32
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DictionaryAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    i1,
    i32,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from graphlet.abi import HAND_BACK as HAND_BACK  # the guard kinds and their status codes
from graphlet.abi import KIND_OF_STATUS as KIND_OF_STATUS
from graphlet.abi import STATUS_CODES as STATUS_CODES

FLOAT_FLAGS = "float_flags"
"""Attribute of a guard that hands back where NumPy would warn about a float op (the
frontend's `guard_float_flags`): `defer-float-flag-guards` may test it once per call."""

ARGUMENT_RANGE = "graphlet.range"
"""Argument attribute `{graphlet.range = array<i64: lo, hi>}`: every caller passes a
value in `lo..hi` (an array's axis length: NumPy keeps `length * itemsize` within
`npy_intp`), so the integer range analysis starts the argument there."""


def argument_range(lo: int, hi: int) -> DictionaryAttr:
    return DictionaryAttr({ARGUMENT_RANGE: DenseArrayBase.from_list(i64, [lo, hi])})


def range_of_argument(attributes: DictionaryAttr) -> tuple[int, int] | None:
    found = attributes.data.get(ARGUMENT_RANGE)
    if not isinstance(found, DenseArrayBase):
        return None
    lo, hi = found.get_values()
    assert isinstance(lo, int) and isinstance(hi, int)
    return lo, hi


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


@irdl_op_definition
class RegionFrameOp(IRDLOperation):
    """A function's region frame, `slots` 8-byte slots on its stack (the first
    `abi.REGION_HEADER_SLOTS` zeroed): `%f = pyrt.region_frame {slots = 6 : i64}`."""

    name = "pyrt.region_frame"
    slots = prop_def(IntegerAttr)
    frame = result_def(llvm.LLVMPointerType)

    def __init__(self, slots: int) -> None:
        super().__init__(
            properties={"slots": IntegerAttr(slots, i64)},
            result_types=[llvm.LLVMPointerType()],
        )


@irdl_op_definition
class RegionCallOp(IRDLOperation):
    """A region break: `values` (i1, i64 or f64) go to the frame's slots from
    `abi.REGION_HEADER_SLOTS` on, then the region runtime runs `site`'s Python call;
    `%ok` is whether it returned (else it raised, or ran the rest of the call in
    CPython), `result` (at most one) is read back from `result_slot`. Not pure: it
    calls Python."""

    name = "pyrt.region_call"
    frame = operand_def(llvm.LLVMPointerType)
    values = var_operand_def()
    site = prop_def(IntegerAttr)
    result_slot = opt_prop_def(IntegerAttr)
    ok = result_def(i1)
    result = var_result_def()

    def __init__(
        self,
        frame: SSAValue | Operation,
        values: Sequence[SSAValue],
        site: int,
        result_type: Attribute | None = None,
        result_slot: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {"site": IntegerAttr(site, i64)}
        if result_slot is not None:
            properties["result_slot"] = IntegerAttr(result_slot, i64)
        super().__init__(
            operands=[frame, values],
            properties=properties,
            result_types=[i1, [result_type] if result_type is not None else []],
        )

    def verify_(self) -> None:
        if len(self.result) > 1:
            raise VerifyException("'pyrt.region_call' has at most one result")
        if self.result and self.result_slot is None:
            raise VerifyException("'pyrt.region_call' with a result needs a result_slot")


@irdl_op_definition
class RegionUnwindOp(IRDLOperation):
    """The status a failing function with a region frame returns in place of
    `status`: `%s = pyrt.region_unwind %frame, %status` (the region runtime either
    keeps `status`, a hand-back before any region call finished, or runs the rest of
    the call in CPython and says how that ended)."""

    name = "pyrt.region_unwind"
    frame = operand_def(llvm.LLVMPointerType)
    status = operand_def(i32)
    result = result_def(i32)

    def __init__(self, frame: SSAValue | Operation, status: SSAValue | Operation) -> None:
        super().__init__(operands=[frame, status], result_types=[i32])


REGION_OPS = (RegionFrameOp, RegionCallOp, RegionUnwindOp)

Pyrt = Dialect("pyrt", [GuardOp, *CHECKED_OPS, *REGION_OPS], [])
