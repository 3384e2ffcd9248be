"""The learned path: one eye image -> [E_up, E_down, E_in, E_out, P] and a confidence.

The expression coefficient recognition model (DESIGN.md section 1, "Learned path") replaces
the detector and the coefficient method at run time. It sees the same input as the
detector: the grey image letterboxed into a small square (``preprocess.letterbox``), a
right eye mirrored into the left-eye view first.

Why the right eye's in/out need no swapping: E_in and E_out are anatomical (towards the
nose, towards the temple). In the left-eye view the nose is on the image's left; mirroring
a right eye's image puts its nose on the left as well, so "looking in" looks the same in
both eyes' inputs and the model's E_in is already the right eye's E_in. Up and down are not
affected by a left-right flip. Only pixel positions would need mirroring back, and the
model returns none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .onnx_session import ModelFileError, open_session
from .preprocess import UnusableImageError, letterbox, mirror, to_grey

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "eye_coefficients.onnx"
EYES = ("left", "right")
OUTPUTS = ("coefficients", "confidence")

__all__ = ["DEFAULT_MODEL", "CoefficientModel", "ModelFileError", "UnusableImageError",
           "model_input"]


def model_input(image: np.ndarray, eye: str, size: int) -> np.ndarray:
    """The network's (size, size) float32 input: grey, left-eye view, letterboxed."""
    if eye not in EYES:
        raise ValueError(f"eye must be one of {EYES}, got {eye!r}")
    grey = to_grey(image)
    if eye == "right":
        grey = mirror(grey)
    return letterbox(grey, size)[0]


class CoefficientModel:
    """Runs the coefficient network on one image at a time; one instance per thread."""

    def __init__(self, model_path: str | Path | None = None, threads: int = 1) -> None:
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL
        self.session = open_session(self.model_path, threads)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        shape = inputs[0].shape
        if len(inputs) != 1 or len(shape) != 4 or shape[2] != shape[3] or \
                not isinstance(shape[2], int) or [o.name for o in outputs] != list(OUTPUTS):
            raise ModelFileError(f"{self.model_path} is not an eye coefficient model "
                                 f"(input {shape}, outputs {[o.name for o in outputs]})")
        self.input_name = inputs[0].name
        self.size = int(shape[2])

    def predict(self, image: np.ndarray, eye: str = "left") -> tuple[np.ndarray, float]:
        """([up, down, in, out, blink] each 0..1, confidence 0..1) of one eye image.

        Any grey or colour camera image; raises UnusableImageError on bad input.
        """
        square = model_input(image, eye, self.size)
        coefficients, confidence = self.session.run(None, {self.input_name: square[None, None]})
        return coefficients[0].astype(np.float64), float(confidence[0])
