"""Every public function, fed finite numbers from the whole float64 range.

Finite input must give a result without nan and without a RuntimeWarning (the suite
turns warnings into errors), or our ValueError naming an argument. An infinite result
is allowed where the exact answer is beyond the largest float.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mlmath

FAST = settings(max_examples=150, deadline=None)

anything = st.floats(-1e308, 1e308)
unit = st.floats(0, 1)
rates = st.floats(1e-300, 1e300)

Call = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], object]
CALLS: dict[str, Call] = {
    "sigmoid": lambda W, b, X, y, r: mlmath.sigmoid(X),
    "sigmoid_prime": lambda W, b, X, y, r: mlmath.sigmoid_prime(X),
    "log_sigmoid": lambda W, b, X, y, r: mlmath.log_sigmoid(X),
    "score": lambda W, b, X, y, r: mlmath.score(W, X, b),
    "predict": lambda W, b, X, y, r: mlmath.predict(W, X, b),
    "cross_entropy_from_logits": lambda W, b, X, y, r: mlmath.cross_entropy_from_logits(y, X[:, 0]),
    "sse": lambda W, b, X, y, r: mlmath.sse(X[:, 0], y),
    "error_gradient": lambda W, b, X, y, r: mlmath.error_gradient(W, b, X, y),
    "delta_rule_step": lambda W, b, X, y, r: mlmath.delta_rule_step(W, X, y, learn_rate=r),
    "gradient_descent": lambda W, b, X, y, r: mlmath.gradient_descent(
        X, y, learn_rate=r, epochs=3, weights=W, bias=b
    ),
    "lipschitz_constant": lambda W, b, X, y, r: mlmath.lipschitz_constant(X),
}


def values(result: object) -> list[float]:
    if isinstance(result, mlmath.GradientDescentResult):
        parts = [result.weights, result.bias, result.errors]
    elif isinstance(result, tuple):
        parts = list(result)
    else:
        parts = [result]
    return [float(v) for part in parts for v in np.ravel(part)]


@FAST
@given(st.sampled_from(sorted(CALLS)), st.integers(1, 5), st.integers(1, 4), st.data())
def test_finite_input_never_gives_nan_or_a_warning(
    name: str, m: int, n: int, data: st.DataObject
) -> None:
    W = data.draw(hnp.arrays(np.float64, n, elements=anything), label="W")
    b = data.draw(anything, label="b")
    X = data.draw(hnp.arrays(np.float64, (m, n), elements=anything), label="X")
    y = data.draw(hnp.arrays(np.float64, m, elements=unit), label="y")
    rate = data.draw(rates, label="learn_rate")
    try:
        result = CALLS[name](W, np.float64(b), X, y, rate)
    except ValueError as error:
        text = str(error)
        assert text.startswith(("W", "X", "x", "b", "weights", "learn_rate")), text
        return
    assert not any(np.isnan(values(result))), result
