"""σ, σ′ and log σ: exactness against mpmath, special values, types, and peers."""

from __future__ import annotations

import functools
import math
import warnings
from types import ModuleType
from typing import Any

import exact
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlmath import log_sigmoid, numerical_gradient, sigmoid, sigmoid_prime

FAST = settings(max_examples=60, deadline=None)


def sample_points() -> np.ndarray:
    """Scores across every regime: near 0, moderate, the 36.7 cliff, the −709.78 tail."""
    rng = np.random.default_rng(0)
    return np.concatenate(
        [
            rng.normal(0, 3, 1500),
            rng.uniform(-40, 40, 1500),
            -np.exp(rng.uniform(-30, 6.62, 1000)),  # down to −750
            np.exp(rng.uniform(-30, 6.62, 500)),
            [0.0, -0.0, 36.74, 37.0, -36.74, -709.78, -709.79, -710.0, -740.0, -745.2, 709.8],
            # 2.32 ulp off under e^h/(1 + e^h), a form σ once took (0.32 ulp here now)
            [-4.153961466321959],
            np.nextafter(-709.782712893384, [-np.inf, np.inf]),
        ]
    )


def test_sigmoid_within_2_ulp_of_exact() -> None:
    x = sample_points()
    errors = exact.ulp_errors(sigmoid(x), x, exact.sigmoid)
    assert errors.max() <= 2.0, x[errors.argmax()]


def test_sigmoid_prime_within_4_ulp_of_exact() -> None:
    x = sample_points()
    errors = exact.ulp_errors(sigmoid_prime(x), x, exact.sigmoid_prime)
    assert errors.max() <= 4.0, x[errors.argmax()]


def test_log_sigmoid_within_4_ulp_of_exact() -> None:
    x = sample_points()
    errors = exact.ulp_errors(log_sigmoid(x), x, exact.log_sigmoid)
    assert errors.max() <= 4.0, x[errors.argmax()]


@pytest.mark.parametrize(
    ("f", "exact_f"),
    [
        (sigmoid, exact.sigmoid),
        (sigmoid_prime, exact.sigmoid_prime),
        (log_sigmoid, exact.log_sigmoid),
    ],
)
def test_float32_stays_float32_and_is_rounded_once(f: Any, exact_f: Any) -> None:
    # Computed in float64 and rounded once: within half a float32 ulp plus the float64
    # error (≤ 4 float64 ulp, a 2^−27 part of a float32 ulp), so within 0.5 + 1e-8.
    x = np.concatenate([sample_points(), FLOAT32_MISSES]).astype(np.float32)
    got = f(x)
    assert got.dtype == np.float32
    errors = exact.ulp_errors(got, x, exact_f, dtype=np.float32)
    assert errors.max() <= 0.5 + 1e-8, x[errors.argmax()]


# Some of the 66 inputs (of 2.2e9 float32 in [−105, 18]) that benchmarks/float32_scan.py
# finds not correctly rounded in float32, in 41 minutes on a shared two-core machine: the
# float64 σ lies within 2 float64 ulp of a float32 midpoint, and rounding it lands on
# the other side. The first is the one the review found (0.5000001, not 0.50000006).
FLOAT32_MISSES = [
    3.5762786865234375e-07,
    8.344650268554688e-07,
    1.3709068298339844e-05,
    -1.7881393432617188e-07,
    -7.569789886474609e-06,
    -1.5676021575927734e-05,  # the worst: 0.5 + 2.7e-9 ulp
    -0.001117885229177773,
]


def test_float32_double_rounding_is_real_and_bounded() -> None:
    # The docstring promises 0.5 + 1e-8 ulp, not correct rounding: these inputs show
    # why, and that the excess is that small.
    x = np.array(FLOAT32_MISSES, np.float32)
    errors = exact.ulp_errors(sigmoid(x), x, exact.sigmoid, dtype=np.float32)
    assert (errors > 0.5).all()
    assert (errors <= 0.5 + 1e-8).all()
    assert sigmoid(np.float32(3.5762787e-07)) == np.float32(0.5000001)


def test_special_values() -> None:
    assert sigmoid(math.inf) == 1.0
    assert sigmoid(-math.inf) == 0.0
    assert math.isnan(sigmoid(math.nan))
    assert sigmoid_prime(math.inf) == 0.0
    assert sigmoid_prime(-math.inf) == 0.0
    assert math.isnan(sigmoid_prime(math.nan))
    assert log_sigmoid(math.inf) == 0.0
    assert log_sigmoid(-math.inf) == -math.inf
    assert math.isnan(log_sigmoid(math.nan))


def test_the_tail_where_expit_gives_zero() -> None:
    x = np.array([-710.0, -720.0, -740.0])
    assert (scipy.special.expit(x) == 0).all()  # the peer's failure this guards against
    got = sigmoid(x)
    assert (got > 0).all()
    assert exact.ulp_errors(got, x, exact.sigmoid).max() <= 2.0


