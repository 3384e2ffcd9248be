"""Rendering speed of the synthetic eye camera on one core (target: >= 300 frames/s at 200x200).

Usage: python benchmarks/bench_synth.py [--frames N] [--size W H] [--subjects K]
Prints frames/s for single-eye renders over varied poses (slips, saccade blur, blinks
included, as a behaviour script produces them) and for whole sequences (both eyes, behaviour).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np

from eye_expression_driver.synth.behaviour import script_behaviour
from eye_expression_driver.synth.renderer import EyeRenderer
from eye_expression_driver.synth.sequence import generate_sequence
from eye_expression_driver.synth.subject import SubjectParams


def bench_renderer(frames: int, size: tuple[int, int], subjects: int) -> float:
    """Frames per second of EyeRenderer.render over scripted poses of several subjects."""
    total = 0.0
    for k in range(subjects):
        rng = np.random.default_rng(k)
        renderer = EyeRenderer(SubjectParams.sample(rng), size)
        poses = script_behaviour(rng, frames / 120.0, 120.0).left
        renderer.render(poses[0], rng)  # warm-up
        start = time.perf_counter()
        for pose in poses:
            renderer.render(pose, rng)
        total += time.perf_counter() - start
    return frames * subjects / total


def bench_sequence(seconds: float, fps: float, size: tuple[int, int]) -> float:
    """Eye images per second of generate_sequence (set-up included, two eyes per frame)."""
    start = time.perf_counter()
    count = sum(2 for _ in generate_sequence(0, seconds, fps, size))
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--size", type=int, nargs=2, default=(200, 200), metavar=("W", "H"))
    parser.add_argument("--subjects", type=int, default=5)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    size = (args.size[0], args.size[1])
    fps = bench_renderer(args.frames, size, args.subjects)
    print(f"render {size[0]}x{size[1]}: {fps:.0f} frames/s on one core "
          f"({args.subjects} subjects x {args.frames} frames)")
    seq = bench_sequence(args.frames / 120.0, 120.0, size)
    print(f"generate_sequence {size[0]}x{size[1]}: {seq:.0f} eye images/s "
          "(both eyes, behaviour and set-up included)")


if __name__ == "__main__":
    main()
