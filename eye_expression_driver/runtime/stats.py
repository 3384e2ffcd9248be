"""Counters, rates, processing times and log throttling for long-running processing loops.

The nodes report these as diagnostics; keeping them here (no ROS) lets them be tested
with a fake clock and reused by the benchmark. All methods are thread-safe because an
image callback and a worker thread update the same stats.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque

import numpy as np


class RateMeter:
    """Events per second over a sliding window of recent event times."""

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._times: deque[float] = deque()

    def tick(self, now: float) -> None:
        self._times.append(now)
        self._trim(now)

    def rate(self, now: float) -> float:
        self._trim(now)
        return len(self._times) / self.window

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()


class LogThrottle:
    """Allow one log line per key per period, so a storm of bad frames logs once."""

    def __init__(self, period: float = 5.0) -> None:
        self.period = period
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> tuple[bool, int]:
        """(may log now, how many lines with this key were suppressed since the last)."""
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.period:
                self._suppressed[key] += 1
                return False, 0
            self._last[key] = now
            return True, self._suppressed.pop(key, 0)


class NodeStats:
    """Named counters with rates, and processing times, summarised as key/value pairs."""

    def __init__(self, window: float = 2.0, timing_samples: int = 500) -> None:
        self.window = window
        self._counts: dict[str, int] = defaultdict(int)
        self._rates: dict[str, RateMeter] = {}
        self._times: dict[str, deque[float]] = {}
        self._timing_samples = timing_samples
        self._lock = threading.Lock()

    def event(self, name: str, now: float, n: int = 1) -> None:
        """Count an event whose rate matters (frames in, messages out)."""
        with self._lock:
            self._counts[name] += n
            meter = self._rates.setdefault(name, RateMeter(self.window))
            for _ in range(n):
                meter.tick(now)

    def count(self, name: str, n: int = 1) -> None:
        """Count an event by total only (drops, malformed frames by kind)."""
        with self._lock:
            self._counts[name] += n

    def timing(self, name: str, seconds: float) -> None:
        with self._lock:
            samples = self._times.setdefault(name, deque(maxlen=self._timing_samples))
            samples.append(seconds)

    def total(self, name: str) -> int:
        with self._lock:
            return self._counts.get(name, 0)

    def rate(self, name: str, now: float) -> float:
        with self._lock:
            meter = self._rates.get(name)
            return meter.rate(now) if meter else 0.0

    def snapshot(self, now: float) -> list[tuple[str, str]]:
        """Every counter, rate (Hz) and timing (ms: mean, p50, p99, max) as text pairs."""
        with self._lock:
            pairs = [(f"{name} count", str(n)) for name, n in sorted(self._counts.items())]
            pairs += [(f"{name} rate (Hz)", f"{m.rate(now):.1f}")
                      for name, m in sorted(self._rates.items())]
            for name, samples in sorted(self._times.items()):
                if not samples:
                    continue
                ms = np.asarray(samples) * 1e3
                pairs += [
                    (f"{name} mean (ms)", f"{ms.mean():.2f}"),
                    (f"{name} p50 (ms)", f"{np.percentile(ms, 50):.2f}"),
                    (f"{name} p99 (ms)", f"{np.percentile(ms, 99):.2f}"),
                    (f"{name} max (ms)", f"{ms.max():.2f}"),
                ]
            return pairs
