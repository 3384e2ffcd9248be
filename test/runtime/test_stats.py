"""runtime.stats and runtime.latest_slot: rates, timings, throttling, newest-wins hand-over."""

from __future__ import annotations

import threading

import pytest

from eye_expression_driver.runtime.latest_slot import LatestSlot, SlotClosedError
from eye_expression_driver.runtime.stats import LogThrottle, NodeStats, RateMeter


def test_rate_meter_counts_the_window() -> None:
    meter = RateMeter(window=1.0)
    for i in range(100):
        meter.tick(i * 0.01)
    assert meter.rate(0.99) == pytest.approx(100.0)
    assert meter.rate(5.0) == 0.0


def test_throttle_allows_one_line_per_key_per_period() -> None:
    throttle = LogThrottle(period=1.0)
    assert throttle.allow("short", 0.0) == (True, 0)
    assert throttle.allow("short", 0.5) == (False, 0)
    assert throttle.allow("zero", 0.5) == (True, 0)
    assert throttle.allow("short", 0.7) == (False, 0)
    assert throttle.allow("short", 1.2) == (True, 2)


def test_node_stats_snapshot() -> None:
    stats = NodeStats(window=1.0)
    stats.event("frames in", now=0.0, n=3)
    stats.count("malformed zero_size")
    stats.timing("processing", 0.002)
    stats.timing("processing", 0.004)
    pairs = dict(stats.snapshot(now=0.5))
    assert pairs["frames in count"] == "3"
    assert pairs["frames in rate (Hz)"] == "3.0"
    assert pairs["malformed zero_size count"] == "1"
    assert pairs["processing max (ms)"] == "4.00"
    assert stats.total("frames in") == 3 and stats.total("nothing") == 0


def test_latest_slot_keeps_the_newest_and_counts_drops() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True
    assert slot.take(0.0) == 2
    assert slot.take(0.01) is None
    assert slot.dropped == 1


def test_latest_slot_close_wakes_the_consumer() -> None:
    slot: LatestSlot[int] = LatestSlot()
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            slot.take(5.0)
        except SlotClosedError as exc:
            errors.append(exc)

    worker = threading.Thread(target=consume)
    worker.start()
    slot.close()
    worker.join(2.0)
    assert not worker.is_alive() and len(errors) == 1
