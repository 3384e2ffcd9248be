"""`eye-expression record`: the package's topics into a rosbag2 bag, where `ros2 bag` is missing.

Subscribes to each wanted topic as soon as a publisher appears (the graph is polled, as
`ros2 bag record` does), with the publishers' reliability and durability, and writes the
serialized CDR bytes untouched (stamps and content exactly as published) with the
receive time as the bag timestamp. The bag is a rosbag2 directory (metadata.yaml plus an
.mcap, or .db3) that carries the definitions of all its types, this package's included, so
`ros2 bag`, Foxglove and `rosbags` read it. Stops on SIGINT/SIGTERM or after --duration, and
prints the message count of every topic.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from rosbags.interfaces import Qos, QosDurability, QosReliability
from rosbags.rosbag2 import StoragePlugin, Writer, WriterError

from eye_expression_driver.media.bag import bag_qos, typestore
from eye_expression_driver.ros.conversions import message_class

# The graph's topics, relative so --namespace places them (docs/design.md).
DEFAULT_TOPICS = (
    "left/image_raw", "right/image_raw", "ground_truth",
    "left/observation", "right/observation", "coefficients", "calibration_state",
    "face_expression", "left/debug_image", "right/debug_image", "avatar_preview",
    "/diagnostics",
)
GRAPH_POLL = 0.25  # s between looks for new publishers
DRAIN = 0.3  # s of taking already received messages after the stop


def absolute(topic: str, namespace: str) -> str:
    """A topic name as the graph lists it: relative names go under the namespace."""
    if topic.startswith("/"):
        return topic
    return "/" + "/".join(p for p in (namespace.strip("/"), topic) if p)


def subscription_qos(node: Node, topic: str) -> QoSProfile:
    """Reliable/transient-local only when every publisher offers it (as ros2 bag adapts)."""
    infos = node.get_publishers_info_by_topic(topic)
    reliable = bool(infos) and all(
        i.qos_profile.reliability == ReliabilityPolicy.RELIABLE for i in infos)
    latched = bool(infos) and all(
        i.qos_profile.durability == DurabilityPolicy.TRANSIENT_LOCAL for i in infos)
    return QoSProfile(
        depth=1000,
        reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE,
    )


def recorded_qos(qos: QoSProfile) -> Qos:
    """The subscription's profile as the bag's metadata records it."""
    return bag_qos(qos.depth, QosReliability(int(qos.reliability)),
                   QosDurability(int(qos.durability)))


class Recorder:
    """Follows the graph, subscribes raw to the wanted topics and writes every message."""

    def __init__(self, node: Node, writer: Writer, topics: set[str] | None,
                 verbose: bool = True) -> None:
        self.node, self.writer, self.verbose = node, writer, verbose
        self.wanted = topics  # absolute names; None = every topic
        self.counts: dict[str, int] = {}
        self.types: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self._subscriptions = []

    def follow_graph(self) -> None:
        """Subscribe to wanted topics that have appeared since the last look."""
        for topic, types in self.node.get_topic_names_and_types():
            wanted = self.wanted is None or topic in self.wanted
            if not wanted or topic in self.types or topic in self.skipped:
                continue
            if not self.node.get_publishers_info_by_topic(topic):
                continue  # only subscribers so far: the publisher's QoS is not known yet
            self.subscribe(topic, types[0])

    def subscribe(self, topic: str, msgtype: str, qos: QoSProfile | None = None) -> None:
        """Record one topic; ``qos`` None = adapt to its publishers (which must exist). Given
        a profile, a topic is recorded before its publisher appears, from its first message."""
        try:
            cls = message_class(msgtype)
            qos = qos or subscription_qos(self.node, topic)
            conn = self.writer.add_connection(topic, msgtype, typestore=typestore(),
                                              offered_qos_profiles=[recorded_qos(qos)])
        except Exception as exc:  # an unknown type must not stop the others
            self.skipped[topic] = f"{msgtype}: {exc}"
            print(f"record: not recording {topic} ({msgtype}): {exc}", file=sys.stderr)
            return
        self.types[topic] = msgtype
        self.counts[topic] = 0

        def write(data: bytes, conn=conn, topic=topic) -> None:
            self.writer.write(conn, time.time_ns(), data)
            self.counts[topic] += 1

        self._subscriptions.append(
            self.node.create_subscription(cls, topic, write, qos, raw=True))
        if self.verbose:
            print(f"record: recording {topic} ({msgtype})", flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path,
                        help="bag directory to create (default: eye_expression_<time>)")
    parser.add_argument("--topics", nargs="+", default=list(DEFAULT_TOPICS),
                        help="topics to record, relative ones under --namespace "
                             "(default: the package's topics)")
    parser.add_argument("--all", action="store_true", help="record every topic that appears")
    parser.add_argument("--namespace", default="", help="namespace of the graph (default: /)")
    parser.add_argument("--duration", type=float, default=0.0,
                        help="stop after this many seconds (default: until SIGINT/SIGTERM)")
    parser.add_argument("--storage", choices=["mcap", "sqlite3"], default="mcap",
                        help="storage format (default: mcap)")


def open_writer(path: Path, storage: str) -> Writer:
    plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
    writer = Writer(path, version=Writer.VERSION_LATEST, storage_plugin=plugin)
    writer.open()
    return writer


def _stop_on_signals() -> list[bool]:
    """A flag set by SIGINT/SIGTERM, so the bag is closed properly instead of cut off."""
    stop = [False]

    def handler(_signum, _frame) -> None:
        stop[0] = True

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _report(recorder: Recorder, path: Path) -> None:
    total = sum(recorder.counts.values())
    print(f"record: wrote {total} messages on {len(recorder.counts)} topics to {path}")
    for topic in sorted(recorder.counts):
        print(f"  {recorder.counts[topic]:8d}  {topic}  ({recorder.types[topic]})")
    if recorder.wanted is not None:
        for topic in sorted(recorder.wanted - set(recorder.counts) - set(recorder.skipped)):
            print(f"         -  {topic}  (never published)")


def run(args: argparse.Namespace) -> int:
    if args.duration < 0:
        print("record: --duration must be >= 0", file=sys.stderr)
        return 2
    path = args.output or Path(f"eye_expression_{datetime.now():%Y%m%d_%H%M%S}")
    try:
        writer = open_writer(path, args.storage)
    except (WriterError, OSError) as exc:
        print(f"record: cannot create {path}: {exc}", file=sys.stderr)
        return 1
    stop = _stop_on_signals()
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node("eye_expression_record")
    wanted = None if args.all else {absolute(t, args.namespace) for t in args.topics}
    recorder = Recorder(node, writer, wanted)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    end = time.monotonic() + args.duration if args.duration else float("inf")
    try:
        record_until(executor, recorder, lambda: stop[0] or time.monotonic() >= end)
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
        writer.close()
    _report(recorder, path)
    return 0


def record_until(executor: SingleThreadedExecutor, recorder: Recorder,
                 done: Callable[[], bool]) -> None:
    """Follow the graph and record until done(); then take what DDS already delivered."""
    next_poll = 0.0
    while not done():
        if time.monotonic() >= next_poll:
            recorder.follow_graph()
            next_poll = time.monotonic() + GRAPH_POLL
        executor.spin_once(timeout_sec=0.02)
    drain_until = time.monotonic() + DRAIN
    while time.monotonic() < drain_until:
        executor.spin_once(timeout_sec=0.01)
