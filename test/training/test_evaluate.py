"""Evaluation of both paths: blink events, F1, jitter, held-out people, the command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from learned_helpers import tiny_coefficient_model, tiny_detector

from eye_expression_driver.cli import main as cli_main
from eye_expression_driver.training.coefficient_metrics import (
    blink_scores,
    fixation_mask,
    jitter,
    runs,
    true_blinks,
)
from eye_expression_driver.training.synthetic_sets import (
    HOLDOUT_STREAM,
    TRAIN_STREAM,
    session_seeds,
)


def test_runs_of_true() -> None:
    assert runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 2), (4, 4)]
    assert runs(np.zeros(3, bool)) == []


def test_blink_scores_count_hits_misses_and_false_alarms() -> None:
    t = np.arange(300) / 100.0
    p = np.zeros(300)
    p[50:60] = 0.9  # hits the first blink
    p[52] = 0.3  # a flicker inside it: a second event in the same blink counts as false
    p[200:205] = 0.8  # nothing scripted here: false alarm
    p[250:255] = 0.7  # a shallow partial blink: neither hit nor false alarm
    must = [(0.48, 0.62), (1.0, 1.2)]  # the second is missed
    scores = blink_scores(p, t, must, may=[(2.45, 2.6)])
    assert (scores["hits"], scores["misses"], scores["false_alarms"]) == (1, 1, 2)
    assert scores["f1"] == pytest.approx(2 / (2 + 1 + 2))
    assert blink_scores(np.zeros(300), t, [], [])["f1"] == 1.0


def test_true_blinks_need_a_deep_closing_of_that_eye() -> None:
    t = np.arange(100) / 100.0
    openness = np.ones(100)
    openness[10:20] = 0.1
    openness[50:60] = 0.45  # about half closed: may be detected or not
    openness[70:80] = 0.3  # no script (a squint, a far downward look): may as well
    events = [{"kind": "blink", "eye": "both", "start": 0.1, "end": 0.2},
              {"kind": "partial", "eye": "both", "start": 0.5, "end": 0.6},
              {"kind": "wink", "eye": "right", "start": 0.8, "end": 0.9}]
    must, may = true_blinks(events, "left", t, openness)
    assert must == [(0.1, 0.2)] and may == [(0.5, 0.6), (0.7, 0.79)]


def test_jitter_during_fixations_only() -> None:
    t = np.arange(200) / 100.0
    yaw = np.where(t < 1.0, 0.0, 20.0)  # one saccade at 1 s
    fixating = fixation_mask(t, yaw, np.zeros(200), np.ones(200), np.zeros(200, bool))
    assert not fixating[99:101].any() and fixating[:98].all()
    values = np.where(t < 1.0, 0.0, 1.0) + 0.01 * (np.arange(200) % 2)
    assert jitter(values, fixating)[0] == pytest.approx(0.01, rel=0.05)  # diffs of +-0.01


def test_training_and_held_out_people_differ() -> None:
    assert not set(session_seeds(TRAIN_STREAM, 500)) & set(session_seeds(HOLDOUT_STREAM, 500))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    return tiny_detector(folder / "det.onnx"), tiny_coefficient_model(folder / "coef.onnx")


def test_evaluate_command_writes_json_and_plot(tmp_path, models, capsys) -> None:
    detector, model = models
    code = cli_main(["evaluate", "--model", str(model), "--detector", str(detector),
                     "--subjects", "1", "--seconds", "1", "--fps", "30", "--size", "64x64",
                     "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    result = json.loads((tmp_path / "evaluation.json").read_text())
    assert set(result["paths"]) == {"learned", "learned_live", "learned_image", "geometric",
                                    "geometric_live", "truth"}
    assert result["paths"]["truth"]["mae"]["blink"] == 0.0
    assert len(result["per_track"]) == 2 and result["learned_ms_median"] > 0
    assert (tmp_path / "traces.png").stat().st_size > 1000
    printed = capsys.readouterr().out
    assert "MAE blink" in printed and "blink F1" in printed and "targets" in printed


def test_evaluate_refuses_people_the_model_was_trained_on(tmp_path, models) -> None:
    detector, _ = models
    seeds = session_seeds(HOLDOUT_STREAM, 1)
    model = tiny_coefficient_model(tmp_path / "m.onnx", {"train_seeds": json.dumps(seeds)})
    code = cli_main(["evaluate", "--model", str(model), "--detector", str(detector),
                     "--subjects", "1", "--seconds", "0.5", "--out", str(tmp_path),
                     "--no-progress"])
    assert code == 2
