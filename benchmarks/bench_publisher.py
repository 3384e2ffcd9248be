"""The benchmark's eye cameras: two image streams at a fixed rate, stamped with the wall clock.

    python benchmarks/bench_publisher.py FRAMES.npy --rate 200 --seconds 30 --out STAMPS.npy

FRAMES.npy holds pre-rendered pairs (N, 2, H, W) uint8 (left, right); they are cycled, so
publishing costs no rendering. Each pair is published on ``left/image_raw`` and
``right/image_raw`` (mono8, sensor-data QoS, as a camera driver does) with one stamp = the
wall clock (``time.time_ns``) taken just before the left image is published; a receiver
compares its own wall clock with that stamp. The pairs are paced on an absolute schedule
(a late pair is sent at once, the schedule is not shifted). Waits for both topics to have
``--subscribers`` subscriptions first, then touches OUT's ``.started`` file. Writes the stamps
sent (int64 ns), the publish-call durations and its CPU seconds while streaming, then exits
0 (2 if the subscribers never appeared).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import rclpy
from builtin_interfaces.msg import Time
from sensor_msgs.msg import Image

from eye_expression_driver.core.names import EYES
from eye_expression_driver.ros.qos import SENSOR_DATA


def image_messages(frames: np.ndarray, eye: int) -> list[Image]:
    """One mono8 Image per frame of one eye, data filled once (only stamps change later)."""
    out = []
    for frame in frames[:, eye]:
        msg = Image(height=int(frame.shape[0]), width=int(frame.shape[1]), encoding="mono8",
                    is_bigendian=0, step=int(frame.shape[1]), data=frame.tobytes())
        msg.header.frame_id = f"{EYES[eye]}_eye_camera"
        out.append(msg)
    return out


def wait_for_subscribers(node, publishers, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p.get_subscription_count() >= count for p in publishers):
            return True
        rclpy.spin_once(node, timeout_sec=0.05)
    return False


def publish(publishers, messages: list[list[Image]], rate: float, pairs: int,
            start_index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Send pairs on an absolute schedule; (stamps ns, publish-call seconds per pair)."""
    stamps = np.zeros(pairs, np.int64)
    costs = np.zeros(pairs, np.float64)
    period = 1.0 / rate
    count = len(messages[0])
    start = time.perf_counter() + 0.01
    for k in range(pairs):
        delay = start + k * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        i = (start_index + k) % count
        now = time.time_ns()
        stamp = Time(sec=now // 1_000_000_000, nanosec=now % 1_000_000_000)
        began = time.perf_counter()
        for pub, msgs in zip(publishers, messages, strict=True):
            msg = msgs[i]
            msg.header.stamp = stamp
            pub.publish(msg)
        costs[k] = time.perf_counter() - began
        stamps[k] = now
    return stamps, costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=Path, help="(N, 2, H, W) uint8 .npy of left/right pairs")
    parser.add_argument("--rate", type=float, required=True, help="frame pairs per second")
    parser.add_argument("--seconds", type=float, help="how long (or --pairs)")
    parser.add_argument("--pairs", type=int, help="how many pairs (overrides --seconds)")
    parser.add_argument("--out", type=Path, required=True, help=".npz of stamps and costs")
    parser.add_argument("--namespace", default="", help="namespace of the graph")
    parser.add_argument("--subscribers", type=int, default=1)
    parser.add_argument("--wait", type=float, default=30.0, help="s to wait for subscribers")
    parser.add_argument("--start-index", type=int, default=0, help="first frame of the cycle")
    args = parser.parse_args(argv)
    frames = np.load(args.frames)
    pairs = args.pairs if args.pairs is not None else round(args.rate * args.seconds)
    rclpy.init()
    node = rclpy.create_node("bench_camera", namespace=args.namespace or None)
    try:
        publishers = [node.create_publisher(Image, f"{eye}/image_raw", SENSOR_DATA)
                      for eye in EYES]
        messages = [image_messages(frames, e) for e in range(len(EYES))]
        if not wait_for_subscribers(node, publishers, args.subscribers, args.wait):
            print("bench_publisher: no subscribers on the image topics", file=sys.stderr)
            return 2
        args.out.with_suffix(".started").touch()  # the watcher starts its clocks now
        cpu = time.process_time()
        stamps, costs = publish(publishers, messages, args.rate, pairs, args.start_index)
        np.savez(args.out, stamps=stamps, costs=costs, rate=args.rate,
                 cpu_seconds=time.process_time() - cpu)
        time.sleep(0.2)  # let best-effort samples leave before the writer goes away
    except KeyboardInterrupt:
        return 130
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
