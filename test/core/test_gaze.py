"""core.gaze: pupil offsets in the eye frame, direction components, gaze coefficients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eye_expression_driver.core.gaze import gaze_coefficients, project_directions, pupil_offset
from eye_expression_driver.core.landmarks import EyeGeometryError

finite = st.floats(-1.0, 1.0, allow_nan=False)


def corners_eye(nasal=(10.0, 50.0), temporal=(50.0, 50.0)) -> np.ndarray:
    points = np.zeros((24, 2))
    points[:] = ((nasal[0] + temporal[0]) / 2, (nasal[1] + temporal[1]) / 2 - 8.0)
    points[6], points[18] = nasal, temporal
    return points


def test_pupil_offset_hand_example() -> None:
    # Eye 40 px wide centred at (30, 50): 4 px right (out) and 2 px above -> (0.1, 0.05).
    np.testing.assert_allclose(pupil_offset(corners_eye(), (34.0, 48.0)), [0.1, 0.05])


def test_missing_pupil_is_nan_not_an_error() -> None:
    assert np.isnan(pupil_offset(corners_eye(), None)).all()
    assert np.isnan(pupil_offset(corners_eye(), (np.nan, 3.0))).all()
    with pytest.raises(EyeGeometryError):
        pupil_offset(corners_eye(temporal=(10.0, 50.0)), (30.0, 50.0))
    with pytest.raises(ValueError, match="pair"):
        pupil_offset(corners_eye(), (1.0, 2.0, 3.0))


def test_projection_hand_examples() -> None:
    np.testing.assert_array_equal(project_directions([0.1, 0.05]), [0.05, 0.0, 0.0, 0.1])
    np.testing.assert_array_equal(project_directions([-0.2, -0.1]), [0.0, 0.1, 0.2, 0.0])
    np.testing.assert_array_equal(project_directions([0.0, 0.0]), [0.0, 0.0, 0.0, 0.0])
    assert np.isnan(project_directions([np.nan, 0.0])).any()


@settings(max_examples=200, deadline=None)
@given(x=finite, y=finite)
def test_at_most_two_components_and_exact_zeros(x, y) -> None:
    f = project_directions([x, y])
    assert np.count_nonzero(f) <= 2
    assert (f >= 0.0).all()
    assert f[0] * f[1] == 0.0 and f[2] * f[3] == 0.0
    assert f[0] - f[1] == y and f[3] - f[2] == x  # nothing lost
    e = gaze_coefficients(f, [0.01] * 4, [0.2] * 4)
    assert (e[f == 0.0] == 0.0).all()
    assert ((e >= 0.0) & (e <= 1.0)).all()


def test_gaze_coefficients_hand_examples() -> None:
    lo, hi = [0.02, 0.02, 0.05, 0.05], [0.12, 0.22, 0.25, 0.15]
    e = gaze_coefficients([0.07, 0.0, 0.0, 0.3], lo, hi)
    np.testing.assert_allclose(e, [0.5, 0.0, 0.0, 1.0])
    e = gaze_coefficients([0.01, 0.0, 0.15, 0.0], lo, hi)
    np.testing.assert_allclose(e, [0.0, 0.0, 0.5, 0.0])
    batch = gaze_coefficients([[0.07, 0.0, 0.0, 0.3], [0.0, 0.12, 0.0, 0.0]], lo, hi)
    np.testing.assert_allclose(batch, [[0.5, 0.0, 0.0, 1.0], [0.0, 0.5, 0.0, 0.0]])


def test_zero_span_is_a_step() -> None:
    e = gaze_coefficients([0.2, 0.05, 0.1, 0.0], [0.1] * 4, [0.1] * 4)
    np.testing.assert_array_equal(e, [1.0, 0.0, 0.0, 0.0])


@settings(max_examples=100, deadline=None)
@given(a=st.floats(0.0, 0.5), b=st.floats(0.0, 0.5))
def test_larger_offset_larger_coefficient(a, b) -> None:
    ea = gaze_coefficients([a, 0, 0, 0], [0.02] * 4, [0.2] * 4)[0]
    eb = gaze_coefficients([b, 0, 0, 0], [0.02] * 4, [0.2] * 4)[0]
    assert (ea <= eb) if a <= b else (ea >= eb)
