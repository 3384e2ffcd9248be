"""Augmentation that turns clean synthetic eyes into the detector's varied training inputs.

Real infrared eye cameras differ from our renderer in framing (eyes larger than the frame,
corners cut off, letterboxed or rotated crops), in optics (defocus, noise, low contrast,
compression) and in clutter (several glints, lashes, frames of glasses). Each function here
imitates one of those; ``augment_view`` chains them with random strengths. Geometry is
done at twice the input size and then area-averaged, the way the run-time letterbox
shrinks camera images, so small pupils look the same in training and in use.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class View:
    """One augmented training input and its targets, in input pixels (left-eye view)."""

    image: np.ndarray  # (S, S) float32, arbitrary intensity scale
    landmarks: np.ndarray  # (24, 2) input px
    pupil: np.ndarray  # (2,) input px
    pupil_radius: float  # input px
    eye_present: float  # 0..1 target
    pupil_visible: float  # 0..1 target


ZOOM_RANGE = (0.3, 1.8)  # eye width / input width after augmentation


def random_affine(
    rng: np.random.Generator, centre: np.ndarray, eye_width: float, out_size: int,
    source_frac: float = 0.7,
) -> np.ndarray:
    """A 2x3 source->output map: random zoom, rotation, aspect and shift around the eye.

    The zoom varies the source's own framing (``source_frac``: eye width / source width),
    so the renderer's mixture of headset framings (close-ups that overflow the image,
    wider views) is kept and blurred by +-35 %, half of the time; the other half draws
    any framing in ``ZOOM_RANGE``.
    """
    if rng.random() < 0.5:
        width_frac = np.clip(source_frac * np.exp(rng.normal(0.0, 0.35)), *ZOOM_RANGE)
    else:  # any framing, small eyes in large views (face crops, wide cameras) included
        width_frac = np.exp(rng.uniform(*np.log(ZOOM_RANGE)))
    scale = width_frac * out_size / max(eye_width, 1e-3)
    angle = np.radians(rng.normal(0.0, 10.0))
    aspect = np.exp(rng.normal(0.0, 0.06))
    linear = scale * np.array(
        [[np.cos(angle) * aspect, -np.sin(angle)], [np.sin(angle) * aspect, np.cos(angle)]]
    )
    shift = rng.normal(0.0, 0.12, 2) * out_size
    target = np.array([(out_size - 1) / 2.0, (out_size - 1) / 2.0]) + shift
    return np.hstack([linear, (target - linear @ centre)[:, None]])


def warp_area(
    image: np.ndarray, affine: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Warp (``affine``: source -> output px) at twice the size, then area-halve."""
    border = cv2.BORDER_REPLICATE if rng.random() < 0.7 else cv2.BORDER_CONSTANT
    value = float(rng.uniform(0, 255))
    double = np.diag([2.0, 2.0]) @ affine
    double = np.hstack([double[:, :2], (2.0 * affine[:, 2] + 0.5)[:, None]])
    big = cv2.warpAffine(image, double, (2 * size, 2 * size), flags=cv2.INTER_LINEAR,
                         borderMode=border, borderValue=value)
    return cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)


