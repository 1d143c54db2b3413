"""NumPy's bundled OpenBLAS as the JIT's BLAS: tensor code calls the `graphlet.abi`
GEMM symbols, bound here to OpenBLAS's 64-bit-integer CBLAS entry points."""

from __future__ import annotations

import ctypes
import glob
import os
from functools import cache

import llvmlite.binding as llvm

from graphlet import abi


@cache
def _openblas() -> ctypes.CDLL | None:
    """NumPy's bundled OpenBLAS (64-bit integers), if this NumPy has one."""
    import numpy as np

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
    for width, symbol in abi.GEMM_SYMBOLS.items():
        prefix = "s" if width == 32 else "d"
        address = ctypes.cast(getattr(lib, f"scipy_cblas_{prefix}gemm64_"), ctypes.c_void_p).value
        llvm.add_symbol(symbol, address)
    return True


def set_blas_threads(count: int) -> None:
    """Sets OpenBLAS's thread count (benchmarks use one)."""
    lib = _openblas()
    if lib is not None:
        lib.scipy_openblas_set_num_threads64_(ctypes.c_int(count))
