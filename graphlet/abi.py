"""The native calling convention: every fact lowering emits and the runtime relies on.

Lowering writes code to this contract, the backend and the driver compile and load it,
the runtime calls it; each fact lives here once, so the two sides cannot drift. The
module imports nothing of graphlet's, so any layer may read it.

Scalar functions (`lower-to-llvm`). Every function with a body returns a leading
status; a public one gets the C interface

    void _mlir_ciface_<name>(uint64_t results[1 + n], <the arguments of @name>)

which writes the status into slot 0 and result i into slot i + 1, 8 bytes each:
integers narrower than 64 bits sign-extended (i1 zero-extended to 0/1), f32 widened
to double. Functions captured by `@jit` take one more trailing i64, the call depth
(0 from Python).

Tensor functions (`lower-tensors-to-llvm`). `void <name>(in_0*, ..., out_0*, ...
[, int64_t *status])`: one data pointer per input, then one per output, then, when
some op can raise, a pointer to a 0-d i64 status.

Status codes are shared by both: 0 is ok, any other code names the Python
exception (or, for `HandBack`, that only Python can compute the answer).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

C_INTERFACE_ATTRIBUTE = "llvm.emit_c_interface"
"""Unit attribute of a `func.func` that gets a `_mlir_ciface_` wrapper."""

C_INTERFACE_PREFIX = "_mlir_ciface_"
SLOT_BYTES = 8
"""Bytes per C-interface result slot."""
STATUS_SLOT = 0
"""The slot of a scalar function's status (its results follow)."""

NATIVE_DEPTH_LIMIT = 1 << 20
"""A function `@jit` captured takes its call depth as a trailing i64 and hands the
call back when it is not below this: the depth a call from Python starts at is this
limit less the levels it may nest."""
NATIVE_DEPTH_CAP = 5000
"""The most levels one call from Python nests natively (native frames are small, but
a thread's stack is finite): a call's levels are CPython's remaining recursion
budget, as Python frames would be, up to this many (see `cpython_wrapper`)."""
UNKNOWN_BUDGET = 500
"""The levels a call from Python nests when its wrapper cannot read CPython's budget."""
CALL_DEPTH_ARGS = (NATIVE_DEPTH_LIMIT - UNKNOWN_BUDGET,)
"""The trailing arguments a call from Python passes to a function `@jit` captured
(the CPython wrapper computes the depth from the thread's recursion budget instead)."""

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""The ints an `i64` holds; any other Python int takes the call back to Python."""

SCALAR_TYPES = ("i1", "i64", "f64")
"""The scalar argument and result types native calls take, by their IR name."""

PYTHON_TYPES = {"i1": bool, "i64": int, "f64": float}

OK = 0
HAND_BACK = "HandBack"
"""The status kind for "Python's answer is not representable here" (an int past 64
bits, a complex power, a float too big for `int`): Python recomputes it."""

STATUS_CODES: dict[str, int] = {
    "ZeroDivisionError": 1,
    "ValueError": 2,
    "OverflowError": 3,
    HAND_BACK: 4,
    "Raised": 5,
    "Resumed": 6,
}
"""The status a native function reports when Python would raise `kind` (or, for
`HandBack`, when only Python can compute the answer); 0 means ok."""

KIND_OF_STATUS: dict[int, str] = {code: kind for kind, code in STATUS_CODES.items()}

RAISED = STATUS_CODES["Raised"]
"""A region break's Python call raised (or the CPython rest of the call did): the
exception waits in `graphlet.backend.regions` for the dispatcher to raise it."""
RESUMED = STATUS_CODES["Resumed"]
"""After a region break, the rest of the call ran in CPython; its result waits in
`graphlet.backend.regions`."""
REGION_HEADER_SLOTS = 2
"""A region frame's leading slots: the site of the last region call that finished
(0: none yet), and the status a region helper left for the unwinding code."""
REGION_CALL_SYMBOL = "graphlet_region_call"
"""`i32 graphlet_region_call(i64 *frame, i64 site)`: calls a region break's Python callable."""
REGION_UNWIND_SYMBOL = "graphlet_region_unwind"
"""`i32 graphlet_region_unwind(i64 *frame, i32 status)`: what a failing function with a
region frame returns instead of `status` (the rest of the call run in CPython)."""

LIST_LENGTH, LIST_CAPACITY, LIST_DATA, LIST_ORIGIN, LIST_NEXT, LIST_DIRTY = range(6)
"""The 8-byte fields of a native list's header (docs/jit-values.md); `LIST_NEXT` chains
the lists one call made, from the arena's first field."""
LIST_HEADER_BYTES = 48
(
    ARENA_LOG,
    ARENA_LOG_LENGTH,
    ARENA_LOG_CAPACITY,
    ARENA_OWNED,
    ARENA_OWNED_LENGTH,
    ARENA_OWNED_CAPACITY,
) = range(2, 8)
"""The arena's array fields (after the list chain and its byte count): the undo log of
array writes (entries of address, old value, size) and the arrays the call made."""
ARENA_FIELDS = 8
"""8-byte fields of the arena, the list ones included."""

