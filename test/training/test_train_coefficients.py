"""Training the coefficient network: data, a few steps, stopping, checkpoints, ONNX parity."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from eye_expression_driver.synth.sequence import generate_sequence
from eye_expression_driver.training import train_coefficients
from eye_expression_driver.training.auto_label import label_session, truth_features
from eye_expression_driver.training.coefficient_data import (
    from_tracks,
    jitter_affine,
    make_batch,
    sample_weights,
    split_sessions,
)
from eye_expression_driver.training.coefficient_net import CoefficientNet, CoefficientNetConfig
from eye_expression_driver.training.label_sources import synthetic_session
from eye_expression_driver.training.onnx_export import check_parity, export_onnx
from eye_expression_driver.vision.coefficient_model import OUTPUTS, CoefficientModel


@pytest.fixture(scope="module")
def labels_dir(tmp_path_factory):
    """Two short sessions (four eye tracks) labelled from exact truth, 32 px inputs."""
    out = tmp_path_factory.mktemp("labels")
    for seed in (1, 2):
        session = synthetic_session(generate_sequence(seed, 2.0, 30.0, (64, 64)))
        for track in label_session(session, truth_features, size=32):
            track.save(out)
    return out


@pytest.fixture(scope="module")
def data(labels_dir):
    from eye_expression_driver.training.auto_label import load_tracks

    return from_tracks(load_tracks(labels_dir))


def test_validation_holds_out_whole_sessions(data) -> None:
    train, val = split_sessions(data, 0.5, seed=0)
    assert len(train) + len(val) == len(data) == 240
    train_sessions = {data.names[i].split(".")[0] for i in np.unique(train.track)}
    val_sessions = {data.names[i].split(".")[0] for i in np.unique(val.track)}
    assert len(train_sessions) == len(val_sessions) == 1 and not train_sessions & val_sessions


def test_batches_draw_closed_eyes_more_often() -> None:
    labels = np.zeros((1000, 5), np.float32)
    labels[:20, 4] = 1.0  # 2 % closed eyes
    weights = sample_weights(labels)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[:20].sum() > 0.2


def test_jitter_is_a_similarity_about_the_centre() -> None:
    for seed in range(10):
        affine = jitter_affine(np.random.default_rng(seed), 64)
        linear = affine[:, :2]
        scale = np.sqrt(abs(np.linalg.det(linear)))
        np.testing.assert_allclose(linear @ linear.T, scale**2 * np.eye(2), atol=1e-9)
        assert 0.6 < scale < 1.6


def test_batches_have_inputs_labels_and_eye_free_images(data) -> None:
    batch = make_batch(data, 64, np.random.default_rng(0), negative_fraction=0.5)
    assert batch["image"].shape == (64, 1, 32, 32) and batch["labels"].shape == (64, 5)
    assert batch["aux"].shape == (64, 4)  # pupil offset, eyelid distance, pupil confidence
    assert 0 < batch["present"].sum() < 64
    plain = make_batch(data, 8, np.random.default_rng(0), augmented=False)
    assert plain["present"].all()


def test_a_few_steps_reduce_the_loss(data) -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)  # several OpenMP threads on a shared, busy CPU are far slower
    model = CoefficientNet(CoefficientNetConfig(size=32, width=4, hidden=16))
    fixed = make_batch(data, 64, np.random.default_rng(1), augmented=False)
    before = train_coefficients.coefficient_loss(model.logits(fixed["image"]), fixed)[1]
    with_aux = train_coefficients.coefficient_loss(model.logits(fixed["image"]), fixed, 1.0)[0]
    assert with_aux > train_coefficients.coefficient_loss(model.logits(fixed["image"]), fixed)[0]
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(2)
    for _ in range(40):
        batch = make_batch(data, 32, rng)
        loss, _ = train_coefficients.coefficient_loss(model.logits(batch["image"]), batch, 0.5)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    after = train_coefficients.coefficient_loss(model.logits(fixed["image"]), fixed)[1]
    assert after < 0.7 * before


def test_export_matches_pytorch(tmp_path) -> None:
    model = CoefficientNet(CoefficientNetConfig(size=32, width=4, hidden=8)).eval()
    images = torch.rand(5, 1, 32, 32) * 4000.0  # any intensity scale
    path = export_onnx(model, tmp_path / "m.onnx", images[:1], "image",
                       list(OUTPUTS))
    assert check_parity(model, path, images) < 1e-4


def _train(tmp_path, labels_dir, *extra: str) -> dict:
    code = train_coefficients.main([
        "--data", str(labels_dir), "--out", str(tmp_path / "m.onnx"),
        "--work", str(tmp_path / "work"), "--batch", "16", "--width", "4", "--hidden", "8",
        "--threads", "1", "--holdout-subjects", "0", "--no-progress", "--eval-every", "5",
        "--val-fraction", "0.5", *extra])
    assert code == 0
    return json.loads((tmp_path / "work" / "train_report.json").read_text())


def test_training_command_exports_a_working_model_and_card(tmp_path, labels_dir, capsys) -> None:
    report = _train(tmp_path, labels_dir, "--steps", "10", "--tolerance", "0")
    assert report["stop_reason"].startswith("iteration budget spent: 10 steps")
    assert "iteration budget spent" in capsys.readouterr().out
    assert report["parity_max_abs"] < 1e-4 and len(report["history"]) == 2
    card = (tmp_path / "m.md").read_text()
    assert "Stopped: iteration budget spent" in card and "Validation MAE" in card
    model = CoefficientModel(tmp_path / "m.onnx")
    estimate = model.predict(np.zeros((50, 80), np.uint8) + 100, "right")
    coefficients, confidence = estimate.coefficients, estimate.confidence
    assert coefficients.shape == (5,) and ((coefficients >= 0) & (coefficients <= 1)).all()
    assert 0.0 <= confidence <= 1.0
    assert estimate.pupil_offset.shape == (2,) and np.isfinite(estimate.eyelid_distance)


def test_training_stops_at_the_tolerance(tmp_path, labels_dir) -> None:
    report = _train(tmp_path, labels_dir, "--steps", "50", "--tolerance", "1.0")
    assert report["stop_reason"].startswith("tolerance reached")
    assert report["history"][-1]["step"] == 5


def test_resume_continues_from_the_checkpoint(tmp_path, labels_dir) -> None:
    _train(tmp_path, labels_dir, "--steps", "5", "--tolerance", "0")
    report = _train(tmp_path, labels_dir, "--steps", "10", "--tolerance", "0", "--resume")
    assert [h["step"] for h in report["history"]] == [5, 10]


def test_training_on_given_data_never_overwrites_the_shipped_model(labels_dir) -> None:
    with pytest.raises(SystemExit, match="--out is needed"):
        train_coefficients.main(["--data", str(labels_dir), "--steps", "1"])
