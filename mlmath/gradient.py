r"""Gradients: of the cross-entropy, the delta rule for SSE, and a numerical check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from mlmath import _validate as check
from mlmath._scaled import product
from mlmath._validate import FloatArray
from mlmath.activation import sigmoid, sigmoid_prime
from mlmath.prediction import _checked_score


def error_gradient(
    W: npt.ArrayLike, b: float, X: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[FloatArray, float]:
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
        $\partial E / \partial b$.

    Notes
    -----
    For E = `cross_entropy` (y, `predict` (W, X, b)) the chain rule collapses, because
    σ′ = σ(1 − σ) cancels the denominators of the logarithms' derivatives:

    $$\frac{\partial E}{\partial h^\mu} = \frac{\hat{y}^\mu - y^\mu}{m}, \qquad
    \frac{\partial E}{\partial w_i} = \frac{1}{m}\sum_{\mu=1}^{m} (\hat{y}^\mu - y^\mu)\, x^\mu_i,
    \qquad \frac{\partial E}{\partial b} = \frac{1}{m}\sum_{\mu=1}^{m} (\hat{y}^\mu - y^\mu)$$
    <!-- check: rtol 1e-10;
      derivative error_gradient(W, b, X, y)[0][i]
        of cross_entropy_from_logits(y, score(W, X, b)) by W[i] @2;
      derivative error_gradient(W, b, X, y)[1]
        of cross_entropy_from_logits(y, score(W, X, b)) by b @3 -->

    with ŷ = σ(h) computed from the scores h = XW + b (no logarithm is formed).

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
    """
    W_array, b_array, X_array, y_array = check.as_floats(("W", W), ("b", b), ("X", X), ("y", y))
    check.training_set(X_array, y_array)
    check.require_ndim(y_array, "y", (1,), "a vector of shape (m,): one label per sample")
    check.weights_for(W_array, X_array)
    check.scalar(b_array, "b")
    residual = sigmoid(_checked_score(W_array, X_array, b_array)) - y_array
    return _mean_gradient(X_array, residual), float(np.mean(residual))


def _mean_gradient(X: FloatArray, residual: FloatArray) -> FloatArray:
    """∂E/∂W = Xᵀ(ŷ − y)/m from the residuals ŷ − y: shared with training."""
    # |ŷ − y| ≤ 1, so Σ |x (ŷ − y)| / m ≤ max |x|: dividing first keeps the exact
    # value finite. Only rounding can carry it past the largest float (11 rows of it).
    with np.errstate(over="ignore"):
        gradient: FloatArray = X.T @ (residual / X.shape[0])
    if not np.isfinite(gradient).all():
        limit = np.abs(X).max()
        gradient = np.clip(gradient, -limit, limit)
    return gradient


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
    <!-- check: defines @1; defines @2; rtol 1e-10;
      equals delta_rule_step(W, X, y, learn_rate=eta)[i, j] -->

    Examples
    --------
    One data point with x = (1, 2), target 1, W = 0: ŷ = 0.5, δ = 0.5 · 0.25:

    >>> delta_rule_step([0.0, 0.0], [[1.0, 2.0]], [1.0], learn_rate=1.0)
    array([0.125, 0.25 ])

    The step follows the negative gradient of the SSE:

    >>> from mlmath import numerical_gradient, sigmoid, sse
    >>> X = np.array([[1.0, 2.0], [0.5, -1.0]])
    >>> y = np.array([1.0, 0.0])
    >>> E = lambda W: sse(y, sigmoid(X @ W))
    >>> W = np.array([0.1, 0.2])
    >>> step = delta_rule_step(W, X, y, learn_rate=0.1)
    >>> bool(np.allclose(step, -0.1 * numerical_gradient(E, W)))
    True
    """
    rate = check.learn_rate(learn_rate)
    W_array, X_array, y_array = check.as_floats(("W", W), ("X", X), ("y", y))
    check.training_set(X_array, y_array, labels=False)
    check.weights_for(W_array, X_array, ndims=(1, 2))
    expected = X_array.shape[:1] + W_array.shape[1:]
    if y_array.shape != expected:
        raise ValueError(
            f"y must have shape {expected} (one row per data point, one column per output "
            f"unit of W); got shape {y_array.shape}"
        )
    h = _checked_score(W_array, X_array, np.zeros((), W_array.dtype))
    delta = (y_array - sigmoid(h)) * sigmoid_prime(h)
    return product(
        X_array.T,
        delta,
        rate,
        "X, y and learn_rate give a step η Σ δ x whose terms exceed the largest float "
        "and cancel, so its size and sign are beyond float64: scale them down",
    )


def _as_number(value: object) -> float:
    """The value of the function being differentiated, as a float."""
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "iuf":
        raise TypeError(f"f must return a single real number; got {check.describe(value)}")
    return float(array.reshape(()))


@overload
def numerical_gradient(f: Callable[[float], Any], w: float, *, h: float = 1e-5) -> float: ...
@overload
def numerical_gradient(
    f: Callable[[FloatArray], Any], w: npt.ArrayLike, *, h: float = 1e-5
) -> FloatArray: ...
def numerical_gradient(f: Callable[[Any], Any], w: Any, *, h: float = 1e-5) -> float | FloatArray:
    r"""The gradient of a scalar function by central differences, to check analytic ones.

    Parameters
    ----------
    f : callable
        A function of `w` that returns one number.
    w : float or array_like of any shape
        The point. Always evaluated in float64: gradient checks in float32 drown in rounding.
    h : float, default 1e-5
        The step (here h is a step size, not a score).

    Returns
    -------
    float or ndarray of the shape of w
        The estimated $\partial f / \partial w_i$.

    Notes
    -----
    $$\frac{\partial f}{\partial w_i} \approx
    \frac{f(w + h e_i) - f(w - h e_i)}{2h}$$
    <!-- unchecked: an approximation, not an identity; the tests measure its error
      against error_gradient and mpmath -->

    The error is O(h²) from truncation plus O(ε/h) from rounding; h = 1e-5 in float64
    balances them at a relative error near 1e-10, far below the 1e-7 used in the tests.

    Examples
    --------
    >>> abs(numerical_gradient(lambda w: w ** 3, 2.0) - 12.0) < 1e-8
    True
    >>> g = numerical_gradient(lambda w: float(w @ w), np.array([1.0, -2.0]))
    >>> bool(np.allclose(g, [2.0, -4.0]))
    True
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a number; got {check.describe(f)}")
    step = check.positive_step(h, "h")
    point = check.as_float("w", w).astype(np.float64)
    check.require_finite(point, "w")
    if point.ndim == 0 and not isinstance(w, np.ndarray):
        x = float(point)
        # Divide by the step actually taken: x + h and x − h are themselves rounded.
        return (_as_number(f(x + step)) - _as_number(f(x - step))) / ((x + step) - (x - step))
    gradient = np.empty_like(point)
    for index in np.ndindex(point.shape):
        plus, minus = point.copy(), point.copy()
        plus[index] += step
        minus[index] -= step
        taken = float(plus[index] - minus[index])
        gradient[index] = (_as_number(f(plus)) - _as_number(f(minus))) / taken
    return gradient
