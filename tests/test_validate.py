"""Bad input anywhere in the API gets our message, never NumPy's."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlmath
from mlmath import _validate

FAST = settings(max_examples=80, deadline=None)

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)

CALLS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], object]] = {
    "predict": lambda a, b, c: mlmath.predict(a, b, c),
    "error_formula": lambda a, b, c: mlmath.error_formula(np.clip(a, 0, 1), np.clip(b, 0, 1)),
    "cross_entropy": lambda a, b, c: mlmath.cross_entropy(np.clip(a, 0, 1), np.clip(b, 0, 1)),
    "cross_entropy_from_logits": lambda a, b, c: mlmath.cross_entropy_from_logits(
        np.clip(a, 0, 1), b
    ),
    "sse": lambda a, b, c: mlmath.sse(a, b),
    "error_gradient": lambda a, b, c: mlmath.error_gradient(a, 0.0, b, np.clip(c, 0, 1)),
    "delta_rule_step": lambda a, b, c: mlmath.delta_rule_step(a, b, c, learn_rate=0.1),
    "gradient_descent": lambda a, b, c: mlmath.gradient_descent(
        b, np.clip(c, 0, 1), learn_rate=0.1, epochs=2, weights=a
    ),
}


@FAST
@given(st.sampled_from(sorted(CALLS)), shapes, shapes, shapes)
def test_any_shapes_give_our_error_or_a_result(
    name: str, s1: tuple[int, ...], s2: tuple[int, ...], s3: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(0)
    a, b, c = (rng.uniform(-1, 1, s) for s in (s1, s2, s3))
    try:
        CALLS[name](a, b, c)
    except (ValueError, TypeError) as error:
        text = str(error)
        assert "broadcast" not in text, text
        assert "operands" not in text, text
        assert "mismatch in its core dimension" not in text, text
        argument_names = ("W", "x", "X", "y", "b", "h", "output", "y_hat", "weights", "score")
        assert text.startswith(argument_names), text


def test_described_values() -> None:
    assert _validate.describe("abc") == "the string 'abc'"
    assert _validate.describe(np.zeros((2, 3))) == "an array of dtype float64 and shape (2, 3)"
    assert _validate.describe(None) == "NoneType None"


def test_dtype_rules() -> None:
    f32 = np.ones(2, np.float32)
    assert _validate.as_floats(("a", f32), ("b", 0.5))[1].dtype == np.float32
    assert _validate.as_floats(("a", f32), ("b", np.ones(2)))[0].dtype == np.float64
    assert _validate.as_float("a", np.ones(2, np.float16)).dtype == np.float32
    assert _validate.as_float("a", [True, False]).dtype == np.float64
    with pytest.raises(TypeError, match=r"^a must be float16, float32 or float64 numbers"):
        _validate.as_float("a", np.ones(2, np.longdouble))
    with pytest.raises(TypeError, match=r"^a must be a plain array, not a masked array"):
        _validate.as_float("a", np.ma.array([1.0], mask=[1]))
    assert _validate.as_float("a", [2**64, 1]).tolist() == [2.0**64, 1.0]
    with pytest.raises(ValueError, match=r"^a must be within the float64 range.*\(401 digits\)"):
        _validate.as_float("a", [[10**400]])
    with pytest.raises(TypeError, match=r"^a must be a real number or an array of them; got"):
        _validate.as_float("a", [2**64, "x"])


SCALAR_ARGUMENTS: dict[str, Callable[[object], object]] = {
    "learn_rate": lambda v: mlmath.delta_rule_step([0.0], [[1.0]], [1.0], learn_rate=v),
    "learn_rate ": lambda v: mlmath.gradient_descent([[1.0]], [1], learn_rate=v, epochs=1),
    "eps": lambda v: mlmath.numerical_gradient(lambda w: w * w, 1.0, eps=v),
}


@pytest.mark.parametrize("name", sorted(SCALAR_ARGUMENTS))
def test_step_arguments_name_themselves_for_every_kind_of_bad_number(name: str) -> None:
    # Huge ints, long doubles and the rest: the error names the argument, as for arrays.
    call, argument = SCALAR_ARGUMENTS[name], name.strip()
    with pytest.raises(ValueError, match=rf"^{argument} .* an int too large for a float \(401"):
        call(10**400)
    with pytest.raises(TypeError, match=rf"^{argument} .* at most float64's precision; got float"):
        call(np.longdouble("0.1"))
    with pytest.raises(ValueError, match=rf"^{argument} must be a positive finite number; got -1"):
        call(-1)
    assert call(2**64) is not None  # an int that float() takes is a number like any other


@pytest.mark.parametrize("epochs", [2**62, 10**400])
def test_epochs_beyond_memory_are_refused_by_name(epochs: int) -> None:
    with pytest.raises(ValueError, match=r"^epochs must leave room for one error per epoch"):
        mlmath.gradient_descent([[1.0]], [1], learn_rate=0.1, epochs=epochs)


def test_ragged_x_is_refused_by_name_without_weights() -> None:
    with pytest.raises(ValueError, match=r"^X must be a number or a rectangular array"):
        mlmath.gradient_descent([[1.0, 2.0], [3.0]], [1, 0], learn_rate=0.1, epochs=1)


def test_what_f_returns_is_a_number_or_a_named_error() -> None:
    grad = mlmath.numerical_gradient
    assert grad(lambda w: 2**64 + int(w > 1.0), 1.0) == 0.0  # ints that float() takes
    assert grad(lambda w: 2**70 * int(w > 1.0), 1.0) == pytest.approx(2**70 / 2e-5)
    with pytest.raises(ValueError, match=r"^f must return .* float64 range; got an int of 401"):
        grad(lambda w: 10**400, 1.0)
    with pytest.raises(TypeError, match=r"^f must return a single real number, not a masked"):
        grad(lambda w: np.ma.masked, 1.0)  # would read as 0.0
    with pytest.raises(TypeError, match=r"^f must return a single real number; got longdouble"):
        grad(lambda w: np.longdouble(w), 1.0)
