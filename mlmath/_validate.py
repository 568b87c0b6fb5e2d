"""The one place that turns bad input into clear errors.

Every public function passes its arguments through these checks before it computes
anything, so a reader who passes a string, a ragged list, mismatched shapes or NaN
gets a message that names the argument, says what was expected and what came,
instead of a NumPy traceback about broadcasting.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
# What an elementwise function returns: a Python float for a Python number, a NumPy
# float32 scalar for one, an array for an array.
FloatResult = float | np.floating[Any] | FloatArray
# One number: a Python float, or a NumPy float32 where the work was float32.
FloatScalar = float | np.floating[Any]

# Kinds NumPy uses for booleans, signed and unsigned integers, and reals.
_REAL_KINDS = "biuf"


def describe(value: object) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, str):
        return f"the string {value!r}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _float_of(item: object, name: str) -> float:
    """One entry of an object array: a Python int that float() takes, or an error."""
    if isinstance(item, bool) or not isinstance(item, numbers.Integral | float):
        raise TypeError(f"{name} must be a real number or an array of them; got {describe(item)}")
    try:
        return float(item)
    except OverflowError:
        digits = len(str(abs(int(item))))
        raise ValueError(
            f"{name} must be within the float64 range (about ±1.8e308); got an int too large "
            f"for a float ({digits} digits)"
        ) from None


def _numeric_array(value: object, name: str) -> npt.NDArray[Any]:
    """``value`` as a NumPy array of real numbers, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, np.ma.MaskedArray):
        # Dropping the mask would count the masked entries; honouring it would change
        # every shape rule. Refuse, and say how to get a plain array.
        raise TypeError(
            f"{name} must be a plain array, not a masked array; drop the masked entries "
            f"first (np.ma.compressed) or fill them (.filled())"
        )
    try:
        array = np.asarray(value)
    except ValueError as error:
        # NumPy refuses ragged nested lists such as [[1, 2], [3]].
        raise ValueError(
            f"{name} must be a number or a rectangular array of numbers; "
            f"got a ragged nested sequence ({error})"
        ) from None
    if array.dtype == object:
        # Python ints beyond 64 bits (2**64, 10**400) arrive as objects: convert those
        # float() converts, and say which are too large.
        floats = [_float_of(item, name) for item in array.reshape(-1)]
        return np.array(floats, np.float64).reshape(array.shape)
    if array.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must be a real number or an array of them; got {describe(value)}")
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:
        raise TypeError(
            f"{name} must be float16, float32 or float64 numbers; got {array.dtype} "
            f"(convert with .astype(np.float64))"
        )
    return array


def _float_dtype(arrays: list[npt.NDArray[Any]], values: tuple[object, ...]) -> np.dtype[Any]:
    """The floating type to compute in: float32 stays float32 (float16 becomes float32),
    integers become float64.

    A plain Python ``int`` or ``float`` does not decide the type (NumPy's rule for
    Python scalars), so ``predict(W32, X32, 0.5)`` stays in float32.
    """
    decisive = [a.dtype for a, v in zip(arrays, values, strict=True) if type(v) not in (int, float)]
    dtype = np.result_type(*decisive) if decisive else np.dtype(np.float64)
    if dtype.kind != "f":
        return np.dtype(np.float64)
    # float16 has too few digits for the accuracy promises: it is computed, and
    # returned, as float32 (the reference page says so).
    return np.dtype(np.float32) if dtype.itemsize <= 4 else np.dtype(np.float64)


def as_floats(*named: tuple[str, object]) -> list[FloatArray]:
    """Each ``(name, value)`` as a float array, all in one common float dtype."""
    arrays = [_numeric_array(value, name) for name, value in named]
    dtype = _float_dtype(arrays, tuple(value for _, value in named))
    return [array.astype(dtype, copy=False) for array in arrays]


def as_float(name: str, value: object) -> FloatArray:
    """One argument as a float array (float32 kept, everything else float64)."""
    return as_floats((name, value))[0]


def as_result(result: FloatArray, *inputs: object) -> FloatResult:
    """A plain Python float when no input was an array, else the array itself.

    NumPy 2 prints a scalar as ``np.float64(0.5)``; returning a Python float makes
    ``sigmoid(2.5)`` print ``0.9241418199787566`` in every session, as on the page.
    A NumPy float32 scalar in gives a NumPy float32 out: a Python float would carry
    the float32 rounding while looking like a float64 result.
    """
    # NumPy arithmetic on 0-d arrays gives a NumPy scalar, not a 0-d array.
    result = np.asarray(result)
    if result.ndim == 0 and not any(isinstance(v, np.ndarray | list | tuple) for v in inputs):
        return scalar_result(result, result.dtype)
    return result


def scalar_result(value: Any, dtype: np.dtype[Any]) -> FloatScalar:
    """One number computed in ``dtype``: a NumPy float32 for float32 work, else a Python
    float. A float32 sum or mean returned as a Python float would carry float32's
    rounding while looking like a float64 result."""
    if dtype == np.float32:
        scalar: np.floating[Any] = np.float32(value)
        return scalar
    return float(value)


