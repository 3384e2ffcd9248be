"""The 24-point eye landmark scheme, mirroring, and the eye's own coordinate frame.

Conventions used everywhere in the package:

* Pixel coordinates follow OpenCV: the centre of the top-left pixel is (0, 0), x to the
  right, y down. Mirroring an image of width W with ``cv2.flip(img, 1)`` maps x to W-1-x.
* Every eye is described as a *left-eye view*: the wearer's left eye as its camera sees
  it, the nose on the image's left (smaller x), the temple on its right. A right eye's
  image is mirrored into this view, processed, and its points mirrored back.
* Numbering (left-eye view): 0-5 and 19-23 upper lid, 0 and 23 its two middle points,
  0..5 running from the middle towards the nasal corner 6; 7..17 the lower lid from the
  nasal to the temporal corner 18 (12 its middle); 19..23 the upper lid from the temporal
  corner back to the middle. The 24 points run once around the eye opening.
* The eye frame: origin at the midpoint of the corners, +x along nasal->temporal corner
  ("out"), +y perpendicular to it pointing up in the image ("up"), unit = the
  corner-to-corner distance (eye width). Because it uses the wearer's anatomy and the
  eye's own size, a pupil offset in this frame means the same for both eyes and does not
  change when the headset slips or the camera is closer.
"""

from __future__ import annotations

import math

import numpy as np

N_LANDMARKS = 24
UPPER_LID = (0, 1, 2, 3, 4, 5, 19, 20, 21, 22, 23)
LOWER_LID = tuple(range(7, 18))
NASAL_CORNER = 6
TEMPORAL_CORNER = 18
CORNERS = (NASAL_CORNER, TEMPORAL_CORNER)
MID_UPPER = (0, 23)
MID_LOWER = (12,)
# The closed contour of the eye opening, in drawing order.
CONTOUR = tuple(range(N_LANDMARKS))


class EyeGeometryError(ValueError):
    """Landmarks from which no eye frame can be built (NaN, coincident corners)."""


def as_points(landmarks: np.ndarray) -> np.ndarray:
    """Landmarks as a float64 (24, 2) array; raises on another shape."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (N_LANDMARKS, 2):
        raise EyeGeometryError(f"expected ({N_LANDMARKS}, 2) landmarks, got {points.shape}")
    return points


def mirror_x(points: np.ndarray, width: int) -> np.ndarray:
    """Mirror x coordinates of any (..., 2) array across an image of this width."""
    out = np.array(points, dtype=np.float64, copy=True)
    out[..., 0] = (width - 1) - out[..., 0]
    return out


def eye_frame(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Origin, 2x2 rotation (rows: out axis, up axis) and eye width of a left-eye view.

    Raises EyeGeometryError when the corners are missing or coincide. Works on plain
    floats: this runs several times per frame, where numpy's per-call overhead dominates.
    """
    points = as_points(landmarks)
    nx, ny = points[NASAL_CORNER].tolist()
    tx, ty = points[TEMPORAL_CORNER].tolist()
    if not all(math.isfinite(v) for v in (nx, ny, tx, ty)):
        raise EyeGeometryError("eye corner landmarks are not finite")
    width = math.hypot(tx - nx, ty - ny)
    if width < 1e-6:
        raise EyeGeometryError("eye corners coincide: eye width is zero")
    ox, oy = (tx - nx) / width, (ty - ny) / width
    # up axis = out axis turned a quarter towards -y (image y grows downwards)
    rotation = np.array([[ox, oy], [oy, -ox]])
    return np.array([(nx + tx) / 2.0, (ny + ty) / 2.0]), rotation, width


def to_eye_frame(landmarks: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Express image points (..., 2) of a left-eye view in the eye frame (eye widths)."""
    origin, rotation, width = eye_frame(landmarks)
    return (np.asarray(points, dtype=np.float64) - origin) @ rotation.T / width


def from_eye_frame(landmarks: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Inverse of ``to_eye_frame``: eye-frame coordinates back to image pixels."""
    origin, rotation, width = eye_frame(landmarks)
    return np.asarray(coords, dtype=np.float64) * width @ rotation + origin
