"""Figures of merit of coefficient traces against synthetic truth.

* MAE: mean absolute error of each coefficient over all frames.
* Blink F1: blink events are runs of P > 0.5. A true blink is a scripted blink or wink of
  that eye whose true openness falls below ``MUST_OPENNESS`` (0.4: clearly more than half
  closed); shallower scripted closures (partial blinks, and those that close the eye to
  about half, where P itself sits near 0.5) may be detected or not without counting, and
  so may any other stretch where the eye is truly more than half closed (``MAY_OPENNESS``:
  a squint, or the upper lid following a far downward look): P > 0.5 is right there, and
  the method on exact landmarks fires there too.
  A detected event overlapping a true blink (with ``slack`` seconds on each side) is a hit;
  each true blink is hit at most once; every other detected event is a false alarm (also a
  second event within one blink: P dropping below 0.5 mid-blink splits it in two).
* Jitter: standard deviation of the frame-to-frame change during fixations (true gaze
  speed below ``FIXATION_SPEED``, eye open, not blinking), per coefficient.
"""

from __future__ import annotations

import numpy as np

BLINK_THRESHOLD = 0.5
MUST_OPENNESS = 0.4  # a scripted closure below this openness is a blink that must be found
MAY_OPENNESS = 0.5  # an unscripted closure below this openness may be detected or not
FIXATION_SPEED = 30.0  # deg/s: slower true gaze counts as fixating (drift, tremor)
OPEN_EYE = 0.7  # true openness above which an eye counts as open for jitter


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frame indices of the runs of True."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def true_blinks(events: list[dict], eye: str, t: np.ndarray,
                openness: np.ndarray) -> tuple[list[tuple[float, float]], list]:
    """(must-detect, may-detect) scripted closures of this eye as (start, end) seconds."""
    must, may = [], []
    for e in events:
        if e["kind"] not in ("blink", "partial", "wink") or e["eye"] not in ("both", eye):
            continue
        inside = (t >= e["start"]) & (t <= e["end"])
        deep = inside.any() and float(openness[inside].min()) < MUST_OPENNESS
        (must if deep else may).append((float(e["start"]), float(e["end"])))
    scripted = must + may
    for a, b in runs(np.asarray(openness) < MAY_OPENNESS):  # unscripted closures
        if not any(t[a] <= e and t[b] >= s for s, e in scripted):
            may.append((float(t[a]), float(t[b])))
    return must, may


def blink_scores(p: np.ndarray, t: np.ndarray, must: list, may: list,
                 slack: float = 0.05) -> dict:
    """Hits, misses, false alarms and F1 of P > 0.5 events against the true blinks."""
    detected = [(t[a], t[b]) for a, b in runs(np.asarray(p) > BLINK_THRESHOLD)]
    hit = [False] * len(must)
    false_alarms = 0
    for start, end in detected:
        match = [i for i, (s, e) in enumerate(must)
                 if start <= e + slack and end >= s - slack and not hit[i]]
        if match:
            hit[match[0]] = True
        elif not any(start <= e + slack and end >= s - slack for s, e in may):
            false_alarms += 1  # also a second event within one blink (P flickered)
    tp = sum(hit)
    denominator = 2 * tp + false_alarms + (len(must) - tp)
    return {"true_blinks": len(must), "detected_events": len(detected), "hits": tp,
            "misses": len(must) - tp, "false_alarms": false_alarms,
            "f1": 2 * tp / denominator if denominator else 1.0}


def fixation_mask(t: np.ndarray, yaw: np.ndarray, pitch: np.ndarray, openness: np.ndarray,
                  blinking: np.ndarray) -> np.ndarray:
    """Frames during fixations: slow true gaze, open eye, no blink."""
    speed = np.hypot(np.gradient(yaw, t), np.gradient(pitch, t))
    return (speed < FIXATION_SPEED) & (openness > OPEN_EYE) & ~np.asarray(blinking, bool)


def jitter(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Std (per column) of frame-to-frame changes between consecutive masked frames."""
    values = np.asarray(values, dtype=np.float64).reshape(len(mask), -1)
    both = mask[1:] & mask[:-1]
    if not both.any():
        return np.full(values.shape[1], np.nan)
    return np.diff(values, axis=0)[both].std(axis=0)


def mae(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Mean absolute error per column."""
    return np.abs(np.asarray(predicted, np.float64) - np.asarray(truth, np.float64)).mean(axis=0)
