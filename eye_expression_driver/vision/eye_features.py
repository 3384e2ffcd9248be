"""Step 1 of the method: 24 eyelid landmarks and the pupil centre from one eye image.

``EyeFeatureDetector.detect`` takes any camera image (grey or colour, 8/16 bit or float,
any size and aspect), runs the shipped ONNX network on a letterboxed 64 px square,
refines the pupil centre at the camera's resolution, and returns ``EyeFeatures`` in the
source image's pixels together with what ``core`` derives from them (eyelid distance,
pupil offset in the eye frame), so the coefficient method can use the result directly.
A right eye is mirrored into the left-eye view the network knows, and its points are
mirrored back: landmark numbering stays anatomical (6 = nasal corner) for both eyes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.gaze import pupil_offset
from eye_expression_driver.core.landmarks import CORNERS, EyeGeometryError, mirror_x
from eye_expression_driver.core.names import check_eye

from .onnx_session import ModelFileError, open_session, square_image_interface
from .preprocess import UnusableImageError, letterbox, mirror, to_grey
from .pupil_refine import refine_pupil

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "eye_features.onnx"
REFINE_MIN_CONFIDENCE = 0.5  # below this the pupil is probably hidden: nothing to refine
# The network's outputs and their shapes: 24 landmarks and the pupil (x, y in 0..1); eye
# present, pupil visible, pupil radius.
OUTPUTS = {"points": ("batch", 25, 2), "scores": ("batch", 3)}

__all__ = [
    "DEFAULT_MODEL", "EyeFeatureDetector", "EyeFeatures", "ModelFileError", "UnusableImageError",
]


@dataclass(frozen=True)
class EyeFeatures:
    """What one eye image shows, in the source image's pixels (that eye's own image).

    ``eyelid_distance`` is normalised by the eye width (core.eyelid, corner line method);
    ``pupil_offset`` is the pupil in the eye frame (eye widths, +x out, +y up), the same
    for both eyes. Both are NaN when the corners coincide (no usable eye).
    """

    landmarks: np.ndarray  # (24, 2) px
    pupil: np.ndarray  # (2,) px
    eyelid_distance: float
    pupil_offset: np.ndarray  # (2,)
    confidence: float  # 0..1: an eye is in the image
    pupil_confidence: float  # 0..1: the pupil is visible (low when the eye is closed)
    eye_width: float  # px, corner to corner
    pupil_radius: float  # px, network estimate
    pupil_refined: bool  # the centre comes from the dark-blob fit at full resolution

    def to_json(self) -> dict:
        """The stable JSON fields of ``eye-expression detect`` (plain floats, NaN as None)."""
        def num(v: float) -> float | None:
            return round(float(v), 3) if math.isfinite(v) else None

        return {
            "landmarks": [[num(x), num(y)] for x, y in self.landmarks],
            "pupil": [num(self.pupil[0]), num(self.pupil[1])],
            "eyelid_distance": num(self.eyelid_distance),
            "confidence": num(self.confidence),
            "pupil_confidence": num(self.pupil_confidence),
        }


class EyeFeatureDetector:
    """Runs the eye feature network on one image at a time; one instance per thread."""

    def __init__(
        self, model_path: str | Path | None = None, threads: int = 1, refine: bool = True
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL
        self.session = open_session(self.model_path, threads)
        self.input_name, self.size = square_image_interface(
            self.session, self.model_path, "eye feature model", OUTPUTS)
        self.refine = refine

    def detect(self, image: np.ndarray, eye: str = "left") -> EyeFeatures:
        """Landmarks and pupil of one eye image; raises UnusableImageError on bad input."""
        check_eye(eye)
        grey = to_grey(image)
        if eye == "right":
            grey = mirror(grey)
        square, box = letterbox(grey, self.size)
        points, scores = self.session.run(None, {self.input_name: square[None, None]})
        px = box.to_source(points[0].astype(np.float64) * self.size - 0.5)
        landmarks, pupil = px[:24], px[24]
        present, visible, radius_unit = (float(v) for v in scores[0])
        radius = radius_unit * self.size / math.sqrt(box.scale_x * box.scale_y)
        refined = None
        if self.refine and visible >= REFINE_MIN_CONFIDENCE:
            refined = refine_pupil(grey, pupil, radius)
        if refined is not None:
            pupil = refined
        features = _derived(landmarks, pupil)
        if eye == "right":
            width = grey.shape[1]
            landmarks, pupil = mirror_x(landmarks, width), mirror_x(pupil, width)
        return EyeFeatures(landmarks, pupil, features[0], features[1], present, visible,
                           features[2], radius, refined is not None)


def _derived(landmarks: np.ndarray, pupil: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Eyelid distance, pupil offset and eye width of a left-eye view (NaN if degenerate)."""
    width = float(np.linalg.norm(landmarks[CORNERS[1]] - landmarks[CORNERS[0]]))
    try:
        return eyelid_distance(landmarks), pupil_offset(landmarks, pupil), width
    except EyeGeometryError:
        return math.nan, np.full(2, math.nan), width
