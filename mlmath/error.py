r"""How wrong the predictions are: cross-entropy and the sum of squared errors."""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

from mlmath import _validate as check
from mlmath._train import mean_of_losses
from mlmath._validate import FloatArray, FloatResult, FloatScalar


def _labels_and(y: npt.ArrayLike, other: npt.ArrayLike, name: str) -> tuple[FloatArray, FloatArray]:
    """y as labels in [0, 1] and a second argument of the same shape (or a scalar)."""
    y_array, other_array = check.as_floats(("y", y), (name, other))
    check.require_unit_interval(y_array, "y", "labels")
    check.require_same_shape(y_array, other_array, "y", name)
    return y_array, other_array


def _xlogx_terms(y: FloatArray, output: FloatArray) -> FloatArray:
    """−y ln ŷ − (1 − y) ln(1 − ŷ), with 0·ln 0 taken as 0 (its limit)."""
    # ln 0 = −inf is intended here: a confident wrong answer has infinite error. The
    # division-by-zero flag NumPy raises for it is therefore silenced, locally.
    with np.errstate(divide="ignore"):
        log_output = np.log(output)
        log_complement = np.log1p(-output)  # ln(1 − ŷ), exact for small ŷ
    y, output, log_output, log_complement = np.broadcast_arrays(
        y, output, log_output, log_complement
    )
    # Where a label weight is 0 its term is 0, even when the log is −inf (0·−inf is nan).
    first = np.multiply(y, log_output, out=np.zeros(y.shape, y.dtype), where=y != 0)
    weight = 1.0 - y
    second = np.multiply(weight, log_complement, out=np.zeros(y.shape, y.dtype), where=weight != 0)
    # 0 − (…) rather than −(…): a perfect answer gives 0.0, not −0.0.
    loss: FloatArray = 0.0 - (first + second)
    return loss


@overload
def error_formula(y: float, output: float) -> float: ...
@overload
def error_formula(y: npt.ArrayLike, output: npt.ArrayLike) -> FloatResult: ...
def error_formula(y: npt.ArrayLike, output: npt.ArrayLike) -> FloatResult:
    r"""The cross-entropy error of each prediction, the article's ``error_formula``.

    Parameters
    ----------
    y : float or array_like of shape (m,)
        True labels in [0, 1] (usually 0 or 1).
    output : float or array_like of shape (m,)
        Predicted probabilities ŷ in [0, 1].

    Returns
    -------
    float or ndarray of shape (m,)
        The error of each sample: 0 for a confident right answer, +inf for a
        confident wrong one, never nan.

    Notes
    -----
    $$-y \ln \hat{y} - (1 - y) \ln(1 - \hat{y})$$
    <!-- check: equals error_formula(y, y_hat); rtol 1e-14 -->

    with 0 · ln 0 = 0, its limit. The article's NumPy one-liner returns nan for
    y = 1, ŷ = 1 (0 · −inf) and warns; here it is exactly 0.

    Examples
    --------
    >>> error_formula(1, 0.9) == -float(np.log(0.9))
    True
    >>> error_formula(1, 1.0), error_formula(0, 0.0)
    (0.0, 0.0)
    >>> error_formula(1, 0.0)
    inf
    >>> error_formula([1, 0], [0.5, 0.5])
    array([0.69314718, 0.69314718])

    An array in either place gives an array out, even a 0-d one, as `sigmoid` does:

    >>> error_formula(np.array(1), 0.5), error_formula(1, np.array(0.5))
    (array(0.69314718), array(0.69314718))

    Bad input is refused with an error that names the argument. A label is a
    probability too, and so is the prediction:

    >>> error_formula([1, 2], [0.5, 0.5])
    Traceback (most recent call last):
      ...
    ValueError: y must be labels in [0, 1]; got values from 1.0 to 2.0
    >>> error_formula([1, 0], [0.5, 1.5])
    Traceback (most recent call last):
      ...
    ValueError: output must be probabilities in [0, 1]; got values from
    0.5 to 1.5
    >>> error_formula([1, 0], [0.5, np.nan])
    Traceback (most recent call last):
      ...
    ValueError: output must be probabilities in [0, 1]; got NaN
    >>> error_formula([1, 0], [0.5])
    Traceback (most recent call last):
      ...
    ValueError: y and output disagree: y has shape (2,) but output has
    shape (1,)
    >>> error_formula([1, 0], "a")
    Traceback (most recent call last):
      ...
    TypeError: output must be a real number or an array of them; got the
    string 'a'
    """
    y_array, output_array = _labels_and(y, output, "output")
    check.require_unit_interval(output_array, "output", "probabilities")
    return check.as_result(_xlogx_terms(y_array, output_array), y, output)


