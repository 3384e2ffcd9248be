"""A contact sheet of synthetic eye frames: subjects (rows) x gaze directions and blink phases.

Usage: python scripts/contact_sheet.py [--out docs/img/synth_contact_sheet.png]
       [--subjects 8] [--size 128] [--seed 0] [--overlay]

Every row is one random subject (SubjectParams.sample) as a left-eye view; columns are the
same poses for all rows, so differences within a column are between people and headsets.
``--overlay`` draws the ground truth (landmarks, pupil ellipse, glints) on the frames.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from eye_expression_driver.synth.pose import EyePose
from eye_expression_driver.synth.renderer import EyeRenderer, FrameTruth
from eye_expression_driver.synth.subject import SubjectParams

COLUMNS: tuple[tuple[str, EyePose], ...] = (
    ("straight", EyePose()),
    ("out 25", EyePose(yaw=25.0)),
    ("in 25", EyePose(yaw=-25.0)),
    ("up 18", EyePose(pitch=18.0)),
    ("down 22", EyePose(pitch=-22.0)),
    ("wide", EyePose(openness=1.3, pupil=0.2)),
    ("squint", EyePose(openness=0.6, squint=0.8)),
    ("closing 50%", EyePose(openness=0.5, blinking=True)),
    ("closing 85%", EyePose(openness=0.15, blinking=True)),
    ("closed", EyePose(openness=0.0, blinking=True)),
)
HEADER_PX = 18


def draw_truth(image: np.ndarray, truth: FrameTruth) -> np.ndarray:
    """A colour copy with the ground truth drawn: landmarks (red hidden), pupil, glints."""
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    for (x, y), hidden in zip(truth.landmarks, truth.landmarks_hidden, strict=True):
        colour = (0, 0, 255) if hidden else (0, 255, 0)
        cv2.circle(out, (round(float(x)), round(float(y))), 1, colour, -1)
    cx, cy, major, minor, angle = (float(v) for v in truth.pupil_ellipse)
    if truth.pupil_visible > 0:
        cv2.ellipse(out, ((cx, cy), (major, minor), angle), (255, 200, 0), 1, cv2.LINE_AA)
    for x, y in truth.glints:
        cv2.drawMarker(out, (round(float(x)), round(float(y))), (0, 255, 255),
                       cv2.MARKER_CROSS, 5)
    return out


def sheet(subjects: int, size: int, seed: int, overlay: bool) -> np.ndarray:
    """The contact sheet as a BGR image."""
    rows = []
    for k in range(subjects):
        rng = np.random.default_rng([seed, k])
        renderer = EyeRenderer(SubjectParams.sample(rng), (size, size))
        tiles = []
        for _, pose in COLUMNS:
            image, truth = renderer.render(pose, rng)
            tile = draw_truth(image, truth) if overlay else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            tiles.append(cv2.copyMakeBorder(tile, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0))
        rows.append(np.hstack(tiles))
    body = np.vstack(rows)
    header = np.full((HEADER_PX, body.shape[1], 3), 255, np.uint8)
    for i, (label, _) in enumerate(COLUMNS):
        cv2.putText(header, label, (i * (size + 2) + 4, HEADER_PX - 5), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([header, body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/synth_contact_sheet.png"))
    parser.add_argument("--subjects", type=int, default=8)
    parser.add_argument("--size", type=int, default=128, help="tile side (px)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overlay", action="store_true", help="draw the ground truth")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), sheet(args.subjects, args.size, args.seed, args.overlay),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
