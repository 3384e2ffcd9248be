"""Accuracy of the run-time eye feature detector on rendered frames with exact truth.

Measured through ``EyeFeatureDetector`` (ONNX, letterbox, refinement), not the torch model,
so the figures in the model card are what users get. Errors are relative to the true eye
width (corner to corner), the scale-free unit of the issue's targets.
"""

from __future__ import annotations

import numpy as np

from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.vision.eye_features import EyeFeatureDetector

from .detector_data import EyeSamples

OPEN = 0.6  # openness above which an eye counts as open (pupil fully judged)
CLOSED = 0.1  # openness below which an eye counts as closed


def _stat(values: np.ndarray, fn=np.median) -> float:
    """A statistic of possibly empty values (NaN when empty: tiny evaluation sets)."""
    return float(fn(values)) if values.size else float("nan")


def evaluate_synthetic(detector: EyeFeatureDetector, samples: EyeSamples) -> dict[str, float]:
    """Landmark, pupil, eyelid-distance and confidence figures over all frames."""
    lm_err, pupil_err, lid_err, conf, pconf, lid = [], [], [], [], [], []
    for i in range(len(samples)):
        truth = samples.landmarks[i].astype(np.float64)
        width = float(np.linalg.norm(truth[18] - truth[6]))
        found = detector.detect(samples.images[i])
        lm_err.append(float(np.linalg.norm(found.landmarks - truth, axis=1).mean()) / width)
        pupil_err.append(float(np.linalg.norm(found.pupil - samples.pupil[i])) / width)
        lid_err.append(abs(found.eyelid_distance - eyelid_distance(truth)))
        conf.append(found.confidence)
        pconf.append(found.pupil_confidence)
        lid.append(found.eyelid_distance)
    lm_err, pupil_err, lid_err = np.array(lm_err), np.array(pupil_err), np.array(lid_err)
    conf, pconf, lid = np.array(conf), np.array(pconf), np.array(lid)
    size = np.array(samples.images.shape[2:0:-1]) - 1.0
    corners = samples.landmarks[:, [6, 18]]
    framed = ((corners >= 0) & (corners <= size)).all(axis=(1, 2))
    seen = (samples.pupil_visible >= 0.9) & (samples.openness >= OPEN)
    closed = samples.openness < CLOSED
    return {
        "frames": len(samples),
        "landmark_error_mean_pct": 100 * float(lm_err.mean()),
        "landmark_error_median_pct": 100 * float(np.median(lm_err)),
        "corners_in_view_share": float(framed.mean()),
        "landmark_error_mean_pct_corners_in_view": 100 * _stat(lm_err[framed], np.mean),
        "landmark_error_mean_pct_corners_cut": 100 * _stat(lm_err[~framed], np.mean),
        "pupil_error_median_pct": 100 * _stat(pupil_err[seen]),
        "pupil_error_p90_pct": 100 * _stat(pupil_err[seen], lambda v: np.percentile(v, 90)),
        "eyelid_distance_error_mean": float(lid_err.mean()),
        "eye_confidence_mean": float(conf.mean()),
        "pupil_confidence_open_mean": _stat(pconf[seen], np.mean),
        "pupil_confidence_closed_mean": _stat(pconf[closed], np.mean),
        "eyelid_distance_closed_mean": _stat(lid[closed], np.mean),
    }
