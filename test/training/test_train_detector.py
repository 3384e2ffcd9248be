"""Training the eye feature network: augmentation geometry, a few steps, ONNX parity."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from eye_expression_driver.training import train_detector
from eye_expression_driver.training.detector_augment import random_affine, warp_area
from eye_expression_driver.training.detector_data import (
    EyeSamples,
    make_batch,
    render_samples,
)
from eye_expression_driver.training.detector_model import EyeFeatureNet, NetConfig, soft_argmax
from eye_expression_driver.training.onnx_export import check_parity, export_onnx
from eye_expression_driver.vision.eye_features import EyeFeatureDetector


def test_warp_moves_image_and_points_together() -> None:
    source = np.zeros((512, 512), np.float32)  # large: no border enters the view
    yy, xx = np.mgrid[0:512, 0:512]
    oy, ox = np.mgrid[0:64, 0:64]
    checked = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        point = rng.uniform(236, 276, 2)
        dot = source + 200 * np.exp(-((xx - point[0]) ** 2 + (yy - point[1]) ** 2) / 32.0)
        affine = random_affine(rng, point + rng.normal(0, 5, 2), 60.0, 64)
        out = warp_area(dot, affine, 64, rng)
        expected = affine[:, :2] @ point + affine[:, 2]
        if not np.all((expected > 8) & (expected < 56)):
            continue  # the random view put the dot near its border
        weights = np.clip(out - out.max() * 0.3, 0, None)
        found = np.array([(ox * weights).sum(), (oy * weights).sum()]) / weights.sum()
        assert np.linalg.norm(found - expected) < 0.3
        checked += 1
    assert checked >= 10


def test_soft_argmax_finds_a_peak() -> None:
    logits = torch.full((1, 1, 16, 16), -20.0)
    logits[0, 0, 4, 11] = 20.0  # row 4, column 11
    xy = soft_argmax(logits)[0, 0]
    assert torch.allclose(xy, torch.tensor([11.5 / 16, 4.5 / 16]), atol=1e-4)


@pytest.fixture(scope="module")
def tiny_samples() -> EyeSamples:
    return render_samples(0, range(2), 3, 64, progress=False)


def test_batches_hold_targets_in_input_units(tiny_samples: EyeSamples) -> None:
    batch = make_batch(tiny_samples, 16, 32, np.random.default_rng(0), negative_fraction=0.0)
    assert batch["image"].shape == (16, 1, 32, 32)
    assert batch["points"].shape == (16, 25, 2)
    inside = (batch["points"] > 0) & (batch["points"] < 1)
    assert inside.all(dim=-1).float().mean() > 0.5  # most points of most views are in view
    assert ((batch["present"] >= 0) & (batch["present"] <= 1)).all()


@pytest.mark.parametrize("head", ["regression", "hybrid"])
def test_export_matches_pytorch(tmp_path, head: str) -> None:
    model = EyeFeatureNet(NetConfig(size=32, width=8, head=head)).eval()
    images = torch.rand(3, 1, 32, 32) * 1000.0
    path = export_onnx(model, tmp_path / "m.onnx", images[:1], "image", ["points", "scores"])
    assert check_parity(model, path, images) < 1e-4


def test_training_a_few_steps_exports_a_working_model(tmp_path) -> None:
    out = tmp_path / "eye_features.onnx"
    code = train_detector.main([
        "--out", str(out), "--work", str(tmp_path / "work"), "--subjects", "2", "--frames", "3",
        "--render-size", "64", "--steps", "3", "--batch", "4", "--size", "32", "--width", "8",
        "--holdout-subjects", "1", "--holdout-frames", "2", "--threads", "1", "--no-progress",
    ])
    assert code == 0
    report = json.loads((tmp_path / "work" / "train_report.json").read_text())
    assert report["parity_max_abs"] < 1e-4
    assert out.stat().st_size < 5e6
    card = (tmp_path / "eye_features.md").read_text()
    assert "## Accuracy on held-out synthetic subjects" in card and "## Speed" in card
    found = EyeFeatureDetector(out).detect(np.full((50, 80), 100, np.uint8))
    assert found.landmarks.shape == (24, 2) and 0.0 <= found.confidence <= 1.0
