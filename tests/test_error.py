"""error_formula, cross_entropy, cross_entropy_from_logits, sse: exactness and oracles."""

from __future__ import annotations

import math
import warnings
from types import ModuleType

import exact
import numpy as np
import pytest
import scipy.special
import sklearn.metrics
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlmath import cross_entropy, cross_entropy_from_logits, error_formula, sigmoid, sse

FAST = settings(max_examples=60, deadline=None)


def test_confident_answers() -> None:
    assert error_formula(1, 1.0) == 0.0
    assert math.copysign(1, error_formula(1, 1.0)) == 1.0  # 0.0, not −0.0
    assert error_formula(0, 0.0) == 0.0
    assert error_formula(1, 0.0) == math.inf
    assert error_formula(0, 1.0) == math.inf


def test_error_formula_matches_xlogy() -> None:
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 1, 500)
    y[:100] = np.round(y[:100])
    p = rng.uniform(0, 1, 500)
    reference = -scipy.special.xlogy(y, p) - scipy.special.xlog1py(1 - y, -p)
    assert np.allclose(error_formula(y, p), reference, rtol=1e-15, atol=0)


def test_cross_entropy_matches_sklearn_log_loss() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = rng.uniform(0.01, 0.99, 200)
    assert cross_entropy(y, p) == pytest.approx(sklearn.metrics.log_loss(y, p), rel=1e-14)


def test_cross_entropy_is_the_mean_of_error_formula() -> None:
    y, p = [1, 0, 1, 1], [0.9, 0.2, 0.4, 0.7]
    assert cross_entropy(y, p) == pytest.approx(float(np.mean(error_formula(y, p))), rel=1e-15)


def test_from_logits_within_a_few_ulp_per_sample() -> None:
    rng = np.random.default_rng(2)
    h = np.concatenate([rng.normal(0, 5, 400), rng.uniform(-800, 800, 200), [0.0, 1e300, -1e300]])
    for label in (0.0, 1.0):
        y = np.full(h.size, label)
        got = [cross_entropy_from_logits([yi], [hi]) for yi, hi in zip(y, h, strict=True)]
        errors = exact.ulp_errors(got, h, lambda hi, label=label: exact.logit_loss(label, hi))
        assert errors.max() <= 4.0, h[errors.argmax()]


def test_from_logits_where_the_naive_route_fails() -> None:
    # σ(40) rounds to 1, so from the probability the label 0 costs +inf; from the score, 40.
    assert cross_entropy([0.0], [sigmoid(40.0)]) == math.inf
    assert cross_entropy_from_logits([0.0, 1.0], [40.0, -800.0]) == pytest.approx(420.0, rel=1e-15)


def test_from_logits_agrees_with_torch(torch: ModuleType) -> None:
    rng = np.random.default_rng(3)
    h, y = rng.normal(0, 10, 1000), rng.uniform(0, 1, 1000)
    peer = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(h), torch.tensor(y), reduction="mean"
    )
    assert cross_entropy_from_logits(y, h) == pytest.approx(peer.item(), rel=1e-13)


def test_from_logits_mean_is_finite_when_the_sum_overflows() -> None:
    # Found by Hypothesis: 14 losses of 1.28e307 sum past the largest float.
    value = cross_entropy_from_logits(np.ones(14), np.full(14, -1.28e307))
    assert value == pytest.approx(1.28e307, rel=1e-15)
    largest = np.finfo(np.float64).max
    assert cross_entropy_from_logits(np.ones(3), np.full(3, -largest)) == largest


@FAST
@given(
    hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e308, 1e308)),
    st.data(),
)
def test_from_logits_finite_for_every_finite_score(h: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(hnp.arrays(np.float64, h.shape, elements=st.floats(0, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = cross_entropy_from_logits(y, h)
    assert math.isfinite(value)
    assert value >= 0 or np.any((y > 0) & (y < 1))


@FAST
@given(
    hnp.arrays(np.float64, st.integers(1, 30), elements=st.sampled_from([0.0, 1.0])),
    st.data(),
)
def test_error_formula_never_nan_or_warning(y: np.ndarray, data: st.DataObject) -> None:
    p = data.draw(
        hnp.arrays(
            np.float64, y.shape, elements=st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0]))
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = error_formula(y, p)
    assert not np.isnan(loss).any()
    assert (loss >= 0).all()


def test_sse() -> None:
    assert sse([1.0, 0.0], [0.5, 0.5]) == 0.25
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y_hat = np.array([[0.9, 0.2], [0.1, 0.7], [0.6, 0.8]])
    assert sse(y, y_hat) == pytest.approx(
        0.5 * sum((a - b) ** 2 for a, b in zip(y.flat, y_hat.flat, strict=True))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sse([1e200], [-1e200]) == math.inf


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: error_formula([1, 0], [0.5, 0.2, 0.1]),
            ValueError,
            r"y and output disagree: y has shape \(2,\) but output has shape \(3,\)",
        ),
        (
            lambda: error_formula(2, 0.5),
            ValueError,
            r"y must be labels in \[0, 1\]; got values from 2.0 to 2.0",
        ),
        (lambda: error_formula(1, 1.5), ValueError, r"output must be probabilities in \[0, 1\]"),
        (
            lambda: cross_entropy([1], [math.nan]),
            ValueError,
            r"y_hat must be probabilities in \[0, 1\]; got NaN",
        ),
        (lambda: cross_entropy([], []), ValueError, r"y must not be empty"),
        (
            lambda: cross_entropy_from_logits([1], [math.inf]),
            ValueError,
            r"h must contain only finite numbers",
        ),
        (lambda: cross_entropy_from_logits([1, 0], [1.0]), ValueError, r"y and h disagree"),
        (lambda: sse([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, r"y and y_hat disagree"),
        (lambda: sse([math.nan], [1.0]), ValueError, r"y must contain only finite numbers"),
        (lambda: cross_entropy(["a"], [0.5]), TypeError, r"y must be a real number"),
    ],
)
def test_bad_input_is_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]
