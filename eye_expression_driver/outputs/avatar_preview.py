"""A simple 2D avatar face drawn from ARKit blendshape weights, for previews and reports.

Not an avatar renderer: it exists so that a person (or a test) can see at a glance what the
`FaceExpression` stream says: lids that close with ``eyeBlink*``, irises that follow
``eyeLook*``, wider lids with ``eyeWide*``, raised lower lids with ``eyeSquint*``, brows and a
mouth (``jawOpen``, ``mouthSmile*``) when those weights are present.

Convention: the avatar faces the viewer, like a person opposite (not a mirror). The
wearer's LEFT eye is therefore drawn on the image's RIGHT half, and "in" (towards the nose)
points towards the image centre for both eyes. Missing names count as 0 (neutral).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

SIDES = ("Left", "Right")  # the wearer's sides, as in ARKit names

# Colours (BGR).
BACKGROUND = (40, 34, 30)
SKIN = (150, 185, 225)
SKIN_EDGE = (90, 120, 160)
SCLERA = (245, 245, 245)
IRIS = (150, 110, 60)
PUPIL = (20, 20, 20)
LID_LINE = (40, 50, 70)
BROW = (50, 60, 80)
MOUTH = (60, 60, 150)

# Layout in fractions of the image side.
EYE_Y = 0.44
EYE_DX = 0.17  # eye centre distance from the vertical midline
EYE_HALF_WIDTH = 0.10
EYE_UPPER = 0.060  # relaxed open upper-lid height above the centre line
EYE_LOWER = 0.030  # lower-lid depth below the centre line
IRIS_R = 0.042
PUPIL_R = 0.017
GAZE_DX = 0.055  # iris travel at a full eyeLookIn/Out
GAZE_DY = 0.030  # iris travel at a full eyeLookUp/Down
WIDE_GAIN = 0.45  # extra aperture at eyeWide = 1
SQUINT_GAIN = 0.8  # lower-lid rise at eyeSquint = 1 (fraction of EYE_LOWER + some)
CURVE_POINTS = 24
SHIFT = 4  # cv2 sub-pixel bits
_ONE = 1 << SHIFT


@dataclass(frozen=True)
class EyeBox:
    """Pixel box (x0, y0, x1, y1) around one drawn eye, lids and brow excluded."""

    x0: int
    y0: int
    x1: int
    y1: int


def weight(weights: Mapping[str, float], name: str) -> float:
    """A weight clipped to 0..1; missing or NaN counts as neutral (0)."""
    value = float(weights.get(name, 0.0))
    return 0.0 if not np.isfinite(value) else min(max(value, 0.0), 1.0)


def eye_centre(side: str, size: int) -> tuple[float, float]:
    """Image position of the wearer's `side` eye: the left eye is on the image's right."""
    direction = 1.0 if side == "Left" else -1.0
    return (0.5 + direction * EYE_DX) * size, EYE_Y * size


def eye_box(side: str, size: int) -> EyeBox:
    """The region a change of that eye's lids or gaze can touch."""
    cx, cy = eye_centre(side, size)
    half_w = (EYE_HALF_WIDTH + 0.02) * size  # lid lines are thick and anti-aliased
    top = (EYE_UPPER * (1 + WIDE_GAIN) + 0.01) * size
    bottom = (EYE_LOWER + 0.02) * size
    return EyeBox(int(cx - half_w), int(cy - top), int(np.ceil(cx + half_w)),
                  int(np.ceil(cy + bottom)))


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(points * _ONE).astype(np.int32)


