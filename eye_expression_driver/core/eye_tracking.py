"""One eye camera frame -> one observation: crop, un-mirror, detect, map back to source px.

The detector (and the learned coefficient model) are injected callables, so this module
stays free of model runtimes and the eye tracker node stays free of logic. A camera that
sees both eyes is handled by ``crop`` (that eye's region); a camera that delivers a
mirrored picture (a hot mirror, a driver flag) by ``mirror``. Points come back in the
source image's pixels; eyelid distance and the pupil offset are invariant to both.

``EyeTracking.track`` also judges the frame: too small or uniform (no eye can be in it), a
detector that fails, a result below ``NO_EYE_CONFIDENCE`` and a crop outside the image come
back as a ``FrameIssue`` for the caller to count and log; the frame never raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .landmarks import N_LANDMARKS, mirror_x
from .names import check_eye

NO_EYE_CONFIDENCE = 0.1  # observations below this count as "no eye in the frame"
MIN_SIDE = 8  # px; a smaller frame (or crop) cannot show an eye


class CropError(ValueError):
    """The crop region lies outside the image."""

    kind = "crop_outside"


def _nan(*shape: int) -> np.ndarray:
    return np.full(shape, math.nan)


@dataclass(frozen=True)
class Observation:
    """What the eye tracker publishes for one frame (source image pixels)."""

    landmarks: np.ndarray = field(default_factory=lambda: _nan(N_LANDMARKS, 2))
    pupil: np.ndarray = field(default_factory=lambda: _nan(2))
    eye_width: float = math.nan
    eyelid_distance: float = math.nan
    pupil_offset: np.ndarray = field(default_factory=lambda: _nan(2))
    confidence: float = 0.0
    pupil_confidence: float = 0.0
    learned: np.ndarray = field(default_factory=lambda: _nan(5))  # [up, down, in, out, blink]


@dataclass(frozen=True)
class FrameIssue:
    """Something wrong with one frame: what to count (``kind``), what to log (``message``),
    and the key that limits how often it is logged (``log_key``; the kind unless given).

    A ``malformed`` frame is skipped (nothing is published); any other issue comes with an
    observation (confidence 0 when nothing could be found) that is published as usual.
    """

    kind: str
    message: str
    key: str | None = None
    malformed: bool = False

    @property
    def log_key(self) -> str:
        return self.key or self.kind


@dataclass(frozen=True)
class View:
    """Which part of the source image the detector sees, and how it is flipped."""

    crop: tuple[int, int, int, int] = (0, 0, 0, 0)  # x, y, width, height; 0 size = whole image
    mirror: bool = False

    def region(self, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the crop clipped to the image; raises CropError if empty."""
        height, width = shape[:2]
        x, y, w, h = self.crop
        if w <= 0 or h <= 0:
            return 0, 0, width, height
        x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
        if x1 - x0 < 1 or y1 - y0 < 1:
            raise CropError(f"crop {list(self.crop)} lies outside the {width}x{height} image")
        return x0, y0, x1, y1

    def apply(self, image: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """The image the detector sees, and the region it came from."""
        x0, y0, x1, y1 = self.region(image.shape)
        view = image[y0:y1, x0:x1]
        if self.mirror:
            view = view[:, ::-1]
        return np.ascontiguousarray(view), (x0, y0, x1, y1)

    def to_source(self, points: np.ndarray, region: tuple[int, int, int, int]) -> np.ndarray:
        """Points (..., 2) in the detector's view back to source image pixels."""
        x0, y0, x1, _ = region
        pts = mirror_x(points, x1 - x0) if self.mirror else np.array(points, dtype=np.float64)
        return pts + np.array([x0, y0], dtype=np.float64)


Detect = Callable[[np.ndarray, str], Any]  # (grey image, eye) -> features (EyeFeatures-like)
# (grey image, eye) -> (5 coefficients, confidence, pupil offset (2,), eyelid distance,
# pupil visible), as vision.coefficient_model.LearnedEstimate
Predict = Callable[[np.ndarray, str], tuple[Any, float, Any, float, float]]


def learned_pupil_confidence(confidence, visible):
    """The learned path's pupil confidence: the pupil counts as far as both the eye is
    present and the pupil is visible (floats or arrays)."""
    return np.clip(confidence, 0.0, 1.0) * np.clip(visible, 0.0, 1.0)


def learned_values(estimate: tuple[Any, float, Any, float, float]) -> dict[str, Any]:
    """Observation fields of a learned estimate."""
    coefficients, confidence, offset, distance, visible = estimate
    coefficients = np.asarray(coefficients, dtype=np.float64).reshape(5)
    return {"learned": coefficients, "confidence": float(np.clip(confidence, 0.0, 1.0)),
            "pupil_confidence": float(learned_pupil_confidence(confidence, visible)),
            "pupil_offset": np.asarray(offset, dtype=np.float64).reshape(2),
            "eyelid_distance": float(distance)}


class EyeTracking:
    """Per-frame processing of one eye: view, detector and/or learned model, mapping back."""

    def __init__(self, eye: str, detect: Detect | None, predict: Predict | None = None,
                 view: View | None = None) -> None:
        check_eye(eye)
        if detect is None and predict is None:
            raise ValueError("need a detector, a learned model, or both")
        self.eye, self.detect, self.predict = eye, detect, predict
        self.view = view or View()

    def track(self, grey: np.ndarray) -> tuple[Observation | None, FrameIssue | None]:
        """One decoded grey frame -> (observation, issue); never raises for a bad frame.

        Too small, uniform, detector failed: an empty observation (confidence 0) and the
        issue. Found, but below NO_EYE_CONFIDENCE: the observation and a "no eye" issue.
        Crop outside the image: no observation and a malformed issue (skip the frame).
        """
        height, width = grey.shape[:2]
        if min(height, width) < MIN_SIDE:
            return Observation(), FrameIssue(
                "too small", f"{width}x{height} frame is too small for an eye "
                f"(at least {MIN_SIDE} px a side)")
        low, high = int(grey.min()), int(grey.max())
        if low == high:
            return Observation(), FrameIssue(
                "uniform", f"uniform frame (every pixel {low}): no eye", key=f"uniform {low}")
        try:
            obs = self.process(grey)
        except CropError as exc:
            return None, FrameIssue(exc.kind, str(exc), malformed=True)
        except Exception as exc:  # the detector must never take the caller down
            return Observation(), FrameIssue(
                "detector error", f"detector failed on a {width}x{height} frame: "
                f"{type(exc).__name__}: {exc}")
        if obs.confidence < NO_EYE_CONFIDENCE:
            return obs, FrameIssue("no eye", f"no eye found (confidence {obs.confidence:.2f})")
        return obs, None

    def process(self, grey: np.ndarray) -> Observation:
        """One frame; detector exceptions propagate (the caller counts and logs them)."""
        image, region = self.view.apply(grey)
        values: dict[str, Any] = {}
        if self.detect is not None:
            values.update(self._features(image, region))
        if self.predict is not None:  # the detector's features win when both run
            values = {**learned_values(self.predict(image, self.eye)), **values}
        return Observation(**values)

    def _features(self, image: np.ndarray, region) -> dict[str, Any]:
        f = self.detect(image, self.eye)
        return {
            "landmarks": self.view.to_source(np.asarray(f.landmarks).reshape(N_LANDMARKS, 2),
                                             region),
            "pupil": self.view.to_source(np.asarray(f.pupil).reshape(2), region),
            "eye_width": float(f.eye_width),
            "eyelid_distance": float(f.eyelid_distance),
            "pupil_offset": np.asarray(f.pupil_offset, dtype=np.float64).reshape(2),
            "confidence": float(np.clip(f.confidence, 0.0, 1.0)),
            "pupil_confidence": float(np.clip(f.pupil_confidence, 0.0, 1.0)),
        }
