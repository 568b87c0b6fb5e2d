"""Gradients against numerical_gradient (rel ≤ 1e-7) and against torch autograd."""

from __future__ import annotations

import math
from types import ModuleType

import exact
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlmath import (
    cross_entropy_from_logits,
    delta_rule_step,
    error_gradient,
    gradient_descent,
    numerical_gradient,
    score,
    sigmoid,
    sse,
)

FAST = settings(max_examples=25, deadline=None)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300))


def problem(seed: int, m: int = 20, n: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(m, n)),
        rng.integers(0, 2, m).astype(float),
        rng.normal(size=n),
        float(rng.normal()),
    )


@FAST
@given(st.integers(0, 10_000))
def test_error_gradient_matches_numerical(seed: int) -> None:
    X, y, W, b = problem(seed)
    dW, db = error_gradient(W, b, X, y)
    numeric_W = numerical_gradient(lambda w: cross_entropy_from_logits(y, score(w, X, b)), W)
    numeric_b = numerical_gradient(lambda c: cross_entropy_from_logits(y, score(W, X, c)), b)
    assert relative_error(dW, numeric_W) <= 1e-7
    assert abs(db - numeric_b) <= 1e-7 * max(abs(db), 1e-3)


def test_gradient_at_the_largest_float_stays_finite() -> None:
    # Every residual is 1, so dE/dW is exactly the largest float; summing 11 rounded
    # elevenths of it overflowed before.
    largest = np.finfo(np.float64).max
    for m in (3, 11):
        dE_dW, dE_db = error_gradient([1.0], 0.0, [[largest]] * m, [0.0] * m)
        assert np.isfinite(dE_dW).all()
        assert dE_dW[0] == pytest.approx(largest, rel=1e-15)
        assert dE_db == 1.0


def test_a_planted_one_percent_error_is_detected() -> None:
    X, y, W, b = problem(7)
    dW, _ = error_gradient(W, b, X, y)
    numeric = numerical_gradient(lambda w: cross_entropy_from_logits(y, score(w, X, b)), W)
    assert relative_error(dW, numeric) <= 1e-7
    assert relative_error(1.01 * dW, numeric) > 1e-3


def test_error_gradient_matches_torch_autograd(torch: ModuleType) -> None:
    X, y, W, b = problem(11, m=50, n=5)
    W_t = torch.tensor(W, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(X) @ W_t + b_t
    E = torch.nn.functional.binary_cross_entropy_with_logits(h, torch.tensor(y))
    E.backward()
    dW, db = error_gradient(W, b, X, y)
    # Sums of residuals of both signs: compare at the scale of the gradient.
    assert relative_error(dW, W_t.grad.numpy()) <= 1e-14
    assert db == pytest.approx(b_t.grad.item(), rel=1e-14)


@FAST
@given(st.integers(0, 10_000), st.sampled_from([(), (3,)]))
def test_delta_rule_is_minus_eta_times_sse_gradient(seed: int, outputs: tuple[int, ...]) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(10, 4))
    W = rng.normal(size=(4, *outputs))
    y = rng.uniform(0, 1, size=(10, *outputs))
    step = delta_rule_step(W, X, y, learn_rate=0.3)
    numeric = numerical_gradient(lambda w: sse(y, sigmoid(X @ w)), W)
    assert step.shape == W.shape
    assert relative_error(step, -0.3 * numeric) <= 1e-7


def test_delta_rule_matches_torch_autograd(torch: ModuleType) -> None:
    rng = np.random.default_rng(5)
    X, W, y = rng.normal(size=(8, 3)), rng.normal(size=(3, 2)), rng.uniform(0, 1, (8, 2))
    W_t = torch.tensor(W, requires_grad=True)
    E = 0.5 * ((torch.tensor(y) - torch.sigmoid(torch.tensor(X) @ W_t)) ** 2).sum()
    E.backward()
    assert np.allclose(
        delta_rule_step(W, X, y, learn_rate=0.1), -0.1 * W_t.grad.numpy(), rtol=1e-13
    )


# Scores where σ(h) rounds to 1 (or σ(−h) to 1): the residual σ(h) − y must keep its
# digits there, for the labels 0 and 1 and for soft labels.
SATURATED = [36.74, 37.42994775023705, 40.0, 100.0, 500.0, 709.0, 744.0, 745.1]
SATURATED = SATURATED + [-h for h in SATURATED]
LABELS = [0.0, 1.0, 0.25, 0.9999999999, 1e-10]


