"""Any camera image -> the detector's square grey input, and back to source pixels.

Cameras deliver grey or colour, 8 or 16 bit, any size and aspect. The detector sees one
fixed square: the image is converted to one grey channel, resized so its longer side fits
(bilinear to twice the size, then 2x2 area averaging: exactly the training pipeline's
resampling, and ten times faster than one INTER_AREA step from 400 px), and centred with
replicated borders (letterbox). ``Letterbox`` keeps the affine map so results return to
source pixels exactly (pixel centres at integer coordinates, as in OpenCV).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_SIDE = 4  # px; below this there is no eye to find
ACCEPTED_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)


class UnusableImageError(ValueError):
    """An input that cannot hold an eye image: empty, tiny, wrong dtype or shape, not finite."""


@dataclass(frozen=True)
class Letterbox:
    """The affine map source px -> input px: ``x_in = x * scale_x + shift_x`` (same for y)."""

    scale_x: float
    scale_y: float
    shift_x: float
    shift_y: float
    size: int

    def to_input(self, points: np.ndarray) -> np.ndarray:
        """Source pixel coordinates (..., 2) -> input pixel coordinates."""
        pts = np.asarray(points, dtype=np.float64)
        return pts * (self.scale_x, self.scale_y) + (self.shift_x, self.shift_y)

    def to_source(self, points: np.ndarray) -> np.ndarray:
        """Input pixel coordinates (..., 2) -> source pixel coordinates."""
        pts = np.asarray(points, dtype=np.float64)
        return (pts - (self.shift_x, self.shift_y)) / (self.scale_x, self.scale_y)


def to_grey(image: np.ndarray) -> np.ndarray:
    """One grey channel in the image's own dtype; raises UnusableImageError on bad input."""
    if not isinstance(image, np.ndarray):
        raise UnusableImageError(f"expected a numpy array, got {type(image).__name__}")
    if image.dtype.type not in ACCEPTED_DTYPES:
        raise UnusableImageError(
            f"unsupported pixel type {image.dtype}; use uint8, uint16, int16 or float"
        )
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3 and image.shape[2] in (3, 4):
        if image.dtype.type in (np.int16, np.float64):
            image = image.astype(np.float32)
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(image, code)
    if image.ndim != 2:
        raise UnusableImageError(f"expected an HxW or HxWx1/3/4 image, got shape {image.shape}")
    h, w = image.shape
    if min(h, w) < MIN_SIDE:
        raise UnusableImageError(f"image of {w}x{h} px is too small (at least {MIN_SIDE} px)")
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        raise UnusableImageError("image contains NaN or infinite values")
    return image


def letterbox(grey: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
    """Resize a grey image into a size x size float32 square, aspect kept, borders replicated."""
    h, w = grey.shape
    fit = size / max(h, w)
    new_w, new_h = max(1, round(w * fit)), max(1, round(h * fit))
    if grey.dtype.type in (np.int16, np.float64):
        grey = grey.astype(np.float32)
    double = cv2.resize(grey, (2 * new_w, 2 * new_h), interpolation=cv2.INTER_LINEAR)
    small = cv2.resize(double, (new_w, new_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    left, top = (size - new_w) // 2, (size - new_h) // 2
    square = cv2.copyMakeBorder(
        small, top, size - new_h - top, left, size - new_w - left, cv2.BORDER_REPLICATE
    )
    sx, sy = new_w / w, new_h / h
    box = Letterbox(sx, sy, 0.5 * sx - 0.5 + left, 0.5 * sy - 0.5 + top, size)
    return square, box


def mirror(image: np.ndarray) -> np.ndarray:
    """The image flipped left-right (x -> W-1-x), the right eye's way into a left-eye view."""
    return np.ascontiguousarray(image[:, ::-1])
