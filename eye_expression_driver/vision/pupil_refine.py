"""Sub-pixel pupil centre: the dark blob around the network's estimate, at source resolution.

The network sees a 64 px square, so its pupil centre is good to about a pixel of that
square: several source pixels on a 200-640 px camera. Infrared pupils are the darkest
compact region of the eye, so a local threshold between the pupil's and the iris's grey
levels, taken in a window the predicted radius sizes, recovers the pupil's outline at the
camera's resolution. Glints (bright, small) are removed by a grey opening first, and the
convex hull fills the bites that glints and lashes leave in the outline. Any implausible
result (no contrast, wrong size, far from the estimate) returns None and the caller
keeps the network's estimate.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_RADIUS = 10.0  # px: patches are shrunk so the pupil radius is about this
WINDOW = 2.2  # window half-size in pupil radii
MIN_CONTRAST = 0.04  # (ring - pupil) / ring grey level below this: no usable edge
THRESHOLD = 0.35  # fraction of the way from the pupil's grey level to the iris's
# The annulus just outside the pupil, whose median is the iris's grey level: the threshold
# must split pupil from iris, and a wider ring reaching sclera or skin lets a dark iris leak
# into the blob (seen on real infrared eyes whose iris is nearly as dark as the pupil).
RING = (1.2, 1.8)  # radii, in predicted pupil radii
MAX_AREA = 2.0  # largest credible blob area, in predicted pupil discs
# The network's centre is good to a small fraction of the radius (about 0.07 r median on
# held-out renders); a blob centred further away is something else (iris, lashes).
MAX_SHIFT = 0.3  # largest credible move from the estimate, in predicted pupil radii


def _window(shape: tuple[int, int], centre: np.ndarray, half: float) -> tuple[int, ...]:
    """Integer window (x0, y0, x1, y1) around centre, clipped to the image."""
    h, w = shape
    x0, y0 = max(0, int(centre[0] - half)), max(0, int(centre[1] - half))
    x1, y1 = min(w, int(centre[0] + half) + 2), min(h, int(centre[1] + half) + 2)
    return x0, y0, x1, y1


def _quantile(values: np.ndarray, q: float) -> float:
    """A quantile by partial sort: a fraction of np.percentile's overhead on small arrays."""
    k = int(q * (values.size - 1))
    return float(np.partition(values, k)[k])


def _nearest_on(mask: np.ndarray, d2: np.ndarray, c: np.ndarray) -> tuple[int, int] | None:
    """The mask pixel nearest to c (usually c itself: the estimate lies in the pupil)."""
    row, col = int(np.rint(c[1])), int(np.rint(c[0]))
    if 0 <= row < mask.shape[0] and 0 <= col < mask.shape[1] and mask[row, col]:
        return row, col
    candidates = np.where(mask > 0, d2, np.float32(np.inf))
    index = np.unravel_index(int(np.argmin(candidates)), candidates.shape)
    return None if not np.isfinite(candidates[index]) else (int(index[0]), int(index[1]))


def _dark_blob(patch: np.ndarray, c: np.ndarray, r: float) -> np.ndarray | None:
    """Convex outline (contour points) of the dark blob nearest to c in a work patch."""
    k = max(3, int(r * 0.6) | 1)
    clean = cv2.morphologyEx(patch, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    clean = cv2.GaussianBlur(clean, (0, 0), max(0.7, r / 10.0))
    h, w = clean.shape
    dx = np.arange(w, dtype=np.float32) - np.float32(c[0])
    dy = np.arange(h, dtype=np.float32)[:, None] - np.float32(c[1])
    d2 = dx * dx + dy * dy
    inner = clean[d2 <= r * r]
    ring = clean[(d2 >= (RING[0] * r) ** 2) & (d2 <= (RING[1] * r) ** 2)]
    if inner.size < 4 or ring.size < 4:
        return None
    dark, bright = _quantile(inner, 0.05), _quantile(ring, 0.5)
    if bright - dark < MIN_CONTRAST * max(abs(bright), 1e-6):
        return None
    mask = (clean < dark + THRESHOLD * (bright - dark)).astype(np.uint8)
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    if count < 2:
        return None
    nearest = _nearest_on(mask, d2, c)
    if nearest is None or d2[nearest] > r * r:
        return None
    blob = (labels == labels[nearest]).astype(np.uint8)
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return cv2.convexHull(max(contours, key=cv2.contourArea))


def refine_pupil(grey: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray | None:
    """Refined pupil centre (x, y) in the image's pixels, or None when it is not credible."""
    centre = np.asarray(centre, dtype=np.float64)
    if not (np.all(np.isfinite(centre)) and np.isfinite(radius)) or radius < 1.0:
        return None
    x0, y0, x1, y1 = _window(grey.shape, centre, WINDOW * radius + 2.0)
    if x1 - x0 < 5 or y1 - y0 < 5:
        return None
    patch = grey[y0:y1, x0:x1].astype(np.float32)
    f = min(1.0, WORK_RADIUS / radius)
    if f < 1.0:
        patch = cv2.resize(patch, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    c = (centre - (x0, y0) + 0.5) * f - 0.5
    hull = _dark_blob(patch, c, radius * f)
    if hull is None:
        return None
    m = cv2.moments(hull)
    area = m["m00"]
    if not 0.2 * np.pi * (radius * f) ** 2 <= area <= MAX_AREA * np.pi * (radius * f) ** 2:
        return None
    found = (np.array([m["m10"], m["m01"]]) / area + 0.5) / f - 0.5 + (x0, y0)
    return found if np.hypot(*(found - centre)) <= MAX_SHIFT * radius else None
