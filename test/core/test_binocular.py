"""core.binocular: pairing into coefficients, a lost eye, learned inputs, profiles of both eyes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eye_expression_driver.core.binocular import BinocularCoefficients, EyeInput, profile_paths
from eye_expression_driver.core.calibration import CalibrationConfig, ProfileError
from eye_expression_driver.core.eye_coefficients import CoefficientConfig

FAST = CoefficientConfig(calibration=CalibrationConfig(min_samples=20, refresh_every=5))


def obs(stamp_ns: int, d: float = 0.3, offset=(0.0, 0.0), learned=None) -> EyeInput:
    return EyeInput(stamp_ns, d, offset, 1.0, 1.0, learned)


def feed(bino: BinocularCoefficients, frames: int, start_ns: int = 0, now0: float = 0.0):
    """Both eyes, 100 Hz, with a blink every 25 frames; returns all results."""
    out = []
    for i in range(frames):
        d = 0.02 if i % 25 in (10, 11, 12) else 0.3
        stamp = start_ns + i * 10_000_000
        now = now0 + i * 0.01
        out += bino.push("left", obs(stamp, d), now)
        out += bino.push("right", obs(stamp, d), now)
    return out


def test_pairs_become_coefficients_with_the_source_stamp() -> None:
    bino = BinocularCoefficients(FAST)
    results = feed(bino, 100, start_ns=1_234_567_891)
    assert len(results) == 100
    assert results[-1].stamp_ns == 1_234_567_891 + 99 * 10_000_000
    blink = [r.left.blink for r in results[50:]]
    assert max(blink) > 0.9 and min(blink) < 0.1
    assert results[-1].present == (True, True) and results[-1].left.calibrated


def test_lost_eye_gets_confidence_zero_and_recovers() -> None:
    bino = BinocularCoefficients(FAST, timeout=0.1)
    feed(bino, 10)
    out = []
    for i in range(10, 40):  # right eye silent
        out += bino.push("left", obs(i * 10_000_000), i * 0.01)
    out += bino.poll(0.5)
    singles = [r for r in out if r.present == (True, False)]
    assert singles and all(r.right.blink_confidence == 0 for r in singles)
    assert all(r.left.blink_confidence > 0 for r in singles)
    back = feed(bino, 5, start_ns=1_000_000_000, now0=1.0)
    assert back[-1].present == (True, True) and back[-1].right.blink_confidence > 0


def test_learned_observations_pass_the_model_coefficients_while_warming_up() -> None:
    bino = BinocularCoefficients(FAST)
    learned = (0.1, 0.2, 0.3, 0.4, 0.9)
    bino.push("left", obs(5, learned=learned), 0.0)
    (result,) = bino.push("right", obs(5, learned=learned), 0.0)
    assert result.learned and not result.left.calibrated
    assert result.left.as_vector() == pytest.approx(np.array(learned))


def test_learned_features_are_normalised_with_the_session_statistics() -> None:
    """Once calibrated, a learned eye gets what the method makes of the model's features
    (the same numbers as a geometric eye with those features), not the direct output."""
    learned, geometric = BinocularCoefficients(FAST), BinocularCoefficients(FAST)
    direct = (0.5, 0.5, 0.5, 0.5, 0.5)
    for i in range(200):
        offset = (0.08 * math.sin(i / 7.0), 0.05 * math.cos(i / 5.0))
        stamp, now = i * 10_000_000, i * 0.01
        for side in ("left", "right"):
            a = learned.push(side, obs(stamp, 0.3, offset, learned=direct), now)
            b = geometric.push(side, obs(stamp, 0.3, offset), now)
    assert a[0].learned and a[0].left.calibrated
    assert a[0].left.as_vector() == pytest.approx(b[0].left.as_vector())
    assert a[0].left.as_vector() != pytest.approx(np.array(direct))


def test_profile_paths() -> None:
    paths = profile_paths("/tmp/user.json")
    assert str(paths["left"]) == "/tmp/user.left.json"
    assert str(profile_paths("/tmp/user")["right"]) == "/tmp/user.right.json"


def test_save_reset_load(tmp_path) -> None:
    bino = BinocularCoefficients(FAST)
    with pytest.raises(ProfileError, match="warming up"):
        bino.save_profile(tmp_path / "p.json")
    assert not list(tmp_path.iterdir())
    feed(bino, 100)
    before = bino.thresholds("left")
    bino.save_profile(tmp_path / "p.json")
    bino.reset_calibration()
    assert not bino.thresholds("left").ready
    bino.load_profile(tmp_path / "p.json")
    after = bino.thresholds("left")
    assert after.ready and after.d_max == pytest.approx(before.d_max)
    (tmp_path / "p.right.json").write_text("{not json")
    with pytest.raises(ProfileError):
        bino.load_profile(tmp_path / "p.json")


def test_look_straight_needs_pupils_then_sets_centres() -> None:
    bino = BinocularCoefficients(FAST)
    with pytest.raises(ValueError, match="left"):
        bino.look_straight()
    bino.push("left", obs(1, offset=(0.05, -0.02)), 0.0)
    bino.push("right", obs(1, offset=(0.01, 0.0)), 0.0)
    message = bino.look_straight()
    assert "left" in message
    centre = bino.thresholds("left").centre
    assert centre[0] == pytest.approx(0.05) and not math.isnan(centre[1])
