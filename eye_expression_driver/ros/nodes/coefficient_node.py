"""coefficient_node: both eyes' observations in, EyeCoefficients out.

Subscribes ``left/observation`` and ``right/observation``, pairs them by stamp and runs
the coefficient method per eye (all in core.binocular). Publishes ``coefficients`` with
the newer source stamp, ``calibration_state`` at a low rate, and offers the services
``reset_calibration``, ``save_profile``, ``load_profile`` and ``look_straight``. When one
eye goes silent the outputs continue with that eye's confidence at 0.
"""

from __future__ import annotations

import time

from rclpy.node import Node
from std_msgs.msg import Header
from std_srvs.srv import Trigger

from eye_expression_driver.core.binocular import BinocularCoefficients, profile_paths
from eye_expression_driver.core.calibration import ProfileError, StreamingCalibration
from eye_expression_driver.core.names import EYES
from eye_expression_driver.msg import CalibrationState, EyeCoefficients, EyeObservation
from eye_expression_driver.ros.conversions import (
    EYE_CODES,
    calibration_msg,
    coefficients_msg,
    eye_input,
    to_time,
)
from eye_expression_driver.ros.diagnostics import OK, WARN, Diagnostics
from eye_expression_driver.ros.node_params import (
    COEFFICIENT_PARAMS,
    check_coefficient_config,
    coefficient_config,
)
from eye_expression_driver.ros.node_support import run_node
from eye_expression_driver.ros.params import NodeParameters
from eye_expression_driver.ros.qos import RELIABLE
from eye_expression_driver.runtime.stats import NodeStats
from eye_expression_driver.srv import ProfileFile


