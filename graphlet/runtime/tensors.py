"""Calling compiled tensor functions on NumPy arrays and torch tensors, without copies.

`compile_tensor_function(module, name)` lowers a graphlet tensor function with
`lower-tensors-to-llvm` (or takes its LLVM IR from the on-disk cache, see
`graphlet.backend.cache`), JIT-compiles it at -O3 for the host CPU and returns a
`TensorFunction`. Its native ABI is one data pointer per input, then one per
output (`graphlet-bufferize`'s out-params), returning nothing. Calling it:

* takes each input's data pointer as it is (`__array_interface__` for NumPy,
  `data_ptr()` for torch): no copy;
* checks every input first, its type, dtype, shape and C-contiguity against the
  compiled signature: the kernel's loops have the compiled shapes baked in, so a
  mismatch raises `TensorSignatureError` instead of reading out of bounds;
* allocates the outputs, with `torch.empty` when any input is a torch tensor,
  else `numpy.empty`, and returns them;
* raises the error of a kernel's status result (a function with an op that can
  raise, e.g. int `//` by zero, has one: see `convert-graphlet-to-linalg`) after
  the call, as PyTorch would have raised.

All pointer arguments are marked `noalias`: inputs are only read and outputs
are fresh allocations, so the promise holds even when one array is passed
twice, and LLVM may keep accumulators in registers and vectorise without
run-time overlap checks. Matmuls call NumPy's OpenBLAS through symbols bound
here (`bind_blas`); without that library they stay loops.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Sequence
from functools import cache
from time import perf_counter
from typing import Any

import llvmlite.binding as llvm_binding
import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType

from graphlet.backend.cache import cached_lowering
from graphlet.backend.jit import JitEngine
from graphlet.backend.llvm_ir import translate_module
from graphlet.dialects import graphlet as g
from graphlet.lowering.convert_graphlet_to_linalg import STATUS_RESULT, ConvertGraphletToLinalgPass
from graphlet.lowering.convert_linalg_to_blas import GEMM_SYMBOLS
from graphlet.lowering.lower_tensors_to_llvm import lower_tensors_to_llvm_passes
from graphlet.registry import make_context

OPT_LEVEL = 3


class TensorSignatureError(TypeError):
    """An argument that does not match the compiled signature."""


@cache
def _openblas() -> ctypes.CDLL | None:
    """NumPy's bundled OpenBLAS (64-bit integers), if this NumPy has one."""
    root = os.path.dirname(os.path.dirname(np.__file__))
    for path in glob.glob(os.path.join(root, "numpy.libs", "libscipy_openblas64_*.so*")):
        return ctypes.CDLL(path)
    return None


@cache
def bind_blas() -> bool:
    """Makes the `graphlet_cblas_?gemm` symbols resolvable by the JIT; False when
    no BLAS was found (matmuls are then compiled as loops)."""
    lib = _openblas()
    if lib is None:
        return False
    for element, symbol in GEMM_SYMBOLS.items():
        prefix = "s" if element.bitwidth == 32 else "d"
        address = ctypes.cast(getattr(lib, f"scipy_cblas_{prefix}gemm64_"), ctypes.c_void_p).value
        llvm_binding.add_symbol(symbol, address)
    return True


def set_blas_threads(count: int) -> None:
    """Sets OpenBLAS's thread count (benchmarks use one)."""
    lib = _openblas()
    if lib is not None:
        lib.scipy_openblas_set_num_threads64_(ctypes.c_int(count))


def _torch() -> Any:
    import sys

    return sys.modules.get("torch")