def brighten_sclera(
    image: np.ndarray, landmarks: np.ndarray, pupil: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Scale the visible sclera (between the lids, outside the iris) by a random gain.

    In near-infrared the sclera is about as grey as skin; visible-light and some IR
    cameras see it much brighter than the iris and skin. The iris radius is taken as the
    typical 0.21 eye widths (12 mm iris / 29 mm eye).
    """
    s = 16.0
    width = float(np.linalg.norm(landmarks[18] - landmarks[6]))
    mask = np.zeros(image.shape, np.float32)
    cv2.fillPoly(mask, [np.round(landmarks * s).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
    cv2.circle(mask, tuple(int(v) for v in np.round(pupil * s)), int(0.21 * width * s), 0.0,
               -1, cv2.LINE_AA, 4)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.5 + 0.01 * width)
    return image * (1.0 + (rng.uniform(1.2, 2.5) - 1.0) * mask)


def add_brow(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> None:
    """Darken a blurred arc above the eye (in place): the brow of wider views and face crops.

    The renderer draws no brows; without them a closed eye under a brow reads as open,
    the brow taken for the upper lid.
    """
    nasal, temporal = landmarks[6], landmarks[18]
    width = max(float(np.linalg.norm(temporal - nasal)), 1.0)
    axis = (temporal - nasal) / width
    up = np.array([axis[1], -axis[0]])  # towards the top of the image
    centre = (nasal + temporal) / 2 + up * width * rng.uniform(0.3, 0.7) \
        + axis * width * rng.uniform(-0.1, 0.2)
    mask = np.zeros(image.shape, np.float32)
    s = 16.0
    cv2.ellipse(mask, tuple(int(v) for v in np.round(centre * s)),
                (int(width * rng.uniform(0.5, 0.75) * s), int(width * rng.uniform(0.05, 0.2) * s)),
                float(np.degrees(np.arctan2(axis[1], axis[0]))), 180, 360, 1.0,
                max(1, int(width * rng.uniform(0.05, 0.14))), cv2.LINE_AA, 4)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.5 + 0.03 * width)
    image *= 1.0 - rng.uniform(0.3, 0.75) * mask


def letterbox_band(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace a top/bottom or left/right band by replicated edges, as a letterbox does."""
    size = image.shape[0]
    keep = int(size * rng.uniform(0.45, 0.95))
    start = (size - keep) // 2
    if rng.random() < 0.5:
        inner = image[start:start + keep]
        return cv2.copyMakeBorder(inner, start, size - keep - start, 0, 0, cv2.BORDER_REPLICATE)
    inner = image[:, start:start + keep]
    return cv2.copyMakeBorder(inner, 0, 0, start, size - keep - start, cv2.BORDER_REPLICATE)


def add_glints(image: np.ndarray, rng: np.random.Generator, near: np.ndarray) -> None:
    """Draw 1-4 small saturated spots, mostly near the pupil (corneal reflections)."""
    size = image.shape[0]
    peak = float(image.max()) * rng.uniform(1.0, 1.6) + 1.0
    for _ in range(int(rng.integers(1, 5))):
        spot = near + rng.normal(0.0, 0.08 * size, 2) if rng.random() < 0.7 else \
            rng.uniform(0, size, 2)
        radius = rng.uniform(0.6, 0.04 * size)
        cv2.circle(image, (int(spot[0] * 16), int(spot[1] * 16)), int(radius * 16), peak,
                   -1, cv2.LINE_AA, 4)


def add_occluders(image: np.ndarray, rng: np.random.Generator) -> None:
    """Lash-like dark strokes and a grey blob or bar (glasses frame, hair, headset edge)."""
    size = image.shape[0]
    lo, hi = float(image.min()), float(image.max())
    for _ in range(int(rng.integers(0, 12))):
        p = rng.uniform(0, size, 2)
        d = rng.normal(0.0, 0.12 * size, 2)
        cv2.line(image, tuple(int(v) for v in p), tuple(int(v) for v in p + d),
                 lo + rng.uniform(0.0, 0.3) * (hi - lo), 1, cv2.LINE_AA)
    if rng.random() < 0.4:
        centre = tuple(int(v) for v in rng.uniform(-0.1, 1.1, 2) * size)
        axes = tuple(int(v) for v in rng.uniform(0.05, 0.35, 2) * size)
        cv2.ellipse(image, centre, axes, rng.uniform(0, 180), 0, 360,
                    lo + rng.uniform(0, 1.2) * (hi - lo), -1, cv2.LINE_AA)


def photometric(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gamma, illumination gradient, defocus, resolution loss, noise and compression."""
    size = image.shape[0]
    img = np.clip(image / max(float(image.max()), 1e-3), 0.0, None)
    img = img ** np.exp(rng.normal(0.0, 0.35))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    g = rng.normal(0.0, 0.35, 2)
    img = img * np.clip(1.0 + g[0] * xx + g[1] * yy, 0.2, None)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.6))
    if rng.random() < 0.25:  # low-resolution cameras and upsampled patches
        low = int(rng.integers(14, 41))
        img = cv2.resize(cv2.resize(img, (low, low), interpolation=cv2.INTER_AREA),
                         (size, size), interpolation=cv2.INTER_CUBIC)
    img = img + rng.normal(0.0, rng.uniform(0.0, 0.05), img.shape).astype(np.float32)
    img = img * rng.uniform(0.3, 1.0) + rng.uniform(0.0, 0.2)
    if rng.random() < 0.15:
        q = np.clip(img * 255.0, 0, 255).astype(np.uint8)
        _, buf = cv2.imencode(".jpg", q, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
    return img.astype(np.float32)


def fraction_inside(points: np.ndarray, size: int) -> float:
    """Share of the points that land inside the size x size input."""
    inside = (points >= -0.5) & (points <= size - 0.5)
    return float(np.mean(inside.all(axis=-1)))


def eye_present(landmarks: np.ndarray, size: int) -> float:
    """Target of the eye-present score: 1 while the eye's middle is in view (close-ups that
    cut the corners off included), else the share of its landmarks still in view."""
    if fraction_inside(landmarks.mean(axis=0, keepdims=True), size) == 1.0:
        return 1.0
    return fraction_inside(landmarks, size)


def augment_view(
    source: np.ndarray,
    landmarks: np.ndarray,
    pupil: np.ndarray,
    pupil_radius: float,
    pupil_visible: float,
    size: int,
    rng: np.random.Generator,
) -> View:
    """One random training input from a rendered left-eye view (source px truth)."""
    corners = landmarks[[6, 18]]
    width = float(np.linalg.norm(corners[1] - corners[0]))
    affine = random_affine(rng, corners.mean(axis=0), width, size, width / source.shape[1])
    source = source.astype(np.float32)
    if rng.random() < 0.35:
        source = brighten_sclera(source, landmarks, pupil, rng)
    if rng.random() < 0.3:
        add_brow(source, landmarks, rng)
    image = warp_area(source, affine, size, rng)
    points = np.vstack([landmarks, pupil[None]]) @ affine[:, :2].T + affine[:, 2]
    if rng.random() < 0.2:
        image = letterbox_band(image, rng)
    if rng.random() < 0.6:
        add_glints(image, rng, points[-1])
    if rng.random() < 0.5:
        add_occluders(image, rng)
    image = photometric(image, rng)
    scale = float(np.sqrt(abs(np.linalg.det(affine[:, :2]))))
    present = eye_present(points[:24], size)
    visible = pupil_visible * fraction_inside(points[24:], size)
    return View(image, points[:24], points[24], pupil_radius * scale, present, visible)


def negative_view(source: np.ndarray, size: int, rng: np.random.Generator) -> View:
    """An input without an eye: a smooth random texture or a stretch of skin far from it."""
    if rng.random() < 0.5:
        low = int(rng.integers(2, 12))
        field = rng.uniform(0, 1, (low, low)).astype(np.float32)
        image = cv2.resize(field, (size, size), interpolation=cv2.INTER_CUBIC)
    else:
        h, w = source.shape
        side = rng.uniform(0.08, 0.2) * w
        x, y = rng.choice([rng.uniform(0, 0.1), rng.uniform(0.9, 1.0)]) * (w - side), \
            rng.uniform(0, h - side)
        crop = source[int(y):int(y + side) + 1, int(x):int(x + side) + 1].astype(np.float32)
        image = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        add_occluders(image, rng)
    image = photometric(image, rng)
    zeros = np.zeros((24, 2))
    return View(image, zeros, np.zeros(2), 0.0, 0.0, 0.0)
