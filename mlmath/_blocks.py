"""Run an elementwise kernel over cache-sized blocks.

A kernel such as σ takes several NumPy passes (negate, exp, add, ...). Over a whole
array of 10^7 values every pass streams 80 MB through memory; over blocks of 256 KiB
the intermediate passes stay in the CPU cache, which makes the extra passes that buy
accuracy cheap. Scratch buffers are allocated once per call, not once per block.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlmath._validate import FloatArray

BLOCK_BYTES = 1 << 18

# kernel(x_block, out_block, scratch_a, scratch_b): all four have the same length.
Kernel = Callable[[FloatArray, FloatArray, FloatArray, FloatArray], None]


def blockwise(kernel: Kernel, x: FloatArray) -> FloatArray:
    """``kernel`` over cache-sized blocks of x; returns its output shaped like x."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    step = max(1, min(flat.size, BLOCK_BYTES // flat.itemsize))
    scratch_a, scratch_b = np.empty(step, flat.dtype), np.empty(step, flat.dtype)
    for start in range(0, flat.size, step):
        block = flat[start : start + step]
        n = block.size
        kernel(block, out[start : start + step], scratch_a[:n], scratch_b[:n])
    return out.reshape(x.shape)