(
    ARRAY_DATA_OFFSET,
    ARRAY_ND_OFFSET,
    ARRAY_DIMS_OFFSET,
    ARRAY_STRIDES_OFFSET,
    ARRAY_DESCR_OFFSET,
    ARRAY_FLAGS_OFFSET,
) = (16, 24, 32, 40, 56, 64)
"""Byte offsets of the fields of a NumPy array object (`PyArrayObject`) that native
code reads: the data pointer, `nd`, the dimensions and strides pointers, the
descriptor and the flags."""

TENSOR_STATUS_CODES: dict[str, int] = {
    "ZeroDivisionError": 1,
    "IndexError": 2,
    "IndexOutOfBounds": 3,
}
"""The status a native tensor function reports: PyTorch's ZeroDivisionError, its
IndexError (embedding, `x[idx]`) and its RuntimeError for an index out of bounds
(gather, scatter, index_select); 0 means ok."""

TENSOR_STATUS_ATTRIBUTE = "graphlet.status_result"
"""Unit attribute of a tensor function whose last result is its status."""

GEMM_SYMBOLS: dict[int, str] = {32: "graphlet_cblas_sgemm", 64: "graphlet_cblas_dgemm"}
"""The BLAS entry points tensor code calls, by float width; the runtime binds them."""


def c_interface_symbol(name: str) -> str:
    return C_INTERFACE_PREFIX + name


def describe_status(status: int) -> str:
    return KIND_OF_STATUS.get(status, f"status {status}")


HAND_BACK_REASONS: dict[str, str] = {
    "ZeroDivisionError": "CPython raises ZeroDivisionError here",
    "ValueError": "CPython raises ValueError here (a math domain error, a bad argument)",
    "OverflowError": "CPython raises OverflowError here (a math range error, a float too big)",
    HAND_BACK: (
        "a runtime check found a case left to CPython (an int past 64 bits, an exception"
        " such as IndexError, a complex result, or a bail point at a graph break)"
    ),
    "Raised": "a call CPython ran at a region break raised",
    "Resumed": "CPython ran the rest of the call after a region break",
}
"""Why a native call handed back, by status kind, in words for `graphlet.explain`."""


def explain_status(status: int) -> str:
    """Why native code returned `status`, readable at a REPL."""
    kind = KIND_OF_STATUS.get(status, "")
    return HAND_BACK_REASONS.get(kind, f"native code returned status {status}")


class HandBack(Exception):
    """Compiled code cannot produce CPython's answer for this call: run the plain function.
    A non-zero status as an exception; the runtime raises it, `@jit`'s dispatcher takes it."""


@dataclass(frozen=True)
class ScalarSignature:
    """A scalar function callable through its C interface (see the module docstring)."""

    name: str
    args: tuple[Any, ...]
    """The arguments a caller passes (without the call depth and the arena): "i1",
    "i64", "f64" or a value spec of `graphlet.backend.pyvalues`."""
    results: tuple[Any, ...]
    call_depth: bool = False
    """Whether the C interface takes the trailing call depth (`CALL_DEPTH_ARGS`)."""
    arena: bool = False
    """Whether it takes the call's list arena after that (`graphlet.backend.lists`)."""
    fastcall: bool = False
    """Whether the compiled code includes the function's CPython wrapper
    (`graphlet.backend.cpython_wrapper.fastcall_symbol`)."""


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    dtype: str
    """NumPy's name of the element type: float32, float64, int64, bool."""


@dataclass(frozen=True)
class TensorSignature:
    """A tensor function: data pointers of `inputs`, then of `outputs`, then (when
    `status`) of its 0-d i64 status."""

    name: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    status: bool


Signature = ScalarSignature | TensorSignature


def signature_to_json(signature: Signature) -> dict[str, Any]:
    kind = "scalar" if isinstance(signature, ScalarSignature) else "tensor"
    return {"kind": kind, **asdict(signature)}


def signature_from_json(data: dict[str, Any]) -> Signature:
    if data["kind"] == "scalar":
        return ScalarSignature(
            data["name"],
            tuple(map(_spec_from_json, data["args"])),
            tuple(map(_spec_from_json, data["results"])),
            bool(data["call_depth"]),
            bool(data["arena"]),
            bool(data["fastcall"]),
        )

    def specs(items: list[dict[str, Any]]) -> tuple[TensorSpec, ...]:
        return tuple(TensorSpec(tuple(s["shape"]), s["dtype"]) for s in items)

    return TensorSignature(
        data["name"], specs(data["inputs"]), specs(data["outputs"]), bool(data["status"])
    )


def _spec_from_json(spec: Any) -> Any:
    """A value spec back from JSON, which made its tuples lists."""
    return tuple(map(_spec_from_json, spec)) if isinstance(spec, list) else spec
