"""The eye tracker's debug picture: landmarks, pupil, eyelid line and coefficient bars.

Drawn on the source image so a user can see at once whether the detector finds the lids
and the pupil, and how the coefficients respond. Only rendered while someone watches.
"""

from __future__ import annotations

import cv2
import numpy as np

from eye_expression_driver.core.eye_tracking import Observation
from eye_expression_driver.core.landmarks import CONTOUR, MID_UPPER, NASAL_CORNER, TEMPORAL_CORNER
from eye_expression_driver.core.names import COEFFICIENTS

BAR_ORDER = ("blink", *COEFFICIENTS[:4], "wide")  # the lids first, then the gaze
_GREEN, _RED, _CYAN, _YELLOW = (0, 220, 0), (0, 0, 255), (255, 255, 0), (0, 220, 255)


def _pt(p: np.ndarray, scale: float) -> tuple[int, int]:
    return round(float(p[0]) * scale), round(float(p[1]) * scale)


def draw_overlay(grey: np.ndarray, obs: Observation,
                 coefficients: dict[str, float] | None = None,
                 min_width: int = 320) -> np.ndarray:
    """A BGR picture of the frame with the observation (and coefficients) drawn on it.

    Small camera images are enlarged to at least min_width px so the drawing stays legible.
    """
    scale = max(1.0, min_width / max(1, grey.shape[1]))
    size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
    picture = cv2.cvtColor(cv2.resize(grey, size, interpolation=cv2.INTER_NEAREST),
                           cv2.COLOR_GRAY2BGR)
    points = np.asarray(obs.landmarks, dtype=np.float64)
    if np.isfinite(points).all():
        _draw_lids(picture, points, scale)
    if np.isfinite(obs.pupil).all():
        cv2.circle(picture, _pt(obs.pupil, scale), 4, _RED, 2, cv2.LINE_AA)
    _draw_bars(picture, coefficients or {}, obs.confidence)
    return picture


def _draw_lids(picture: np.ndarray, points: np.ndarray, scale: float) -> None:
    contour = np.array([_pt(points[i], scale) for i in CONTOUR], dtype=np.int32)
    cv2.polylines(picture, [contour], True, _GREEN, 1, cv2.LINE_AA)
    nasal, temporal = points[NASAL_CORNER], points[TEMPORAL_CORNER]
    cv2.line(picture, _pt(nasal, scale), _pt(temporal, scale), _CYAN, 1, cv2.LINE_AA)
    axis = temporal - nasal
    norm = float(np.hypot(*axis)) or 1.0
    for i in MID_UPPER:  # perpendicular from the lid point to the corner line: d
        p = points[i]
        foot = nasal + axis * float(np.dot(p - nasal, axis)) / norm**2
        cv2.line(picture, _pt(p, scale), _pt(foot, scale), _YELLOW, 1, cv2.LINE_AA)


def _draw_bars(picture: np.ndarray, coefficients: dict[str, float], confidence: float) -> None:
    rows = [(name, coefficients[name]) for name in BAR_ORDER if name in coefficients]
    rows.append(("confidence", confidence))
    width = max(40, picture.shape[1] // 4)
    for row, (name, value) in enumerate(rows):
        y = 8 + row * 14
        filled = round(width * float(np.clip(value, 0.0, 1.0)))
        cv2.rectangle(picture, (6, y), (6 + width, y + 9), (60, 60, 60), -1)
        cv2.rectangle(picture, (6, y), (6 + filled, y + 9), _YELLOW, -1)
        cv2.putText(picture, name, (10 + width, y + 9), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                    (255, 255, 255), 1, cv2.LINE_AA)