def test_the_reported_saturated_gradient() -> None:
    dW, db = error_gradient([1.0], 0.0, [[37.42994775023705]], [1])
    # It returned (0, 0). The residual is correctly rounded here; the product with x
    # rounds once more, so ∂E/∂W is within 1 ulp of the correctly rounded value.
    assert db == -5.5511151231257758e-17
    assert abs(dW[0] - -2.0777794901414848e-15) <= np.spacing(2.0777794901414848e-15)


@pytest.mark.parametrize("y", LABELS)
def test_error_gradient_at_saturated_scores_against_mpmath(y: float) -> None:
    # One sample with x = h (W = 1, b = 0): dE/db = σ(h) − y and dE/dw = (σ(h) − y)·h.
    got_b, got_W = [], []
    for h in SATURATED:
        dW, db = error_gradient([1.0], 0.0, [[h]], [y])
        got_b.append(db)
        got_W.append(float(dW[0]))
    residuals = [exact.sigmoid_minus(y, h) for h in SATURATED]
    assert exact.ulp_distances(got_b, residuals).max() <= 2.0
    # (σ(h) − y)·h rounds twice. Where σ(h) − y is subnormal (h < −708) its rounding
    # is absolute, up to two subnormal steps of 5e-324 (exp, then the division), and
    # the product multiplies it by |h|.
    for got, r, h in zip(got_W, residuals, SATURATED, strict=True):
        want = r * mpmath.mpf(h)
        allowed = 2.5 * np.spacing(abs(float(want))) + abs(h) * mpmath.mpf(2) ** -1073
        assert abs(mpmath.mpf(got) - want) <= allowed, (h, got, want)


def test_residual_within_2_ulp_for_labels_0_and_1_at_every_score() -> None:
    # The error_gradient docstring's promise, over scores of every size: with W = 0,
    # x = 1 and b = h, dE/db is the residual σ(h) − y itself.
    rng = np.random.default_rng(8)
    h = np.concatenate(
        [
            rng.normal(0, 5, 600),
            rng.uniform(-60, 60, 600),
            np.exp(rng.uniform(-30, 6.62, 600)) * rng.choice([-1.0, 1.0], 600),
            # 2.58 and 2.57 ulp off while σ(−|h|) was e·σ(|h|), found by a user
            [-2.7387322077200054, 2.018702279977475],
        ]
    )
    y = rng.integers(0, 2, h.size).astype(float)
    y[-2:] = [0.0, 1.0]
    got = [error_gradient([0.0], hi, [[1.0]], [yi])[1] for hi, yi in zip(h, y, strict=True)]
    want = [exact.sigmoid_minus(yi, hi) for hi, yi in zip(h.tolist(), y.tolist(), strict=True)]
    assert exact.ulp_distances(got, want).max() <= 2.0


@pytest.mark.parametrize("y", LABELS)
def test_delta_rule_at_saturated_scores_against_mpmath(y: float) -> None:
    # x = 1, W = h: ΔW = η (y − σ(h)) σ′(h), with y − σ(h) = y σ(−h) − (1 − y) σ(h).
    got = [float(delta_rule_step([h], [[1.0]], [y], learn_rate=1.0)[0]) for h in SATURATED]
    want = [-exact.sigmoid_minus(y, h) * exact.sigmoid_prime(h) for h in SATURATED]
    assert exact.ulp_distances(got, want).max() <= 6.0


def test_delta_rule_targets_near_the_largest_float_stay_finite() -> None:
    step = delta_rule_step([0.0], [[1.0]], [-1.7e308], learn_rate=1e-300)
    assert np.isfinite(step).all()
    assert step[0] == pytest.approx(1e-300 * (-1.7e308 - 0.5) * 0.25, rel=1e-15)


@pytest.mark.parametrize("y", LABELS)
def test_one_epoch_at_saturated_scores_against_mpmath(y: float) -> None:
    # x = 1, W = h, b = 0: E is recorded at h, and one epoch moves b to −η (σ(h) − y).
    fits = [
        gradient_descent([[1.0]], [y], learn_rate=0.5, epochs=1, weights=[h]) for h in SATURATED
    ]
    want_steps = [-mpmath.mpf(0.5) * exact.sigmoid_minus(y, h) for h in SATURATED]
    assert exact.ulp_distances([fit.bias for fit in fits], want_steps).max() <= 2.0
    want_E = [exact.logit_loss(y, h) for h in SATURATED]
    assert exact.ulp_distances([float(fit.errors[0]) for fit in fits], want_E).max() <= 2.0


