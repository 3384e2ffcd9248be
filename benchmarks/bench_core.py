"""Time one eye-frame update of the coefficient method on one core.

One update = eyelid distance + pupil offset in the eye frame + gaze projection and
coefficients + blink + streaming calibration statistics (``EyeCoefficientEstimator.update``),
with the calibration window already full so the statistics run in their steady state.
Target: median <= 50 us. Prints the median and p99 in microseconds.

    python benchmarks/bench_core.py [--frames 20000] [--core 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time

import numpy as np
from tqdm import tqdm

from eye_expression_driver.core.eye_coefficients import EyeCoefficientEstimator
from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.gaze import pupil_offset


def frames(n: int, seed: int = 0):
    """n noisy eyes (24 landmarks, pupil) with blinks and gaze moves, 120 Hz."""
    rng = np.random.default_rng(seed)
    s = np.r_[np.linspace(1, 0, 13)[1:-1], 0.0, np.arange(1, 12) / 12, 1.0]
    order = [19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, *range(7, 18), 18]
    base = np.zeros((24, 2))
    base[order, 0] = 100 + 100 * s
    upper = np.zeros(24, bool)
    upper[[19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5]] = True
    bump = np.sin(np.pi * base[:, 0] / 100 - np.pi)
    t = np.arange(n) / 120.0  # converted to float per frame, as a node passes stamps
    openness = np.where((np.arange(n) % 300) < 12, 0.05, 1.0)
    lids = np.where(upper, -30.0 * bump, 12.0 * bump)
    landmarks = base[None] + rng.normal(0, 0.3, (n, 24, 2))
    landmarks[:, :, 1] += 122 + np.where(upper[None], openness[:, None], 1.0) * lids[None]
    pupils = np.column_stack([150 + 12 * np.sin(t * 2), 118 + 6 * np.cos(t * 1.3)])
    return t, landmarks, pupils


def run(estimator, t, landmarks, pupils, timed: bool, desc: str) -> np.ndarray:
    """Per-frame wall times (us) of the full update."""
    out = np.empty(len(t))
    clock = time.perf_counter_ns
    for i in tqdm(range(len(t)), desc=desc, disable=not timed, mininterval=1.0):
        start = clock()
        d = eyelid_distance(landmarks[i])
        offset = pupil_offset(landmarks[i], pupils[i])
        estimator.update(float(t[i]), d, offset, 0.95, 0.95)
        out[i] = (clock() - start) / 1000.0
    return out


def time_parts(t, landmarks, pupils, repeats: int) -> dict[str, float]:
    """Median us of each part on its own (same inputs)."""
    est = EyeCoefficientEstimator()
    run(est, t, landmarks, pupils, False, "")
    d = eyelid_distance(landmarks[0])
    offset = pupil_offset(landmarks[0], pupils[0])
    parts = {
        "eyelid_distance": lambda i: eyelid_distance(landmarks[i]),
        "pupil_offset": lambda i: pupil_offset(landmarks[i], pupils[i]),
        "estimator.update": lambda i: est.update(t[-1] + (i + 1) / 120.0, d, offset, 0.95, 0.95),
    }
    clock = time.perf_counter_ns
    result = {}
    for name, fn in parts.items():
        samples = []
        for i in range(repeats):
            start = clock()
            fn(i % len(t))
            samples.append((clock() - start) / 1000.0)
        result[name] = float(np.median(samples))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20000, help="timed frames")
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (-1: no pin)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.core >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    estimator = EyeCoefficientEstimator()
    window = estimator.config.calibration.window_frames
    t, landmarks, pupils = frames(window + args.frames)
    run(estimator, t[:window], landmarks[:window], pupils[:window], False, "")  # fill window
    gc.collect()
    gc.disable()
    try:
        us = run(estimator, t[window:], landmarks[window:], pupils[window:], True, "frames")
        parts = time_parts(t[:2000], landmarks[:2000], pupils[:2000], 5000)
    finally:
        gc.enable()
    figures = {
        "frames": int(us.size),
        "median_us": float(np.median(us)),
        "p90_us": float(np.percentile(us, 90)),
        "p99_us": float(np.percentile(us, 99)),
        "max_us": float(us.max()),
        "parts_median_us": parts,
        "refresh_every": estimator.config.calibration.refresh_every,
        "window_frames": window,
        "calibrated": bool(estimator.calibration.ready),
    }
    print(f"one eye-frame update over {us.size} frames (window {window} frames, full):")
    print(f"  median {figures['median_us']:.1f} us   p90 {figures['p90_us']:.1f} us   "
          f"p99 {figures['p99_us']:.1f} us   max {figures['max_us']:.0f} us")
    print("  (target: median <= 50 us)")
    for name, value in parts.items():
        print(f"  {name:18s} median {value:.1f} us")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
