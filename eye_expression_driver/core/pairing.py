"""Pair left and right eye observations by stamp, and carry on when one eye goes quiet.

message_filters' ApproximateTime synchroniser is not available everywhere, and it
stalls when one input stops. This pairer matches each new item with the closest
waiting item of the other eye within ``slop`` seconds, drops items that can no longer
match, and, once the other eye has been silent for ``timeout`` seconds (receive time),
emits single-eye pairs so the output keeps flowing. Stamps are source stamps (s); ``now``
is a monotonic receive clock (s): a bag with old stamps still pairs correctly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .names import EYES, check_eye


class Pair(NamedTuple):
    """One output: both eyes' items, or one of them None when that eye is lost."""

    stamp: float  # the newer of the paired stamps
    left: Any
    right: Any


@dataclass
class _Stream:
    queue: deque = field(default_factory=deque)  # (stamp, item), oldest first
    last_arrival: float | None = None
    last_stamp: float | None = None


class StampPairer:
    """Approximate-time pairing of two streams with a silence timeout."""

    def __init__(self, slop: float = 0.005, queue_size: int = 10, timeout: float = 0.5) -> None:
        self.slop, self.queue_size, self.timeout = slop, queue_size, timeout
        self._streams = {side: _Stream() for side in EYES}
        self._first_arrival: float | None = None
        self.dropped = 0  # items discarded without a partner while both eyes were alive
        self.resets = 0  # stamps went backwards (bag loop, clock jump): queues cleared

    def push(self, side: str, stamp: float, item: Any, now: float) -> list[Pair]:
        """Add one item; returns the pairs (zero or more) that are now complete."""
        mine, other = self._streams[side], self._streams[_other(side)]
        if mine.last_stamp is not None and stamp < mine.last_stamp:
            self._reset()
        if self._first_arrival is None:
            self._first_arrival = now
        mine.last_arrival, mine.last_stamp = now, stamp
        out = self.poll(now)
        self._prune(other.queue, stamp - self.slop)
        match = _closest(other.queue, stamp, self.slop)
        if match is not None:
            self._prune(other.queue, match[0])  # older partners can never match now
            other.queue.popleft()
            return [*out, self._pair(side, stamp, item, match)]
        if other.queue and other.queue[0][0] > stamp + self.slop:
            self.dropped += 1  # the other eye is already past this stamp
            return out
        if self.lost(_other(side), now):
            return [*out, self._single(side, stamp, item)]
        mine.queue.append((stamp, item))
        while len(mine.queue) > self.queue_size:
            mine.queue.popleft()
            self.dropped += 1
        return out

    def poll(self, now: float) -> list[Pair]:
        """Emit waiting items, as singles, of an eye whose partner has gone silent."""
        out: list[Pair] = []
        for side in EYES:
            queue = self._streams[side].queue
            if queue and self.lost(_other(side), now):
                out += [self._single(side, s, item) for s, item in queue]
                queue.clear()
        return out

    def lost(self, side: str, now: float) -> bool:
        """True when this eye has been silent (or never heard) for longer than timeout."""
        last = self._streams[side].last_arrival
        if last is None:
            return self._first_arrival is not None and now - self._first_arrival > self.timeout
        return now - last > self.timeout

    def _prune(self, queue: deque, before: float) -> None:
        while queue and queue[0][0] < before:
            queue.popleft()
            self.dropped += 1

    def _reset(self) -> None:
        for stream in self._streams.values():
            stream.queue.clear()
            stream.last_stamp = None
        self.resets += 1

    @staticmethod
    def _pair(side: str, stamp: float, item: Any, match: tuple[float, Any]) -> Pair:
        newer = max(stamp, match[0])
        return Pair(newer, item, match[1]) if side == "left" else Pair(newer, match[1], item)

    @staticmethod
    def _single(side: str, stamp: float, item: Any) -> Pair:
        return Pair(stamp, item, None) if side == "left" else Pair(stamp, None, item)


def _other(side: str) -> str:
    return "right" if check_eye(side) == "left" else "left"


def _closest(queue: deque, stamp: float, slop: float) -> tuple[float, Any] | None:
    """The queued (stamp, item) closest to stamp within slop, or None."""
    best = None
    for entry in queue:
        gap = abs(entry[0] - stamp)
        if gap <= slop and (best is None or gap < abs(best[0] - stamp)):
            best = entry
    return best