def cross_entropy(y: npt.ArrayLike, y_hat: npt.ArrayLike) -> FloatScalar:
    r"""The mean cross-entropy error E of m predictions.

    Parameters
    ----------
    y : array_like of shape (m,) or (m, k)
        True labels in [0, 1].
    y_hat : array_like of the shape of y
        Predicted probabilities in [0, 1].

    Returns
    -------
    float
        E ≥ 0; +inf if any prediction is confidently wrong. A NumPy float32 when
        the work is float32 (both inputs float32 or float16), so that float32 rounding
        never passes for a float64 result.

    Notes
    -----
    $$E = -\frac{1}{m} \sum_{\mu=1}^{m}
    \Bigl[y^\mu \ln \hat{y}^\mu + (1 - y^\mu) \ln(1 - \hat{y}^\mu)\Bigr]$$
    <!-- check: equals cross_entropy(y, y_hat); rtol 1e-14 -->

    μ runs over the m data points. Probabilities that have already been rounded to 0
    or 1 lose information; when you have the scores h, `cross_entropy_from_logits`
    keeps full precision for every finite h.

    Examples
    --------
    >>> cross_entropy([1, 0, 1], [0.8, 0.3, 0.6]) == float(np.mean(
    ...     error_formula([1, 0, 1], [0.8, 0.3, 0.6])))
    True
    >>> cross_entropy([1, 0], [1.0, 0.0])
    0.0

    float32 in, float32 out: a mean computed in float32 is not passed off as a float64:

    >>> half = np.array([0.5, 0.5], np.float32)
    >>> cross_entropy(np.array([1, 0], np.float32), half)
    np.float32(0.6931472)

    Bad input is refused with an error that names the argument. A mean over no data
    points would be 0/0:

    >>> cross_entropy([], [])
    Traceback (most recent call last):
      ...
    ValueError: y must not be empty; got an array of shape (0,)

    and ŷ must be a probability, of the shape of y:

    >>> cross_entropy([1, 0], [0.9, -0.1])
    Traceback (most recent call last):
      ...
    ValueError: y_hat must be probabilities in [0, 1]; got values from
    -0.1 to 0.9
    >>> cross_entropy([1, 0], [0.9])
    Traceback (most recent call last):
      ...
    ValueError: y and y_hat disagree: y has shape (2,) but y_hat has shape
    (1,)
    >>> cross_entropy([1, 0], [0.9, "x"])
    Traceback (most recent call last):
      ...
    TypeError: y_hat must be a real number or an array of them; got list
    [0.9, 'x']
    """
    y_array, y_hat_array = _labels_and(y, y_hat, "y_hat")
    check.require_unit_interval(y_hat_array, "y_hat", "probabilities")
    y_array, y_hat_array = np.broadcast_arrays(y_array, y_hat_array)
    check.require_nonempty(y_array, "y")
    terms = _xlogx_terms(y_array, y_hat_array)
    return check.scalar_result(np.mean(terms), terms.dtype)


def cross_entropy_from_logits(y: npt.ArrayLike, h: npt.ArrayLike) -> FloatScalar:
    r"""The mean cross-entropy E computed from the scores h = W·x + b.

    Parameters
    ----------
    y : array_like of shape (m,) or (m, k)
        True labels in [0, 1]: 0 or 1, or soft labels in between.
    h : array_like of the shape of y
        Scores (logits), any finite numbers.

    Returns
    -------
    float
        E, finite for every finite h; a NumPy float32 when both inputs are float32.

    Notes
    -----
    With ŷ = σ(h), ln ŷ = ln σ(h) and ln(1 − ŷ) = ln σ(−h), which gives, with μ
    running over the m data points,

    $$E = \frac{1}{m} \sum_{\mu=1}^{m}
    \Bigl[\max(h^\mu, 0) - h^\mu y^\mu + \ln\bigl(1 + e^{-|h^\mu|}\bigr)\Bigr]$$
    <!-- check: equals cross_entropy_from_logits(y, h); h in [-800, 800]; rtol 1e-14 -->

    Every term is computed without forming σ(h), so a score of 40 does not round
    ŷ to 1 (where the error of the label 0 would be +inf instead of 40). The code
    groups max(h, 0) − h y as (1 − y) max(h, 0) + y max(−h, 0), equal since
    h = max(h, 0) − max(−h, 0): as written, max(h, 0) − h y cancels for a soft label
    near 1 (at y = 0.9999999999, h = 10⁵ it keeps only 6 digits), while grouped every
    term is non-negative and nothing cancels. The loss of each data point is within
    2 ulp of exact for every label in [0, 1] and every finite score (1.5 ulp for the
    labels 0 and 1), and the mean adds only the rounding of a sum of non-negative numbers.

    Examples
    --------
    >>> cross_entropy_from_logits([1, 0], [0.0, 0.0]) == float(np.log(2))
    True
    >>> cross_entropy_from_logits([0], [40.0])
    40.0
    >>> from mlmath import sigmoid
    >>> cross_entropy([0], [sigmoid(40.0)])
    inf

    A soft label and a confident score, (1 − y) · h to every digit:

    >>> cross_entropy_from_logits([0.9999999999], [1e5])
    1.000000082740371e-05

    The mean runs over every entry, so the scores of k output units, shape (m, k),
    give the E that `cross_entropy` gives for their σ:

    >>> Y = [[1, 0], [0, 1]]
    >>> H = np.array([[2.0, -1.0], [0.5, 3.0]])
    >>> E = cross_entropy_from_logits(Y, H)
    >>> bool(np.isclose(E, cross_entropy(Y, sigmoid(H))))
    True

    float32 in, float32 out, as for `cross_entropy`:

    >>> cross_entropy_from_logits(np.float32([1, 0]), np.float32([2.0, -1.0]))
    np.float32(0.22009484)

    E is a mean, so the data repeated k times gives the same E up to rounding, here
    1.2 million scores added in blocks shared among the cores:

    >>> k = 600_000
    >>> y_big, h_big = np.tile([1, 0], k), np.tile([2.0, -1.0], k)
    >>> E_small = cross_entropy_from_logits([1, 0], [2.0, -1.0])
    >>> E_big = cross_entropy_from_logits(y_big, h_big)
    >>> bool(np.isclose(E_big, E_small, rtol=1e-14, atol=0))
    True

    Bad input is refused with an error that names the argument. A score may be any
    finite number, a label only one in [0, 1]:

    >>> cross_entropy_from_logits([1, 0], [2.0, np.inf])
    Traceback (most recent call last):
      ...
    ValueError: h must contain only finite numbers; got inf at index (1,)
    >>> cross_entropy_from_logits([1, 0.5, -0.5], 0.0)
    Traceback (most recent call last):
      ...
    ValueError: y must be labels in [0, 1]; got values from -0.5 to 1.0
    >>> cross_entropy_from_logits([1, 0], [2.0, 1.0, 0.0])
    Traceback (most recent call last):
      ...
    ValueError: y and h disagree: y has shape (2,) but h has shape (3,)
    >>> cross_entropy_from_logits([], [])
    Traceback (most recent call last):
      ...
    ValueError: y must not be empty; got an array of shape (0,)
    """
    y_array, h_array = _labels_and(y, h, "h")
    check.require_finite(h_array, "h")
    y_array, h_array = np.broadcast_arrays(y_array, h_array)
    check.require_nonempty(y_array, "y")
    mean = mean_of_losses(h_array.reshape(-1), y_array.reshape(-1))
    return check.scalar_result(mean, h_array.dtype)  # y's too (`_labels_and`)


