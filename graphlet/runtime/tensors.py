"""Calling compiled tensor functions on NumPy arrays and torch tensors, without copies.

`graphlet.driver.compile_tensor_function(module, name)` compiles a graphlet tensor
function with `lower-tensors-to-llvm` at -O3 for the host CPU and returns a
`TensorFunction`. Its native ABI (`graphlet.abi.TensorSignature`) is one data pointer
per input, then one per output (`graphlet-bufferize`'s out-params), returning
nothing. Calling it:

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

`TensorFunction.entry` builds a CPython builtin that does the same checks, the
allocation and the call in machine code (`graphlet.backend.tensor_entry`), for a
caller whose arguments' shapes are fixed (`trace_graph`'s versions).

All pointer arguments are marked `noalias`: inputs are only read and outputs
are fresh allocations, so the promise holds even when one array is passed
twice, and LLVM may keep accumulators in registers and vectorise without
run-time overlap checks. Matmuls call NumPy's OpenBLAS through symbols bound by
`graphlet.backend.blas`; without that library they stay loops.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graphlet import abi
from graphlet.backend.blas import bind_blas as bind_blas
from graphlet.backend.blas import set_blas_threads as set_blas_threads

OPT_LEVEL = 3


class TensorSignatureError(TypeError):
    """An argument that does not match the compiled signature."""


def _torch() -> Any:
    return sys.modules.get("torch")


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20
"""glibc's largest `M_MMAP_THRESHOLD` (`HEAP_MAX_SIZE / 2` on 64-bit)."""
TRIM_THRESHOLD = 128 << 20
_malloc_tuned = False


def keep_freed_memory() -> None:
    """Have glibc's malloc keep the buffers a kernel frees for the next call.

    A kernel `aligned_alloc`s its intermediates and frees them all at its end; with
    glibc's defaults each big one is a fresh `mmap` (or the freed heap top is
    trimmed), so every call page-faults its buffers in again: the LayerNorm/GELU
    forward + backward of `benchmarks/bench_autodiff.py` took ~1070 faults and
    3.9 ms of system time a call (9.9 ms CPU against eager's 5.7 ms), and with
    these thresholds 77 faults and 5.3 ms (eager 4.2 ms). PyTorch's own allocator
    gets the same reuse from glibc's dynamic thresholds, which graphlet's
    allocate-all-free-all pattern defeats. Process-wide, set once, on glibc only."""
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


