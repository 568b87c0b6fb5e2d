"""Every float32 score where σ is neither 0 nor 1 in float32: how well is it rounded?

mlmath computes a float32 σ(h) in float64 and rounds the result once. The float64 value
is within 2 ulp (float64) of exact (tests/test_activation.py measures that against
mpmath), so the float32 result is the correctly rounded one unless the float64 value
lies within 2 float64 ulp of a float32 rounding boundary (a midpoint between two
float32 numbers). This script visits every float32 h in [−105, 18] (about 2.2e9
values; below, σ rounds to 0 in float32, above, to 1), finds those near a boundary,
and settles each of them with mpmath. It prints how many are not correctly rounded
and their largest error in float32 ulp; the sigmoid docstring states these numbers
and tests/test_activation.py checks the ones it prints.

Run with ``python benchmarks/float32_scan.py``: about 4 CPU-minutes (41 minutes of wall
time on a shared, loaded two-core machine); too long for a test, so the test suite
checks a sample of its findings.
"""

from __future__ import annotations

import time

import mpmath
import numpy as np

import mlmath

mpmath.mp.prec = 200
CHUNK = 1 << 22
# Two float64 ulp is the measured error bound of the float64 σ; 4 leaves room.
MARGIN_ULP64 = 4.0


def exact_sigmoid(h: float) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(h)))


def ulp32_error(got: np.float32, h: float) -> float:
    """|got − σ(h)| in float32 ulp of the exact value (subnormal ulp below 2^−126)."""
    exact = exact_sigmoid(h)
    ulp = float(np.spacing(np.float32(abs(float(exact))))) or float(
        np.finfo(np.float32).smallest_subnormal
    )
    return float(abs(mpmath.mpf(float(got)) - exact) / ulp)


def near_boundary(r64: np.ndarray) -> np.ndarray:
    """Indices where the float64 value lies within MARGIN_ULP64 of a float32 midpoint."""
    r32 = r64.astype(np.float32)
    exact32 = r32.astype(np.float64) == r64
    toward = np.nextafter(r32, np.where(r64 > r32, np.float32(np.inf), np.float32(-np.inf)))
    midpoint = (r32.astype(np.float64) + toward.astype(np.float64)) / 2  # exact in float64
    distance = np.abs(r64 - midpoint) / np.spacing(r64)
    return np.flatnonzero((distance <= MARGIN_ULP64) & ~exact32)


def scan(low: float, high: float) -> tuple[int, int, list[tuple[float, float]]]:
    """(values visited, candidates settled by mpmath, [(h, ulp error) of the misses])."""
    start_bits = {
        True: np.float32(0).view(np.uint32),
        False: np.float32(-0.0).view(np.uint32),
    }
    visited, candidates, misses = 0, 0, []
    # Two runs of bit patterns: [+0, high] and [−0, low] (negative floats count up in bits).
    for positive, edge in ((True, high), (False, low)):
        first = int(start_bits[positive])
        last = int(np.float32(edge).view(np.uint32))
        for start in range(first, last + 1, CHUNK):
            bits = np.arange(start, min(start + CHUNK, last + 1), dtype=np.uint32)
            h32 = bits.view(np.float32)
            got = mlmath.sigmoid(h32)
            r64 = mlmath.sigmoid(h32.astype(np.float64))
            visited += bits.size
            for i in near_boundary(r64):
                candidates += 1
                error = ulp32_error(got[i], float(h32[i]))
                if error > 0.5:
                    misses.append((float(h32[i]), error))
    return visited, candidates, misses


def main() -> None:
    started = time.perf_counter()
    visited, candidates, misses = scan(-105.0, 18.0)
    seconds = time.perf_counter() - started
    print(f"float32 h in [-105, 18]: {visited} values in {seconds:.0f} s")
    print(f"near a rounding boundary (settled by mpmath): {candidates}")
    print(f"not correctly rounded: {len(misses)}")
    if misses:
        worst = max(misses, key=lambda item: item[1])
        print(f"largest error: {worst[1]!r} float32 ulp, at h = {worst[0]!r}")
        print(f"first misses: {[h for h, _ in misses[:10]]}")
        print(f"all misses: {[h for h, _ in misses]}")


if __name__ == "__main__":
    main()
