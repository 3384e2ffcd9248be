"""Synthetic sessions: behaviour timing, determinism, files on disk."""

from __future__ import annotations

import numpy as np
import pytest
from synth_helpers import digest

from eye_expression_driver.synth.behaviour import (
    BehaviourParams,
    blink_rate,
    saccade_duration,
    script_behaviour,
)
from eye_expression_driver.synth.sequence import generate_sequence, load_sequence, write_sequence


def _series(poses, name):
    return np.array([getattr(p, name) for p in poses])


def test_script_has_one_pose_per_frame_at_any_rate():
    for fps in (30.0, 240.0):
        script = script_behaviour(np.random.default_rng(0), 2.0, fps)
        assert len(script.t) == len(script.left) == len(script.right) == int(2.0 * fps)
        assert script.t[1] == pytest.approx(1.0 / fps)


def test_blinks_close_fast_and_open_slower():
    params = BehaviourParams(blinks_per_min=40.0, partial_blink_share=0.0, winks_per_min=0.0)
    script = script_behaviour(np.random.default_rng(1), 30.0, 1000.0, params)
    blinks = [e for e in script.events if e.kind == "blink"]
    assert 8 <= len(blinks) <= 40
    openness = _series(script.left, "openness")
    for event in blinks[:5]:
        inside = (script.t >= event.start) & (script.t <= event.end)
        o = openness[inside]
        closed_at = script.t[inside][np.argmax(o < 0.05)]
        reopened_at = script.t[inside][len(o) - 1 - np.argmax(o[::-1] < 0.05)]
        assert 0.05 <= closed_at - event.start <= 0.13  # closing about 100 ms
        assert 0.12 <= event.end - reopened_at <= 0.26  # opening about 150-250 ms
        assert _series(script.left, "blinking")[inside].all()


def test_blink_rate_is_higher_in_short_sequences_and_settable():
    default = BehaviourParams()
    assert blink_rate(default, 10.0) > blink_rate(default, 300.0) >= 12.0
    assert blink_rate(BehaviourParams(blinks_per_min=6.0), 10.0) == 6.0
    none = script_behaviour(np.random.default_rng(2), 20.0, 30.0,
                            BehaviourParams(blinks_per_min=0.0, winks_per_min=0.0))
    assert none.events == [] and not _series(none.left, "blinking").any()


def test_saccades_follow_the_main_sequence():
    script = script_behaviour(np.random.default_rng(3), 20.0, 1000.0,
                              BehaviourParams(mode_weights=(1.0, 0.0, 0.0), blinks_per_min=0.0,
                                              winks_per_min=0.0))
    speed = np.hypot(np.diff(_series(script.left, "yaw")), np.diff(_series(script.left, "pitch")))
    speed *= 1000.0
    assert 300.0 < speed.max() < 900.0  # deg/s: fast, but within the main sequence
    assert np.median(speed) < 20.0  # most of the time the eye fixates
    assert saccade_duration(10.0) == pytest.approx(0.043)


def test_right_eye_yaw_mirrors_conjugate_gaze():
    script = script_behaviour(np.random.default_rng(4), 10.0, 60.0)
    left, right = _series(script.left, "yaw"), _series(script.right, "yaw")
    # Looking to one side turns one eye out and the other in: anatomical yaws anti-correlate.
    assert np.corrcoef(left, right)[0, 1] < -0.9
    assert np.allclose(_series(script.left, "pitch"), _series(script.right, "pitch"))


def test_same_seed_same_frames_other_seed_other_frames():
    a = list(generate_sequence(7, 0.2, 30.0))
    b = list(generate_sequence(7, 0.2, 30.0))
    c = list(generate_sequence(8, 0.2, 30.0))
    assert len(a) == 6
    for fa, fb in zip(a, b, strict=True):
        assert np.array_equal(fa.left, fb.left) and np.array_equal(fa.right, fb.right)
        assert np.array_equal(fa.left_truth.landmarks, fb.left_truth.landmarks)
    assert not np.array_equal(a[0].left, c[0].left)


def test_written_sequence_round_trips_with_identical_bytes(tmp_path):
    frames = list(generate_sequence(11, 0.3, 20.0, size=(120, 100)))
    first = write_sequence(generate_sequence(11, 0.3, 20.0, size=(120, 100)), tmp_path / "a")
    second = write_sequence(generate_sequence(11, 0.3, 20.0, size=(120, 100)), tmp_path / "b")
    assert digest(first) == digest(second)

    loaded = load_sequence(first)
    assert len(loaded) == len(frames) == 6
    assert loaded.meta["seed"] == 11 and loaded.meta["size"] == [120, 100]
    assert loaded.meta["subjects"]["left"]["texture_seed"] != \
        loaded.meta["subjects"]["right"]["texture_seed"]
    for frame in frames:
        assert np.array_equal(loaded.images["left"][frame.index], frame.left)
        assert np.array_equal(loaded.images["right"][frame.index], frame.right)
        truth = loaded.frame_truth("right", frame.index)
        assert np.allclose(truth.landmarks, frame.right_truth.landmarks, atol=1e-4)
        assert np.allclose(truth.glints, frame.right_truth.glints, atol=1e-4)
        assert truth.blinking == frame.right_truth.blinking
    assert loaded.truth["left"]["landmarks"].shape == (6, 24, 2)
    with pytest.raises(IndexError):
        loaded.images["left"][6]