class TensorFunction:
    """A native tensor function: call it with arrays or tensors, get its results."""

    def __init__(self, artifact: Any, name: str) -> None:
        keep_freed_memory()
        signature = artifact.signatures[name]
        if not isinstance(signature, abi.TensorSignature):
            raise TypeError(f"@{name} is not a tensor function")
        self.name = name
        self.artifact = artifact
        self.engine = artifact.engine
        self.timings: dict[str, float] = artifact.timings
        self._status = signature.status
        count = len(signature.inputs) + len(signature.outputs) + self._status
        self._kernel = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * count)(self.engine.address(name))
        self._in_specs = [(s.shape, np.dtype(s.dtype)) for s in signature.inputs]
        self._out_specs = [(s.shape, np.dtype(s.dtype)) for s in signature.outputs]
        self._thunk: Callable[..., None] | None = None
        torch = _torch()
        self._torch_dtypes = (
            [_torch_dtype(torch, d) for _, d in self._out_specs + self._in_specs] if torch else None
        )

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
            raise tensor_error(int(status))
        return outs

    def torch_runner(self) -> Callable[[Sequence[Any]], list[Any] | None]:
        """A lean `__call__` for torch tensors, for a caller that calls one signature
        many times (the fx frontend's kernels): `run(tensors)` checks each tensor
        (CPU, dtype, shape, contiguity) against specs converted once, allocates the
        outputs with `torch.empty` and calls the kernel; it returns None, calling
        nothing, when an argument does not match, so that the caller takes the
        checked path (`__call__`, which copies or raises). Per call it saves what
        `__call__` redoes for generality: the dtype table, the NumPy branches, a
        status array (a `ctypes` integer here)."""
        torch = _torch()
        tensor = torch.Tensor
        ins = [(torch.Size(shape), _torch_dtype(torch, d)) for shape, d in self._in_specs]
        outs = [(tuple(shape), _torch_dtype(torch, d)) for shape, d in self._out_specs]
        kernel, status, empty = self._kernel, self._status, torch.empty
        arity = len(ins)

        def run(args: Sequence[Any]) -> list[Any] | None:
            if len(args) != arity:
                return None
            pointers = []
            for a, (shape, dtype) in zip(args, ins):
                if not (
                    isinstance(a, tensor)
                    and a.dtype is dtype
                    and a.shape == shape
                    and a.is_cpu
                    and a.is_contiguous()
                ):
                    return None
                pointers.append(a.data_ptr())
            results = [empty(shape, dtype=dtype) for shape, dtype in outs]
            pointers += [r.data_ptr() for r in results]
            if not status:
                kernel(*pointers)
                return results
            flag = ctypes.c_int64(0)
            kernel(*pointers, ctypes.addressof(flag))
            if flag.value:
                raise tensor_error(flag.value)
            return results

        return run

    def call_guarded(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """The results for C-contiguous NumPy arrays whose shapes and dtypes the
        caller's own guards have already matched to the signature (`trace_graph`'s):
        the per-call checks of `__call__` skipped, and the arrays handed as objects
        to a thunk that reads their data pointers natively (`__array_interface__`
        builds a dict per array, microseconds: more than a small kernel)."""
        if self._thunk is None:
            self._thunk = _pointer_thunk(self)
        outs = [np.empty(shape, dtype) for shape, dtype in self._out_specs]
        if not self._status:
            self._thunk(*arrays, *outs)
            return outs
        status = np.zeros((), np.int64)
        self._thunk(*arrays, *outs, status)
        if status:
            raise tensor_error(int(status))
        return outs

    def entry(
        self,
        params: Sequence[tuple[Any, ...]],
        scalars: Sequence[bool],
        tree: Any,
        last: tuple[int, int] | None = None,
        externals: Sequence[tuple[Any, str, tuple[Any, ...]]] = (),
        keywords: Sequence[str] = (),
    ) -> Any:
        """A `TensorEntry` of this kernel (`graphlet.backend.tensor_entry`): bound, a
        builtin that checks its arguments against `params` and the `externals` it reads
        (whose arrays, the arguments' then the externals', must be this signature's
        inputs, in order), allocates the outputs and calls the kernel with
        no Python frame and no ctypes. Result `j` is a NumPy scalar when `scalars[j]`.
        A non-zero status calls `on_status(status, *args, **kwargs)` (`tensor_error(status)` is
        the exception it stands for)."""
        from graphlet.backend.tensor_entry import TensorEntry

        every = [*params, *(p for _, _, p in externals)]
        arrays = [(tuple(p[2]), np.dtype(p[1])) for p in every if p[0] == "array"]
        if arrays != [(tuple(shape), dtype) for shape, dtype in self._in_specs]:
            raise TensorSignatureError(
                f"@{self.name}'s entry: the array parameters {arrays} are not its inputs"
            )
        outputs = [
            (dtype.name, tuple(shape), scalar)
            for (shape, dtype), scalar in zip(self._out_specs, scalars, strict=True)
        ]
        return TensorEntry(
            self.engine.address(self.name),
            params,
            outputs,
            tree,
            status=bool(self._status),
            last=last,
            externals=externals,
            keywords=keywords,
            keep_alive=self,
        )

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
            return int(value.data_ptr())
        if isinstance(value, np.ndarray):
            if value.dtype != dtype or value.shape != shape:
                raise self._mismatch(what, index, value.shape, str(value.dtype), specs)
            interface = value.__array_interface__
            if interface["strides"] is not None and not value.flags.c_contiguous:
                raise TensorSignatureError(
                    f"{what} {index} is not C-contiguous (use np.ascontiguousarray)"
                )
            return int(interface["data"][0])
        raise TensorSignatureError(
            f"{what} {index} must be a NumPy array or a torch tensor, got {type(value).__name__}"
        )

    def _mismatch(
        self, what: str, index: int, shape: Sequence[int], dtype: str, specs: list[Any]
    ) -> TensorSignatureError:
        want_shape, want_dtype = specs[index]
        return TensorSignatureError(
            f"{what} {index} of @{self.name} has shape {tuple(shape)} and dtype {dtype}; "
            f"compiled for shape {want_shape} and dtype {want_dtype}"
        )


def _pointer_thunk(function: TensorFunction) -> Callable[..., None]:
    """A native function of the kernel's arrays as objects: it loads each one's data
    pointer from its `PyArrayObject` (the offset `@jit`'s wrappers read) and calls the
    kernel. Its engine lives as long as the returned callable."""
    from graphlet.backend.arrays import DATA_OFFSET
    from graphlet.backend.jit import JitEngine

    count = len(function._in_specs) + len(function._out_specs) + function._status
    params = ", ".join(f"ptr %o{i}" for i in range(count))
    body = "".join(
        f"  %a{i} = getelementptr i8, ptr %o{i}, i64 {DATA_OFFSET}\n  %d{i} = load ptr, ptr %a{i}\n"
        for i in range(count)
    )
    data = ", ".join(f"ptr %d{i}" for i in range(count))
    address = function.engine.address(function.name)
    engine = JitEngine(
        f"define void @thunk({params}) {{\n{body}"
        f"  %f = inttoptr i64 {address} to ptr\n"
        f"  call void %f({data})\n  ret void\n}}\n",
        opt_level=1,
    )
    thunk = ctypes.CFUNCTYPE(None, *[ctypes.py_object] * count)(engine.address("thunk"))
    thunk._engine = engine  # type: ignore[attr-defined]  # keeps the code alive
    return thunk


def tensor_error(status: int) -> Exception:
    """The exception PyTorch raises for what status `status` reports."""
    from graphlet.dialects import graphlet as g

    error = g.TENSOR_ERRORS.get(status)
    if error is None:
        return RuntimeError(f"native tensor code failed with {abi.describe_status(status)}")
    return error(g.TENSOR_ERROR_MESSAGES[error])


_TORCH_DTYPES: dict[np.dtype, Any] = {}


def _torch_dtype(torch: Any, dtype: np.dtype) -> Any:
    if not _TORCH_DTYPES:
        _TORCH_DTYPES.update(
            {
                np.dtype(np.float32): torch.float32,
                np.dtype(np.float64): torch.float64,
                np.dtype(np.int64): torch.int64,
                np.dtype(np.int32): torch.int32,
                np.dtype(np.bool_): torch.bool,
            }
        )
    return _TORCH_DTYPES[np.dtype(dtype)]
