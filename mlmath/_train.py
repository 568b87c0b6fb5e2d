r"""The kernels of training: residuals and losses from scores, and one pass over X.

A gradient step written naively reads X twice (h = XW, then Xᵀr) and validates it in
a third pass; X is large, so the step is bound by memory. Here X is walked in blocks
of rows that fit in the CPU cache: h_b = X_b W + b, the residual r_b, then
g += X_bᵀ r_b while X_b is still in cache, so X comes from memory once per step.

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

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlmath._blocks import cores, in_threads, one_blas_thread
from mlmath._validate import FloatArray

# (W, X_b, b) -> the block's scores, recomputed where X_b W + b overflowed, or raise.
OverflowHandler = Callable[[FloatArray, FloatArray, float], FloatArray]

# X_b, the block of rows of X, is about 2 MiB: it stays in the cache (L2 or L3) between
# the two products, and blocks are few enough that NumPy's per-call cost (about 20
# calls a block) stays small. Measured on 1e6 × 100 float64: 1 to 4 MiB are alike.
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


class Kernel:
    """Residuals and losses of one block of scores, in scratch buffers reused per block.

    With s = σ(|h|) = 1/(1 + e), t = σ(−|h|) = e/(1 + e), p = 1 where h ≥ 0 (else 0) and
    q = 1 − p, both quantities take one sign per term and no branch:

        σ(h) − y = (p − y)·s − (y − q)·t      (for h ≥ 0: (1 − y)σ(h) − yσ(−h))
        ℓ(y, h) = (p − y)·h + ln(1 + e)       ((p − y)·h ≥ 0 for every y in [0, 1])

    (p − y)·h is (1 − y)·max(h, 0) + y·max(−h, 0) of the module's formula. The buffers
    save NumPy's allocations and about half the passes of the plain formulas.
    """

    def __init__(self, size: int, dtype: np.dtype[Any]) -> None:
        self.e, self.s, self.a, self.c = (np.empty(size, dtype) for _ in range(4))
        self.p = np.empty(size, bool)

    def block(
        self, h: FloatArray, y: FloatArray, *, loss: bool, residual: bool
    ) -> tuple[FloatArray, FloatArray]:
        """(ℓ of each sample or an empty array, σ(h) − y or an empty array)."""
        n = h.size
        e, s, a, c, p = self.e[:n], self.s[:n], self.a[:n], self.c[:n], self.p[:n]
        np.copysign(h, -1.0, out=e)  # −|h| in one pass
        np.exp(e, out=e)
        np.greater_equal(h, 0.0, out=p)
        np.subtract(p, y, out=a)  # p − y: 1 − y or −y, exact or rounded once
        losses = self.e[:0]
        if loss:
            losses = np.log1p(e)
            np.multiply(a, h, out=c)
            losses += c
        if not residual:
            return losses, self.a[:0]
        # t = σ(−|h|) = e/(1 + e) as the plain quotient would be up to 2.6 ulp off: the
        # rounding of 1 + e is a whole unit of 1, and t can be small. So that rounding
        # error is carried (Fast2Sum: err = e − ((1 + e) − 1), exact since 1 ≥ e) and
        # t = q·(1 − err/(1 + e)) with q = e/(1 + e) rounded. s = σ(|h|) ≥ 1/2 needs no
        # such care: 1/(1 + e) is within 1.5 ulp.
        np.add(e, 1.0, out=s)  # 1 + e, rounded
        np.subtract(1.0, s, out=c)  # −((1 + e) − 1), exact (Sterbenz)
        np.add(c, e, out=c)  # err, exact
        np.divide(e, s, out=e)  # q
        np.divide(1.0, s, out=s)  # s = σ(|h|)
        np.multiply(c, s, out=c)
        np.multiply(c, e, out=c)
        np.subtract(e, c, out=e)  # t = σ(−|h|), down to e^(−745) and then 0
        np.multiply(a, s, out=a)
        np.logical_not(p, out=p)
        np.subtract(y, p, out=c)  # y − q: y or y − 1
        np.multiply(c, e, out=c)
        np.subtract(a, c, out=a)
        return losses, a


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
        kernel = Kernel(min(m, VALUE_BLOCK), dtype)
        for start in share:
            block = slice(start, start + VALUE_BLOCK)
            loss = kernel.block(h[block], y[block], loss=True, residual=False)[0]
            k = start // VALUE_BLOCK
            parts[k], largest[k] = _mean_part(loss, m), loss.max()

    in_threads(run, starts, threads)
    return _mean_in_order(parts, largest)


# Σ ℓ / m is accumulated block by block, finite even where Σ ℓ is not: each block adds
# (Σ_b ℓ)/m, and where fourteen losses of 1.3e307 overflow their sum, Σ_b (ℓ/m) instead.
# Rounding can still nudge the total past the largest float; the mean is never above
# the largest loss.


def _mean_part(block: FloatArray, m: int) -> float:
    """The block's share of the mean, (Σ_b ℓ)/m, or Σ_b (ℓ/m) where Σ_b ℓ overflows."""
    with np.errstate(over="ignore"):
        part = float(block.sum()) / m
        if np.isinf(part):
            part = float((block / m).sum())
    return part


def _mean_in_order(parts: FloatArray, largest: FloatArray) -> float:
    """The mean from the blocks' shares and largest losses (see `sum_in_order`)."""
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

    The blocks are shared among ``threads`` threads (0: one per core), each with its
    own BLAS thread (two BLAS threads per product would fight ours for the cores).
    Blocks go in at most GROUPS runs of consecutive blocks; each run sums its share of
    the gradient block after block, and the shares are added in order, so the result
    has the same bits whatever the number of threads.
    """
    m = X.shape[0]
    blocks = list(row_blocks(X))
    runs = _runs(len(blocks))
    dtype = np.result_type(W, X)
    shares = np.zeros((len(runs), *W.shape), dtype)
    bias_parts, loss_parts, largest = (np.zeros(len(blocks)) for _ in range(3))

    def run(which: range) -> None:
        kernel = Kernel(blocks[0].stop, dtype)
        # Overflow in X_b W is handled below, and a gradient sum that rounds past the
        # largest float is clipped after the loop.
        with np.errstate(over="ignore", invalid="ignore"):
            for k in which:
                for i in runs[k]:
                    X_b = X[blocks[i]]
                    h: FloatArray = X_b @ W
                    h += b
                    # A sum is one cheap pass; only where it is not finite (a non-finite
                    # score, or finite scores whose sum overflows) look closer.
                    if not math.isfinite(h.sum()) and not np.isfinite(h).all():
                        _name_nonfinite_entry(X_b, blocks[i].start)
                        h = on_overflow(W, X_b, b)
                    loss, r = kernel.block(h, y[blocks[i]], loss=error, residual=gradient)
                    if error:
                        loss_parts[i], largest[i] = _mean_part(loss, m), loss.max()
                    if gradient:
                        r /= m  # |r| ≤ 1, so Σ |x r| / m ≤ max |x|: the exact value is finite
                        bias_parts[i] = r.sum()
                        shares[k] += r @ X_b

    if threads <= 0:
        threads = cores()
    with one_blas_thread() if len(blocks) > 1 else contextlib.nullcontext():
        in_threads(run, range(len(runs)), threads)
    with np.errstate(over="ignore"):
        g: FloatArray = shares.sum(axis=0)
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
