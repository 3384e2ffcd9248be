"""A one-item hand-over between a producer that must never block and a slower consumer.

An image callback puts every frame; the worker takes the newest. When the worker is
busy the older waiting frame is replaced (and counted as dropped), so latency stays at
most one frame behind instead of growing with a queue.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class SlotClosedError(Exception):
    """The slot was closed: the consumer should stop."""


class LatestSlot(Generic[T]):
    """Newest-item-wins slot: ``put`` never blocks, ``take`` waits for an item."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._full = False
        self._closed = False
        self._cond = threading.Condition()
        self.dropped = 0

    def put(self, item: T) -> bool:
        """Store item, replacing a waiting one; True when one was replaced (dropped)."""
        with self._cond:
            replaced = self._full
            self.dropped += int(replaced)
            self._item, self._full = item, True
            self._cond.notify()
            return replaced

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to timeout (None on timeout); raises SlotClosedError."""
        with self._cond:
            if not self._full and not self._closed:
                self._cond.wait(timeout)
            if self._closed:
                raise SlotClosedError
            if not self._full:
                return None
            item, self._item, self._full = self._item, None, False
            return item

    def close(self) -> None:
        """Wake the consumer and make every later ``take`` raise SlotClosedError."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
