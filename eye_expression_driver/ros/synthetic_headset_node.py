"""synthetic_headset: the built-in eye cameras, for demos, tests and trying the graph without
a headset.

Publishes `left/image_raw` and `right/image_raw` (mono8, sensor-data QoS, one stamp for both
eyes, like a headset whose cameras are triggered together) at `rate`, rendered by synth from a
scripted session of one synthetic person (fixations, saccades, pursuit, reading, blinks,
winks, squints, wide eyes, headset slips), and the exact truth behind each pair on
`ground_truth` (SyntheticGroundTruth, the same stamp). Frames are rendered ahead in a
background thread (core.prefetch) so the timer only publishes; a tick with no frame ready
is counted as an underrun and skipped, as a camera drops a frame.
"""

from __future__ import annotations

import time

from rclpy.node import Node
from rclpy.qos import QoSProfile, QoSReliabilityPolicy, qos_profile_sensor_data
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from eye_expression_driver.msg import EyeGroundTruth, SyntheticGroundTruth

from ..core.param_spec import ParamSpec
from ..core.prefetch import Prefetcher
from ..core.runtime_stats import NodeStats
from ..synth.behaviour import BehaviourParams
from ..synth.renderer import FrameTruth
from ..synth.sequence import SyntheticFrame, generate_sequence
from .diagnostics import ERROR, OK, WARN, Diagnostics
from .node_params import _common
from .node_support import image_msg, run_node
from .params import NodeParameters

# More winks, squints and wide eyes than everyday behaviour, so a 20 s session shows them
# all; seed 11 has blinks, partial blinks, a wink of each eye and squints in its first 20 s.
DEMO_BEHAVIOUR = BehaviourParams(winks_per_min=6.0, squints_per_min=6.0, wides_per_min=3.0,
                                 mode_weights=(0.4, 0.3, 0.3))
PARAMS = [
    ParamSpec("rate", 120.0, "frame pairs per second", "Hz", 1.0, 500.0, read_only=True),
    ParamSpec("width", 200, "image width", "px", 32, 1280, read_only=True),
    ParamSpec("height", 200, "image height", "px", 32, 1280, read_only=True),
    ParamSpec("seed", 11, "fixes the person, the session script and the sensor noise", "",
              0, 2**31 - 1, read_only=True),
    ParamSpec("duration", 20.0, "length of the scripted session", "s", 0.1, 3600.0,
              read_only=True),
    ParamSpec("loop", True, "play the session again when it ends (else stop publishing)"),
    ParamSpec("buffer", 0.5, "frames rendered ahead", "s", 0.02, 10.0, read_only=True),
    ParamSpec("wait_for_subscribers", 0, "start the session only once both image topics have "
              "this many subscribers (0 = at once), so a graph that starts later sees it all",
              "", 0, 100, read_only=True),
    ParamSpec("wait_for_truth_subscribers", 0, "and once ground_truth has this many (a "
              "recorder or an evaluation)", "", 0, 100, read_only=True),
    ParamSpec("left_frame_id", "left_eye_camera", "frame_id of the left images and truth"),
    ParamSpec("right_frame_id", "right_eye_camera", "frame_id of the right images"),
    *_common(),
]
GROUND_TRUTH_QOS = QoSProfile(depth=50, reliability=QoSReliabilityPolicy.RELIABLE)


def eye_truth_msg(truth: FrameTruth, eye: int) -> EyeGroundTruth:
    """One eye's renderer truth as the message (px of that eye's own image)."""
    return EyeGroundTruth(
        eye=eye,
        landmarks_x=truth.landmarks[:, 0].astype(float).tolist(),
        landmarks_y=truth.landmarks[:, 1].astype(float).tolist(),
        landmarks_hidden=[bool(h) for h in truth.landmarks_hidden],
        pupil_x=float(truth.pupil[0]), pupil_y=float(truth.pupil[1]),
        pupil_visible=float(truth.pupil_visible), openness=float(truth.openness),
        gaze_yaw=float(truth.yaw), gaze_pitch=float(truth.pitch), blinking=bool(truth.blinking),
    )


