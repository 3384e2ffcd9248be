"""Produce items ahead in a background thread so a fixed-rate consumer never waits for them.

A camera timer that renders inside its own tick publishes late whenever one render is slow;
with the renders done ahead into a bounded buffer the tick only takes the next item. The
consumer never blocks: ``take()`` gives None when nothing is ready (an underrun, counted).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Prefetcher(Generic[T]):
    """Runs ``make()``'s iterator in a thread, up to ``depth`` items ahead; ``loop`` restarts it."""

    def __init__(self, make: Callable[[], Iterator[T]], depth: int, loop: bool = False) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self._make = make
        self.loop = loop
        self._items: queue.Queue[T] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._exhausted = threading.Event()
        self.underruns = 0
        self.passes = 0  # completed passes through the iterator
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
        self._thread.start()

    @property
    def finished(self) -> bool:
        """True once the iterator ended without loop (or failed) and every item was taken."""
        return self._exhausted.is_set() and self._items.empty()

    def take(self) -> T | None:
        """The next item, or None when none is ready yet (counted as an underrun) or finished."""
        try:
            return self._items.get_nowait()
        except queue.Empty:
            if not self._exhausted.is_set():
                self.underruns += 1
            return None

    def wait_ready(self, count: int, timeout: float) -> bool:
        """Block until `count` items are buffered (or the iterator ended); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._items.qsize() < count and not self._exhausted.is_set():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _put(self, item: T) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                for item in self._make():
                    if not self._put(item):
                        return
                self.passes += 1
                if not self.loop:
                    break
        except Exception as exc:  # the consumer reports it; the thread must not die silently
            self.error = exc
        finally:
            self._exhausted.set()
