"""Exact references for the tests: mpmath at 300 bits, and distances in ulp.

mpmath is an independent arbitrary-precision implementation, so agreement with it
measures mlmath's rounding error and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import mpmath
import numpy as np

mpmath.mp.prec = 300


def sigmoid(x: float) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(x)))


def sigmoid_prime(x: float) -> mpmath.mpf:
    e = mpmath.exp(-abs(mpmath.mpf(x)))
    return e / (1 + e) ** 2


def log_sigmoid(x: float) -> mpmath.mpf:
    return -mpmath.log1p(mpmath.exp(-mpmath.mpf(x)))


def logit_loss(y: float, h: float) -> mpmath.mpf:
    """−y ln σ(h) − (1 − y) ln σ(−h), exactly."""
    return -mpmath.mpf(y) * log_sigmoid(h) - (1 - mpmath.mpf(y)) * log_sigmoid(-h)


def ulp_errors(
    got: Iterable[float],
    xs: Iterable[float],
    exact: Callable[[float], mpmath.mpf],
    dtype: type = np.float64,
) -> np.ndarray:
    """|got − exact| in units of the last place of the exact value rounded to ``dtype``."""
    tiny = float(np.finfo(dtype).smallest_subnormal)
    errors = []
    for g, x in zip(got, xs, strict=True):
        e = exact(float(x))
        ulp = float(np.spacing(dtype(abs(float(e))))) or tiny
        errors.append(float(abs(mpmath.mpf(float(g)) - e)) / max(ulp, tiny))
    return np.array(errors)


def ulp_distances(
    got: Iterable[float], exact_values: Iterable[mpmath.mpf], dtype: type = np.float64
) -> np.ndarray:
    """|got − exact| in ulp of the exact value rounded to ``dtype``, for given exact values."""
    values = list(exact_values)
    return ulp_errors(got, range(len(values)), lambda i: values[int(i)], dtype)


def sigmoid_minus(y: float, h: float) -> mpmath.mpf:
    """σ(h) − y, the residual of the cross-entropy gradient, to 300 bits.

    Written as (1 − y) σ(h) − y σ(−h), equal in exact arithmetic: at 300 bits the plain
    difference would itself cancel for y = 1 and h beyond about 210.
    """
    y = mpmath.mpf(y)
    return (1 - y) * sigmoid(h) - y * sigmoid(-h)
