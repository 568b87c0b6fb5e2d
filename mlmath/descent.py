r"""Training: full-batch gradient descent on the cross-entropy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mlmath import _validate as check
from mlmath._scaled import exponent
from mlmath._train import OverflowHandler, one_pass
from mlmath._validate import FloatArray
from mlmath.prediction import _checked_score


@dataclass(frozen=True)
class GradientDescentResult:
    """What `gradient_descent` learned, and the error along the way.

    Attributes
    ----------
    weights : ndarray of shape (n,)
        The final weights W (read-only).
    bias : float
        The final bias b.
    errors : ndarray of shape (epochs + 1,)
        ``errors[k]`` is the mean cross-entropy E after k epochs; ``errors[0]`` is E
        before training (read-only).
    """

    weights: FloatArray
    bias: float
    errors: FloatArray


def gradient_descent(
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    learn_rate: float,
    epochs: int,
    weights: npt.ArrayLike | None = None,
    bias: float = 0.0,
) -> GradientDescentResult:
    r"""Fit W and b by full-batch gradient descent on the mean cross-entropy.

    Parameters
    ----------
    X : array_like of shape (m, n)
        Training inputs, one sample per row; finite.
    y : array_like of shape (m,)
        Labels in [0, 1].
    learn_rate : float
        The step size η > 0. At or below 2/L, with L = `lipschitz_constant` (X), the
        error cannot rise in exact arithmetic; in floating point only by rounding
        (see Notes).
    epochs : int
        Number of steps, each over the whole data set (0 returns the start).
    weights : array_like of shape (n,), optional
        Initial weights; zeros by default, so training is deterministic.
    bias : float, default 0.0
        Initial bias.

    Returns
    -------
    GradientDescentResult
        ``.weights``, ``.bias`` and ``.errors`` (E after 0, 1, …, epochs epochs).

    Notes
    -----
    The objective, minimised over W and b:

    $$E(W, b) = -\frac{1}{m}\sum_{\mu=1}^{m}
    \Bigl[y^\mu \ln \hat{y}^\mu + (1 - y^\mu)\ln(1 - \hat{y}^\mu)\Bigr],
    \qquad \hat{y}^\mu = \sigma(W \cdot x^\mu + b)$$
    <!-- check: equals cross_entropy(y, y_hat) @1; equals predict(W, X, b)[mu] @2; rtol 1e-13 -->

    Each epoch moves against the gradient (see `error_gradient`):

    $$w_i \leftarrow w_i - \eta\,\frac{\partial E}{\partial w_i}, \qquad
    b \leftarrow b - \eta\,\frac{\partial E}{\partial b}$$
    <!-- check: rtol 1e-12;
      equals gradient_descent(X, y, learn_rate=eta, epochs=1, weights=W, bias=b).weights[i] @1;
      equals gradient_descent(X, y, learn_rate=eta, epochs=1, weights=W, bias=b).bias @2 -->

    E is recorded with the loss of `cross_entropy_from_logits`, which keeps its digits
    even for confident scores, in the same pass over X as the gradient: X is read
    once per epoch, row by row in one compiled loop, and is checked for nan and inf
    through its scores rather than in a pass of its own.

    For η ≤ 2/L the descent lemma (see `lipschitz_constant`) says E never rises, in
    exact arithmetic. In floating point E and the step are rounded, so once the run
    has converged E can tick up by rounding: such rises are a few ulp of E (at most
    4 ulp in 120 measured runs of 1,000 epochs with η up to 2/L; the tests allow 8).
    Larger rises mean η is too large.

    Examples
    --------
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> y = np.array([0, 1, 1, 0])
    >>> fit = gradient_descent(X, y, learn_rate=0.5, epochs=100)
    >>> len(fit.errors)
    101
    >>> float(fit.errors[0]) == float(np.log(2))
    True
    >>> bool(np.all(np.diff(fit.errors) < 0))
    True
    >>> from mlmath import predict
    >>> predict(fit.weights, X, fit.bias).round(2)
    array([0.1 , 0.93, 0.9 , 0.14])

    The fit's arrays are read-only, so a record of training cannot be edited by
    accident (copy them to experiment):

    >>> fit.weights[0] = 1.0
    Traceback (most recent call last):
      ...
    ValueError: assignment destination is read-only
    >>> fit.errors[0] = 1.0
    Traceback (most recent call last):
      ...
    ValueError: assignment destination is read-only

    Bad input is refused with an error that names the argument:

    >>> gradient_descent([[1.0]], [1.0], learn_rate=0, epochs=1)
    Traceback (most recent call last):
      ...
    ValueError: learn_rate must be a positive finite number; got 0.0
    >>> gradient_descent([[1.0]], [1.0], learn_rate=0.1, epochs=2.5)
    Traceback (most recent call last):
      ...
    TypeError: epochs must be a non-negative int; got float 2.5
    >>> gradient_descent([[1.0]], [[1.0]], learn_rate=0.1, epochs=1)
    Traceback (most recent call last):
      ...
    ValueError: y must be a vector of shape (m,): one label per sample;
    got an array of shape (1, 1)
    >>> gradient_descent([[1.0]], [1.0], learn_rate=0.1, epochs=1,
    ...                  bias=[0.0, 1.0])
    Traceback (most recent call last):
      ...
    ValueError: bias must be a single number; got an array of shape (2,)
    >>> gradient_descent([[1.0]], [1.0], learn_rate=0.1, epochs=1,
    ...                  bias="b")
    Traceback (most recent call last):
      ...
    TypeError: bias must be a real number or an array of them; got the
    string 'b'
    >>> gradient_descent([[1.0]], [1.0], learn_rate=0.1, epochs=1,
    ...                  weights=["0"])
    Traceback (most recent call last):
      ...
    TypeError: weights must be a real number or an array of them; got list
    ['0']
    >>> gradient_descent("X", [1.0], learn_rate=0.1, epochs=1)
    Traceback (most recent call last):
      ...
    TypeError: X must be a real number or an array of them; got the string
    'X'
    >>> gradient_descent([[1.0]], ["y"], learn_rate=0.1, epochs=1)
    Traceback (most recent call last):
      ...
    TypeError: y must be a real number or an array of them; got list ['y']

    X is checked for nan and inf in the pass that computes the scores, and the entry
    is named all the same:

    >>> gradient_descent([[1.0, np.nan]], [1.0], learn_rate=0.1, epochs=1)
    Traceback (most recent call last):
      ...
    ValueError: X must contain only finite numbers; got nan at index (0,
    1)

    Weights whose score leaves the float range cannot have their E recorded, and a
    learn_rate far beyond 1/L overshoots until they do, in the step itself or in the
    next scores: the run stops with an error that names 1/L rather than return nan.

    >>> gradient_descent([[1e200]], [1.0], learn_rate=0.1, epochs=1,
    ...                  weights=[1e200])
    Traceback (most recent call last):
      ...
    ValueError: weights and X give a score W·x + b beyond the largest
    float, where E cannot be recorded; scale them down
    >>> gradient_descent([[1e100], [1.0]], [1.0, 0.0],
    ...                  learn_rate=1e110, epochs=3)
    Traceback (most recent call last):
      ...
    ValueError: learn_rate=1e+110 made gradient descent diverge: after 1
    epoch the weights or a score W·x + b are beyond the largest float (1/L
    = 8e-200 keeps E from rising beyond rounding)
    >>> gradient_descent([[1e100], [1.0]], [1.0, 0.0],
    ...                  learn_rate=1e300, epochs=3)
    Traceback (most recent call last):
      ...
    ValueError: learn_rate=1e+300 made gradient descent diverge: after 1
    epoch the weights or a score W·x + b are beyond the largest float (1/L
    = 8e-200 keeps E from rising beyond rounding)
    """
    rate = check.learn_rate(learn_rate)
    count = check.epochs(epochs)
    # X converted and its shape checked first: ragged X gets an error that names it, and
    # X's shape sets the starting weights.
    X_given = check.as_float("X", X)
    check.design_matrix(X_given)
    start = np.zeros(X_given.shape[1]) if weights is None else weights
    X_array, y_array, W, b_array = check.as_floats(
        ("X", X_given), ("y", y), ("weights", start), ("bias", bias)
    )
    # X is checked for nan and inf in the first pass (its scores), not once per epoch.
    check.training_set(X_array, y_array)
    check.require_ndim(y_array, "y", (1,), "a vector of shape (m,): one label per sample")
    check.weights_for(W, X_array)
    b = check.scalar(b_array, "bias")
    W = W.copy()
    try:
        errors = np.empty(count + 1)
    except (ValueError, MemoryError):  # NumPy: "array is too big", or no memory for it
        raise ValueError(
            f"epochs must leave room for one error per epoch; got {check.describe(count)}, "
            "more errors than this machine can hold"
        ) from None
    for epoch in range(count + 1):
        # One pass over X gives both the error record and the gradient.
        step = one_pass(
            W,
            b,
            X_array,
            y_array,
            gradient=epoch < count,
            error=True,
            on_overflow=_diverging(epoch, rate, X_array),
        )
        errors[epoch] = step.error
        if epoch == count:
            break
        with np.errstate(over="ignore"):  # a step past the largest float is caught below
            W -= rate * step.gradient
            b -= rate * step.bias_gradient
        if not (np.isfinite(W).all() and np.isfinite(b)):
            raise _diverged(epoch + 1, rate, X_array)
    W.flags.writeable = False
    errors.flags.writeable = False
    return GradientDescentResult(weights=W, bias=b, errors=errors)


def _diverging(epoch: int, rate: float, X: FloatArray) -> OverflowHandler:
    """What to do with scores that overflowed: recompute them exactly scaled, and stop
    where a score is beyond the largest float (E cannot be recorded there)."""

    def rescue(W: FloatArray, X_b: FloatArray, b: float) -> FloatArray:
        h = _checked_score(W, X_b, np.asarray(b, W.dtype))
        if not np.isfinite(h).all():
            raise _diverged(epoch, rate, X)
        return h

    return rescue


def _diverged(epoch: int, rate: float, X: FloatArray) -> ValueError:
    """The error for weights or a score beyond the largest float (E cannot be recorded)."""
    if epoch == 0:
        return ValueError(
            "weights and X give a score W·x + b beyond the largest float, where E cannot "
            "be recorded; scale them down"
        )
    epochs = check.count(epoch, "epoch")
    return ValueError(
        f"learn_rate={rate!r} made gradient descent diverge: after {epochs} the weights or "
        f"a score W·x + b are beyond the largest float (1/L = "
        f"{1 / lipschitz_constant(X):.3g} keeps E from rising beyond rounding)"
    )


def lipschitz_constant(X: npt.ArrayLike) -> float:
    r"""L, the Lipschitz constant of the gradient of the mean cross-entropy over (W, b).

    Parameters
    ----------
    X : array_like of shape (m, n)
        Training inputs, one sample per row; finite.

    Returns
    -------
    float
        L > 0. A learning rate η ≤ 2/L makes every step of `gradient_descent`
        lower (or keep) the error, in exact arithmetic; η = 1/L is the classic choice.

    Notes
    -----
    The Hessian of E is (1/m) X̃ᵀ diag(σ′(h)) X̃, with X̃ = [X, 1] (the column of ones
    is the bias) and σ′ ≤ 1/4, so

    $$L = \frac{1}{4m} \bigl\lVert \tilde{X} \bigr\rVert_2^2$$
    <!-- check: defines; equals lipschitz_constant(X); rtol 1e-12 -->

    where ‖X̃‖₂², the largest singular value squared, is the largest eigenvalue of X̃ᵀX̃

    and the descent lemma E(θ − ηg) ≤ E(θ) − η(1 − Lη/2)‖g‖², for θ = (W, b) and g the
    gradient of E(W, b) at θ, shows E cannot rise for η ≤ 2/L (in exact arithmetic).

    Examples
    --------
    One feature that is always 0: X̃ᵀX̃ = [[0, 0], [0, m]], so L = 1/4:

    >>> lipschitz_constant([[0.0], [0.0], [0.0]])
    0.25

    X̃ᵀX̃ is formed from X̃ scaled by a power of two, so entries beyond 1e154 (whose
    square overflows) still give L = x²/4, up to where L itself passes the largest
    float, which is no reason for an error or a warning:

    >>> lipschitz_constant([[1e154]])
    2.5e+307
    >>> lipschitz_constant([[1e200]])
    inf

    Bad input is refused with an error that names the argument:

    >>> lipschitz_constant([1.0, 2.0])
    Traceback (most recent call last):
      ...
    ValueError: X must be a matrix of shape (m, n): one row per sample;
    got an array of shape (2,)
    >>> lipschitz_constant(np.zeros((0, 3)))
    Traceback (most recent call last):
      ...
    ValueError: X must not be empty; got an array of shape (0, 3)
    >>> lipschitz_constant([[1.0, np.nan]])
    Traceback (most recent call last):
      ...
    ValueError: X must contain only finite numbers; got nan at index (0,
    1)
    >>> lipschitz_constant("X")
    Traceback (most recent call last):
      ...
    TypeError: X must be a real number or an array of them; got the string
    'X'
    """
    X_array = check.as_float("X", X).astype(np.float64)
    check.require_ndim(X_array, "X", (2,), "a matrix of shape (m, n): one row per sample")
    check.require_nonempty(X_array, "X")
    check.require_finite(X_array, "X")
    m = X_array.shape[0]
    X_tilde = np.hstack([X_array, np.ones((m, 1))])
    # X̃ᵀX̃ would overflow for entries beyond 1e154: scale X̃ by a power of two (exact)
    # so its entries are at most 1, and scale λ back. X̃ᵀX̃ is small, (n + 1) × (n + 1),
    # and symmetric: eigvalsh is exact enough and cheap.
    p = exponent(X_tilde)
    X_tilde = np.ldexp(X_tilde, -p)
    largest = np.linalg.eigvalsh(X_tilde.T @ X_tilde)[-1] / (4 * m)
    with np.errstate(over="ignore"):
        return float(np.ldexp(largest, 2 * p))
