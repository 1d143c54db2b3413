"""`llvm_ext`: LLVM instructions that xDSL 0.74's `llvm` dialect lacks.

Each op means exactly the LLVM instruction of the same name; the backend
(`graphlet/backend/llvm_ir.py`) translates them next to xDSL's own llvm ops.
They live in their own dialect because xDSL resolves `llvm.*` names only in its
`llvm` dialect.
"""

from __future__ import annotations

from xdsl.dialects.llvm import GenericCastOp
from xdsl.ir import Dialect
from xdsl.irdl import irdl_op_definition


@irdl_op_definition
class FPToSIOp(GenericCastOp):
    """Float to signed integer, rounding toward zero; poison when out of range.

    `%i = llvm_ext.fptosi %x : f64 to i64`
    """

    name = "llvm_ext.fptosi"


@irdl_op_definition
class FPToUIOp(GenericCastOp):
    """Float to unsigned integer, rounding toward zero; poison when out of range.

    `%i = llvm_ext.fptoui %x : f64 to i64`
    """

    name = "llvm_ext.fptoui"


@irdl_op_definition
class UIToFPOp(GenericCastOp):
    """Unsigned integer to float, rounding to nearest.

    `%x = llvm_ext.uitofp %i : i64 to f64`
    """

    name = "llvm_ext.uitofp"


LLVMExt = Dialect("llvm_ext", [FPToSIOp, FPToUIOp, UIToFPOp], [])