def test_numerical_gradient_step_grows_with_the_point() -> None:
    # A fixed step of 1e-5 gave 137438953472.0 (31% off) at 1e11 and divided by zero
    # at 1e12; the step ε·max(1, |w|) keeps the relative accuracy at any magnitude.
    for w in (1e11, 1e12, 1e150, -3e15):
        assert numerical_gradient(lambda v: v**2, w) == pytest.approx(2 * w, rel=1e-9)
    mixed = np.array([1e11, -1e12])
    g = numerical_gradient(lambda v: float(np.sum(v**2)), mixed)
    assert np.allclose(g, 2 * mixed, rtol=1e-9, atol=0)


def test_numerical_gradient_accuracy_follows_the_step() -> None:
    # The docstring: truncation ~ δ², rounding ~ u/δ; near 1e-10 at the default step.
    for f, df, w in ((math.sin, math.cos, 0.7), (math.exp, math.exp, -1.3), (math.atan, None, 2.0)):
        slope = df(w) if df else 1 / (1 + w * w)
        default = abs(numerical_gradient(f, w) / slope - 1)
        coarse = abs(numerical_gradient(f, w, eps=1e-2) / slope - 1)
        fine = abs(numerical_gradient(f, w, eps=1e-13) / slope - 1)
        assert default < 1e-9
        assert coarse > 100 * default
        assert fine > 10 * default


def test_numerical_gradient_refuses_a_step_that_rounds_away() -> None:
    with pytest.raises(ValueError, match=r"^eps=1e-17 gives a step that w = 1.0 cannot take"):
        numerical_gradient(math.sin, 1.0, eps=1e-17)
    # 0.5 ± 1e-16 still moves (finer floats below 1); 1 + 1e-16 rounds back to 1.
    with pytest.raises(ValueError, match=r"w at index \(1,\) = 1.0 cannot take"):
        numerical_gradient(lambda v: float(np.sum(v)), np.array([0.5, 1.0]), eps=1e-16)
    with pytest.raises(ValueError, match=r"leaves the float range"):
        numerical_gradient(math.sin, 1.7e308, eps=0.1)


def test_numerical_gradient_of_known_functions() -> None:
    assert numerical_gradient(math.sin, 0.3) == pytest.approx(math.cos(0.3), rel=1e-9)
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.allclose(numerical_gradient(lambda v: float(np.sum(v**3)), w), 3 * w**2, rtol=1e-9)
    assert type(numerical_gradient(math.sin, 0.3)) is float


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: numerical_gradient(3, 1.0), TypeError, r"f must be a callable"),
        (
            lambda: numerical_gradient(math.sin, 1.0, eps=0),
            ValueError,
            r"eps must be a positive finite number; got 0.0",
        ),
        (
            lambda: numerical_gradient(lambda w: w, np.ones(2)),
            TypeError,
            r"f must return a single real number",
        ),
        (
            lambda: numerical_gradient(math.sin, math.nan),
            ValueError,
            r"w must contain only finite numbers",
        ),
        (
            lambda: error_gradient([0.0, 0.0], 0.0, [[1.0, 2.0]] * 5, [1] * 4),
            ValueError,
            r"^X and y disagree: X has 5 rows \(samples\) but y has 4 entries$",
        ),
        (
            lambda: error_gradient([0.0], 0.0, [[1.0, 2.0]], [1]),
            ValueError,
            r"W and X disagree: W has 1 row \(one per feature\) but X has 2 columns",
        ),
        (
            lambda: error_gradient([0.0], [0.0, 1.0], [[1.0]], [1]),
            ValueError,
            r"b must be a single number",
        ),
        (
            lambda: error_gradient([0.0], 0.0, [[math.nan]], [1]),
            ValueError,
            r"X must contain only finite numbers; got nan at index \(0, 0\)",
        ),
        (
            lambda: error_gradient([0.0], 0.0, [[1.0]], [1.5]),
            ValueError,
            r"y must be labels in \[0, 1\]",
        ),
        (
            lambda: error_gradient([0.0], 0.0, [1.0], [1]),
            ValueError,
            r"X must be a matrix of shape \(m, n\)",
        ),
        (
            lambda: error_gradient([0.0], 0.0, np.empty((0, 1)), []),
            ValueError,
            r"X must not be empty",
        ),
        (
            lambda: delta_rule_step([0.0], [[1.0]], [1.0], learn_rate=-1),
            ValueError,
            r"learn_rate must be a positive finite number; got -1.0",
        ),
        (
            lambda: delta_rule_step([0.0], [[1.0]], [1.0], learn_rate="0.1"),
            TypeError,
            r"learn_rate must be a positive finite number; got the string",
        ),
        (
            lambda: delta_rule_step(np.ones((1, 2)), [[1.0]], [1.0], learn_rate=0.1),
            ValueError,
            r"y must have shape \(1, 2\)",
        ),
    ],
)
def test_bad_input_is_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


