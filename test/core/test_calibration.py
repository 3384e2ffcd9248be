"""core.calibration: offline vs streaming statistics, warm-up, window, profiles, config."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from eye_expression_driver.core.binocular import BinocularCoefficients
from eye_expression_driver.core.calibration import (
    CalibrationConfig,
    ProfileError,
    StreamingCalibration,
    Thresholds,
    nominal_thresholds,
    offline_thresholds,
)
from eye_expression_driver.core.eye_coefficients import CoefficientConfig
from eye_expression_driver.core.names import EYES

FAST = CalibrationConfig(min_samples=50, refresh_every=7, window_frames=1000)


def sequence(n: int = 600, seed: int = 0, blinks: bool = True, rate: float = 120.0):
    """(t, d, offsets, confidences) of a steady eye with optional blinks and gaze moves."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    d = 0.3 + 0.004 * rng.standard_normal(n)
    if blinks:
        for start in range(40, n - 12, 150):
            d[start : start + 10] = np.r_[np.linspace(0.25, 0.01, 5), np.linspace(0.01, 0.25, 5)]
    offsets = np.column_stack([0.08 * np.sin(t * 1.3), 0.05 * np.cos(t * 0.9)])
    offsets += 0.002 * rng.standard_normal((n, 2))
    conf = np.where(rng.random(n) < 0.05, 0.1, 0.95)  # a few frames fail the gate
    return t, d, offsets, conf


def stream(cal: StreamingCalibration, t, d, offsets, conf) -> None:
    for row in zip(t, d, offsets, conf, strict=True):
        cal.update(*row)


