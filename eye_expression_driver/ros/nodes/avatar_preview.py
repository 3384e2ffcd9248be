"""avatar_preview: draws the face that `face_expression` describes, as an image to look at.

Subscribes `face_expression` (FaceExpression), publishes `avatar_preview` (sensor_msgs/Image,
bgr8, the expression's header) only while someone subscribes and at most `max_rate` times a
second, so an unwatched preview costs nothing. The drawing is outputs.avatar_preview.
"""

from __future__ import annotations

import time

from rclpy.node import Node
from sensor_msgs.msg import Image

from eye_expression_driver.msg import FaceExpression
from eye_expression_driver.outputs.avatar_preview import (
    render_avatar,
    weights_from_lists,
)
from eye_expression_driver.ros.diagnostics import OK, Diagnostics
from eye_expression_driver.ros.node_params import PREVIEW_PARAMS
from eye_expression_driver.ros.node_support import image_msg, run_node
from eye_expression_driver.ros.params import NodeParameters
from eye_expression_driver.ros.qos import LATEST_PICTURE, RELIABLE
from eye_expression_driver.runtime.stats import NodeStats


class AvatarPreviewNode(Node):
    """FaceExpression in, a drawn face out, rate-limited and only when watched."""

    def __init__(self) -> None:
        super().__init__("avatar_preview")
        self.params = NodeParameters(self, PREVIEW_PARAMS, on_change=self._on_change)
        self.stats = NodeStats()
        self.diagnostics = Diagnostics(self, "avatar preview", "eye_expression", self.stats,
                                       self._summary, self.params["diagnostics_period"],
                                       self.params["log_period"])
        self._last_publish = -float("inf")
        self._pub = self.create_publisher(Image, "avatar_preview", LATEST_PICTURE)
        self.create_subscription(FaceExpression, "face_expression", self._on_expression,
                                 RELIABLE)

    def _on_change(self, changed: dict) -> None:
        self.diagnostics.apply(changed)

    def _on_expression(self, msg: FaceExpression) -> None:
        now = time.monotonic()
        self.stats.event("expressions in", now)
        if self._pub.get_subscription_count() == 0:
            return
        if now - self._last_publish < 1.0 / self.params["max_rate"]:
            return
        self._last_publish = now
        image = render_avatar(weights_from_lists(list(msg.names), list(msg.weights)),
                              self.params["size"])
        self._pub.publish(image_msg(image, "bgr8", msg.header))
        self.stats.timing("render and publish", time.monotonic() - now)
        self.stats.event("previews out", now)

    def _summary(self, now: float) -> tuple[bytes, str]:
        watchers = self._pub.get_subscription_count()
        if not watchers:
            return OK, "idle: nobody watches avatar_preview"
        return OK, f"{self.stats.rate('previews out', now):.0f} Hz to {watchers} viewer(s)"


def main(args: list[str] | None = None) -> int:
    return run_node(AvatarPreviewNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