class CoefficientNode(Node):
    """Message glue around core.binocular.BinocularCoefficients."""

    def __init__(self) -> None:
        super().__init__("coefficient_node")
        self.params = NodeParameters(self, COEFFICIENT_PARAMS, validate=check_coefficient_config,
                                     on_change=self._on_change)
        p = self.params
        self.core = BinocularCoefficients(coefficient_config(p.values), p["slop"],
                                          p["queue_size"], p["eye_timeout"])
        self.stats = NodeStats()
        self._last_stamp_ns: int | None = None
        self._lost = {side: False for side in EYES}
        self.diagnostics = Diagnostics(self, "coefficients", "eye_expression", self.stats,
                                       self._summary, p["diagnostics_period"], p["log_period"])
        self._pub = self.create_publisher(EyeCoefficients, "coefficients", RELIABLE)
        self._cal_pub = self.create_publisher(CalibrationState, "calibration_state", RELIABLE)
        for side in EYES:
            self.create_subscription(EyeObservation, f"{side}/observation",
                                     lambda msg, s=side: self._on_observation(s, msg),
                                     RELIABLE)
        self.create_service(Trigger, "reset_calibration", self._reset)
        self.create_service(ProfileFile, "save_profile", self._save)
        self.create_service(ProfileFile, "load_profile", self._load)
        self.create_service(Trigger, "look_straight", self._look_straight)
        self._poll_timer = self.create_timer(self._poll_period(), self._poll)
        self._cal_timer = self.create_timer(1.0 / p["calibration_rate"], self._publish_calibration)
        self.get_logger().info(
            f"pairing {self.resolve_topic_name('left/observation')} and "
            f"{self.resolve_topic_name('right/observation')} (slop {p['slop']} s) -> "
            f"{self._pub.topic_name}")
        if p["load_profile_on_start"]:
            self._load_on_start()

    def _poll_period(self) -> float:
        return min(0.05, self.params["eye_timeout"] / 4)

    def _on_change(self, changed: dict) -> None:
        pairer = self.core.pairer
        pairer.slop = self.params["slop"]
        pairer.queue_size = self.params["queue_size"]
        pairer.timeout = self.params["eye_timeout"]
        if "eye_timeout" in changed:
            self._poll_timer = self._replace_timer(self._poll_timer, self._poll_period(),
                                                   self._poll)
        if "calibration_rate" in changed:
            self._cal_timer = self._replace_timer(
                self._cal_timer, 1.0 / changed["calibration_rate"], self._publish_calibration)
        self.diagnostics.apply(changed)

    def _replace_timer(self, timer, period: float, callback):
        self.destroy_timer(timer)
        return self.create_timer(period, callback)

    # --- data path ------------------------------------------------------------------

    def _on_observation(self, side: str, msg: EyeObservation) -> None:
        now = time.monotonic()
        self.stats.event(f"{side} observations in", now)
        if msg.eye != EYE_CODES[side]:
            self.stats.count(f"{side} eye mismatch")
            self.diagnostics.warn(f"{side} mismatch", f"an observation on the {side} topic "
                                  f"says eye={msg.eye}; using it as the {side} eye")
        started = time.perf_counter()
        results = self.core.push(side, eye_input(msg), now)
        self._publish(results, now)
        self.stats.timing("processing", time.perf_counter() - started)

    def _poll(self) -> None:
        now = time.monotonic()
        self._publish(self.core.poll(now), now)
        for side in EYES:
            lost = self.core.lost(side, now)
            if lost != self._lost[side]:
                self._lost[side] = lost
                if lost:
                    self.get_logger().warning(f"{side} eye lost: confidence 0 until it returns")
                else:
                    self.get_logger().info(f"{side} eye back")

    def _publish(self, results, now: float) -> None:
        for result in results:
            self._pub.publish(coefficients_msg(result))
            self._last_stamp_ns = result.stamp_ns
            self.stats.event("coefficients out", now)
        self._sync_count("unpaired dropped", self.core.pairer.dropped)
        if self._sync_count("stamp jumps", self.core.pairer.resets):
            self.diagnostics.warn("stamp jump", "observation stamps went backwards: "
                                  "pairing restarted")

    def _sync_count(self, name: str, value: int) -> int:
        """Bring a counter kept by core into the stats; the increase."""
        new = value - self.stats.total(name)
        if new > 0:
            self.stats.count(name, new)
        return new

    def _calibration(self, side: str) -> StreamingCalibration:
        """An eye's calibration, for its ``current`` statistics (what the coefficients use,
        at most one refresh interval old): ``thresholds`` would recompute a full window
        (1.5-3 ms per eye) inside a timer callback, both eyes at once, while frames wait."""
        return self.core.estimators[side].calibration

    def _publish_calibration(self) -> None:
        header = Header(stamp=to_time(self._last_stamp_ns) if self._last_stamp_ns is not None
                        else self.get_clock().now().to_msg())
        cal = {side: calibration_msg(self._calibration(side).current,
                                     self._calibration(side).frozen)
               for side in EYES}
        self._cal_pub.publish(CalibrationState(header=header, **cal))

    # --- services -------------------------------------------------------------------

    def _reset(self, _request, response):
        response.success, response.message = True, self.core.reset_calibration()
        self.get_logger().info(response.message)
        return response

    def _look_straight(self, _request, response):
        return self._answer(response, self.core.look_straight)

    def _save(self, request, response):
        path = request.path or self.params["profile_path"]
        return self._answer(response, lambda: self.core.save_profile(path))

    def _load(self, request, response):
        path = request.path or self.params["profile_path"]
        return self._answer(response, lambda: self.core.load_profile(path))

    def _answer(self, response, action):
        """Run a calibration command; a failure becomes success=False with the reason."""
        try:
            response.success, response.message = True, action()
            self.get_logger().info(response.message)
        except (ProfileError, OSError, ValueError) as exc:
            response.success, response.message = False, str(exc)
            self.get_logger().warning(response.message)
        return response

    def _load_on_start(self) -> None:
        path = self.params["profile_path"]
        if not any(p.exists() for p in profile_paths(path).values()):
            self.get_logger().info(f"no calibration profile at {path}: warming up")
            return
        try:
            self.get_logger().info(self.core.load_profile(path))
        except ProfileError as exc:
            self.get_logger().warning(f"profile not used, warming up instead: {exc}")

    # --- health ---------------------------------------------------------------------

    def _summary(self, now: float) -> tuple[bytes, str]:
        lost = [side for side in EYES if self.core.lost(side, now)]
        rate = self.stats.rate("coefficients out", now)
        if len(lost) == 2 or not self.stats.total("coefficients out"):
            return WARN, "no observations from either eye"
        ready = ", ".join(f"{s} {'calibrated' if self._calibration(s).ready else 'warming up'}"
                          for s in EYES)
        if lost:
            return WARN, f"{lost[0]} eye lost (confidence 0); {rate:.0f} Hz; {ready}"
        return OK, f"{rate:.0f} Hz; {ready}"


def main(args: list[str] | None = None) -> int:
    return run_node(CoefficientNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
