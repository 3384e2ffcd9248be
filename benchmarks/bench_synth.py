"""Rendering speed of the synthetic eye camera on one core (target: >= 300 frames/s at 200x200).

Usage: python benchmarks/bench_synth.py [--frames N] [--size W H] [--subjects K]
Prints frames/s for single-eye renders over varied poses (slips, saccade blur, blinks
included, as a behaviour script produces them), for whole sequences (both eyes, behaviour)
and for the one-wide-camera option (2W x H, both eyes). Rates are per wall-clock second and per
second of this process's CPU time; on a shared machine the CPU figure is the one-core speed.
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
from eye_expression_driver.synth.wide import generate_wide_sequence


class Clock:
    """Wall-clock and process CPU time since creation."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def rates(self, count: float) -> tuple[float, float]:
        return (count / (time.perf_counter() - self.wall),
                count / max(time.process_time() - self.cpu, 1e-9))


def bench_renderer(frames: int, size: tuple[int, int], subjects: int) -> tuple[float, float]:
    """Frames per second (wall, CPU) of EyeRenderer.render over scripted poses of subjects."""
    wall = cpu = 0.0
    for k in range(subjects):
        rng = np.random.default_rng(k)
        renderer = EyeRenderer(SubjectParams.sample(rng), size)
        poses = script_behaviour(rng, frames / 120.0, 120.0).left
        renderer.render(poses[0], rng)  # warm-up
        clock = Clock()
        for pose in poses:
            renderer.render(pose, rng)
        wall += time.perf_counter() - clock.wall
        cpu += time.process_time() - clock.cpu
    return frames * subjects / wall, frames * subjects / cpu


def bench_sequence(seconds: float, fps: float, size: tuple[int, int]) -> tuple[float, float]:
    """Eye images per second of generate_sequence (set-up included, two eyes per frame)."""
    clock = Clock()
    count = sum(2 for _ in generate_sequence(0, seconds, fps, size))
    return clock.rates(count)


def bench_wide(seconds: float, fps: float, size: tuple[int, int]) -> tuple[float, float]:
    """Wide images (both eyes) per second of generate_wide_sequence, set-up included."""
    clock = Clock()
    count = sum(1 for _ in generate_wide_sequence(0, seconds, fps, size))
    return clock.rates(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--size", type=int, nargs=2, default=(200, 200), metavar=("W", "H"))
    parser.add_argument("--subjects", type=int, default=5)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    size = (args.size[0], args.size[1])
    wall, cpu = bench_renderer(args.frames, size, args.subjects)
    print(f"render {size[0]}x{size[1]}: {cpu:.0f} frames/s per CPU-second on one core "
          f"({wall:.0f} per wall second; {args.subjects} subjects x {args.frames} frames)")
    wall, cpu = bench_sequence(args.frames / 120.0, 120.0, size)
    print(f"generate_sequence {size[0]}x{size[1]}: {cpu:.0f} eye images/s per CPU-second "
          f"({wall:.0f} per wall second; both eyes, behaviour and set-up included)")
    wide = (2 * size[0], size[1])
    wall, cpu = bench_wide(args.frames / 120.0, 120.0, wide)
    print(f"generate_wide_sequence {wide[0]}x{wide[1]}: {cpu:.0f} wide images/s per CPU-second "
          f"({wall:.0f} per wall second)")


if __name__ == "__main__":
    main()
