"""Gaze features: the pupil in the eye frame and its projection onto four directions.

Step 4 of the method (docs/method.md). Offsets are in eye widths with anatomical axes
(+x out towards the temple, +y up), so the same numbers mean the same for both eyes.
"""

from __future__ import annotations

import numpy as np

from .landmarks import to_eye_frame

# Unit vector of each direction in the eye frame, rows in DIRECTIONS order.
_DIRECTION_AXES = np.array([[0.0, 1.0], [0.0, -1.0], [-1.0, 0.0], [1.0, 0.0]])
# A span below this (e.g. f_max == f_min) turns the ramp into a step at f_min.
_TINY_SPAN = 1e-12


def pupil_offset(landmarks_left_view: np.ndarray, pupil_xy) -> np.ndarray:
    """Pupil position (2,) in the eye frame of a left-eye view: eye widths, +x out, +y up.

    A missing pupil (None or NaN) gives NaN: a closed eye hides the pupil, which is normal.
    Degenerate landmarks raise EyeGeometryError (see ``landmarks.eye_frame``).
    """
    if pupil_xy is None:
        return np.full(2, np.nan)
    pupil = np.asarray(pupil_xy, dtype=np.float64)
    if pupil.shape != (2,):
        raise ValueError(f"pupil must be an (x, y) pair, got shape {pupil.shape}")
    if not np.isfinite(pupil).all():
        return np.full(2, np.nan)
    return to_eye_frame(landmarks_left_view, pupil)


def project_directions(offset_from_centre) -> np.ndarray:
    """Components f (..., 4) of offsets (..., 2) along [up, down, in, out].

    Each component is the offset's length along that direction, or exactly 0.0 when the
    offset points the other way, so at most two components are non-zero. NaN stays NaN.
    """
    offset = np.asarray(offset_from_centre, dtype=np.float64)
    if offset.shape[-1:] != (2,):
        raise ValueError(f"offsets must have a last axis of 2, got shape {offset.shape}")
    return np.maximum(offset @ _DIRECTION_AXES.T, 0.0)


def gaze_coefficients(components, gaze_min, gaze_max) -> np.ndarray:
    """E_i = clip((f_i - f_i,min) / (f_i,max - f_i,min), 0, 1); a zero f_i gives exactly 0.

    Works on (4,) or (N, 4) components. A direction whose span is not positive acts as a
    step at f_i,min. NaN components give NaN.
    """
    f = np.asarray(components, dtype=np.float64)
    lo = np.asarray(gaze_min, dtype=np.float64)
    span = np.maximum(np.asarray(gaze_max, dtype=np.float64) - lo, _TINY_SPAN)
    coefficients = np.minimum(np.maximum((f - lo) / span, 0.0), 1.0)
    return coefficients * (f != 0.0)  # exact zeros; NaN stays NaN
