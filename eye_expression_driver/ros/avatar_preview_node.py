"""avatar_preview: draws the face that `face_expression` describes, as an image to look at.

Subscribes `face_expression` (FaceExpression), publishes `avatar_preview` (sensor_msgs/Image,
bgr8, the expression's header) only while someone subscribes and at most `max_rate` times a
second, so an unwatched preview costs nothing. The drawing is core.avatar_preview.
"""

from __future__ import annotations

import time

from rclpy.node import Node
from rclpy.qos import QoSProfile, QoSReliabilityPolicy
from sensor_msgs.msg import Image

from eye_expression_driver.msg import FaceExpression

from ..core.avatar_preview import PREVIEW_PARAMS, render_avatar, weights_from_lists
from .node_support import declare_specs, image_msg, run_node

EXPRESSION_QOS = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE)
# Reliable keep-last 1: matches both reliable and best-effort viewers, never queues old faces.
PREVIEW_QOS = QoSProfile(depth=1, reliability=QoSReliabilityPolicy.RELIABLE)


class AvatarPreviewNode(Node):
    """FaceExpression in, a drawn face out, rate-limited and only when watched."""

    def __init__(self) -> None:
        super().__init__("avatar_preview")
        declare_specs(self, PREVIEW_PARAMS)
        self._last_publish = -float("inf")
        self.published = 0
        self._pub = self.create_publisher(Image, "avatar_preview", PREVIEW_QOS)
        self.create_subscription(FaceExpression, "face_expression", self._on_expression,
                                 EXPRESSION_QOS)

    def _on_expression(self, msg: FaceExpression) -> None:
        if self._pub.get_subscription_count() == 0:
            return
        now = time.monotonic()
        if now - self._last_publish < 1.0 / self.get_parameter("max_rate").value:
            return
        self._last_publish = now
        size = self.get_parameter("size").value
        image = render_avatar(weights_from_lists(list(msg.names), list(msg.weights)), size)
        self._pub.publish(image_msg(image, "bgr8", msg.header))
        self.published += 1


def main(args: list[str] | None = None) -> int:
    return run_node(AvatarPreviewNode, args)
