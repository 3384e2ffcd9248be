"""core.eye_coefficients: the live estimator, the offline labeller, mirror symmetry."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from eye_expression_driver.core.blink import calibration_free_blink
from eye_expression_driver.core.calibration import (
    PROFILE_SCHEMA,
    PROFILE_VERSION,
    CalibrationConfig,
)
from eye_expression_driver.core.eye_coefficients import (
    CoefficientConfig,
    EyeCoefficientEstimator,
    EyeResult,
    label_sequence,
)
from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.gaze import pupil_offset
from eye_expression_driver.core.landmarks import mirror_x
from eye_expression_driver.core.names import COEFFICIENTS

CAL = CalibrationConfig(min_samples=60, refresh_every=10)
CONFIG = CoefficientConfig(calibration=CAL)
WIDTH = 320


def eye_image_points(side: str, openness: float, gaze_out: float, gaze_up: float, seed: int = 0):
    """Landmarks (24-point scheme) and pupil of one eye in its own camera image (pixels).

    The left eye is 100 px wide, nasal corner 6 at x = 100, temporal corner 18 at x = 200.
    A right eye's camera sees the mirror picture (nasal corner at large x). Openness scales
    the upper lid; gaze moves the pupil in eye widths (+ out towards the temple, + up).
    """
    rng = np.random.default_rng(seed)
    points = np.empty((24, 2))
    s_lower = np.arange(1, 12) / 12.0  # 7..17, nasal to temporal
    points[7:18] = np.column_stack([100 + 100 * s_lower, 122 + 12 * np.sin(np.pi * s_lower)])
    s_upper = np.linspace(1.0, 0.0, 13)[1:-1]  # 19..23 then 0..5, temporal to nasal
    upper = np.column_stack([100 + 100 * s_upper, 122 - 30 * openness * np.sin(np.pi * s_upper)])
    points[[19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5]] = upper
    points[6], points[18] = (100.0, 122.0), (200.0, 122.0)
    points += rng.normal(0.0, 0.3, (24, 2))
    pupil = np.array([150.0 + gaze_out * 100.0, 122.0 - gaze_up * 100.0])
    if side == "right":
        return mirror_x(points, WIDTH), mirror_x(pupil, WIDTH)
    return points, pupil


def test_eye_result_vector_order() -> None:
    r = EyeResult(look_up=0.1, look_down=0.2, look_in=0.3, look_out=0.4, blink=0.5, wide=0.6)
    np.testing.assert_array_equal(r.as_vector(), [0.1, 0.2, 0.3, 0.4, 0.5])


def synthetic_run(n: int = 900, seed: int = 0):
    """(t, d, offsets, confidences, pupil confidences): blinks every 1.5 s, gaze sweeps."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 120.0
    d = 0.28 + 0.004 * rng.standard_normal(n)
    pupil_conf = np.full(n, 0.95)
    offsets = np.column_stack([0.1 * np.sin(t * 2.1), 0.06 * np.sin(t * 1.3 + 1.0)])
    offsets += 0.002 * rng.standard_normal((n, 2))
    for start in range(50, n - 16, 180):
        closing = np.r_[np.linspace(0.24, 0.0, 6), np.zeros(3), np.linspace(0.0, 0.24, 6)]
        d[start : start + 15] = closing
        pupil_conf[start + 3 : start + 12] = 0.05
        offsets[start + 2 : start + 13, 1] -= 0.2  # the lid drags the pupil estimate down
    conf = np.full(n, 0.9)
    conf[300:305] = 0.0  # the tracker loses the eye
    return t, d, offsets, conf, pupil_conf


def run(estimator, t, d, offsets, conf, pupil_conf) -> list[EyeResult]:
    return [estimator.update(*row) for row in zip(t, d, offsets, conf, pupil_conf, strict=True)]


def test_live_estimator_equals_the_labeller_on_the_same_thresholds(tmp_path) -> None:
    seq = synthetic_run()
    labels, th = label_sequence(*seq[1:], CONFIG)
    assert th.ready and th.blink_calibrated
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({
        "schema": PROFILE_SCHEMA, "version": PROFILE_VERSION,
        "thresholds": th.to_dict(), "centre_override": None,
    }))
    est = EyeCoefficientEstimator(CONFIG)
    est.calibration.load_profile(path)
    est.calibration.freeze(True)
    live = np.array([r.as_vector() for r in run(est, *seq)])
    np.testing.assert_allclose(live, labels, atol=1e-12)
    assert labels[:, 4].max() > 0.98 and labels[:, :4].max() > 0.9


def test_streaming_estimator_calibrates_itself() -> None:
    results = run(EyeCoefficientEstimator(CONFIG), *synthetic_run())
    assert not results[0].calibrated and results[-1].calibrated
    late = results[400:]
    blinks = [r.blink for r in late]
    assert max(blinks) > 0.98 and np.median(blinks) < 0.1
    for attr in COEFFICIENTS[:4]:
        values = [getattr(r, attr) for r in late]
        assert max(values) > 0.9 and min(values) == 0.0


def test_warm_up_uses_the_calibration_free_blink_with_lower_confidence() -> None:
    est = EyeCoefficientEstimator(CONFIG)
    r = est.update(0.0, 0.15, (0.0, 0.0), 0.9, 0.9)
    assert not r.calibrated
    assert r.blink == pytest.approx(calibration_free_blink(0.15, CAL.nominal_open_distance))
    assert r.blink_confidence == pytest.approx(0.9 * CONFIG.warmup_confidence)
    assert r.wide == 0.0


