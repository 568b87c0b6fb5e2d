r"""Gradients: of the cross-entropy, the delta rule for SSE, and a numerical check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from mlmath import _validate as check
from mlmath._scaled import product
from mlmath._train import one_pass
from mlmath._validate import FloatArray, FloatScalar
from mlmath.activation import sigmoid, sigmoid_prime
from mlmath.prediction import _checked_score


def error_gradient(
    W: npt.ArrayLike, b: float, X: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[FloatArray, FloatScalar]:
    r"""The gradient of the mean cross-entropy E with respect to the weights and bias.

    Parameters
    ----------
    W : array_like of shape (n,)
        Weights, one per feature.
    b : float
        Bias.
    X : array_like of shape (m, n)
        Training inputs, one sample per row; finite.
    y : array_like of shape (m,)
        Labels in [0, 1].

    Returns
    -------
    dE_dW : ndarray of shape (n,)
        $\partial E / \partial w_i$ for each weight.
    dE_db : float
        $\partial E / \partial b$; a NumPy float32 when W and X are float32.

    Notes
    -----
    For E(W, b) = `cross_entropy` (y, `predict` (W, X, b)) the chain rule collapses,
    because σ′ = σ(1 − σ) cancels the denominators of the logarithms' derivatives. With
    μ running over the m data points and i over the n features:

    $$\frac{\partial E}{\partial h^\mu} = \frac{\hat{y}^\mu - y^\mu}{m}, \qquad
    \frac{\partial E}{\partial w_i} = \frac{1}{m}\sum_{\mu=1}^{m} (\hat{y}^\mu - y^\mu)\, x^\mu_i,
    \qquad \frac{\partial E}{\partial b} = \frac{1}{m}\sum_{\mu=1}^{m} (\hat{y}^\mu - y^\mu)$$
    <!-- check: rtol 1e-13;
      derivative error_gradient(W, b, X, y)[0][i]
        of cross_entropy_from_logits(y, score(W, X, b)) by W[i] @2;
      derivative error_gradient(W, b, X, y)[1]
        of cross_entropy_from_logits(y, score(W, X, b)) by b @3 -->

    with ŷ = σ(h) from the scores h = XW + b (no logarithm is formed). Once σ(h)
    rounds to 1, ŷ − y computed as a difference is 0 for y = 1 although the exact
    residual is −σ(−h); it is computed as

    $$\hat{y} - y = (1 - y)\,\sigma(h) - y\,\sigma(-h),$$
    <!-- check: equals error_gradient([0.0], h, [[1.0]], [y])[1]; rtol 1e-12 -->

    whose two terms never cancel for the labels 0 and 1, so each residual is within
    2 ulp of exact however confident the score. Beyond |h| ≈ 708 the residual for the
    label the score points to, ∓e^{−|h|}, is below the normal floats and keeps few
    digits or none, while its product with a large x need not be small (at h = 745.1
    and x = 10^300 it is −2.55e−24): there the residual is carried scaled by a power
    of two, so that each share r·x/m of the gradient keeps its digits. X is read once,
    row by row in one compiled loop (each row's score, residual and share of the
    gradient).

    Examples
    --------
    At W = 0, b = 0 every prediction is 0.5, so the bias gradient is
    0.5 − mean(y) = 0.5 − 2/3 = −1/6:

    >>> X = [[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]
    >>> y = [1, 0, 1]
    >>> dE_dW, dE_db = error_gradient([0.0, 0.0], 0.0, X, y)
    >>> dE_db
    -0.16666666666666666

    It agrees with a finite difference of the error itself:

    >>> from mlmath import cross_entropy_from_logits, numerical_gradient, score
    >>> E = lambda W: cross_entropy_from_logits(y, score(W, X, 0.0))
    >>> W = np.array([0.3, -0.2])
    >>> bool(np.allclose(error_gradient(W, 0.0, X, y)[0], numerical_gradient(E, W)))
    True

    E and its gradient are means over the data, so the data repeated k times has
    the same gradient, up to rounding. Here 2.1 million rows (34 MB) are read in
    many blocks, shared among the cores:

    >>> k = 700_000
    >>> big = error_gradient(W, 0.0, np.tile(X, (k, 1)), np.tile(y, k))
    >>> small = error_gradient(W, 0.0, X, y)
    >>> bool(np.allclose(big[0], small[0], rtol=1e-11, atol=0))
    True
    >>> bool(np.isclose(big[1], small[1], rtol=1e-11, atol=0))
    True

    A score beyond the largest float still has its gradient: there σ(h) = 1, so
    the label 0 leaves the residual 1 and the gradient $x$, while the label 1
    leaves −σ(−h), which is 0 at that distance:

    >>> error_gradient([1e300], 0.0, [[1e10]], [0])
    (array([1.e+10]), 1.0)
    >>> error_gradient([1e300], 0.0, [[1e10]], [1])
    (array([0.]), 0.0)

    float32 data gives a float32 gradient, bias part included:

    >>> X32, y32 = np.float32(X), np.float32(y)
    >>> error_gradient(np.float32([0, 0]), 0.0, X32, y32)[1]
    np.float32(-0.16666667)

    Bad input is refused with an error that names the argument:

    >>> error_gradient([1.0], 0.0, [[1.0, 2.0]], [1.0])
    Traceback (most recent call last):
      ...
    ValueError: W and X disagree: W has 1 row (one per feature) but X has
    2 columns (features)
    >>> error_gradient([1.0, 2.0], 0.0, [[1.0, 2.0]], [1.0, 0.0])
    Traceback (most recent call last):
      ...
    ValueError: X and y disagree: X has 1 row (samples) but y has 2
    entries
    >>> error_gradient([1.0, 2.0], 0.0, [[1.0, 2.0]], [[1.0]])
    Traceback (most recent call last):
      ...
    ValueError: y must be a vector of shape (m,): one label per sample;
    got an array of shape (1, 1)
    >>> error_gradient([1.0], 0.0, [1.0, 2.0], [1.0, 0.0])
    Traceback (most recent call last):
      ...
    ValueError: X must be a matrix of shape (m, n): one row per sample; got
    an array of shape (2,)
    >>> error_gradient([1.0], 0.0, np.zeros((0, 1)), [])
    Traceback (most recent call last):
      ...
    ValueError: X must not be empty; got an array of shape (0, 1)
    >>> error_gradient([1.0], 0.0, [[1.0], [2.0]], [1.0, np.nan])
    Traceback (most recent call last):
      ...
    ValueError: y must contain only finite numbers; got nan at index (1,)
    >>> error_gradient([1.0], 0.0, [[1.0], [2.0]], [1.0, 2.0])
    Traceback (most recent call last):
      ...
    ValueError: y must be labels in [0, 1]; got values from 1.0 to 2.0
    >>> error_gradient([[1.0]], 0.0, [[1.0], [2.0]], [1.0, 0.0])
    Traceback (most recent call last):
      ...
    ValueError: W must be a vector of shape (n,); got an array of shape
    (1, 1)
    >>> error_gradient([np.nan], 0.0, [[1.0], [2.0]], [1.0, 0.0])
    Traceback (most recent call last):
      ...
    ValueError: W must contain only finite numbers; got nan at index (0,)
    >>> error_gradient([1.0, 2.0], [0.0, 1.0], [[1.0, 2.0]], [1.0])
    Traceback (most recent call last):
      ...
    ValueError: b must be a single number; got an array of shape (2,)
    >>> error_gradient("W", 0.0, [[1.0, 2.0]], [1.0])
    Traceback (most recent call last):
      ...
    TypeError: W must be a real number or an array of them; got the string
    'W'
    >>> error_gradient([1.0, 2.0], "0", [[1.0, 2.0]], [1.0])
    Traceback (most recent call last):
      ...
    TypeError: b must be a real number or an array of them; got the string
    '0'
    >>> error_gradient([1.0, 2.0], 0.0, [[1.0, "2"]], [1.0])
    Traceback (most recent call last):
      ...
    TypeError: X must be a real number or an array of them; got list
    [[1.0, '2']]
    >>> error_gradient([1.0, 2.0], 0.0, [[1.0, 2.0]], ["1"])
    Traceback (most recent call last):
      ...
    TypeError: y must be a real number or an array of them; got list ['1']
    """
    W_array, b_array, X_array, y_array = check.as_floats(("W", W), ("b", b), ("X", X), ("y", y))
    check.training_set(X_array, y_array)
    check.require_ndim(y_array, "y", (1,), "a vector of shape (m,): one label per sample")
    check.weights_for(W_array, X_array)
    bias = check.scalar(b_array, "b")
    step = one_pass(
        W_array, bias, X_array, y_array, gradient=True, error=False, on_overflow=_rescaled
    )
    return step.gradient, check.scalar_result(step.bias_gradient, step.gradient.dtype)


def _rescaled(W: FloatArray, X_b: FloatArray, b: float) -> FloatArray:
    """Scores that overflowed, recomputed by `_checked_score`: ±inf only where exact."""
    return _checked_score(W, X_b, np.asarray(b, W.dtype))


def delta_rule_step(
    W: npt.ArrayLike, X: npt.ArrayLike, y: npt.ArrayLike, *, learn_rate: float
) -> FloatArray:
    r"""One step of the delta rule: the change ΔW that lowers the sum of squared errors.

    Parameters
    ----------
    W : array_like of shape (n,) or (n, k)
        Weights, one column per output unit.
    X : array_like of shape (m, n)
        Inputs, one data point per row; finite.
    y : array_like of shape (m,) or (m, k)
        Targets, one row per data point (and column per output unit, as W).
    learn_rate : float
        The step size η > 0.

    Returns
    -------
    ndarray of the shape of W
        ΔW, to be added to W.

    Notes
    -----
    With ŷ = σ(h), h = XW (no bias, as in the article's $f(\sum_i w_{ij} x_i)$) and
    E = `sse` (y, ŷ), the error term of each data point is δ = (y − ŷ) σ′(h) and

    $$E = \frac{1}{2} \sum_{\mu} \sum_{j} \bigl(y^\mu_j - \hat{y}^\mu_j\bigr)^2, \qquad
    \hat{y}^\mu_j = \sigma\bigl(h^\mu_j\bigr), \qquad h^\mu_j = \sum_{i} w_{ij}\, x^\mu_i$$
    <!-- check: defines @1; defines @2; defines @3; equals sse(y, predict(W, X)) @1; rtol 1e-10 -->

    $$\Delta w_{ij} = -\eta \frac{\partial E}{\partial w_{ij}}
    = \eta \sum_{\mu} \delta^{\mu}_j \, x^{\mu}_i, \qquad
    \delta^\mu_j = \bigl(y^\mu_j - \hat{y}^\mu_j\bigr)\, \sigma'\bigl(h^\mu_j\bigr)$$
    <!-- check: defines @1; defines @2; rtol 1e-13;
      equals delta_rule_step(W, X, y, learn_rate=eta)[i, j] -->

    Beyond |h| ≈ 708 the slope σ′(h) ≈ e^{−|h|} is below the normal floats and keeps
    few digits or none, while δ·x need not be small (a large target or a large x).
    There δ is carried as a mantissa and a power of two, applied once to each term
    δ·x, so that the step keeps its digits wherever it is a normal number.

    Examples
    --------
    One data point with x = (1, 2), target 1, W = 0: ŷ = 0.5, δ = 0.5 · 0.25:

    >>> delta_rule_step([0.0, 0.0], [[1.0, 2.0]], [1.0], learn_rate=1.0)
    array([0.125, 0.25 ])

    A target may be any real number, not only a label in [0, 1]. σ never reaches a
    target of 2; the step is still the gap times the slope, δ = (2 − 0.5) · 0.25:

    >>> delta_rule_step([0.0], [[1.0]], [2.0], learn_rate=1.0)
    array([0.375])

    Far out, a slope below the normal floats times a large target: exact to 16
    digits, −1.9028129449300704e−21 (σ′(−745.1) alone is a subnormal, 4.9e−324):

    >>> delta_rule_step([1.0], [[-745.1]], [1e300], learn_rate=1.0)
    array([-1.90281294e-21])

    The step follows the negative gradient of the SSE:

    >>> from mlmath import numerical_gradient, sigmoid, sse
    >>> X = np.array([[1.0, 2.0], [0.5, -1.0]])
    >>> y = np.array([1.0, 0.0])
    >>> E = lambda W: sse(y, sigmoid(X @ W))
    >>> W = np.array([0.1, 0.2])
    >>> step = delta_rule_step(W, X, y, learn_rate=0.1)
    >>> bool(np.allclose(step, -0.1 * numerical_gradient(E, W)))
    True

    The delta rule fits real targets, not only labels, and float32 data gives a
    float32 step:

    >>> delta_rule_step([0.0], [[1.0]], [2.0], learn_rate=0.5)
    array([0.1875])
    >>> W32, X32 = np.float32([0.5]), np.float32([[1.0]])
    >>> y32 = np.float32([2.0])
    >>> delta_rule_step(W32, X32, y32, learn_rate=0.5).dtype
    dtype('float32')

    Bad input is refused with an error that names the argument:

    >>> delta_rule_step([0.5], [[1.0], [np.inf]], [1.0, 2.0], learn_rate=0.1)
    Traceback (most recent call last):
      ...
    ValueError: X must contain only finite numbers; got inf at index (1, 0)
    >>> delta_rule_step([[[0.5]]], [[1.0], [2.0]], [1.0, 2.0], learn_rate=0.1)
    Traceback (most recent call last):
      ...
    ValueError: W must be of shape (n,) or (n, k); got an array of shape
    (1, 1, 1)
    >>> delta_rule_step([1.0], [[1.0]], [1.0], learn_rate=-0.1)
    Traceback (most recent call last):
      ...
    ValueError: learn_rate must be a positive finite number; got -0.1
    >>> delta_rule_step([1.0, "2"], [[1.0, 2.0]], [3.0], learn_rate=0.1)
    Traceback (most recent call last):
      ...
    TypeError: W must be a real number or an array of them; got list [1.0,
    '2']
    >>> delta_rule_step([1.0, 2.0], [[1.0, "2"]], [3.0], learn_rate=0.1)
    Traceback (most recent call last):
      ...
    TypeError: X must be a real number or an array of them; got list
    [[1.0, '2']]
    >>> delta_rule_step([1.0, 2.0], [[1.0, 2.0]], ["3"], learn_rate=0.1)
    Traceback (most recent call last):
      ...
    TypeError: y must be a real number or an array of them; got list ['3']

    A step whose terms overflow and cancel has no float64 answer, not even ±inf:

    >>> delta_rule_step([0.0], [[1e200], [-1e200]], [1e200, 1e200],
    ...                 learn_rate=1.0)
    Traceback (most recent call last):
      ...
    ValueError: X, y and learn_rate give a step η Σ δ x whose terms exceed
    the largest float and cancel, so its size and sign are beyond float64:
    scale them down
    """
    rate = check.learn_rate(learn_rate)
    W_array, X_array, y_array = check.as_floats(("W", W), ("X", X), ("y", y))
    check.training_set(X_array, y_array, labels=False)
    check.require_finite(X_array, "X")
    check.weights_for(W_array, X_array, ndims=(1, 2))
    expected = X_array.shape[:1] + W_array.shape[1:]
    if y_array.shape != expected:
        raise ValueError(
            f"y must have shape {expected} (one row per data point, one column per output "
            f"unit of W); got shape {y_array.shape}"
        )
    h = _checked_score(W_array, X_array, np.zeros((), W_array.dtype))
    gap = _target_gap(y_array, h)
    deep = np.abs(h) > _DEEP
    delta = np.where(deep, 0.0, gap * sigmoid_prime(h))
    step = product(
        X_array.T,
        delta,
        rate,
        "X, y and learn_rate give a step η Σ δ x whose terms exceed the largest float "
        "and cancel, so its size and sign are beyond float64: scale them down",
    )
    if deep.any():
        with np.errstate(over="ignore"):  # ±inf where the exact step is beyond floats
            step = step + rate * _deep_shares(X_array, gap, h, deep).astype(step.dtype)
    return step


# Beyond |h| = 700, σ′(h) = e^(−|h|)/(1 + e^(−|h|))² is e^(−|h|) to the last bit and
# falls below the normal floats (from |h| ≈ 708), where it keeps few digits or none;
# yet δ·x = (y − ŷ)·σ′(h)·x can be a normal number (a large target or a large x).
_DEEP = 700.0


def _deep_shares(
    X: FloatArray, gap: FloatArray, h: FloatArray, deep: npt.NDArray[np.bool_]
) -> FloatArray:
    """Σ_μ δ x over the data points and outputs marked ``deep``, without rounding δ
    to the few digits of a subnormal: e^(−|h|) = a²·2^(−2k) with a = e^(−|h|/2)·2^k
    normal (k = ⌊|h|/(2 ln 2)⌋, at most 1022), so δ = gap·a²·2^(−2k); δ and x are
    split into mantissa and exponent (frexp), and each term δ x is their mantissas'
    product with the exponents' sum applied once: one rounding, and ±inf only where
    the exact term is beyond the largest float."""
    outputs = h.reshape(h.shape[0], -1)
    k = np.minimum(np.abs(outputs) / (2 * np.log(2)), 1022).astype(int)
    with np.errstate(under="ignore"):  # e^(−|h|/2) is 0 beyond |h| = 1490: so is δ x
        a = np.ldexp(np.exp(-0.5 * np.abs(outputs)), k)
    gaps = np.where(deep.reshape(outputs.shape), gap.reshape(outputs.shape), 0.0)
    mantissa, exponent = np.frexp(gaps * a * a)  # |gap·a²| ≤ |gap|: finite
    exponent -= 2 * k
    shares = np.zeros((X.shape[1], outputs.shape[1]))
    for o in range(outputs.shape[1]):
        rows = np.flatnonzero(mantissa[:, o])
        for start in range(0, rows.size, 4096):  # at most 4096 rows of X at a time
            part = rows[start : start + 4096]
            x_mantissa, x_exponent = np.frexp(X[part])
            terms = np.ldexp(
                mantissa[part, o, None] * x_mantissa, exponent[part, o, None] + x_exponent
            )
            shares[:, o] += terms.sum(axis=0)
    return shares.reshape((X.shape[1], *h.shape[1:]))


def _target_gap(y: FloatArray, h: FloatArray) -> FloatArray:
    """y − σ(h) without cancellation: once σ(h) rounds to 1, y − σ(h) is 0 for y = 1
    where the exact gap is σ(−h). With both σ(h) and σ(−h), y − σ(h) equals
    y σ(−h) − (1 − y) σ(h), whose terms have one sign for every y outside (0, 1)."""
    up, down = sigmoid(h), sigmoid(-h)
    with np.errstate(over="ignore", invalid="ignore"):
        gap: FloatArray = y * down - (1.0 - y) * up
    # Targets near ±1.8e308 can carry the two terms past the largest float; there the
    # plain difference has nothing to cancel.
    return np.where(np.isfinite(gap), gap, y - up)


def _as_number(value: object) -> float:
    """The value of the function being differentiated, as a float."""
    if isinstance(value, np.ma.MaskedArray):  # np.ma.masked would read as 0.0
        raise TypeError(f"f must return a single real number, not a masked one; got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)  # 2**64 converts; 10**400 does not
        except OverflowError:
            raise ValueError(
                "f must return a single real number within the float64 range; got an int "
                f"of {len(str(abs(value)))} digits"
            ) from None
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "iuf" or array.dtype.itemsize > 8:
        raise TypeError(f"f must return a single real number; got {check.describe(value)}")
    return float(array.reshape(()))


@overload
def numerical_gradient(f: Callable[[float], Any], w: float, *, eps: float = 1e-5) -> float: ...
@overload
def numerical_gradient(
    f: Callable[[FloatArray], Any], w: npt.ArrayLike, *, eps: float = 1e-5
) -> FloatArray: ...
def numerical_gradient(f: Callable[[Any], Any], w: Any, *, eps: float = 1e-5) -> float | FloatArray:
    r"""The gradient of a scalar function by central differences, to check analytic ones.

    Parameters
    ----------
    f : callable
        A function of `w` that returns one number.
    w : float or array_like of any shape
        The point. Always evaluated in float64: gradient checks in float32 drown in rounding.
    eps : float, default 1e-5
        The relative step ε: entry wᵢ moves by εᵢ = ε · max(1, |wᵢ|) each way.

    Returns
    -------
    float or ndarray of the shape of w
        The estimated $\partial f / \partial w_i$.

    Raises
    ------
    ValueError
        If wᵢ ± εᵢ rounds back to wᵢ (ε below about 1.1e-16) or leaves the float
        range: the difference would be 0/0 or plain noise.

    Notes
    -----
    $$\frac{\partial f}{\partial w_i} \approx
    \frac{f(w + \epsilon_i e_i) - f(w - \epsilon_i e_i)}{2\epsilon_i},
    \qquad \epsilon_i = \epsilon \max(1, |w_i|)$$
    <!-- unchecked: an approximation, not an identity; the tests measure its error
      against error_gradient and mpmath -->

    with eᵢ the i-th unit vector. The truncation error is about f‴ εᵢ²/6 and the
    rounding error about u |f| / εᵢ, with u ≈ 1.1e-16 the unit roundoff of float64:
    a larger ε trades rounding for truncation. ε = 1e-5 balances the two, at a relative
    error near 1e-10, for smooth f whose derivatives change on the scale of w itself
    (powers of w, for one). A step that scales with |wᵢ| keeps that balance for large
    wᵢ: a fixed step of 1e-5 is below the spacing of floats near 1e11 (1.5e-5), so the
    step taken is rounded (31% off), and near 1e12 w ± 1e-5 is w itself (0/0). It is
    no promise for every f: an f that changes faster than that is off by its
    f‴εᵢ²/6, and below |wᵢ| = 1 the step stays ε, so there the error is absolute and a
    slope smaller than it is lost (both shown below).

    Examples
    --------
    >>> abs(numerical_gradient(lambda w: w ** 3, 2.0) - 12.0) < 1e-8
    True
    >>> g = numerical_gradient(lambda w: float(w @ w), np.array([1.0, -2.0]))
    >>> bool(np.allclose(g, [2.0, -4.0]))
    True

    Far from 0 the step grows with the point, and the slope of w² is still 2w:

    >>> abs(numerical_gradient(lambda w: w ** 2, 1e12) / 2e12 - 1) < 1e-9
    True

    Where it falls short. e^w changes faster than any power: at w = 700 the step is
    εᵢ = 7e-3 and the relative error is εᵢ²/6 = 8.2e-6. Near 0 the step is ε itself,
    and the slope 2w of w² at w = 1e-100 is far below what (w ± ε)² can resolve:

    >>> import math
    >>> f"{abs(numerical_gradient(math.exp, 700.0) / math.exp(700.0) - 1):.1e}"
    '8.2e-06'
    >>> numerical_gradient(lambda w: w ** 2, 1e-100)
    0.0

    w may be any array_like, each entry stepped in turn; for f(w) = w·w the gradient
    is 2w, and central differences of a quadratic are exact up to rounding. A 0-d
    array gives a 0-d array:

    >>> numerical_gradient(lambda w: float(w @ w), [1.0, -2.0])
    array([ 2., -4.])
    >>> numerical_gradient(sigmoid, np.array(0.0))
    array(0.25)

    A step that w cannot take is refused rather than divided by: one that rounds back
    to w, or one that leaves the float range.

    >>> numerical_gradient(sigmoid, 1.0, eps=1e-17)
    Traceback (most recent call last):
      ...
    ValueError: eps=1e-17 gives a step that w = 1.0 cannot take: w ±
    eps·max(1, |w|) rounds back to w or leaves the float range; use a
    larger eps (1e-5 is usual) or a point within the float range
    >>> numerical_gradient(sigmoid, [0.0, 1e308], eps=1.0)
    Traceback (most recent call last):
      ...
    ValueError: eps=1.0 gives a step that w at index (1,) = 1e+308 cannot
    take: w ± eps·max(1, |w|) rounds back to w or leaves the float range;
    use a larger eps (1e-5 is usual) or a point within the float range

    Other bad input is refused with an error that names the argument:

    >>> numerical_gradient(sigmoid, np.nan)
    Traceback (most recent call last):
      ...
    ValueError: w must contain only finite numbers; got nan
    >>> numerical_gradient(sigmoid, "w")
    Traceback (most recent call last):
      ...
    TypeError: w must be a real number or an array of them; got the string
    'w'
    >>> numerical_gradient(sigmoid, 0.0, eps=0.0)
    Traceback (most recent call last):
      ...
    ValueError: eps must be a positive finite number; got 0.0
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a number; got {check.describe(f)}")
    relative = check.positive_step(eps, "eps")
    point = check.as_float("w", w).astype(np.float64)
    check.require_finite(point, "w")
    steps = relative * np.maximum(1.0, np.abs(point))
    with np.errstate(over="ignore"):
        ahead, behind = point + steps, point - steps
    _require_moves(point, ahead, behind, relative)
    if point.ndim == 0 and not isinstance(w, np.ndarray):
        up, down = float(ahead), float(behind)
        # Divide by the step actually taken: w + δ and w − δ are themselves rounded.
        return (_as_number(f(up)) - _as_number(f(down))) / (up - down)
    gradient = np.empty_like(point)
    for index in np.ndindex(point.shape):
        plus, minus = point.copy(), point.copy()
        plus[index], minus[index] = ahead[index], behind[index]
        taken = float(ahead[index] - behind[index])
        gradient[index] = (_as_number(f(plus)) - _as_number(f(minus))) / taken
    return gradient


def _require_moves(point: FloatArray, ahead: FloatArray, behind: FloatArray, eps: float) -> None:
    """w ± δ must differ from w and stay finite, or the difference quotient is noise."""
    stuck = (ahead == point) | (behind == point) | ~np.isfinite(ahead) | ~np.isfinite(behind)
    if stuck.any():
        where = np.argwhere(stuck)[0] if point.ndim else ()
        at = f" at index {tuple(int(i) for i in where)}" if point.ndim else ""
        value = float(point[tuple(where)])
        raise ValueError(
            f"eps={eps!r} gives a step that w{at} = {value!r} cannot take: w ± eps·max(1, |w|) "
            f"rounds back to w or leaves the float range; use a larger eps (1e-5 is usual) "
            f"or a point within the float range"
        )
