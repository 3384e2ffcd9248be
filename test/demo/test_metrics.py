"""demo.metrics: coefficients matched to truth by stamp, latency, drops and errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from eye_expression_driver.demo.metrics import (
    EyeTruth,
    Session,
    evaluate,
    headline,
    match,
)


def session(n: int = 100, lost: int = 5, delay_ms: float = 12.0) -> Session:
    t = 1_000_000_000 + np.arange(n, dtype=np.int64) * 10_000_000  # 100 Hz stamps
    phase = np.linspace(0, 4 * np.pi, n)
    openness = np.where(np.arange(n) % 25 < 3, 0.05, 1.0)  # a blink every 25 frames
    truth = EyeTruth(openness, 20 * np.sin(phase), 10 * np.cos(phase), openness < 0.5)
    keep = np.arange(lost, n)  # the first frames produced no output
    face_ns = t[keep]
    yaw, pitch = truth.yaw[keep] / 20, truth.pitch[keep] / 10
    weights = {}
    for side in ("Left", "Right"):
        weights[f"eyeBlink{side}"] = 1.0 - openness[keep]
        weights[f"eyeLookOut{side}"], weights[f"eyeLookIn{side}"] = yaw.clip(0), (-yaw).clip(0)
        weights[f"eyeLookUp{side}"], weights[f"eyeLookDown{side}"] = (pitch.clip(0),
                                                                      (-pitch).clip(0))
    return Session(t, {"left": truth, "right": truth}, face_ns,
                   face_ns + int(delay_ms * 1e6), weights)


def test_a_perfect_session_scores_perfectly() -> None:
    report = evaluate(session())
    assert report["frame pairs published"] == 100 and report["frames without output"] == 5
    assert report["latency ms"]["p50"] == pytest.approx(12.0)
    for side in ("left", "right"):
        eye = report[f"{side} eye"]
        assert eye["blink MAE"] == pytest.approx(0.0)
        assert eye["blink while closed (mean)"] == pytest.approx(0.95)
        assert eye["blink while open (mean)"] == pytest.approx(0.0)
        assert eye["horizontal gaze r"] == pytest.approx(1.0)
        assert eye["vertical gaze r"] == pytest.approx(1.0)
        assert eye["horizontal sign agreement"] == 1.0


def test_wrong_coefficients_show_up_and_warm_up_is_skipped() -> None:
    s = session()
    s.weights["eyeBlinkLeft"] = 1.0 - s.weights["eyeBlinkLeft"]  # inverted
    s.weights["eyeLookOutLeft"], s.weights["eyeLookInLeft"] = (s.weights["eyeLookInLeft"],
                                                               s.weights["eyeLookOutLeft"])
    report = evaluate(s, skip_seconds=0.5)
    assert report["judged frames"] == 50
    assert report["left eye"]["blink MAE"] > 0.8
    assert report["left eye"]["horizontal gaze r"] == pytest.approx(-1.0)
    assert report["left eye"]["horizontal sign agreement"] == 0.0
    assert report["right eye"]["horizontal gaze r"] == pytest.approx(1.0)


def test_match_pairs_equal_stamps_only() -> None:
    ti, fi = match(np.array([1, 2, 3, 4]), np.array([2, 4, 4, 9]))
    assert ti.tolist() == [1, 3] and fi.tolist() == [0, 1]


def test_the_headline_gives_latency_percentiles_drops_and_errors_per_eye() -> None:
    text = headline(evaluate(session(), skip_seconds=0.2), 0.2, {"left/eye_tracker dropped": 3})
    assert "p50 12.0 ms, p95 12.0 ms, p99 12.0 ms" in text
    assert "frame drops: 5 of 100 frame pairs gave no FaceExpression (5.0 %)" in text
    assert "left/eye_tracker dropped 3" in text
    assert "after the 0.2 s calibration warm-up (80 frames)" in text
    for side in ("left", "right"):
        assert re.search(rf"{side} eye: +blink MAE 0\.000 .*gaze r horizontal 1\.00", text)
