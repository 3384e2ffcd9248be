"""The worked example of docs/method.md, number by number (keep the two in step)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eye_expression_driver.core.blink import blink_coefficient, wide_coefficient
from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.gaze import gaze_coefficients, project_directions, pupil_offset

D_MIN, D_MAX = 0.04, 0.29
CENTRE = np.array([0.01, 0.02])
GAZE_MIN = [0.005, 0.005, 0.006, 0.006]
GAZE_MAX = [0.09, 0.11, 0.16, 0.15]


def example_eye() -> np.ndarray:
    points = np.full((24, 2), (150.0, 120.0))
    points[6], points[18] = (100.0, 120.0), (200.0, 120.0)
    points[0], points[23] = (145.0, 100.0), (155.0, 98.0)
    points[12] = (150.0, 131.0)
    return points


def test_eyelid_distance() -> None:
    assert eyelid_distance(example_eye()) == pytest.approx(0.21)  # (20 + 22) / 2 / 100
    assert eyelid_distance(example_eye(), "mid_lids") == pytest.approx(0.32)  # (21 + 11) / 100


def test_blink() -> None:
    assert blink_coefficient(0.21, D_MIN, D_MAX) == pytest.approx(0.32)  # r 0.68, P1 0.32
    closing = 0.5 + 0.5 * (1.0 - math.exp(-4.0 * 0.3 / 0.5))
    assert blink_coefficient(0.09, D_MIN, D_MAX) == pytest.approx(closing)
    assert closing == pytest.approx(0.954641, abs=1e-6)
    assert wide_coefficient(0.33, D_MIN, D_MAX) == pytest.approx(0.32)  # r 1.16


def test_gaze() -> None:
    offset = pupil_offset(example_eye(), (158.0, 114.0))
    np.testing.assert_allclose(offset, [0.08, 0.06])
    f = project_directions(offset - CENTRE)
    np.testing.assert_allclose(f, [0.04, 0.0, 0.0, 0.07])
    assert f[1] == 0.0 and f[2] == 0.0
    e = gaze_coefficients(f, GAZE_MIN, GAZE_MAX)
    np.testing.assert_allclose(e, [0.035 / 0.085, 0.0, 0.0, 0.064 / 0.144])
