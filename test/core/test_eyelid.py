"""core.eyelid: hand-computed distances, invariance to camera moves, degenerate input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.landmarks import EyeGeometryError, to_eye_frame


def flat_eye(upper=(-3.0, -5.0), lower: float = 2.0) -> np.ndarray:
    """Corners (0, 0) and (10, 0); the lid points' image y (up is negative y)."""
    points = np.zeros((24, 2))
    points[:, 0] = np.linspace(0.0, 10.0, 24)
    points[6], points[18] = (0.0, 0.0), (10.0, 0.0)
    points[0], points[23] = (4.0, upper[0]), (6.0, upper[1])
    points[12] = (5.0, lower)
    return points


def test_hand_example_corner_line() -> None:
    # Heights 3 and 5 above the corner line, eye width 10: mean 4 / 10.
    assert eyelid_distance(flat_eye()) == pytest.approx(0.4, abs=1e-12)


def test_hand_example_mid_lids() -> None:
    # Middle of the upper lid at height 4, lower lid middle 2 below the line: 6 / 10.
    assert eyelid_distance(flat_eye(), method="mid_lids") == pytest.approx(0.6, abs=1e-12)


def test_other_targets_and_unsigned() -> None:
    points = flat_eye(upper=(-3.0, 1.0))  # point 23 just below the corner line
    assert eyelid_distance(points) == pytest.approx(0.1)
    assert eyelid_distance(points, signed=False) == pytest.approx(0.2)
    points[2] = (2.0, -7.0)
    assert eyelid_distance(points, targets=(2,)) == pytest.approx(0.7)
    assert eyelid_distance(points, targets=[0, 2]) == pytest.approx(0.5)


def test_lid_below_corner_line_is_negative_when_signed() -> None:
    assert eyelid_distance(flat_eye(upper=(1.0, 1.0))) == pytest.approx(-0.1)
    assert eyelid_distance(flat_eye(upper=(1.0, 1.0)), signed=False) == pytest.approx(0.1)


def test_matches_the_eye_frame_height() -> None:
    rng = np.random.default_rng(3)
    points = flat_eye() + rng.normal(0.0, 0.5, (24, 2))
    expected = to_eye_frame(points, points[[0, 23]])[:, 1].mean()
    assert eyelid_distance(points) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    angle=st.floats(-math.pi, math.pi),
    scale=st.floats(0.2, 20.0),
    shift=st.tuples(st.floats(-500, 500), st.floats(-500, 500)),
)
def test_invariant_to_rotation_scale_and_shift(angle, scale, shift) -> None:
    points = flat_eye()
    c, s = math.cos(angle), math.sin(angle)
    moved = points @ np.array([[c, s], [-s, c]]) * scale + np.array(shift)
    for method in ("corner_line", "mid_lids"):
        assert eyelid_distance(moved, method) == pytest.approx(
            eyelid_distance(points, method), abs=1e-9
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.__setitem__(18, p[6]), "coincide"),
        (lambda p: p.__setitem__((0, 1), np.nan), "not finite"),
        (lambda p: p.__setitem__((6, 0), np.nan), "corner"),
        (lambda p: p.__setitem__((23, 0), np.inf), "not finite"),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_degenerate_input_raises(change, message) -> None:
    points = flat_eye()
    change(points)
    with pytest.raises(EyeGeometryError, match=message):
        eyelid_distance(points)


def test_nan_lower_lid_only_matters_for_mid_lids() -> None:
    points = flat_eye()
    points[12] = np.nan
    assert eyelid_distance(points) == pytest.approx(0.4)
    with pytest.raises(EyeGeometryError):
        eyelid_distance(points, method="mid_lids")


def test_bad_arguments_raise() -> None:
    with pytest.raises(EyeGeometryError, match="no target"):
        eyelid_distance(flat_eye(), targets=())
    with pytest.raises(EyeGeometryError, match="outside"):
        eyelid_distance(flat_eye(), targets=(24,))
    with pytest.raises(ValueError, match="unknown eyelid distance method"):
        eyelid_distance(flat_eye(), method="nope")
    with pytest.raises(EyeGeometryError, match="landmarks"):
        eyelid_distance(np.zeros((12, 2)))
