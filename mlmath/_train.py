r"""The kernels of training: residuals and losses from scores, and one pass over X.

A gradient step written naively reads X twice (h = XW, then Xᵀr) and validates it in
a third pass; X is large, so the step is bound by memory. Here one compiled loop
(Numba, `mlmath._kernels`) takes X row by row: h = x·W + b, the residual r, then
g += r·x while the row is still in the CPU's first-level cache, so X comes from memory
once per step and nothing of size m is allocated. The rows go in blocks, shared among
threads (see `one_pass`).

X is not scanned for nan or inf beforehand: a non-finite entry of X makes its row's
score non-finite (inf · 0 and nan · anything are nan), so checking h is enough, and
only then is the block searched for the entry to name.

Residuals and losses are computed from e = e^(−|h|) ≤ 1, which neither overflows nor
cancels: σ(|h|) = 1/(1 + e), σ(−|h|) = e/(1 + e), and with both σ(h) and σ(−h) at
hand every difference becomes a sum of terms of one sign:

    σ(h) − y = (1 − y)·σ(h) − y·σ(−h)
    ℓ(y, h) = (1 − y)·max(h, 0) + y·max(−h, 0) + ln(1 + e^(−|h|))

(the docstrings of `error_gradient` and `cross_entropy_from_logits` show them in TeX).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlmath._blocks import cores, in_threads
from mlmath._validate import FloatArray

# (W, X_b, b) -> the block's scores, recomputed where X_b W + b overflowed, or raise.
OverflowHandler = Callable[[FloatArray, FloatArray, float], FloatArray]

# A block of rows of X is about 2 MiB: the compiled loop reads each row once, so the
# size only sets how often Python steps in (about 400 times a pass over 1e6 × 100
# float64, a few µs each) and how much is done again after a score overflows.
ROW_BLOCK_BYTES = 1 << 21
# A pass's blocks go in at most this many runs of consecutive blocks (see `one_pass`):
# at least one per core on the machines we know.
GROUPS = 16
# Elementwise passes (the loss from scores) work on blocks of this many values.
VALUE_BLOCK = 1 << 15


def row_blocks(X: FloatArray) -> Iterator[slice]:
    """Consecutive slices of rows of X, each about ROW_BLOCK_BYTES."""
    m, n = X.shape
    rows = max(1, ROW_BLOCK_BYTES // (X.itemsize * max(1, n)))
    for start in range(0, m, rows):
        yield slice(start, min(m, start + rows))


class Losses:
    """ℓ(y, h) = (p − y)·h + ln(1 + e) of one block of scores, in scratch buffers reused
    per block, with e = e^(−|h|) and p = 1 where h ≥ 0 (else 0): (p − y)·h ≥ 0 for every
    y in [0, 1], and is (1 − y)·max(h, 0) + y·max(−h, 0) of the module's formula.

    `_kernels.sample_loss` is the same formula in the compiled pass over X. Here, over a vector of
    scores, NumPy's exp and log1p run several values per instruction (in float32 on
    the CPUs we know), which a scalar loop calling the C library's cannot match.
    """

    def __init__(self, size: int, dtype: np.dtype[Any]) -> None:
        self.e, self.a = np.empty(size, dtype), np.empty(size, dtype)
        self.p = np.empty(size, bool)

    def block(self, h: FloatArray, y: FloatArray) -> FloatArray:
        """ℓ of each sample, in a new array."""
        n = h.size
        e, a, p = self.e[:n], self.a[:n], self.p[:n]
        np.copysign(h, -1.0, out=e)  # −|h| in one pass
        np.exp(e, out=e)
        np.greater_equal(h, 0.0, out=p)
        np.subtract(p, y, out=a)  # p − y: 1 − y or −y, exact or rounded once
        losses = np.log1p(e)
        np.multiply(a, h, out=a)
        losses += a
        return losses


def mean_of_losses(h: FloatArray, y: FloatArray, *, threads: int = 0) -> float:
    """The mean of ℓ(y, h) over 1-D h and y, in cache-sized blocks (no m-sized temporary).

    The blocks are shared among threads (see `in_threads`); each block's part of the
    mean is kept and the parts are added in order, so the result has the same bits
    whatever the number of threads.
    """
    m = h.size
    starts = range(0, m, VALUE_BLOCK)
    parts, largest = np.zeros(len(starts)), np.zeros(len(starts))
    dtype = np.result_type(h, y)

    def run(share: range) -> None:
        losses = Losses(min(m, VALUE_BLOCK), dtype)
        for start in share:
            block = slice(start, start + VALUE_BLOCK)
            loss = losses.block(h[block], y[block])
            k = start // VALUE_BLOCK
            with np.errstate(over="ignore"):  # a sum past the largest float: see below
                parts[k] = float(loss.sum()) / m
                if math.isinf(parts[k]):  # see `_mean_in_order`
                    parts[k] = float((loss / m).sum())
            largest[k] = loss.max()

    in_threads(run, starts, threads)
    return _mean_in_order(parts, largest)


def _mean_in_order(parts: FloatArray, largest: FloatArray) -> float:
    """The mean from the blocks' shares and largest losses (see `sum_in_order`).

    Σ ℓ / m is accumulated block by block, finite even where Σ ℓ is not: each block's
    share is (Σ_b ℓ)/m, and where fourteen losses of 1.3e307 overflow their sum,
    Σ_b (ℓ/m) instead. Rounding can still nudge the total past the largest float; the
    mean is never above the largest loss.
    """
    return min(sum_in_order(parts), float(largest.max()))


def sum_in_order(parts: FloatArray) -> float:
    """The blocks' parts added one by one in block order, so that the bits do not
    depend on which thread computed which block (NumPy's pairwise sum would do as
    well; a plain loop says the order aloud)."""
    total = 0.0
    for part in parts.tolist():
        total += part
    return total


@dataclass
class Pass:
    """What one pass over X gives: Σ r_b x_b / m, Σ r / m and the mean loss."""

    gradient: FloatArray
    bias_gradient: float
    error: float


def one_pass(
    W: FloatArray,
    b: float,
    X: FloatArray,
    y: FloatArray,
    *,
    gradient: bool,
    error: bool,
    on_overflow: OverflowHandler,
    threads: int = 0,
) -> Pass:
    """The gradient of E(W, b) and/or E(W, b) itself, reading X once.

    A block whose scores are not finite is searched for a non-finite entry of X (the
    error names it) and otherwise handed to ``on_overflow``, which returns finite
    scores or raises.

    The blocks are shared among ``threads`` threads (0: one per core). Blocks go in at
    most GROUPS runs of consecutive blocks; each run sums its share of the gradient
    block after block, and the shares are added in order, so the result has the same
    bits whatever the number of threads.
    """
    # Imported here, not with mlmath: Numba takes 0.4 s to import, which a reader who
    # only calls σ on a number should not wait for.
    from mlmath import _kernels

    m = X.shape[0]
    blocks = list(row_blocks(X))
    runs = _runs(len(blocks))
    dtype = np.result_type(W, X)
    # float64 whatever the data: float32 data is computed in float64 and rounded once.
    shares = np.zeros((len(runs), *W.shape))
    bias_parts, loss_parts, largest = (np.zeros(len(blocks)) for _ in range(3))
    no_scores = np.empty(0)

    def run(which: range) -> None:
        part = np.empty(W.shape)  # the kernel's scratch space, one per thread
        for k in which:
            for i in runs[k]:
                # The kernel reads rows whole: a row of a Fortran-ordered or strided X
                # is copied, one block at a time, into one that is contiguous.
                X_b = np.ascontiguousarray(X[blocks[i]])
                y_b = y[blocks[i]]
                status, *sums = _kernels.block_pass(
                    X_b, W, b, y_b, no_scores, m, gradient, error, shares[k], part
                )
                if status >= 0:
                    _name_nonfinite_entry(X_b, blocks[i].start)
                    h = np.ascontiguousarray(on_overflow(W, X_b, b), np.float64)
                    status, *sums = _kernels.block_pass(
                        X_b, W, b, y_b, h, m, gradient, error, shares[k], part
                    )
                bias_parts[i] = sums[0]
                if error:
                    loss_parts[i] = sums[1] / m
                    if math.isinf(loss_parts[i]):  # see `_mean_in_order`
                        loss_parts[i] = sums[2]
                    largest[i] = sums[3]

    in_threads(run, range(len(runs)), threads if threads > 0 else cores())
    with np.errstate(over="ignore"):  # a sum or float32 past the largest: see below
        g: FloatArray = shares.sum(axis=0).astype(dtype, copy=False)
    if not np.isfinite(g).all():
        # Only rounding can carry Σ x r / m past the largest float (|r| ≤ 1).
        limit = np.abs(X).max()
        g = np.clip(g, -limit, limit)
    bias_sum = sum_in_order(bias_parts)
    mean = _mean_in_order(loss_parts, largest) if error else float("nan")
    return Pass(g, bias_sum, mean)


def _runs(blocks: int) -> list[range]:
    """``blocks`` block indices cut into at most GROUPS runs of consecutive blocks."""
    count = max(1, min(blocks, GROUPS))
    bounds = [blocks * k // count for k in range(count + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(count)]


def _name_nonfinite_entry(X_b: FloatArray, first_row: int) -> None:
    """Raise the ValueError of `require_finite` for X, with its index in the whole X."""
    bad = ~np.isfinite(X_b)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        value = float(X_b[row, column])
        raise ValueError(
            f"X must contain only finite numbers; got {value} at index "
            f"({first_row + row}, {column})"
        )
