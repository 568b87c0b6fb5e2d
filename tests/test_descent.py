"""gradient_descent and lipschitz_constant: monotone descent, determinism, oracles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlmath import (
    cross_entropy,
    error_gradient,
    gradient_descent,
    lipschitz_constant,
    predict,
    sigmoid_prime,
)

FAST = settings(max_examples=40, deadline=None)


def data(seed: int, m: int = 40, n: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = (X @ rng.normal(size=n) + rng.normal(scale=0.5, size=m) > 0).astype(float)
    return X, y


def test_errors_are_recorded_per_epoch() -> None:
    X, y = data(0)
    fit = gradient_descent(X, y, learn_rate=0.5, epochs=30)
    assert fit.errors.shape == (31,)
    assert fit.errors[0] == pytest.approx(np.log(2), rel=1e-15)  # W = 0, b = 0: ŷ = 1/2
    assert fit.errors[-1] == pytest.approx(
        cross_entropy(y, predict(fit.weights, X, fit.bias)), rel=1e-12
    )
    assert gradient_descent(X, y, learn_rate=0.5, epochs=0).errors.shape == (1,)


def test_deterministic_and_read_only() -> None:
    X, y = data(1)
    a = gradient_descent(X, y, learn_rate=0.3, epochs=20)
    b = gradient_descent(X, y, learn_rate=0.3, epochs=20)
    assert np.array_equal(a.weights, b.weights)
    assert a.bias == b.bias
    assert np.array_equal(a.errors, b.errors)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.bias = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        a.weights[0] = 1.0


def test_one_epoch_is_one_gradient_step() -> None:
    X, y = data(2)
    W0, b0 = np.array([0.1, -0.2, 0.3]), 0.05
    fit = gradient_descent(X, y, learn_rate=0.7, epochs=1, weights=W0, bias=b0)
    dW, db = error_gradient(W0, b0, X, y)
    assert np.allclose(fit.weights, W0 - 0.7 * dW, rtol=1e-15, atol=1e-16)
    assert fit.bias == pytest.approx(b0 - 0.7 * db, rel=1e-15)
    assert W0[0] == 0.1  # the caller's start is not modified


def test_converges_to_the_minimum() -> None:
    X, y = data(3, m=200)
    fit = gradient_descent(X, y, learn_rate=1 / lipschitz_constant(X), epochs=3000)
    dW, db = error_gradient(fit.weights, fit.bias, X, y)
    assert np.linalg.norm(dW) < 1e-4
    assert abs(db) < 1e-4


@FAST
@given(st.integers(0, 10_000), st.integers(2, 200), st.integers(1, 4), st.floats(0.05, 2.0))
def test_errors_rise_only_by_rounding_at_or_below_two_over_l(
    seed: int, m: int, n: int, fraction: float
) -> None:
    # The descent lemma forbids any rise for η ≤ 2/L in exact arithmetic. In floating
    # point E ticks up by rounding once converged: the docstring says a few ulp of E,
    # and this holds it to 8 ulp over long runs.
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=rng.uniform(0.1, 10), size=(m, n))
    y = rng.integers(0, 2, m).astype(float)
    fit = gradient_descent(X, y, learn_rate=fraction / lipschitz_constant(X), epochs=400)
    rises = np.diff(fit.errors)
    assert (rises <= 8 * np.spacing(fit.errors[:-1])).all()


def test_rounding_rises_do_happen_after_convergence() -> None:
    # So "never rises, not even once" is false in floating point (the docstring says so):
    # at η = 1/L a converged run ticks up now and then, by at most a few ulp of E.
    X, y = data(3, m=200)
    fit = gradient_descent(X, y, learn_rate=1 / lipschitz_constant(X), epochs=3000)
    rises = np.diff(fit.errors)
    assert (rises > 0).sum() > 0
    assert (rises <= 8 * np.spacing(fit.errors[:-1])).all()


def test_many_blocks_give_the_textbook_step() -> None:
    # X spans several cache blocks (rows of 2,400 bytes, blocks of 2 MiB): the fused
    # pass must equal the plain two-pass formula, residuals and losses included.
    rng = np.random.default_rng(9)
    X = rng.normal(size=(3000, 300))
    y = rng.uniform(0, 1, 3000)
    W, b = rng.normal(scale=0.1, size=300), 0.3
    h = X @ W + b
    p = 1 / (1 + np.exp(-h))
    dW, db = error_gradient(W, b, X, y)
    assert np.allclose(dW, X.T @ (p - y) / 3000, rtol=1e-12, atol=1e-15)
    assert db == pytest.approx(float(np.mean(p - y)), rel=1e-12)
    fit = gradient_descent(X, y, learn_rate=0.1, epochs=1, weights=W, bias=b)
    loss = np.logaddexp(0, h) - y * h
    assert fit.errors[0] == pytest.approx(float(np.mean(loss)), rel=1e-13)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_bad_entry_of_x_is_found_through_its_score(bad: float) -> None:
    # X is not scanned beforehand: its score must reveal it, even where its weight is 0
    # (0 · inf is nan), and the message names its index in the whole X.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5000, 300))
    X[4321, 7] = bad
    W = rng.normal(size=300)
    W[7] = 0.0
    y = rng.integers(0, 2, 5000).astype(float)
    message = rf"^X must contain only finite numbers; got {bad} at index \(4321, 7\)$"
    with pytest.raises(ValueError, match=message):
        error_gradient(W, 0.0, X, y)
    with pytest.raises(ValueError, match=message):
        gradient_descent(X, y, learn_rate=0.1, epochs=3, weights=W)


@FAST
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 20), st.integers(1, 4)), elements=st.floats(-100, 100)
    ),
    st.integers(0, 1000),
)
def test_lipschitz_constant_bounds_the_hessian(X: np.ndarray, seed: int) -> None:
    # The Hessian of E over (W, b) at any point is (1/m) X̃ᵀ diag(σ′(h)) X̃; its largest
    # eigenvalue never exceeds L (σ′ ≤ 1/4), and L is attained in the limit h → 0.
    rng = np.random.default_rng(seed)
    m = X.shape[0]
    X_tilde = np.hstack([X, np.ones((m, 1))])
    L = lipschitz_constant(X)
    h = X_tilde @ rng.normal(size=X_tilde.shape[1])
    hessian = X_tilde.T @ (sigmoid_prime(h)[:, None] * X_tilde) / m
    assert np.linalg.eigvalsh(hessian)[-1] <= L * (1 + 1e-12)
    at_zero = X_tilde.T @ X_tilde / (4 * m)
    assert np.linalg.eigvalsh(at_zero)[-1] == pytest.approx(L, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"learn_rate": 0.0, "epochs": 1},
            ValueError,
            r"learn_rate must be a positive finite number; got 0.0",
        ),
        (
            {"learn_rate": float("inf"), "epochs": 1},
            ValueError,
            r"learn_rate must be a positive finite number; got inf",
        ),
        (
            {"learn_rate": None, "epochs": 1},
            TypeError,
            r"learn_rate must be a positive finite number; got NoneType",
        ),
        (
            {"learn_rate": 0.1, "epochs": True},
            TypeError,
            r"epochs must be a non-negative int; got bool True",
        ),
        (
            {"learn_rate": 0.1, "epochs": 2.0},
            TypeError,
            r"epochs must be a non-negative int; got float",
        ),
        (
            {"learn_rate": 0.1, "epochs": -1},
            ValueError,
            r"epochs must be a non-negative int; got -1",
        ),
        (
            {"learn_rate": 0.1, "epochs": 1, "weights": [0.0]},
            ValueError,
            r"W and X disagree: W has 1 row",
        ),
        (
            {"learn_rate": 0.1, "epochs": 1, "bias": float("nan")},
            ValueError,
            r"bias must contain only finite numbers",
        ),
    ],
)
def test_bad_hyperparameters_are_named(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    X, y = data(4, m=5, n=2)
    with pytest.raises(error, match=message):
        gradient_descent(X, y, **kwargs)  # type: ignore[arg-type]


def test_divergence_is_reported_with_one_over_l() -> None:
    X, y = data(4, m=5, n=2)
    X *= 1e10
    one_over_l = f"{1 / lipschitz_constant(X):.3g}"
    with pytest.raises(
        ValueError, match=rf"^learn_rate=1e\+300 made .* after 1 epoch the .*{one_over_l}"
    ):
        gradient_descent(X, y, learn_rate=1e300, epochs=5)
    with pytest.raises(ValueError, match=r"^weights and X give a score W·x \+ b beyond"):
        gradient_descent(X * 1e190, y, learn_rate=0.1, epochs=1, weights=[1e200, 1e200])


def test_lipschitz_constant_beyond_1e154_does_not_overflow() -> None:
    # X̃ᵀX̃ holds x² = 1e300 here; L = λ_max / 4m = (2·1e300)/(4·2) exactly.
    assert lipschitz_constant([[1e150], [-1e150]]) == pytest.approx(2.5e299, rel=1e-15)
    assert lipschitz_constant([[1e200], [-1e200]]) == np.inf  # L is 2.5e399


def test_bad_training_data_is_named() -> None:
    X, y = data(5, m=5, n=2)
    with pytest.raises(
        ValueError, match=r"^X and y disagree: X has 5 rows \(samples\) but y has 4 entries$"
    ):
        gradient_descent(X, y[:4], learn_rate=0.1, epochs=1)
    X[2, 1] = np.inf
    with pytest.raises(
        ValueError, match=r"X must contain only finite numbers; got inf at index \(2, 1\)"
    ):
        gradient_descent(X, y, learn_rate=0.1, epochs=1)
    with pytest.raises(ValueError, match=r"X must be a matrix"):
        lipschitz_constant([1.0, 2.0])
