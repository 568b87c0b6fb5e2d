"""mlmath's kernels against the peers a reader would otherwise use, in one run.

For 10^7 float64 and float32 scores this prints, per kernel: the best time of several
repeats for mlmath and its peer, the ratio mlmath/peer (below 1 is faster), and the
largest error of each in ulp against mpmath on a sample of 2,000 values.

    mlmath.sigmoid                    vs scipy.special.expit
    mlmath.log_sigmoid                vs scipy.special.log_expit
    mlmath.cross_entropy_from_logits  vs torch.nn.functional.binary_cross_entropy_with_logits

Run with ``make bench``. Times depend on the machine; the ratios are the point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import machine
import mpmath
import numpy as np
import scipy.special

import mlmath

mpmath.mp.prec = 200
SIZE = 10**7
REPEATS = 9
SAMPLE = 2000


def best_times(ours: Callable[[], object], peer: Callable[[], object]) -> tuple[float, float]:
    """The best of REPEATS runs of each, taken in turns so both see the same machine."""
    ours(), peer()  # warm up: first-touch page faults are not the kernels' cost
    runs = [(machine.seconds(ours), machine.seconds(peer)) for _ in range(REPEATS)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def max_ulp(got: np.ndarray, x: np.ndarray, exact: Callable[[Any], Any], dtype: type) -> float:
    worst = 0.0
    tiny = float(np.finfo(dtype).smallest_subnormal)
    for g, xi in zip(got, x, strict=True):
        e = exact(mpmath.mpf(float(xi)))
        ulp = float(np.spacing(dtype(abs(float(e))))) or tiny
        worst = max(worst, float(abs(mpmath.mpf(float(g)) - e)) / ulp)
    return worst


def exact_sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x))


def exact_log_sigmoid(x: Any) -> Any:
    return -mpmath.log1p(mpmath.exp(-x))


def row(
    name: str, times: tuple[float, float], ulp_ours: float | str, ulp_peer: float | str
) -> None:
    def fmt(u: float | str) -> str:
        return f"{u:8.3g}" if isinstance(u, float) else f"{u:>8}"

    ours, peer = times
    print(
        f"{name:<58} {ours * 1e3:9.1f} {peer * 1e3:9.1f} {ours / peer:7.2f}"
        f" {fmt(ulp_ours)} {fmt(ulp_peer)}"
    )


def scalar_calls() -> None:
    """One Python number per call, as readers loop: µs per call against plain math.

    Goal: at most 2 µs for sigmoid and predict on Python floats.
    """
    import math
    import timeit

    values = [float(v) for v in np.random.default_rng(1).normal(0, 5, 1000)]

    def per_call(f: Callable[[float], object]) -> float:
        def run() -> None:
            for v in values:
                f(v)

        return min(timeit.repeat(run, number=1, repeat=REPEATS * 3)) / len(values)

    plain = per_call(lambda v: 1 / (1 + math.exp(-v)))
    for name, f in (
        ("sigmoid(h)", mlmath.sigmoid),
        ("predict(W, x, b)", lambda v: mlmath.predict(0.7, v, 0.1)),
    ):
        ours = per_call(f)
        print(
            f"{name + ' on a Python float':<58} {ours * 1e6:7.2f} µs per call (goal <= 2); "
            f"1/(1 + math.exp(-h)) {plain * 1e6:.2f} µs"
        )


def main() -> None:
    scalar_calls()
    try:
        import torch
    except ImportError:  # torch is an optional peer
        torch = None
    rng = np.random.default_rng(0)
    # Scores of every size, with a few in the deep tail below −709.78 where expit gives 0.
    x64 = rng.normal(0.0, 10.0, SIZE)
    x64[:: SIZE // 100] = -720.0
    sample = np.concatenate([rng.normal(0, 10, SAMPLE - 200), rng.uniform(-745, -700, 200)])
    labels = rng.integers(0, 2, SIZE).astype(np.float64)
    if torch is not None:
        torch_threads = torch.get_num_threads()
    print(machine.describe())
    print(f"n = {SIZE:.0e} values, best of {REPEATS}; ulp: max error on {SAMPLE} values vs mpmath")
    print(f"{'kernel (mlmath vs peer)':<58} {'ours ms':>9} {'peer ms':>9} {'ratio':>7}", end="")
    print(f" {'ulp ours':>8} {'ulp peer':>8}")
    for dtype in (np.float64, np.float32):
        x = x64.astype(dtype)
        s = sample.astype(dtype)
        y = labels.astype(dtype)
        name = np.dtype(dtype).name
        with np.errstate(over="ignore"):
            row(
                f"sigmoid vs expit [{name}]",
                best_times(lambda x=x: mlmath.sigmoid(x), lambda x=x: scipy.special.expit(x)),
                max_ulp(mlmath.sigmoid(s), s, exact_sigmoid, dtype),
                max_ulp(scipy.special.expit(s), s, exact_sigmoid, dtype),
            )
            row(
                f"log_sigmoid vs log_expit [{name}]",
                best_times(
                    lambda x=x: mlmath.log_sigmoid(x), lambda x=x: scipy.special.log_expit(x)
                ),
                max_ulp(mlmath.log_sigmoid(s), s, exact_log_sigmoid, dtype),
                max_ulp(scipy.special.log_expit(s), s, exact_log_sigmoid, dtype),
            )
        if torch is None:
            print("cross_entropy_from_logits: torch not installed, peer skipped")
            continue
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        for threads in sorted({1, torch_threads}):
            torch.set_num_threads(threads)
            row(
                f"cross_entropy_from_logits vs torch BCE, {threads} thr [{name}]",
                best_times(
                    lambda x=x, y=y: mlmath.cross_entropy_from_logits(y, x),
                    lambda xt=xt, yt=yt, bce=bce: bce(xt, yt, reduction="mean"),
                ),
                "-",
                "-",
            )
        torch.set_num_threads(torch_threads)
        value, peer = mlmath.cross_entropy_from_logits(y, x), bce(xt, yt).item()
        print(f"{'':<58} mean E: ours {value!r}, torch {peer!r}")


if __name__ == "__main__":
    main()
