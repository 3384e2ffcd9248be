"""vmc_sender: forwards `face_expression` to a VMC/OSC avatar app (VSeeFace, VMC, ...) over UDP.

Each FaceExpression becomes one `/VMC/Ext/Blend/Val` per blendshape and then
`/VMC/Ext/Blend/Apply` (core.vmc), sent with python-osc to `host`:`port`
(127.0.0.1:39539 by default). Host, port and name map may change while running. A send that
fails (no route, unresolvable host) is counted and logged, throttled, never fatal.
"""

from __future__ import annotations

import time

from pythonosc.udp_client import UDPClient
from rclpy.node import Node
from rclpy.qos import QoSProfile, QoSReliabilityPolicy

from eye_expression_driver.msg import FaceExpression

from ..core.runtime_stats import LogThrottle
from ..core.vmc import VMC_PARAMS, blend_messages, osc_bundle, osc_message, parse_name_map
from .node_support import declare_specs, run_node

EXPRESSION_QOS = QoSProfile(depth=10, reliability=QoSReliabilityPolicy.RELIABLE)


class VmcSenderNode(Node):
    """FaceExpression in, VMC blendshape datagrams out."""

    def __init__(self) -> None:
        super().__init__("vmc_sender")
        declare_specs(self, VMC_PARAMS)
        self._client: UDPClient | None = None
        self._target: tuple[str, int] | None = None
        self._throttle = LogThrottle(5.0)
        self.sent = 0
        self.failed = 0
        self.create_subscription(FaceExpression, "face_expression", self._on_expression,
                                 EXPRESSION_QOS)
        host, port = self._wanted_target()
        self.get_logger().info(f"sending VMC blendshapes to {host}:{port}")

    def _wanted_target(self) -> tuple[str, int]:
        return self.get_parameter("host").value, self.get_parameter("port").value

    def _udp_client(self) -> UDPClient:
        """The client for the current host/port, recreated when either parameter changed."""
        target = self._wanted_target()
        if self._client is None or target != self._target:
            if self._client is not None:
                self._client.close()
                self._client = None
            self._client = UDPClient(*target)
            self._target = target
        return self._client

    def _on_expression(self, msg: FaceExpression) -> None:
        name_map = parse_name_map(self.get_parameter("name_map").value)
        messages = blend_messages(list(msg.names), list(msg.weights), name_map)
        try:
            client = self._udp_client()
            if self.get_parameter("bundle").value:
                client.send(osc_bundle(messages))
            else:
                for message in messages:
                    client.send(osc_message(message))
            self.sent += 1
        except OSError as exc:  # includes socket.gaierror for an unknown host
            self.failed += 1
            allowed, suppressed = self._throttle.allow("send", time.monotonic())
            if allowed:
                self.get_logger().warning(
                    f"VMC send to {self._wanted_target()} failed: {exc} "
                    f"({self.failed} failed so far, {suppressed} similar lines suppressed)")

    def destroy_node(self) -> None:
        if self._client is not None:
            self._client.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    return run_node(VmcSenderNode, args)
