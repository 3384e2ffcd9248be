"""synthetic_headset: the built-in eye cameras, for demos, tests and trying the graph without
a headset.

Publishes `left/image_raw` and `right/image_raw` (mono8, sensor-data QoS, one stamp for both
eyes, like a headset whose cameras are triggered together) at `rate`, rendered by synth from a
session of one synthetic person, and the exact truth behind each pair on `ground_truth`
(SyntheticGroundTruth, the same stamp). `session` demo plays demo.session's fixed
tour (fixations, saccades, pursuit, blinks, a wink of each eye, a squint, wide eyes,
reading); random plays everyday behaviour with more winks and squints (and headset slips).

The session starts once the graph listens (`wait_for_*`), so its first frames are not lost
to discovery. While another node publishes on the same image topics (a real headset) it
pauses, so the two never mix. Frames are rendered ahead in a background thread
(runtime.prefetch) so the timer only publishes; a tick with no frame ready is counted as an
underrun and skipped, as a camera drops a frame.
"""

from __future__ import annotations

import time

from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from eye_expression_driver.demo.session import script_demo_session
from eye_expression_driver.msg import EyeGroundTruth, SyntheticGroundTruth
from eye_expression_driver.ros.diagnostics import ERROR, OK, WARN, Diagnostics
from eye_expression_driver.ros.node_params import HEADSET_PARAMS
from eye_expression_driver.ros.node_support import image_msg, run_node
from eye_expression_driver.ros.params import NodeParameters
from eye_expression_driver.ros.qos import RELIABLE_DEEP, SENSOR_DATA
from eye_expression_driver.runtime.prefetch import Prefetcher
from eye_expression_driver.runtime.stats import NodeStats
from eye_expression_driver.synth.behaviour import BehaviourParams, script_behaviour
from eye_expression_driver.synth.renderer import FrameTruth
from eye_expression_driver.synth.sequence import SyntheticFrame, generate_sequence

# Random sessions: more winks, squints and wide eyes than everyday behaviour.
RANDOM_BEHAVIOUR = BehaviourParams(winks_per_min=6.0, squints_per_min=6.0, wides_per_min=3.0,
                                   mode_weights=(0.4, 0.3, 0.3))
SCRIPTERS = {"demo": script_demo_session, "random": script_behaviour}
PARAMS = HEADSET_PARAMS
CAMERA_CHECK_PERIOD = 0.25  # s between looks for another publisher on the image topics


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
        image_qos = RELIABLE_DEEP if p["reliable_images"] else SENSOR_DATA
        self._left = self.create_publisher(Image, "left/image_raw", image_qos)
        self._right = self.create_publisher(Image, "right/image_raw", image_qos)
        self._truth = self.create_publisher(SyntheticGroundTruth, "ground_truth",
                                            RELIABLE_DEEP)
        size = (p["width"], p["height"])
        scripter = SCRIPTERS[p["session"]]
        self._frames = Prefetcher(
            lambda: generate_sequence(p["seed"], p["duration"], p["rate"], size,
                                      RANDOM_BEHAVIOUR, scripter),
            depth=max(2, round(p["buffer"] * p["rate"])), loop=p["loop"])
        self._frames.wait_ready(2, timeout=10.0)  # start publishing with frames in hand
        self._said_finished = False
        self._ready_at: float | None = None  # when the graph was found listening
        self._other_camera = ""
        self.create_timer(1.0 / p["rate"], self._tick)
        self.create_timer(CAMERA_CHECK_PERIOD, self._look_for_other_cameras)
        self.get_logger().info(
            f"{size[0]}x{size[1]} px at {p['rate']:g} Hz, seed {p['seed']}, "
            f"{p['duration']:g} s {p['session']} session{' looped' if p['loop'] else ''}: "
            f"{self._left.topic_name}, {self._right.topic_name}, {self._truth.topic_name}")

    def _on_change(self, changed: dict) -> None:
        if "loop" in changed and self._frames is not None:
            self._frames.loop = changed["loop"]
        self.diagnostics.apply(changed)

    def _waiting(self) -> bool:
        """True until the listeners to wait for are there, and start_delay after that."""
        if self._ready_at is None and self._listened():
            self._ready_at = time.monotonic()
            self.get_logger().info("the graph listens: the session starts"
                                   + (f" in {self.params['start_delay']:g} s"
                                      if self.params["start_delay"] else ""))
        return self._ready_at is None or \
            time.monotonic() - self._ready_at < self.params["start_delay"]

    def _listened(self) -> bool:
        p = self.params
        wanted = p["wait_for_subscribers"]
        images = min(self._left.get_subscription_count(), self._right.get_subscription_count())
        return (images >= wanted
                and self._truth.get_subscription_count() >= p["wait_for_truth_subscribers"]
                and all(self.count_publishers(t) > 0
                        and self.count_subscribers(t) >= max(wanted, 1)
                        for t in p["wait_for_topics"]))

    def _look_for_other_cameras(self) -> None:
        """Pause while someone else publishes our image topics: two sources must not mix."""
        others = [pub.topic_name for pub in (self._left, self._right)
                  if self.count_publishers(pub.topic_name) > 1]
        if others and not self._other_camera:
            self.get_logger().warning(f"another node publishes {', '.join(others)}: paused "
                                      "until it stops (or start the graph with --source none)")
        elif self._other_camera and not others:
            self.get_logger().info("the other image publisher is gone: publishing again")
        self._other_camera = ", ".join(others)

    def _tick(self) -> None:
        now = time.monotonic()
        if self._waiting() or self._other_camera:
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
        if self._other_camera:
            return WARN, f"paused: another node publishes {self._other_camera}"
        if self._ready_at is None:
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
