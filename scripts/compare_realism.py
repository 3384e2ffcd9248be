"""Compare simple image statistics of synthetic eye frames with real infrared eye crops.

Usage: python scripts/compare_realism.py --realeye REALEYE/inp_itmo
       [--subjects 40] [--frames 12] [--size 200] [--figure docs/img/realism_stats.png]

Measures both sides with the same functions (eye_expression_driver.synth.realism): pupil
diameter (fitEllipse of the pupil mask), iris width, grey levels, pupil-iris contrast,
contrast at the lid edges, glint position and size, sharpness and noise. Prints a table (median and
10th-90th percentiles per side, and the overlap of the two histograms) and writes one figure
of aggregate histograms. No real image or anything cut from one is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np
from tqdm import tqdm

from eye_expression_driver.synth.realism import (
    IrisStats,
    PupilStats,
    coverage,
    intensity_histogram,
    measure_iris,
    measure_pupil,
    overlap,
    synthetic_masks,
)
from eye_expression_driver.synth.sequence import generate_sequence

# name -> (label, histogram bins) of every compared statistic.
ROWS = {
    "pupil_diameter": ("pupil diameter (px)", np.linspace(0, 90, 31)),
    "pupil_major": ("pupil major axis (px)", np.linspace(0, 90, 31)),
    "iris_diameter": ("iris width (px)", np.linspace(0, 200, 41)),
    "image_p5": ("image grey, 5th pct", np.linspace(0, 255, 35)),
    "image_p50": ("image grey, median", np.linspace(0, 255, 35)),
    "image_p95": ("image grey, 95th pct", np.linspace(0, 255, 35)),
    "pupil_grey": ("pupil grey", np.linspace(0, 120, 31)),
    "iris_grey": ("iris grey (ring)", np.linspace(0, 200, 41)),
    "pupil_iris_contrast": ("iris - pupil grey", np.linspace(-20, 120, 36)),
    "upper_edge_contrast": ("upper edge of visible iris: above - below", np.linspace(-40, 120, 33)),
    "lower_edge_contrast": ("lower edge of visible iris: below - above", np.linspace(-40, 120, 33)),
    "glint_offset": ("glint distance from pupil centre (radii)", np.linspace(0, 3, 31)),
    "glint_diameter": ("glint diameter (px, >= 80 % of its peak)", np.linspace(0, 20, 21)),
    "glint_found": ("glint near the pupil", np.linspace(0, 1, 3)),
    "sharpness": ("mean gradient (grey/px)", np.linspace(0, 12, 31)),
    "noise": ("noise std (grey)", np.linspace(0, 6, 31)),
}
PUPIL_FIELDS = [f.name for f in dataclasses.fields(PupilStats)]
IRIS_FIELDS = [f.name for f in dataclasses.fields(IrisStats)]


class Sample:
    """Per-image statistics of one side (real or synthetic) and its summed histogram."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {name: [] for name in ROWS}
        self.histogram = np.zeros(256)

    def add_pupil(self, image: np.ndarray, mask: np.ndarray) -> None:
        stats = measure_pupil(image, mask)
        if stats is None:
            return
        for name in PUPIL_FIELDS:
            self.values[name].append(getattr(stats, name))
        self.values["glint_found"].append(float(math.isfinite(stats.glint_offset)))
        self.histogram += intensity_histogram(image) / image.size

    def add_iris(self, image: np.ndarray, mask: np.ndarray) -> None:
        stats = measure_iris(image, mask)
        if stats is not None:
            for name in IRIS_FIELDS:
                self.values[name].append(getattr(stats, name))

    def array(self, name: str) -> np.ndarray:
        return np.asarray(self.values[name], dtype=np.float64)


