"""Coefficient traces of one eye against the truth (the evaluation's picture)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

from eye_expression_driver.core.names import SHORT_NAMES

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

STYLES = {"truth": ("k", 2.0), "geometric": ("tab:blue", 1.0), "learned": ("tab:orange", 1.0),
          "learned_image": ("tab:green", 0.6)}


def plot_traces(run, outputs: dict[str, np.ndarray], path: Path) -> None:
    """Five stacked panels (up, down, in, out, blink) over time: the truth, both paths and
    the model's direct (one image) coefficients."""
    t = np.asarray(run.t)
    openness = np.asarray(run.state)[:, 0]
    fig, axes = plt.subplots(5, 1, figsize=(14, 10), sharex=True)
    for i, name in enumerate(SHORT_NAMES):
        ax = axes[i]
        for path_name, (colour, width) in STYLES.items():
            ax.plot(t, outputs[path_name][:, i], color=colour, lw=width, label=path_name)
        if name == "blink":
            ax.plot(t, np.clip(1 - openness, 0, 1), color="grey", lw=0.8, ls="--",
                    label="1 - true openness")
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(name)
    axes[0].legend(loc="upper right", ncol=4, fontsize=8)
    axes[0].set_title(f"{run.name}: coefficients against the truth (method on exact landmarks)")
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)