def test_one_pass_has_the_same_bits_in_any_number_of_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Blocks of 8 rows make 250 blocks in 16 runs from a small X; each run sums its
    # blocks in order and the runs are added in order, so no bit can depend on which
    # thread took which run. Both the gradient and E come from the same pass.
    from mlmath import _train

    monkeypatch.setattr(_train, "ROW_BLOCK_BYTES", 8 * 5 * 8)
    X, y, W, b = problem(11, m=2000, n=5)
    X[::97] *= 40.0  # saturated scores in some blocks
    y = np.random.default_rng(3).uniform(0, 1, 2000)

    def run(threads: int) -> tuple[bytes, float, float]:
        step = _train.one_pass(
            W, b, X, y, gradient=True, error=True, on_overflow=_no_overflow, threads=threads
        )
        return step.gradient.tobytes(), step.bias_gradient, step.error

    one = run(1)
    for threads in (2, 3, 7):
        assert run(threads) == one
    dE_dW, dE_db = error_gradient(W, b, X, y)  # the public call, threads or not
    assert (dE_dW.tobytes(), dE_db) == one[:2]
    # ... and the pass computes what it should, in exact arithmetic
    h = X @ W + b
    r = np.array([float(exact.sigmoid_minus(yi, hi)) for yi, hi in zip(y, h, strict=True)])
    assert relative_error(dE_dW, r @ X / len(y)) < 1e-13
    assert dE_db == pytest.approx(math.fsum(r.tolist()) / len(y), rel=1e-12)


def _no_overflow(W: np.ndarray, X_b: np.ndarray, b: float) -> np.ndarray:
    raise AssertionError("no score overflows here")


def test_every_memory_layout_of_x_gives_the_same_bits() -> None:
    # The compiled pass reads rows whole: a Fortran-ordered or strided X is copied
    # block by block into rows that are contiguous, and must give what C order gives.
    X, y, W, b = problem(5, m=3000, n=7)
    expected = error_gradient(W, b, X, y)
    wide = np.zeros((3000, 14))
    wide[:, ::2] = X
    for layout in (np.asfortranarray(X), wide[:, ::2], X[::-1][::-1]):
        dW, db = error_gradient(W, b, layout, y)
        assert dW.tobytes() == expected[0].tobytes()
        assert db == expected[1]


def test_float32_data_is_computed_in_float64_and_rounded_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Over 500 blocks, so that a float32 running sum would round once per block: the
    # result must be the exact gradient rounded once to float32 (within 0.5 float32
    # ulp, plus the float64 work's own error, far below it).
    from mlmath import _train

    monkeypatch.setattr(_train, "ROW_BLOCK_BYTES", 10 * 3 * 4)
    X, y, W, b = problem(6, m=5000, n=3)
    X32, y32, W32 = X.astype(np.float32), y.astype(np.float32), W.astype(np.float32)
    b = float(np.float32(b))  # b joins the float32 data as a float32
    dW, db = error_gradient(W32, b, X32, y32)
    assert dW.dtype == np.float32
    assert isinstance(db, np.float32)
    rows, w = X32.astype(float).tolist(), W32.astype(float).tolist()
    h = [math.fsum([*(x * v for x, v in zip(row, w, strict=True)), b]) for row in rows]
    r = [exact.sigmoid_minus(float(yi), hi) for yi, hi in zip(y32, h, strict=True)]
    exact_db = mpmath.fsum(r) / 5000
    exact_dW = [
        mpmath.fsum(ri * row[j] for ri, row in zip(r, rows, strict=True)) / 5000 for j in range(3)
    ]
    for got, want in zip([*dW, db], [*exact_dW, exact_db], strict=True):
        half_ulp = 0.5 * float(np.spacing(np.float32(abs(float(want)))))
        assert abs(float(got) - float(want)) <= half_ulp + 1e-12 * abs(float(want))