def test_textbook_derivative_collapses_where_ours_does_not() -> None:
    x = 40.0
    assert sigmoid(x) * (1 - sigmoid(x)) == 0.0
    assert sigmoid_prime(x) == pytest.approx(math.exp(-40.0), rel=1e-15)


def test_article_value() -> None:
    assert repr(sigmoid(2.5)) == "0.9241418199787566"


def test_python_scalar_in_gives_python_float_out() -> None:
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        for x in (2, 2.5, np.float64(2.5), True, 2**64):
            assert type(f(x)) is float


def test_numpy_float32_scalar_in_gives_float32_out() -> None:
    # A Python float would carry float32 rounding while looking like a float64 result.
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        got = f(np.float32(2.5))
        assert type(got) is np.float32
        assert got == f(np.array([2.5], np.float32))[0]
    assert sigmoid(np.float32(2.5)) == np.float32(float(exact.sigmoid(2.5)))


def test_float16_is_computed_and_returned_as_float32() -> None:
    # The documented promotion (reference page): float16 has too few digits.
    x = np.linspace(-5, 5, 11).astype(np.float16)
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        got = f(x)
        assert got.dtype == np.float32
        assert np.array_equal(got, f(x.astype(np.float32)))
    assert type(sigmoid(np.float16(1.0))) is np.float32


def test_python_ints_beyond_int64() -> None:
    # 2**64 is an object to NumPy; float() converts it, and σ of it is 1.
    assert sigmoid(2**64) == 1.0
    assert sigmoid(-(2**64)) == 0.0
    assert sigmoid([2**64, 0]).tolist() == [1.0, 0.5]
    assert log_sigmoid([[2**70], [-(2**70)]]).tolist() == [[0.0], [-float(2**70)]]
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        for too_large in (10**400, [10**400, 1.0], [[1], [-(10**400)]]):
            with pytest.raises(
                ValueError, match=r"^h must be within the float64 range.* too large"
            ):
                f(too_large)


def test_long_double_is_refused_by_name() -> None:
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        with pytest.raises(TypeError, match=r"^h must be float16, float32 or float64 numbers; got"):
            f(np.ones(2, np.longdouble))


def test_masked_arrays_are_refused_by_name() -> None:
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        with pytest.raises(TypeError, match=r"^h must be a plain array, not a masked array"):
            f(np.ma.array([0.9, 0.1], mask=[0, 1]))


def scalar_path_points() -> list[float]:
    """Floats across every regime of σ, the tail edges and special values included."""
    rng = np.random.default_rng(7)
    edges = [-709.782712893384, -709.78, -708.4, -708.39, -707.78, -745.13, -745.14, 36.74]
    near_edges = [float(v) for e in edges for v in np.nextafter(e, [-np.inf, np.inf])]
    values = np.concatenate(
        [
            sample_points(),
            rng.normal(0, 5, 200_000),
            rng.uniform(-760, 760, 200_000),
            -np.exp(rng.uniform(-40, 6.64, 100_000)),
            np.exp(rng.uniform(-40, 6.64, 100_000)),
            rng.uniform(-710, -705, 100_000),  # where the tail fix-up starts
        ]
    )
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 1.8e308, -1.8e308]
    return values.tolist() + edges + near_edges + specials


def test_scalar_path_is_bit_identical_to_the_array_path() -> None:
    # One Python float takes a math.exp path (20x faster); its bits must be the array
    # path's, and every entry of an array must not depend on its neighbours.
    points = scalar_path_points()
    array_result = sigmoid(np.array(points))
    one_by_one = np.array([sigmoid(np.array(v)) for v in points[:20_000]])
    scalar_result = np.array([sigmoid(v) for v in points])
    assert np.array_equal(scalar_result, array_result, equal_nan=True)
    assert np.array_equal(one_by_one, array_result[:20_000], equal_nan=True)
    shuffled = np.random.default_rng(0).permutation(len(points))
    assert np.array_equal(
        sigmoid(np.array(points)[shuffled]), array_result[shuffled], equal_nan=True
    )


def test_arrays_keep_shape_and_float_type() -> None:
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        assert f(x).shape == (3, 4)
        assert f(x).dtype == np.float64
        assert f(x.astype(np.float32)).dtype == np.float32
        assert f(np.arange(5)).dtype == np.float64
        assert f(np.array(1.5)).shape == ()
        assert f(np.empty((0, 2))).shape == (0, 2)
        assert f([1.0, 2.0]).shape == (2,)