def sse(y: npt.ArrayLike, y_hat: npt.ArrayLike) -> FloatScalar:
    r"""The sum of squared errors over all data points and output units.

    Parameters
    ----------
    y : float or array_like of shape (m,) or (m, k)
        True values.
    y_hat : float or array_like of the shape of y
        Predictions.

    Returns
    -------
    float
        E ≥ 0; a NumPy float32 when both inputs are float32.

    Notes
    -----
    $$E = \frac{1}{2} \sum_{\mu} \sum_{j} \bigl(y^{\mu}_j - \hat{y}^{\mu}_j\bigr)^2$$
    <!-- check: defines; equals sse(y, y_hat); rtol 1e-14 -->

    μ runs over the data points and j over the output units. The ½ cancels the 2
    that differentiating the square brings down.

    Examples
    --------
    >>> sse([1.0, 0.0], [0.5, 0.5])
    0.25
    >>> half = np.array([0.5, 0.5], np.float32)
    >>> sse(np.array([1.0, 0.0], np.float32), half)
    np.float32(0.25)
    >>> sse([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]])
    0.0

    A sum beyond the largest float is +inf, quietly: it is the right answer rounded,
    not a fault of the input.

    >>> sse([1e200], [-1e200])
    inf

    Bad input is refused with an error that names the argument. Both must have the
    same shape (no broadcasting: a missing prediction is an error, not a repeat),

    >>> sse([1.0, 0.0], [0.5])
    Traceback (most recent call last):
      ...
    ValueError: y and y_hat disagree: y has shape (2,) but y_hat has shape
    (1,)

    and be finite numbers:

    >>> sse([1.0, np.nan], [0.5, 0.5])
    Traceback (most recent call last):
      ...
    ValueError: y must contain only finite numbers; got nan at index (1,)
    >>> sse([1.0, 0.0], [np.nan, 0.5])
    Traceback (most recent call last):
      ...
    ValueError: y_hat must contain only finite numbers; got nan at index
    (0,)
    >>> sse("1", [0.5])
    Traceback (most recent call last):
      ...
    TypeError: y must be a real number or an array of them; got the string
    '1'
    >>> sse([1.0], "0.5")
    Traceback (most recent call last):
      ...
    TypeError: y_hat must be a real number or an array of them; got the
    string '0.5'
    """
    y_array, y_hat_array = check.as_floats(("y", y), ("y_hat", y_hat))
    check.require_finite(y_array, "y")
    check.require_finite(y_hat_array, "y_hat")
    check.require_same_shape(y_array, y_hat_array, "y", "y_hat")
    # A sum beyond the largest float is +inf, a fair answer; not a warning.
    with np.errstate(over="ignore"):
        half_sum = 0.5 * np.sum(np.square(y_array - y_hat_array))
    return check.scalar_result(half_sum, half_sum.dtype)
