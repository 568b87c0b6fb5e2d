"""error_formula, cross_entropy, cross_entropy_from_logits, sse: exactness and oracles."""

from __future__ import annotations

import math
import warnings
from types import ModuleType

import exact
import mpmath
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


def logit_domain(seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores of every size and labels over all of [0, 1]: hard, uniform soft, and soft
    labels within 1e-15 of 0 or 1, where max(h, 0) − h·y cancels."""
    rng = np.random.default_rng(seed)
    quarter = size // 4
    h = np.concatenate(
        [
            rng.normal(0, 5, quarter),
            rng.uniform(-800, 800, quarter),
            np.exp(rng.uniform(-30, 700, quarter)) * rng.choice([-1.0, 1.0], quarter),
            rng.uniform(-40, 40, size - 3 * quarter),
        ]
    )
    y = np.concatenate(
        [
            rng.integers(0, 2, quarter).astype(float),
            rng.uniform(0, 1, quarter),
            1 - np.exp(rng.uniform(-35, -1, quarter)),
            np.exp(rng.uniform(-35, -1, size - 3 * quarter)),
        ]
    )
    return h, rng.permutation(y)


def test_from_logits_within_2_ulp_per_sample_for_every_label() -> None:
    # The docstring's promise, over the whole accepted domain: labels anywhere in
    # [0, 1], every finite score. 1.5 ulp for the labels 0 and 1.
    h, y = logit_domain(2, 2400)
    got = [cross_entropy_from_logits([yi], [hi]) for yi, hi in zip(y, h, strict=True)]
    reference = [exact.logit_loss(yi, hi) for yi, hi in zip(y.tolist(), h.tolist(), strict=True)]
    errors = exact.ulp_distances(got, reference)
    assert errors.max() <= 2.0, (h[errors.argmax()], y[errors.argmax()])
    hard = (y == 0) | (y == 1)
    assert errors[hard].max() <= 1.5


def test_from_logits_soft_label_keeps_every_digit() -> None:
    # max(h, 0) − h·y gave 1.0000003385e-05 here (relative error 2.6e-7).
    got = cross_entropy_from_logits([0.9999999999], [1e5])
    assert got == float(exact.logit_loss(0.9999999999, 1e5))
    assert got == pytest.approx(1.0000000827e-05, rel=1e-10)


def test_from_logits_mean_is_within_the_rounding_of_its_sum() -> None:
    # Terms ≥ 0, so the mean adds only the rounding of their sum (pairwise, relative
    # error about log2(m) ulp): against mpmath for 3,000 terms, and against an exact
    # sum (fsum) of an independent reference over 70,000, which spans several blocks.
    h, y = logit_domain(3, 70_000)
    h = h / 100  # keep the sum of moderate size, so many terms matter
    got = cross_entropy_from_logits(y, h)
    terms = [
        exact.logit_loss(float(yi), float(hi)) for yi, hi in zip(y[:3000], h[:3000], strict=True)
    ]
    small = cross_entropy_from_logits(y[:3000], h[:3000])
    assert small == pytest.approx(float(mpmath.fsum(terms) / 3000), rel=14 * 2**-53)
    reference = math.fsum(exact_losses_fast(y, h).tolist()) / h.size
    assert got == pytest.approx(reference, rel=20 * 2**-53)


def exact_losses_fast(y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """An independent float64 reference for many terms (mpmath is slow): SciPy's
    log_expit, whose two terms have one sign, so each loss is within a few ulp."""
    return -(y * scipy.special.log_expit(h) + (1 - y) * scipy.special.log_expit(-h))


def test_from_logits_has_the_same_bits_in_any_number_of_threads() -> None:
    # Each block's part of the mean is computed in some thread; the parts are added in
    # order, so the result cannot depend on the threads. Some blocks overflow their sum.
    from mlmath._train import VALUE_BLOCK, mean_of_losses

    rng = np.random.default_rng(5)
    m = 40 * VALUE_BLOCK + 123
    h = rng.normal(0, 30, m)
    h[:: 7 * VALUE_BLOCK] = -1.28e307
    h[1 : 14 * VALUE_BLOCK : VALUE_BLOCK // 2] = -1.28e307  # 28 in a block: overflow
    y = rng.uniform(0, 1, m)
    one = mean_of_losses(h, y, threads=1)
    assert one == cross_entropy_from_logits(y, h)  # the public call, threads or not
    for threads in (2, 3, 7):
        assert mean_of_losses(h, y, threads=threads) == one
    losses = np.log1p(np.exp(-np.abs(h))) + np.where(h >= 0, (1 - y) * h, -y * h)
    assert one == pytest.approx(math.fsum((losses / m).tolist()), rel=1e-13)


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
        # A masked array would silently count its masked entries (0.30129 here,
        # counting the masked 0.5): refused, with the way out.
        (
            lambda: cross_entropy([1, 0, 1], np.ma.array([0.9, 0.1, 0.5], mask=[0, 0, 1])),
            TypeError,
            r"^y_hat must be a plain array, not a masked array; drop the masked entries",
        ),
        (
            lambda: cross_entropy_from_logits(np.ma.array([1, 0]), [0.0, 1.0]),
            TypeError,
            r"^y must be a plain array, not a masked array",
        ),
        (
            lambda: cross_entropy_from_logits([1], [10**400]),
            ValueError,
            r"^h must be within the float64 range .* an int too large for a float",
        ),
        (
            lambda: cross_entropy([1], np.ones(1, np.longdouble)),
            TypeError,
            r"^y_hat must be float16, float32 or float64 numbers; got float(96|128)",
        ),
    ],
)
def test_bad_input_is_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]
