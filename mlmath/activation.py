r"""The activation function σ, its derivative σ′ and log σ."""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from mlmath._blocks import blockwise
from mlmath._validate import FloatArray, FloatResult, as_float, as_result

# Every kernel here computes in float64 and rounds once when it writes its output, so
# float32 input gets float64's accuracy (its own exp and log1p are off by up to 2 ulp)
# at about the speed of a float32 kernel, since the work stays in the CPU cache.
_FLOAT64 = np.dtype(np.float64)
# NumPy scalars: no conversion per call
_ONE, _ZERO, _MINUS_ONE = np.float64(1.0), np.float64(0.0), np.float64(-1.0)


# Below this x, e^x is so small that 1 + e^x rounds to 1, so σ(x) = e^x exactly. It
# sits 2 above the x where e^(−x) overflows, −709.78.
_TAIL_START = 2.0 - float(np.log(np.finfo(np.float64).max))
_TINY = np.finfo(np.float64).tiny  # the smallest normal float64
_INT_LIMIT = 2**1023  # ints below this convert to float without overflow


def _sigmoid_block(x: FloatArray, out: FloatArray, _: FloatArray, __: FloatArray) -> None:
    # σ = 1/s with s = 1 + E, E = e^(−x). For x < 0 (E > 1) rounding s costs up to
    # 2.3 ulp, so there we carry its rounding error (see `_kernels.sigmoid_from_exp`).
    # For x ≥ 0 the plain 1/(1 + E) is already within 1.5 ulp and is kept bit for bit.
    # Measured: ≤ 1.8 ulp everywhere. NumPy's exp is the fastest at hand (several
    # values per instruction on some CPUs, where the C library's takes one); the ten
    # steps after it are one compiled loop in place of ten NumPy passes, which cut σ
    # from 95 to 74 ms of CPU per 10^7 values here (AMD EPYC, one thread).
    from mlmath import _kernels  # not at import: Numba takes 0.4 s to load

    E = np.negative(x, out=out)
    np.exp(E, out=E)
    low = _kernels.sigmoid_from_exp(E, out)
    # The rare tail, fixed while the block is still in cache: where the result fell
    # below the smallest normal number (or is nan, from inf − inf), x is deep in the
    # negative tail, where 1 + e^x rounds to 1 and σ(x) = e^x. Decided entry by entry,
    # so an entry's result never depends on its neighbours (nor on the scalar path).
    if low:
        tail = np.flatnonzero(~(out >= _TINY))
        out[tail] = np.exp(x[tail])


def _sigmoid_scalar(x: float) -> float:
    """`_sigmoid_block` for one Python float, step for step with math.exp: the same bits.

    About 20 times faster than a NumPy call for one number. math.exp and NumPy's exp
    agree bit for bit with the libraries we ship against; the test
    ``test_scalar_path_is_bit_identical_to_the_array_path`` checks it over many floats.
    """
    if x != x:
        return x
    try:
        E = math.exp(-x)
    except OverflowError:  # the array path gets inf, then nan, then its tail fix-up
        return math.exp(x)
    if E <= 1.0:  # the array path's err is exactly 0 here
        return 1.0 / (E + 1.0)
    r = 1.0 / (E + 1.0)
    out = r - r * (r * (1.0 - ((E + 1.0) - E)))
    return out if out >= _TINY else math.exp(x)


def _sigmoid32_block(x: FloatArray, out: FloatArray, s: FloatArray, _: FloatArray) -> None:
    # The plain 1/(1 + e^(−x)) in float64, rounded once to float32: its float64 error
    # (≤ 2.3 ulp, a 2^−29 part of a float32 ulp) vanishes in that rounding, so σ comes
    # out within 0.5 ulp. float64's range also removes the tail: e^(−x) overflows only
    # below −709.78, where σ rounds to 0 in float32 anyway.
    np.negative(x, out=s)
    np.exp(s, out=s)
    np.add(s, _ONE, out=s)
    np.divide(_ONE, s, out=out, casting="same_kind")


