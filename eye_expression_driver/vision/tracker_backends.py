"""Build the eye tracker's per-frame processing for a backend (no ROS needed).

geometric: the landmark/pupil detector (vision.eye_features) + the coefficient method
downstream; learned: the expression coefficient recognition model, which replaces the
detector (its features still pass through the method's session statistics downstream).
Model files are opened here, at start-up, so a missing or corrupt file stops the node with
a message that names the file.
"""

from __future__ import annotations

from eye_expression_driver.core.eye_tracking import EyeTracking, View

BACKENDS = ("geometric", "learned")


class BackendError(ValueError):
    """A backend that cannot start (missing/corrupt model file, not built yet)."""


def make_tracking(eye: str, backend: str, view: View, landmark_model: str = "",
                  coefficient_model: str = "", threads: int = 1) -> EyeTracking:
    """The EyeTracking of this backend; raises BackendError naming the file or piece."""
    if backend == "geometric":
        return EyeTracking(eye, _detector(landmark_model, threads).detect, view=view)
    if backend == "learned":
        return EyeTracking(eye, None, predict=_learned(coefficient_model, threads), view=view)
    raise BackendError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")


def _detector(path: str, threads: int):
    from .eye_features import EyeFeatureDetector, ModelFileError

    try:
        return EyeFeatureDetector(path or None, threads=threads)
    except ModelFileError as exc:
        raise BackendError(f"landmark model: {exc}") from exc


def _learned(path: str, threads: int):
    """predict(image, eye) -> LearnedEstimate: the coefficient model's coefficients and the
    eye's features (vision.coefficient_model)."""
    from .coefficient_model import CoefficientModel

    try:
        model = CoefficientModel(path or None, threads=threads)
    except Exception as exc:  # ModelFileError and whatever the runtime raises
        raise BackendError(f"coefficient model: {exc}") from exc
    return model.predict