def test_large_arrays_cross_block_boundaries() -> None:
    # Longer than one cache block, with the tail and nan scattered through it.
    rng = np.random.default_rng(1)
    x = rng.uniform(-800, 800, 100_003)
    x[::997] = np.nan
    got = sigmoid(x)
    finite = ~np.isnan(x)
    assert np.isnan(got[~finite]).all()
    with np.errstate(over="ignore"):
        reference = scipy.special.expit(x[finite])
    # Where expit does not underflow it is accurate to a few ulp: agree with it.
    keep = x[finite] > -700
    assert np.allclose(got[finite][keep], reference[keep], rtol=4e-16, atol=0)
    assert (got[finite][~keep] > 0).all() | (x[finite][~keep] < -745.2).any()


@pytest.mark.parametrize("f", [sigmoid, sigmoid_prime, log_sigmoid])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threads_change_no_bit(f: Any, dtype: Any) -> None:
    # A large array is shared among threads, each with its own scratch blocks and the
    # caller's error state (overflow in the tail must not warn in a worker either).
    from mlmath import _blocks

    points = np.array(scalar_path_points())
    x = np.concatenate([points, np.random.default_rng(2).uniform(-800, 800, 10**6)])
    x = x.astype(dtype) if dtype is np.float64 else x[np.abs(x) < 3e38].astype(dtype)
    blocks = -(-x.size * 8 // _blocks.BLOCK_BYTES)
    assert blocks >= 3 * _blocks.BLOCKS_PER_THREAD  # the public call may use threads
    public = f(x)
    original = _blocks.blockwise
    used: list[int] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        used.append(kwargs.get("threads", 0))
        return original(*args, **kwargs)

    for threads in (1, 3):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                f.__module__ + ".blockwise", functools.partial(recording, threads=threads)
            )
            assert np.array_equal(f(x), public, equal_nan=True)
    assert used == [1, 3]
    pieces = np.concatenate([f(piece) for piece in np.array_split(x, 700)])
    assert np.array_equal(pieces, public, equal_nan=True)


@FAST
@given(st.floats(), st.floats(width=32))
def test_no_runtime_warning_for_any_float(x: float, x32: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (sigmoid, sigmoid_prime, log_sigmoid):
            f(x)
            f(np.array([x, -x]))
            f(np.array([x32, -x32], dtype=np.float32))


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(-1000, 1000)))
def test_symmetry_and_range(x: np.ndarray) -> None:
    s = sigmoid(x)
    assert ((s >= 0) & (s <= 1)).all()
    assert np.allclose(sigmoid(-x), 1 - s, rtol=0, atol=2e-16)
    assert (sigmoid_prime(-x) == sigmoid_prime(x)).all()
    assert (log_sigmoid(x) <= 0).all()


@FAST
@given(st.floats(-30, 0))
def test_sigmoid_prime_is_the_slope_of_sigmoid(x: float) -> None:
    # x ≤ 0 only: for x > 0, σ(x ± h) are both near 1 and their difference keeps
    # few digits (a limit of finite differences, not of σ′); σ′ is even anyway.
    slope = numerical_gradient(sigmoid, x)
    assert slope == pytest.approx(sigmoid_prime(x), rel=1e-7, abs=1e-12)


def test_agrees_with_scipy() -> None:
    x = np.linspace(-700, 700, 10_001)
    assert np.allclose(sigmoid(x), scipy.special.expit(x), rtol=4e-16, atol=0)
    assert np.allclose(log_sigmoid(x), scipy.special.log_expit(x), rtol=4e-16, atol=0)


def test_agrees_with_torch_values_and_autograd(torch: ModuleType) -> None:
    # torch's autograd uses σ(1 − σ): exact for x ≤ 0, but for x > 0 it loses digits
    # (0.1% at x = 30) and is 0 beyond 36.7 (next test). So the tight check is x ≤ 0.
    x = np.linspace(-60, 0, 2001)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    s = torch.sigmoid(t)
    s.sum().backward()
    assert np.allclose(sigmoid(x), s.detach().numpy(), rtol=4e-16, atol=0)
    assert np.allclose(sigmoid_prime(x), t.grad.numpy(), rtol=1e-14, atol=1e-300)
    assert np.allclose(
        log_sigmoid(x), torch.nn.functional.logsigmoid(t).detach().numpy(), rtol=1e-15, atol=0
    )


@pytest.mark.parametrize("bad", ["2.5", None, [1, "a"], 1 + 2j, {"x": 1}])
def test_non_numbers_are_refused_by_name(bad: object) -> None:
    for f in (sigmoid, sigmoid_prime, log_sigmoid):
        with pytest.raises(TypeError, match=r"^h must be a real number"):
            f(bad)


def test_ragged_input_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^h must be a number or a rectangular array"):
        sigmoid([[1.0, 2.0], [3.0]])


def test_torch_autograd_shows_the_textbook_collapse(torch: ModuleType) -> None:
    t = torch.tensor([40.0], dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).sum().backward()
    assert t.grad.item() == 0.0
    assert sigmoid_prime(40.0) > 0.0
