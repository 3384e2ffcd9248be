"""Median wall time of one call per image size, as the model cards report speed."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def median_call_ms(call: Callable[[np.ndarray], object], sizes: tuple[int, ...] = (200, 400),
                   warmup: int = 20, runs: int = 200) -> dict[int, float]:
    """Median ms of ``call(image)`` on a random-texture uint8 image of each size (square)."""
    rng = np.random.default_rng(0)
    out = {}
    for size in sizes:
        image = rng.integers(0, 255, (size, size), dtype=np.uint8)
        for _ in range(warmup):
            call(image)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            call(image)
            times.append(time.perf_counter() - start)
        out[size] = 1e3 * float(np.median(times))
    return out
