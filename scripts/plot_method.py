"""Draw the figures of docs/method.md: the constraint function g, P against the eyelid
distance d for an example calibration, and a gaze coefficient against its component.

    python scripts/plot_method.py [--out docs/img]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from eye_expression_driver.core.blink import (
    DEFAULT_SHARPNESS,
    DEFAULT_THRESHOLD,
    MIN_G_AT_ONE,
    blink_coefficient,
    calibration_free_blink,
    constraint_g,
    required_sharpness,
    wide_coefficient,
)
from eye_expression_driver.core.calibration import CalibrationConfig
from eye_expression_driver.core.gaze import gaze_coefficients

# The example calibration of the figures and of the worked example in docs/method.md.
D_MIN, D_MAX = 0.04, 0.29


def plot_constraint(path: Path) -> None:
    """g(P1) for the default T and k, the smallest allowed k, and the identity."""
    t, k = DEFAULT_THRESHOLD, DEFAULT_SHARPNESS
    p1 = np.linspace(-0.1, 1.4, 600)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    ax.plot(p1, np.clip(p1, 0, 1), color="0.6", ls=":", label="clip(P1, 0, 1) (no constraint)")
    k_min = required_sharpness(t)
    ax.plot(p1, np.clip(constraint_g(p1, t, k_min), 0, 1), color="tab:orange", ls="--",
            label=f"k = ln((1-T)/(1-{MIN_G_AT_ONE})) = {k_min:.2f} (smallest allowed)")
    ax.plot(p1, np.clip(constraint_g(p1, t, k), 0, 1), color="tab:blue", lw=2,
            label=f"P = clip(g(P1), 0, 1), T = {t}, k = {k:g} (default)")
    ax.axvline(t, color="0.8", lw=0.8)
    ax.axhline(MIN_G_AT_ONE, color="0.8", lw=0.8)
    g1 = constraint_g(1.0, t, k)
    ax.plot([1.0], [g1], "o", color="tab:blue")
    ax.annotate(f"g(1) = {g1:.4f}", (1.0, g1), (0.95, 0.78), arrowprops={"arrowstyle": "->"})
    ax.set_xlabel("P1 = 1 - r")
    ax.set_ylabel("P (blink coefficient)")
    ax.set_title("Constraint function g: identity up to T, then saturating")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_ylim(-0.05, 1.05)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_blink_vs_distance(path: Path) -> None:
    """P and eyeWide against d for the example calibration, and the calibration-free P."""
    d = np.linspace(-0.02, 0.42, 600)
    nominal = CalibrationConfig().nominal_open_distance
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    p1 = 1.0 - (d - D_MIN) / (D_MAX - D_MIN)
    ax.plot(d, np.clip(p1, 0, 1), color="0.6", ls=":", label="clip(P1, 0, 1)")
    ax.plot(d, blink_coefficient(d, D_MIN, D_MAX), color="tab:blue", lw=2,
            label=f"P, calibrated (d_min = {D_MIN}, d_max = {D_MAX})")
    ax.plot(d, calibration_free_blink(d, nominal), color="tab:green", ls="--",
            label=f"P, calibration-free (nominal open d = {nominal})")
    ax.plot(d, wide_coefficient(d, D_MIN, D_MAX), color="tab:red", ls="-.",
            label="eyeWide (r > 1, full at r = 1.5)")
    for x, name in ((D_MIN, "d_min"), (D_MAX, "d_max")):
        ax.axvline(x, color="0.8", lw=0.8)
        ax.text(x, 1.07, name, ha="center", fontsize=8)
    ax.set_xlabel("eyelid distance d (eye widths)")
    ax.set_ylabel("coefficient")
    ax.set_ylim(-0.05, 1.12)
    ax.set_title("Blink coefficient against eyelid distance", pad=14)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 0.06))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_gaze(path: Path) -> None:
    """E_out against the out component for example thresholds."""
    lo, hi = 0.006, 0.15
    f = np.linspace(0.0, 0.2, 400)
    comps = np.zeros((f.size, 4))
    comps[:, 3] = f
    e = gaze_coefficients(comps, [0.0, 0.0, 0.0, lo], [1.0, 1.0, 1.0, hi])[:, 3]
    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    ax.plot(f, e, lw=2)
    for x, name in ((lo, "f_out,min"), (hi, "f_out,max")):
        ax.axvline(x, color="0.8", lw=0.8)
        ax.text(x, 1.07, name, ha="center", fontsize=8)
    ax.set_xlabel("out component of the pupil offset f_out (eye widths)")
    ax.set_ylabel("E_out (eyeLookOut)")
    ax.set_ylim(-0.05, 1.12)
    ax.set_title("Gaze coefficient of one direction", pad=14)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/img", help="folder for the PNG files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_constraint(out / "constraint_g.png")
    plot_blink_vs_distance(out / "blink_vs_distance.png")
    plot_gaze(out / "gaze_coefficient.png")
    print(f"wrote {out}/constraint_g.png, blink_vs_distance.png, gaze_coefficient.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
