"""Simple image statistics that compare synthetic eye frames with real infrared eye crops.

The same functions measure both sides: a real crop with its labelled pupil (or iris) mask,
and a synthetic frame with masks drawn from its exact geometry. Measuring both the same way
is what makes the numbers comparable; none of them needs landmarks, which the real data lacks.
Only aggregate numbers leave this module (no image content).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .geometry import FrameGeometry, apply_affine

_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 96, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, 96, endpoint=False))], 1)
EDGE_NEAR, EDGE_FAR = 2, 7  # px from a mask edge over which the two sides are averaged


@dataclass(frozen=True)
class PupilStats:
    """Per image: pupil size, grey levels of its regions, contrasts, glint and sharpness."""

    pupil_diameter: float  # px, sqrt(major * minor) of cv2.fitEllipse of the mask contour
    pupil_major: float  # px, major axis of that ellipse
    image_p5: float  # grey levels of the whole image
    image_p50: float
    image_p95: float
    pupil_grey: float  # median inside the eroded mask, glint pixels excluded
    iris_grey: float  # median of a ring 1.3..1.7 pupil radii around the pupil
    pupil_iris_contrast: float  # iris_grey - pupil_grey
    glint_offset: float  # brightest spot near the pupil: distance from its centre / radius
    glint_diameter: float  # px, equal-area diameter of that spot (>= 80 % of its peak)
    sharpness: float  # mean gradient magnitude (grey levels / px)
    noise: float  # robust std of the Laplacian in flat regions (grey levels)


@dataclass(frozen=True)
class IrisStats:
    """Per image: iris width and the contrast where lids (or the limbus) bound the iris."""

    iris_diameter: float  # px, widest row of the iris mask with the pupil hole filled
    upper_edge_contrast: float  # grey above minus below the top edge of the visible iris
    lower_edge_contrast: float  # grey below minus above its bottom edge


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """A binary mask with its enclosed holes (the pupil in an iris mask) filled."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 255, cv2.FILLED)
    return filled


def _largest_contour(mask: np.ndarray) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return max(contours, key=cv2.contourArea) if contours else None


def measure_pupil(image: np.ndarray, pupil_mask: np.ndarray) -> PupilStats | None:
    """Statistics of one grey image and its binary pupil mask; None without a usable pupil."""
    mask = (pupil_mask > 127).astype(np.uint8) * 255
    contour = _largest_contour(mask)
    if contour is None or len(contour) < 5:
        return None
    (cx, cy), axes, _ = cv2.fitEllipse(contour)
    major, minor = max(axes), min(axes)
    radius = 0.5 * math.sqrt(major * minor)
    img = image.astype(np.float32)
    inner = cv2.erode(mask, np.ones((5, 5), np.uint8)) > 0
    pupil_px = img[inner] if inner.sum() >= 5 else img[mask > 0]
    pupil_grey = float(np.median(pupil_px[pupil_px < np.median(pupil_px) + 40.0]))
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    r = np.hypot(xs - cx, ys - cy) / max(radius, 1.0)
    ring = img[(r > 1.3) & (r < 1.7)]
    iris_grey = float(np.median(ring)) if ring.size else math.nan
    p5, p50, p95 = np.percentile(img, [5, 50, 95])
    offset, diameter = _glint(img, r)
    return PupilStats(
        pupil_diameter=2.0 * radius, pupil_major=float(major),
        image_p5=float(p5), image_p50=float(p50), image_p95=float(p95),
        pupil_grey=pupil_grey, iris_grey=iris_grey, pupil_iris_contrast=iris_grey - pupil_grey,
        glint_offset=offset, glint_diameter=diameter, sharpness=_sharpness(img),
        noise=_noise(img),
    )