def require_finite(array: FloatArray, name: str) -> None:
    """Training data must be finite: one NaN would silently turn every result into NaN."""
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        where = f" at index {tuple(int(i) for i in bad)}" if array.ndim else ""
        value = array[tuple(bad)] if array.ndim else array
        raise ValueError(f"{name} must contain only finite numbers; got {float(value)}{where}")


def require_nonempty(array: FloatArray, name: str) -> None:
    """A mean over no samples is undefined, so empty data is refused."""
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got an array of shape {array.shape}")


def require_ndim(array: FloatArray, name: str, ndims: tuple[int, ...], meaning: str) -> None:
    """``array`` has one of the allowed numbers of axes, e.g. X is (m, n)."""
    if array.ndim not in ndims:
        raise ValueError(f"{name} must be {meaning}; got an array of shape {array.shape}")


def require_unit_interval(array: FloatArray, name: str, what: str) -> None:
    """Labels and probabilities live in [0, 1]; NaN is refused too (``what`` says which)."""
    if np.isnan(array).any():
        raise ValueError(f"{name} must be {what} in [0, 1]; got NaN")
    if array.size and (array.min() < 0 or array.max() > 1):
        low, high = float(array.min()), float(array.max())
        raise ValueError(f"{name} must be {what} in [0, 1]; got values from {low} to {high}")


def count(n: int, noun: str) -> str:
    """``count(1, "row")`` is "1 row", ``count(5, "row")`` is "5 rows"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def require_samples_match(X: FloatArray, y: FloatArray, X_name: str = "X") -> None:
    """X has one row per sample and y one entry (or row) per sample."""
    if y.ndim == 0 or X.shape[0] != y.shape[0]:
        got = "a scalar" if y.ndim == 0 else count(y.shape[0], "entry").replace("entrys", "entries")
        raise ValueError(
            f"{X_name} and y disagree: {X_name} has {count(X.shape[0], 'row')} (samples) "
            f"but y has {got}"
        )


def require_same_shape(a: FloatArray, b: FloatArray, a_name: str, b_name: str) -> None:
    """Elementwise functions pair entries one to one (a scalar pairs with everything)."""
    if a.ndim and b.ndim and a.shape != b.shape:
        raise ValueError(
            f"{a_name} and {b_name} disagree: {a_name} has shape {a.shape} "
            f"but {b_name} has shape {b.shape}"
        )


def require_features_match(W: FloatArray, X: FloatArray, X_name: str = "X") -> None:
    """W has one row per feature, the last axis of the input x or X."""
    n_features = X.shape[-1]
    if W.shape[0] != n_features:
        what = "column" if X.ndim == 2 else "entry"
        got = count(n_features, what).replace("entrys", "entries")
        raise ValueError(
            f"W and {X_name} disagree: W has {count(W.shape[0], 'row')} (one per feature) "
            f"but {X_name} has {got} (features)"
        )


def learn_rate(value: object) -> float:
    """The step size η: a positive, finite real number."""
    return positive_step(value, "learn_rate")


def epochs(value: object) -> int:
    """The number of passes: a non-negative int (True is not 1 epoch)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"epochs must be a non-negative int; got {describe(value)}")
    count = int(value)
    if count < 0:
        raise ValueError(f"epochs must be a non-negative int; got {count}")
    return count


def positive_step(value: object, name: str) -> float:
    """A step such as η or ε: a positive finite real number that a float64 holds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive finite number; got {describe(value)}")
    if isinstance(value, np.floating) and value.dtype.itemsize > 8:
        # float() would round a long double to float64 without a word.
        raise TypeError(
            f"{name} must be a positive finite number of at most float64's precision; "
            f"got {value.dtype} {value!r} (convert with float())"
        )
    try:
        step = float(value)
    except OverflowError:
        digits = len(str(abs(value)))  # only an int is beyond the float range
        raise ValueError(
            f"{name} must be a positive finite number; got an int too large for a float "
            f"({digits} digits)"
        ) from None
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"{name} must be a positive finite number; got {step}")
    return step


def training_set(X: FloatArray, y: FloatArray, *, labels: bool = True) -> None:
    """X is a non-empty (m, n) matrix and y has one finite entry (or row) per sample.

    With ``labels`` (cross-entropy), y must also lie in [0, 1]. X's entries are left to
    the caller: training checks them in the pass that reads X anyway (see _train).
    """
    design_matrix(X)
    require_nonempty(X, "X")
    require_samples_match(X, y)
    require_finite(y, "y")
    if labels:
        require_unit_interval(y, "y", "labels")


def design_matrix(X: FloatArray) -> None:
    """X has one row per sample: a matrix, even for one feature."""
    require_ndim(X, "X", (2,), "a matrix of shape (m, n): one row per sample")


def weights_for(W: FloatArray, X: FloatArray, ndims: tuple[int, ...] = (1,)) -> None:
    """W is finite and has one row per column (feature) of X."""
    meaning = "a vector of shape (n,)" if ndims == (1,) else "of shape (n,) or (n, k)"
    require_ndim(W, "W", ndims, meaning)
    require_finite(W, "W")
    require_features_match(W, X)


def scalar(array: FloatArray, name: str) -> float:
    """A finite scalar such as the bias b."""
    if array.ndim:
        raise ValueError(f"{name} must be a single number; got an array of shape {array.shape}")
    require_finite(array, name)
    return float(array)
