"""`eye-expression demo` (and `make demo`): the whole graph on the built-in synthetic headset.

Starts the graph on the synthetic headset (`ros.graph`, the processes `eye-expression run`
starts) plus the avatar preview, records the session's topics into a rosbag2 .mcap in this
process, stops everything when the scripted session (demo.session) has played. The
headset starts the session only once the recorder and the whole chain down to
face_expression are connected, so no frame is lost to start-up. Then it writes the
report (demo.report): coefficients against ground truth (PNG), an animated preview of
both eye images with landmarks beside the avatar face (GIF and one PNG frame), and a
summary with end-to-end latency, frame drops and coefficient errors. Prints where it is.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import rclpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions

from eye_expression_driver.demo.report import write_report
from eye_expression_driver.demo.session import segments_until
from eye_expression_driver.ros.graph import NodeLaunch, graph, with_parameters
from eye_expression_driver.ros.node_params import SESSIONS
from eye_expression_driver.ros.paths import package_file
from eye_expression_driver.vision.tracker_backends import BACKENDS

from .record import Recorder, absolute, open_writer, record_until
from .run import DEFAULT_CONFIG, NodeProcess, check_config, stop_all

# What the report and a later replay need; debug images are left out (large, redundant).
DEMO_TOPICS = ("left/image_raw", "right/image_raw", "ground_truth", "left/observation",
               "right/observation", "coefficients", "calibration_state", "face_expression",
               "avatar_preview", "/diagnostics")
# Recorded from the start (type, reliable), so no message of a frame is missed while the
# recorder discovers the publishers; the rest is found as it appears.
_MSG = "eye_expression_driver/msg/"
FROM_THE_START = {"/left/image_raw": ("sensor_msgs/msg/Image", False),
                  "/right/image_raw": ("sensor_msgs/msg/Image", False),
                  "/ground_truth": (_MSG + "SyntheticGroundTruth", True),
                  "/left/observation": (_MSG + "EyeObservation", True),
                  "/right/observation": (_MSG + "EyeObservation", True),
                  "/coefficients": (_MSG + "EyeCoefficients", True),
                  "/face_expression": (_MSG + "FaceExpression", True)}
SETTLE = 1.0  # s the graph gets after the last frame to publish its last outputs
# The headset starts once these have a publisher and their subscribers: the chain is
# connected.
CHAIN = ("left/observation", "right/observation", "coefficients", "face_expression")
DROP_KEYS = ("dropped", "underruns")  # diagnostics values that count lost or late frames
START_TIMEOUT = 60.0  # s for all processes to start and the session to begin


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=20.0, help="session length (s)")
    parser.add_argument("--rate", type=float, default=60.0,
                        help="camera rate (Hz); the headset's own default is 120, the demo "
                             "uses less so that two cores keep up")
    parser.add_argument("--seed", type=int, default=11, help="the synthetic person")
    parser.add_argument("--session", choices=SESSIONS, default="demo",
                        help="demo: the scripted tour of blinks, winks, gaze and reading; "
                             "random: everyday behaviour")
    parser.add_argument("--out", type=Path, default=Path("demo_report"),
                        help="parent folder of the report (default ./demo_report)")
    parser.add_argument("--config", type=Path, default=None,
                        help=f"graph parameters (default: the package's {DEFAULT_CONFIG})")
    parser.add_argument("--backend", choices=BACKENDS, default="geometric")
    parser.add_argument("--landmark-model", default="",
                        help="ONNX landmark model (default: the one shipped)")


def demo_nodes(args: argparse.Namespace) -> list[NodeLaunch]:
    """The graph on the synthetic headset, plus the avatar preview."""
    headset = {"rate": float(args.rate), "duration": float(args.seconds), "seed": args.seed,
               "session": args.session, "loop": False,
               # each image and CHAIN topic: its node and the recorder (avatar_preview and
               # the recorder for face_expression), then a second for the last start-ups
               "wait_for_subscribers": 2, "wait_for_truth_subscribers": 1,
               "wait_for_topics": list(CHAIN), "start_delay": 1.0,
               "reliable_images": True}  # the recording must hold every frame
    extra = {"eye_tracker": {"landmark_model": args.landmark_model} if args.landmark_model
             else {},
             "coefficient_node": {"load_profile_on_start": False},  # not the user's profile
             "synthetic_headset": headset}
    nodes = [with_parameters(n, extra) for n in graph("", args.backend, source="synthetic")]
    return [*nodes, NodeLaunch("avatar_preview", "avatar_preview", "/", {"max_rate": 15.0})]


class Progress:
    """Follows /diagnostics: when the headset's session is over, and each node's last word."""

    def __init__(self, node) -> None:
        self.last: dict[str, DiagnosticStatus] = {}
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on, 50)

    def _on(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            self.last[status.name] = status

    @property
    def session_over(self) -> bool:
        status = self.last.get("synthetic_headset: synthetic headset")
        return status is not None and (status.message == "session finished"
                                       or status.level == DiagnosticStatus.ERROR)

    def drops(self) -> dict[str, int]:
        """The nodes' own counts of frames they dropped (or rendered late), by node."""
        out = {}
        for name, status in sorted(self.last.items()):
            for value in status.values:
                if value.key.endswith("count") and any(k in value.key for k in DROP_KEYS):
                    what = value.key.removesuffix(" count").split(" (")[0]
                    out[f"{name.split(':')[0]} {what}"] = int(float(value.value))
        return out

    def text(self) -> str:
        keys = ("drop", "underrun", "rate", "malformed", "lost", "count")
        lines = ["node diagnostics after the session (counts are totals; rates have ended):"]
        for name, status in sorted(self.last.items()):
            values = ", ".join(f"{v.key} {v.value}" for v in status.values
                               if any(k in v.key for k in keys))
            lines.append(f"  {name}: {status.message}" + (f" ({values})" if values else ""))
        return "\n".join(lines) + "\n"


