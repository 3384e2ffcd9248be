"""A separate process that publishes one filled message type until killed.

Usage: python msg_peer.py TYPE TOPIC SEED  (e.g. eye_expression_driver/msg/EyeState)
"""

import contextlib
import sys

import rclpy
from msg_fill import fill, message_class
from rclpy.qos import QoSDurabilityPolicy, QoSProfile, QoSReliabilityPolicy


def main() -> None:
    type_name, topic, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rclpy.init()
    node = rclpy.create_node("msg_peer")
    qos = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE,
                     durability=QoSDurabilityPolicy.VOLATILE)
    cls = message_class(type_name)
    pub = node.create_publisher(cls, topic, qos)
    msg = fill(cls(), seed)
    node.create_timer(0.05, lambda: pub.publish(msg))
    with contextlib.suppress(KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        rclpy.spin(node)


if __name__ == "__main__":
    main()