def _sigmoid(x: FloatArray) -> FloatArray:
    # e^(−x) overflows to inf for x < −709.78 (1/inf is the 0 the fix-up replaces),
    # and inf − inf in the correction is then nan, also replaced by the fix-up.
    with np.errstate(over="ignore", invalid="ignore"):
        if x.dtype == np.float32:
            return blockwise(_sigmoid32_block, x, _FLOAT64)
        return blockwise(_sigmoid_block, x)


def _sigmoid_prime_block(x: FloatArray, out: FloatArray, e: FloatArray, s: FloatArray) -> None:
    # σ′(x) = e/(1 + e)² with e = e^(−|x|) ≤ 1: no overflow, no cancellation.
    np.copysign(x, _MINUS_ONE, out=e)  # −|x| in one pass
    np.exp(e, out=e)
    np.add(e, _ONE, out=s)
    np.divide(e, s, out=e)
    np.divide(e, s, out=out, casting="same_kind")


def _softplus_of_neg_abs(x: FloatArray, out: FloatArray) -> None:
    """out = log(1 + e^(−|x|)): the part of log σ, and of the loss from scores, that
    needs care. e^(−|x|) ≤ 1 cannot overflow, and log1p keeps a tiny one exact."""
    np.copysign(x, _MINUS_ONE, out=out)  # −|x| in one pass
    np.exp(out, out=out)
    np.log1p(out, out=out)


def _log_sigmoid_block(x: FloatArray, out: FloatArray, t: FloatArray, low: FloatArray) -> None:
    # log σ(x) = min(x, 0) − log(1 + e^(−|x|))
    _softplus_of_neg_abs(x, t)
    np.minimum(x, _ZERO, out=low)
    np.subtract(low, t, out=out, casting="same_kind")


