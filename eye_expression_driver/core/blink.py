"""Blink coefficient P and the "wide" signal from the eyelid distance d.

Step 3 of the method (docs/method.md):
    r = (d - d_min) / (d_max - d_min),   P1 = 1 - r,
    P = clip(P1, 0, 1) for P1 <= T,  else clip(g(P1), 0, 1).
The constraint function g (documented and plotted in docs/method.md) is

    g(P1) = T + (1 - T) * (1 - exp(-k * (P1 - T) / (1 - T)))   for P1 > T,

the identity below T. It is continuous at T, strictly increasing, saturates at 1 and
reaches 1 - (1 - T) * exp(-k) at P1 = 1 (0.9908 for T = 0.5, k = 4). Its purpose: d_min
is a low percentile, so a real blink often stops short of P1 = 1; g pushes a mostly closed
lid the rest of the way while an open or half-open eye stays linear in d.

Functions take floats (fast path for the per-frame pipeline) or numpy arrays (labelling).
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_THRESHOLD = 0.5
DEFAULT_SHARPNESS = 4.0
# The method asks g to reach at least this at P1 = 1.
MIN_G_AT_ONE = 0.98
# r at which eyeWide reaches 1 by default: the lid 50 % of the blink span above relaxed.
DEFAULT_WIDE_FULL_RATIO = 1.5


def required_sharpness(threshold: float = DEFAULT_THRESHOLD) -> float:
    """Smallest k for which g(1) >= MIN_G_AT_ONE at this threshold."""
    return math.log((1.0 - threshold) / (1.0 - MIN_G_AT_ONE))


def check_constraint(threshold: float, sharpness: float) -> None:
    """Raise ValueError unless (T, k) give a g that meets the method's requirements."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"blink threshold T must be in (0, 1), got {threshold}")
    if not sharpness >= required_sharpness(threshold):
        raise ValueError(
            f"blink sharpness k={sharpness} gives g(1) < {MIN_G_AT_ONE} at T={threshold}; "
            f"need k >= {required_sharpness(threshold):.3f}"
        )


def _is_scalar(x) -> bool:
    return isinstance(x, (float, int))


def constraint_g(p1, threshold: float = DEFAULT_THRESHOLD, sharpness: float = DEFAULT_SHARPNESS):
    """g(P1): identity up to T, then rising with slope k and saturating towards 1."""
    span = 1.0 - threshold
    if _is_scalar(p1):
        if not p1 > threshold:  # also passes NaN through unchanged
            return float(p1)
        return threshold + span * -math.expm1(-sharpness * (p1 - threshold) / span)
    p = np.asarray(p1, dtype=np.float64)
    excess = np.maximum(p - threshold, 0.0)
    return np.where(p > threshold, threshold + span * -np.expm1(-sharpness * excess / span), p)


def _clip01(x):
    if _is_scalar(x):
        return x if x != x else min(max(x, 0.0), 1.0)  # x != x: NaN stays NaN
    return np.clip(x, 0.0, 1.0)


def openness_ratio(d, d_min: float, d_max: float):
    """r = (d - d_min) / (d_max - d_min): 0 at d_min, 1 at d_max (relaxed open)."""
    if not d_max > d_min:
        raise ValueError(f"eyelid thresholds need d_max > d_min, got {d_min}, {d_max}")
    if _is_scalar(d):
        return (d - d_min) / (d_max - d_min)
    return (np.asarray(d, dtype=np.float64) - d_min) / (d_max - d_min)


def blink_coefficient(
    d,
    d_min: float,
    d_max: float,
    threshold: float = DEFAULT_THRESHOLD,
    sharpness: float = DEFAULT_SHARPNESS,
):
    """P in [0, 1]: 0 relaxed open (d >= d_max), 1 closed. NaN d gives NaN."""
    p1 = 1.0 - openness_ratio(d, d_min, d_max)
    return _clip01(constraint_g(p1, threshold, sharpness))


def wide_coefficient(d, d_min: float, d_max: float, full_ratio: float = DEFAULT_WIDE_FULL_RATIO):
    """eyeWide in [0, 1] from r > 1: 0 at the relaxed opening, 1 at r = full_ratio."""
    if not full_ratio > 1.0:
        raise ValueError(f"wide full_ratio must be > 1, got {full_ratio}")
    return _clip01((openness_ratio(d, d_min, d_max) - 1.0) / (full_ratio - 1.0))


def calibration_free_blink(
    d,
    nominal_open: float,
    threshold: float = DEFAULT_THRESHOLD,
    sharpness: float = DEFAULT_SHARPNESS,
):
    """P without statistics: P1 = 1 - d / nominal_open (closed at d = 0), then g as usual.

    Used while the calibration warms up, or while its window holds no blink to set d_min.
    """
    if not nominal_open > 0.0:
        raise ValueError(f"nominal open distance must be > 0, got {nominal_open}")
    return blink_coefficient(d, 0.0, nominal_open, threshold, sharpness)
