"""LLVM instructions that xDSL 0.74's `llvm` dialect lacks, under upstream MLIR's names.

Each op means exactly the LLVM instruction of the same name and prints as upstream
MLIR's `llvm` dialect does, so what graphlet-opt prints parses in `mlir-opt`. xDSL
resolves `llvm.*` names only in the dialect called `llvm`, so `LLVM` below is xDSL's
dialect plus these ops, and graphlet registers it in xDSL's place. The backend
(`graphlet/backend/llvm_ir.py`) translates them next to xDSL's own llvm ops.
"""

from __future__ import annotations

from xdsl.dialects import llvm
from xdsl.dialects.llvm import GenericCastOp
from xdsl.ir import Dialect
from xdsl.irdl import irdl_op_definition


@irdl_op_definition
class FPToSIOp(GenericCastOp):
    """Float to signed integer, rounding toward zero; poison when out of range.

    `%i = llvm.fptosi %x : f64 to i64`
    """

    name = "llvm.fptosi"


@irdl_op_definition
class FPToUIOp(GenericCastOp):
    """Float to unsigned integer, rounding toward zero; poison when out of range.

    `%i = llvm.fptoui %x : f64 to i64`
    """

    name = "llvm.fptoui"


@irdl_op_definition
class UIToFPOp(GenericCastOp):
    """Unsigned integer to float, rounding to nearest.

    `%x = llvm.uitofp %i : i64 to f64`
    """

    name = "llvm.uitofp"


LLVM = Dialect(
    "llvm",
    [*llvm.LLVM.operations, FPToSIOp, FPToUIOp, UIToFPOp],
    list(llvm.LLVM.attributes),
)
"""xDSL's `llvm` dialect with the instructions above."""