@overload
def sigmoid(h: float) -> float: ...
@overload
def sigmoid(h: npt.NDArray[Any]) -> FloatArray: ...
@overload
def sigmoid(h: npt.ArrayLike) -> FloatResult: ...
def sigmoid(h: npt.ArrayLike) -> FloatResult:
    r"""The logistic sigmoid σ(h), which squashes any real score h into (0, 1).

    Parameters
    ----------
    h : float or array_like of any shape
        Scores. ±inf and nan are allowed.

    Returns
    -------
    float or ndarray of the shape of h
        σ(h). A Python float for a Python number, a NumPy float32 for a NumPy float32;
        float32 input stays float32 (computed in float64 and rounded once), and float16
        input comes back as float32 (float16 keeps too few digits for σ near 0 and 1).

    Notes
    -----
    $$\sigma(h) = \frac{1}{1 + e^{-h}}$$
    <!-- check: equals sigmoid(h); h in [-800, 800]; rtol 1e-15 -->

    The textbook formula overflows for $h < -709.78$, where $e^{-h}$ exceeds the largest
    float and σ(h) comes out as 0 (as in ``scipy.special.expit``). Here σ is computed as
    $1/(1 + e^{-h})$ with the rounding error of the sum carried along, and the deep
    negative tail as σ(h) = e^h, so every finite h is within 2 ulp of the exact value.
    A float32 result is the float64 one rounded once: within 0.5 + 10⁻⁸ float32 ulp,
    and correctly rounded except where the exact value lies within a few float64 ulp
    of a float32 rounding boundary (an exhaustive scan of [−104, 17], where σ is
    neither 0 nor 1 in float32, finds 66 such inputs among 2.2e9, the worst
    0.5 + 2.7e-9 ulp off, at h = −1.5676022e−05).

    One Python float takes a path with ``math.exp`` that gives the same bits as the
    array path, about twenty times faster than a NumPy call.

    Examples
    --------
    The article's value, and the midpoint:

    >>> sigmoid(2.5)
    0.9241418199787566
    >>> sigmoid(0)
    0.5

    The curve is symmetric, σ(−h) = 1 − σ(h):

    >>> sigmoid(-2.5) + sigmoid(2.5)
    1.0

    Large scores neither overflow nor collapse to 0:

    >>> sigmoid(800.0)
    1.0
    >>> sigmoid(-740.0)
    4.2e-322
    >>> sigmoid(-800.0)  # e^(−800) is below the smallest float
    0.0
    >>> sigmoid(float("-inf")), sigmoid(float("inf"))
    (0.0, 1.0)

    Carrying the rounding of $1 + e^{-h}$ matters: at h = −0.2 the plain formula is
    a unit off in the last place, while σ is the float nearest the exact value
    (mpmath, to 30 digits):

    >>> import math, mpmath
    >>> 1 / (1 + math.exp(0.2)), sigmoid(-0.2)
    (0.45016600268752216, 0.4501660026875221)
    >>> with mpmath.workdps(30):
    ...     exact = 1 / (1 + mpmath.exp(mpmath.mpf(0.2)))
    >>> float(exact) == sigmoid(-0.2)
    True

    An array takes the NumPy path, with the bits of the one-number path, entry by
    entry, and an array in gives an array out, even a 0-d one:

    >>> h = [-0.2, -1.1, -37.0, -740.0, -800.0, 2.5]
    >>> sigmoid(h).tolist() == [sigmoid(v) for v in h]
    True
    >>> sigmoid(np.array(0.0))
    array(0.5)

    float32 stays float32, with the same value rounded once. Its range is far shorter:
    σ(17) is already the last float32 below 1, and from h = −104 down σ rounds to 0:

    >>> sigmoid(np.float32(2.5))
    np.float32(0.9241418)
    >>> sigmoid(np.array([-104.0, 17.0, 18.0], dtype=np.float32))
    array([0.        , 0.99999994, 1.        ], dtype=float32)

    Bad input is refused with an error that names the argument. Text is not a number:

    >>> sigmoid("0.5")
    Traceback (most recent call last):
      ...
    TypeError: h must be a real number or an array of them; got the string
    '0.5'

    A long value is cut short in the message, so the error stays readable:

    >>> sigmoid(list(range(20)) + ["20"])
    Traceback (most recent call last):
      ...
    TypeError: h must be a real number or an array of them; got list [0,
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16...

    A masked array hides entries that plain NumPy would still compute with:

    >>> sigmoid(np.ma.masked_invalid([0.0, np.nan]))
    Traceback (most recent call last):
      ...
    TypeError: h must be a plain array, not a masked array; drop the
    masked entries first (np.ma.compressed) or fill them (.filled())
    """
    if isinstance(h, float):  # Python floats and np.float64
        return _sigmoid_scalar(float(h))
    if type(h) is int and abs(h) < _INT_LIMIT:
        return _sigmoid_scalar(float(h))
    h_array = as_float("h", h)
    return as_result(_sigmoid(h_array), h)


