"""A training step of mlmath against PyTorch and against one matrix-vector product.

On X of 1e6 × 100 float64 (800 MB) with labels 0/1, in one run and in alternation
(each round times every contender once; the best of ROUNDS is kept):

    mlmath.error_gradient               one gradient of the mean cross-entropy
    mlmath.gradient_descent, per epoch  a run of 5 epochs, divided by 5 (it also
                                        validates once and records E a 6th time)
    torch autograd step                 BCE-with-logits, forward and backward, 2 threads
    X @ w                               one read of X, the floor for anything that reads X

It prints each time, the ratios the goals are stated in, and the peak memory that
error_gradient and one epoch allocate beyond X (tracemalloc sees NumPy's buffers),
against 10% of X's size. Run with ``make bench``; the CPU and caches are printed
first, since ratios from different machines do not compare.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import machine
import numpy as np

import mlmath

M, N = 10**6, 100
ROUNDS = 7
EPOCHS = 5
TORCH_THREADS = 2


def peak_extra_bytes(f: Callable[[], object]) -> int:
    """The peak of memory allocated while f runs (X and y exist before)."""
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    print(machine.describe())
    rng = np.random.default_rng(0)
    X = rng.standard_normal((M, N))
    y = (X @ rng.standard_normal(N) + rng.standard_normal(M) > 0).astype(np.float64)
    W = rng.standard_normal(N) * 0.05
    b = 0.1
    contenders: dict[str, Callable[[], object]] = {
        "error_gradient": lambda: mlmath.error_gradient(W, b, X, y),
        "gradient_descent, 5 epochs": lambda: mlmath.gradient_descent(
            X, y, learn_rate=0.1, epochs=EPOCHS, weights=W, bias=b
        ),
        "X @ w": lambda: X @ W,
    }
    try:
        import torch
    except ImportError:
        torch = None
        print("torch not installed: its step is not timed")
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        bce = torch.nn.functional.binary_cross_entropy_with_logits

        def torch_step() -> object:
            Wt = torch.tensor(W, requires_grad=True)
            bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
            loss = bce(Xt @ Wt + bt, yt)
            loss.backward()
            return Wt.grad, bt.grad

        contenders[f"torch autograd step ({TORCH_THREADS} threads)"] = torch_step
    for f in contenders.values():
        f()  # warm up: first-touch page faults are not the kernels' cost
    times = {name: float("inf") for name in contenders}
    for _ in range(ROUNDS):
        for name, f in contenders.items():
            times[name] = min(times[name], machine.seconds(f))
    print(f"X: {M:.0e} x {N} float64 ({X.nbytes / 1e6:.0f} MB); best of {ROUNDS} rounds in turn")
    for name, t in times.items():
        print(f"  {name:<36} {t * 1e3:8.1f} ms")
    matvec = times["X @ w"]
    torch_name = f"torch autograd step ({TORCH_THREADS} threads)"
    ratios = [("error_gradient / X @ w", times["error_gradient"] / matvec, 1.6)]
    if torch is not None:
        step = times[torch_name]
        ratios += [
            ("error_gradient / torch step", times["error_gradient"] / step, 0.8),
            ("1 epoch / torch step", times["gradient_descent, 5 epochs"] / EPOCHS / step, 0.9),
        ]
    print("ratios (goal):")
    for name, ratio, goal in ratios:
        print(f"  {name:<36} {ratio:8.2f}  (<= {goal})")
    limit = 0.10 * X.nbytes
    print(f"peak memory beyond X and y (goal: <= 10% of X, {limit / 1e6:.0f} MB):")
    for name in ("error_gradient", "gradient_descent, 5 epochs"):
        extra = peak_extra_bytes(contenders[name])
        print(f"  {name:<36} {extra / 1e6:8.1f} MB  ({extra / X.nbytes:.1%} of X)")
    if torch is not None:
        value = mlmath.error_gradient(W, b, X, y)[0]
        peer = torch_step()[0].numpy()  # type: ignore[index]
        gap = float(np.max(np.abs(value - peer)) / np.max(np.abs(peer)))
        print(f"largest difference from torch's gradient, relative: {gap:.1e}")


if __name__ == "__main__":
    main()
