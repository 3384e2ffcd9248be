"""vmc_sender: forwards `face_expression` to a VMC/OSC avatar app (VSeeFace, VMC, ...) over UDP.

Each FaceExpression becomes one `/VMC/Ext/Blend/Val` per blendshape and then
`/VMC/Ext/Blend/Apply` (outputs.vmc), sent with python-osc to `host`:`port`
(127.0.0.1:39539 by default). Host, port and name map may change while running. A send that
fails (no route, unresolvable host) is counted and logged, throttled, never fatal.
"""

from __future__ import annotations

import time

from pythonosc.udp_client import UDPClient
from rclpy.node import Node

from eye_expression_driver.msg import FaceExpression
from eye_expression_driver.outputs.vmc import (
    blend_messages,
    osc_bundle,
    osc_message,
    parse_name_map,
)
from eye_expression_driver.ros.diagnostics import OK, WARN, Diagnostics
from eye_expression_driver.ros.node_params import VMC_SENDER_PARAMS
from eye_expression_driver.ros.node_support import run_node
from eye_expression_driver.ros.params import NodeParameters
from eye_expression_driver.ros.qos import RELIABLE
from eye_expression_driver.runtime.stats import NodeStats


class VmcSenderNode(Node):
    """FaceExpression in, VMC blendshape datagrams out."""

    def __init__(self) -> None:
        super().__init__("vmc_sender")
        self._client: UDPClient | None = None  # before anything can refuse the start
        self.params = NodeParameters(self, VMC_SENDER_PARAMS, on_change=self._on_change)
        self.stats = NodeStats()
        self.diagnostics = Diagnostics(self, "VMC sender", "eye_expression", self.stats,
                                       self._summary, self.params["diagnostics_period"],
                                       self.params["log_period"])
        self._target: tuple[str, int] | None = None
        self._name_map = parse_name_map(self.params["name_map"])
        self._last_error = ""
        self.create_subscription(FaceExpression, "face_expression", self._on_expression,
                                 RELIABLE)
        self.get_logger().info(f"sending VMC blendshapes to {self._wanted_target()}")

    def _on_change(self, changed: dict) -> None:
        self._name_map = parse_name_map(self.params["name_map"])
        self.diagnostics.apply(changed)

    def _wanted_target(self) -> tuple[str, int]:
        return self.params["host"], self.params["port"]

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
        now = time.monotonic()
        self.stats.event("expressions in", now)
        messages = blend_messages(list(msg.names), list(msg.weights), self._name_map)
        try:
            client = self._udp_client()
            if self.params["bundle"]:
                client.send(osc_bundle(messages))
            else:
                for message in messages:
                    client.send(osc_message(message))
        except OSError as exc:  # includes socket.gaierror for an unknown host
            self._last_error = f"send to {self._wanted_target()} failed: {exc}"
            self.stats.count("send failures")
            self.diagnostics.warn("send", self._last_error)
            return
        self._last_error = ""
        self.stats.timing("build and send", time.monotonic() - now)
        self.stats.event("expressions sent", now)

    def _summary(self, now: float) -> tuple[bytes, str]:
        if self._last_error:
            return WARN, self._last_error
        host, port = self._wanted_target()
        return OK, f"{self.stats.rate('expressions sent', now):.0f} Hz to {host}:{port}"

    def destroy_node(self) -> None:
        if self._client is not None:
            self._client.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    return run_node(VmcSenderNode, args)


if __name__ == "__main__":
    import sys

    sys.exit(main())
