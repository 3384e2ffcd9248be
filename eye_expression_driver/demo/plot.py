"""The demo report's plot: each eye's blink and gaze coefficients against the ground truth.

Time is the session's own (frame index / rate), so the scripted plan (demo.session),
drawn as a strip on top, lines up with what it caused even when the headset fell behind.
Coefficients are drawn only at the frames that produced them: a lost frame is a gap. Gaze
coefficients (-1..1) and truth angles (deg) share a zero line, so their shapes compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eye_expression_driver.core.names import EYES

from .metrics import Session, gaze_signal, match
from .session import Segment

BLUE, ORANGE = "tab:blue", "tab:orange"
KIND_COLOURS = {"fixation": "#d9d9d9", "saccade": "#9ecae1", "pursuit": "#a1d99b",
                "reading": "#fdd0a2", "blink": "#636363", "wink": "#969696",
                "squint": "#bcbddc", "wide": "#fc9272"}
LID_KINDS = ("blink", "wink", "squint", "wide")


def session_time(session: Session, rate: float | None = None) -> np.ndarray:
    """Seconds into the session of each published frame pair (index / rate)."""
    n = session.truth_ns.size
    if rate is None:
        gaps = np.diff(session.truth_ns)
        rate = 1e9 / float(np.median(gaps)) if gaps.size else 1.0
    return np.arange(n) / rate


def per_frame(session: Session) -> dict[str, np.ndarray]:
    """The FaceExpression weights at each published frame (NaN where none came out)."""
    ti, fi = match(session.truth_ns, session.face_ns)
    out = {}
    for name, values in session.weights.items():
        column = np.full(session.truth_ns.size, np.nan)
        column[ti] = values[fi]
        out[name] = column
    return out


def label(seg: Segment) -> str:
    """Short words for a plan segment: the kind, which eye, or where the gaze goes."""
    if seg.kind == "wink":
        return f"wink {seg.eye}"
    if seg.kind != "saccade":
        return seg.kind
    x, y = seg.target
    words = [w for w, on in (("up", y > 3), ("down", y < -3), ("left", x > 3),
                             ("right", x < -3)) if on]
    return "-".join(words) or "centre"


def _plan_strip(ax, segments: Sequence[Segment]) -> None:
    for seg in segments:
        row = 0 if seg.kind in LID_KINDS else 1
        ax.broken_barh([(seg.start, seg.end - seg.start)], (row + 0.1, 0.8),
                       color=KIND_COLOURS.get(seg.kind, "#cccccc"))
        ax.text((seg.start + seg.end) / 2, row + 0.5, label(seg), ha="center", va="center",
                fontsize=6.5, color="white" if seg.kind in ("blink", "wink") else "black")
    ax.set_ylim(0, 2)
    ax.set_yticks([0.5, 1.5], ["lids", "gaze"])
    ax.set_title("the scripted session", fontsize=9, loc="left")
    ax.tick_params(labelbottom=False)


def _gaze_axes(ax, t, coefficient, truth, truth_label: str, show_label: bool) -> None:
    """Coefficient on the left axis, truth (deg) on the right, both symmetric about 0."""
    ax.plot(t, coefficient, color=BLUE, lw=1)
    ax.set_ylim(-1.1, 1.1)
    ax.axhline(0.0, color="black", lw=0.4)
    twin = ax.twinx()
    twin.plot(t, truth, color=ORANGE, lw=1, alpha=0.85)
    reach = 1.1 * max(float(np.nanmax(np.abs(truth))) if truth.size else 1.0, 1.0)
    twin.set_ylim(-reach, reach)
    twin.tick_params(axis="y", colors=ORANGE, labelsize=7)
    if show_label:
        twin.set_ylabel(truth_label, color=ORANGE, fontsize=8)


def plot(session: Session, path: Path, rate: float | None = None,
         segments: Sequence[Segment] = (), warm_up: float = 0.0) -> None:
    """coefficients.png: a plan strip (if segments), then per eye blink, horizontal and
    vertical gaze, coefficients in blue, truth in orange, the warm-up shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, weights = session_time(session, rate), per_frame(session)
    fig = plt.figure(figsize=(12, 8.6 if segments else 7.6))
    grid = fig.add_gridspec(4 if segments else 3, 2,
                            height_ratios=(0.45, 1, 1, 1) if segments else (1, 1, 1))
    top = 1 if segments else 0
    axes = [[fig.add_subplot(grid[top + r, c]) for c in range(2)] for r in range(3)]
    if segments:
        _plan_strip(fig.add_subplot(grid[0, :], sharex=axes[0][0]), segments)
    rows = ("eyeBlink", "eyeLookOut - eyeLookIn", "eyeLookUp - eyeLookDown")
    for col, side in enumerate(EYES):
        _eye_column([axes[r][col] for r in range(3)], session, weights, t, side, col == 1)
        axes[0][col].set_title(f"{side} eye", fontsize=10)
        axes[2][col].set_xlabel("time in the session (s)")
    for row, name in enumerate(rows):
        axes[row][0].set_ylabel(name, color=BLUE, fontsize=8)
    for ax in (a for row in axes for a in row):
        if warm_up > 0:
            ax.axvspan(0, warm_up, color="grey", alpha=0.12, lw=0)
        ax.set_xlim(0, t[-1] if t.size else 1)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.legend(handles=[matplotlib.lines.Line2D([], [], color=BLUE,
                                                label="coefficient (FaceExpression)"),
                        matplotlib.lines.Line2D([], [], color=ORANGE, label="ground truth"),
                        matplotlib.patches.Patch(color="grey", alpha=0.25,
                                                 label="calibration warm-up (not judged)")],
               fontsize=8, loc="upper right", ncol=3, frameon=False)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _eye_column(axes, session: Session, weights, t, side: str, labels: bool) -> None:
    truth = session.truth[side]
    name = f"eyeBlink{side.capitalize()}"
    blink = weights.get(name, np.full(t.shape, np.nan))
    axes[0].plot(t, blink, color=BLUE, lw=1)
    axes[0].plot(t, truth.blink, color=ORANGE, lw=1, alpha=0.85)
    axes[0].set_ylim(-0.05, 1.05)
    horizontal, vertical = (gaze_signal(weights, side) if name in weights
                            else (blink, blink))
    _gaze_axes(axes[1], t, horizontal, truth.yaw, "truth yaw (deg, + out)", labels)
    _gaze_axes(axes[2], t, vertical, truth.pitch, "truth pitch (deg, + up)", labels)
    for ax in axes[:2]:
        ax.tick_params(labelbottom=False)
