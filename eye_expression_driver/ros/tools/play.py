"""`eye-expression play BAG...`: publish a recorded session's images again, with their timing.

Reads rosbag2 bags (a directory, an .mcap or a .db3; recorded by `eye-expression record`,
`make demo` or `ros2 bag record` on a real headset) with `rosbags` and publishes the image
topics (or --topics / --all) as the serialized bytes they were recorded as, so header stamps
and content are exactly the original ones. Messages keep their recorded spacing divided by
--rate; --loop repeats. A missing, empty, truncated or non-bag file is reported in one line
and playback goes on with the next bag; the exit status is then non-zero.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import rclpy
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from rosbags.interfaces import Connection
from rosbags.rosbag2 import Reader

from eye_expression_driver.media.bag import IMAGE_TYPES
from eye_expression_driver.ros.conversions import message_class

# Reliable keep-last publishers match reliable and best-effort (sensor-data) subscribers.
PLAY_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
OUTPUT_IMAGES = frozenset({"avatar_preview", "debug_image"})  # drawn by the graph, not cameras
ACK_TIMEOUT = 2.0  # s (in all) for reliable subscribers to take the last messages at the end


class BagError(Exception):
    """A bag that cannot be played, with the reason in words."""


class Stop:
    """Set by SIGINT/SIGTERM; sleeping checks it so a stop is quick."""

    def __init__(self) -> None:
        self.requested = False
        signal.signal(signal.SIGINT, self._set)
        signal.signal(signal.SIGTERM, self._set)

    def _set(self, _signum, _frame) -> None:
        self.requested = True

    def sleep_until(self, deadline: float) -> bool:
        """Sleep until the monotonic deadline; False when stopped first."""
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.05))
        return False


def open_bag(path: Path) -> Reader:
    """An opened reader, or BagError saying why this path is not a playable bag."""
    if not path.exists():
        raise BagError("no such file or directory")
    if path.is_file() and path.stat().st_size == 0:
        raise BagError("empty file")
    try:
        reader = Reader(path)
        reader.open()
    except Exception as exc:  # rosbags raises many kinds for broken files
        raise BagError(f"not a readable rosbag2 bag ({type(exc).__name__}: {exc})") from exc
    return reader


def select(connections: list[Connection], topics: list[str] | None,
           play_all: bool) -> list[Connection]:
    """The connections to publish: named topics, all, or by default the camera images (every
    image topic but this package's own drawings)."""
    if play_all:
        return connections
    if topics:
        names = {t if t.startswith("/") else "/" + t for t in topics}
        return [c for c in connections if c.topic in names]
    return [c for c in connections if c.msgtype in IMAGE_TYPES
            and c.topic.rsplit("/", 1)[-1] not in OUTPUT_IMAGES]


def _publishers(node: Node, connections: list[Connection]) -> dict[int, Publisher]:
    by_topic: dict[str, Publisher] = {}
    publishers = {}
    for conn in connections:
        try:
            cls = message_class(conn.msgtype)
        except (ImportError, AttributeError, ValueError) as exc:
            print(f"play: skipping {conn.topic}: type {conn.msgtype} not available ({exc})",
                  file=sys.stderr)
            continue
        if conn.topic not in by_topic:
            by_topic[conn.topic] = node.create_publisher(cls, conn.topic, PLAY_QOS)
        publishers[conn.id] = by_topic[conn.topic]
    return publishers


def _wait_for_subscribers(publishers: list[Publisher], timeout: float, stop: Stop) -> None:
    deadline = time.monotonic() + timeout
    while not stop.requested and time.monotonic() < deadline:
        if all(p.get_subscription_count() > 0 for p in publishers):
            return
        time.sleep(0.05)


def _timed(reader: Reader, conns: list[Connection], rate: float
           ) -> Iterator[tuple[float, int, bytes]]:
    """(seconds after the start to publish at, connection id, bytes) in bag order."""
    first = None
    for conn, stamp, data in reader.messages(connections=conns):
        first = stamp if first is None else first
        yield (stamp - first) / 1e9 / rate, conn.id, data


def play_once(reader: Reader, publishers: dict[int, Publisher], conns: list[Connection],
              rate: float, stop: Stop) -> int:
    """Publish the bag once with its timing; the number of messages published."""
    start = time.monotonic()
    published = 0
    for offset, conn_id, data in _timed(reader, conns, rate):
        if not stop.sleep_until(start + offset):
            break
        publisher = publishers.get(conn_id)
        if publisher is not None:
            publisher.publish(data)
            published += 1
    return published


def play_bag(node: Node, path: Path, args: argparse.Namespace, stop: Stop) -> None:
    """Play one bag (looping if asked); BagError when it cannot be played."""
    reader = open_bag(path)
    publishers: dict[int, Publisher] = {}
    try:
        conns = select(reader.connections, args.topics, args.all)
        if not conns:
            raise BagError("holds none of the topics to play; "
                           f"it has {sorted({c.topic for c in reader.connections})}")
        publishers = _publishers(node, conns)
        _wait_for_subscribers(list(set(publishers.values())), args.wait, stop)
        print(f"play: {path}: {', '.join(sorted({c.topic for c in conns}))}", flush=True)
        while True:
            try:
                count = play_once(reader, publishers, conns, args.rate, stop)
            except Exception as exc:  # a truncated file fails while reading
                raise BagError(f"stopped while reading ({type(exc).__name__}: {exc})") from exc
            print(f"play: {path}: published {count} messages", flush=True)
            if not args.loop or stop.requested:
                break
    finally:
        reader.close()
        _flush(set(publishers.values()), stop)
        for publisher in set(publishers.values()):
            node.destroy_publisher(publisher)


def _flush(publishers: set[Publisher], stop: Stop) -> None:
    """Give reliable subscribers up to ACK_TIMEOUT in all to take the last messages, unless
    the user asked to stop."""
    deadline = time.monotonic() + ACK_TIMEOUT
    for publisher in publishers:
        if stop.requested:
            return
        left = max(0.0, deadline - time.monotonic())
        publisher.wait_for_all_acked(Duration(nanoseconds=int(left * 1e9)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bags", nargs="+", type=Path, metavar="BAG",
                        help="rosbag2 directory, .mcap or .db3 file (played in turn)")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="speed factor: 2 plays twice as fast (default 1)")
    parser.add_argument("--loop", action="store_true",
                        help="play again from the start (until Ctrl-C)")
    parser.add_argument("--topics", nargs="+", metavar="TOPIC",
                        help="topics to publish (default: the camera images, i.e. every "
                             "image topic but avatar_preview and debug_image)")
    parser.add_argument("--all", action="store_true", help="publish every topic of the bag")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to this long for a subscriber on every topic")


def run(args: argparse.Namespace) -> int:
    if not args.rate > 0:
        print(f"play: --rate must be > 0, got {args.rate}", file=sys.stderr)
        return 2
    stop = Stop()
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node("eye_expression_play")
    failed = 0
    try:
        for path in args.bags:
            if stop.requested:
                break
            try:
                play_bag(node, path, args, stop)
            except BagError as exc:
                failed += 1
                print(f"play: {path}: {exc}", file=sys.stderr, flush=True)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 1 if failed else 0
