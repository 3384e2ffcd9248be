"""Eyelid distance d: how far the upper lid stands above the line through the eye corners.

Step 2 of the method (docs/method.md). The distance is divided by the
corner-to-corner distance, so d does not change when the camera moves closer or the
headset slips. It is *signed*: positive above the corner line (the eye frame's +y), so a
lid that closes slightly below that line keeps d falling instead of bouncing back up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .landmarks import MID_LOWER, MID_UPPER, N_LANDMARKS, EyeGeometryError, as_points, eye_frame

METHODS = ("corner_line", "mid_lids")


@lru_cache(maxsize=64)
def _target_index(targets: tuple[int, ...]) -> np.ndarray:
    """Targets as an index array; raises EyeGeometryError when empty or out of range."""
    index = np.asarray(targets, dtype=np.intp).ravel()
    if index.size == 0:
        raise EyeGeometryError("no target points given for the eyelid distance")
    if index.min() < 0 or index.max() >= N_LANDMARKS:
        raise EyeGeometryError(f"target indices {tuple(targets)} outside 0..{N_LANDMARKS - 1}")
    index.flags.writeable = False  # shared between calls by the cache
    return index


def _corner_line(points, origin, up_axis, targets, signed: bool) -> float:
    """Mean (signed) height of the target points above the corner line, in pixels."""
    heights = ((points[_target_index(tuple(targets))] - origin) @ up_axis).tolist()
    if not signed:
        heights = [abs(h) for h in heights]
    return math.fsum(heights) / len(heights)


def _mid_lids(points, up_axis, signed: bool) -> float:
    """(Signed) distance from the middle of the upper lid to the middle of the lower lid."""
    upper = points[list(MID_UPPER)].mean(axis=0)
    lower = points[list(MID_LOWER)].mean(axis=0)
    gap = upper - lower
    return float(gap @ up_axis) if signed else float(np.hypot(gap[0], gap[1]))


def eyelid_distance(
    landmarks: np.ndarray,
    method: str = "corner_line",
    targets: Sequence[int] = MID_UPPER,
    signed: bool = True,
) -> float:
    """Normalised eyelid distance of a left-eye view (24 landmarks, pixels).

    ``corner_line``: mean perpendicular distance of the ``targets`` (upper-lid points,
    default 0 and 23) to the line through the corners 6 and 18.
    ``mid_lids``: distance from the middle of the upper lid (mean of 0 and 23) to the
    middle of the lower lid (12).
    Both are divided by the corner-to-corner distance. With ``signed`` a point below the
    corner line (or an upper lid below the lower lid) counts negative; unsigned gives the
    plain Euclidean distance. Raises EyeGeometryError on NaN points or coincident corners.
    """
    points = as_points(landmarks)
    origin, rotation, width = eye_frame(points)
    if method == "corner_line":
        height = _corner_line(points, origin, rotation[1], targets, signed)
    elif method == "mid_lids":
        height = _mid_lids(points, rotation[1], signed)
    else:
        raise ValueError(f"unknown eyelid distance method {method!r}; use one of {METHODS}")
    if not math.isfinite(height):
        raise EyeGeometryError(f"eyelid landmarks are not finite (method {method!r})")
    return height / width
