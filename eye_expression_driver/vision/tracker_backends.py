"""Build the eye tracker's per-frame processing for a backend (no ROS needed).

geometric: the landmark/pupil detector (vision.eye_features) + the coefficient method
downstream; learned: the expression coefficient recognition model, which replaces the
method. Model files are opened here, at start-up, so a missing or corrupt file stops the
node with a message that names the file.
"""

from __future__ import annotations

import importlib

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
    from eye_expression_driver.vision.eye_features import EyeFeatureDetector, ModelFileError

    try:
        return EyeFeatureDetector(path or None, threads=threads)
    except ModelFileError as exc:
        raise BackendError(f"landmark model: {exc}") from exc


def _learned(path: str, threads: int):
    """predict(image, eye) -> (5 coefficients [up, down, in, out, blink], confidence).

    The runtime of issue 6 (vision.coefficient_model) is looked up when the backend is
    chosen; until it exists the learned backend refuses to start and says so.
    """
    try:
        module = importlib.import_module("eye_expression_driver.vision.coefficient_model")
    except ImportError as exc:
        raise BackendError(f"the learned backend is not available in this build: {exc}") from exc
    try:
        model = module.CoefficientModel(path or None, threads=threads)
    except Exception as exc:  # ModelFileError and whatever the runtime raises
        raise BackendError(f"coefficient model: {exc}") from exc
    return model.predict