def _pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(image, mask) pairs of one inp_itmo folder: X.png with Xm.png."""
    return [(p, p.with_name(p.stem + "m.png")) for p in sorted(folder.glob("*.png"))
            if not p.stem.endswith("m") and p.with_name(p.stem + "m.png").exists()]


def measure_real(root: Path, limit: int) -> Sample:
    sample = Sample()
    for kind in ("PupilEye", "IrisEye"):
        pairs = _pairs(root / kind)
        step = max(1, len(pairs) // limit) if limit else 1
        for image_path, mask_path in tqdm(pairs[::step], desc=f"real {kind}"):
            image = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
            mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
            if kind == "PupilEye":
                sample.add_pupil(image, mask)
            else:
                sample.add_iris(image, mask)
    return sample


def measure_synthetic(subjects: int, frames: int, size: int, seed: int) -> Sample:
    """Frames spread over short sessions of each subject; both eyes, as left-eye views."""
    sample = Sample()
    for k in tqdm(range(subjects), desc="synthetic"):
        seq = generate_sequence(seed + k, frames / 2.0, 2.0, (size, size))
        rng = np.random.default_rng(seed + k)
        for i in range(len(seq)):
            for renderer, poses in ((seq.renderer.left, seq.script.left),
                                    (seq.renderer.right, seq.script.right)):
                image, truth = renderer.render(poses[i], rng)
                if truth.pupil_visible < 0.3:  # real masks are never empty
                    continue
                pupil, iris = synthetic_masks(renderer.geometry.frame(poses[i]), (size, size))
                sample.add_pupil(image, pupil)
                sample.add_iris(image, iris)
    return sample


def _summary(values: np.ndarray, share: bool = False) -> str:
    values = values[np.isfinite(values)]
    if not values.size:
        return "n/a"
    if share:
        return f"{values.mean():.2f} of frames"
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return f"{p50:7.2f} [{p10:6.1f}, {p90:6.1f}]"


def table(real: Sample, synth: Sample) -> str:
    """A Markdown table: per statistic, both sides' median [p10, p90], the overlap of their
    histograms and the share of real values inside the synthetic range."""
    lines = ["| statistic | real median [p10, p90] | synthetic median [p10, p90] | overlap "
             "| real inside synthetic p2-p98 |", "|---|---|---|---|---|"]
    for name, (label, bins) in ROWS.items():
        a, b = real.array(name), synth.array(name)
        if name == "glint_found":
            lines.append(f"| {label} | {_summary(a, True)} | {_summary(b, True)} | | |")
            continue
        lines.append(f"| {label} | {_summary(a)} | {_summary(b)} | {overlap(a, b, bins):.2f} "
                     f"| {coverage(a, b):.2f} |")
    hist_overlap = float(np.minimum(real.histogram / real.histogram.sum(),
                                    synth.histogram / synth.histogram.sum()).sum())
    lines.append(f"| grey-level histogram (all pixels) | | | {hist_overlap:.2f} | |")
    counts = f"real: {len(real.values['pupil_diameter'])} pupil-labelled, " \
             f"{len(real.values['iris_diameter'])} iris-labelled images; synthetic: " \
             f"{len(synth.values['pupil_diameter'])} frames"
    return "\n".join(lines) + "\n\n" + counts


def _sides(real: Sample, synth: Sample) -> tuple[tuple[str, Sample, str], ...]:
    return ("real", real, "tab:blue"), ("synthetic", synth, "tab:orange")


def figure(real: Sample, synth: Sample, path: Path) -> None:
    """Aggregate histograms only (no image content)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["pupil_diameter", "iris_diameter", "pupil_iris_contrast", "upper_edge_contrast",
             "lower_edge_contrast", "glint_offset", "glint_diameter", "sharpness", "noise",
             "image_p50", "pupil_grey"]
    fig, axes = plt.subplots(3, 4, figsize=(15, 10))
    for ax, name in zip(axes.flat, names, strict=False):
        label, bins = ROWS[name]
        for side, sample, colour in _sides(real, synth):
            values = sample.array(name)
            values = values[np.isfinite(values)]
            ax.hist(np.clip(values, bins[0], bins[-1]), bins, density=True, alpha=0.5,
                    color=colour, label=f"{side} (n={values.size})")
        ax.set_title(label, fontsize=9)
        ax.legend(fontsize=7)
    ax = axes.flat[-1]
    for side, sample, colour in _sides(real, synth):
        ax.plot(sample.histogram / sample.histogram.sum(), color=colour, label=side)
    ax.set_title("grey-level histogram (all pixels)", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle("Synthetic eye frames vs real IR eye crops (inp_itmo): aggregate statistics")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realeye", type=Path, required=True, help="the inp_itmo folder")
    parser.add_argument("--subjects", type=int, default=40, help="synthetic subjects")
    parser.add_argument("--frames", type=int, default=12, help="frames per synthetic subject")
    parser.add_argument("--size", type=int, default=200, help="synthetic image side (px)")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--real-limit", type=int, default=0,
                        help="at most about this many real pairs per folder (0 = all)")
    parser.add_argument("--figure", type=Path, default=Path("docs/img/realism_stats.png"))
    args = parser.parse_args(argv)
    if not (args.realeye / "PupilEye").is_dir():
        print(f"no PupilEye folder in {args.realeye}", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    real = measure_real(args.realeye, args.real_limit)
    synth = measure_synthetic(args.subjects, args.frames, args.size, args.seed)
    print(table(real, synth))
    if str(args.figure):
        figure(real, synth, args.figure)
        print(f"figure: {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
