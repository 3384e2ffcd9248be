"""The label-quality summary of an auto-labelled data set: counts, distributions, a plot.

Written next to the labels so a person can see at a glance whether the labelling worked:
how many frames each track kept, whether each session's statistics were ready (enough frames
and a blink seen), and how each coefficient is distributed over the kept frames. A data set
where P never reaches 1 or a gaze direction is always 0 is visible here before training.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

from eye_expression_driver.core.names import SHORT_NAMES

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .auto_label import TrackLabels

BINS = np.linspace(0.0, 1.0, 11)


def coefficient_stats(values: np.ndarray) -> dict:
    """Mean, percentiles, share of exact zeros and a 10-bin histogram of one coefficient."""
    if values.size == 0:
        return {"count": 0}
    pct = np.percentile(values, (5, 50, 95))
    return {
        "count": int(values.size), "mean": round(float(values.mean()), 4),
        "p5": round(float(pct[0]), 4), "median": round(float(pct[1]), 4),
        "p95": round(float(pct[2]), 4), "zero_share": round(float(np.mean(values == 0.0)), 4),
        "above_half_share": round(float(np.mean(values > 0.5)), 4),
        "histogram": np.histogram(values, BINS)[0].tolist(),
    }


def track_entry(track: TrackLabels) -> dict:
    """One track's counts and whether its statistics came from real data."""
    th = track.statistics.get("thresholds", {})
    return {"name": track.name, "frames": len(track), "kept": int(track.keep.sum()),
            "kept_share": round(float(track.keep.mean()) if len(track) else 0.0, 4),
            "statistics_ready": bool(th.get("ready", False)),
            "blink_calibrated": bool(th.get("blink_calibrated", False))}


def summarise(tracks: list[TrackLabels]) -> dict:
    """The JSON summary over all tracks."""
    kept = np.concatenate([t.labels[t.keep] for t in tracks]) if tracks else np.zeros((0, 5))
    return {
        "tracks": len(tracks),
        "frames": int(sum(len(t) for t in tracks)),
        "kept": int(kept.shape[0]),
        "coefficients": {name: coefficient_stats(kept[:, i]) for i, name in
                         enumerate(SHORT_NAMES)},
        "per_track": [track_entry(t) for t in tracks],
    }


def plot_summary(tracks: list[TrackLabels], path: Path) -> None:
    """Histograms of the five coefficients (kept frames) and the kept share per track."""
    fig, axes = plt.subplots(1, 6, figsize=(18, 3.2))
    kept = np.concatenate([t.labels[t.keep] for t in tracks]) if tracks else np.zeros((0, 5))
    for i, name in enumerate(SHORT_NAMES):
        axes[i].hist(kept[:, i], bins=20, range=(0, 1), color="tab:blue")
        axes[i].set_yscale("log")
        axes[i].set_title(f"{name} ({kept.shape[0]} kept frames)", fontsize=9)
    shares = [float(t.keep.mean()) if len(t) else 0.0 for t in tracks]
    axes[5].bar(range(len(shares)), shares, color="tab:green")
    axes[5].set_ylim(0, 1.02)
    axes[5].set_title("kept share per track", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def write_summary(tracks: list[TrackLabels], out_dir: Path) -> dict:
    """Write summary.json and summary.png into ``out_dir``; returns the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = summarise(tracks)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    plot_summary(tracks, out_dir / "summary.png")
    return summary
