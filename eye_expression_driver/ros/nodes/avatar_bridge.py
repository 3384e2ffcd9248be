"""avatar_bridge: eye coefficients (and other face inputs) in, a full FaceExpression out.

Loads the face template (ARKit 52 names with neutral weights), writes the eye weights
from ``coefficients`` into it, merges the FaceExpression topics in ``input_topics`` by
name and priority, and publishes ``face_expression`` on every new input. Inputs that stop
ease back to neutral (core.face_merge); while they do and nothing new arrives, the face
is republished at ``idle_rate`` (those frames, having no source, are stamped now).
"""

from __future__ import annotations

import math
import time

from rclpy.node import Node
from std_msgs.msg import Header

from eye_expression_driver.core.blendshapes import FaceTemplate, TemplateError, eye_weights
from eye_expression_driver.core.face_merge import FaceMerger, eye_confidences
from eye_expression_driver.msg import EyeCoefficients, FaceExpression
from eye_expression_driver.ros.conversions import eye_result, stamp_ns, to_time
from eye_expression_driver.ros.diagnostics import OK, WARN, Diagnostics
from eye_expression_driver.ros.node_params import BRIDGE_PARAMS, check_bridge
from eye_expression_driver.ros.node_support import run_node
from eye_expression_driver.ros.params import NodeParameters
from eye_expression_driver.ros.paths import package_file
from eye_expression_driver.ros.qos import RELIABLE
from eye_expression_driver.runtime.stats import NodeStats

DEFAULT_TEMPLATE = "config/face_template_arkit52.yaml"
EYES_SOURCE = "eyes"


class AvatarBridgeNode(Node):
    """Message glue around core.face_merge.FaceMerger."""

    def __init__(self) -> None:
        super().__init__("avatar_bridge")
        self.params = NodeParameters(self, BRIDGE_PARAMS, validate=check_bridge,
                                     on_change=self._on_change)
        p = self.params
        path = p["template_path"] or str(package_file(DEFAULT_TEMPLATE))
        try:
            self.template = FaceTemplate.load(path)
        except TemplateError as exc:
            raise ValueError(str(exc)) from exc  # node_support.run_node: refused start-up
        self.merger = FaceMerger(list(self.template.names), self.template.neutral,
                                 p["stale_after"], p["ease_time"])
        self.stats = NodeStats()
        self._last_publish = -math.inf
        self._last_input = -math.inf
        self.diagnostics = Diagnostics(self, "avatar bridge", "eye_expression", self.stats,
                                       self._summary, p["diagnostics_period"], p["log_period"])
        self._pub = self.create_publisher(FaceExpression, "face_expression", RELIABLE)
        self.create_subscription(EyeCoefficients, "coefficients", self._on_coefficients,
                                 RELIABLE)
        self._input_names = []
        for i, topic in enumerate(p["input_topics"]):
            sub = self.create_subscription(
                FaceExpression, topic, lambda msg, i=i: self._on_input(i, msg), RELIABLE)
            self._input_names.append(sub.topic_name)
        self._idle_timer = self._make_idle_timer()
        self.get_logger().info(
            f"template {path} ({len(self.template.names)} names), inputs: eyes"
            + "".join(f", {n}" for n in self._input_names))

    def _make_idle_timer(self):
        rate = self.params["idle_rate"]
        return self.create_timer(1.0 / rate, self._idle) if rate > 0 else None

    def _on_change(self, changed: dict) -> None:
        self.merger.stale_after = self.params["stale_after"]
        self.merger.ease_time = self.params["ease_time"]
        if "idle_rate" in changed:
            if self._idle_timer is not None:
                self.destroy_timer(self._idle_timer)
            self._idle_timer = self._make_idle_timer()
        self.diagnostics.apply(changed)

    # --- inputs ---------------------------------------------------------------------

    def _on_coefficients(self, msg: EyeCoefficients) -> None:
        now = time.monotonic()
        self.stats.event("coefficients in", now)
        left, right = eye_result(msg.left), eye_result(msg.right)
        weights = eye_weights(left, right, self.params["include_wide"])
        confidences = eye_confidences(
            weights, {"Left": left.blink_confidence, "Right": right.blink_confidence},
            {"Left": left.gaze_confidence, "Right": right.gaze_confidence})
        self.merger.update(EYES_SOURCE, weights, now, stamp_ns(msg.header),
                           self.params["eye_priority"], confidences)
        self._publish(now)

    def _on_input(self, index: int, msg: FaceExpression) -> None:
        now = time.monotonic()
        name = self._input_names[index]
        self.stats.event("face inputs in", now)
        problem = _face_problem(msg)
        if problem:
            self.stats.count("malformed face inputs")
            self.diagnostics.warn(f"bad {name}", f"skipping a FaceExpression on {name}: {problem}")
            return
        values = {n: w for n, w in zip(msg.names, msg.weights, strict=True) if math.isfinite(w)}
        confidences = dict(zip(msg.names, msg.confidences, strict=True)) if msg.confidences \
            else None
        priorities = self.params["input_priorities"]
        priority = priorities[index] if index < len(priorities) else 0.0
        self.merger.update(name, values, now, stamp_ns(msg.header), priority, confidences)
        if self.merger.unknown_names:
            self.diagnostics.warn(f"unknown {name}", f"names not in the {self.template.schema} "
                                  f"template are ignored: {sorted(self.merger.unknown_names)[:8]}")
        self._publish(now)

    # --- output ---------------------------------------------------------------------

    def _publish(self, now: float, stamp_now: bool = False) -> None:
        face = self.merger.merged(now)
        header = Header(stamp=self.get_clock().now().to_msg() if stamp_now or not face.stamp_ns
                        else to_time(face.stamp_ns))
        self._pub.publish(FaceExpression(
            header=header, schema=self.template.schema, names=list(self.template.names),
            weights=face.weights.astype(float).tolist(),
            confidences=face.confidences.astype(float).tolist()))
        self._last_publish = now
        if not stamp_now:
            self._last_input = now
        self.stats.event("face expressions out", now)

    def _idle(self) -> None:
        """Keep easing stale inputs out when no new input drives the output."""
        now = time.monotonic()
        if now - self._last_publish < 1.0 / self.params["idle_rate"]:
            return
        settled = self.merger.settled_after()
        if self.merger.easing(now) or self._last_publish < settled <= now:  # ease on, then rest
            self._publish(now, stamp_now=True)

    def _summary(self, now: float) -> tuple[bytes, str]:
        silent = now - self._last_input
        rate = self.stats.rate("face expressions out", now)
        if silent > self.params["silence_warning"]:
            what = "no input yet" if math.isinf(silent) else f"no input for {silent:.1f} s"
            return WARN, f"{what}: face at neutral"
        return OK, f"{rate:.0f} Hz"


def _face_problem(msg: FaceExpression) -> str | None:
    """Why an input FaceExpression cannot be merged, or None."""
    if len(msg.names) != len(msg.weights):
        return f"{len(msg.names)} names but {len(msg.weights)} weights"
    if msg.confidences and len(msg.confidences) != len(msg.names):
        return f"{len(msg.confidences)} confidences for {len(msg.names)} names"
    return None


def main(args: list[str] | None = None) -> int:
    return run_node(AvatarBridgeNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
