r"""The score h = W·x + b and the prediction ŷ = σ(h)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from mlmath import _validate as check
from mlmath._scaled import error_bound, exponent, scale_back
from mlmath._validate import FloatArray, FloatScalar
from mlmath.activation import _sigmoid_scalar, sigmoid


def _score(W: FloatArray, x: FloatArray, b: FloatArray) -> FloatArray:
    """h = W·x + b for validated arrays (see `score` for the shapes)."""
    if W.ndim == 0:
        if b.ndim:
            raise ValueError(f"b must be a scalar when W is a scalar; got shape {b.shape}")
        product = W * x
    else:
        check.require_ndim(W, "W", (1, 2), "a scalar, a vector (n,) or a matrix (n, k)")
        check.require_ndim(
            x, "x", (1, 2), "a vector (n,) or a matrix (m, n) when W is not a scalar"
        )
        check.require_features_match(W, x, "x")
        allowed = {()} if W.ndim == 1 else {(), (W.shape[1],)}
        if b.shape not in allowed:
            expected = "a scalar" if W.ndim == 1 else f"a scalar or shape ({W.shape[1]},)"
            raise ValueError(f"b must be {expected} for W of shape {W.shape}; got shape {b.shape}")
        product = x @ W
    h: FloatArray = product + b
    return h


def _checked_score(W: FloatArray, x: FloatArray, b: FloatArray) -> FloatArray:
    """`_score` for finite arrays, ±inf only where the exact score is: shared with training."""
    with np.errstate(over="ignore", invalid="ignore"):
        h = _score(W, x, b)
    if np.isfinite(h).all():
        return h
    # A term overflowed, and then h can be anything: BLAS gives inf for the score 0 of
    # W = (1e200, 1e200), x = (−1e200, 1e200). Recompute with W, x and b divided by
    # powers of two (exact) so that nothing overflows, and scale back once. Only
    # products beyond 2^970 get here, so p + q is large and b is never scaled up.
    p, q = exponent(W), exponent(x)
    W, x, b = np.ldexp(W, -p), np.ldexp(x, -q), np.ldexp(b, -(p + q))
    h = _score(W, x, b)
    terms = W.shape[0] + 1 if W.ndim else 2
    bound = error_bound(_score(np.abs(W), np.abs(x), np.abs(b)), terms)
    return scale_back(
        h,
        bound,
        p + q,
        "W and x give a score W·x + b whose terms exceed the largest float and cancel, "
        "so its size and sign are beyond float64: scale W or x down",
    )


def score(W: npt.ArrayLike, x: npt.ArrayLike, b: npt.ArrayLike = 0.0) -> FloatScalar | FloatArray:
    r"""The score h = W·x + b, the input of the activation function.

    Parameters
    ----------
    W : float or array_like of shape (n,) or (n, k)
        Weights: a scalar (one feature, as in the article), one weight per feature,
        or one column of weights per output unit.
    x : float or array_like of shape (n,) or (m, n)
        One sample with n features, or m samples as the rows of a matrix. With a
        scalar `W`, any shape (each entry is scaled by W).
    b : float or array_like of shape (k,), default 0.0
        Bias: a scalar, or one per output unit when `W` is (n, k).

    Returns
    -------
    float or ndarray of shape (m,), (k,) or (m, k)
        The score of each sample (and output unit). A Python float for one sample
        and one output (a NumPy float32 when the inputs make the work float32).

    Notes
    -----
    $$h = W \cdot x + b = \sum_{i=1}^{n} w_i x_i + b$$
    <!-- check: equals score(W, x, b); rtol 1e-13 -->

    For vectors this is a dot product. The article's ``W * x`` multiplies entry by
    entry, which is only the same thing when there is one feature.

    Examples
    --------
    >>> score(16, 0.38, 10)
    16.08
    >>> score([1.0, 2.0], [3.0, 4.0], 0.5)
    11.5
    >>> score([1.0, 2.0], [[3.0, 4.0], [0.0, 1.0]], 0.5)
    array([11.5,  2.5])

    float32 in, float32 out: 0.38 has no exact float32, and the float32 score shown
    as a Python float would read 16.079999923706055, float32's rounding in float64's
    clothes:

    >>> score(np.float32(16), np.float32(0.38), np.float32(10))
    np.float32(16.08)

    Bad input is refused with an error that names the argument: the weights must
    match the features,

    >>> score([1.0, 2.0], [3.0, 4.0, 5.0])
    Traceback (most recent call last):
      ...
    ValueError: W and x disagree: W has 2 rows (one per feature) but x has
    3 entries (features)
    >>> score([[[1.0]]], [1.0])
    Traceback (most recent call last):
      ...
    ValueError: W must be a scalar, a vector (n,) or a matrix (n, k); got an
    array of shape (1, 1, 1)

    and every entry must be a finite number, since one NaN would spread to every score:

    >>> score([1.0, np.nan], [3.0, 4.0])
    Traceback (most recent call last):
      ...
    ValueError: W must contain only finite numbers; got nan at index (1,)
    >>> score([1.0, 2.0], [np.inf, 4.0])
    Traceback (most recent call last):
      ...
    ValueError: x must contain only finite numbers; got inf at index (0,)
    >>> score([1.0, 2.0], [3.0, 4.0], "0.5")
    Traceback (most recent call last):
      ...
    TypeError: b must be a real number or an array of them; got the string
    '0.5'
    >>> score("W", [3.0, 4.0])
    Traceback (most recent call last):
      ...
    TypeError: W must be a real number or an array of them; got the string
    'W'
    >>> score([1.0, 2.0], [3.0, "4"])
    Traceback (most recent call last):
      ...
    TypeError: x must be a real number or an array of them; got list [3.0,
    '4']
    >>> score([1.0, 2.0], [3.0, 4.0], np.nan)
    Traceback (most recent call last):
      ...
    ValueError: b must contain only finite numbers; got nan
    """
    W_array, x_array, b_array = check.as_floats(("W", W), ("x", x), ("b", b))
    for array, name in ((W_array, "W"), (x_array, "x"), (b_array, "b")):
        check.require_finite(array, name)
    h = _checked_score(W_array, x_array, b_array)
    return check.scalar_result(h, h.dtype) if h.ndim == 0 else h


def predict(W: npt.ArrayLike, x: npt.ArrayLike, b: npt.ArrayLike = 0.0) -> FloatScalar | FloatArray:
    r"""The prediction ŷ = σ(W·x + b), arguments in the article's order.

    Parameters
    ----------
    W : float or array_like of shape (n,) or (n, k)
        Weights: a scalar, one per feature, or one column per output unit.
    x : float or array_like of shape (n,) or (m, n)
        One sample, or m samples as the rows of a matrix.
    b : float or array_like of shape (k,), default 0.0
        Bias.

    Returns
    -------
    float or ndarray of shape (m,), (k,) or (m, k)
        Probabilities in [0, 1]: a Python float for one sample and one output (a
        NumPy float32 when the inputs make the work float32).

    Notes
    -----
    $$\hat{y} = \sigma\left(W \cdot x + b\right)$$
    <!-- check: equals predict(W, x, b); rtol 1e-14 -->

    See `score` for h = W·x + b and `sigmoid` for σ.

    Examples
    --------
    The article's two predictions:

    >>> predict(16, 0.38, 10)
    0.9999998961169515
    >>> predict(1, 0.38, 0.1)
    0.617747874769249

    With one weight, an array x holds many samples of one feature, so the article's
    loop over inputs is one call:

    >>> predict(1, [0.38, -0.1], 0.1)
    array([0.61774787, 0.5       ])

    A NumPy float32 anywhere makes the work float32, and the result a float32;
    Python numbers do not decide the type (NumPy's rule for them):

    >>> predict(1, 0.38, np.float32(0.1))
    np.float32(0.61774784)

    A score of 0 is a coin flip; one prediction per row of X:

    >>> predict([2.0, -1.0], [1.0, 2.0], 0.0)
    0.5
    >>> predict([2.0, -1.0], [[1.0, 2.0], [3.0, 0.0]], 0.0)
    array([0.5       , 0.99752738])

    Plain Python numbers take a fast path of their own, with the same checks: nan is
    refused there too, not turned into a prediction,

    >>> predict(float("nan"), 1.0)
    Traceback (most recent call last):
      ...
    ValueError: W must contain only finite numbers; got nan

    A W with one weight per feature needs an x with one entry per feature, even for
    a single feature:

    >>> predict([16.0], 0.38, 10)
    Traceback (most recent call last):
      ...
    ValueError: x must be a vector (n,) or a matrix (m, n) when W is not a
    scalar; got an array of shape ()

    An int too large for a float is refused as well:

    >>> predict(10**400, 1.0)
    Traceback (most recent call last):
      ...
    ValueError: W must be within the float64 range (about ±1.8e308); got
    an int too large for a float (401 digits)
    """
    if type(W) in _PLAIN and type(x) in _PLAIN and type(b) in _PLAIN:
        # One Python number each, as in the article's loops: plain float arithmetic
        # gives the bits NumPy would (the same IEEE operations), twenty times faster.
        h = _plain_score(W, x, b)  # type: ignore[arg-type]
        if h is not None:
            return _sigmoid_scalar(h)
    return sigmoid(score(W, x, b))


_PLAIN = (int, float)


def _plain_score(W: float, x: float, b: float) -> float | None:
    """W·x + b for Python numbers, or None where `score` must decide (an error, or an
    overflow that its power-of-two scaling resolves)."""
    try:
        h = float(W) * float(x) + float(b)
    except OverflowError:  # an int beyond the float range: score says so
        return None
    return h if math.isfinite(h) else None