class SyntheticHeadsetNode(Node):
    """A timer that publishes pre-rendered synthetic frame pairs and their truth."""

    def __init__(self) -> None:
        super().__init__("synthetic_headset")
        self._frames: Prefetcher[SyntheticFrame] | None = None  # before anything can refuse
        self.params = p = NodeParameters(self, PARAMS, on_change=self._on_change)
        self.stats = NodeStats()
        self.diagnostics = Diagnostics(self, "synthetic headset", "synthetic_headset",
                                       self.stats, self._summary, p["diagnostics_period"],
                                       p["log_period"])
        self._left = self.create_publisher(Image, "left/image_raw", qos_profile_sensor_data)
        self._right = self.create_publisher(Image, "right/image_raw", qos_profile_sensor_data)
        self._truth = self.create_publisher(SyntheticGroundTruth, "ground_truth",
                                            GROUND_TRUTH_QOS)
        size = (p["width"], p["height"])
        self._frames = Prefetcher(
            lambda: generate_sequence(p["seed"], p["duration"], p["rate"], size, DEMO_BEHAVIOUR),
            depth=max(2, round(p["buffer"] * p["rate"])), loop=p["loop"])
        self._frames.wait_ready(2, timeout=10.0)  # start publishing with frames in hand
        self._said_finished = False
        self._started = p["wait_for_subscribers"] == p["wait_for_truth_subscribers"] == 0
        self.create_timer(1.0 / p["rate"], self._tick)
        self.get_logger().info(
            f"{size[0]}x{size[1]} px at {p['rate']:g} Hz, seed {p['seed']}, "
            f"{p['duration']:g} s session{' looped' if p['loop'] else ''}: "
            f"{self._left.topic_name}, {self._right.topic_name}, {self._truth.topic_name}")

    def _on_change(self, changed: dict) -> None:
        if "loop" in changed and self._frames is not None:
            self._frames.loop = changed["loop"]
        self.diagnostics.apply(changed)

    def _waiting(self) -> bool:
        """True until both image topics have the subscribers to wait for."""
        if not self._started:
            images = min(self._left.get_subscription_count(),
                         self._right.get_subscription_count())
            self._started = (images >= self.params["wait_for_subscribers"]
                             and self._truth.get_subscription_count()
                             >= self.params["wait_for_truth_subscribers"])
        return not self._started

    def _tick(self) -> None:
        now = time.monotonic()
        if self._waiting():
            return
        frame = self._frames.take()
        if frame is None:
            self._note_missing()
            return
        header = Header(stamp=self.get_clock().now().to_msg(),
                        frame_id=self.params["left_frame_id"])
        self._left.publish(image_msg(frame.left, "mono8", header))
        right_header = Header(stamp=header.stamp, frame_id=self.params["right_frame_id"])
        self._right.publish(image_msg(frame.right, "mono8", right_header))
        self._truth.publish(SyntheticGroundTruth(
            header=header, left=eye_truth_msg(frame.left_truth, EyeGroundTruth.LEFT),
            right=eye_truth_msg(frame.right_truth, EyeGroundTruth.RIGHT)))
        self.stats.event("frame pairs out", now)
        self.stats.timing("publish", time.monotonic() - now)

    def _note_missing(self) -> None:
        if not self._frames.finished:
            self.stats.count("underruns (frame not rendered in time)")
            self.diagnostics.warn("underrun", "rendering cannot keep up with the rate: "
                                  f"{self._frames.underruns} frames skipped so far")
        elif not self._said_finished:
            self._said_finished = True
            if self._frames.error is not None:
                self.get_logger().error(f"the renderer failed: {self._frames.error}")
            else:
                self.get_logger().info("session finished (loop is false): publishing stopped")

    def _summary(self, now: float) -> tuple[bytes, str]:
        if self._frames.error is not None:
            return ERROR, f"renderer failed: {self._frames.error}"
        if self._frames.finished:
            return OK, "session finished"
        if not self._started:
            return OK, "waiting for subscribers"
        rate = self.stats.rate("frame pairs out", now)
        if rate < 0.9 * self.params["rate"] and self._frames.underruns:
            return WARN, f"{rate:.0f} of {self.params['rate']:g} Hz: rendering too slow"
        return OK, f"{rate:.0f} Hz"

    def destroy_node(self) -> None:
        if self._frames is not None:
            self._frames.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    return run_node(SyntheticHeadsetNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