def test_a_score_that_overflows_mid_block_is_counted_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Row 13 of a block of 20 has the exact score 1e308, but x·W adds two of them
    # first and overflows: the block is done again from its rescaled scores, and the
    # twelve rows before it must not be counted twice.
    from mlmath import _train

    monkeypatch.setattr(_train, "ROW_BLOCK_BYTES", 20 * 3 * 8)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    X[33] = [1e308, 1e308, -1e308]
    y = rng.uniform(0, 1, 60)
    W, b = np.ones(3), 0.0
    dW, db = error_gradient(W, b, X, y)
    h = [float(mpmath.fsum(mpmath.mpf(x) for x in row.tolist())) for row in X]  # W = 1
    r = np.array([float(exact.sigmoid_minus(yi, hi)) for yi, hi in zip(y, h, strict=True)])
    assert db == pytest.approx(math.fsum(r.tolist()) / 60, rel=1e-14)
    expected = [math.fsum((r * X[:, j] / 60).tolist()) for j in range(3)]
    assert dW == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("h", [705.0, 745.1, 1000.0, 1200.0, 1400.0])
@pytest.mark.parametrize("x", [1e300, -1e300])
def test_a_subnormal_residual_times_a_huge_x_keeps_its_digits(h: float, x: float) -> None:
    # r = σ(h) − 1 = −e^(−h) is subnormal (or 0) here, yet r·x is a normal number:
    # the residual must not be rounded to the few digits a subnormal holds (it gave
    # −4.9e−24 for −2.55e−24 at h = 745.1, x = 1e300). Both labels, by symmetry.
    for y, target in ((1.0, h), (0.0, -h)):
        W = target / x
        dW, _ = error_gradient([W], 0.0, [[x]], [y])
        h_used = W * x  # the score the pass computes, rounded once
        want = exact.sigmoid_minus(y, h_used) * mpmath.mpf(x)
        assert abs(mpmath.mpf(float(dW[0])) - want) <= 1e-15 * abs(want), (y, h_used)
        fit = gradient_descent([[x]], [y], learn_rate=1.0, epochs=1, weights=[W], bias=0.0)
        assert fit.weights[0] == W - dW[0]  # the same pass in training


@pytest.mark.parametrize("h", [705.0, 745.1, 1000.0, 1400.0])
@pytest.mark.parametrize(("x", "y"), [(1e300, 1.0), (-1e300, 0.0), (1.0, 1e300), (1e205, 1e300)])
def test_delta_rule_keeps_a_subnormal_slope_times_a_large_factor(
    h: float, x: float, y: float
) -> None:
    # σ′(h) ≈ e^(−|h|) is subnormal (or 0) here, yet δ·x = (y − ŷ)σ′(h)·x is a normal
    # number when the target or x is large: the step gave −3.68e−21 for −1.90e−21 at
    # h = −745.1, y = 1e300. Both signs of h, and two outputs of one W at once.
    for target in (h, -h):
        W = target / x
        got = delta_rule_step([[W, W]], [[x]], [[y, y]], learn_rate=1.0)
        h_used = mpmath.mpf(W * x)
        e = mpmath.exp(-abs(h_used))
        # y − σ(h) as yσ(−h) − (1 − y)σ(h), which does not cancel at these digits
        gap = y * exact.sigmoid(-h_used) - (1 - y) * exact.sigmoid(h_used)
        want = gap * e / (1 + e) ** 2 * x
        # within 1e-15 where the step is a normal float; where it is subnormal, within
        # the subnormals' absolute rounding (two steps of 2^-1074)
        allowed = max(1e-15 * abs(want), mpmath.mpf(2) ** -1073)
        for value in got[0]:
            assert abs(mpmath.mpf(float(value)) - want) <= allowed, (target, x, y)
