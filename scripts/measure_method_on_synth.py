"""Measure the coefficient method on synthetic sessions; choose the default gaze percentiles.

For each synthetic person (both eyes) the exact landmarks and pupil of every frame come from
the synthetic camera's geometry (no images are rendered), plus tracker-like noise and a few
gross pupil errors. The gaze coefficients of ``label_sequence`` are compared with the
truth E = clip(angle / limit, 0, 1), where the limit is the scripted gaze range (the farthest
the synthetic person looks); P with the default settings is compared with 1 - openness.
Prints a table of the gaze mean absolute error per (min, max) percentile pair, the blink
figures, and writes a heat map.

    python scripts/measure_method_on_synth.py [--seeds 6] [--seconds 60] [--out docs/img]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from eye_expression_driver.core.calibration import CalibrationConfig
from eye_expression_driver.core.eye_coefficients import (
    CoefficientConfig,
    label_sequence,
)
from eye_expression_driver.core.eyelid import eyelid_distance
from eye_expression_driver.core.gaze import pupil_offset
from eye_expression_driver.core.landmarks import EyeGeometryError
from eye_expression_driver.synth.behaviour import BehaviourParams
from eye_expression_driver.synth.geometry import EyeGeometry
from eye_expression_driver.synth.sequence import generate_sequence

MIN_PCTS = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0)
MAX_PCTS = (80.0, 90.0, 95.0, 97.5, 98.0, 99.0, 99.5, 100.0)


def eye_features(subject, poses, size, rng, landmark_px: float, pupil_px: float, glitch: float):
    """Per-frame (d, offset x, y, pupil visibility, yaw, pitch, openness) of one eye, with
    tracker noise."""
    geo = EyeGeometry(subject, size)
    rows = []
    for pose in poses:
        frame = geo.frame(dataclasses.replace(pose, glints=False))
        landmarks = frame.landmarks + rng.normal(0.0, landmark_px, (24, 2))
        pupil = frame.pupil_affine[:, 2] + rng.normal(0.0, pupil_px, 2)
        if rng.random() < glitch:  # a gross tracker error: the pupil found somewhere else
            pupil = pupil + rng.normal(0.0, 0.15 * size[0], 2)
        try:
            d, offset = eyelid_distance(landmarks), pupil_offset(landmarks, pupil)
        except EyeGeometryError:
            d, offset = np.nan, np.full(2, np.nan)
        rows.append((d, *offset, frame.pupil_visible, pose.yaw, pose.pitch, frame.openness))
    return np.array(rows)


def truth_coefficients(yaw, pitch, limits) -> np.ndarray:
    """[up, down, in, out] from the angles, 1 at the scripted gaze limit."""
    lx, ly = limits
    return np.clip(np.column_stack([pitch / ly, -pitch / ly, -yaw / lx, yaw / lx]), 0.0, 1.0)


def errors(features: np.ndarray, limits, config: CoefficientConfig) -> float:
    """Mean absolute gaze error over frames with a clearly visible pupil."""
    d, ox, oy, visible, yaw, pitch, _ = features.T
    labels, _ = label_sequence(d, np.column_stack([ox, oy]), np.ones_like(d), visible, config)
    truth = truth_coefficients(yaw, pitch, limits)
    use = visible > 0.9
    return float(np.abs(labels[use, :4] - truth[use]).mean())


def blink_figures(eyes: list[np.ndarray]) -> dict[str, float]:
    """P of the default settings against 1 - openness: mean error, closed and open frames."""
    err, closed, relaxed = [], [], []
    for features in eyes:
        d, ox, oy, visible, _, _, openness = features.T
        labels, _ = label_sequence(d, np.column_stack([ox, oy]), np.ones_like(d), visible)
        p = labels[:, 4]
        err.append(np.abs(p - np.clip(1.0 - openness, 0.0, 1.0)).mean())
        closed.append(p[openness < 0.05])
        relaxed.append(p[openness > 0.9])
    return {
        "blink_mae": float(np.mean(err)),
        "p_closed_mean": float(np.concatenate(closed).mean()),
        "p_closed_min": float(np.concatenate(closed).min()),
        "p_open_mean": float(np.concatenate(relaxed).mean()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="synthetic people")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=120.0)
    parser.add_argument("--landmark-noise", type=float, default=0.8, help="px std")
    parser.add_argument("--pupil-noise", type=float, default=0.4, help="px std")
    parser.add_argument("--glitch-rate", type=float, default=0.005, help="gross pupil errors")
    parser.add_argument("--out", default="docs/img", help="folder for the PNG and JSON")
    args = parser.parse_args()
    limits = BehaviourParams().gaze_limit_deg
    rng = np.random.default_rng(0)
    eyes = []
    for seed in tqdm(range(args.seeds), desc="synthetic people"):
        seq = generate_sequence(seed, args.seconds, args.fps)
        for subject, poses in ((seq.left_subject, seq.script.left),
                               (seq.right_subject, seq.script.right)):
            eyes.append(eye_features(subject, poses, seq.size, rng, args.landmark_noise,
                                     args.pupil_noise, args.glitch_rate))
    table = np.zeros((len(MIN_PCTS), len(MAX_PCTS)))
    for i, lo in enumerate(MIN_PCTS):
        for j, hi in enumerate(MAX_PCTS):
            cal = CalibrationConfig(gaze_min_percentile=lo, gaze_max_percentile=hi)
            table[i, j] = np.mean([errors(f, limits, CoefficientConfig(cal)) for f in eyes])
    minmax = np.mean([
        errors(f, limits, CoefficientConfig(CalibrationConfig(use_min_max=True))) for f in eyes
    ])
    best = np.unravel_index(table.argmin(), table.shape)
    print(f"mean |E - truth| over {len(eyes)} eyes x {args.seconds:.0f} s "
          f"(rows: min percentile, columns: max percentile)")
    print("min\\max " + " ".join(f"{hi:>6}" for hi in MAX_PCTS))
    for lo, row in zip(MIN_PCTS, table, strict=True):
        print(f"{lo:>7} " + " ".join(f"{v:6.3f}" for v in row))
    print(f"min/max instead of percentiles: {minmax:.3f}")
    print(f"best: min {MIN_PCTS[best[0]]}, max {MAX_PCTS[best[1]]}: {table[best]:.3f}")
    blink = blink_figures(eyes)
    print("blink (defaults): mean |P - (1 - openness)| {blink_mae:.3f}; closed frames P mean "
          "{p_closed_mean:.3f}, min {p_closed_min:.3f}; open frames P mean {p_open_mean:.3f}"
          .format(**blink))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    im = ax.imshow(table, cmap="viridis_r", aspect="auto")
    ax.set_xticks(range(len(MAX_PCTS)), [f"{v:g}" for v in MAX_PCTS])
    ax.set_yticks(range(len(MIN_PCTS)), [f"{v:g}" for v in MIN_PCTS])
    ax.set_xlabel("f_max percentile")
    ax.set_ylabel("f_min percentile")
    for (i, j), v in np.ndenumerate(table):
        ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=7,
                color="white" if v > table.mean() else "black")
    ax.set_title(f"gaze coefficient error, {len(eyes)} synthetic eyes (min/max: {minmax:.3f})")
    fig.colorbar(im, ax=ax, label="mean |E - truth|")
    fig.tight_layout()
    fig.savefig(out / "gaze_percentiles.png", dpi=120)
    (out / "gaze_percentiles.json").write_text(json.dumps({
        "min_percentiles": MIN_PCTS, "max_percentiles": MAX_PCTS, "mae": table.tolist(),
        "min_max_mae": float(minmax), "blink": blink, "settings": vars(args),
    }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