def _record(processes: list[NodeProcess], bag: Path,
            seconds: float) -> tuple[dict, Progress, str]:
    """Record until the session is over; (counts, the nodes' last diagnostics, problem or '')."""
    writer = open_writer(bag, "mcap")
    stop = [False]
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.__setitem__(0, True))
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node("eye_expression_demo")
    recorder = Recorder(node, writer, {absolute(t, "") for t in DEMO_TOPICS}, verbose=False)
    for topic, (msgtype, reliable) in FROM_THE_START.items():
        recorder.subscribe(topic, msgtype, QoSProfile(depth=1000, reliability=(
            ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT)))
    progress = Progress(node)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    deadline = time.monotonic() + START_TIMEOUT + seconds * 3
    problem, over_at = "", [None]

    def done() -> bool:
        nonlocal problem
        dead = [p.node.label for p in processes if p.proc.poll() is not None]
        if dead or stop[0] or time.monotonic() > deadline:
            problem = (f"{', '.join(dead)} stopped early" if dead else
                       "interrupted" if stop[0] else "the session did not finish in time")
            return True
        if progress.session_over and over_at[0] is None:
            over_at[0] = time.monotonic()
        return over_at[0] is not None and time.monotonic() - over_at[0] > SETTLE

    try:
        record_until(executor, recorder, done)
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
        writer.close()
    return recorder.counts, progress, problem


def run(args: argparse.Namespace) -> int:
    if not (1.0 <= args.seconds <= 600.0 and 1.0 <= args.rate <= 500.0):
        print("demo: --seconds must be 1..600 and --rate 1..500", file=sys.stderr)
        return 2
    config = args.config or package_file(DEFAULT_CONFIG)
    problems = check_config(config)
    if problems:
        print(f"demo: {config} has problems:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    out = args.out / datetime.now().strftime("%Y%m%d_%H%M%S")
    out.mkdir(parents=True, exist_ok=False)
    bag, log_path = out / "session", out / "graph.log"
    print(f"demo: {args.seconds:g} s at {args.rate:g} Hz; node output in {log_path}", flush=True)
    processes: list[NodeProcess] = []
    with log_path.open("w") as log:
        try:
            processes = [NodeProcess(n, str(Path(config).resolve()), out=log)
                         for n in demo_nodes(args)]
            counts, progress, problem = _record(processes, bag, args.seconds)
        finally:
            stop_all(processes, 5.0)
            for p in processes:
                p.finish()
    if problem:
        print(f"demo: {problem}; see {log_path}", file=sys.stderr)
        print("".join(log_path.read_text().splitlines(keepends=True)[-15:]), file=sys.stderr)
        return 1
    print(f"demo: recorded {sum(counts.values())} messages to {bag}; writing the report",
          flush=True)
    segments = segments_until(args.seconds) if args.session == "demo" else ()
    paths = write_report(bag, out, skip_seconds=min(5.0, args.seconds / 3),
                         extra=progress.text(), rate=args.rate, segments=segments,
                         drops=progress.drops())
    summary = paths["summary"].read_text()
    print(summary.split("\nbag:")[0])  # the headline; the details stay in the file
    print(f"demo: report in {out.resolve()}")
    for name, path in paths.items():
        print(f"  {name}: {path}")
    return 0
