"""The learned path: one eye image -> [E_up, E_down, E_in, E_out, P], a confidence, and the
eye's pupil offset and eyelid distance.

The expression coefficient recognition model (docs/learned_path.md) replaces
the detector and the coefficient method at run time. It sees the same input as the
detector: the grey image letterboxed into a small square (``preprocess.letterbox``), a
right eye mirrored into the left-eye view first.

Why the right eye's in/out need no swapping: E_in and E_out are anatomical (towards the
nose, towards the temple). In the left-eye view the nose is on the image's left; mirroring
a right eye's image puts its nose on the left as well, so "looking in" looks the same in
both eyes' inputs and the model's E_in is already the right eye's E_in. Up and down are not
affected by a left-right flip. Only pixel positions would need mirroring back, and the
model returns none: its pupil offset is in the eye's own anatomical frame (+x out, +y up),
as the detector's.

Why features as well as coefficients: the labels were made with each session's statistics
(gaze centre, ranges, open-eye distance), which one image does not show. The coefficient
node normalises the model's features with the running session's statistics, exactly as the
labeller did; the direct coefficients serve until those statistics exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from eye_expression_driver.core.names import check_eye

from .onnx_session import ModelFileError, open_session, square_image_interface
from .preprocess import UnusableImageError, letterbox, mirror, to_grey

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "eye_coefficients.onnx"
# The network's outputs and their shapes (see training.coefficient_net).
OUTPUTS = {"coefficients": ("batch", 5), "confidence": ("batch",), "features": ("batch", 4)}

__all__ = ["DEFAULT_MODEL", "CoefficientModel", "LearnedEstimate", "ModelFileError",
           "UnusableImageError", "model_input"]


class LearnedEstimate(NamedTuple):
    """The model's view of one eye image (eye frame: +x out, +y up, unit = eye width)."""

    coefficients: np.ndarray  # (5,) [up, down, in, out, blink], each 0..1
    confidence: float  # 0..1: an eye is in the image
    pupil_offset: np.ndarray  # (2,) from the midpoint of the corners
    eyelid_distance: float  # upper lid to the corner line
    pupil_confidence: float  # 0..1: the pupil is visible (not under a lid)


def model_input(image: np.ndarray, eye: str, size: int) -> np.ndarray:
    """The network's (size, size) float32 input: grey, left-eye view, letterboxed."""
    check_eye(eye)
    grey = to_grey(image)
    if eye == "right":
        grey = mirror(grey)
    return letterbox(grey, size)[0]


class CoefficientModel:
    """Runs the coefficient network on one image at a time; one instance per thread."""

    def __init__(self, model_path: str | Path | None = None, threads: int = 1) -> None:
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL
        self.session = open_session(self.model_path, threads)
        self.input_name, self.size = square_image_interface(
            self.session, self.model_path, "eye coefficient model", OUTPUTS)

    def predict(self, image: np.ndarray, eye: str = "left") -> LearnedEstimate:
        """The estimate of one eye image: any grey or colour camera image.

        Raises UnusableImageError on bad input.
        """
        square = model_input(image, eye, self.size)
        coefficients, confidence, features = self.session.run(
            None, {self.input_name: square[None, None]})
        features = features[0].astype(np.float64)
        return LearnedEstimate(coefficients[0].astype(np.float64), float(confidence[0]),
                               features[:2], float(features[2]), float(features[3]))
