"""One Euro filter (Casiez, Roussel, Vogel, CHI 2012): little lag on fast moves, little
jitter when still. Used optionally on the gaze and blink coefficients."""

from __future__ import annotations

import math

import numpy as np


def _alpha(cutoff_hz: float, dt: float) -> float:
    """Smoothing factor of a first-order low-pass at this cutoff and step."""
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Adaptive low-pass for a float or a numpy array, sampled at irregular times (s)."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0):
        if not (min_cutoff > 0.0 and d_cutoff > 0.0 and beta >= 0.0):
            raise ValueError(
                f"One Euro needs min_cutoff > 0, d_cutoff > 0, beta >= 0; got "
                f"{min_cutoff}, {d_cutoff}, {beta}"
            )
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the history; the next sample passes through unchanged."""
        self._t: float | None = None
        self._x = None
        self._dx = None

    def __call__(self, t: float, x):
        """Filtered value of sample x at time t. A repeated or older t returns the last output."""
        if self._t is None:
            self._t, self._x, self._dx = t, x, 0.0 * x
            return x
        dt = t - self._t
        if not dt > 0.0:
            return self._x
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = self._dx + a_d * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        if isinstance(cutoff, float):
            a = _alpha(cutoff, dt)
        else:
            a = 1.0 / (1.0 + 1.0 / (2.0 * np.pi * cutoff * dt))
        self._x = self._x + a * (x - self._x)
        self._t = t
        return self._x
