"""score and predict: the article's numbers, shapes, types, overflow."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from mlmath import (
    cross_entropy,
    cross_entropy_from_logits,
    error_formula,
    error_gradient,
    log_sigmoid,
    predict,
    score,
    sigmoid,
    sigmoid_prime,
    sse,
)


def test_article_numbers() -> None:
    # The article prints 0.999999896117 (12 digits) and 0.61774787476924897.
    assert f"{predict(16, 0.38, 10):.12f}" == "0.999999896117"
    assert predict(1, 0.38, 0.1) == pytest.approx(0.61774787476924897, rel=2e-16)
    assert type(predict(1, 0.38, 0.1)) is float


def test_vector_weights_take_a_dot_product_not_elementwise() -> None:
    W, x = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    assert score(W, x, 0.25) == 0.5 - 2.0 + 6.0 + 0.25
    assert predict(W, x, 0.25) == sigmoid(4.75)
    assert type(predict(W, x, 0.25)) is float


def test_matrix_of_samples_gives_one_prediction_each() -> None:
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(7, 3)), rng.normal(size=3)
    h = score(W, X, -0.5)
    assert h.shape == (7,)
    assert np.allclose(h, [float(W @ row) - 0.5 for row in X], rtol=1e-15)
    assert np.array_equal(predict(W, X, -0.5), sigmoid(h))


def test_several_output_units() -> None:
    rng = np.random.default_rng(1)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), np.array([0.1, -0.1])
    assert predict(W, X, b).shape == (5, 2)
    assert predict(W, X[0], b).shape == (2,)
    assert np.allclose(predict(W, X, b)[:, 1], predict(W[:, 1], X, -0.1), rtol=1e-15)


def test_scalar_weight_scales_any_input() -> None:
    assert np.array_equal(score(2.0, [1.0, 3.0], 1.0), [3.0, 7.0])


def test_float32_stays_float32() -> None:
    X = np.ones((4, 2), np.float32)
    W = np.ones(2, np.float32)
    assert predict(W, X, 0.5).dtype == np.float32
    assert predict(np.ones(2, np.int64), np.ones((4, 2), np.int64), 1).dtype == np.float64


def test_overflowing_score_is_infinite_or_refused() -> None:
    assert predict([1e200, 1e200], [1e200, 1e200], 0.0) == 1.0
    assert score([1e200], [-1e200], 0.0) == -math.inf
    # Terms of 1e400 that cancel: the rounding error alone (about 1e384) is beyond the
    # largest float, so the score's sign is unknowable. BLAS returns inf for the second
    # row (the exact score is 0); we refuse it instead, for vectors and matrices alike.
    with pytest.raises(ValueError, match="size and sign are beyond float64"):
        score([1e200, 1e200], [1e200, -1e200], 0.0)
    with pytest.raises(ValueError, match=r"^W and x give a score"):
        score([1e200, 1e200], [[1e200, 1e200], [-1e200, 1e200]], 0.0)
    # Where the error stays finite the rescued score is kept: float32 terms of 1e40.
    x32 = np.array([[1e20, -1e20]], np.float32)
    assert score(np.array([1e20, 1e20], np.float32), x32, np.float32(2)).tolist() == [2.0]


@pytest.mark.parametrize(
    ("W", "x", "b", "message"),
    [
        ([1.0, 2.0, 3.0], [[1.0, 2.0]], 0.0, r"W and x disagree: W has 3 rows .* x has 2 columns"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], 0.0, r"W and x disagree: W has 2 rows .* x has 3 entries"),
        ([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], r"b must be a scalar for W of shape \(2,\)"),
        (np.ones((2, 3)), [1.0, 2.0], [1.0, 2.0], r"b must be a scalar or shape \(3,\)"),
        (np.ones((2, 2, 2)), [1.0, 2.0], 0.0, r"W must be a scalar, a vector"),
        ([1.0], [1.0], math.nan, r"b must contain only finite numbers; got nan"),
        ([1.0], [math.inf], 0.0, r"x must contain only finite numbers; got inf"),
    ],
)
def test_bad_shapes_and_values_are_named(W: object, x: object, b: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        predict(W, x, b)


def test_strings_are_refused() -> None:
    with pytest.raises(TypeError, match="W must be a real number"):
        predict("16", 0.38, 10)


def test_plain_numbers_take_a_path_with_the_array_bits() -> None:
    # Python numbers skip NumPy (20x faster in loops); the bits must be the array path's,
    # overflowing and huge-int cases included (those fall back to it).
    rng = np.random.default_rng(3)
    W = rng.normal(0, 30, 20_000)
    x = rng.normal(0, 10, 20_000)
    b = rng.normal(0, 50, 20_000)
    plain = [
        predict(w, xi, bi) for w, xi, bi in zip(W.tolist(), x.tolist(), b.tolist(), strict=True)
    ]
    # The array path: score as NumPy computes it entry by entry, then the array σ.
    arrays = [float(predict(w, np.array([xi]), bi)[0]) for w, xi, bi in zip(W, x, b, strict=True)]
    assert plain == arrays
    assert predict(16, 0.38, 10) == 0.9999998961169515
    assert predict(1e200, 1e200, 0.0) == 1.0  # the product overflows: NumPy's path decides
    assert predict(2**64, 1, -(2**64)) == 0.5
    with pytest.raises(ValueError, match=r"^W must be within the float64 range"):
        predict(10**400, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"^x must contain only finite numbers"):
        predict(1.0, math.inf, 0.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda f: score(f(16), f(0.38), f(10)),
        lambda f: predict(f(1), f(0.38), f(0.1)),
        lambda f: predict(f(1), 0.38, 0.1),  # Python floats take the float32's type
        lambda f: cross_entropy(np.array([1, 0], f), np.array([0.9, 0.2], f)),
        lambda f: cross_entropy_from_logits(np.array([1, 0], f), np.array([0.9, 0.2], f)),
        lambda f: sse(np.array([1, 0], f), np.array([0.9, 0.2], f)),
        lambda f: error_gradient(np.array([1.0], f), 0.0, np.array([[1.0]], f), np.array([1.0], f))[
            1
        ],
    ],
)
def test_a_float32_result_is_a_numpy_float32_not_a_python_float(call: Any) -> None:
    # A Python float would carry float32's rounding while looking like float64. The
    # value is the float64 computation's, rounded once more at most (to float32).
    got, want = call(np.float32), call(np.float64)
    assert type(got) is np.float32
    assert type(want) is float
    assert abs(float(got) - want) <= 4 * np.spacing(np.float32(abs(want)))


@pytest.mark.parametrize(
    "call",
    [
        lambda a: sigmoid(a(0.5)),
        lambda a: sigmoid_prime(a(0.5)),
        lambda a: log_sigmoid(a(0.5)),
        lambda a: error_formula(a(1.0), 0.5),
        lambda a: error_formula(1.0, a(0.5)),
    ],
)
def test_a_0d_array_in_gives_a_0d_array_out(call: Any) -> None:
    # NumPy's own arithmetic turns a 0-d array into a scalar; the library keeps the
    # promise "an array in gives an array out", with the plain number's value.
    got, plain = call(np.array), call(float)
    assert type(got) is np.ndarray
    assert got.shape == ()
    assert type(plain) is float
    assert float(got) == plain