def assert_same(a: Thresholds, b: Thresholds) -> None:
    assert a.d_min == b.d_min and a.d_max == b.d_max
    np.testing.assert_array_equal(a.centre, b.centre)
    np.testing.assert_array_equal(a.gaze_min, b.gaze_min)
    np.testing.assert_array_equal(a.gaze_max, b.gaze_max)
    for name in ("sample_count", "gaze_sample_count", "ready", "blink_calibrated"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.mark.parametrize("blinks", [False, True])
def test_offline_and_streaming_agree(blinks) -> None:
    t, d, offsets, conf = sequence(blinks=blinks)
    if not blinks:  # stationary: eye and pupil still apart from noise
        offsets = 0.02 + 0.003 * np.random.default_rng(5).standard_normal(offsets.shape)
    cal = StreamingCalibration(FAST)
    stream(cal, t, d, offsets, conf)
    offline = offline_thresholds(d, offsets, conf, FAST)
    assert_same(cal.thresholds, offline)
    assert offline.ready and offline.blink_calibrated == blinks
    assert offline.sample_count == int((conf >= FAST.min_confidence).sum())


def test_offline_values_are_the_configured_statistics() -> None:
    _, d, offsets, conf = sequence()
    th = offline_thresholds(d, offsets, conf, FAST)
    kept = conf >= FAST.min_confidence
    assert th.d_min == pytest.approx(np.percentile(d[kept], 1.0))
    assert th.d_max == pytest.approx(np.median(d[kept]))
    np.testing.assert_allclose(th.centre, np.median(offsets[kept], axis=0))
    up = offsets[kept, 1] - th.centre[1]
    up = up[up > 0]
    assert th.gaze_min[0] == pytest.approx(np.percentile(up, FAST.gaze_min_percentile))
    assert th.gaze_max[0] == pytest.approx(np.percentile(up, FAST.gaze_max_percentile))
    minmax = offline_thresholds(d, offsets, conf, dataclasses.replace(FAST, use_min_max=True))
    assert minmax.d_min == d[kept].min() and minmax.d_max == d[kept].max()


def test_warm_up_uses_the_nominal_values_then_the_window() -> None:
    cal = StreamingCalibration(FAST)
    t, d, offsets, _ = sequence()
    nominal = nominal_thresholds(FAST)
    stream(cal, t[:20], d[:20], offsets[:20], np.ones(20))
    th = cal.thresholds
    assert not th.ready and not cal.ready
    assert (th.d_min, th.d_max) == (0.0, FAST.nominal_open_distance)
    np.testing.assert_array_equal(th.gaze_max, nominal.gaze_max)
    stream(cal, t[20:], d[20:], offsets[20:], np.ones(len(t) - 20))
    assert cal.thresholds.ready and cal.thresholds.d_max == pytest.approx(0.3, abs=0.01)


def test_no_blink_seen_keeps_the_opening_and_closes_at_zero() -> None:
    _, d, offsets, conf = sequence(blinks=False)
    th = offline_thresholds(d, offsets, conf, FAST)
    assert th.ready and not th.blink_calibrated
    assert th.d_min == 0.0 and th.d_max == pytest.approx(0.3, abs=0.005)


def test_gaze_span_has_a_floor_when_the_eye_stays_still() -> None:
    t, d, _, conf = sequence()
    still = 0.001 * np.random.default_rng(2).standard_normal((len(t), 2))
    th = offline_thresholds(d, still, conf, FAST)
    assert (th.gaze_max - th.gaze_min >= FAST.min_gaze_span - 1e-12).all()


def test_low_confidence_and_nan_samples_are_excluded() -> None:
    cal = StreamingCalibration(FAST)
    assert not cal.update(0.0, 0.3, (0.0, 0.0), 0.1)
    assert not cal.update(0.0, float("nan"), None, 0.9)
    assert cal.update(0.0, float("nan"), (0.01, 0.0), 0.9)  # pupil only
    assert cal.update(0.01, 0.3, None, 0.9)  # eyelid only
    th = cal.thresholds
    assert (th.sample_count, th.gaze_sample_count) == (1, 1)


def test_window_keeps_the_newest_frames_and_seconds() -> None:
    config = dataclasses.replace(FAST, window_frames=100, window_seconds=1000.0)
    cal = StreamingCalibration(config)
    stream(cal, np.arange(300) / 100, np.r_[np.full(200, 0.1), np.full(100, 0.3)],
           np.zeros((300, 2)), np.ones(300))
    assert cal.thresholds.sample_count == 100 and cal.thresholds.d_max == 0.3
    config = dataclasses.replace(FAST, window_seconds=1.005)
    cal = StreamingCalibration(config)
    stream(cal, np.arange(300) / 100, np.r_[np.full(200, 0.1), np.full(100, 0.3)],
           np.zeros((300, 2)), np.ones(300))
    th = cal.thresholds
    assert th.sample_count == 101 and th.d_max == 0.3 and th.window_span == pytest.approx(1.0)


def test_current_is_at_most_refresh_every_frames_stale() -> None:
    config = dataclasses.replace(FAST, refresh_every=7)
    cal = StreamingCalibration(config)
    t, d, offsets, _ = sequence()
    counts = []
    for i in range(len(t)):
        cal.update(t[i], d[i], offsets[i], 1.0)
        counts.append(cal.current.sample_count)
    lag = np.arange(1, len(t) + 1) - np.array(counts)
    assert lag.max() < 7 and lag[:63].max() == 0  # a small window refreshes every frame
    assert cal.thresholds.sample_count == len(t)


def test_the_two_eyes_never_recompute_on_the_same_frame() -> None:
    """The coefficient node feeds both eyes the same frame pairs; a full window's
    recomputation (1.5-3 ms) must not be paid twice in one pair. Same statistics."""
    config = CalibrationConfig(refresh_every=40, window_frames=4000)
    bino = BinocularCoefficients(CoefficientConfig(calibration=config))
    cals = {side: bino.estimators[side].calibration for side in EYES}
    t, d, offsets, _ = sequence(3000)
    recomputed: dict[str, list[int]] = {side: [] for side in EYES}
    lag = {side: [] for side in EYES}
    for i in range(len(t)):
        for side, cal in cals.items():
            before = cal.current
            cal.update(t[i], d[i], offsets[i], 1.0)
            if cal.current is not before:
                recomputed[side].append(i)
            lag[side].append(i + 1 - cal.current.sample_count)
    both = set(recomputed["left"]) & set(recomputed["right"])
    assert max(both) < 64  # only while the window is tiny (a refresh every frame)
    assert len(recomputed["right"]) > 60
    assert abs(len(recomputed["left"]) - len(recomputed["right"])) <= 1
    assert max(lag["left"]) < 40 and max(lag["right"]) < 60  # half an interval later
    assert cals["left"].thresholds.to_dict() == cals["right"].thresholds.to_dict()


def test_refresh_phase_is_checked() -> None:
    for phase in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="phase"):
            StreamingCalibration(FAST, phase)


def test_freeze_reset_and_centre() -> None:
    cal = StreamingCalibration(FAST)
    t, d, offsets, conf = sequence()
    stream(cal, t[:300], d[:300], offsets[:300], conf[:300])
    cal.freeze(True)
    before = cal.thresholds
    stream(cal, t[300:], d[300:] * 0.5, offsets[300:], conf[300:])
    assert cal.frozen
    assert_same(cal.thresholds, before)
    cal.set_centre((0.05, -0.02))
    np.testing.assert_array_equal(cal.thresholds.centre, [0.05, -0.02])
    cal.set_centre(None)
    np.testing.assert_array_equal(cal.thresholds.centre, before.centre)
    cal.freeze(False)
    assert cal.update(10.0, 0.3, (0.0, 0.0), 1.0)
    cal.reset()
    assert not cal.ready and not cal.frozen and cal.thresholds.sample_count == 0


