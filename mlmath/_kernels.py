"""The compiled loops of mlmath (Numba): the steps of σ after NumPy's exp, and one
pass over the rows of X in training.

`mlmath._train.one_pass` cuts X into blocks of rows and shares them among threads;
`block_pass` takes one block, row by row: the score h = x·W + b, the residual
σ(h) − y and the loss ℓ(y, h), then g += r·x while the row is still in the CPU's
first-level cache. X is thus read from memory once per step, and nothing of size m
is allocated. The formulas are those of `mlmath._train`'s docstring.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

# The compiled kernels release the GIL (nogil), so `in_threads` runs them side by side,
# and are cached on disk (cache), so a process compiles them only on the first run
# after mlmath changes. Division by zero cannot occur in them (every divisor is 1 + e
# with e ≥ 0), so NumPy's error model spares the check Python's would make.
_compiled = numba.njit(nogil=True, cache=True, error_model="numpy")


@_compiled
def sigmoid_from_exp(E: Any, out: Any) -> int:
    """out = σ(x) from E = e^(−x), entry by entry (E and out may be one array); returns
    how many entries fell below the smallest normal float, or are nan.

    σ = 1/s with s = 1 + E. Where E > 1 (x < 0) rounding s costs up to 2.3 ulp, so its
    rounding error err is carried (Fast2Sum with a = max(E, 1): err = 1 − ((a + 1) − a)
    is exact for E ≥ 1, and exactly 0 for E ≤ 1) and σ = 1/(s + err) ≈ r − r·(r·err)
    with r = 1/s. For E ≤ 1 that is r itself, bit for bit: no branch is needed.
    `mlmath.activation._sigmoid_scalar` takes the same steps.
    """
    low = 0
    for i in range(E.size):
        e = E[i]
        a = max(e, 1.0)
        err = 1.0 - ((a + 1.0) - a)
        r = 1.0 / (e + 1.0)
        s = r - r * (r * err)
        out[i] = s
        low += not s >= 2.2250738585072014e-308
    return low


@_compiled
def residual(h: float, y: float) -> float:
    """σ(h) − y without cancellation, from s = σ(|h|) = 1/(1 + e), t = σ(−|h|) =
    e/(1 + e) with e = e^(−|h|), p = 1 where h ≥ 0 (else 0) and q = 1 − p: one sign per
    term, (p − y)·s − (y − q)·t, which is (1 − y)σ(h) − yσ(−h) for h ≥ 0."""
    e = math.exp(-abs(h))
    p = 1.0 if h >= 0.0 else 0.0
    one_plus_e = e + 1.0
    # t = σ(−|h|) = e/(1 + e): the plain quotient is up to 2.6 ulp off (the rounding of
    # 1 + e is a whole unit of 1, and t can be small), so that rounding error is
    # carried: err = e − ((1 + e) − 1) is exact (Fast2Sum, as 1 ≥ e), and
    # t = q·(1 − err/(1 + e)) with q = e/(1 + e) rounded. s = σ(|h|) ≥ 1/2 is within
    # 1.5 ulp as it is.
    err = (1.0 - one_plus_e) + e
    q = e / one_plus_e
    s = 1.0 / one_plus_e
    t = q - (err * s) * q
    return (p - y) * s - (y - (1.0 - p)) * t


@_compiled
def sample_loss(h: float, y: float) -> float:
    """ℓ(y, h) = (p − y)·h + ln(1 + e^(−|h|)): both terms ≥ 0 for y in [0, 1]."""
    p = 1.0 if h >= 0.0 else 0.0
    return (p - y) * h + math.log1p(math.exp(-abs(h)))


@_compiled
def two_sum(total: float, x: float) -> tuple[float, float]:
    """(total + x rounded, its rounding error), exactly (Knuth's TwoSum).

    The block's sums of losses and residuals carry their rounding errors, so that
    they are as accurate as if added in twice the precision: a sum added one term
    after another would otherwise drift by up to a unit per term, and gradient
    descent's record of E would rise by more than rounding after convergence.
    """
    s = total + x
    z = s - total
    return s, (total - (s - z)) + (x - z)


@_compiled
def with_error(total: float, err: float) -> float:
    """A sum with its carried rounding error; inf once it overflowed (err is then nan)."""
    return total + err if math.isfinite(total) else total


# The two products with a row may add in any order and fuse each multiply-add into
# one rounding (LLVM's reassoc and contract): then the compiler runs them several
# values per instruction, as BLAS does. They are as accurate as a product in BLAS, and
# the same from run to run on one machine; the residual, whose exactness rests on the
# order of its operations, is compiled without these liberties.
_products = numba.njit(nogil=True, cache=True, fastmath={"reassoc", "contract"})


@_products
def dot(row: Any, W: Any) -> float:
    """x·W, in float64 whatever the arrays hold (a float32 product would be rounded)."""
    total = 0.0
    for j in range(row.size):
        total += float(row[j]) * float(W[j])
    return total


@_products
def add_multiple(part: Any, r: float, row: Any) -> None:
    """part += r·x."""
    for j in range(row.size):
        part[j] += r * row[j]


@_compiled
def add_deep_tail(part: Any, h: float, m: int, row: Any) -> None:
    """part += r·x/m where r = ∓e^(−|h|) is below the normal floats: |h| > 700 and the
    label is the one the score points to (y = 1 for h > 0, y = 0 for h < 0).

    There r is subnormal or 0 and keeps few or no digits, yet r·x can be a normal
    number (x = 1e300 at h = 745.1 gives r·x ≈ 2.6e−24; r·x stays normal up to
    |h| ≈ 1418). So r is carried as a·a·2^(−2k) with a = e^(−|h|/2)·2^k in [1/2, 1]
    (k = ⌊|h|/(2 ln 2)⌋, so a is normal), and the powers of two, exact factors while
    the result is normal, come back only at the end: the product keeps the precision
    the result itself can hold. Compiled without reassociation, which could apply a
    power of two early and lose the digits this function exists to keep.
    """
    if not abs(h) <= 1500.0:  # |r·x/m| < e^(−1500)·1.8e308 ≈ 2e−343: it rounds to 0
        return
    k = min(int(abs(h) * 0.7213475204444817), 1022)  # 1/(2 ln 2)
    down = 2.0**-k
    a = math.exp(-0.5 * abs(h)) / down
    scaled = a * a / m  # |r|/m times 2^(2k), to about 2 ulp
    if h > 0.0:
        scaled = -scaled
    for j in range(row.size):
        part[j] += ((scaled * float(row[j])) * down) * down


@_compiled
def block_pass(
    X_b: Any,
    W: Any,
    b: float,
    y_b: Any,
    h_b: Any,
    m: int,
    gradient: bool,
    error: bool,
    g: Any,
    part: Any,
) -> tuple[int, float, float, float, float]:
    """One block of rows: g += Σ r x / m, and (status, Σ r / m, Σ ℓ, Σ ℓ/m, max ℓ).

    The scores are X_b W + b, or h_b where it is not empty (scores recomputed after an
    overflow). status is the first row whose score is not finite (g is then left as it
    was), or −1. Σ ℓ/m is there for when Σ ℓ overflows (see
    `mlmath._train._mean_in_order`). part is scratch space, float64 of W's size.
    """
    rows, n = X_b.shape
    part[:] = 0.0  # the block's share of g, added to g only once it is whole
    bias = loss = loss_over_m = 0.0
    bias_err = loss_err = over_m_err = 0.0  # the rounding errors of the three sums
    largest = -np.inf
    for i in range(rows):
        if h_b.size:
            h = float(h_b[i])
        else:
            h = dot(X_b[i], W) + b
            if not math.isfinite(h):
                return i, 0.0, 0.0, 0.0, 0.0
        y = float(y_b[i])
        if error:
            ell = sample_loss(h, y)
            loss, err = two_sum(loss, ell)
            loss_err += err
            loss_over_m, err = two_sum(loss_over_m, ell / m)
            over_m_err += err
            largest = max(largest, ell)
        if gradient:
            r = residual(h, y)
            bias, err = two_sum(bias, r)  # |r| ≤ 1: finite, divided by m once below
            bias_err += err
            if abs(h) > 700.0 and y == (0.0 if h < 0.0 else 1.0):
                add_deep_tail(part, h, m, X_b[i])
            else:
                r /= m  # |r| ≤ 1, so Σ |x r| / m ≤ max |x|: the exact value is finite
                add_multiple(part, r, X_b[i])
    for j in range(n):
        g[j] += part[j]
    return (
        -1,
        with_error(bias, bias_err) / m,
        with_error(loss, loss_err),
        with_error(loss_over_m, over_m_err),
        largest,
    )