def _glint(img: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    """Distance (pupil radii) and diameter (px) of the brightest spot within 3 radii."""
    near = r < 3.0
    if not near.any():
        return math.nan, math.nan
    peak = float(img[near].max())
    if peak < float(np.percentile(img, 99.0)) + 30.0:  # no spot stands out: no glint
        return math.nan, math.nan
    spot = near & (img >= peak - 20.0)
    blobs = (near & (img >= 0.8 * peak)).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(blobs)
    area = float(stats[1:, cv2.CC_STAT_AREA].max())
    return float(r[spot].mean()), 2.0 * math.sqrt(area / math.pi)


def _sharpness(img: np.ndarray) -> float:
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return float(np.mean(np.hypot(gx, gy)))


def _noise(img: np.ndarray) -> float:
    """Sensor noise estimate: MAD of the Laplacian where the smoothed image is flat."""
    lap = cv2.Laplacian(img, cv2.CV_32F, ksize=1)
    smooth = cv2.GaussianBlur(img, (0, 0), 2.0)
    grad = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    flat = lap[grad < np.percentile(grad, 30.0)]
    # The 4-neighbour Laplacian of white noise of std s has std sqrt(20) s.
    return float(1.4826 * np.median(np.abs(flat - np.median(flat))) / math.sqrt(20.0))


def measure_iris(image: np.ndarray, iris_mask: np.ndarray) -> IrisStats | None:
    """Iris width and lid-edge contrasts of one grey image and its iris mask (pupil a hole)."""
    filled = _fill_holes((iris_mask > 127).astype(np.uint8) * 255) > 0
    rows = filled.sum(axis=1)
    if rows.max(initial=0) < 5:
        return None
    cols = np.flatnonzero(filled.any(axis=0))
    centre, half = 0.5 * (cols[0] + cols[-1]), 0.3 * (cols[-1] - cols[0])
    img = image.astype(np.float32)
    upper, lower = [], []
    for col in range(math.ceil(centre - half), int(centre + half) + 1):
        ys = np.flatnonzero(filled[:, col])
        if ys.size < EDGE_FAR:
            continue
        top, bottom = ys[0], ys[-1]
        if top - EDGE_FAR >= 0:
            upper.append(img[top - EDGE_FAR : top - EDGE_NEAR, col].mean()
                         - img[top + EDGE_NEAR : top + EDGE_FAR, col].mean())
        if bottom + EDGE_FAR < img.shape[0]:
            lower.append(img[bottom + EDGE_NEAR : bottom + EDGE_FAR, col].mean()
                         - img[bottom - EDGE_FAR : bottom - EDGE_NEAR, col].mean())
    return IrisStats(
        iris_diameter=float(np.percentile(rows[rows > 0], 98.0)),
        upper_edge_contrast=float(np.median(upper)) if upper else math.nan,
        lower_edge_contrast=float(np.median(lower)) if lower else math.nan,
    )


def synthetic_masks(geo: FrameGeometry, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Pupil and iris masks (uint8 0/255) of a synthetic frame, cut by the lids as the real
    labels are: the pupil's visible part, and the visible iris with the pupil as a hole."""
    w, h = size
    opening = np.zeros((h, w), np.uint8)
    cv2.fillPoly(opening, [np.round(np.vstack([geo.upper, geo.lower[::-1]])).astype(np.int32)],
                 255)

    def disc(affine: np.ndarray) -> np.ndarray:
        out = np.zeros((h, w), np.uint8)
        cv2.fillPoly(out, [np.round(apply_affine(affine, _CIRCLE)).astype(np.int32)], 255)
        return out & opening

    pupil = disc(geo.pupil_affine)
    return pupil, disc(geo.iris_affine) & ~pupil


def intensity_histogram(image: np.ndarray) -> np.ndarray:
    """256-bin grey-level counts."""
    return np.bincount(image.ravel(), minlength=256).astype(np.float64)


def overlap(a: np.ndarray, b: np.ndarray, bins: np.ndarray) -> float:
    """Overlap (0..1) of two samples' histograms on common bins: sum of the smaller share."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if not (a.size and b.size):
        return math.nan
    ha = np.histogram(np.clip(a, bins[0], bins[-1]), bins)[0] / a.size
    hb = np.histogram(np.clip(b, bins[0], bins[-1]), bins)[0] / b.size
    return float(np.minimum(ha, hb).sum())


def coverage(real: np.ndarray, synthetic: np.ndarray, tail: float = 2.0) -> float:
    """Share of real values inside the synthetic [tail, 100 - tail] percentile range: does the
    synthetic variety cover what real images show (wider synthetic ranges are not penalised)."""
    real, synthetic = real[np.isfinite(real)], synthetic[np.isfinite(synthetic)]
    if not (real.size and synthetic.size):
        return math.nan
    lo, hi = np.percentile(synthetic, [tail, 100.0 - tail])
    return float(np.mean((real >= lo) & (real <= hi)))