@overload
def sigmoid_prime(h: float) -> float: ...
@overload
def sigmoid_prime(h: npt.NDArray[Any]) -> FloatArray: ...
@overload
def sigmoid_prime(h: npt.ArrayLike) -> FloatResult: ...
def sigmoid_prime(h: npt.ArrayLike) -> FloatResult:
    r"""The derivative σ′(h) of the sigmoid.

    Parameters
    ----------
    h : float or array_like of any shape
        Scores. ±inf and nan are allowed.

    Returns
    -------
    float or ndarray of the shape of h
        σ′(h), at most 1/4 (at h = 0). A Python float for a scalar `h`.

    Notes
    -----
    The derivative has the famous form

    $$\sigma'(h) = \sigma(h)\,\bigl(1 - \sigma(h)\bigr)$$
    <!-- check: derivative sigmoid_prime(h) of sigmoid(h) by h; h in [-40, 40]; rtol 1e-15 -->

    but the code does not use it: for h ≥ 36.74 the float σ(h) is exactly 1, so
    1 − σ(h) is 0 and the product says the slope is 0 when it is about $e^{-h}$.
    The same quantity written with $e = e^{-|h|}$,

    $$\sigma'(h) = \frac{e^{-|h|}}{\bigl(1 + e^{-|h|}\bigr)^2},$$
    <!-- check: equals sigmoid_prime(h); h in [-745, 745]; rtol 1e-15 -->

    has no such cancellation and is within 4 ulp of exact everywhere.

    Examples
    --------
    >>> sigmoid_prime(0)
    0.25

    The textbook product gives 0 at h = 40; the true slope is $e^{-40}$:

    >>> sigmoid(40.0) * (1 - sigmoid(40.0))
    0.0
    >>> sigmoid_prime(40.0)
    4.248354255291589e-18

    σ′ is even, σ′(−h) = σ′(h), and it is the slope of σ:

    >>> sigmoid_prime(-3.0) == sigmoid_prime(3.0)
    True
    >>> from mlmath import numerical_gradient
    >>> abs(numerical_gradient(sigmoid, 1.5) - sigmoid_prime(1.5)) < 1e-10
    True

    An array in gives an array out, even a 0-d one, and float32 stays float32,
    computed in float64 and rounded once (float32 arithmetic would end σ′(3) in 3):

    >>> sigmoid_prime(np.array(0.0))
    array(0.25)
    >>> sigmoid_prime(np.float32(3.0))
    np.float32(0.04517666)
    >>> h32 = np.float32(3.0)
    >>> bool(sigmoid_prime(h32) == np.float32(sigmoid_prime(3.0)))
    True

    Bad input is refused with an error that names the argument. A Python int has
    no upper bound, a float does:

    >>> sigmoid_prime(10**400)
    Traceback (most recent call last):
      ...
    ValueError: h must be within the float64 range (about ±1.8e308); got
    an int too large for a float (401 digits)
    """
    h_array = as_float("h", h)
    return as_result(blockwise(_sigmoid_prime_block, h_array, _FLOAT64), h)


@overload
def log_sigmoid(h: float) -> float: ...
@overload
def log_sigmoid(h: npt.NDArray[Any]) -> FloatArray: ...
@overload
def log_sigmoid(h: npt.ArrayLike) -> FloatResult: ...
def log_sigmoid(h: npt.ArrayLike) -> FloatResult:
    r"""The logarithm of the sigmoid, log σ(h), without computing σ first.

    Parameters
    ----------
    h : float or array_like of any shape
        Scores. ±inf and nan are allowed.

    Returns
    -------
    float or ndarray of the shape of h
        log σ(h) ≤ 0. A Python float for a scalar `h`.

    Notes
    -----
    $$\ln\sigma(h) = \min(h, 0) - \ln\bigl(1 + e^{-|h|}\bigr)$$
    <!-- check: equals log_sigmoid(h); h in [-800, 800]; rtol 1e-15 -->

    ``log(sigmoid(h))`` loses digits once σ(h) rounds towards 1 (at h = 29 only
    about 3 digits are right) and is −inf once σ(h) underflows; this form keeps full
    precision. The cross-entropy is built from it: −log σ(h) is the error of a
    confident score h for the label 1.

    Examples
    --------
    >>> log_sigmoid(0.0) == -float(np.log(2))
    True

    Far out on either side:

    >>> log_sigmoid(40.0)
    -4.248354255291589e-18
    >>> log_sigmoid(-800.0)
    -800.0

    The naive route rounds through σ(40) = 1:

    >>> float(np.log(sigmoid(40.0)))
    0.0

    An array in gives an array out, even a 0-d one:

    >>> log_sigmoid(np.array(0.0))
    array(-0.69314718)

    float32 stays float32, computed in float64 and rounded once, so it is the float64
    answer rounded to float32 (computed in float32 it would end in 7):

    >>> log_sigmoid(np.float32(-1.0))
    np.float32(-1.3132616)
    >>> h32 = np.float32(-1.0)
    >>> bool(log_sigmoid(h32) == np.float32(log_sigmoid(-1.0)))
    True

    Bad input is refused with an error that names the argument. Extended precision
    is not silently rounded to float64:

    >>> log_sigmoid(np.longdouble(1))
    Traceback (most recent call last):
      ...
    TypeError: h must be float16, float32 or float64 numbers; got float128
    (convert with .astype(np.float64))
    """
    h_array = as_float("h", h)
    return as_result(blockwise(_log_sigmoid_block, h_array, _FLOAT64), h)
