"""The `pyarray` dialect: NumPy arrays in native code, as `@graphlet.jit` compiles them.

An array is its `PyArrayObject` (`!llvm.ptr`), its data pointer and, per axis, its
length and its stride in bytes (design in docs/jit-values.md). Element values are
carried in a compute type: f64 for float64 and float32 (a float32 is exact in an
f64, and every op on it rounds back to float32), i64 for int64 and int32, i1 for
bool; the ops here convert to and from the element's storage type. Indices reaching
these ops are already normalized and bounds-checked by the frontend. None of these
ops is pure (they read or write array memory); `convert-pyarray-to-llvm` lowers them.

    %p = pyarray.element %data, %i, %stride0, %j, %stride1
    %x = pyarray.load %p {dtype = "float32"} : f64
    pyarray.store %x, %p, %arena {dtype = "float32", logged}
    %obj, %ok = pyarray.new %arena, %n0, %n1 {dtype = "int64", fill = "zeros"}
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import StringAttr, UnitAttr, f64, i1, i64
from xdsl.dialects.llvm import LLVMPointerType
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    var_operand_def,
)
from xdsl.utils.exceptions import VerifyException

PTR = LLVMPointerType()

DTYPES: dict[str, tuple[str, int, Attribute]] = {
    "float64": ("f64", 8, f64),
    "float32": ("f32", 4, f64),
    "int64": ("i64", 8, i64),
    "int32": ("i32", 4, i64),
    "bool": ("i8", 1, i1),
}
"""dtype name -> (LLVM storage type, item size in bytes, compute type)."""
FILLS = ("empty", "zeros", "ones")


def compute_type(dtype: str) -> Attribute:
    return DTYPES[dtype][2]


def item_size(dtype: str) -> int:
    return DTYPES[dtype][1]


def _check_dtype(dtype: str) -> None:
    if dtype not in DTYPES:
        raise VerifyException(f"a pyarray dtype must be one of {', '.join(DTYPES)}, not {dtype}")


@irdl_op_definition
class ElementOp(IRDLOperation):
    """The address of an element (or of a view's first element): `data` plus the sum
    of each index times its stride in bytes, unchecked (indices are in bounds):
    `%p = pyarray.element %data, %i, %stride`."""

    name = "pyarray.element"
    data = operand_def(PTR)
    terms = var_operand_def(i64)
    result = result_def(PTR)

    def __init__(self, data: SSAValue, pairs: Sequence[tuple[SSAValue, SSAValue]]) -> None:
        super().__init__(operands=[data, [v for pair in pairs for v in pair]], result_types=[PTR])

    def verify_(self) -> None:
        if len(self.terms) % 2:
            raise VerifyException("pyarray.element takes (index, stride) pairs")


@irdl_op_definition
class LoadOp(IRDLOperation):
    """The element at `ptr`, in its compute type: `%x = pyarray.load %p {dtype = "int32"} : i64`."""

    name = "pyarray.load"
    ptr = operand_def(PTR)
    dtype = prop_def(StringAttr)
    result = result_def()

    def __init__(self, ptr: SSAValue, dtype: str) -> None:
        super().__init__(
            operands=[ptr],
            properties={"dtype": StringAttr(dtype)},
            result_types=[compute_type(dtype)],
        )

    def verify_(self) -> None:
        _check_dtype(self.dtype.data)
        if self.result.type != compute_type(self.dtype.data):
            raise VerifyException(f"pyarray.load of {self.dtype.data} yields its compute type")


@irdl_op_definition
class StoreOp(IRDLOperation):
    """Stores `value` (compute type) as the element at `ptr`; with `logged`, the old
    bytes are first recorded in the call's undo log (a write to memory the caller
    can see, undone if the call hands back): `pyarray.store %x, %p, %arena {dtype = "float64"}`."""

    name = "pyarray.store"
    value = operand_def()
    ptr = operand_def(PTR)
    arena = operand_def(PTR)
    dtype = prop_def(StringAttr)
    logged = opt_prop_def(UnitAttr)

    def __init__(
        self, value: SSAValue, ptr: SSAValue, arena: SSAValue, dtype: str, logged: bool
    ) -> None:
        properties: dict[str, Attribute] = {"dtype": StringAttr(dtype)}
        if logged:
            properties["logged"] = UnitAttr()
        super().__init__(operands=[value, ptr, arena], properties=properties)

    def verify_(self) -> None:
        _check_dtype(self.dtype.data)
        if self.value.type != compute_type(self.dtype.data):
            raise VerifyException(f"pyarray.store of {self.dtype.data} takes its compute type")


@irdl_op_definition
class NewOp(IRDLOperation):
    """A new C-ordered array made by NumPy (`np.empty`, `np.zeros` or `np.ones`), owned
    by the call's arena until it is returned; `ok` is false when NumPy failed (the
    call then hands back): `%a, %ok = pyarray.new %arena, %n {dtype = "float64", fill = "zeros"}`."""

    name = "pyarray.new"
    arena = operand_def(PTR)
    shape = var_operand_def(i64)
    dtype = prop_def(StringAttr)
    fill = prop_def(StringAttr)
    array = result_def(PTR)
    ok = result_def(i1)

    def __init__(self, arena: SSAValue, shape: Sequence[SSAValue], dtype: str, fill: str) -> None:
        super().__init__(
            operands=[arena, list(shape)],
            properties={"dtype": StringAttr(dtype), "fill": StringAttr(fill)},
            result_types=[PTR, i1],
        )

    def verify_(self) -> None:
        _check_dtype(self.dtype.data)
        if self.fill.data not in FILLS:
            raise VerifyException(f"pyarray.new fill must be one of {', '.join(FILLS)}")
        if not 1 <= len(self.shape) <= 3:
            raise VerifyException("pyarray.new makes arrays of 1 to 3 dimensions")


@irdl_op_definition
class DataOp(IRDLOperation):
    """The data pointer of an array object: `%d = pyarray.data %a`."""

    name = "pyarray.data"
    array = operand_def(PTR)
    result = result_def(PTR)

    def __init__(self, array: SSAValue) -> None:
        super().__init__(operands=[array], result_types=[PTR])


@irdl_op_definition
class StrideOp(IRDLOperation):
    """The stride in bytes of one axis of an array object: `%s = pyarray.stride %a {axis = 0}`."""

    name = "pyarray.stride"
    array = operand_def(PTR)
    axis = prop_def(StringAttr)
    result = result_def(i64)

    def __init__(self, array: SSAValue, axis: int) -> None:
        super().__init__(
            operands=[array], properties={"axis": StringAttr(str(axis))}, result_types=[i64]
        )


@irdl_op_definition
class SumOp(IRDLOperation):
    """`np.add.reduce` of a 1-d float array, NumPy's pairwise summation in the element
    type: `%s = pyarray.sum %data, %n, %stride {dtype = "float64"} : f64`."""

    name = "pyarray.sum"
    data = operand_def(PTR)
    count = operand_def(i64)
    stride = operand_def(i64)
    dtype = prop_def(StringAttr)
    result = result_def(f64)

    def __init__(self, data: SSAValue, count: SSAValue, stride: SSAValue, dtype: str) -> None:
        super().__init__(
            operands=[data, count, stride],
            properties={"dtype": StringAttr(dtype)},
            result_types=[f64],
        )

    def verify_(self) -> None:
        if self.dtype.data not in ("float64", "float32"):
            raise VerifyException("pyarray.sum is for float64 and float32 arrays")


Pyarray = Dialect("pyarray", [ElementOp, LoadOp, StoreOp, NewOp, DataOp, StrideOp, SumOp], [])