class TensorFunction:
    """A native tensor function: call it with arrays or tensors, get its results."""

    def __init__(
        self, module: ModuleOp, name: str, *, blas: bool | None = None, opt_level: int = OPT_LEVEL
    ) -> None:
        fn = _function(module, name)
        self.name = name
        self.input_types = list(fn.function_type.inputs.data)
        self.output_types = list(fn.function_type.outputs.data)
        for t in (*self.input_types, *self.output_types):
            if not isinstance(t, TensorType):
                raise TypeError(
                    f"@{name}: native tensor functions take and return tensors only, got {t}"
                )
        self.timings: dict[str, float] = {}
        start = perf_counter()
        use_blas = bind_blas() if blas is None else blas and bind_blas()
        options = {"function": name, "blas": use_blas, "opt_level": opt_level}
        lowering = cached_lowering(
            module, "lower-tensors-to-llvm", options, lambda: self._lower(module, name, use_blas)
        )
        if lowering.hit:
            self.timings["cache"] = perf_counter() - start
        self._status = lowering.metadata["status"]
        self.engine = JitEngine(lowering.llvm_ir, opt_level=opt_level)
        self.timings.update(self.engine.timings)
        count = len(self.input_types) + len(self.output_types) + self._status
        self._kernel = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * count)(self.engine.address(name))
        self._in_specs = [(g.shape_of(t), g.np_dtype(t)) for t in self.input_types]
        self._out_specs = [(g.shape_of(t), g.np_dtype(t)) for t in self.output_types]
        torch = _torch()
        self._torch_dtypes = (
            [_torch_dtype(torch, d) for _, d in self._out_specs + self._in_specs] if torch else None
        )

    def _lower(self, module: ModuleOp, name: str, use_blas: bool) -> tuple[str, dict[str, Any]]:
        """The LLVM IR of `module`, and whether `@name` has a status out-param."""
        start = perf_counter()
        lowered = module.clone()
        ctx, status = make_context(), False
        for lowering in lower_tensors_to_llvm_passes(use_blas):
            lowering.apply(ctx, lowered)
            if isinstance(lowering, ConvertGraphletToLinalgPass):
                status = STATUS_RESULT in _function(lowered, name).attributes
        self.timings["lower"] = perf_counter() - start
        start = perf_counter()
        llvm_module = translate_module(lowered)
        for arg in llvm_module.get_global(name).args:
            arg.add_attribute("noalias")
        self.timings["translate"] = perf_counter() - start
        return str(llvm_module), {"status": status}

    def __call__(self, *args: Any, out: Sequence[Any] | None = None) -> list[Any]:
        """The results, in new arrays/tensors, or written into `out` (checked like
        the inputs): reusing outputs saves the first-touch page faults of fresh
        large allocations, which cost more than the kernel on big elementwise work."""
        if len(args) != len(self._in_specs):
            raise TensorSignatureError(
                f"@{self.name} takes {len(self._in_specs)} arguments, got {len(args)}"
            )
        pointers = [self._pointer(i, a, self._in_specs) for i, a in enumerate(args)]
        torch = _torch()
        if out is not None:
            if len(out) != len(self._out_specs):
                raise TensorSignatureError(
                    f"@{self.name} has {len(self._out_specs)} results, got {len(out)} outputs"
                )
            outs = list(out)
            if any(isinstance(o, np.ndarray) and not o.flags.writeable for o in outs):
                raise TensorSignatureError("outputs must be writeable")
            pointers += [self._pointer(i, o, self._out_specs, "output") for i, o in enumerate(outs)]
        elif torch is not None and any(isinstance(a, torch.Tensor) for a in args):
            outs = [
                torch.empty(shape, dtype=_torch_dtype(torch, dtype))
                for shape, dtype in self._out_specs
            ]
            pointers += [o.data_ptr() for o in outs]
        else:
            outs = [np.empty(shape, dtype) for shape, dtype in self._out_specs]
            pointers += [o.__array_interface__["data"][0] for o in outs]
        if not self._status:
            self._kernel(*pointers)
            return outs
        status = np.zeros((), np.int64)
        self._kernel(*pointers, status.__array_interface__["data"][0])
        if status:
            error = g.TENSOR_ERRORS[int(status)]
            raise error(g.TENSOR_ERROR_MESSAGES[error])
        return outs

    def _pointer(
        self,
        index: int,
        value: Any,
        specs: list[tuple[tuple[int, ...], np.dtype]],
        what: str = "argument",
    ) -> int:
        shape, dtype = specs[index]
        torch = _torch()
        if torch is not None and isinstance(value, torch.Tensor):
            if value.device.type != "cpu":
                raise TensorSignatureError(
                    f"{what} {index} is on {value.device}; graphlet runs on the CPU"
                )
            if value.dtype != _torch_dtype(torch, dtype) or value.shape != shape:
                raise self._mismatch(
                    what, index, tuple(value.shape), str(value.dtype).removeprefix("torch."), specs
                )
            if not value.is_contiguous():
                raise TensorSignatureError(
                    f"{what} {index} is not contiguous (call .contiguous() first)"
                )
            return value.data_ptr()
        if isinstance(value, np.ndarray):
            if value.dtype != dtype or value.shape != shape:
                raise self._mismatch(what, index, value.shape, str(value.dtype), specs)
            interface = value.__array_interface__
            if interface["strides"] is not None and not value.flags.c_contiguous:
                raise TensorSignatureError(
                    f"{what} {index} is not C-contiguous (use np.ascontiguousarray)"
                )
            return interface["data"][0]
        raise TensorSignatureError(
            f"{what} {index} must be a NumPy array or a torch tensor, got {type(value).__name__}"
        )

    def _mismatch(
        self, what: str, index: int, shape: Sequence[int], dtype: str, specs: list
    ) -> TensorSignatureError:
        want_shape, want_dtype = specs[index]
        return TensorSignatureError(
            f"{what} {index} of @{self.name} has shape {tuple(shape)} and dtype {dtype}; "
            f"compiled for shape {want_shape} and dtype {want_dtype}"
        )


def _function(module: ModuleOp, name: str) -> func.FuncOp:
    return next(op for op in module.ops if isinstance(op, func.FuncOp) and op.sym_name.data == name)


def _torch_dtype(torch: Any, dtype: np.dtype) -> Any:
    return {
        np.dtype(np.float32): torch.float32,
        np.dtype(np.float64): torch.float64,
        np.dtype(np.int64): torch.int64,
        np.dtype(np.bool_): torch.bool,
    }[np.dtype(dtype)]


def compile_tensor_function(module: ModuleOp, name: str, **options: Any) -> TensorFunction:
    return TensorFunction(module, name, **options)
