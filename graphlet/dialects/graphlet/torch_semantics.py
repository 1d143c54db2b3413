"""NumPy functions with PyTorch's rules, the meaning of graphlet's tensor ops where
NumPy differs (int division by zero raises, `%` on floats keeps the dividend's
zero sign, int `**` with a negative exponent, relu keeps NaN, erf).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from graphlet.abi import TENSOR_STATUS_CODES


class TensorZeroDivisionError(ZeroDivisionError, RuntimeError):
    """An int tensor divided by zero. PyTorch raises `RuntimeError("ZeroDivisionError")`,
    Python code expects a ZeroDivisionError: this is both, with torch's message."""


class TensorIndexError(IndexError):
    """An index out of range where PyTorch raises IndexError (embedding, `x[idx]`,
    index_put): its message is embedding's."""


class TensorIndexOutOfBoundsError(RuntimeError):
    """An index out of range where PyTorch raises RuntimeError (gather, scatter,
    index_select, embedding_bag)."""


TENSOR_ERRORS: dict[int, type[Exception]] = {
    TENSOR_STATUS_CODES["ZeroDivisionError"]: TensorZeroDivisionError,
    TENSOR_STATUS_CODES["IndexError"]: TensorIndexError,
    TENSOR_STATUS_CODES["IndexOutOfBounds"]: TensorIndexOutOfBoundsError,
}
"""The errors native tensor code reports, by status code (0 is ok); the message
is the class's torch message, `TENSOR_ERROR_MESSAGES`."""

TENSOR_ERROR_MESSAGES: dict[type[Exception], str] = {
    TensorZeroDivisionError: "ZeroDivisionError",
    TensorIndexError: "index out of range in self",
    TensorIndexOutOfBoundsError: "index out of bounds",
}

INDEX_ERRORS: dict[str, type[Exception]] = {
    "IndexError": TensorIndexError,
    "RuntimeError": TensorIndexOutOfBoundsError,
}
"""The index errors by the name of the PyTorch exception they stand for (an indexing
op's `error` property)."""


def check_indices(index: np.ndarray, size: int, wrap_negative: bool, error: str) -> np.ndarray:
    """`index` into a dimension of `size`, negatives counted from the end when
    `wrap_negative` (`x[idx]`, index_put) and refused otherwise (embedding, gather);
    an index out of range raises the op's error, as PyTorch does."""
    index = np.asarray(index, dtype=np.int64)
    wrapped = np.where(index < 0, index + size, index) if wrap_negative else index
    if np.any((wrapped < 0) | (wrapped >= size)):
        cls = INDEX_ERRORS[error]
        raise cls(TENSOR_ERROR_MESSAGES[cls])
    return wrapped


def _int_divisor_check(a: np.ndarray, b: np.ndarray) -> None:
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and np.any(b == 0):
        raise TensorZeroDivisionError(TENSOR_ERROR_MESSAGES[TensorZeroDivisionError])


def np_floordiv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.floor_divide: ints raise on a zero divisor (INT_MIN // -1 wraps), floats
    give inf/nan."""
    _int_divisor_check(a, b)
    return np.asarray(np.floor_divide(a, b))


def np_mod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.remainder: the sign of the divisor, like Python's `%`; on floats torch's
    `fmod`-then-adjust, so a zero keeps the dividend's sign (NumPy's takes the divisor's)."""
    _int_divisor_check(a, b)
    if a.dtype.kind != "f":
        return np.asarray(np.mod(a, b))
    mod = np.fmod(a, b)
    return np.asarray(np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod))


def np_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.pow: ints wrap; a negative int exponent gives 1 for base 1, +-1 for base -1
    and 0 otherwise (NumPy raises instead)."""
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu" or not np.any(b < 0):
        return np.asarray(np.power(a, b))
    negative = b < 0
    power = np.power(a, np.where(negative, 0, b))
    reciprocal = np.where(a == 1, 1, np.where(a == -1, np.where(b & 1, -1, 1), 0))
    return np.where(negative, reciprocal, power)


def np_keep_ints(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    def rounded(x: np.ndarray) -> np.ndarray:
        return x if x.dtype.kind in "iub" else fn(x)

    return rounded


def np_relu(x: np.ndarray) -> np.ndarray:
    """torch.relu: max(x, 0), NaN stays NaN."""
    return np.where(x > 0, x, np.where(np.isnan(x), x, 0) if x.dtype.kind == "f" else 0)


def np_erf(x: np.ndarray) -> np.ndarray:
    """erf elementwise, in double precision (NumPy has no erf)."""
    return np.asarray(np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)), dtype=np.float64)
