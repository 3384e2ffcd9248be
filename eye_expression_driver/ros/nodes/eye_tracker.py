"""eye_tracker: one eye camera's images in, EyeObservation out (one node per eye).

Subscribes ``image_raw`` (sensor-data QoS). The callback only hands the frame to a worker
thread (newest frame wins; replaced frames are counted as drops), so a slow frame never
backs up DDS. The worker decodes (media.image_decode), runs the backend (core.eye_tracking
with the injected detector or model, which also judges the frame) and publishes
``observation`` with the source image's header. ``debug_image`` is drawn only while someone
subscribes. Bad frames are counted by kind, logged once per period, and skipped (malformed)
or published with what was found; the node never dies on input.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import Image

from eye_expression_driver.core.eye_tracking import EyeTracking, Observation, View
from eye_expression_driver.core.names import COEFFICIENTS
from eye_expression_driver.media.image_decode import (
    ImageDecodeError,
    describe_message,
    to_mono8,
)
from eye_expression_driver.msg import EyeCoefficients, EyeObservation
from eye_expression_driver.outputs.overlay import BAR_ORDER, draw_overlay
from eye_expression_driver.ros.conversions import image_to_grey, observation_msg
from eye_expression_driver.ros.diagnostics import OK, WARN, Diagnostics
from eye_expression_driver.ros.node_params import TRACKER_PARAMS
from eye_expression_driver.ros.node_support import image_msg, run_node
from eye_expression_driver.ros.params import NodeParameters
from eye_expression_driver.ros.qos import RELIABLE, SENSOR_DATA
from eye_expression_driver.runtime.latest_slot import LatestSlot, SlotClosedError
from eye_expression_driver.runtime.stats import NodeStats
from eye_expression_driver.vision.tracker_backends import BackendError, make_tracking


class EyeTrackerNode(Node):
    """Receives frames, hands them to the worker; the worker does the rest."""

    def __init__(self, tracking: EyeTracking | None = None) -> None:
        super().__init__("eye_tracker")
        self._slot: LatestSlot[tuple[Image, float]] = LatestSlot()
        self._worker: threading.Thread | None = None
        self.params = NodeParameters(self, TRACKER_PARAMS, on_change=self._on_change)
        p = self.params
        self.eye = p["eye"]
        self.learned = p["backend"] == "learned"
        try:
            self.tracking = tracking or make_tracking(
                self.eye, p["backend"], self._view(), p["landmark_model"],
                p["coefficient_model"], p["threads"])
        except BackendError as exc:
            raise ValueError(str(exc)) from exc  # node_support.run_node: refused start-up
        self.stats = NodeStats()
        self._last_debug = -np.inf
        self._last_image = -np.inf
        self._coefficients: dict[str, float] = {}
        self._coeff_sub = None
        self.diagnostics = Diagnostics(
            self, "eye tracker", f"eye_camera_{self.eye}", self.stats, self._summary,
            p["diagnostics_period"], p["log_period"])
        self._obs_pub = self.create_publisher(EyeObservation, "observation", RELIABLE)
        self._debug_pub = self.create_publisher(Image, "debug_image", SENSOR_DATA)
        self._image_sub = self.create_subscription(Image, "image_raw", self._on_image,
                                                   SENSOR_DATA)
        self.create_timer(1.0, self._follow_debug_viewers)
        self._worker = threading.Thread(target=self._work, name="eye_tracker_worker",
                                        daemon=True)
        self._worker.start()
        self.get_logger().info(
            f"{self.eye} eye, {p['backend']} backend: {self._image_sub.topic_name} -> "
            f"{self._obs_pub.topic_name}")

    def _view(self) -> View:
        return View(tuple(int(v) for v in self.params["crop"]), bool(self.params["mirror"]))

    def _on_change(self, changed: dict) -> None:
        if {"crop", "mirror"} & set(changed):
            self.tracking.view = self._view()
        self.diagnostics.apply(changed)

    # --- receive: never blocks ------------------------------------------------------

    def _on_image(self, msg: Image) -> None:
        now = time.monotonic()
        self._last_image = now
        self.stats.event("images in", now)
        if self._slot.put((msg, now)):
            self.stats.count("dropped")

    # --- compute: the worker thread -------------------------------------------------

    def _work(self) -> None:
        while True:
            try:
                item = self._slot.take(timeout=0.5)
            except SlotClosedError:
                return
            if item is None:
                continue
            try:
                self._process(*item)
            except Exception as exc:  # last line of defence: count, log, go on
                self._odd("internal error", f"frame skipped: {type(exc).__name__}: {exc}")

    def _process(self, msg: Image, received: float) -> None:
        try:
            grey = to_mono8(image_to_grey(msg, self.params["max_pixels"]))
        except ImageDecodeError as exc:
            self._malformed(exc.kind, exc.reason, msg)
            return
        obs, issue = self.tracking.track(grey)
        if issue is not None and issue.malformed:
            self._malformed(issue.kind, issue.message, msg)
        elif issue is not None:
            self._odd(issue.kind, issue.message, issue.log_key)
        if obs is None:
            return
        processing = time.monotonic() - received
        self._obs_pub.publish(observation_msg(obs, msg.header, self.eye, self.learned,
                                              processing))
        self.stats.event("observations out", time.monotonic())
        self.stats.timing("processing", processing)
        self._publish_debug(grey, obs, msg)

    def _malformed(self, kind: str, reason: str, msg: Image) -> None:
        self.stats.count("malformed")
        self.stats.count(f"malformed {kind}")
        self.diagnostics.warn(kind, f"skipping malformed image ({kind}): {reason} "
                              f"[{describe_message(msg)}]")

    def _odd(self, kind: str, message: str, key: str | None = None) -> None:
        self.stats.count(kind)
        self.diagnostics.warn(key or kind, message)

    # --- debug overlay: only while watched ------------------------------------------

    def _publish_debug(self, grey: np.ndarray, obs: Observation, msg: Image) -> None:
        rate = self.params["debug_rate"]
        if rate <= 0 or self._debug_pub.get_subscription_count() == 0:
            return
        now = time.monotonic()
        if now - self._last_debug < 1.0 / rate:
            return
        self._last_debug = now
        coefficients = dict(self._coefficients)
        if self.learned and np.isfinite(obs.learned).all():
            coefficients = dict(zip(COEFFICIENTS, obs.learned.tolist(), strict=True))
        self._debug_pub.publish(image_msg(draw_overlay(grey, obs, coefficients), "bgr8",
                                          msg.header))
        self.stats.event("debug images out", now)

    def _follow_debug_viewers(self) -> None:
        """Listen to the coefficients (for the bars) only while the overlay is watched."""
        watched = self._debug_pub.get_subscription_count() > 0
        if watched and self._coeff_sub is None:
            self._coeff_sub = self.create_subscription(
                EyeCoefficients, "coefficients", self._on_coefficients, RELIABLE)
        elif not watched and self._coeff_sub is not None:
            self.destroy_subscription(self._coeff_sub)
            self._coeff_sub, self._coefficients = None, {}

    def _on_coefficients(self, msg: EyeCoefficients) -> None:
        state = msg.left if self.eye == "left" else msg.right
        self._coefficients = {name: float(getattr(state, name)) for name in BAR_ORDER}

    # --- health and shutdown --------------------------------------------------------

    def _summary(self, now: float) -> tuple[bytes, str]:
        silent = now - self._last_image
        if silent > self.params["silence_warning"]:
            what = "no image yet" if np.isinf(silent) else f"no image for {silent:.1f} s"
            return WARN, f"{what} on {self._image_sub.topic_name}"
        rate = self.stats.rate("observations out", now)
        malformed = self.stats.total("malformed")
        message = f"{rate:.0f} Hz, {self.stats.total('dropped')} dropped, {malformed} malformed"
        return (WARN if self.stats.rate("images in", now) > 2 * rate + 1 else OK), message

    def close(self) -> None:
        """Stop the worker (called before the node is destroyed)."""
        self._slot.close()
        if self._worker is not None and self._worker.is_alive():
            self._worker.join(timeout=2.0)

    def destroy_node(self) -> None:
        self.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    return run_node(EyeTrackerNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
