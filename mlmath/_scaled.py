"""Products of finite numbers that overflow only where the exact answer does.

1e200 · 1e200 overflows, and a dot product that overflows in one term can come out
as inf, −inf or nan even when its exact value is small. Dividing a factor by a power
of two is exact, so the rescue scales each factor to at most 1, multiplies, and scales
the result back once. The plain product is tried first: the rescue costs extra passes.

Scaling cannot remove rounding error: a dot product of terms near 1e400 is only known
to about 1e400 · 2^−53 ≈ 1e384, beyond the largest float. Where that error, scaled
back, could hide the sign, the exact value is out of float64's reach and we say so.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mlmath._validate import FloatArray


def exponent(a: npt.ArrayLike) -> int:
    """The power of two e with max |a| < 2^e, so a / 2^e has no entry beyond 1."""
    return int(np.frexp(np.max(np.abs(a)))[1])


def error_bound(sum_of_magnitudes: FloatArray, terms: int) -> FloatArray:
    """A bound on the rounding error of a float sum of `terms` products (Higham's γ_n)."""
    eps = np.finfo(sum_of_magnitudes.dtype).eps
    bound: FloatArray = (terms + 1) * eps * sum_of_magnitudes
    return bound


def scale_back(value: FloatArray, bound: FloatArray, e: int, message: str) -> FloatArray:
    """value · 2^e, for a value computed from scaled factors with error at most `bound`.

    Where the error scaled back is beyond the largest float and could flip the sign,
    the exact result is unknowable in floating point: ValueError(message).
    """
    with np.errstate(over="ignore"):
        result: FloatArray = np.ldexp(value, e)
        error = np.ldexp(bound, e)
    if (np.isinf(error) & (np.abs(value) <= bound)).any():
        raise ValueError(message)
    return result


def _times(A: FloatArray, B: FloatArray) -> FloatArray:
    result: FloatArray = A * B if A.ndim == 0 or B.ndim == 0 else A @ B
    return result


def product(A: FloatArray, B: FloatArray, c: float, message: str) -> FloatArray:
    """c · (A @ B), or c · A · B when one of them is a scalar, for finite A, B and c.

    ±inf only where the exact value is beyond the largest float; ValueError(message)
    where the exact value is out of float64's reach (see the module's note).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        result = c * _times(A, B)
    if np.isfinite(result).all():
        return result
    p, q, r = exponent(A), exponent(B), exponent(c)
    A, B = np.ldexp(A, -p), np.ldexp(B, -q)
    c_scaled = np.ldexp(np.asarray(c, result.dtype), -r)
    value = c_scaled * _times(A, B)
    terms = A.shape[-1] if A.ndim else 1
    bound = error_bound(np.abs(c_scaled) * _times(np.abs(A), np.abs(B)), terms + 1)
    return scale_back(value, bound, p + q + r, message)