def test_gaze_holds_through_a_blink_with_lower_confidence() -> None:
    t, d, offsets, conf, pupil_conf = synthetic_run()
    results = run(EyeCoefficientEstimator(CONFIG), t, d, offsets, conf, pupil_conf)
    start = 50 + 180 * 3  # a blink after calibration; the pupil is dragged down from +2
    gaze = np.array([r.as_vector()[:4] for r in results])
    held = gaze[start + 1]
    assert np.abs(held - gaze[start - 1]).max() < 0.1  # no jump as the lid starts to move
    for i in range(start + 2, start + 13):  # closing, closed, reopening
        np.testing.assert_array_equal(gaze[i], held)
        assert results[i].gaze_confidence < results[start - 1].gaze_confidence
    assert results[start + 20].gaze_confidence == pytest.approx(0.9)
    assert np.abs(gaze[start + 20] - held).max() < 0.2


def test_lost_eye_holds_the_blink_with_zero_confidence() -> None:
    results = run(EyeCoefficientEstimator(CONFIG), *synthetic_run())
    for r in results[300:305]:
        assert r.blink_confidence == 0.0 and r.blink == results[299].blink
    assert results[305].blink_confidence > 0.0
    r = EyeCoefficientEstimator(CONFIG).update(0.0, math.nan, None, 0.9, 0.0)
    assert r.blink_confidence == 0.0 and r.gaze_confidence == 0.0 and math.isnan(r.eyelid_distance)


def test_mirrored_right_eye_gives_the_same_coefficients_as_the_left_eye() -> None:
    left, right = EyeCoefficientEstimator(CONFIG), EyeCoefficientEstimator(CONFIG)
    rng = np.random.default_rng(7)
    for i in range(300):
        openness = 0.05 if i % 60 in (20, 21, 22) else 1.0 + 0.02 * rng.standard_normal()
        out, up = 0.12 * math.sin(i / 17.0), 0.06 * math.cos(i / 23.0)
        results = []
        for side, est in (("left", left), ("right", right)):
            points, pupil = eye_image_points(side, openness, out, up, seed=i)
            if side == "right":  # into the left-eye view, as the eye tracker does
                points, pupil = mirror_x(points, WIDTH), mirror_x(pupil, WIDTH)
            d = eyelid_distance(points)
            results.append(est.update(i / 120.0, d, pupil_offset(points, pupil), 0.9, 0.9))
        np.testing.assert_allclose(results[0].as_vector(), results[1].as_vector(), atol=1e-9)
    assert results[0].calibrated and left.calibration.thresholds.blink_calibrated


def test_right_eye_seen_in_its_own_image_has_the_same_anatomy() -> None:
    # Looking out (towards the temple) moves the right eye's pupil to smaller image x.
    points, pupil = eye_image_points("right", 1.0, 0.1, 0.05)
    assert points[18, 0] < pupil[0] < (points[6, 0] + points[18, 0]) / 2
    lp, lpupil = eye_image_points("left", 1.0, 0.1, 0.05)
    view, view_pupil = mirror_x(points, WIDTH), mirror_x(pupil, WIDTH)
    np.testing.assert_allclose(pupil_offset(view, view_pupil), pupil_offset(lp, lpupil), atol=1e-9)
    assert eyelid_distance(view) == pytest.approx(eyelid_distance(lp))


def test_blink_smoothing_never_delays_an_onset() -> None:
    config = dataclasses.replace(CONFIG, smooth_blink=True, smooth_gaze=True)
    smooth, raw = EyeCoefficientEstimator(config), EyeCoefficientEstimator(CONFIG)
    seq = synthetic_run()
    a, b = run(smooth, *seq), run(raw, *seq)
    start = 50 + 180 * 3
    for i in range(start, start + 8):  # the closing frames
        assert a[i].blink >= b[i].blink - config.blink_onset_step
    # Gaze smoothing takes jitter out while fixating.
    jitter = [np.diff([r.look_out for r in rs[400:440]]).std() for rs in (a, b)]
    assert jitter[0] < jitter[1]


def test_config_handling() -> None:
    assert EyeCoefficientEstimator(CAL).config.calibration is CAL
    with pytest.raises(ValueError, match="gaze_hold_blink"):
        EyeCoefficientEstimator(dataclasses.replace(CONFIG, gaze_hold_blink=0.0))
    with pytest.raises(ValueError, match="sharpness"):
        EyeCoefficientEstimator(dataclasses.replace(CONFIG, blink_sharpness=1.0))
    with pytest.raises(TypeError):
        EyeCoefficientEstimator({"min_samples": 3})
    with pytest.raises(ValueError, match="lengths differ"):
        label_sequence(np.zeros(3), np.zeros((2, 2)), np.ones(3), np.ones(3))


def test_reset_forgets_calibration_and_held_values() -> None:
    est = EyeCoefficientEstimator(CONFIG)
    run(est, *synthetic_run(400))
    est.reset()
    r = est.update(0.0, math.nan, None, 0.0, 0.0)
    assert (r.blink, r.look_up, r.calibrated) == (0.0, 0.0, False)
