"""Merge blendshape weights from several sources into one full face, by name and priority.

The face starts from the template's neutral weights. Each source (the eyes, a mouth
tracker, ...) overwrites the names it provides; where two sources provide a name, the
higher priority wins. A source that stops sending does not freeze the face: after
``stale_after`` seconds its influence eases out over ``ease_time`` seconds (smoothstep),
so its names return to neutral, or to what a lower-priority source says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class _Source:
    priority: float
    index: np.ndarray  # template indices of the names it provides
    weights: np.ndarray
    confidences: np.ndarray
    received: float  # receive time, s (monotonic)
    stamp_ns: int  # the source's own stamp


@dataclass(frozen=True)
class MergedFace:
    weights: np.ndarray  # one per template name
    confidences: np.ndarray  # one per template name; 0 where no source says anything
    stamp_ns: int  # newest stamp among the sources that still count (0: none)


def ease_factor(age: float, stale_after: float, ease_time: float) -> float:
    """1 while fresh, smoothly down to 0 over ease_time after stale_after (all in s)."""
    if age <= stale_after:
        return 1.0
    if ease_time <= 0.0:
        return 0.0
    x = min(1.0, (age - stale_after) / ease_time)
    return 1.0 - x * x * (3.0 - 2.0 * x)


class FaceMerger:
    """Template + sources -> one full face expression."""

    def __init__(self, names: list[str], neutral, stale_after: float = 0.5,
                 ease_time: float = 0.5) -> None:
        self.names = list(names)
        self.neutral = np.asarray(neutral, dtype=np.float64).reshape(len(self.names))
        self._index = {name: i for i, name in enumerate(self.names)}
        self.stale_after, self.ease_time = stale_after, ease_time
        self._sources: dict[str, _Source] = {}
        self.unknown_names: set[str] = set()

    def update(self, source: str, values: dict[str, float], now: float, stamp_ns: int,
               priority: float = 0.0, confidences: dict[str, float] | None = None) -> None:
        """Replace one source's weights (names outside the template are ignored and kept
        in ``unknown_names``); now is the receive time in s."""
        known = [n for n in values if n in self._index]
        self.unknown_names.update(n for n in values if n not in self._index)
        confidences = confidences or {}
        self._sources[source] = _Source(
            priority=priority,
            index=np.array([self._index[n] for n in known], dtype=np.intp),
            weights=np.clip([float(values[n]) for n in known], 0.0, 1.0).astype(np.float64),
            confidences=np.clip([float(confidences.get(n, 1.0)) for n in known], 0.0, 1.0),
            received=now, stamp_ns=stamp_ns,
        )

    def merged(self, now: float) -> MergedFace:
        """The face as of now: sources applied from low to high priority, eased by age."""
        weights = self.neutral.copy()
        confidences = np.zeros_like(weights)
        stamp = 0
        for src in sorted(self._sources.values(), key=lambda s: s.priority):
            alpha = ease_factor(now - src.received, self.stale_after, self.ease_time)
            if alpha <= 0.0 or src.index.size == 0:
                continue
            weights[src.index] += alpha * (src.weights - weights[src.index])
            confidences[src.index] += alpha * (src.confidences - confidences[src.index])
            stamp = max(stamp, src.stamp_ns)
        return MergedFace(weights, confidences, stamp)

    def easing(self, now: float) -> bool:
        """True while some source is stale but not yet fully eased out."""
        return any(self.stale_after < now - s.received < self.stale_after + self.ease_time
                   for s in self._sources.values())

    def settled_after(self) -> float:
        """Receive time after which no source changes the face any more (-inf: no source)."""
        newest = max((s.received for s in self._sources.values()), default=-np.inf)
        return newest + self.stale_after + self.ease_time

    def drop(self, source: str) -> None:
        self._sources.pop(source, None)


def eye_confidences(weights: dict[str, float], blink: dict[str, float],
                    gaze: dict[str, float]) -> dict[str, float]:
    """Confidence per eye blendshape name: eyeBlink*/eyeWide* take that side's blink
    confidence, eyeLook* its gaze confidence (blink/gaze keyed "Left"/"Right")."""
    out = {}
    for name in weights:
        side = "Left" if name.endswith("Left") else "Right"
        out[name] = gaze[side] if name.startswith("eyeLook") else blink[side]
    return out