def test_profile_round_trip(tmp_path) -> None:
    cal = StreamingCalibration(FAST)
    t, d, offsets, conf = sequence()
    stream(cal, t, d, offsets, conf)
    cal.set_centre((0.01, 0.02))
    path = tmp_path / "user" / "left.json"
    cal.save_profile(path)
    assert json.loads(path.read_text())["version"] == 1
    assert list(tmp_path.rglob("*.tmp")) == []
    fresh = StreamingCalibration(FAST)
    loaded = fresh.load_profile(path)
    saved = cal.thresholds
    assert loaded.ready and fresh.ready
    assert (loaded.d_min, loaded.d_max) == (saved.d_min, saved.d_max)
    np.testing.assert_array_equal(loaded.centre, [0.01, 0.02])
    np.testing.assert_array_equal(loaded.gaze_max, saved.gaze_max)
    # The window takes over once it has enough samples; the profile fills what it lacks.
    stream(fresh, t, d, offsets, conf)
    np.testing.assert_array_equal(fresh.thresholds.centre, [0.01, 0.02])


def test_profile_fills_in_d_min_when_the_window_saw_no_blink(tmp_path) -> None:
    cal = StreamingCalibration(FAST)
    stream(cal, *sequence(blinks=True))
    cal.save_profile(tmp_path / "p.json")
    fresh = StreamingCalibration(FAST)
    fresh.load_profile(tmp_path / "p.json")
    stream(fresh, *sequence(blinks=False, seed=4))
    th = fresh.thresholds
    assert th.blink_calibrated and th.d_min == cal.thresholds.d_min


def test_saving_before_calibration_is_refused(tmp_path) -> None:
    with pytest.raises(ProfileError, match="warming up"):
        StreamingCalibration(FAST).save_profile(tmp_path / "p.json")
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        ('{"schema": "something/else", "version": 1}', "not a calibration profile"),
        ("[1, 2, 3]", "not a calibration profile"),
        ('{"schema": "eye_expression_driver/calibration_profile", "version": 99}', "version"),
        ('{"schema": "eye_expression_driver/calibration_profile", "version": 1}', "bad values"),
    ],
)
def test_corrupt_or_foreign_profile_is_refused_and_changes_nothing(tmp_path, content, message):
    cal = StreamingCalibration(FAST)
    stream(cal, *sequence())
    before = cal.thresholds
    path = tmp_path / "p.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ProfileError, match=message):
        cal.load_profile(path)
    assert_same(cal.thresholds, before)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("d_max", -1.0, "d_max"),
        ("centre", [0.0], "centre"),
        ("gaze_min", [0.0, 0.0, 0.0, "x"], "gaze_min"),
        ("ready", 1, "ready"),
        ("ready", False, "no finished calibration"),
        ("sample_count", None, "sample_count"),
    ],
)
def test_profile_with_bad_values_is_refused(tmp_path, field, value, message) -> None:
    cal = StreamingCalibration(FAST)
    stream(cal, *sequence())
    path = tmp_path / "p.json"
    cal.save_profile(path)
    data = json.loads(path.read_text())
    data["thresholds"][field] = value
    path.write_text(json.dumps(data))
    fresh = StreamingCalibration(FAST)
    with pytest.raises(ProfileError, match=message):
        fresh.load_profile(path)
    assert not fresh.ready


def test_missing_profile_is_refused(tmp_path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        StreamingCalibration(FAST).load_profile(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"d_min_percentile": 60.0}, "eyelid percentiles"),
        ({"gaze_max_percentile": 101.0}, "gaze percentiles"),
        ({"window_seconds": 0.0}, "window_seconds"),
        ({"window_frames": 10}, "window_frames"),
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"refresh_every": 0}, "refresh_every"),
        ({"nominal_open_distance": -0.1}, "nominal_open_distance"),
        ({"min_blink_span": 1.0}, "min_blink_span"),
        ({"nominal_gaze_max": (0.1, 0.1, 0.1)}, "nominal_gaze"),
        ({"nominal_centre": (0.0, float("nan"))}, "nominal_centre"),
    ],
)
def test_bad_config_is_refused_with_its_reason(change, message) -> None:
    config = dataclasses.replace(CalibrationConfig(), **change)
    with pytest.raises(ValueError, match=message):
        config.validate()
    with pytest.raises(ValueError, match=message):
        StreamingCalibration(config)
