"""core.blink: the constraint function g, the blink coefficient P, wide, calibration-free."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eye_expression_driver.core.blink import (
    MIN_G_AT_ONE,
    blink_coefficient,
    calibration_free_blink,
    check_constraint,
    constraint_g,
    required_sharpness,
    wide_coefficient,
)

thresholds = st.floats(0.05, 0.95)
p_values = st.floats(-2.0, 3.0, allow_nan=False)
distances = st.floats(-0.2, 0.8, allow_nan=False)


def test_hand_examples() -> None:
    # d_min 0.05, d_max 0.30: d = 0.175 is half way -> r = 0.5, P1 = 0.5 = T -> P = 0.5.
    assert blink_coefficient(0.175, 0.05, 0.30) == pytest.approx(0.5)
    # d = 0.25 -> r = 0.8, P1 = 0.2 (below T: P = P1).
    assert blink_coefficient(0.25, 0.05, 0.30) == pytest.approx(0.2)
    # d = 0.10 -> r = 0.2, P1 = 0.8 -> g = 0.5 + 0.5 (1 - exp(-4 * 0.3 / 0.5)).
    assert blink_coefficient(0.10, 0.05, 0.30) == pytest.approx(0.5 + 0.5 * (1 - math.exp(-2.4)))
    # d = d_min -> P1 = 1 -> g(1) = 1 - 0.5 exp(-4) = 0.99084.
    assert blink_coefficient(0.05, 0.05, 0.30) == pytest.approx(1 - 0.5 * math.exp(-4.0))
    assert blink_coefficient(0.30, 0.05, 0.30) == 0.0  # relaxed open
    assert blink_coefficient(0.40, 0.05, 0.30) == 0.0  # wider than relaxed: clipped
    assert blink_coefficient(-0.1, 0.05, 0.30) <= 1.0


def test_g_reaches_the_required_value_at_one() -> None:
    assert constraint_g(1.0) >= MIN_G_AT_ONE
    k = required_sharpness(0.5)
    assert constraint_g(1.0, 0.5, k) == pytest.approx(MIN_G_AT_ONE)
    assert constraint_g(1.0, 0.5, k * 0.99) < MIN_G_AT_ONE


@settings(max_examples=200, deadline=None)
@given(t=thresholds, a=p_values, b=p_values)
def test_g_is_monotonic_saturating_and_identity_below_t(t, a, b) -> None:
    k = required_sharpness(t) + 0.5
    ga, gb = constraint_g(a, t, k), constraint_g(b, t, k)
    assert (ga <= gb) if a <= b else (ga >= gb)
    if a <= t:
        assert ga == a
    else:
        assert t <= ga <= 1.0
    assert constraint_g(1.0, t, k) >= MIN_G_AT_ONE


@settings(max_examples=200, deadline=None)
@given(t=thresholds, eps=st.floats(1e-12, 1e-6))
def test_g_is_continuous_at_t(t, eps) -> None:
    k = required_sharpness(t) + 1.0
    above, below = constraint_g(t + eps, t, k), constraint_g(t - eps, t, k)
    # Slope k above T, 1 below: the jump across T is at most (k + 1) * eps.
    assert abs(above - below) <= (k + 1.0) * eps * 1.0001
    assert constraint_g(t, t, k) == t


@settings(max_examples=300, deadline=None)
@given(
    d1=distances,
    d2=distances,
    d_min=st.floats(-0.05, 0.2),
    span=st.floats(0.02, 0.6),
)
def test_p_is_monotonic_and_continuous_in_d(d1, d2, d_min, span) -> None:
    d_max = d_min + span
    p1, p2 = blink_coefficient(d1, d_min, d_max), blink_coefficient(d2, d_min, d_max)
    assert 0.0 <= p1 <= 1.0
    assert (p1 >= p2) if d1 <= d2 else (p1 <= p2)  # wider open: never more closed
    # Lipschitz: |dP/dd| <= k / (d_max - d_min) everywhere (k = 4 > 1).
    assert abs(p1 - p2) <= 4.0 * abs(d1 - d2) / span + 1e-12


@settings(max_examples=100, deadline=None)
@given(d=distances, d_min=st.floats(-0.05, 0.2), span=st.floats(0.02, 0.6))
def test_array_path_matches_scalar_path(d, d_min, span) -> None:
    arr = blink_coefficient(np.array([d, d]), d_min, d_min + span)
    assert arr[0] == pytest.approx(blink_coefficient(d, d_min, d_min + span), abs=1e-15)


def test_nan_distance_gives_nan() -> None:
    assert math.isnan(blink_coefficient(math.nan, 0.0, 0.3))
    assert np.isnan(blink_coefficient(np.array([np.nan, 0.3]), 0.0, 0.3)[0])


def test_wide() -> None:
    assert wide_coefficient(0.30, 0.05, 0.30) == 0.0
    assert wide_coefficient(0.10, 0.05, 0.30) == 0.0
    # r = (0.3625 - 0.05) / 0.25 = 1.25 -> half way to the default full ratio 1.5.
    assert wide_coefficient(0.3625, 0.05, 0.30) == pytest.approx(0.5)
    assert wide_coefficient(0.5, 0.05, 0.30) == 1.0
    assert wide_coefficient(0.3625, 0.05, 0.30, full_ratio=2.0) == pytest.approx(0.25)


def test_calibration_free_blink_is_inverse_to_the_opening() -> None:
    assert calibration_free_blink(0.3, 0.3) == 0.0
    assert calibration_free_blink(0.24, 0.3) == pytest.approx(0.2)  # 1 - 0.24 / 0.3
    assert calibration_free_blink(0.0, 0.3) == pytest.approx(constraint_g(1.0))
    with pytest.raises(ValueError, match="nominal open"):
        calibration_free_blink(0.1, 0.0)


def test_bad_parameters_raise_with_reason() -> None:
    with pytest.raises(ValueError, match="d_max > d_min"):
        blink_coefficient(0.1, 0.3, 0.3)
    with pytest.raises(ValueError, match="threshold"):
        check_constraint(1.0, 4.0)
    with pytest.raises(ValueError, match="sharpness"):
        check_constraint(0.5, 1.0)
    with pytest.raises(ValueError, match="full_ratio"):
        wide_coefficient(0.3, 0.0, 0.3, full_ratio=1.0)
