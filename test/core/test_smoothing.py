"""core.smoothing: the One Euro filter."""

from __future__ import annotations

import numpy as np
import pytest

from eye_expression_driver.core.smoothing import OneEuroFilter


def test_first_sample_passes_and_constant_stays_constant() -> None:
    f = OneEuroFilter(1.0, 0.5)
    assert f(0.0, 0.3) == 0.3
    assert all(f(i / 100, 0.3) == pytest.approx(0.3) for i in range(1, 50))


def test_reduces_jitter_and_follows_a_step() -> None:
    rng = np.random.default_rng(0)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    noisy = 0.5 + 0.05 * rng.standard_normal(500)
    out = np.array([f(i / 120, x) for i, x in enumerate(noisy)])
    assert out[100:].std() < 0.3 * noisy[100:].std()
    step = [f(5.0 + i / 120, 1.0) for i in range(1, 600)]
    assert step[-1] == pytest.approx(1.0, abs=1e-3)


def test_beta_cuts_the_lag_on_fast_moves() -> None:
    slow, fast = OneEuroFilter(1.0, 0.0), OneEuroFilter(1.0, 5.0)
    for f in (slow, fast):
        f(0.0, 0.0)
    ramp = [(i / 120, i / 12) for i in range(1, 13)]  # 0 -> 1 in 0.1 s
    lag_slow = [t * 10 - slow(t, x) for t, x in ramp][-1]
    lag_fast = [t * 10 - fast(t, x) for t, x in ramp][-1]
    assert lag_fast < 0.5 * lag_slow


def test_arrays_repeated_times_and_reset() -> None:
    f = OneEuroFilter(1.0, 0.3)
    np.testing.assert_array_equal(f(0.0, np.array([0.0, 1.0])), [0.0, 1.0])
    out = f(0.01, np.array([1.0, 1.0]))
    assert 0.0 < out[0] < 1.0 and out[1] == pytest.approx(1.0)
    np.testing.assert_array_equal(f(0.01, np.array([5.0, 5.0])), out)  # same time: no step
    f.reset()
    np.testing.assert_array_equal(f(1.0, np.array([2.0, 3.0])), [2.0, 3.0])
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(0.0)
