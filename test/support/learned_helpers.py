"""Helpers shared by the learned-path tests: tiny models and short synthetic sessions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from eye_expression_driver.training.auto_label import Features
from eye_expression_driver.training.coefficient_net import CoefficientNet, CoefficientNetConfig
from eye_expression_driver.training.detector_model import EyeFeatureNet, NetConfig
from eye_expression_driver.training.label_sources import EyeFrame
from eye_expression_driver.training.onnx_export import export_onnx
from eye_expression_driver.vision.coefficient_model import OUTPUTS


def tiny_detector(path: Path) -> Path:
    """An untrained eye feature network with the detector's ONNX contract (plumbing only)."""
    torch.manual_seed(0)
    model = EyeFeatureNet(NetConfig(size=32, width=4, head="regression")).eval()
    return export_onnx(model, path, torch.rand(1, 1, 32, 32), "image", ["points", "scores"])


def tiny_coefficient_model(path: Path, metadata: dict[str, str] | None = None) -> Path:
    """An untrained coefficient network with the run-time ONNX contract."""
    torch.manual_seed(0)
    model = CoefficientNet(CoefficientNetConfig(size=32, width=4, hidden=8)).eval()
    return export_onnx(model, path, torch.rand(1, 1, 32, 32), "image",
                       list(OUTPUTS), metadata)


def noisy_truth(seed: int, landmark_px: float = 0.3, pupil_px: float = 0.2):
    """A feature function: exact synthetic truth plus tracker-like noise (seeded)."""
    from eye_expression_driver.core.eyelid import eyelid_distance
    from eye_expression_driver.core.gaze import pupil_offset

    rng = np.random.default_rng(seed)

    def features(frame: EyeFrame) -> Features:
        truth = frame.truth
        landmarks = truth.landmarks + rng.normal(0.0, landmark_px, (24, 2))
        pupil = truth.pupil + rng.normal(0.0, pupil_px, 2)
        return Features(eyelid_distance(landmarks), pupil_offset(landmarks, pupil), 0.95,
                        float(truth.pupil_visible))
    return features
