"""runtime.prefetch: items produced ahead in a thread, in order, looped, never blocking the
taker."""

from __future__ import annotations

import threading
import time

import pytest

from eye_expression_driver.runtime.prefetch import Prefetcher


def test_items_arrive_in_order_and_the_end_is_reported() -> None:
    p = Prefetcher(lambda: iter(range(5)), depth=2)
    got = []
    deadline = time.monotonic() + 5
    while not p.finished and time.monotonic() < deadline:
        item = p.take()
        if item is not None:
            got.append(item)
    p.close()
    assert got == [0, 1, 2, 3, 4] and p.finished and p.passes == 1


def test_loop_restarts_and_the_buffer_stays_bounded() -> None:
    made = []

    def make():
        made.append(1)
        return iter("abc")

    p = Prefetcher(make, depth=4, loop=True)
    assert p.wait_ready(4, 5.0)
    time.sleep(0.05)
    assert p._items.qsize() == 4  # bounded: the producer waits for the consumer
    got = [p.take() for _ in range(4)]
    assert got == ["a", "b", "c", "a"] and len(made) >= 2
    p.close()


def test_an_empty_buffer_is_an_underrun_not_a_wait() -> None:
    release = threading.Event()

    def slow():
        release.wait(5)
        yield 1

    p = Prefetcher(slow, depth=1)
    start = time.monotonic()
    assert p.take() is None and p.take() is None
    assert time.monotonic() - start < 0.5 and p.underruns == 2 and not p.finished
    release.set()
    assert p.wait_ready(1, 5.0) and p.take() == 1
    p.close()


def test_a_failing_producer_is_reported() -> None:
    def broken():
        yield 1
        raise RuntimeError("renderer broke")

    p = Prefetcher(broken, depth=3, loop=True)
    assert p.wait_ready(3, 5.0)
    assert p.take() == 1 and p.take() is None and p.finished
    assert isinstance(p.error, RuntimeError)
    with pytest.raises(ValueError):
        Prefetcher(lambda: iter(()), depth=0)
