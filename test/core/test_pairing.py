"""core.pairing: stamp pairing with slop, drops, a silent eye, its return, and stamp jumps."""

from __future__ import annotations

from eye_expression_driver.core.pairing import Pair, StampPairer


def test_pairs_within_slop_and_stamps_the_newer() -> None:
    pairer = StampPairer(slop=0.004, timeout=0.5)
    assert pairer.push("left", 1.000, "L1", now=0.0) == []
    assert pairer.push("right", 1.003, "R1", now=0.001) == [Pair(1.003, "L1", "R1")]
    assert pairer.push("right", 1.010, "R2", now=0.010) == []
    assert pairer.push("left", 1.009, "L2", now=0.011) == [Pair(1.010, "L2", "R2")]
    assert pairer.dropped == 0


def test_unmatchable_items_are_dropped_and_counted() -> None:
    pairer = StampPairer(slop=0.002, timeout=0.5)
    pairer.push("left", 1.00, "L1", now=0.0)
    pairer.push("left", 1.01, "L2", now=0.01)
    # right skips 1.00: L1 can never match any more
    assert pairer.push("right", 1.01, "R2", now=0.011) == [Pair(1.01, "L2", "R2")]
    assert pairer.dropped == 1
    # a late left frame older than what right already sent is dropped at once
    pairer.push("right", 1.03, "R3", now=0.03)
    assert pairer.push("left", 1.02, "L3", now=0.031) == []
    assert pairer.dropped == 2


def test_queue_size_bounds_waiting_items() -> None:
    pairer = StampPairer(slop=0.001, queue_size=3, timeout=10.0)
    for i in range(5):
        pairer.push("left", i * 0.01, f"L{i}", now=i * 0.01)
    assert pairer.dropped == 2


def test_silent_eye_times_out_then_recovers() -> None:
    pairer = StampPairer(slop=0.002, timeout=0.1)
    assert pairer.push("left", 1.0, "L1", now=0.0) == []
    assert pairer.push("right", 1.0, "R1", now=0.0) == [Pair(1.0, "L1", "R1")]
    # right goes silent; left waits until the timeout, then flows alone
    assert pairer.push("left", 1.05, "L2", now=0.05) == []
    assert pairer.poll(now=0.09) == []
    assert pairer.poll(now=0.15) == [Pair(1.05, "L2", None)]
    assert pairer.lost("right", now=0.15)
    assert pairer.push("left", 1.2, "L3", now=0.2) == [Pair(1.2, "L3", None)]
    # right returns: pairing resumes
    assert pairer.push("right", 1.3, "R4", now=0.3) == []
    assert pairer.push("left", 1.3, "L4", now=0.3) == [Pair(1.3, "L4", "R4")]
    assert not pairer.lost("right", now=0.3)


def test_one_eye_that_never_starts_times_out() -> None:
    pairer = StampPairer(timeout=0.1)
    assert pairer.push("right", 1.0, "R1", now=0.0) == []
    assert pairer.poll(now=0.2) == [Pair(1.0, None, "R1")]


def test_stamps_jumping_back_reset_the_queues() -> None:
    pairer = StampPairer(slop=0.002, timeout=0.5)
    pairer.push("left", 5.0, "L1", now=0.0)
    assert pairer.push("left", 1.0, "L2", now=0.01) == []
    assert pairer.resets == 1
    assert pairer.push("right", 1.0, "R2", now=0.02) == [Pair(1.0, "L2", "R2")]
