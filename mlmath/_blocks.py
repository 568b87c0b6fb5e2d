"""Run an elementwise kernel over cache-sized blocks.

A kernel such as σ takes several NumPy passes (negate, exp, add, ...). Over a whole
array of 10^7 values every pass streams 80 MB through memory; over blocks of 256 KiB
the intermediate passes stay in the CPU cache, which makes the extra passes that buy
accuracy cheap. Scratch buffers are allocated once per call, not once per block.

NumPy's loops release the GIL, so a large array is cut into one run of blocks per core
and the runs go on in threads at once. Every value is computed from its own input
alone, so the result is the same, bit for bit, whatever the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from mlmath._validate import FloatArray

BLOCK_BYTES = 1 << 18
# An array of fewer blocks than this per thread stays on the calling thread: a thread
# costs about 100 µs to start, a block of σ about 30 µs to compute.
BLOCKS_PER_THREAD = 16

# kernel(x_block, out_block, scratch_a, scratch_b): all four have the same length.
Kernel = Callable[[FloatArray, FloatArray, FloatArray, FloatArray], None]


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def blockwise(
    kernel: Kernel, x: FloatArray, work: np.dtype[Any] | None = None, *, threads: int = 0
) -> FloatArray:
    """``kernel`` over cache-sized blocks of x; returns its output shaped like x.

    The scratch blocks have dtype `work` (default: x's), so a kernel can
    compute float32 input in float64 and round once when it writes the output. The
    blocks are shared among ``threads`` threads (0: one per core, as the array's size
    allows), each with its own scratch blocks.
    """
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    work = flat.dtype if work is None else work
    step = max(1, min(flat.size, BLOCK_BYTES // work.itemsize))
    starts = range(0, flat.size, step)

    def run(share: range) -> None:
        scratch_a, scratch_b = np.empty(step, work), np.empty(step, work)
        for start in share:
            block = flat[start : start + step]
            n = block.size
            kernel(block, out[start : start + step], scratch_a[:n], scratch_b[:n])

    in_threads(run, starts, threads)
    return out.reshape(x.shape)


def in_threads(run: Callable[[range], None], items: range, threads: int = 0) -> None:
    """``run`` over consecutive shares of ``items``, one share per thread, at once.

    ``threads`` = 0 takes one per core, as many as there are BLOCKS_PER_THREAD items
    for. Each thread runs in the caller's np.errstate (which NumPy keeps per thread).
    """
    if threads <= 0:
        threads = min(cores(), len(items) // BLOCKS_PER_THREAD)
    threads = max(1, min(threads, len(items)))
    errors = np.geterr()

    def in_state(share: range) -> None:
        with np.errstate(**errors):
            run(share)

    bounds = [len(items) * k // threads for k in range(threads + 1)]
    shares = [items[bounds[k] : bounds[k + 1]] for k in range(threads)]
    if threads == 1:
        run(shares[0])
        return
    # A pool per call, not one kept for the process: a process forked later (a
    # multiprocessing worker, a test runner) would inherit a pool without its threads.
    with ThreadPoolExecutor(threads - 1) as pool:
        others = [pool.submit(in_state, share) for share in shares[1:]]
        run(shares[0])  # the caller takes the first share
        for done in others:
            done.result()