def _lid_curves(side: str, weights: Mapping[str, float], size: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower lid polylines (CURVE_POINTS, 2) px, from one corner to the other.

    The upper lid falls onto the lower lid as the blink weight rises, so a closed eye is
    one line; a squint lifts the lower lid.
    """
    cx, cy = eye_centre(side, size)
    u = np.linspace(-1.0, 1.0, CURVE_POINTS)
    bulge = 1.0 - u**2
    squint = weight(weights, f"eyeSquint{side}")
    lower_depth = EYE_LOWER * (1.0 - SQUINT_GAIN * squint) * size
    openness = (1.0 - weight(weights, f"eyeBlink{side}")) * (
        1.0 + WIDE_GAIN * weight(weights, f"eyeWide{side}"))
    aperture = (EYE_UPPER + EYE_LOWER * (1.0 - SQUINT_GAIN * squint)) * size * openness
    x = cx + u * EYE_HALF_WIDTH * size
    lower = np.stack([x, cy + lower_depth * bulge], 1)
    upper = np.stack([x, cy + (lower_depth - aperture) * bulge], 1)
    return upper, lower


def iris_offset(side: str, weights: Mapping[str, float], size: int) -> tuple[float, float]:
    """Iris displacement in image px: out (temple) is away from the midline, up is -y."""
    outward = weight(weights, f"eyeLookOut{side}") - weight(weights, f"eyeLookIn{side}")
    upward = weight(weights, f"eyeLookUp{side}") - weight(weights, f"eyeLookDown{side}")
    away_from_midline = 1.0 if side == "Left" else -1.0
    return away_from_midline * outward * GAZE_DX * size, -upward * GAZE_DY * size


def _draw_eye(image: np.ndarray, side: str, weights: Mapping[str, float]) -> None:
    size = image.shape[0]
    upper, lower = _lid_curves(side, weights, size)
    box = eye_box(side, size)
    origin = np.array([box.x0, box.y0], float)
    region = image[box.y0:box.y1, box.x0:box.x1]  # a view: drawing into it draws the face
    mask = np.zeros(region.shape[:2], np.uint8)
    opening = np.concatenate([upper, lower[::-1]]) - origin
    cv2.fillPoly(mask, [_fixed(opening)], 255, cv2.LINE_AA, SHIFT)
    eye = np.empty_like(region)
    eye[:] = SCLERA
    cx, cy = eye_centre(side, size)
    dx, dy = iris_offset(side, weights, size)
    centre = tuple(_fixed(np.array([cx + dx, cy + dy]) - origin))
    cv2.circle(eye, centre, int(IRIS_R * size * _ONE), IRIS, -1, cv2.LINE_AA, SHIFT)
    cv2.circle(eye, centre, int(PUPIL_R * size * _ONE), PUPIL, -1, cv2.LINE_AA, SHIFT)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    region[:] = (region * (1.0 - alpha) + eye * alpha).astype(np.uint8)
    thick = max(1, size // 110)
    cv2.polylines(image, [_fixed(upper)], False, LID_LINE, 2 * thick, cv2.LINE_AA, SHIFT)
    cv2.polylines(image, [_fixed(lower)], False, LID_LINE, thick, cv2.LINE_AA, SHIFT)


def _draw_brow(image: np.ndarray, side: str, weights: Mapping[str, float]) -> None:
    """A brow that rises with eyeWide/browInnerUp/browOuterUp and falls with browDown."""
    size = image.shape[0]
    cx, cy = eye_centre(side, size)
    inner_up = weight(weights, "browInnerUp")
    outer_up = weight(weights, f"browOuterUp{side}")
    down = max(weight(weights, f"browDown{side}"), 0.5 * weight(weights, f"eyeSquint{side}"))
    lift = 0.5 * weight(weights, f"eyeWide{side}") - down
    base = cy - 0.115 * size - 0.03 * size * lift
    away = 1.0 if side == "Left" else -1.0
    u = np.linspace(-1.0, 1.0, 12)  # -1 inner end .. +1 outer end
    x = cx + away * u * 0.11 * size
    y = base - 0.012 * size * (1 - u**2) - 0.03 * size * (
        inner_up * (1 - u) / 2 + outer_up * (1 + u) / 2)
    points = np.stack([x, y], 1)
    cv2.polylines(image, [_fixed(points)], False, BROW, max(2, size // 55), cv2.LINE_AA, SHIFT)


def _draw_mouth(image: np.ndarray, weights: Mapping[str, float]) -> None:
    """Lips as a closed curve; jawOpen parts them, mouthSmile* lifts the corners."""
    size = image.shape[0]
    cx, cy = 0.5 * size, 0.76 * size
    half = 0.13 * size
    u = np.linspace(-1.0, 1.0, 20)  # -1 image left (wearer's right) .. +1 image right
    smile_right, smile_left = (weight(weights, f"mouthSmile{s}") for s in ("Right", "Left"))
    corner_lift = 0.04 * size * np.where(u < 0, smile_right, smile_left) * np.abs(u) ** 2
    gap = 0.09 * size * weight(weights, "jawOpen")
    upper = np.stack([cx + u * half, cy - corner_lift - 0.01 * size * (1 - u**2)], 1)
    lower = np.stack([cx + u * half, cy - corner_lift + (gap + 0.012 * size) * (1 - u**2)], 1)
    outline = np.concatenate([upper, lower[::-1]])
    cv2.fillPoly(image, [_fixed(outline)], MOUTH, cv2.LINE_AA, SHIFT)


def render_avatar(weights: Mapping[str, float], size: int = 256) -> np.ndarray:
    """The avatar face for one set of ARKit weights: a (size, size, 3) BGR uint8 image."""
    if size < 32:
        raise ValueError(f"size must be at least 32 px, got {size}")
    image = np.empty((size, size, 3), np.uint8)
    image[:] = BACKGROUND
    centre = _fixed(np.array([0.5 * size, 0.52 * size]))
    axes = _fixed(np.array([0.36 * size, 0.45 * size]))
    cv2.ellipse(image, tuple(centre), tuple(axes), 0, 0, 360, SKIN, -1, cv2.LINE_AA, SHIFT)
    cv2.ellipse(image, tuple(centre), tuple(axes), 0, 0, 360, SKIN_EDGE, max(1, size // 128),
                cv2.LINE_AA, SHIFT)
    nose = _fixed(np.array([[0.5, 0.50], [0.48, 0.60], [0.52, 0.61]]) * size)
    cv2.polylines(image, [nose], False, SKIN_EDGE, max(1, size // 128), cv2.LINE_AA, SHIFT)
    for side in SIDES:
        _draw_eye(image, side, weights)
        _draw_brow(image, side, weights)
    _draw_mouth(image, weights)
    return image


def weights_from_lists(names: list[str], values: list[float]) -> dict[str, float]:
    """Parallel names/weights arrays (as in FaceExpression) to a dict; extra items ignored."""
    return {str(n): float(v) for n, v in zip(names, values, strict=False)}
